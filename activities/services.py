"""Every write of the activities app: schedule an activity, change it, postpone it, log
it as completed with its evidence, cancel it; record, change and cancel a secondment,
and confirm its days served.

Each service checks the actor's right (twinning.access), validates before it writes
(a ``ValidationError`` naming the field changes nothing) and runs in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_fsm import can_proceed

from schools.models import Pairing, PairingMember, Programme, School
from teachers.models import Teacher
from twinning import access, calendar, rulebook
from twinning.access import resolve_scope
from twinning.attachments import (
    RESOURCE_TYPES,
    RESOURCES,
    check_uploads,
    delete_stored,
    store_uploads,
    validate_upload,
)
from twinning.models import User
from twinning.text import join_names

from . import kinds, targets
from .models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Evidence,
    PairingTarget,
    Participation,
    Reschedule,
    Resource,
    Secondment,
    TargetSubject,
)

LIVE_PAIRING_STATUSES = ("approved", "active")
MAX_EVIDENCE = 30
# Fields a schedule or an edit may set; the rest belong to the lifecycle.
PLAN_FIELDS = ("kind", "title", "host_school", "starts_at", "ends_at", "place", "online_link",
               "student_count", "description")  # fmt: skip


@dataclass(frozen=True)
class Clash:
    """A participant booked into another activity at the same time: a warning, not an
    error (a teacher may well leave one early)."""

    teacher: Teacher
    other: Activity

    @property
    def message(self) -> str:
        return _("%(teacher)s is also booked into “%(title)s” (%(when)s).") % {
            "teacher": self.teacher.name,
            "title": self.other.title,
            "when": formats.date_format(timezone.localtime(self.other.starts_at), "Y-m-d H:i"),
        }


def _members(pairing: Pairing) -> dict[int, PairingMember]:
    return {m.school_id: m for m in PairingMember.objects.filter(pairing=pairing)}


def _check_right(actor: User, pairing: Pairing, members) -> None:
    if not access.can_schedule_activities(resolve_scope(actor), pairing, set(members)):
        raise PermissionDenied(
            _("The coordinators of the pairing's schools and its bureau schedule its activities.")
        )


def _validate(activity: Activity, members, participants: list[Teacher]) -> None:
    errors: dict[str, list[str]] = {}
    if activity.host_school_id not in members:
        errors.setdefault("host_school", []).append(
            _("The host school must be one of the pairing's schools.")
        )
    if activity.starts_at and activity.ends_at and activity.ends_at <= activity.starts_at:
        errors.setdefault("ends_at", []).append(_("The end must be after the start."))
    if not (activity.place or "").strip() and not (activity.online_link or "").strip():
        errors.setdefault("place", []).append(_("Give the place, or the online link."))
    retired = not ActivityKind.objects.filter(pk=activity.kind_id, is_active=True).exists()
    if activity._state.adding and activity.kind_id and retired:
        errors.setdefault("kind", []).append(_("This kind of activity is no longer in use."))
    outsiders = [t.name for t in participants if t.school_id not in members]
    if outsiders:
        errors.setdefault("participants", []).append(
            _("Not a teacher of the pairing's schools: %(names)s.")
            % {"names": _(", ").join(outsiders)}
        )
    if errors:
        raise ValidationError(errors)
    activity.full_clean(
        exclude=["pairing", "kind", "host_school", "organiser", "created_by", "closed_by", "status"]
    )


def clashes(activity: Activity, teacher_ids: Iterable[int]) -> list[Clash]:
    """Other activities, not cancelled, that overlap ``activity`` and book one of
    ``teacher_ids`` (one query)."""
    found = (
        Participation.objects.filter(
            teacher_id__in=list(teacher_ids),
            activity__starts_at__lt=activity.ends_at,
            activity__ends_at__gt=activity.starts_at,
        )
        .exclude(activity__status=ActivityStatus.CANCELLED)
        .exclude(activity_id=activity.pk)
        .select_related("teacher", "activity")
        .order_by("activity__starts_at", "teacher__name")
    )
    return [Clash(p.teacher, p.activity) for p in found]


def _set_participants(activity: Activity, participants: list[Teacher]) -> None:
    wanted = {t.pk: t for t in participants}
    Participation.objects.filter(activity=activity).exclude(teacher_id__in=wanted).delete()
    have = set(Participation.objects.filter(activity=activity).values_list("teacher_id", flat=True))
    Participation.objects.bulk_create(
        Participation(activity=activity, teacher=t, school_id=t.school_id)
        for pk, t in wanted.items()
        if pk not in have
    )


@transaction.atomic
def activity_schedule(
    *, actor: User, pairing: Pairing, participants: Iterable[Teacher] = (), **fields
) -> tuple[Activity, list[Clash]]:
    """Plan an activity of an approved or active pairing; returns it and the clashes
    of its participants with their other activities."""
    members = _members(pairing)
    _check_right(actor, pairing, members)
    if pairing.status not in LIVE_PAIRING_STATUSES:
        raise ValidationError(_("Activities are scheduled for approved or active pairings only."))
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"not plan fields: {sorted(unknown)}")
    participants = list(participants)
    activity = Activity(pairing=pairing, organiser=actor, created_by=actor, **fields)
    _validate(activity, members, participants)
    activity.region_id = _region_of(activity.host_school)
    activity.save()
    _set_participants(activity, participants)
    return activity, clashes(activity, [t.pk for t in participants])


def _require_live_for_plans(pairing: Pairing) -> None:
    """A planned activity of a pairing that is over (concluded, terminated) is no longer
    moved or changed; it can still be logged or cancelled."""
    if pairing.status not in LIVE_PAIRING_STATUSES:
        raise ValidationError(
            _("This pairing is no longer approved or active: its plans no longer change.")
        )


def _region_of(school: School) -> int:
    return school.region_id


def _locked(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().get(pk=activity.pk)


def _require_open(activity: Activity) -> None:
    if not activity.is_open:
        raise ValidationError(
            _("This activity is %(status)s; it can no longer be changed.")
            % {"status": activity.get_status_display().lower()}
        )


@transaction.atomic
def activity_update(
    *, actor: User, activity: Activity, participants: Iterable[Teacher] | None = None, **fields
) -> tuple[Activity, list[Clash]]:
    """Change a planned or postponed activity (moving its dates is a postponement, see
    :func:`activity_postpone`, when they are to be kept)."""
    members = _members(activity.pairing)
    _check_right(actor, activity.pairing, members)
    activity = _locked(activity)
    _require_open(activity)
    _require_live_for_plans(activity.pairing)
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"not plan fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(activity, name, value)
    if participants is None:
        participants = list(
            Teacher.objects.filter(participations__activity=activity).order_by("name")
        )
    participants = list(participants)
    _validate(activity, members, participants)
    activity.region_id = _region_of(activity.host_school)
    activity.save()
    _set_participants(activity, participants)
    return activity, clashes(activity, [t.pk for t in participants])


@transaction.atomic
def activity_postpone(
    *, actor: User, activity: Activity, starts_at: dt.datetime, ends_at: dt.datetime,
    reason: str = "",
) -> tuple[Activity, list[Clash]]:  # fmt: skip
    """Move an open activity to new dates; the earlier ones are kept."""
    members = _members(activity.pairing)
    _check_right(actor, activity.pairing, members)
    activity = _locked(activity)
    _require_open(activity)
    _require_live_for_plans(activity.pairing)
    if not starts_at or not ends_at or ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must be after the start.")})
    if (starts_at, ends_at) == (activity.starts_at, activity.ends_at):
        raise ValidationError({"starts_at": _("Give the new dates.")})
    Reschedule.objects.create(
        activity=activity, previous_starts_at=activity.starts_at,
        previous_ends_at=activity.ends_at, reason=reason.strip(), actor=actor,
    )  # fmt: skip
    activity.starts_at, activity.ends_at = starts_at, ends_at
    activity.postpone()
    activity.save()
    booked = Participation.objects.filter(activity=activity).values_list("teacher_id", flat=True)
    return activity, clashes(activity, booked)


@transaction.atomic
def activity_complete(
    *, actor: User, activity: Activity, summary: str, files=(), student_count: int | None = None
) -> Activity:
    """Log an activity as held: a summary and at least one evidence file (already
    attached or given here) are required."""
    members = _members(activity.pairing)
    _check_right(actor, activity.pairing, members)
    activity = _locked(activity)
    if not can_proceed(activity.complete):
        _require_open(activity)
    errors = {}
    if not (summary or "").strip():
        errors["summary"] = [_("Write a summary of what happened.")]
    already = Evidence.objects.filter(activity=activity).count()
    try:
        checked = check_uploads(files, field="evidence", limit=MAX_EVIDENCE, already=already)
    except ValidationError as error:
        errors.update(error.message_dict)
        checked = []
    if "evidence" not in errors and already + len(checked) == 0:
        errors["evidence"] = [_("Attach at least one photo, sign-in sheet or minutes.")]
    if activity.starts_at > timezone.now():
        errors.setdefault("summary", []).append(
            _("This activity has not started yet; it can be logged once it has taken place.")
        )
    if errors:
        raise ValidationError(errors)
    _store(activity, checked, actor)
    activity.summary = summary.strip()
    if student_count is not None:
        activity.student_count = student_count
    activity.closed_at, activity.closed_by = timezone.now(), actor
    activity.complete()
    activity.save()
    return activity


@transaction.atomic
def activity_cancel(*, actor: User, activity: Activity, reason: str) -> Activity:
    members = _members(activity.pairing)
    _check_right(actor, activity.pairing, members)
    activity = _locked(activity)
    _require_open(activity)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    activity.cancel_reason = reason.strip()
    activity.closed_at, activity.closed_by = timezone.now(), actor
    activity.cancel()
    activity.save()
    return activity


def _store(activity: Activity, checked, actor: User) -> list[Evidence]:
    return store_uploads(
        Evidence, checked, actor=actor, activity=activity, school_id=activity.host_school_id,
        region_id=activity.region_id,
    )  # fmt: skip


@transaction.atomic
def evidence_add(*, actor: User, activity: Activity, files) -> list[Evidence]:
    """Attach more files to an activity that is open or completed (not cancelled)."""
    members = _members(activity.pairing)
    _check_right(actor, activity.pairing, members)
    activity = _locked(activity)
    if activity.status == ActivityStatus.CANCELLED:
        raise ValidationError({"evidence": _("A cancelled activity takes no evidence.")})
    files = list(files or [])
    if not files:
        raise ValidationError({"evidence": _("Choose at least one file.")})
    already = Evidence.objects.filter(activity=activity).count()
    checked = check_uploads(files, field="evidence", limit=MAX_EVIDENCE, already=already)
    return _store(activity, checked, actor)


@transaction.atomic
def evidence_remove(*, actor: User, evidence: Evidence) -> None:
    """Remove a file; a completed activity keeps at least one."""
    activity = _locked(evidence.activity)
    _check_right(actor, activity.pairing, _members(activity.pairing))
    if activity.status == ActivityStatus.COMPLETED and activity.evidence.count() <= 1:
        raise ValidationError(
            {"evidence": _("A completed activity keeps at least one evidence file.")}
        )
    delete_stored(evidence)


# --- secondments (挂职, 支教, 跟岗) -----------------------------------------------------------

SECONDMENT_FIELDS = ("kind", "teacher", "host_school", "start", "end", "duties")


def _check_secondment(secondment: Secondment, members) -> None:
    errors: dict[str, list[str]] = {}
    teacher = secondment.teacher
    if teacher.school_id not in members:
        errors["teacher"] = [_("The person must be a teacher of one of the pairing's schools.")]
    if secondment.host_school_id not in members:
        errors["host_school"] = [_("The host school must be one of the pairing's schools.")]
    elif secondment.host_school_id == teacher.school_id:
        errors["host_school"] = [_("The host school is the partner school, not their own.")]
    if secondment.start and secondment.end and secondment.end < secondment.start:
        errors["end"] = [_("The last day cannot be before the first.")]
    if not errors:
        # The person's other secondments, read under the lock on the person (see callers).
        other = (
            Secondment.objects.filter(
                teacher=teacher,
                cancelled_at__isnull=True,
                start__lte=secondment.end,
                end__gte=secondment.start,
            )  # fmt: skip
            .exclude(pk=secondment.pk)
            .select_related("host_school")
            .first()
        )
        if other is not None:
            errors["start"] = [
                _("%(name)s is already seconded to %(school)s from %(start)s to %(end)s.")
                % {
                    "name": teacher.name,
                    "school": other.host_school.name,
                    "start": other.start.isoformat(),
                    "end": other.end.isoformat(),
                }  # fmt: skip
            ]
    if errors:
        raise ValidationError(errors)
    secondment.full_clean(exclude=["pairing", "teacher", "host_school", "created_by"])


def _lock_person(teacher: Teacher) -> None:
    # Two secondments of one person recorded at once must not both pass the overlap check.
    Teacher.objects.select_for_update().filter(pk=teacher.pk).first()


@transaction.atomic
def secondment_record(*, actor: User, pairing: Pairing, **fields) -> Secondment:
    """Record a secondment of a teacher of one school of the pairing to the other."""
    members = _members(pairing)
    _check_right(actor, pairing, members)
    if pairing.status not in LIVE_PAIRING_STATUSES:
        raise ValidationError(_("Secondments are recorded for approved or active pairings only."))
    unknown = set(fields) - set(SECONDMENT_FIELDS)
    if unknown:
        raise TypeError(f"not secondment fields: {sorted(unknown)}")
    secondment = Secondment(pairing=pairing, created_by=actor, **fields)
    _lock_person(secondment.teacher)
    _check_secondment(secondment, members)
    _place(secondment)
    secondment.save()
    return secondment


def _place(secondment: Secondment) -> None:
    teacher = secondment.teacher
    secondment.home_school_id, secondment.home_region_id = teacher.school_id, teacher.region_id
    secondment.host_region_id = secondment.host_school.region_id


def _confirmed_for(secondment: Secondment) -> tuple:
    """What a confirmation of the days served vouches for: the dates, the host school
    (whose calendar counts them) and the person."""
    return secondment.start, secondment.end, secondment.host_school_id, secondment.teacher_id


@transaction.atomic
def secondment_update(*, actor: User, secondment: Secondment, **fields) -> Secondment:
    """Change a secondment (its end, when it ended early or was extended). A change of its
    dates, host school or person clears the confirmation of its days served."""
    members = _members(secondment.pairing)
    _check_right(actor, secondment.pairing, members)
    secondment = Secondment.objects.select_for_update().get(pk=secondment.pk)
    if secondment.is_cancelled:
        raise ValidationError(_("A cancelled secondment can no longer be changed."))
    unknown = set(fields) - set(SECONDMENT_FIELDS)
    if unknown:
        raise TypeError(f"not secondment fields: {sorted(unknown)}")
    if secondment.pairing.status not in LIVE_PAIRING_STATUSES:
        # Over: a secondment may still be recorded as ended early, never moved or extended.
        changed = {name for name, value in fields.items() if getattr(secondment, name) != value}
        end = fields.get("end", secondment.end)
        if changed - {"end"} or (end is not None and end > secondment.end):
            raise ValidationError(
                _("This pairing is no longer approved or active: a secondment of it may only "
                  "end earlier.")
            )  # fmt: skip
    confirmed = _confirmed_for(secondment)
    for name, value in fields.items():
        setattr(secondment, name, value)
    _lock_person(secondment.teacher)
    _check_secondment(secondment, members)
    _place(secondment)
    if _confirmed_for(secondment) != confirmed:
        # The days were confirmed for other dates (or another school's calendar, another
        # person): they are to be confirmed again; the history keeps the old confirmation.
        secondment.days_confirmed = secondment.days_confirmed_at = None
        secondment.days_confirmed_by = None
    secondment.save()
    return secondment


@transaction.atomic
def secondment_cancel(*, actor: User, secondment: Secondment, reason: str) -> Secondment:
    """A secondment that did not take place: kept, with the reason, and counted nowhere."""
    members = _members(secondment.pairing)
    _check_right(actor, secondment.pairing, members)
    secondment = Secondment.objects.select_for_update().get(pk=secondment.pk)
    if secondment.is_cancelled:
        raise ValidationError(_("This secondment is already cancelled."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    secondment.cancelled_reason, secondment.cancelled_at = reason.strip(), timezone.now()
    secondment.save()
    return secondment


def can_confirm_days(user: User, secondment: Secondment) -> bool:
    """Whether ``user`` confirms ``secondment``'s days served
    (:func:`twinning.access.can_confirm_secondment_days`)."""
    return access.can_confirm_secondment_days(resolve_scope(user), secondment)


@transaction.atomic
def secondment_confirm_days(*, actor: User, secondment: Secondment, days: int) -> Secondment:
    """Confirm the working days ``secondment`` served (0 to the days planned), from three
    days before its last day on; not for a cancelled one. Confirming again replaces the
    number (the history keeps the earlier one); a later change of its dates, host school or
    person clears it (:func:`secondment_update`)."""
    secondment = (
        Secondment.objects.select_for_update(of=("self",))
        .select_related("host_region", "pairing")
        .get(pk=secondment.pk)
    )
    if not can_confirm_days(actor, secondment):
        raise PermissionDenied(
            _("The host school's coordinators and the pairing's bureau confirm the days served.")
        )
    if secondment.is_cancelled:
        raise ValidationError(_("A cancelled secondment has no days to confirm."))
    if calendar.today() < secondment.days_confirmable_from:
        raise ValidationError({"days": _(
            "The days served can be confirmed from %(day)s, three days before the last day."
        ) % {"day": secondment.days_confirmable_from.isoformat()}})  # fmt: skip
    planned = secondment.days_planned()
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= planned:
        raise ValidationError({"days": _(
            "Give the working days served: from 0 to the %(planned)s planned."
        ) % {"planned": planned}})  # fmt: skip
    secondment.days_confirmed = days
    secondment.days_confirmed_at, secondment.days_confirmed_by = timezone.now(), actor
    secondment._history_user = actor
    secondment.save(
        update_fields=["days_confirmed", "days_confirmed_at", "days_confirmed_by", "updated_at"]
    )
    return secondment


# --- a programme's own exchange targets ----------------------------------------------------

TARGET_FIELDS = ("minimum", "period", "side")


def _programme_locked(actor: User, programme: Programme) -> Programme:
    """The programme, locked: its bureau's changes to its rules are made one at a time."""
    access.require(access.can_manage_programme(resolve_scope(actor), programme))
    return Programme.objects.select_for_update().get(pk=programme.pk)


