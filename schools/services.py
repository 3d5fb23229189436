"""Every write of the schools app: schools, programmes, pairings, needs and plans.

Services validate (raising ``ValidationError`` keyed by field, changing nothing),
check the actor's right through :mod:`twinning.access` (raising
``PermissionDenied``), record history, and enqueue tasks on commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from twinning import access, calendar
from twinning.access import resolve_scope
from twinning.attachments import detect, stored_upload, validate_attachment
from twinning.calendar import period_bounds
from twinning.models import User
from twinning.text import join_names

from . import region_copies
from .models import (
    LIVE_STATUSES,
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
)

CLOSED_STATUSES = (PairingStatus.REJECTED, PairingStatus.CONCLUDED, PairingStatus.TERMINATED)

SCHOOL_FIELDS = (
    "name", "code", "region", "stage", "location", "enrolment", "staff_count",
    "address", "contact_name", "contact_phone",
)  # fmt: skip
PROGRAMME_FIELDS = (
    "name", "region", "start_year", "years", "pairing_kind", "reach", "max_assisted_schools",
    "funding_per_pair", "tranche_count", "pass_mark", "description", "is_open",
)  # fmt: skip
PAIRING_DETAIL_FIELDS = (
    "agreement_signed_on", "agreement_start", "agreement_end", "agreement_file", "goals_summary",
)  # fmt: skip


def _save_validated(instance, actor: User | None, reason: str = "") -> None:
    # The FSM status field refuses assignment, which full_clean would do.
    instance.full_clean(exclude=["status"] if isinstance(instance, Pairing) else None)
    if actor is not None:
        instance._history_user = actor
    if reason:
        instance._change_reason = reason
    instance.save()


# --- schools -------------------------------------------------------------------


@transaction.atomic
def school_create(*, actor: User, **fields) -> School:
    region = fields.get("region")
    if region is None:
        raise ValidationError({"region": _("Choose the school's region.")})
    access.require(access.can_manage_region(resolve_scope(actor), region))
    school = School(**{k: v for k, v in fields.items() if k in SCHOOL_FIELDS})
    _save_validated(school, actor)
    return school


@transaction.atomic
def school_update(*, actor: User, school: School, **fields) -> School:
    scope = resolve_scope(actor)
    access.require(access.can_manage_school(scope, school))
    moved_to = fields.get("region")
    if moved_to is not None and moved_to.pk == school.region_id:
        moved_to = None
    if moved_to is not None:
        access.require(access.can_create_school_in(scope, moved_to))
        school_move_validate(school=school, region=moved_to)
    for name, value in fields.items():
        if name in SCHOOL_FIELDS:
            setattr(school, name, value)
    _save_validated(school, actor)
    if moved_to is not None:
        # Pairing members, teachers, records, activities, money and students carry their
        # school's region so that scoped lists are one filter; a stale copy would keep
        # them visible to the old county's bureau and hidden from the new one.
        region_copies.move(school, moved_to)
    return school


def school_move_validate(*, school: School, region: Region) -> None:
    """A school in a live pairing stays where its programme's rules allow (drafts are
    checked again when proposed). The admin form asks this too."""
    live = PairingMember.objects.filter(school=school, is_live=True).select_related(
        "programme__region"
    )
    for member in live:
        programme = member.programme
        if not region.path.startswith(programme.region.path):
            raise ValidationError(
                {
                    "region": _(
                        "The school takes part in a pairing of %(programme)s and cannot "
                        "leave the programme's region."
                    )
                    % {"programme": programme.name}
                }
            )
        if programme.reach == Programme.Reach.WITHIN_COUNTY:
            partner_regions = set(
                PairingMember.objects.filter(pairing_id=member.pairing_id)
                .exclude(school=school)
                .values_list("region_id", flat=True)
            )
            if partner_regions - {region.pk}:
                raise ValidationError(
                    {
                        "region": _(
                            "The school takes part in a pairing of %(programme)s, which pairs "
                            "schools within one county; it cannot move to another county."
                        )
                        % {"programme": programme.name}
                    }
                )


# --- programmes ----------------------------------------------------------------


@transaction.atomic
def programme_create(*, actor: User, **fields) -> Programme:
    region = fields.get("region")
    if region is None:
        raise ValidationError({"region": _("Choose the region that runs the programme.")})
    access.require(access.can_create_programme_in(resolve_scope(actor), region))
    programme = Programme(**{k: v for k, v in fields.items() if k in PROGRAMME_FIELDS})
    programme_validate(programme)
    _save_validated(programme, actor)
    return programme


@transaction.atomic
def programme_update(*, actor: User, programme: Programme, **fields) -> Programme:
    scope = resolve_scope(actor)
    access.require(access.can_manage_programme(scope, programme))
    if "region" in fields and fields["region"].pk != programme.region_id:
        if programme.pairings.exists():
            raise ValidationError({"region": _("A programme with pairings cannot move region.")})
        access.require(access.can_create_programme_in(scope, fields["region"]))
    changed = {
        name: value for name, value in fields.items()
        if name in PROGRAMME_FIELDS and getattr(programme, name) != value
    }  # fmt: skip
    if not changed:
        return programme  # nothing to save, nothing for the history
    for name, value in changed.items():
        setattr(programme, name, value)
    programme_validate(programme)
    _save_validated(programme, actor)
    return programme


def programme_validate(programme: Programme) -> None:
    """Rules beyond the model's field validation; the admin form checks them too."""
    if (
        programme.pairing_kind == Programme.PairingKind.ONE_TO_MANY
        and programme.max_assisted_schools < 2
    ):
        raise ValidationError(
            {
                "max_assisted_schools": _(
                    "A one-to-many programme allows at least 2 assisted schools."
                )
            }
        )
    if programme.pairing_kind == Programme.PairingKind.ONE_TO_ONE:
        programme.max_assisted_schools = 1


