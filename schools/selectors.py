"""Scoped reads of the schools app. Every page and endpoint reads through these.

``*_list_visible_to`` returns only what the user may see; ``*_get_for_user``
answers 404 for anything outside scope and 403 when a write was asked of a
read-only user.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from twinning import access, calendar
from twinning.access import Scope, resolve_scope
from twinning.db import get_or_404
from twinning.models import RoleAssignment
from twinning.text import labels

from .models import (
    ContactPerson,
    DayOverride,
    Goal,
    LeadingGroupMember,
    NeedsAssessment,
    Pairing,
    PairingMember,
    PairingStatus,
    PairingTransition,
    Programme,
    ProgressUpdate,
    Region,
    School,
    TermDates,
    pairing_title,
)

# --- regions -------------------------------------------------------------------


def region_list_visible_to(user) -> QuerySet[Region]:
    scope = resolve_scope(user)
    qs = Region.objects.all()
    if scope.is_admin:
        return qs
    return qs.filter(id__any_of=scope.read_region_ids | scope.context_region_ids)


def region_get_for_user(user, pk) -> Region:
    return get_or_404(region_list_visible_to(user), pk)


def region_subtree_ids(region: Region) -> list[int]:
    return list(Region.objects.filter(path__startswith=region.path).values_list("id", flat=True))


# --- schools -------------------------------------------------------------------


def partner_school_ids(school_ids) -> QuerySet:
    """Schools that share an approved (or later) pairing with one of ``school_ids``."""
    pairing_ids = PairingMember.objects.filter(
        school_id__in=school_ids, pairing__status__in=access.PAIRED_STATUSES
    ).values("pairing_id")
    return PairingMember.objects.filter(pairing_id__in=pairing_ids).values("school_id")


def school_list_visible_to(user) -> QuerySet[School]:
    scope = resolve_scope(user)
    qs = School.objects.select_related("region")
    if scope.is_admin:
        return qs
    condition = Q(pk__in=[])
    if scope.read_region_ids:
        condition |= Q(region_id__any_of=scope.read_region_ids)
    if scope.read_school_ids:
        condition |= Q(id__in=scope.read_school_ids) | Q(
            id__in=partner_school_ids(scope.read_school_ids)
        )
    return qs.filter(condition)


def school_list_of_visible_pairings(user) -> QuerySet[School]:
    """Schools that are members of a pairing the user sees: those that may be named in
    the pairing's needs and plan (the service checks membership of the very pairing).
    Their names show on the pairing page; their records stay behind school scoping."""
    pairing_ids = pairing_list_visible_to(user).order_by().values("id")
    return School.objects.filter(
        id__in=PairingMember.objects.filter(pairing_id__in=pairing_ids).values("school_id")
    )


def school_ids_readable(user, school_ids) -> set[int]:
    """Which of ``school_ids`` the user may open (one query), e.g. to link only those."""
    return set(
        school_list_visible_to(user).filter(id__in=list(school_ids)).values_list("id", flat=True)
    )


def school_get_for_user(user, pk, *, write: bool = False) -> School:
    school = get_or_404(school_list_visible_to(user), pk)
    if write:
        access.require(access.can_manage_school(resolve_scope(user), school))
    return school


# --- programmes ----------------------------------------------------------------


def programme_list_visible_to(user) -> QuerySet[Programme]:
    scope = resolve_scope(user)
    qs = Programme.objects.select_related("region")
    if scope.is_admin:
        return qs
    return qs.filter(region_id__any_of=scope.read_region_ids | scope.context_region_ids)


def programme_get_for_user(user, pk, *, write: bool = False) -> Programme:
    programme = get_or_404(programme_list_visible_to(user), pk)
    if write:
        access.require(access.can_manage_programme(resolve_scope(user), programme))
    return programme


def programme_list_open_for_proposals(user) -> QuerySet[Programme]:
    scope = resolve_scope(user)
    return [
        p
        for p in programme_list_visible_to(user).filter(is_open=True)
        if access.can_propose_in_programme(scope, p)
    ]


def programme_candidate_schools(user, programme: Programme) -> QuerySet[School]:
    """Schools that may take part in a pairing of ``programme``: those in its region.

    Coordinators see this directory (names and codes) for the programmes that reach
    their school, so that they can name a partner; school pages stay scoped.
    """
    return (
        School.objects.filter(region__path__startswith=programme.region.path)
        .select_related("region")
        .order_by("region__path", "name")
    )


# --- pairings ------------------------------------------------------------------


def _pairing_scope_condition(scope: Scope) -> Q:
    condition = Q(pk__in=[])
    if scope.read_region_ids:
        condition |= Q(region_id__any_of=scope.read_region_ids) | Q(
            id__in=PairingMember.objects.filter(region_id__any_of=scope.read_region_ids).values(
                "pairing_id"
            )
        )
    if scope.coordinator_school_ids:
        condition |= Q(
            id__in=PairingMember.objects.filter(school_id__in=scope.coordinator_school_ids).values(
                "pairing_id"
            )
        )
    if scope.teacher_school_ids:
        # Teachers read their school's pairings once the bureau has paired the schools.
        condition |= Q(
            status__in=access.PAIRED_STATUSES,
            id__in=PairingMember.objects.filter(school_id__in=scope.teacher_school_ids).values(
                "pairing_id"
            ),
        )
    return condition


def pairing_list_visible_to(user) -> QuerySet[Pairing]:
    """Visible pairings, ready for a list: programme, schools and members loaded."""
    scope = resolve_scope(user)
    qs = Pairing.objects.select_related("programme", "region", "helping_school").prefetch_related(
        Prefetch("members", queryset=PairingMember.objects.select_related("school"))
    )
    if scope.is_admin:
        return qs
    return qs.filter(_pairing_scope_condition(scope))


class PairingRows:
    """The rows of a pairing list, for a Paginator: plain dicts, not model instances.

    A list page or list endpoint shows a few columns of 25 (or 200) pairings; building
    full model instances with their programme, region, schools and members was most of
    its cost at province scale. Counting and slicing go to the database (``pairings`` is
    a scoped queryset from :func:`pairing_list_visible_to`, filtered and ordered); a
    slice costs one query for its rows and one for their member schools. The row of a
    pairing already in memory is :func:`pairing_row`, the same dict.
    """

    FIELDS = (
        "id", "status", "created_at", "updated_at", "proposed_at", "agreement_signed_on",
        "agreement_start", "agreement_end", "region_id", "programme_id", "programme__name",
        "programme__pairing_kind", "region__name", "helping_school_id", "helping_school__name",
        "proposed_by__full_name", "proposed_by__username",
    )  # fmt: skip

    def __init__(self, pairings: QuerySet[Pairing]):
        self.pairings = pairings.prefetch_related(None)
        self.values = self.pairings.values(*self.FIELDS)

    def count(self) -> int:
        # On the pairings, not the values: those join four tables for their columns.
        return self.pairings.order_by().count()

    def __getitem__(self, window: slice) -> list[dict]:
        rows = list(self.values[window])
        schools: dict[int, list[dict]] = {row["id"]: [] for row in rows}
        members = (
            PairingMember.objects.filter(pairing_id__in=schools)
            .order_by("role", "id")
            .values("pairing_id", "role", "school_id", "school__code", "school__name")
        )
        for m in members:
            schools[m["pairing_id"]].append(
                {"id": m["school_id"], "code": m["school__code"], "name": m["school__name"],
                 "role": m["role"]}
            )  # fmt: skip
        make = _row_maker()
        return [make(row, schools[row["id"]]) for row in rows]


def pairing_row(pairing: Pairing) -> dict:
    """The :class:`PairingRows` row of a pairing loaded by :func:`pairing_list_visible_to`.

    ``proposed_by`` is filled only when the proposer was loaded with the pairing
    (``select_related("proposed_by")``): joining the user table costs every pairing
    query, and only the web lists, which read rows from the database, show it."""
    loaded = Pairing.proposed_by.is_cached(pairing)
    proposer = pairing.proposed_by if loaded else None
    values = {
        "id": pairing.pk, "status": pairing.status, "created_at": pairing.created_at,
        "updated_at": pairing.updated_at, "proposed_at": pairing.proposed_at,
        "agreement_signed_on": pairing.agreement_signed_on,
        "agreement_start": pairing.agreement_start, "agreement_end": pairing.agreement_end,
        "region_id": pairing.region_id, "programme_id": pairing.programme_id,
        "programme__name": pairing.programme.name,
        "programme__pairing_kind": pairing.programme.pairing_kind,
        "region__name": pairing.region.name, "helping_school_id": pairing.helping_school_id,
        "helping_school__name": pairing.helping_school.name,
        "proposed_by__full_name": proposer.full_name if proposer else None,
        "proposed_by__username": proposer.username if proposer else None,
    }  # fmt: skip
    members = sorted(pairing.members.all(), key=lambda m: (m.role, m.pk))
    schools = [
        {"id": m.school_id, "code": m.school.code, "name": m.school.name, "role": m.role}
        for m in members
    ]
    return _row_maker()(values, schools)


_PK_PLACEHOLDER = 987654321


def _row_maker():
    """A function ``(values, schools) -> row``, with what every row of a list shares (the
    detail URL, the status labels and the list separator in the active language) worked
    out once rather than per row.

    A row: ``id``, ``url``, ``title``, ``status``, ``status_label``, ``programme_id``,
    ``programme``, ``kind``, ``region_id``, ``region``, ``helping_school_id``, ``helping``,
    ``assisted`` (names), ``schools`` (dicts of ``id``, ``code``, ``name``, ``role``),
    ``proposed_by`` (a name) and the dates of the pairing."""
    url = reverse("schools:pairing_detail", args=[_PK_PLACEHOLDER])
    url = url.replace(str(_PK_PLACEHOLDER), "{}")
    statuses = labels(PairingStatus)
    separator = pgettext("list separator", ", ")
    assisted_role = PairingMember.Role.ASSISTED

    def row(values: dict, schools: list[dict]) -> dict:
        assisted = [s["name"] for s in schools if s["role"] == assisted_role]
        pk = values["id"]
        return {
            "id": pk,
            "url": url.format(pk),
            "title": pairing_title(values["helping_school__name"], assisted, separator),
            "status": values["status"],
            "status_label": statuses[values["status"]],
            "programme_id": values["programme_id"],
            "programme": values["programme__name"],
            "kind": values["programme__pairing_kind"],
            "region_id": values["region_id"],
            "region": values["region__name"],
            "helping_school_id": values["helping_school_id"],
            "helping": values["helping_school__name"],
            "assisted": assisted,
            "schools": schools,
            "proposed_by": values["proposed_by__full_name"] or values["proposed_by__username"],
            "created_at": values["created_at"],
            "updated_at": values["updated_at"],
            "proposed_at": values["proposed_at"],
            "agreement_signed_on": values["agreement_signed_on"],
            "agreement_start": values["agreement_start"],
            "agreement_end": values["agreement_end"],
        }

    return row


def member_ids(pairing: Pairing) -> tuple[set[int], set[int]]:
    """School ids and region ids of a pairing's members (uses the prefetched members)."""
    members = list(pairing.members.all())
    return {m.school_id for m in members}, {m.region_id for m in members}