def _adopt_default_targets(actor: User, programme: Programme) -> None:
    """A programme on the defaults takes them as its own rows before its first change, so
    that adding, changing or removing one target keeps the others."""
    if PairingTarget.objects.current().filter(programme=programme).exists():
        return
    kinds = {k.code: k for k in ActivityKind.objects.filter(
        code__in=[t.kind for t in targets.DEFAULTS if t.kind], is_active=True
    )}  # fmt: skip
    for t in targets.DEFAULTS:
        if t.kind and t.kind not in kinds:
            continue  # a default kind the list no longer has
        rulebook.add(
            PairingTarget(programme=programme, subject=t.subject, kind=kinds.get(t.kind),
                          minimum=t.minimum, period=t.period, side=t.side),
            actor=actor,
        )  # fmt: skip


def _refuse_twin(target: PairingTarget) -> None:
    twin = PairingTarget.objects.current().filter(
        programme=target.programme_id, subject=target.subject, kind=target.kind_id,
        period=target.period, side=target.side,
    ).exclude(pk=target.pk)  # fmt: skip
    if twin.exists():
        raise ValidationError(
            {"minimum": _("The programme already has this target: change its number instead.")}
        )


@transaction.atomic
def target_add(
    *, actor: User, programme: Programme, subject: str, kind: ActivityKind | None,
    minimum: int, period: str, side: str,
) -> PairingTarget:  # fmt: skip
    """Add an exchange target to a programme, in force from today (its bureau). Periods
    already closed keep the targets they had (twinning/rulebook.py)."""
    programme = _programme_locked(actor, programme)
    if kind is not None:  # as it is now: taking it out of use locks it too
        kind = ActivityKind.objects.select_for_update().get(pk=kind.pk)
    if subject == TargetSubject.ACTIVITY and kind is not None and not kind.is_active:
        raise ValidationError({"kind": _("This kind of activity is no longer in use.")})
    target = PairingTarget(programme=programme, subject=subject, kind=kind, minimum=minimum,
                           period=period, side=side)  # fmt: skip
    target.full_clean()
    _refuse_twin(target)
    _adopt_default_targets(actor, programme)
    _refuse_twin(target)  # the defaults may have brought it
    return rulebook.add(target, actor=actor)