# --- pairings: composition -----------------------------------------------------


def _validate_composition(
    programme: Programme, helping_school: School, assisted: list[School]
) -> None:
    if not assisted:
        raise ValidationError({"assisted_schools": _("Choose at least one assisted school.")})
    if helping_school in assisted:
        raise ValidationError({"assisted_schools": _("A school cannot be paired with itself.")})
    if len(set(assisted)) != len(assisted):
        raise ValidationError({"assisted_schools": _("An assisted school is listed twice.")})
    allowed = programme.allowed_assisted_schools
    if len(assisted) > allowed:
        raise ValidationError(
            {
                "assisted_schools": _(
                    "This programme allows at most %(n)d assisted school(s) per pairing."
                )
                % {"n": allowed}
            }
        )
    region_path = programme.region.path
    for school in [helping_school, *assisted]:
        if not school.region.path.startswith(region_path):
            field = "helping_school" if school == helping_school else "assisted_schools"
            raise ValidationError(
                {field: _("%(school)s is not in the programme's region.") % {"school": school.name}}
            )
    if programme.reach == Programme.Reach.WITHIN_COUNTY:
        if any(s.region_id != helping_school.region_id for s in assisted):
            raise ValidationError(
                {"assisted_schools": _("This programme pairs schools within one county only.")}
            )


def _require_own_school(scope, programme: Programme, member_ids: set[int]) -> None:
    """A coordinator's pairing always includes their own school; the bureau pairs any."""
    if not access.can_manage_programme(scope, programme) and not (
        scope.coordinator_school_ids & member_ids
    ):
        raise ValidationError(
            {"helping_school": _("Your own school must be one of the schools of the pairing.")}
        )


def _live_conflicts(programme: Programme, schools: Iterable[School], exclude_pairing_id=None):
    qs = PairingMember.objects.filter(
        programme=programme, school__in=list(schools), is_live=True
    ).select_related("school")
    if exclude_pairing_id:
        qs = qs.exclude(pairing_id=exclude_pairing_id)
    return list(qs)


