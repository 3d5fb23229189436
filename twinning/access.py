"""Who may do what: the one place that answers it.

A user's rights are the union of their role assignments (DESIGN.md §2). They are
resolved once per request into a :class:`Scope` (sets of region and school ids),
and every selector and service asks the functions below. Objects are passed in
duck-typed (they only need ``region_id``, ``path``, member school ids …) so that
this core module imports no higher app.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction

from .models import Role

SCOPE_ATTR = "_twinning_scope"


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    is_admin: bool = False
    # Region ids in the subtree of each region role's assignments.
    bureau_region_ids: frozenset[int] = field(default_factory=frozenset)
    inspector_region_ids: frozenset[int] = field(default_factory=frozenset)
    # Regions whose students' aid the user handles (the aid right, Role.AID).
    aid_region_ids: frozenset[int] = field(default_factory=frozenset)
    coordinator_school_ids: frozenset[int] = field(default_factory=frozenset)
    teacher_school_ids: frozenset[int] = field(default_factory=frozenset)
    # Regions above the user's scope (and their school's region): they may read
    # programmes owned there, since those programmes reach their schools.
    context_region_ids: frozenset[int] = field(default_factory=frozenset)
    # Bureau staff of a top-level region (a province's bureau), read from the assigned
    # regions' paths: they keep the lists every region shares (the kinds of activity).
    top_level_bureau: bool = False

    @property
    def read_region_ids(self) -> frozenset[int]:
        return self.bureau_region_ids | self.inspector_region_ids

    @property
    def read_school_ids(self) -> frozenset[int]:
        return self.coordinator_school_ids | self.teacher_school_ids

    @property
    def roles(self) -> set[str]:
        roles = set()
        if self.bureau_region_ids:
            roles.add(Role.BUREAU)
        if self.inspector_region_ids:
            roles.add(Role.INSPECTOR)
        if self.aid_region_ids:
            roles.add(Role.AID)
        if self.coordinator_school_ids:
            roles.add(Role.COORDINATOR)
        if self.teacher_school_ids:
            roles.add(Role.TEACHER)
        return roles

    @property
    def is_empty(self) -> bool:
        return not (
            self.is_admin or self.read_region_ids or self.read_school_ids or self.aid_region_ids
        )


EMPTY_SCOPE = Scope(user_id=None)


def _region_model():
    # Looked up lazily: Region lives in the schools app, which depends on this one.
    return apps.get_model("schools", "Region")


def resolve_scope(user) -> Scope:
    """The user's scope: cached on the user object for the request, and (with a shared
    cache, ``SCOPE_CACHE_SECONDS``) across requests; built with at most three queries."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, SCOPE_ATTR, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(user_id=user.pk, is_admin=True)
    elif settings.SCOPE_CACHE_SECONDS:
        scope = _cached_scope(user)
    else:
        scope = _build_scope(user)
    setattr(user, SCOPE_ATTR, scope)
    return scope


# --- the scope cache ---------------------------------------------------------------------
# A scope changes when the user's role assignments change, or when the region tree or a
# school's region does. Each cached scope is stored with two tokens read *before* it was
# built: the user's and the world's. A change replaces the token (on commit), so a scope
# built from data older than the change never matches again, even one written by a
# request that raced with the change. Tokens are random, not counters, so a token lost
# from the cache cannot come back equal to an old one. Hand-written because query-cache
# libraries invalidate by table, which would drop every user's scope on any edit.

WORLD_TOKEN_KEY = "scope-token:world"


def _user_token_key(user_id: int) -> str:
    return f"scope-token:user:{user_id}"


def _tokens(user_id: int) -> tuple[str, str]:
    keys = [WORLD_TOKEN_KEY, _user_token_key(user_id)]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, uuid.uuid4().hex, timeout=None)
            found[key] = cache.get(key)
    return found[keys[0]], found[keys[1]]


