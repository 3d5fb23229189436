"""Forms of the scorecard template pages and the rankings. They parse input only:
evaluation.services checks every rule (a published version never changes, the steps'
points, what an indicator may continue) and its errors are put back next to the field
they name (twinning.forms.add_service_errors)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from schools.filters import (
    InRegionFilterSet,
    region_code_filter,
    visible_programmes,
    visible_regions,
)
from schools.forms import PageFilterMixin
from schools.models import PairingMember
from twinning.filters import IntegerFilter
from twinning.forms import FilterForm, PlainWidgets

from . import metrics
from .models import Area, Grade, Indicator, Rule, Scorecard, Source, Template

POINTS = {"max_digits": 5, "decimal_places": 1}
NONE_CHOSEN = ("", "—")


def _label(model, name: str):
    return model._meta.get_field(name).verbose_name


# --- the template -------------------------------------------------------------------


class TemplateForm(PlainWidgets, forms.Form):
    """A draft's own fields (labels from the model)."""

    name = forms.CharField(label=_label(Template, "name"), max_length=150)
    max_points = forms.DecimalField(label=_label(Template, "max_points"), min_value=0, **POINTS)
    band_excellent = forms.DecimalField(
        label=_label(Template, "band_excellent"), min_value=0, **POINTS
    )
    band_good = forms.DecimalField(label=_label(Template, "band_good"), min_value=0, **POINTS)
    band_pass = forms.DecimalField(label=_label(Template, "band_pass"), min_value=0, **POINTS)
    opens_days_before = forms.IntegerField(
        label=_label(Template, "opens_days_before"), min_value=0, max_value=366
    )
    description = forms.CharField(
        label=_label(Template, "description"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip

    @staticmethod
    def initial_for(template: Template) -> dict:
        return {name: getattr(template, name) for name in TemplateForm.base_fields}


class CopyForm(PlainWidgets, forms.Form):
    """Copy a published version into a programme as its next draft. ``programme`` is an
    id the view resolves through the scoped selector (404 out of scope, 403 for a
    programme the user does not keep), so the choices are only what the page offers."""

    programme = forms.IntegerField(label=_("Into the programme"), min_value=1, max_value=2**31 - 1)
    name = forms.CharField(
        label=_("Name of the new version"), required=False, max_length=150,
        help_text=_("Leave empty to keep the name of the version copied."),
    )  # fmt: skip

    def __init__(self, *args, programmes=(), fixed=None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed is not None:
            # "Make a new version": into the template's own programme.
            self.fields["programme"].widget = forms.HiddenInput()
            self.initial["programme"] = fixed
        else:
            # No programme chosen for the user: a copy into the wrong one is a new draft
            # there, which its bureau would have to delete.
            choices = [("", _("Choose a programme")), *programmes]
            self.fields["programme"].widget = forms.Select(choices=choices)


# --- areas and indicators -----------------------------------------------------------


class ContinuesField(forms.ModelChoiceField):
    """What an area or indicator continues: one of the previous version's."""

    def label_from_instance(self, obj) -> str:
        return f"{obj.code} {obj.name}" if isinstance(obj, Indicator) else obj.name


class AreaForm(PlainWidgets, forms.Form):
    name = forms.CharField(label=_label(Area, "name"), max_length=100)
    order = forms.IntegerField(
        label=_label(Area, "order"), required=False, min_value=0, max_value=32767,
        help_text=_("Areas are listed from the lowest number."),
    )  # fmt: skip
    continues = ContinuesField(
        label=_label(Area, "continues"), queryset=Area.objects.none(), required=False,
        empty_label=_("Nothing: a new area"),
        help_text=_("The previous version's area this one carries on, so that a pair's "
                    "years compare area by area."),
    )  # fmt: skip

    def __init__(self, *args, template: Template, **kwargs):
        super().__init__(*args, **kwargs)
        if template.previous_id is None:
            del self.fields["continues"]
        else:
            self.fields["continues"].queryset = Area.objects.filter(
                template_id=template.previous_id
            ).order_by("order", "id")

    @staticmethod
    def initial_for(area: Area) -> dict:
        return {"name": area.name, "order": area.order, "continues": area.continues_id}


def parse_steps(text: str) -> list[list[str]]:
    """Threshold lines "value points" (one a line; a comma or a colon may separate
    them) as ``[[value, points], …]``; a line that is not two numbers is named."""
    steps = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p for p in re.split(r"[\s,，:：;；≥>=]+", line) if p]
        try:
            if len(parts) != 2:
                raise InvalidOperation
            value, points = (Decimal(p) for p in parts)
            if not (value.is_finite() and points.is_finite()):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            raise forms.ValidationError(
                _("Line %(n)s: write a value and its points, e.g. “5000 3.5”."),
                params={"n": number},
            ) from None
        steps.append([str(value), str(points)])
    return steps


def steps_text(steps) -> str:
    return "\n".join(f"{value} {points}" for value, points in steps or [])


class IndicatorForm(PlainWidgets, forms.Form):
    area = forms.ModelChoiceField(
        label=_label(Indicator, "area"), queryset=Area.objects.none(), empty_label=None
    )
    code = forms.CharField(label=_label(Indicator, "code"), max_length=10, help_text=_("e.g. 1.2"))
    name = forms.CharField(label=_label(Indicator, "name"), max_length=200)
    criteria = forms.CharField(
        label=_label(Indicator, "criteria"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    max_points = forms.DecimalField(
        label=_label(Indicator, "max_points"), min_value=0, max_digits=4, decimal_places=1
    )
    source = forms.ChoiceField(label=_label(Indicator, "source"), choices=Source.choices)
    metric = forms.ChoiceField(
        label=_label(Indicator, "metric"), required=False,
        help_text=_("What a computed indicator measures in the pairing year's records."),
    )  # fmt: skip
    rule = forms.ChoiceField(
        label=_label(Indicator, "rule"), required=False, choices=[NONE_CHOSEN, *Rule.choices],
        help_text=_("Share of a target: the maximum times the value's share of the target "
                    "(at most all of it). Thresholds: the points of the highest threshold "
                    "the value reaches."),
    )  # fmt: skip
    target = forms.DecimalField(
        label=_label(Indicator, "target"), required=False, min_value=0, max_digits=14,
        decimal_places=2,
        help_text=_("The value that earns full points. A share is written as a fraction: "
                    "1 is 100%."),
    )  # fmt: skip
    steps = forms.CharField(
        label=_label(Indicator, "steps"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One threshold a line: the value reached, then its points, e.g. "
                    "“5000 3.5”."),
    )  # fmt: skip
    order = forms.IntegerField(
        label=_label(Indicator, "order"), required=False, min_value=0, max_value=32767,
        help_text=_("Indicators are listed in their area from the lowest number."),
    )  # fmt: skip
    continues = ContinuesField(
        label=_label(Indicator, "continues"), queryset=Indicator.objects.none(), required=False,
        empty_label=_("Nothing: a new indicator"),
        help_text=_("The previous version's indicator this one carries on."),
    )  # fmt: skip

    def __init__(self, *args, template: Template, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(template=template).order_by(
            "order", "id"
        )
        self.fields["metric"].choices = [NONE_CHOSEN, *metrics.choices()]
        if template.previous_id is None:
            del self.fields["continues"]
        else:
            self.fields["continues"].queryset = Indicator.objects.filter(
                template_id=template.previous_id
            ).order_by("area__order", "order", "id")

    def clean_steps(self) -> list[list[str]]:
        return parse_steps(self.cleaned_data.get("steps", ""))

    def clean_order(self) -> int:
        return self.cleaned_data.get("order") or 0

    @staticmethod
    def initial_for(indicator: Indicator) -> dict:
        return {
            "area": indicator.area_id, "code": indicator.code, "name": indicator.name,
            "criteria": indicator.criteria, "max_points": indicator.max_points,
            "source": indicator.source, "metric": indicator.metric, "rule": indicator.rule,
            "target": indicator.target, "steps": steps_text(indicator.steps),
            "order": indicator.order, "continues": indicator.continues_id,
        }  # fmt: skip


# --- the rankings -------------------------------------------------------------------


class RankingFilter(PageFilterMixin, InRegionFilterSet):
    """The rankings' programme, region (typed division code), pairing year and grade."""

    programme = filters.ModelChoiceFilter(queryset=visible_programmes, label=_("Programme"))
    region = filters.ModelChoiceFilter(
        queryset=visible_regions, method="filter_region", label=_("region")
    )
    region_code = region_code_filter()
    year = IntegerFilter(field_name="year", label=_("Pairing year"), min_value=1, max_value=20)
    grade = filters.ChoiceFilter(choices=Grade.choices, label=_("Grade"))

    class Meta:
        model = Scorecard
        fields = ["programme", "year", "grade", "region", "region_code"]
        form = FilterForm

    def filter_region(self, queryset, name, region):
        """The programme's region or a member school's in ``region`` (or below it)."""
        if not region:
            return queryset
        members = PairingMember.objects.filter(region__path__startswith=region.path)
        return queryset.filter(
            Q(region__path__startswith=region.path) | Q(pairing_id__in=members.values("pairing_id"))
        )