def _conflict_error(conflicts: list[PairingMember]) -> ValidationError:
    names = join_names(sorted({m.school.name for m in conflicts}))
    return ValidationError(
        {
            "assisted_schools": _(
                "%(schools)s already take(s) part in a proposed, approved or active pairing "
                "of this programme."
            )
            % {"schools": names}
        }
    )


def _set_members(pairing: Pairing, helping_school: School, assisted: list[School]) -> None:
    pairing.members.all().delete()
    PairingMember.objects.bulk_create(
        [
            PairingMember(
                pairing=pairing,
                school=school,
                role=role,
                programme_id=pairing.programme_id,
                region_id=school.region_id,
                is_live=pairing.status in LIVE_STATUSES,
            )
            for school, role in [(helping_school, PairingMember.Role.HELPING)]
            + [(s, PairingMember.Role.ASSISTED) for s in assisted]
        ]
    )


@transaction.atomic
def pairing_create(
    *,
    actor: User,
    programme: Programme,
    helping_school: School,
    assisted_schools: list[School],
    **details,
) -> Pairing:
    """Start a pairing as a draft. Coordinators may only start pairings of their school."""
    scope = resolve_scope(actor)
    access.require(access.can_propose_in_programme(scope, programme))
    if not programme.is_open:
        raise ValidationError({"programme": _("This programme no longer takes proposals.")})
    assisted = list(assisted_schools)
    _validate_composition(programme, helping_school, assisted)
    _require_own_school(scope, programme, {helping_school.pk, *(s.pk for s in assisted)})
    pairing = Pairing(
        programme=programme,
        region_id=programme.region_id,
        helping_school=helping_school,
        created_by=actor,
        **{k: v for k, v in details.items() if k in PAIRING_DETAIL_FIELDS},
    )
    _validate_agreement(pairing)
    _save_validated(pairing, actor)
    _set_members(pairing, helping_school, assisted)
    PairingTransition.objects.create(
        pairing=pairing, from_status="", to_status=PairingStatus.DRAFT, actor=actor
    )
    return pairing


@transaction.atomic
def pairing_update(*, actor: User, pairing: Pairing, **fields) -> Pairing:
    """Change a pairing's details; its schools only while it is a draft."""
    pairing = _lock(pairing)
    scope = resolve_scope(actor)
    school_ids = set(pairing.members.values_list("school_id", flat=True))
    access.require(access.can_edit_pairing(scope, pairing, school_ids))
    if pairing.status in CLOSED_STATUSES:
        raise ValidationError(_("A closed pairing cannot be changed."))
    helping = fields.pop("helping_school", None)
    assisted = fields.pop("assisted_schools", None)
    if _changes_schools(pairing, helping, assisted):
        if pairing.status != PairingStatus.DRAFT:
            raise ValidationError(
                {
                    "assisted_schools": _(
                        "The schools of a pairing can only change while it is a draft."
                    )
                }
            )
        helping = helping or pairing.helping_school
        if assisted is None:
            assisted = [m.school for m in pairing.members.filter(role=PairingMember.Role.ASSISTED)]
        assisted = list(assisted)
        _validate_composition(pairing.programme, helping, assisted)
        if not access.can_manage_programme(scope, pairing.programme):
            if pairing.created_by_id != actor.pk:
                # A draft is its author's proposal: a partner may edit the details, but
                # not swap the author's school (or their own) out of it.
                raise ValidationError(
                    {
                        "assisted_schools": _(
                            "Only whoever started the draft, or the bureau, changes its schools."
                        )
                    }
                )
            _require_own_school(scope, pairing.programme, {helping.pk, *(s.pk for s in assisted)})
        pairing.helping_school = helping
        _set_members(pairing, helping, assisted)
    upload = fields.get("agreement_file")
    if upload and not isinstance(upload, FieldFile):  # a new file, not the stored one
        try:
            validate_attachment(upload)
        except ValidationError as error:
            raise ValidationError({"agreement_file": error.messages}) from None
        # Stored under a random name with the extension of what it is (the one path).
        fields = {**fields, "agreement_file": stored_upload(upload, detect(upload))}
    for name, value in fields.items():
        if name in PAIRING_DETAIL_FIELDS:
            setattr(pairing, name, value)
    _validate_agreement(pairing)
    _save_validated(pairing, actor)
    return pairing


