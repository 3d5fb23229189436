"""Scoped reads of the teachers app: the registry, mentorships, records, roll-ups."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from schools.models import Pairing, PairingMember, Region, School
from schools.selectors import partner_school_ids
from twinning import access, progress
from twinning.access import resolve_scope
from twinning.db import get_or_404

from . import compliance
from .models import (
    Filer,
    Honour,
    Mentorship,
    MentorshipRecord,
    MentorshipStatus,
    Obligation,
    RecordAttachment,
    RecordComment,
    Teacher,
)


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


# --- mentorships and records ----------------------------------------------------------


def teacher_of_request(request) -> Teacher | None:
    """The signed-in user's own teacher record (read once per request: every section of
    a teacher's home asks)."""
    if not hasattr(request, "_own_teacher"):
        request._own_teacher = (
            Teacher.objects.filter(user_id=request.user.pk).select_related("school").first()
        )
    return request._own_teacher


def _own_teacher_ids(user) -> list[int]:
    """The user's own teacher record (a teacher who signs in), as ids: looked up first, so
    that scoped conditions filter the mentorship's own columns, never join teachers."""
    return list(Teacher.objects.filter(user_id=user.pk).values_list("pk", flat=True))


def _mentorship_condition(user, scope) -> Q:
    """Mentorships the user may read: their own as mentor or mentee; those of a school they
    coordinate (either side); those of their regions (bureau, inspectors, either side).
    A teacher sees only their own: a mentee never sees another mentee's records.

    The user's own teacher record is resolved first (:func:`_own_teacher_ids`)."""
    mine = _own_teacher_ids(user)
    condition = Q(mentor_id__in=mine) | Q(mentee_id__in=mine) if mine else Q(pk__in=[])
    if scope.read_region_ids:
        condition |= Q(region_id__any_of=scope.read_region_ids) | Q(
            mentor_region_id__any_of=scope.read_region_ids
        )
    if scope.coordinator_school_ids:
        condition |= Q(school_id__any_of=scope.coordinator_school_ids) | Q(
            mentor_school_id__any_of=scope.coordinator_school_ids
        )
    return condition


def mentorship_list_visible_to(user) -> QuerySet[Mentorship]:
    if user is None or not user.is_authenticated:
        return Mentorship.objects.none()
    scope = resolve_scope(user)
    # Prefetched, not joined: a page of 25 is chosen from the mentorship table alone (one
    # indexed filter and a top-N sort), then its people, schools and pairing are read
    # for those 25, rather than joined for every mentorship of a province first.
    with_school = Teacher.objects.select_related("school")
    qs = Mentorship.objects.prefetch_related(
        Prefetch("mentor", queryset=with_school),
        Prefetch("mentee", queryset=with_school),
        "pairing",
    )
    return qs if scope.is_admin else qs.filter(_mentorship_condition(user, scope))


def mentorship_get_for_user(user, pk, *, write: bool = False) -> Mentorship:
    """404 outside the user's scope; 403 when they may read but ``write`` was asked."""
    mentorship = get_or_404(mentorship_list_visible_to(user), pk)
    if write:
        access.require(access.can_manage_mentorship(resolve_scope(user), mentorship))
    return mentorship


def record_list_visible_to(user) -> QuerySet[MentorshipRecord]:
    """Records of the mentorships the user may read.

    A record carries its mentee's school and region, so a bureau or coordinator reads
    them by one indexed filter; only the records of mentorships whose mentor is in
    their scope and mentee outside it (few: across the edge of a region) are found
    through their mentorship."""
    if user is None or not user.is_authenticated:
        return MentorshipRecord.objects.none()
    scope = resolve_scope(user)
    # Prefetched, not joined: a page is chosen from the records table alone.
    qs = MentorshipRecord.objects.prefetch_related(
        Prefetch("mentorship", queryset=Mentorship.objects.select_related("mentor", "mentee")),
        "attachments",
    )
    if scope.is_admin:
        return qs
    # The few mentorships reached some other way than the records' own school and region
    # are resolved first, so that the condition is a plain OR of indexed filters.
    reached = set()
    mine = _own_teacher_ids(user)
    if mine:
        reached |= set(
            Mentorship.objects.filter(Q(mentor_id__in=mine) | Q(mentee_id__in=mine)).values_list(
                "pk", flat=True
            )
        )
    condition = Q(pk__in=[])
    if scope.read_region_ids:
        regions = scope.read_region_ids
        condition |= Q(region_id__any_of=regions)
        reached |= set(
            Mentorship.objects.filter(mentor_region_id__any_of=regions)
            .exclude(region_id__any_of=regions)
            .values_list("pk", flat=True)
        )
    if scope.coordinator_school_ids:
        schools = scope.coordinator_school_ids
        condition |= Q(school_id__any_of=schools)
        reached |= set(
            Mentorship.objects.filter(mentor_school_id__any_of=schools)
            .exclude(school_id__any_of=schools)
            .values_list("pk", flat=True)
        )
    if reached:
        condition |= Q(mentorship_id__any_of=reached)
    return qs.filter(condition)


