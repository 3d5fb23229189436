"""Scoped reads of the activities app.

An activity is visible to whoever may read its pairing (schools.selectors): the
bureau and inspectors of the programme's region and of the member schools' regions,
the coordinators of the member schools, and their teachers once the schools are
paired. Rows carry the region of their school(s), so a bureau's list is one indexed
filter on the table itself; the pairings that reach beyond the user's regions, and
those of a coordinator's or teacher's schools, are resolved first, as ids
(:func:`_scope_condition`).
"""

from __future__ import annotations

import dataclasses

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404

from schools.models import Pairing, PairingMember
from schools.selectors import _pairing_scope_condition, member_ids
from teachers.models import Teacher
from twinning import access, calendar
from twinning.access import resolve_scope
from twinning.db import get_or_404

from .models import (
    Activity,
    ActivityKind,
    Evidence,
    Participation,
    Reschedule,
    Resource,
    Secondment,
)


def _scope_condition(user, scope, region_fields: tuple[str, ...], pairing_field: str) -> Q:
    """Rows of the pairings ``scope`` may read, as one indexed condition on the rows' own
    columns (DESIGN.md §5), built with one query (once per request: kept on ``user``).

    Region roles read a row whose region (one of ``region_fields``: a school of the
    pairing's) is theirs; the few pairings that also reach outside their regions (a
    member school or the programme elsewhere) are added by id. School roles read the
    rows of their schools' pairings, by id."""
    regions = scope.read_region_ids
    memo = user.__dict__.setdefault("_exchange_pairing_ids", {})
    if scope not in memo:
        memo[scope] = _pairing_ids(scope)
    # No empty "pairing = ANY('{}')" beside the regions: it kept PostgreSQL from counting
    # a province's rows from the region index alone.
    conditions = [Q(**{f"{pairing_field}__any_of": memo[scope]})] if memo[scope] else []
    conditions += [Q(**{f"{field}__any_of": regions}) for field in region_fields if regions]
    if not conditions:
        return Q(pk__in=[])
    condition = conditions[0]
    for other in conditions[1:]:
        condition |= other
    return condition


def _pairing_ids(scope) -> list[int]:
    """The pairings ``scope`` reads that its regions alone do not cover: those reaching
    outside its regions, and those of its schools."""
    regions = scope.read_region_ids
    school_roles = dataclasses.replace(
        scope, bureau_region_ids=frozenset(), inspector_region_ids=frozenset()
    )
    pairings = Pairing.objects.none()
    if regions:
        by_region = Pairing.objects.filter(
            Q(region_id__any_of=regions)
            | Q(id__in=PairingMember.objects.filter(region_id__any_of=regions).values("pairing_id"))
        )
        edge = PairingMember.objects.filter(pairing_id__in=by_region.values("id")).exclude(
            region_id__any_of=regions
        )
        pairings = Pairing.objects.filter(id__in=edge.values("pairing_id"))
    if school_roles.read_school_ids:
        pairings = pairings | Pairing.objects.filter(_pairing_scope_condition(school_roles))
    return list(pairings.order_by().values_list("id", flat=True).distinct())


def _in_scope(
    qs: QuerySet, user, *, region_fields: tuple[str, ...] = ("region_id",),
    pairing_field: str = "pairing_id",
) -> QuerySet:  # fmt: skip
    if user is None or not user.is_authenticated:
        return qs.none()
    scope = resolve_scope(user)
    if scope.is_admin:
        return qs
    if scope.is_empty:
        return qs.none()
    return qs.filter(_scope_condition(user, scope, region_fields, pairing_field))


def activity_list_visible_to(user) -> QuerySet[Activity]:
    """Visible activities, with their kind and host school (joined: small tables)."""
    qs = Activity.objects.select_related("kind", "host_school")
    return _in_scope(qs, user)


def activity_get_for_user(user, pk, *, write: bool = False) -> Activity:
    """404 outside the user's scope; 403 when they may read but ``write`` was asked."""
    members = PairingMember.objects.select_related("school")
    pairings = Pairing.objects.select_related("helping_school").prefetch_related(
        Prefetch("members", queryset=members)
    )
    qs = (
        activity_list_visible_to(user)
        .select_related("organiser", "closed_by")
        .prefetch_related(Prefetch("pairing", queryset=pairings))
    )
    activity = get_or_404(qs, pk)
    if write:
        access.require(can_schedule(user, activity.pairing))
    return activity


def can_schedule(user, pairing: Pairing) -> bool:
    """Whether ``user`` schedules and logs ``pairing``'s activities (members prefetched)."""
    school_ids, _regions = member_ids(pairing)
    return access.can_schedule_activities(resolve_scope(user), pairing, school_ids)