def _changes_schools(pairing: Pairing, helping: School | None, assisted) -> bool:
    """Whether an edit names other schools than the pairing has (a form sends them all)."""
    if helping is None and assisted is None:
        return False
    members = list(pairing.members.all())
    current_helping = {m.school_id for m in members if m.role == PairingMember.Role.HELPING}
    current_assisted = {m.school_id for m in members if m.role == PairingMember.Role.ASSISTED}
    return (helping is not None and {helping.pk} != current_helping) or (
        assisted is not None and {s.pk for s in assisted} != current_assisted
    )


def _validate_agreement(pairing: Pairing) -> None:
    """The agreement's dates: signed in the past, kept once active, ending after starting."""
    signed_on = pairing.agreement_signed_on
    if signed_on and signed_on > timezone.localdate():
        raise ValidationError(
            {"agreement_signed_on": _("The signing date cannot be in the future.")}
        )
    if not signed_on and pairing.status == PairingStatus.ACTIVE:
        raise ValidationError(
            {"agreement_signed_on": _("An active pairing keeps the date its agreement was signed.")}
        )
    start, end = pairing.agreement_start, pairing.agreement_end
    if start and end and end < start:
        raise ValidationError({"agreement_end": _("The agreement cannot end before it starts.")})


# --- pairings: lifecycle -------------------------------------------------------


def _lock(pairing: Pairing) -> Pairing:
    return (
        Pairing.objects.select_for_update(of=("self",))
        .select_related("programme__region", "helping_school")
        .get(pk=pairing.pk)
    )


def _move(
    pairing: Pairing, actor: User, method: str, comment: str, *, live: bool | None = None
) -> Pairing:
    bound = getattr(pairing, method)
    if not can_proceed(bound):
        raise ValidationError(
            {
                "status": _("A pairing that is %(status)s cannot be moved this way.")
                % {"status": pairing.get_status_display()}
            }
        )
    from_status = pairing.status
    bound()
    pairing._history_user = actor
    pairing.save()
    if live is not None:
        pairing.members.update(is_live=live)
    PairingTransition.objects.create(
        pairing=pairing,
        from_status=from_status,
        to_status=pairing.status,
        actor=actor,
        comment=comment.strip(),
    )
    return pairing


def _require_text(value: str, field: str, message: str) -> str:
    if not (value or "").strip():
        raise ValidationError({field: message})
    return value.strip()


def pairing_propose(*, actor: User, pairing: Pairing, comment: str = "") -> Pairing:
    """draft → proposed. Refuses a school already in a live pairing of the programme."""
    try:
        with transaction.atomic():
            pairing = _lock(pairing)
            members = list(pairing.members.select_related("school__region"))
            school_ids = {m.school_id for m in members}
            access.require(access.can_propose_pairing(resolve_scope(actor), pairing, school_ids))
            # A draft may have waited while a school moved or the programme's rules
            # changed: the composition must still hold when it reaches the bureau.
            _validate_composition(
                pairing.programme,
                next(m.school for m in members if m.role == PairingMember.Role.HELPING),
                [m.school for m in members if m.role == PairingMember.Role.ASSISTED],
            )
            conflicts = _live_conflicts(
                pairing.programme, [m.school for m in members], exclude_pairing_id=pairing.pk
            )
            if conflicts:
                raise _conflict_error(conflicts)
            if not pairing.programme.is_open:
                raise ValidationError({"programme": _("This programme no longer takes proposals.")})
            pairing = _move(pairing, actor, "propose", comment, live=True)
            pairing.proposed_by = actor
            pairing.proposed_at = timezone.now()
            pairing.save(update_fields=["proposed_by", "proposed_at", "updated_at"])
            transition_id = pairing.transitions.latest("at", "id").pk
            transaction.on_commit(lambda: _enqueue_proposed(transition_id))
            return pairing
    except IntegrityError:
        # Two proposals raced past the check above; the partial unique index decided.
        conflicts = _live_conflicts(pairing.programme, [m.school for m in pairing.members.all()])
        raise _conflict_error(conflicts) from None