@transaction.atomic
def target_change(*, actor: User, target: PairingTarget, **fields) -> PairingTarget:
    """Change a target's number, period or side from today on; returns the target now in
    force."""
    _programme_locked(actor, target.programme)
    changes = {name: fields[name] for name in TARGET_FIELDS if name in fields}
    probe = PairingTarget(**{**{f: getattr(target, f) for f in
                                ("programme_id", "subject", "kind_id", *TARGET_FIELDS)},
                             **changes}, pk=target.pk)  # fmt: skip
    _refuse_twin(probe)
    return rulebook.change(target, actor=actor, **changes)


@transaction.atomic
def target_remove(*, actor: User, target: PairingTarget) -> None:
    """Take a target out of force from today on. A programme left with none of its own
    follows the defaults again."""
    _programme_locked(actor, target.programme)
    rulebook.retire(target, actor=actor)


@transaction.atomic
def targets_adopt_defaults(*, actor: User, programme: Programme) -> None:
    """Make the default targets the programme's own, to change them one by one."""
    _adopt_default_targets(actor, _programme_locked(actor, programme))


# --- the shared resource library -------------------------------------------------------------

RESOURCE_FIELDS = ("title", "description", "category", "subject", "grade", "activity")


@transaction.atomic
def resource_share(*, actor: User, pairing: Pairing, upload, **fields) -> Resource:
    """Add a file to the pairing's library, as the actor's school of the pairing."""
    members = _members(pairing)
    scope = resolve_scope(actor)
    if not access.can_share_resources(scope, pairing, set(members)):
        raise PermissionDenied(_("The teachers and coordinators of the pairing's schools share "
                                 "resources."))  # fmt: skip
    if pairing.status not in LIVE_PAIRING_STATUSES:
        raise ValidationError(_("Resources are shared in approved or active pairings only."))
    unknown = set(fields) - set(RESOURCE_FIELDS)
    if unknown:
        raise TypeError(f"not resource fields: {sorted(unknown)}")
    activity = fields.get("activity")
    if activity is not None and activity.pairing_id != pairing.pk:
        raise ValidationError({"activity": _("The activity must be one of this pairing's.")})
    own = sorted(scope.read_school_ids & set(members))
    school = members[own[0]].school if own else pairing.helping_school
    if upload is None:
        raise ValidationError({"file": _("Choose a file.")})
    try:
        kind = validate_upload(
            upload, allowed=RESOURCE_TYPES, expected=RESOURCES,
            max_bytes=settings.MAX_RESOURCE_BYTES,
        )  # fmt: skip
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    fields = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    checked = Resource(pairing=pairing, school=school, region_id=school.region_id, **fields)
    checked.full_clean(exclude=["pairing", "school", "region", "uploaded_by", "activity", "file",
                                "thumbnail", "name", "content_type", "size"])  # fmt: skip
    (resource,) = store_uploads(
        Resource, [(upload, kind)], actor=actor, pairing=pairing, school=school,
        region_id=school.region_id, **fields,
    )  # fmt: skip
    return resource