def activity_detail(activity: Activity) -> dict:
    """What the activity's page shows besides the activity (3 queries)."""
    return {
        "participants": list(
            Participation.objects.filter(activity=activity)
            .select_related("teacher", "school")
            .order_by("school__name", "teacher__name")
        ),
        "evidence": list(activity.evidence.select_related("uploaded_by")),
        "reschedules": list(Reschedule.objects.filter(activity=activity).select_related("actor")),
    }


def evidence_get_for_user(user, pk) -> Evidence:
    """A file of a visible activity, else 404."""
    return get_or_404(
        _in_scope(Evidence.objects.all(), user, pairing_field="activity__pairing_id"), pk
    )


def kinds_in_use() -> QuerySet[ActivityKind]:
    return ActivityKind.objects.filter(is_active=True)


def pairing_teachers(pairing: Pairing) -> QuerySet[Teacher]:
    """The teachers of the pairing's schools who may take part in its activities."""
    school_ids = PairingMember.objects.filter(pairing=pairing).values("school_id")
    return (
        Teacher.objects.filter(school_id__in=school_ids, is_active=True)
        .select_related("school")
        .order_by("school__name", "name")
    )


def evidence_counts(activity_ids) -> dict[int, int]:
    """How many files each of ``activity_ids`` holds (one query, for a page of rows)."""
    rows = (
        Evidence.objects.filter(activity_id__in=list(activity_ids))
        .order_by()
        .values("activity_id")
        .annotate(n=Count("id"))
    )
    return {row["activity_id"]: row["n"] for row in rows}


# --- secondments ------------------------------------------------------------------------


def secondment_list_visible_to(user) -> QuerySet[Secondment]:
    """Visible secondments, with the person and both schools (the host's region too, for
    the days served)."""
    qs = Secondment.objects.select_related(
        "teacher", "home_school", "host_school", "host_region", "pairing"
    )
    return _in_scope(qs, user, region_fields=("home_region_id", "host_region_id"))


def secondment_get_for_user(user, pk, *, write: bool = False) -> Secondment:
    """404 outside the user's scope; 403 when they may read but ``write`` was asked."""
    members = PairingMember.objects.select_related("school")
    pairings = Pairing.objects.select_related("helping_school").prefetch_related(
        Prefetch("members", queryset=members)
    )
    qs = (
        secondment_list_visible_to(user)
        .select_related("created_by")
        .prefetch_related(Prefetch("pairing", queryset=pairings))
    )
    secondment = get_or_404(qs, pk)
    if write:
        access.require(can_schedule(user, secondment.pairing))
    return secondment


def with_days(secondments) -> list[Secondment]:
    """Secondments with ``served`` (so far) and ``planned`` working days, from the
    calendar's cache: no query (``host_region`` loaded)."""
    rows = list(secondments)
    for secondment in rows:
        secondment.served = secondment.days_served()
        secondment.planned = 0 if secondment.is_cancelled else secondment.days_planned()
    return rows


def secondment_days(secondments: QuerySet[Secondment], first, last) -> dict[int, int]:
    """Working days served from ``first`` to ``last`` by the (not cancelled) secondments
    given, per pairing: one query, then the calendar's arithmetic (working days depend
    on each host region's calendar, which the database does not hold)."""
    rows = (
        secondments.filter(cancelled_at__isnull=True, start__lte=last, end__gte=first)
        .select_related("host_region")
        .only("pairing_id", "start", "end", "cancelled_at", "host_region__path")
    )
    days: dict[int, int] = {}
    for secondment in rows.iterator(chunk_size=2000):
        served = secondment.days_served_between(first, min(last, calendar.today()))
        days[secondment.pairing_id] = days.get(secondment.pairing_id, 0) + served
    return days


# --- the shared resource library -------------------------------------------------------------


def resource_list_visible_to(user) -> QuerySet[Resource]:
    """Resources of the pairings whose schools the user belongs to (coordinators,
    teachers) or whose bureau they are: not the inspectors, not anyone else."""
    if user is None or not user.is_authenticated:
        return Resource.objects.none()
    scope = resolve_scope(user)
    qs = Resource.objects.select_related("school", "uploaded_by", "pairing")
    if scope.is_admin:
        return qs
    library = dataclasses.replace(scope, inspector_region_ids=frozenset())
    if library.is_empty:
        return qs.none()
    return qs.filter(_scope_condition(user, library, ("region_id",), "pairing_id"))


def resource_get_for_user(user, pk) -> Resource:
    return get_or_404(resource_list_visible_to(user), pk)


def can_read_resources(user, pairing: Pairing) -> bool:
    """Whether ``user`` reads ``pairing``'s library (members prefetched)."""
    school_ids, region_ids = member_ids(pairing)
    return access.can_read_resources(resolve_scope(user), pairing, school_ids, region_ids)


# --- figures of pairing years (evaluation) -------------------------------------------------------