def _cached_scope(user) -> Scope:
    key = f"scope:{user.pk}"
    tokens = _tokens(user.pk)
    entry = cache.get(key)
    if entry is not None and entry[0] == tokens:
        return entry[1]
    scope = _build_scope(user)
    cache.set(key, (tokens, scope), settings.SCOPE_CACHE_SECONDS)
    return scope


def scope_changed(*, user_id: int | None = None) -> None:
    """Invalidate cached scopes once the current transaction commits: one user's
    (their role assignments changed) or everyone's (regions or schools moved)."""
    key = WORLD_TOKEN_KEY if user_id is None else _user_token_key(user_id)
    transaction.on_commit(lambda: cache.set(key, uuid.uuid4().hex, timeout=None))


def _build_scope(user) -> Scope:
    Region = _region_model()
    assignments = list(
        user.role_assignments.select_related("region", "school__region").only(
            "user", "role", "region__path", "school__id", "school__region__path"
        )
    )
    roots: dict[str, list[str]] = {Role.BUREAU: [], Role.INSPECTOR: [], Role.AID: []}
    schools: dict[str, set[int]] = {Role.COORDINATOR: set(), Role.TEACHER: set()}
    context_paths: set[str] = set()
    for assignment in assignments:
        if assignment.role in roots and assignment.region_id:
            roots[assignment.role].append(assignment.region.path)
            context_paths.add(assignment.region.path)
        elif assignment.role in schools and assignment.school_id:
            schools[assignment.role].add(assignment.school_id)
            context_paths.add(assignment.school.region.path)

    def subtree(paths: list[str]) -> frozenset[int]:
        if not paths:
            return frozenset()
        from django.db.models import Q

        condition = Q()
        for path in paths:
            condition |= Q(path__startswith=path)
        return frozenset(Region.objects.filter(condition).values_list("id", flat=True))

    ancestor_ids = {
        int(part) for path in context_paths for part in path.strip("/").split("/") if part
    }
    return Scope(
        user_id=user.pk,
        bureau_region_ids=subtree(roots[Role.BUREAU]),
        inspector_region_ids=subtree(roots[Role.INSPECTOR]),
        aid_region_ids=subtree(roots[Role.AID]),
        coordinator_school_ids=frozenset(schools[Role.COORDINATOR]),
        teacher_school_ids=frozenset(schools[Role.TEACHER]),
        context_region_ids=frozenset(ancestor_ids),
        top_level_bureau=any(path.strip("/").count("/") == 0 for path in roots[Role.BUREAU]),
    )


def forget_scope(user) -> None:
    """Drop the cached scope, e.g. after the user's role assignments changed."""
    if hasattr(user, SCOPE_ATTR):
        delattr(user, SCOPE_ATTR)


# --- regions and schools -------------------------------------------------------


def can_read_region(scope: Scope, region) -> bool:
    return (
        scope.is_admin
        or region.pk in scope.read_region_ids
        or region.pk in scope.context_region_ids
    )


def can_manage_school(scope: Scope, school) -> bool:
    """Edit a school's record: bureau staff of its region."""
    return scope.is_admin or school.region_id in scope.bureau_region_ids


def can_manage_region(scope: Scope, region) -> bool:
    """Set a region's own settings (its term dates): bureau staff of it or above it."""
    return scope.is_admin or region.pk in scope.bureau_region_ids


def can_create_school_in(scope: Scope, region) -> bool:
    return scope.is_admin or region.pk in scope.bureau_region_ids


def can_manage_teachers_of(scope: Scope, school) -> bool:
    """Keep a school's teacher registry: its coordinators and the bureau of its region."""
    return (
        scope.is_admin
        or school.pk in scope.coordinator_school_ids
        or school.region_id in scope.bureau_region_ids
    )


# --- programmes ------------------------------------------------------------------


def can_read_programme(scope: Scope, programme) -> bool:
    return (
        scope.is_admin
        or programme.region_id in scope.read_region_ids
        or programme.region_id in scope.context_region_ids
    )