def pairing_get_for_user(user, pk, *, write: bool = False) -> Pairing:
    pairing = get_or_404(pairing_list_visible_to(user), pk)
    if write:
        school_ids, _regions = member_ids(pairing)
        access.require(access.can_edit_pairing(resolve_scope(user), pairing, school_ids))
    return pairing


def pairing_people(pairing: Pairing) -> dict:
    """The overview tab's people: members, leading group, contacts (3 queries)."""
    return {
        "members": list(pairing.members.all()),
        "leading_group": list(pairing.leading_group.select_related("school")),
        "contacts": list(pairing.contacts.select_related("school")),
    }


def pairing_history(pairing: Pairing) -> list[PairingTransition]:
    return list(
        PairingTransition.objects.filter(pairing=pairing)
        .select_related("actor")
        .order_by("at", "id")
    )


def pairing_plan(pairing: Pairing) -> dict:
    """The needs and plan tab: members, needs assessments, goals with their updates."""
    needs = list(
        NeedsAssessment.objects.filter(pairing=pairing)
        .select_related("school", "assessed_by")
        .order_by("school_id", "dimension")
    )
    goals = list(
        Goal.objects.filter(pairing=pairing)
        .select_related("school", "parent")
        .prefetch_related(
            Prefetch("updates", queryset=ProgressUpdate.objects.select_related("reported_by"))
        )
        .order_by("school_year", "due_on", "id")
    )
    return {"members": list(pairing.members.all()), "needs": needs, "goals": goals}