@transaction.atomic
def resource_remove(*, actor: User, resource: Resource) -> None:
    if not access.can_remove_resource(resolve_scope(actor), resource, actor.pk):
        raise PermissionDenied(_("Whoever shared it, their school's coordinators and the "
                                 "pairing's bureau remove a resource."))  # fmt: skip
    delete_stored(resource)


# --- the list of activity kinds -------------------------------------------------------------
# One list for every region (the defaults: activities/kinds.py), kept by administrators and
# the province's bureau. A kind is never deleted, since past activities keep it: it is taken
# out of use instead, and no new activity may then be of it.

KIND_FIELDS = ("name_zh", "name_en", "order", "is_active")


def _require_kind_keeper(actor: User) -> None:
    access.require(
        access.can_manage_activity_kinds(resolve_scope(actor)),
        _("Administrators and the province's bureau keep the list of activity kinds."),
    )


def activity_kind_validate(kind: ActivityKind, *, actor: User | None = None) -> None:
    """Raise a ``ValidationError`` by field unless ``kind`` may be saved as it is: the
    model's rules (names given, lengths, order), a code of lowercase letters, digits, "-"
    and "_", a code and a Chinese name no other kind has, and, for a kind in use that is
    being taken out of use, no programme's current exchange target counting it (named if
    ``actor`` may read the programme). The admin's form asks too."""
    errors: dict[str, list] = {}
    try:
        kind.full_clean(validate_unique=False)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    others = ActivityKind.objects.exclude(pk=kind.pk) if kind.pk else ActivityKind.objects.all()
    if "code" not in errors and not kinds.is_code(kind.code):
        errors["code"] = [
            ValidationError(
                _("Write the code in lowercase letters, digits, “-” and “_”, e.g. joint_lesson."),
                code="invalid",
            )
        ]
    if "code" not in errors and others.filter(code=kind.code).exists():
        errors["code"] = [
            ValidationError(
                _("Another kind has the code “%(code)s”."),
                code="unique",
                params={"code": kind.code},
            )
        ]
    if "name_zh" not in errors and others.filter(name_zh=kind.name_zh).exists():
        errors["name_zh"] = [
            ValidationError(
                _("Another kind is called “%(name)s”."),
                code="unique",
                params={"name": kind.name_zh},
            )
        ]
    if errors:
        raise ValidationError(errors)
    if kind.pk and not kind.is_active:
        if ActivityKind.objects.filter(pk=kind.pk, is_active=True).exists():
            _check_retire(actor, kind)