def can_manage_programme(scope: Scope, programme) -> bool:
    return scope.is_admin or programme.region_id in scope.bureau_region_ids


def can_create_programme_in(scope: Scope, region) -> bool:
    return scope.is_admin or region.pk in scope.bureau_region_ids


# --- pairings --------------------------------------------------------------------
# ``school_ids`` and ``region_ids`` are those of the pairing's member schools.


# Pairings are listed by one scoped query (schools.selectors), not object by object;
# these are the statuses in which the bureau has paired the schools. From then on a
# school-scoped user reads the partner schools' records, and teachers read the pairing
# at all: a draft or a proposal is one school's wish and the coordinators' business.
# (Status values are spelled out here: this core module imports no higher app.)
PAIRED_STATUSES = ("approved", "active", "concluded", "terminated")


def is_pairing_bureau(scope: Scope, pairing) -> bool:
    """Bureau staff of the programme's region (or a region above it)."""
    return scope.is_admin or pairing.region_id in scope.bureau_region_ids


def is_pairing_coordinator(scope: Scope, school_ids) -> bool:
    return bool(scope.coordinator_school_ids.intersection(school_ids))


def can_edit_pairing(scope: Scope, pairing, school_ids) -> bool:
    """Change anything at all on the pairing (details, needs, plan)."""
    return is_pairing_bureau(scope, pairing) or is_pairing_coordinator(scope, school_ids)


def can_propose_pairing(scope: Scope, pairing, school_ids) -> bool:
    return can_edit_pairing(scope, pairing, school_ids)


def can_decide_pairing(scope: Scope, pairing, actor_id) -> bool:
    """Approve or reject: bureau staff of the programme's region, never the proposer."""
    return is_pairing_bureau(scope, pairing) and pairing.proposed_by_id != actor_id


def can_activate_pairing(scope: Scope, pairing, school_ids) -> bool:
    return can_edit_pairing(scope, pairing, school_ids)


def can_close_pairing(scope: Scope, pairing) -> bool:
    """Conclude or terminate."""
    return is_pairing_bureau(scope, pairing)


def keeps_school_records(scope: Scope) -> bool:
    """Holds a role that keeps schools' records at all: bureau staff or a coordinator
    (starting pairings and mentorships, keeping a teacher registry; each object's own
    rule decides the rest)."""
    return scope.is_admin or bool(scope.bureau_region_ids or scope.coordinator_school_ids)


def can_propose_pairings(scope: Scope) -> bool:
    """Holds a role that may start pairings at all (the programme decides the rest)."""
    return keeps_school_records(scope)


def can_propose_in_programme(scope: Scope, programme) -> bool:
    """Start a pairing in the programme: its bureau, or a coordinator of a school it reaches."""
    return can_manage_programme(scope, programme) or (
        bool(scope.coordinator_school_ids) and programme.region_id in scope.context_region_ids
    )


# --- mentorships --------------------------------------------------------------------
# A mentorship carries both schools and both regions (mentee's and mentor's).


def can_manage_mentorship(scope: Scope, mentorship) -> bool:
    """Start, change and close it: coordinators of either school, bureau of either region."""
    return (
        scope.is_admin
        or bool(scope.coordinator_school_ids & {mentorship.school_id, mentorship.mentor_school_id})
        or bool(scope.bureau_region_ids & {mentorship.region_id, mentorship.mentor_region_id})
    )


def can_grant_exception_in(scope: Scope, region) -> bool:
    """Let a rule of a programme give way, with a recorded reason: bureau staff only."""
    return scope.is_admin or region.pk in scope.bureau_region_ids


# --- exchange activities -----------------------------------------------------------------


def can_confirm_secondment_days(scope: Scope, secondment) -> bool:
    """A secondment's days served are confirmed by the host school's coordinators, who saw
    the person at work, and the pairing's bureau; not by the home school's, who send the
    person and would vouch for their own."""
    return (
        is_pairing_bureau(scope, secondment.pairing)
        or secondment.host_school_id in scope.coordinator_school_ids
    )


