"""Forms of the teacher pages. They parse input only; the services hold the rules."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from schools.forms import PageFilterMixin
from schools.models import School, school_code_validator
from twinning.forms import FilterForm, PlainWidgets

from . import filters, selectors
from .models import Honour, Teacher
from .services import EARLIEST_YEAR, TEACHER_FIELDS


class TeacherFilter(PageFilterMixin, filters.TeacherFilter):
    """The API's teacher filters (one definition of each) plus a search box."""

    q = django_filters.CharFilter(label=_("Name, subject or staff number"), method="filter_q")
    page_labels = {"title": _("Professional title"), "is_active": _("Teaching here")}

    class Meta(filters.TeacherFilter.Meta):
        fields = ["q", *filters.TeacherFilter.Meta.fields]
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["school"].extra["widget"] = forms.HiddenInput
        self.suggest_box(
            "school_code",
            label=_("School"),
            help_text=_("The 10-digit school code; type part of a name to get suggestions."),
            datalist="school-suggestions",
            endpoint=reverse_lazy("api:school-list"),
            placeholder=_("School code"),
        )

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(subjects__icontains=value)
            | Q(staff_number__startswith=value)
        )


class TeacherForm(PlainWidgets, forms.Form):
    """A teacher's record; the school is chosen by its code when the teacher is added."""

    school_code = forms.CharField(
        label=_("School code"),
        max_length=10,
        validators=[school_code_validator],
        help_text=_("The 10-digit code of the school whose registry the teacher joins."),
    )

    def __init__(self, *args, user, teacher: Teacher | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields.update(forms.fields_for_model(Teacher, fields=TEACHER_FIELDS))
        year = self.fields["first_employed_year"]
        year.min_value, year.max_value = EARLIEST_YEAR, 2100
        year.widget.attrs.update({"min": EARLIEST_YEAR, "inputmode": "numeric"})
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        if teacher is not None:
            del self.fields["school_code"]
        else:
            self.fields["school_code"].widget.attrs.update(
                {"inputmode": "numeric", "autocomplete": "off", "maxlength": "10"}
            )

    def clean_school_code(self) -> School:
        code = self.cleaned_data["school_code"]
        school = selectors.schools_whose_teachers_are_kept_by(self.user).filter(code=code).first()
        if school is None:
            raise forms.ValidationError(_("No school with this code whose teachers you keep."))
        return school

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        if "school_code" in data:
            data["school"] = data.pop("school_code")
        return data

    @classmethod
    def initial_for(cls, teacher: Teacher) -> dict:
        return forms.model_to_dict(teacher, fields=TEACHER_FIELDS)


class HonourForm(PlainWidgets, forms.Form):
    kind = forms.ChoiceField(
        label=_("Honour"), choices=[("", "---------"), *Honour.Kind.choices], required=False
    )
    level = forms.ChoiceField(
        label=_("Level"), choices=[("", "---------"), *Honour.Level.choices], required=False
    )
    year = forms.IntegerField(
        label=_("Year awarded"), min_value=EARLIEST_YEAR, max_value=2100, required=False
    )


class BaseHonourFormSet(forms.BaseFormSet):
    def honours(self) -> list[dict]:
        """The honours filled in, in order; a row without an honour is left out."""
        return [
            {"kind": f.cleaned_data["kind"], "level": f.cleaned_data["level"],
             "year": f.cleaned_data["year"]}
            for f in self.forms
            if f.cleaned_data.get("kind") and not f.cleaned_data.get("DELETE")
        ]  # fmt: skip


HonourFormSet = forms.formset_factory(
    HonourForm, formset=BaseHonourFormSet, extra=2, can_delete=True, max_num=12
)


def honour_initial(teacher: Teacher) -> list[dict]:
    return [{"kind": h.kind, "level": h.level, "year": h.year} for h in teacher.honours.all()]