def _check_retire(actor: User | None, kind: ActivityKind) -> None:
    """A kind that a programme's current exchange target counts stays in use: taken out of
    use, no activity could be scheduled to meet the target. The programmes the actor may
    read are named; the others (another province's) only counted. A kind the default
    targets count stays in use while any programme follows the defaults."""
    if kind.code in {t.kind for t in targets.DEFAULTS} and (
        Programme.objects.exclude(
            pk__in=PairingTarget.objects.current().values("programme_id")
        ).exists()
    ):
        raise ValidationError({"is_active": [ValidationError(
            _("“%(kind)s” is counted by the default exchange targets, which programmes "
              "without targets of their own follow: it stays in use.") % {"kind": kind.name},
            code="rule",
        )]})  # fmt: skip
    counting = PairingTarget.objects.current().filter(kind=kind).select_related("programme")
    programmes = {target.programme_id: target.programme for target in counting}
    if not programmes:
        return
    scope = resolve_scope(actor)
    named = sorted(p.name for p in programmes.values() if access.can_read_programme(scope, p))
    hidden = len(programmes) - len(named)
    params = {"kind": kind.name, "programmes": join_names(named), "count": hidden}
    if not hidden:
        message = _(
            "“%(kind)s” stays in use while the exchange targets of %(programmes)s count it; "
            "change those targets first."
        )
    elif named:
        message = ngettext(
            "“%(kind)s” stays in use while the exchange targets of %(programmes)s and of "
            "%(count)d programme of another region count it; change those targets first.",
            "“%(kind)s” stays in use while the exchange targets of %(programmes)s and of "
            "%(count)d programmes of other regions count it; change those targets first.",
            hidden,
        )
    else:
        message = ngettext(
            "“%(kind)s” stays in use while the exchange targets of %(count)d programme of "
            "another region count it.",
            "“%(kind)s” stays in use while the exchange targets of %(count)d programmes of "
            "other regions count it.",
            hidden,
        )
    raise ValidationError({"is_active": [ValidationError(message % params, code="rule")]})


