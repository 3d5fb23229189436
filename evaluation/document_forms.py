"""Forms of the report archive's pages: the archive's filters and the request for a region's
document of a past period. They parse input only; which periods may be asked for, by
whom, and what happens to a second request is evaluation.documents.services'."""

from __future__ import annotations

import django_filters
from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from schools.filters import InRegionFilterSet, region_code_filter
from twinning.forms import FilterForm, PlainWidgets, suggest_input

from .documents import builders
from .models import PAIRING_KINDS, Document, DocumentKind, DocumentStatus

REGION_HELP = _("The division code; type part of a name to get suggestions.")


def _region_box():
    return suggest_input(
        datalist="region-suggestions", endpoint=reverse_lazy("api:region-list"),
        placeholder=_("Division code"),
    )  # fmt: skip


class DocumentFilter(InRegionFilterSet):
    """The archive's kind, period (a key or its start: "2026" finds every period of
    2026), status and region (a division code, and everything below it)."""

    kind = filters.ChoiceFilter(choices=DocumentKind.choices, label=_("Kind"))
    period = django_filters.CharFilter(
        label=_("Period"), method="filter_period", max_length=20,
        help_text=_("For example 2026, 2026-03, 2026-Q1 or 2026-H1."),
    )  # fmt: skip
    status = filters.ChoiceFilter(choices=DocumentStatus.choices, label=_("Status"))
    region_code = region_code_filter()

    class Meta:
        model = Document
        fields = ["kind", "period", "status", "region_code"]
        form = FilterForm

    def __init__(self, *args, fixed_region=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_region is not None:  # a region's own archive: the region is the page's
            del self.filters["region_code"]
        else:
            box = self.filters["region_code"]
            box.label = _("Region")
            box.extra["help_text"] = REGION_HELP
            box.extra["widget"] = _region_box()

    def filter_period(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(period__startswith=value) if value else queryset


def region_kind_choices() -> list[tuple[str, str]]:
    """The kinds a region's bureau asks for on demand: every region kind built so far."""
    built = builders.kinds()
    return [(value, label) for value, label in DocumentKind.choices
            if value not in PAIRING_KINDS and value in built]  # fmt: skip


class DocumentRequestForm(PlainWidgets, forms.Form):
    """A region's document of a period that is over, asked for by its bureau."""

    region_code = forms.CharField(
        label=_("Region"), max_length=12, help_text=REGION_HELP, widget=_region_box()
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=())
    period = forms.CharField(
        label=_("Period"), max_length=20,
        help_text=_("A month (2026-03), a quarter (2026-Q1), a half-year (2026-H1) or, for the "
                    "yearly evaluation, the first year of the school year (2026)."),
    )  # fmt: skip

    def __init__(self, *args, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = region_kind_choices()
        if region is not None:  # asked for on the region's own archive
            self.fields["region_code"].initial = region.code
            self.fields["region_code"].widget = forms.HiddenInput()