def _enqueue_proposed(transition_id: int) -> None:
    from .tasks import notify_pairing_proposed

    notify_pairing_proposed.delay(transition_id)


@transaction.atomic
def pairing_approve(*, actor: User, pairing: Pairing, comment: str = "") -> Pairing:
    pairing = _lock(pairing)
    _require_decider(actor, pairing)
    return _move(pairing, actor, "approve", comment)


@transaction.atomic
def pairing_reject(*, actor: User, pairing: Pairing, comment: str) -> Pairing:
    pairing = _lock(pairing)
    _require_decider(actor, pairing)
    comment = _require_text(comment, "comment", _("Say why the proposal is rejected."))
    return _move(pairing, actor, "reject", comment, live=False)


def _require_step(actor: User, pairing: Pairing, allowed: bool, message: str) -> None:
    """Refuse a lifecycle step this actor may not take.

    Someone who may not change the pairing at all (an inspector, a teacher, the bureau
    of a county below the programme) is refused with 403, like any other write. Someone
    who works on the pairing but may not take *this* step (a coordinator approving, the
    proposer deciding their own proposal) made a mistake worth explaining: a
    ``ValidationError`` on ``status``, which pages show and the API answers with 400.
    """
    if allowed:
        return
    school_ids = set(pairing.members.values_list("school_id", flat=True))
    access.require(access.can_edit_pairing(resolve_scope(actor), pairing, school_ids), message)
    raise ValidationError({"status": message})


def _require_decider(actor: User, pairing: Pairing) -> None:
    scope = resolve_scope(actor)
    if access.is_pairing_bureau(scope, pairing) and pairing.proposed_by_id == actor.pk:
        message = _("Whoever proposed a pairing cannot approve or reject it.")
    else:
        message = _("Only bureau staff of the programme's region approve or reject pairings.")
    _require_step(actor, pairing, access.can_decide_pairing(scope, pairing, actor.pk), message)


@transaction.atomic
def pairing_activate(
    *, actor: User, pairing: Pairing, agreement_signed_on: dt.date | None = None, comment: str = ""
) -> Pairing:
    """approved → active, once the agreement is signed."""
    pairing = _lock(pairing)
    school_ids = set(pairing.members.values_list("school_id", flat=True))
    access.require(access.can_activate_pairing(resolve_scope(actor), pairing, school_ids))
    if agreement_signed_on:
        pairing.agreement_signed_on = agreement_signed_on
    if not pairing.agreement_signed_on:
        raise ValidationError(
            {"agreement_signed_on": _("Enter the date the agreement was signed.")}
        )
    _validate_agreement(pairing)
    return _move(pairing, actor, "activate", comment)


@transaction.atomic
def pairing_conclude(*, actor: User, pairing: Pairing, comment: str = "") -> Pairing:
    pairing = _lock(pairing)
    _require_closer(actor, pairing)
    return _move(pairing, actor, "conclude", comment, live=False)


@transaction.atomic
def pairing_terminate(*, actor: User, pairing: Pairing, reason: str) -> Pairing:
    pairing = _lock(pairing)
    _require_closer(actor, pairing)
    reason = _require_text(reason, "reason", _("Give the reason for terminating the pairing."))
    return _move(pairing, actor, "terminate", reason, live=False)


def _require_closer(actor: User, pairing: Pairing) -> None:
    _require_step(
        actor,
        pairing,
        access.can_close_pairing(resolve_scope(actor), pairing),
        _("Only bureau staff of the programme's region conclude or terminate pairings."),
    )


TRANSITION_SERVICES = {
    "propose": pairing_propose,
    "approve": pairing_approve,
    "reject": pairing_reject,
    "activate": pairing_activate,
    "conclude": pairing_conclude,
    "terminate": pairing_terminate,
}


# --- leading group and contacts --------------------------------------------------


