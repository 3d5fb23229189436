"""Filters of the teacher list: the API's, and the page's (teachers/forms.py adds its labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from schools.filters import InRegionFilterSet, region_code_filter, visible_regions
from schools.models import school_code_validator
from twinning.filters import IdFilter

from .models import Teacher, Title


class TeacherFilter(InRegionFilterSet):
    region = filters.ModelChoiceFilter(
        queryset=visible_regions,
        method="filter_region",
        label=_("region"),
        help_text=_("Id of a region: teachers of schools in it or in any region below it."),
    )
    region_code = region_code_filter()
    school = IdFilter(field_name="school", label=_("school"))
    school_code = filters.CharFilter(
        field_name="school__code",
        label=_("school code"),
        help_text=_("The 10-digit school code (学校标识码)."),
        validators=[school_code_validator],
    )
    title = filters.ChoiceFilter(choices=Title.choices, label=_("professional title"))
    is_active = filters.BooleanFilter(label=_("teaching here"))

    class Meta:
        model = Teacher
        fields = ["region", "region_code", "school", "school_code", "title", "is_active"]