def can_manage_activity_kinds(scope: Scope) -> bool:
    """Add, rename, reorder, retire the kinds of activity: one list for every region, so
    administrators and the bureau staff of a top-level region (the province's bureau)."""
    return scope.is_admin or scope.top_level_bureau


def can_register_robots(scope: Scope) -> bool:
    """Work-chat robots are registered by bureau staff (for their regions) and school
    coordinators (for their schools)."""
    return scope.is_admin or bool(scope.bureau_region_ids or scope.coordinator_school_ids)


def can_manage_robot(scope: Scope, *, region=None, school=None) -> bool:
    """A work-chat robot of a school is managed by its coordinators and by the bureau of
    its region or above (a failing one can be paused from above); a region's, by the
    bureau staff of that region or above."""
    if scope.is_admin:
        return True
    if school is not None:
        return (
            school.pk in scope.coordinator_school_ids or school.region_id in scope.bureau_region_ids
        )
    return region is not None and region.pk in scope.bureau_region_ids


def can_schedule_activities(scope: Scope, pairing, school_ids) -> bool:
    """Schedule, change, log and cancel a pairing's activities: the coordinators of either
    school and the programme's bureau (who may change the pairing itself)."""
    return can_edit_pairing(scope, pairing, school_ids)


# --- a pairing's shared resource library ----------------------------------------------------
# Its schools and the bureau above it read it; nobody else (not the inspectors).


def can_read_resources(scope: Scope, pairing, school_ids, region_ids) -> bool:
    """Read the library: the member schools' people, the bureau of the programme's region
    or of a member school's region."""
    return (
        is_pairing_bureau(scope, pairing)
        or bool(scope.bureau_region_ids & set(region_ids))
        or bool(scope.read_school_ids & set(school_ids))
    )


def can_share_resources(scope: Scope, pairing, school_ids) -> bool:
    """Add to the library: the coordinators and teachers of the pairing's schools."""
    return scope.is_admin or bool(scope.read_school_ids & set(school_ids))


def can_remove_resource(scope: Scope, resource, actor_id) -> bool:
    """Whoever shared it, the coordinators of the school that shared it, the pairing's
    bureau."""
    return (
        scope.is_admin
        or resource.uploaded_by_id == actor_id
        or resource.school_id in scope.coordinator_school_ids
        or is_pairing_bureau(scope, resource.pairing)
    )


# --- a teacher's participation record ------------------------------------------------------


def can_read_participation(scope: Scope, teacher, user_id) -> bool:
    """The teacher themselves, their school's coordinators, their region's bureau."""
    return (
        scope.is_admin
        or (teacher.user_id is not None and teacher.user_id == user_id)
        or teacher.school_id in scope.coordinator_school_ids
        or teacher.region_id in scope.bureau_region_ids
    )


# --- funding ------------------------------------------------------------------------------
# A pairing's money is read by the bureau and inspectors above it and by its schools'
# coordinators; not by its teachers. Budgets are their region's bureau's.


def can_read_funding(scope: Scope, pairing, school_ids, region_ids) -> bool:
    return (
        scope.is_admin
        or pairing.region_id in scope.read_region_ids
        or bool(scope.read_region_ids & set(region_ids))
        or bool(scope.coordinator_school_ids & set(school_ids))
    )


def can_request_disbursements(scope: Scope, pairing, school_ids) -> bool:
    """Draft, change and submit a pairing's disbursements: its coordinators and bureau."""
    return can_edit_pairing(scope, pairing, school_ids)


def can_decide_disbursement(scope: Scope, pairing, requested_by_id, actor_id) -> bool:
    """Approve or reject: the programme's bureau, never whoever asked for the money."""
    return is_pairing_bureau(scope, pairing) and requested_by_id != actor_id


