"""django-filter FilterSets of the schools app, shared by the API and the web lists.

Every choice of a related object (region, programme) is offered from the
requesting user's scoped selector, so naming an object outside one's scope fails
exactly like naming one that does not exist. Filters by a bare id (a member
school, a pairing) only narrow a list that is already scoped, so they reveal
nothing either.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from twinning.filters import FilterSet, IdFilter, IntegerFilter, document_pattern

from . import selectors
from .models import (
    REGION_CODE_PATTERN,
    Goal,
    NeedsAssessment,
    NeedsDimension,
    Pairing,
    PairingMember,
    PairingStatus,
    PeriodKind,
    Programme,
    Region,
    School,
    school_code_validator,
)


def _user(request):
    # A FilterSet built without a request (e.g. in a shell) offers nothing.
    return getattr(request, "user", None)


def visible_regions(request) -> QuerySet[Region]:
    return selectors.region_list_visible_to(_user(request))


def visible_programmes(request) -> QuerySet[Programme]:
    # Choices and validation need the id and the name (its label), not the region.
    return (
        selectors.programme_list_visible_to(_user(request)).select_related(None).only("id", "name")
    )


def region_code_filter() -> filters.ModelChoiceFilter:
    """``region_code``: a region by its division code, and everything below it.

    Looked up among the regions the user may see (one query, only when given), so a
    code outside the scope is refused like one that does not exist; narrows through
    the filterset's ``filter_region``, the same meaning as ``region`` by id. Pages
    show it as a typed box with suggestions rather than a drop-down of every region.
    """
    code = filters.ModelChoiceFilter(
        queryset=visible_regions,
        to_field_name="code",
        method="filter_region",
        label=_("region code"),
        help_text=_("A division code (行政区划代码): the region and everything below it."),
        error_messages={"invalid_choice": _("No region with this division code in your scope.")},
    )
    return document_pattern(code, REGION_CODE_PATTERN)


class InRegionFilterSet(FilterSet):
    """The filter set of records that carry a ``region``: ``region`` and ``region_code``
    (declared with ``method="filter_region"``) narrow to that region and every region
    below it."""

    def filter_region(self, queryset, name, region):
        return queryset.filter(region__path__startswith=region.path) if region else queryset


class RegionFilter(FilterSet):
    level = filters.ChoiceFilter(choices=Region.Level.choices, label=_("level"))
    parent = filters.ModelChoiceFilter(
        queryset=visible_regions, label=_("parent region"), help_text=_("Id of the parent region.")
    )

    class Meta:
        model = Region
        fields = ["level", "parent"]


class SchoolFilter(InRegionFilterSet):
    region = filters.ModelChoiceFilter(
        queryset=visible_regions,
        method="filter_region",
        label=_("region"),
        help_text=_("Id of a region: schools in it or in any region below it."),
    )
    region_code = region_code_filter()
    stage = filters.ChoiceFilter(choices=School.Stage.choices, label=_("stage"))
    location = filters.ChoiceFilter(choices=School.Location.choices, label=_("urban or rural"))

    class Meta:
        model = School
        fields = ["region", "region_code", "stage", "location"]


class ProgrammeFilter(InRegionFilterSet):
    region = filters.ModelChoiceFilter(
        queryset=visible_regions,
        method="filter_region",
        label=_("region"),
        help_text=_("Id of a region: programmes run by it or by any region below it."),
    )
    region_code = region_code_filter()
    is_open = filters.BooleanFilter(label=_("open for proposals"))

    class Meta:
        model = Programme
        fields = ["region", "region_code", "is_open"]


def _with_member(queryset, **school_lookup):
    """Pairings with a member school matching ``school_lookup`` (one indexed subquery)."""
    members = PairingMember.objects.filter(**school_lookup).values("pairing_id")
    return queryset.filter(id__in=members)


class PairingFilter(FilterSet):
    programme = filters.ModelChoiceFilter(queryset=visible_programmes, label=_("programme"))
    status = filters.ChoiceFilter(choices=PairingStatus.choices, label=_("status"))
    region = filters.ModelChoiceFilter(
        queryset=visible_regions,
        method="filter_region",
        label=_("region"),
        help_text=_(
            "Id of a region: pairings of its programmes or with a member school in it "
            "(or in any region below it)."
        ),
    )
    region_code = region_code_filter()
    school = IdFilter(
        field_name="members__school",
        method="filter_school",
        label=_("school"),
        help_text=_("Id of a school: pairings it is a member of."),
    )
    school_code = filters.CharFilter(
        method="filter_school_code",
        label=_("school code"),
        validators=[school_code_validator],
        help_text=_("A 10-digit school code: pairings that school is a member of."),
    )

    class Meta:
        model = Pairing
        fields = ["programme", "status", "region", "region_code", "school", "school_code"]

    def filter_region(self, queryset, name, region):
        if not region:
            return queryset
        in_region = PairingMember.objects.filter(region__path__startswith=region.path)
        return queryset.filter(
            Q(region__path__startswith=region.path) | Q(id__in=in_region.values("pairing_id"))
        )

    def filter_school(self, queryset, name, value):
        return queryset if value is None else _with_member(queryset, school_id=value)

    def filter_school_code(self, queryset, name, value):
        return _with_member(queryset, school__code=value) if value else queryset


class NeedsAssessmentFilter(FilterSet):
    pairing = IdFilter(field_name="pairing", label=_("pairing"))
    school = IdFilter(field_name="school", label=_("school"))
    dimension = filters.ChoiceFilter(choices=NeedsDimension.choices, label=_("dimension"))

    class Meta:
        model = NeedsAssessment
        fields = ["pairing", "school", "dimension"]


class GoalFilter(FilterSet):
    pairing = IdFilter(field_name="pairing", label=_("pairing"))
    school = IdFilter(field_name="school", label=_("school"))
    period_kind = filters.ChoiceFilter(choices=PeriodKind.choices, label=_("period"))
    school_year = IntegerFilter(
        label=_("school year"),
        help_text=_("The calendar year in which the school year starts."),
    )

    class Meta:
        model = Goal
        fields = ["pairing", "school", "period_kind", "school_year"]