def pairing_detail(pairing: Pairing) -> dict:
    """Everything about a pairing (the API's detail), in a fixed number of queries."""
    people, plan = pairing_people(pairing), pairing_plan(pairing)
    return {**people, **plan, "transitions": pairing_history(pairing)}


def pairing_available_actions(user, pairing: Pairing) -> list[str]:
    """The transitions this user may take now, for the pairing page and the API."""
    scope = resolve_scope(user)
    school_ids, _regions = member_ids(pairing)
    status = pairing.status
    actions = []
    if status == PairingStatus.DRAFT and access.can_propose_pairing(scope, pairing, school_ids):
        actions.append("propose")
    if status == PairingStatus.PROPOSED and access.can_decide_pairing(scope, pairing, user.pk):
        actions += ["approve", "reject"]
    if status == PairingStatus.APPROVED and access.can_activate_pairing(scope, pairing, school_ids):
        actions.append("activate")
    if status == PairingStatus.ACTIVE and access.can_close_pairing(scope, pairing):
        actions.append("conclude")
    if status in (PairingStatus.APPROVED, PairingStatus.ACTIVE) and access.can_close_pairing(
        scope, pairing
    ):
        actions.append("terminate")
    return actions


def pairing_unavailable_reasons(user, pairing: Pairing) -> list[str]:
    """Why an action a user might look for is not offered to them here (bureau staff
    on a proposal: their own, or a programme decided elsewhere)."""
    scope = resolve_scope(user)
    if pairing.status != PairingStatus.PROPOSED or not (scope.is_admin or scope.bureau_region_ids):
        return []
    if not access.is_pairing_bureau(scope, pairing):
        return [_("The bureau of %(region)s decides this proposal: its programme is run "
                  "there.") % {"region": pairing.region}]  # fmt: skip
    if pairing.proposed_by_id == user.pk:
        return [_("You proposed this pairing, so another member of the bureau approves or "
                  "rejects it.")]  # fmt: skip
    return []


