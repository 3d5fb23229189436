"""Filters of the teacher list (the API's, and the page's once it exists)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from schools.filters import InRegionFilterSet, region_code_filter
from twinning.filters import IdFilter

from .models import Teacher, Title


class TeacherFilter(InRegionFilterSet):
    school = IdFilter(field_name="school", label=_("school"))
    region_code = region_code_filter()
    title = filters.ChoiceFilter(choices=Title.choices, label=_("professional title"))
    is_active = filters.BooleanFilter(label=_("teaching here"))

    class Meta:
        model = Teacher
        fields = ["school", "region_code", "title", "is_active"]