def can_pay_disbursement(scope: Scope, pairing) -> bool:
    """Record a payment, or reverse one: the programme's bureau."""
    return is_pairing_bureau(scope, pairing)


def can_read_budget(scope: Scope, budget) -> bool:
    return scope.is_admin or budget.region_id in scope.read_region_ids


def can_manage_budget(scope: Scope, budget) -> bool:
    """Change a budget, allocate it and release its tranches: its region's bureau."""
    return scope.is_admin or budget.region_id in scope.bureau_region_ids


def can_release_tranche(scope: Scope, pairing) -> bool:
    return is_pairing_bureau(scope, pairing)


# --- student aid --------------------------------------------------------------------------
# A student's details are their school's coordinators' and their region's aid officers'
# (bureau staff holding the aid right, Role.AID); nobody else's, not the inspectors'.


def can_read_student(scope: Scope, school_id, region_id) -> bool:
    return (
        scope.is_admin
        or school_id in scope.coordinator_school_ids
        or region_id in scope.aid_region_ids
    )


def can_keep_students_of(scope: Scope, school) -> bool:
    """Record and change a school's students and start their applications."""
    return can_read_student(scope, school.pk, school.region_id)


def handles_aid(scope: Scope) -> bool:
    """Holds a role that handles student aid at all (the menu)."""
    return scope.is_admin or bool(scope.aid_region_ids or scope.coordinator_school_ids)


def can_manage_aid_in(scope: Scope, region) -> bool:
    """Keep a region's aid schemes, publish its notices, decide and pay its aid: its aid
    officers (and those above it)."""
    return scope.is_admin or region.pk in scope.aid_region_ids


def can_manage_aid_of(scope: Scope, region_id) -> bool:
    """The same, by the region's id (a record's ``region_id``)."""
    return scope.is_admin or region_id in scope.aid_region_ids


def can_decide_aid(scope: Scope, application, actor_id) -> bool:
    """Approve or reject: an aid officer of the student's region, not whoever started the
    application."""
    return (
        scope.is_admin or application.region_id in scope.aid_region_ids
    ) and application.created_by_id != actor_id


# --- the yearly evaluation ----------------------------------------------------------------------
# A scorecard is read by the bureau and inspectors above its pairing (the programme's
# region or a member school's) and by the coordinators of its schools; not by teachers.
# The helping school's coordinators assess it, the assisted schools' confirm, an
# inspector of the region scores, the programme's bureau finalises.


def can_read_scorecard(scope: Scope, pairing, school_ids, region_ids) -> bool:
    return can_read_funding(scope, pairing, school_ids, region_ids)


def can_self_assess(scope: Scope, helping_school_id) -> bool:
    return scope.is_admin or helping_school_id in scope.coordinator_school_ids


def can_confirm_self_assessment(scope: Scope, assisted_school_ids) -> bool:
    return scope.is_admin or bool(scope.coordinator_school_ids & set(assisted_school_ids))


def can_inspect(scope: Scope, pairing, region_ids) -> bool:
    """Score a scorecard: an inspector of the programme's region or a member school's."""
    return (
        scope.is_admin
        or pairing.region_id in scope.inspector_region_ids
        or bool(scope.inspector_region_ids & set(region_ids))
    )


def can_finalise_scorecard(scope: Scope, pairing, inspector_ids, actor_id) -> bool:
    """Finalise or reopen: the programme's bureau, never an inspector who scored it."""
    return is_pairing_bureau(scope, pairing) and actor_id not in set(inspector_ids)


def can_manage_templates(scope: Scope, programme) -> bool:
    """Copy, change and publish a programme's scorecard templates: its bureau."""
    return can_manage_programme(scope, programme)


def require(allowed: bool, message: str | None = None) -> None:
    """Raise 403 unless ``allowed``; the caller has already proved the object is visible."""
    if not allowed:
        raise PermissionDenied(message) if message else PermissionDenied()