def pairing_proposals_split(user) -> dict[str, int]:
    """The proposals in the user's scope: how many they may decide, how many are their own
    (which a colleague decides) and how many another region's bureau decides, whoever
    proposed them (one query)."""
    scope = resolve_scope(user)
    mine = Q(id__isnull=False) if scope.is_admin else Q(region_id__any_of=scope.bureau_region_ids)
    own = Q(proposed_by=user)
    return (
        pairing_list_visible_to(user)
        .filter(status=PairingStatus.PROPOSED)
        .prefetch_related(None)
        .order_by()
        .aggregate(
            decidable=Count("id", filter=mine & ~own), own=Count("id", filter=mine & own),
            elsewhere=Count("id", filter=~mine),
        )
    )  # fmt: skip


def pairing_approval_queue(user) -> QuerySet[Pairing]:
    """Proposals this user may decide, oldest first (longest waiting on top)."""
    scope = resolve_scope(user)
    qs = pairing_list_visible_to(user).filter(status=PairingStatus.PROPOSED)
    if not scope.is_admin:
        qs = qs.filter(region_id__any_of=scope.bureau_region_ids)
    return qs.exclude(proposed_by=user).order_by("proposed_at", "id")


def pairing_status_counts(user) -> dict:
    """Pairings by programme and status, and the totals by status, for the dashboard:
    one grouped query."""
    rows = (
        pairing_list_visible_to(user)
        .prefetch_related(None)
        .order_by()
        .values("programme_id", "programme__name", "status")
        .annotate(n=Count("id"))
    )
    by_status: dict[str, int] = {}
    by_programme: dict[int, dict] = {}
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        entry = by_programme.setdefault(
            row["programme_id"],
            {"id": row["programme_id"], "name": row["programme__name"], "counts": {}, "total": 0},
        )
        entry["counts"][row["status"]] = row["n"]
        entry["total"] += row["n"]
    return {
        "by_status": [
            (value, label, by_status.get(value, 0)) for value, label in PairingStatus.choices
        ],
        "total": sum(by_status.values()),
        "by_programme": sorted(by_programme.values(), key=lambda entry: entry["name"]),
    }