def _save_kind(kind: ActivityKind, actor: User) -> None:
    kind._history_user = actor
    try:
        # A savepoint: a code another request took a moment ago fails the unique index
        # here; the transaction stays usable and the answer is the same as the check's.
        with transaction.atomic():
            kind.save()
    except IntegrityError:
        raise ValidationError(
            {"code": [ValidationError(_("Another kind has the code “%(code)s”."), code="unique",
                                      params={"code": kind.code})]}
        ) from None  # fmt: skip


def _lock_kinds() -> None:
    # Kinds are written one at a time (a short list, rarely changed), so that two requests
    # cannot both take one Chinese name, and a kind is not retired under a check.
    list(ActivityKind.objects.select_for_update().order_by("pk").values_list("pk", flat=True))


def _clean_text(value):
    return value.strip() if isinstance(value, str) else value


@transaction.atomic
def activity_kind_create(
    *, actor: User, code: str, name_zh: str, name_en: str, order: int = 100
) -> ActivityKind:
    """Add a kind, in use, at ``order`` in the list (the list is sorted by it, then by
    when a kind was added). Its code is fixed from now on."""
    _require_kind_keeper(actor)
    _lock_kinds()
    kind = ActivityKind(
        code=_clean_text(code), name_zh=_clean_text(name_zh), name_en=_clean_text(name_en),
        order=order, is_active=True,
    )  # fmt: skip
    activity_kind_validate(kind)
    _save_kind(kind, actor)
    return kind


@transaction.atomic
def activity_kind_update(*, actor: User, kind: ActivityKind, **fields) -> ActivityKind:
    """Rename, reorder, take out of use or back into use (``fields`` among
    :data:`KIND_FIELDS`). The code never changes; a kind a programme's current exchange
    target counts is not taken out of use (the programmes are named)."""
    _require_kind_keeper(actor)
    if "code" in fields and fields.pop("code") != kind.code:
        raise ValidationError(
            {"code": [ValidationError(_("A kind's code is fixed once made: the API and the "
                                        "exchange targets name the kind by it."), code="rule")]}
        )  # fmt: skip
    unknown = set(fields) - set(KIND_FIELDS)
    if unknown:
        raise TypeError(f"not activity kind fields: {sorted(unknown)}")
    _lock_kinds()
    # Compared with the row as stored: the admin hands over an instance its form changed.
    stored = ActivityKind.objects.get(pk=kind.pk)
    for name, value in fields.items():
        setattr(kind, name, _clean_text(value))
    kind.code = stored.code
    if all(getattr(kind, name) == getattr(stored, name) for name in KIND_FIELDS):
        return kind  # nothing to record
    activity_kind_validate(kind, actor=actor)
    _save_kind(kind, actor)
    return kind
