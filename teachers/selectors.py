"""Scoped reads of the teacher registry."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from schools.models import School
from schools.selectors import partner_school_ids
from twinning import access
from twinning.access import resolve_scope
from twinning.db import get_or_404

from .models import Honour, Teacher


def teacher_list_visible_to(user) -> QuerySet[Teacher]:
    """Teachers the user may see: in their regions (bureau, inspectors), or of their
    school and of the schools it is paired with (coordinators, teachers), since a
    mentorship may join teachers of two schools of one pairing."""
    scope = resolve_scope(user)
    qs = Teacher.objects.select_related("school").prefetch_related(
        Prefetch("honours", queryset=Honour.objects.order_by("kind", "level"))
    )
    if scope.is_admin:
        return qs
    condition = Q(pk__in=[])
    if scope.read_region_ids:
        condition |= Q(region_id__any_of=scope.read_region_ids)
    if scope.read_school_ids:
        # The partner schools first (one small query), then one indexed match: an OR
        # with a subquery made PostgreSQL read every teacher of the province.
        partners = partner_school_ids(scope.read_school_ids).values_list("school_id", flat=True)
        condition |= Q(school_id__any_of={*scope.read_school_ids, *partners})
    return qs.filter(condition)


def teacher_get_for_user(user, pk, *, write: bool = False) -> Teacher:
    """404 outside the user's scope; 403 when they may read but ``write`` was asked."""
    teacher = get_or_404(teacher_list_visible_to(user), pk)
    if write:
        access.require(access.can_manage_teachers_of(resolve_scope(user), teacher.school))
    return teacher


def schools_whose_teachers_are_kept_by(user) -> QuerySet[School]:
    """The schools whose registry ``user`` keeps: a coordinator's own schools, every school
    of a bureau's regions (see :func:`twinning.access.can_manage_teachers_of`)."""
    scope = resolve_scope(user)
    if scope.is_admin:
        return School.objects.all()
    return School.objects.filter(
        Q(id__any_of=scope.coordinator_school_ids) | Q(region_id__any_of=scope.bureau_region_ids)
    )