def waiting_days(proposed_at) -> int:
    """Whole days a proposal made at ``proposed_at`` has been waiting (0 if not proposed)."""
    if not proposed_at:
        return 0
    return (timezone.now() - proposed_at).days


# --- needs and plan ------------------------------------------------------------


def _pairing_part_visible_to(user, model) -> QuerySet:
    """Rows of ``model`` (anything with a ``pairing``) whose pairing the user may see."""
    return model.objects.filter(pairing__in=pairing_list_visible_to(user).order_by().values("id"))


def _pairing_part_get_for_user(user, model, pk, *, write: bool, related=("pairing", "school")):
    """404 outside scope; with ``write``, 403 unless the user may edit the pairing."""
    obj = get_or_404(_pairing_part_visible_to(user, model).select_related(*related), pk)
    if write:
        pairing_get_for_user(user, obj.pairing_id, write=True)
    return obj


def goal_list_visible_to(user) -> QuerySet[Goal]:
    return _pairing_part_visible_to(user, Goal).select_related("school")


def goal_get_for_user(user, pk, *, write: bool = False) -> Goal:
    return _pairing_part_get_for_user(user, Goal, pk, write=write)


def needs_list_visible_to(user) -> QuerySet[NeedsAssessment]:
    return _pairing_part_visible_to(user, NeedsAssessment).select_related("school", "assessed_by")


def needs_get_for_user(user, pk, *, write: bool = False) -> NeedsAssessment:
    return _pairing_part_get_for_user(
        user, NeedsAssessment, pk, write=write, related=("school", "assessed_by")
    )


def leading_group_member_get_for_user(user, pk, *, write: bool = False) -> LeadingGroupMember:
    return _pairing_part_get_for_user(user, LeadingGroupMember, pk, write=write)


def contact_get_for_user(user, pk, *, write: bool = False) -> ContactPerson:
    return _pairing_part_get_for_user(user, ContactPerson, pk, write=write)


# --- the calendar's exceptions ---------------------------------------------------------


def day_override_list_visible_to(user) -> QuerySet[DayOverride]:
    """Working-day exceptions the user reads: of their regions and of the regions above
    (which hold for them too)."""
    scope = resolve_scope(user)
    qs = DayOverride.objects.select_related("region")
    if scope.is_admin:
        return qs
    return qs.filter(region_id__any_of=scope.read_region_ids | scope.context_region_ids)