def _require_edit(actor: User, pairing: Pairing) -> None:
    school_ids = set(pairing.members.values_list("school_id", flat=True))
    access.require(access.can_edit_pairing(resolve_scope(actor), pairing, school_ids))
    if pairing.status in CLOSED_STATUSES:
        raise ValidationError(_("A closed pairing cannot be changed."))


def _require_member_school(pairing: Pairing, school: School, field: str = "school") -> None:
    if not pairing.members.filter(school=school).exists():
        raise ValidationError({field: _("Choose one of the pairing's schools.")})


@transaction.atomic
def leading_group_member_add(
    *, actor: User, pairing: Pairing, school: School, name: str, position: str, title: str = ""
) -> LeadingGroupMember:
    _require_edit(actor, pairing)
    _require_member_school(pairing, school)
    member = LeadingGroupMember(
        pairing=pairing, school=school, name=name, position=position, title=title
    )
    _save_validated(member, actor)
    return member


@transaction.atomic
def leading_group_member_remove(*, actor: User, member: LeadingGroupMember) -> None:
    _require_edit(actor, member.pairing)
    member.delete()


@transaction.atomic
def contact_add(
    *, actor: User, pairing: Pairing, school: School, name: str, phone: str = "", email: str = ""
) -> ContactPerson:
    _require_edit(actor, pairing)
    _require_member_school(pairing, school)
    contact = ContactPerson(pairing=pairing, school=school, name=name, phone=phone, email=email)
    _save_validated(contact, actor)
    return contact


@transaction.atomic
def contact_remove(*, actor: User, contact: ContactPerson) -> None:
    _require_edit(actor, contact.pairing)
    contact.delete()


# --- needs assessment ----------------------------------------------------------


@transaction.atomic
def needs_assessment_save(
    *,
    actor: User,
    pairing: Pairing,
    school: School,
    dimension: str,
    rating: int,
    findings: str = "",
    needs: str = "",
) -> NeedsAssessment:
    """Create or replace the assessment of one dimension for one school of the pairing."""
    _require_edit(actor, pairing)
    _require_member_school(pairing, school)
    assessment = NeedsAssessment.objects.filter(
        pairing=pairing, school=school, dimension=dimension
    ).first() or NeedsAssessment(pairing=pairing, school=school, dimension=dimension)
    assessment.rating = rating
    assessment.findings = findings
    assessment.needs = needs
    assessment.assessed_by = actor
    _save_validated(assessment, actor)
    return assessment


# --- development plan ----------------------------------------------------------


@transaction.atomic
def goal_create(
    *,
    actor: User,
    pairing: Pairing,
    school: School,
    title: str,
    target_value: Decimal,
    unit: str,
    period_kind: str,
    school_year: int,
    period_number: int | None = None,
    dimension: str = "",
    parent: Goal | None = None,
) -> Goal:
    _require_edit(actor, pairing)
    _require_member_school(pairing, school)
    if period_kind == "year":
        period_number = None
    try:
        start, due_on = period_bounds(period_kind, school_year, period_number)
    except ValueError:
        raise ValidationError(
            {
                "period_number": _(
                    "Choose a term 1–2, quarter 1–4 or month 1–12 that fits the period."
                )
            }
        ) from None
    if parent is not None:
        if parent.pairing_id != pairing.pk:
            raise ValidationError({"parent": _("Choose a goal of the same pairing.")})
        parent_start, parent_end = period_bounds(
            parent.period_kind, parent.school_year, parent.period_number
        )
        if start < parent_start or due_on > parent_end:
            raise ValidationError({"parent": _("A task must fall within the period of its goal.")})
    goal = Goal(
        pairing=pairing,
        school=school,
        title=title,
        target_value=target_value,
        unit=unit,
        period_kind=period_kind,
        school_year=school_year,
        period_number=period_number,
        dimension=dimension,
        parent=parent,
        due_on=due_on,
        created_by=actor,
    )
    _save_validated(goal, actor)
    return goal


