"""Forms of the school and programme pages. They parse input only; the services hold the rules.

The edit forms are plain forms whose fields are taken from the model (labels, help
texts, choices), not ModelForms: the service is the one place that validates the
model (the 10-digit code, uniqueness, the programme's rules) and its errors are put
back onto these forms by :func:`twinning.forms.add_service_errors`.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from twinning.access import resolve_scope
from twinning.forms import FilterForm, PlainWidgets, suggest_input

from . import filters, selectors
from .models import Programme, Region, School
from .services import PROGRAMME_FIELDS, SCHOOL_FIELDS


class RegionChoiceField(forms.ModelChoiceField):
    """Regions indented by their depth in the tree (the queryset is ordered by path)."""

    def label_from_instance(self, obj: Region) -> str:
        return "\u3000" * max(obj.depth, 0) + obj.name


# --- lists -----------------------------------------------------------------------


class PageFilterMixin:
    """What the list pages add to the API's filtersets (one definition of each filter):
    page labels, drop-downs written in one pass (:class:`twinning.forms.FilterForm`),
    and the region as a typed division-code box with suggestions instead of a drop-down
    of every region in scope; ``region`` by id stays, hidden, for links."""

    page_labels: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.page_labels.items():
            self.filters[name].label = label
            self.filters[name].extra.pop("help_text", None)
        self.filters["region"].extra["widget"] = forms.HiddenInput
        self.suggest_box(
            "region_code",
            label=_("Region"),
            help_text=_("The division code; type part of a name to get suggestions."),
            datalist="region-suggestions",
            endpoint=reverse_lazy("api:region-list"),
            placeholder=_("Division code"),
        )

    def suggest_box(self, name, *, label, help_text, datalist, endpoint, placeholder) -> None:
        """Show the code filter ``name`` as a box that suggests matches as the user types
        (static/js/app.js asks the scoped ``endpoint``); without JavaScript a plain box."""
        box = self.filters[name]
        box.label = label
        box.extra["help_text"] = help_text
        box.extra["widget"] = suggest_input(
            datalist=datalist, endpoint=endpoint, placeholder=placeholder
        )


class SchoolFilter(PageFilterMixin, filters.SchoolFilter):
    """Search and filters of the school list and its CSV export."""

    q = django_filters.CharFilter(label=_("Name or school code"), method="filter_q")
    page_labels = {"stage": _("Stage"), "location": _("Urban or rural")}

    class Meta(filters.SchoolFilter.Meta):
        fields = ["q", *filters.SchoolFilter.Meta.fields]
        form = FilterForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))


class ProgrammeFilter(PageFilterMixin, filters.ProgrammeFilter):
    q = django_filters.CharFilter(label=_("Name"), method="filter_q")
    page_labels = {"is_open": _("Open for proposals")}

    class Meta(filters.ProgrammeFilter.Meta):
        fields = ["q", *filters.ProgrammeFilter.Meta.fields]
        form = FilterForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(name__icontains=value) if value else queryset


# --- create and edit --------------------------------------------------------------


def _managed_regions(user):
    """The regions where ``user`` may create schools and programmes."""
    scope = resolve_scope(user)
    regions = selectors.region_list_visible_to(user)
    return regions if scope.is_admin else regions.filter(id__in=scope.bureau_region_ids)


class _ModelFieldsForm(PlainWidgets, forms.Form):
    model: type
    field_names: tuple[str, ...]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(
                self.model, fields=self.field_names, formfield_callback=self._formfield
            )
        )
        # The model's own field validators (the 10-digit code, year ranges) run here
        # too, so that every field's format error shows on the first submit, even
        # when another field is missing and the service is not reached.
        for name in self.field_names:
            field = self.fields[name]
            model_validators = self.model._meta.get_field(name).validators
            field.validators += [v for v in model_validators if v not in field.validators]
        self.fields["region"].queryset = _managed_regions(user)

    @staticmethod
    def _formfield(model_field, **kwargs):
        if model_field.name == "region":
            kwargs["form_class"] = RegionChoiceField
        return model_field.formfield(**kwargs)


class SchoolForm(_ModelFieldsForm):
    model = School
    field_names = SCHOOL_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "off", "maxlength": "10"}
        )

    @classmethod
    def initial_for(cls, school: School) -> dict:
        return forms.model_to_dict(school, fields=cls.field_names)


class ProgrammeForm(_ModelFieldsForm):
    model = Programme
    field_names = PROGRAMME_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("funding_per_pair", "tranche_count"):
            self.fields[name].help_text = _(
                "Allocations made from now on follow it; those already made keep their tranches."
            )
        self.fields["pass_mark"].help_text = _(
            "Evaluations finalised from now on are judged by it; those already finalised "
            "keep the mark they were judged by, also when finalised again."
        )

    @classmethod
    def initial_for(cls, programme: Programme) -> dict:
        return forms.model_to_dict(programme, fields=cls.field_names)


class RegionSettingForm(PlainWidgets, forms.Form):
    """A region's own calendar setting (a working-day exception, term dates); the region
    is typed as its division code (with suggestions) rather than picked from every region
    of a province, and must be one of ``regions`` (those the user manages)."""

    region_code = forms.CharField(
        label=_("Region"), max_length=12,
        help_text=_("The division code of your region or one below it; type part of a name "
                    "to get suggestions."),
        widget=suggest_input(
            datalist="region-suggestions", endpoint=reverse_lazy("api:region-list"),
            placeholder=_("Division code"),
        ),
    )  # fmt: skip

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.regions = regions

    def clean_region_code(self):
        code = self.cleaned_data["region_code"].strip()
        region = self.regions.filter(code=code).first()
        if region is None:
            raise forms.ValidationError(_("No region with this division code that you manage."))
        return region


class DayOverrideForm(RegionSettingForm):
    """A working-day exception."""

    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    is_working_day = forms.TypedChoiceField(
        label=_("That day"), coerce=lambda v: v == "1",
        choices=[("0", _("Schools do not work")), ("1", _("Schools work"))],
    )  # fmt: skip
    note = forms.CharField(label=_("What day it is"), max_length=100,
                           help_text=_("e.g. 2027年春节, 暴雪停课"))  # fmt: skip


class TermDatesForm(RegionSettingForm):
    """A region's own dates for a term of a school year."""

    school_year = forms.IntegerField(
        label=_("School year"), min_value=2000, max_value=2100,
        help_text=_("The year the school year starts in: 2026 for 2026–2027."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )  # fmt: skip
    term = forms.TypedChoiceField(
        label=_("Term"), coerce=int, choices=[("1", _("Term 1")), ("2", _("Term 2"))]
    )
    start = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