def record_get_for_user(user, pk, *, write: bool = False) -> MentorshipRecord:
    """404 outside the user's scope; with ``write``, 403 unless the user filed it (the
    services check the rest: comments and sign-off have their own rules)."""
    record = get_or_404(record_list_visible_to(user), pk)
    if write:
        access.require(
            record.mentorship.side_of(user) == record.filed_by,
            _("Only whoever filed a record changes it."),
        )
    return record


def record_timeline(record_ids) -> dict[int, list[RecordComment]]:
    """The comments of these records, oldest first, in one query."""
    comments: dict[int, list[RecordComment]] = {}
    for comment in RecordComment.objects.filter(record_id__in=record_ids).select_related("author"):
        comments.setdefault(comment.record_id, []).append(comment)
    return comments


def review_queue(user) -> QuerySet[MentorshipRecord]:
    """Records the user's mentees filed that the user, as mentor, has not signed off yet,
    oldest first."""
    return (
        MentorshipRecord.objects.filter(
            mentorship__mentor__user_id=user.pk,
            mentorship__status=MentorshipStatus.ACTIVE,
            filed_by=Filer.MENTEE,
            signed_off_at__isnull=True,
        )
        .select_related("mentorship__mentee")
        .order_by("date", "id")
    )


def attachment_get_for_user(user, pk) -> RecordAttachment:
    visible = record_list_visible_to(user).values("pk")
    return get_or_404(RecordAttachment.objects.filter(record_id__in=visible), pk)


# --- compliance roll-ups ------------------------------------------------------------------

GROUPS = {"school": "school_id", "county": "region_id", "pairing": "pairing_id"}


def _group_names(group: str, keys) -> dict:
    ids = [k for k in keys if k]
    if group == "pairing":
        pairings = Pairing.objects.filter(pk__in=ids).select_related("helping_school")
        pairings = pairings.prefetch_related(
            Prefetch("members", queryset=PairingMember.objects.select_related("school"))
        )
        return {pairing.pk: pairing.title for pairing in pairings}
    model = School if group == "school" else Region
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))


def compliance_rows(user, params, mentorships, group: str) -> tuple[list[dict], object]:
    """Active mentorships by standing per school or county (the mentee's), worst first,
    and when they were counted.

    Counting a province's mentorships reads a term of their records (a million rows at
    province scale, about a second), so the rows are kept a minute per user and query
    (twinning.progress.kept): a roll-up is at most that old, while a mentorship's own
    standing and a teacher's home are exact.
    """

    def count() -> list[dict]:
        totals = compliance.rollup(mentorships, GROUPS[group])
        # Within one school a mentorship needs no pairing: those are counted under "—".
        names = _group_names(group, totals)
        return sorted(
            ({"id": group_id, "name": names.get(group_id, "—"), **{s: c.get(s, 0) for s in
              compliance.ROLLUP_STATUSES}, "total": sum(c.values())}
             for group_id, c in totals.items()),
            key=lambda row: (-(row["behind"] + row["missed"]), row["name"]),
        )  # fmt: skip

    return progress.kept("compliance", user, [*params, ("group", group)], count)


# --- figures of pairing years (evaluation) -------------------------------------------------------


def records_in_windows(windows: QuerySet, kinds) -> dict[int, dict]:
    """``{window row id: {kind: records, …, "mentorships": n}}``: the mentorship records of
    each of ``kinds`` filed for the row's pairing's mentorships within its window
    (``pairing_id``, ``period_start``, ``period_end``; twinning.db.per_window), and how
    many of its mentorships ran during the window. One query for every row."""
    from django.db.models import OuterRef

    from twinning.db import count_of, per_window

    records = MentorshipRecord.objects.filter(
        mentorship__pairing_id=OuterRef("pairing_id"), date__gte=OuterRef("period_start"),
        date__lte=OuterRef("period_end"),
    )  # fmt: skip
    ran = Mentorship.objects.filter(
        pairing_id=OuterRef("pairing_id"), start__lte=OuterRef("period_end"),
        end__gte=OuterRef("period_start"),
    )  # fmt: skip
    return per_window(
        windows, mentorships=count_of(ran),
        **{kind: count_of(records.filter(kind=kind)) for kind in kinds},
    )  # fmt: skip


def compliance_by_pairing(pairing_ids) -> dict[int, dict]:
    """``{pairing id: {"active": n, "keeping_up": n}}``: the pairings' active mentorships
    and how many of them stand met or on track today (teachers.compliance: one aggregate
    pass for all of them)."""
    found: dict[int, dict] = {}
    standings = compliance.standings(
        Mentorship.objects.filter(pairing_id__any_of=list(pairing_ids)), group_by="pairing_id"
    )
    for standing in standings.values():
        row = found.setdefault(standing.group, {"active": 0, "keeping_up": 0})
        row["active"] += 1
        row["keeping_up"] += standing.status in (progress.MET, progress.ON_TRACK, progress.NOT_DUE)
    return found


# --- a programme's mentorship rules -----------------------------------------------------


def obligation_get_for_user(user, pk, *, write: bool = False) -> Obligation:
    """One of a programme's obligations, if the user reads the programme (404 otherwise;
    403 on a write by one who may only read it)."""
    from schools.selectors import programme_get_for_user

    obligation = get_or_404(Obligation.objects.all(), pk)
    obligation.programme = programme_get_for_user(user, obligation.programme_id, write=write)
    return obligation