@transaction.atomic
def goal_report_progress(
    *, actor: User, goal: Goal, value: Decimal, note: str = ""
) -> ProgressUpdate:
    """Record how much of the goal is achieved so far; the goal shows the latest value."""
    _require_edit(actor, goal.pairing)
    if value is None or value < 0:
        raise ValidationError({"value": _("Enter the amount achieved so far (0 or more).")})
    update = ProgressUpdate(goal=goal, value=value, note=note, reported_by=actor)
    _save_validated(update, actor)
    goal.current_value = value
    goal._history_user = actor
    goal.save(update_fields=["current_value"])
    return update


@transaction.atomic
def goal_delete(*, actor: User, goal: Goal) -> None:
    _require_edit(actor, goal.pairing)
    goal.delete()


# --- regions (admin and seed) --------------------------------------------------


@transaction.atomic
def region_create(
    *, actor: User | None, name: str, code: str, level: str, parent: Region | None
) -> Region:
    if actor is not None:
        scope = resolve_scope(actor)
        access.require(
            scope.is_admin or (parent is not None and parent.pk in scope.bureau_region_ids)
        )
    region = Region(name=name, code=code, level=level, parent=parent)
    _save_validated(region, actor)
    return region


@transaction.atomic
def region_update(*, actor: User | None, region: Region, **fields) -> Region:
    """Correct a region's name, code or level; only administrators do. It never moves:
    the paths of everything below it would go stale."""
    if actor is not None:
        access.require(resolve_scope(actor).is_admin)
    if "parent" in fields and fields["parent"] != region.parent:
        raise ValidationError({"parent": _("A region cannot move in the tree.")})
    for name in ("name", "code", "level"):
        if name in fields:
            setattr(region, name, fields[name])
    _save_validated(region, actor)
    return region


# --- term dates -------------------------------------------------------------------------
# A term that is over keeps the dates it closed with, and so does every working day before
# the term under way (calendar.open_from): the figures counted over them (obligations,
# days served, scorecards) stay what they were when the period closed.


def _term_over_error() -> ValidationError:
    return ValidationError(
        {
            "term": _(
                "This term is over: its dates can no longer change, so that what it "
                "counted stays as it closed."
            )
        }
    )


def _parent_path(region: Region) -> str:
    """The path of the region above ``region`` ("/" for a top region): whose dates hold
    for it once its own are removed."""
    return region.path.rstrip("/").rsplit("/", 1)[0] + "/"


def term_dates_check(*, region: Region, school_year: int, term: int, start, end) -> None:
    """A term lies within its school year (1 August to 31 August of the next year, so
    that a term may start in late August) and term 1 ends before term 2 starts. A term
    that is over (by the dates that hold for the region now) no longer changes, and new
    dates may not end before today."""
    if not 2000 <= school_year <= 2100:
        raise ValidationError({"school_year": _("Give the school year's first year, e.g. 2026.")})
    year_start, year_end = dt.date(school_year, 8, 1), dt.date(school_year + 1, 8, 31)
    if not (year_start <= start < end <= year_end):
        raise ValidationError(
            {"end": _("A term starts and ends within its school year, and ends after it starts.")}
        )
    today = calendar.today()
    holding = calendar.term_dates(school_year, term, region.path)
    if holding.end < today:
        raise _term_over_error()
    if start != holding.start:
        first_open = calendar.open_from(region.path)
        if start < first_open:
            raise ValidationError({"start": _(
                "This first day is before %(date)s: the days before it are in a period "
                "that is over, so that what it counted stays as it closed."
            ) % {"date": f"{first_open:%Y-%m-%d}"}})  # fmt: skip
    if end < today:
        raise ValidationError(
            {
                "end": _(
                    "This last day has passed: a term cannot be set to be over already, so "
                    "that what it counted stays as it closed."
                )
            }
        )
    other = (
        TermDates.objects.filter(region=region, school_year=school_year).exclude(term=term).first()
    )
    if other is not None and (
        (term == 1 and end >= other.start) or (term == 2 and start <= other.end)
    ):
        raise ValidationError({"start": _("Term 1 ends before term 2 starts.")})