def completed_in_windows(windows: QuerySet, kinds: dict[str, tuple[str, str]]) -> dict[int, dict]:
    """``{window row id: {name: completed activities}}`` for each ``name: (kind code,
    side)`` of ``kinds``: the completed activities of the row's pairing that started within
    its window (``pairing_id``, ``period_start``, ``period_end``; twinning.db.per_window),
    at either school or at one side (by the host school). The rows reach their pairing's
    activities through their ``pairing`` relation.

    One query for every row: the windows joined to their pairings' activities of those
    kinds, counted by window, kind and side in one pass, and one for the rows' ids. (A
    correlated count per window and name read each pairing's activities once per name:
    two seconds for the 2,000 scorecards of a province.)"""
    from django.db.models import BooleanField, ExpressionWrapper

    from .models import ActivityStatus, TargetSide

    if not kinds:
        return {}
    found = {pk: dict.fromkeys(kinds, 0) for pk in windows.order_by().values_list("pk", flat=True)}
    held = "pairing__activities__"
    rows = (
        windows.order_by()
        .filter(
            **{
                f"{held}status": ActivityStatus.COMPLETED,
                f"{held}kind__code__in": {code for code, _side in kinds.values()},
                f"{held}starts_at__date__gte": F("period_start"),
                f"{held}starts_at__date__lte": F("period_end"),
            }
        )  # fmt: skip
        .values(
            "pk",
            code=F(f"{held}kind__code"),
            at_helping=ExpressionWrapper(
                Q(**{f"{held}host_school_id": F("pairing__helping_school_id")}),
                output_field=BooleanField(),
            ),
        )  # fmt: skip
        .annotate(n=Count(f"{held}id"))
    )
    for row in rows:
        counts = found.get(row["pk"])
        if counts is None:
            continue
        for name, (code, side) in kinds.items():
            if code == row["code"] and (
                side == TargetSide.EITHER or (side == TargetSide.HELPING) == row["at_helping"]
            ):
                counts[name] += row["n"]
    return found


def secondment_days_in_windows(windows: QuerySet) -> dict[int, int]:
    """``{window row id: working days served}`` by the (not cancelled) secondments of the
    row's pairing within its window, up to today: one query for the windows, one for
    their secondments, then the calendar's arithmetic (by each host region's calendar)."""
    rows = list(windows.order_by().values_list("pk", "pairing_id", "period_start", "period_end"))
    if not rows:
        return {}
    today = calendar.today()
    by_pairing: dict[int, list[tuple]] = {}
    for pk, pairing_id, start, end in rows:
        by_pairing.setdefault(pairing_id, []).append((pk, start, min(end, today)))
    found = (
        Secondment.objects.filter(
            pairing_id__any_of=list(by_pairing),
            cancelled_at__isnull=True,
            start__lte=max(row[3] for row in rows),
            end__gte=min(row[2] for row in rows),
        )  # fmt: skip
        .select_related("host_region")
        .only("pairing_id", "start", "end", "cancelled_at", "host_region__path")
    )
    days = {pk: 0 for pk, *_rest in rows}
    for secondment in found.iterator(chunk_size=2000):
        for pk, first, last in by_pairing[secondment.pairing_id]:
            if first <= last:
                days[pk] += max(secondment.days_served_between(first, last), 0)
    return days


# --- the list of activity kinds -------------------------------------------------------------


def activity_kinds_with_counts(user) -> list[ActivityKind]:
    """Every kind in the list's order, each with ``activity_count``: how many of the
    activities the user may see are of it (one aggregate query, whatever the number of
    kinds, besides the scope's own)."""
    counts = dict(
        activity_list_visible_to(user)
        .order_by()
        .values("kind_id")
        .annotate(n=Count("pk"))
        .values_list("kind_id", "n")
    )
    kinds = list(ActivityKind.objects.all())
    for kind in kinds:
        kind.activity_count = counts.get(kind.pk, 0)
    return kinds


def activity_kind_get(pk=None, *, code: str | None = None) -> ActivityKind:
    """A kind by id or by code (the list is the same for every region), else 404."""
    if code is not None:
        kind = ActivityKind.objects.filter(code=code).first()
        if kind is None:
            raise Http404
        return kind
    return get_or_404(ActivityKind.objects.all(), pk)


# What the list of kinds says changed, field by field (the code never changes).
KIND_HISTORY_FIELDS = ("name_zh", "name_en", "order", "is_active")


# --- a programme's own exchange targets --------------------------------------------------


def target_get_for_user(user, pk, *, write: bool = False):
    """One of a programme's exchange targets, if the user reads the programme (404
    otherwise; 403 on a write by one who may only read it)."""
    from schools.selectors import programme_get_for_user

    from .models import PairingTarget

    target = get_or_404(PairingTarget.objects.select_related("kind"), pk)
    target.programme = programme_get_for_user(user, target.programme_id, write=write)
    return target