def day_override_get_for_user(user, pk, *, write: bool = False) -> DayOverride:
    day = get_or_404(day_override_list_visible_to(user), pk)
    if write:
        access.require(access.can_manage_region(resolve_scope(user), day.region))
    return day


# --- term dates ---------------------------------------------------------------------------


def term_dates_list_visible_to(user) -> QuerySet[TermDates]:
    """Regions' own term dates the user reads: of their regions and of the regions above
    (which hold for them too)."""
    scope = resolve_scope(user)
    qs = TermDates.objects.select_related("region")
    if scope.is_admin:
        return qs
    return qs.filter(region_id__any_of=scope.read_region_ids | scope.context_region_ids)


def term_dates_get_for_user(user, pk, *, write: bool = False) -> TermDates:
    dates = get_or_404(term_dates_list_visible_to(user), pk)
    if write:
        access.require(access.can_manage_region(resolve_scope(user), dates.region))
    return dates


@dataclass(frozen=True)
class HeldTerm:
    """The dates a term holds for a region that has none of its own: set by ``source``
    (a region above it), or by default when ``source`` is None."""

    region: Region
    term: calendar.Term
    source: Region | None


def term_dates_holding_for_user(user, on: dt.date | None = None) -> list[HeldTerm]:
    """For each of the user's own regions (those of their region roles, and their
    schools' regions; none for an administrator), the terms of the school year of ``on``
    (default today) and the next for which the region has no dates of its own: the dates
    that hold there all the same (twinning.calendar), and where they come from.
    Three queries."""
    on = on or calendar.today()
    mine = RoleAssignment.objects.filter(user=user)
    regions = list(
        Region.objects.filter(
            Q(id__in=mine.filter(region__isnull=False).values("region_id"))
            | Q(id__in=School.objects.filter(role_assignments__in=mine).values("region_id"))
        ).order_by("path")
    )
    if not regions:
        return []
    years = (calendar.school_year_of(on), calendar.school_year_of(on) + 1)
    resolver = calendar.TermResolver(on)
    ancestor_ids = {int(p) for region in regions for p in region.path.strip("/").split("/") if p}
    own = {
        (row.region_id, row.school_year, row.term): row
        for row in TermDates.objects.filter(
            region_id__any_of=ancestor_ids, school_year__in=years
        ).select_related("region")
    }
    held = []
    for region in regions:
        ancestors = [int(p) for p in region.path.strip("/").split("/") if p]
        for year in years:
            for number in (1, 2):
                if (region.pk, year, number) in own:
                    continue  # listed with the region's own dates
                source = next(
                    (own[key].region for key in ((pk, year, number) for pk in reversed(ancestors))
                     if key in own),
                    None,
                )  # fmt: skip
                held.append(HeldTerm(region, resolver.term(year, number, region.path), source))
    return held


def term_dates_history_visible_to(user) -> QuerySet:
    """The history of the term dates the user reads (twinning/history.py lists it)."""
    scope = resolve_scope(user)
    qs = TermDates.history.select_related("region")
    if not scope.is_admin:
        qs = qs.filter(region_id__any_of=scope.read_region_ids | scope.context_region_ids)
    return qs


# --- figures of pairing years (evaluation) -------------------------------------------------------


def goals_in_windows(windows: QuerySet) -> dict[int, dict]:
    """``{window row id: {"due": n, "achieved": n}}``: the development-plan goals of the
    row's pairing due within its window (``pairing_id``, ``period_start``,
    ``period_end``; twinning.db.per_window), and how many of them reached their target.
    One query for every row."""
    from django.db.models import OuterRef

    from twinning.db import count_of, per_window

    due = Goal.objects.filter(
        pairing_id=OuterRef("pairing_id"), due_on__gte=OuterRef("period_start"),
        due_on__lte=OuterRef("period_end"),
    )  # fmt: skip
    return per_window(
        windows, due=count_of(due),
        achieved=count_of(due.filter(current_value__gte=F("target_value"))),
    )  # fmt: skip
