"""Filters of the teacher list: the API's, and the page's (teachers/forms.py adds its labels)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from schools.filters import InRegionFilterSet, region_code_filter, visible_regions
from schools.models import school_code_validator
from twinning.filters import FilterSet, IdFilter

from .models import (
    Filer,
    Mentorship,
    MentorshipRecord,
    MentorshipStatus,
    RecordKind,
    Teacher,
    Title,
)


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


class MentorshipFilter(InRegionFilterSet):
    status = filters.ChoiceFilter(choices=MentorshipStatus.choices, label=_("status"))
    region = filters.ModelChoiceFilter(
        queryset=visible_regions,
        method="filter_region",
        label=_("region"),
        help_text=_("Id of a region: mentorships with either school in it or below it."),
    )
    region_code = region_code_filter()
    school = IdFilter(method="filter_school", label=_("school"),
                      help_text=_("Id of a school: the mentor's or the mentee's."))  # fmt: skip
    pairing = IdFilter(field_name="pairing", label=_("pairing"))
    teacher = IdFilter(method="filter_teacher", label=_("teacher"),
                       help_text=_("Id of a teacher: as mentor or as mentee."))  # fmt: skip

    class Meta:
        model = Mentorship
        fields = ["status", "region", "region_code", "school", "pairing", "teacher"]

    def filter_region(self, queryset, name, region):
        if not region:
            return queryset
        return queryset.filter(
            Q(region__path__startswith=region.path) | Q(mentor_region__path__startswith=region.path)
        )

    def filter_school(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(Q(school_id=value) | Q(mentor_school_id=value))

    def filter_teacher(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(Q(mentor_id=value) | Q(mentee_id=value))


class RecordFilter(FilterSet):
    mentorship = IdFilter(field_name="mentorship", label=_("mentorship"))
    kind = filters.ChoiceFilter(choices=RecordKind.choices, label=_("kind"))
    filed_by = filters.ChoiceFilter(choices=Filer.choices, label=_("filed by"))
    signed_off = filters.BooleanFilter(
        field_name="signed_off_at", lookup_expr="isnull", exclude=True, label=_("signed off")
    )
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte", label=_("from"))
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte", label=_("to"))

    class Meta:
        model = MentorshipRecord
        fields = ["mentorship", "kind", "filed_by", "signed_off", "date_from", "date_to"]