def term_dates_remove_check(dates: TermDates) -> None:
    """A region's own dates of a term are removed only while the term is not over, and
    only if the dates that then hold (its parent region's, else the default ones) are not
    over either."""
    today = calendar.today()
    if dates.end < today:
        raise _term_over_error()
    inherited = calendar.term_dates(dates.school_year, dates.term, _parent_path(dates.region))
    if inherited.end < today:
        raise ValidationError(
            {
                "term": _(
                    "Without these dates the term would take dates that are over already "
                    "(%(start)s – %(end)s); change its last day instead."
                )
                % {"start": f"{inherited.start:%Y-%m-%d}", "end": f"{inherited.end:%Y-%m-%d}"}
            }
        )


@transaction.atomic
def term_dates_set(
    *, actor: User, region: Region, school_year: int, term: int, start, end
) -> TermDates:
    """Set a region's own dates for a term (its bureau staff), checked by
    :func:`term_dates_check`; its history records ``actor``."""
    access.require(access.can_manage_region(resolve_scope(actor), region))
    term_dates_check(region=region, school_year=school_year, term=term, start=start, end=end)
    # Not update_or_create: the history row must carry the actor, set on the instance.
    dates = TermDates.objects.select_for_update().filter(
        region=region, school_year=school_year, term=term
    ).first() or TermDates(region=region, school_year=school_year, term=term)
    if dates.pk and (dates.start, dates.end) == (start, end):
        return dates  # nothing changes: no history row
    dates.start, dates.end = start, end
    _save_validated(dates, actor)
    return dates


@transaction.atomic
def term_dates_remove(*, actor: User, dates: TermDates) -> None:
    """Remove a region's own dates of a term (its bureau staff): the dates of the region
    above, or the default ones, hold again. Refused once the term is over."""
    access.require(access.can_manage_region(resolve_scope(actor), dates.region))
    term_dates_remove_check(dates)
    dates._history_user = actor
    dates.delete()


# --- working-day exceptions ------------------------------------------------------------


def day_override_check(*, region: Region, date) -> None:
    """A working-day exception is not recorded, changed or removed for a day before the
    term under way (:func:`twinning.calendar.open_from`): that term is over. The term of
    each region below that keeps its own dates counts too, since the day holds there."""
    below = TermDates.objects.filter(region__path__startswith=region.path).values_list(
        "region__path", flat=True
    )
    first_open = calendar.latest_open_from({region.path, *below})
    if date < first_open:
        raise ValidationError(
            {
                "date": _(
                    "This day falls in a term that is over (days before %(date)s): its "
                    "working days can no longer change, so that what it counted stays as "
                    "it closed."
                )
                % {"date": f"{first_open:%Y-%m-%d}"}
            }
        )


@transaction.atomic
def day_override_set(
    *, actor: User, region: Region, date, is_working_day: bool, note: str
) -> DayOverride:
    """Record that ``region``'s schools work on ``date`` or not (its bureau staff); it
    holds for every region below it that has no entry of its own. Refused for a day of a
    term that is over (:func:`day_override_check`); its history records ``actor``."""
    access.require(access.can_manage_region(resolve_scope(actor), region))
    if not (note or "").strip():
        raise ValidationError({"note": _("Say what the day is, e.g. 2027年春节.")})
    day_override_check(region=region, date=date)
    # Not update_or_create: the history row must carry the actor, set on the instance.
    day = DayOverride.objects.select_for_update().filter(
        region=region, date=date
    ).first() or DayOverride(region=region, date=date)
    if day.pk and (day.is_working_day, day.note) == (is_working_day, note.strip()):
        return day  # nothing changes: no history row
    day.is_working_day, day.note = is_working_day, note.strip()
    _save_validated(day, actor)
    calendar.day_overrides_changed()
    return day


@transaction.atomic
def day_override_remove(*, actor: User, day: DayOverride) -> None:
    access.require(access.can_manage_region(resolve_scope(actor), day.region))
    day_override_check(region=day.region, date=day.date)
    day._history_user = actor
    day.delete()
    calendar.day_overrides_changed()
