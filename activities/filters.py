"""Filters of the activity list: the API's, and the page's (activities/forms.py adds its
labels and typed pickers)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from schools.filters import InRegionFilterSet, region_code_filter, visible_regions
from schools.models import PairingMember
from twinning.filters import FilterSet, IdFilter

from .models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Grade,
    Resource,
    ResourceCategory,
    Secondment,
    SecondmentKind,
)


class ActivityFilter(InRegionFilterSet):
    status = filters.ChoiceFilter(choices=ActivityStatus.choices, label=_("status"))
    kind = filters.ModelChoiceFilter(
        queryset=ActivityKind.objects.all(), to_field_name="code", label=_("kind"),
        help_text=_("The code of a kind of activity (see /api/activity-kinds/)."),
    )  # fmt: skip
    region = filters.ModelChoiceFilter(
        queryset=visible_regions,
        method="filter_region",
        label=_("region"),
        help_text=_("Id of a region: activities of pairings with a school in it or below it."),
    )
    region_code = region_code_filter()
    pairing = IdFilter(field_name="pairing", label=_("pairing"))
    school = IdFilter(field_name="host_school", label=_("host school"))
    teacher = IdFilter(
        field_name="participations__teacher", label=_("teacher"),
        help_text=_("Id of a teacher: the activities they take part in."),
    )  # fmt: skip
    date_from = filters.DateFilter(
        field_name="ends_at", lookup_expr="date__gte", label=_("from"),
        help_text=_("Activities ending on or after this day."),
    )  # fmt: skip
    date_to = filters.DateFilter(
        field_name="starts_at", lookup_expr="date__lte", label=_("to"),
        help_text=_("Activities starting on or before this day."),
    )  # fmt: skip

    class Meta:
        model = Activity
        fields = ["status", "kind", "region", "region_code", "pairing", "school", "teacher",
                  "date_from", "date_to"]  # fmt: skip

    def filter_region(self, queryset, name, region):
        if not region:
            return queryset
        pairings = PairingMember.objects.filter(region__path__startswith=region.path)
        return queryset.filter(pairing_id__in=pairings.values("pairing_id"))


class SecondmentFilter(InRegionFilterSet):
    kind = filters.ChoiceFilter(choices=SecondmentKind.choices, label=_("kind"))
    region = filters.ModelChoiceFilter(
        queryset=visible_regions,
        method="filter_region",
        label=_("region"),
        help_text=_("Id of a region: secondments from or to a school in it or below it."),
    )
    region_code = region_code_filter()
    pairing = IdFilter(field_name="pairing", label=_("pairing"))
    teacher = IdFilter(field_name="teacher", label=_("teacher"))
    school = IdFilter(
        method="filter_school", label=_("school"),
        help_text=_("Id of a school: secondments from it or to it."),
    )  # fmt: skip
    cancelled = filters.BooleanFilter(
        field_name="cancelled_at", lookup_expr="isnull", exclude=True, label=_("cancelled")
    )
    date_from = filters.DateFilter(
        field_name="end", lookup_expr="gte", label=_("from"),
        help_text=_("Secondments ending on or after this day."),
    )  # fmt: skip
    date_to = filters.DateFilter(
        field_name="start", lookup_expr="lte", label=_("to"),
        help_text=_("Secondments starting on or before this day."),
    )  # fmt: skip

    class Meta:
        model = Secondment
        fields = ["kind", "region", "region_code", "pairing", "teacher", "school", "cancelled",
                  "date_from", "date_to"]  # fmt: skip

    def filter_region(self, queryset, name, region):
        if not region:
            return queryset
        return queryset.filter(
            Q(home_region__path__startswith=region.path)
            | Q(host_region__path__startswith=region.path)
        )

    def filter_school(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(Q(home_school_id=value) | Q(host_school_id=value))


class ResourceFilter(FilterSet):
    pairing = IdFilter(field_name="pairing", label=_("pairing"))
    category = filters.ChoiceFilter(choices=ResourceCategory.choices, label=_("category"))
    grade = filters.ChoiceFilter(choices=Grade.choices, label=_("grade"))
    subject = filters.CharFilter(field_name="subject", label=_("subject"))
    activity = IdFilter(field_name="activity", label=_("activity"))

    class Meta:
        model = Resource
        fields = ["pairing", "category", "grade", "subject", "activity"]
