"""Mentorships (师徒结对): start one, accept its agreement, change it, close it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from schools.models import Pairing, PairingMember
from twinning import access, calendar
from twinning.access import resolve_scope
from twinning.attachments import detect, stored_upload, validate_attachment
from twinning.models import User

from .. import rules
from ..models import Mentorship, MentorshipStatus, Teacher

LIVE_PAIRING_STATUSES = ("approved", "active")
# Set by the service itself; the status is protected and changes only by transitions.
UNCHECKED = ["agreement_file", "created_by", "school", "region", "mentor_school",
             "mentor_region", "status"]  # fmt: skip
MAX_TERMS = 6


def _check(mentorship: Mentorship) -> None:
    """The fields the caller set, and every constraint: the status is set by the service,
    but it decides whether one active mentorship per mentee and subject applies."""
    mentorship.full_clean(exclude=UNCHECKED, validate_constraints=False)
    mentorship.validate_constraints()


def _pairing_joining(mentor: Teacher, mentee: Teacher, pairing: Pairing | None) -> Pairing | None:
    """The approved or active pairing both teachers' schools belong to.

    Within one school a pairing is optional (given, it must include the school).
    Across schools it is required; when none is named, the one live pairing joining the
    two schools is taken.
    """
    schools = {mentor.school_id, mentee.school_id}
    live = Pairing.objects.filter(status__in=LIVE_PAIRING_STATUSES)
    for school_id in schools:
        live = live.filter(
            id__in=PairingMember.objects.filter(school_id=school_id).values("pairing_id")
        )
    if pairing is not None:
        if not live.filter(pk=pairing.pk).exists():
            raise ValidationError(
                {"pairing": _("The pairing must be approved or active and join both schools.")}
            )
        return pairing
    if len(schools) == 1:
        return None
    found = list(live.order_by("-id")[:2])
    if not found:
        raise ValidationError(
            {
                "mentee": _(
                    "A mentee from another school must be from a school of an approved "
                    "or active pairing with the mentor's school."
                )
            }
        )
    if len(found) > 1:
        raise ValidationError({"pairing": _("The two schools share several pairings; choose one.")})
    return found[0]


def _end_of_terms(start, terms: int, region_path: str):
    """The last day of the ``terms``-th term from the one ``start`` falls in (or, in the
    holidays, the next one)."""
    if not 1 <= terms <= MAX_TERMS:
        raise ValidationError({"terms": _("From 1 to %(max)s terms.") % {"max": MAX_TERMS}})
    term = calendar.term_at_or_after(start, region_path)
    for _n in range(terms - 1):
        term = calendar.term_at_or_after(term.end + dt.timedelta(days=1), region_path)
    return term.end


def _check_eligibility(actor, mentee: Teacher, pairing, override: str, mentorship) -> None:
    limit = rules.max_mentee_years(pairing.programme_id if pairing else None)
    years = mentee.years_of_service
    if limit is None or years is None or years <= limit:
        return
    if not override.strip():
        raise ValidationError(
            {
                "mentee": _(
                    "%(name)s has %(years)s years of service; mentees of this programme have "
                    "at most %(limit)s. Bureau staff may make an exception with a reason."
                )
                % {"name": mentee.name, "years": years, "limit": limit}
            }
        )
    if not access.can_grant_exception_in(resolve_scope(actor), mentee.region):
        raise ValidationError(
            {"eligibility_override": _("Only bureau staff may make an exception to the rule.")}
        )
    mentorship.eligibility_override = override.strip()
    mentorship.eligibility_overridden_by = actor


def _set_agreement_file(mentorship: Mentorship, upload) -> None:
    if upload is None:
        return
    try:
        validate_attachment(upload)
    except ValidationError as error:
        raise ValidationError({"agreement_file": error.messages}) from None
    mentorship.agreement_file = stored_upload(upload, detect(upload))


@transaction.atomic
def mentorship_create(
    *,
    actor: User,
    mentor: Teacher,
    mentee: Teacher,
    subject: str,
    start,
    terms: int = 1,
    pairing: Pairing | None = None,
    agreement_text: str = "",
    agreement_file=None,
    eligibility_override: str = "",
) -> Mentorship:
    """Start a mentorship: the mentor and mentee of one school, or of two schools of one
    approved or active pairing, for ``terms`` terms from ``start``. Coordinators of
    either school and bureau staff of either region start one. A mentee beyond the
    programme's eligibility rule needs an exception from bureau staff, with a reason."""
    mentorship = Mentorship(
        mentor=mentor, mentee=mentee, subject=subject.strip(), start=start,
        agreement_text=agreement_text, created_by=actor,
        school_id=mentee.school_id, region_id=mentee.region_id,
        mentor_school_id=mentor.school_id, mentor_region_id=mentor.region_id,
    )  # fmt: skip
    access.require(
        access.can_manage_mentorship(resolve_scope(actor), mentorship),
        _("Only the schools' coordinators and their bureau start mentorships."),
    )
    if mentor.pk == mentee.pk:
        raise ValidationError({"mentee": _("The mentor cannot mentor themselves.")})
    for field, teacher in (("mentor", mentor), ("mentee", mentee)):
        if not teacher.is_active:
            message = _("%(name)s no longer teaches at the school.") % {"name": teacher.name}
            raise ValidationError({field: message})
    mentorship.pairing = _pairing_joining(mentor, mentee, pairing)
    mentorship.end = _end_of_terms(start, terms, mentee.region.path)
    _check_eligibility(actor, mentee, mentorship.pairing, eligibility_override, mentorship)
    _set_agreement_file(mentorship, agreement_file)
    mentorship._history_user = actor
    _check(mentorship)
    mentorship.save()
    _notify(mentorship, "started")
    return mentorship


@transaction.atomic
def mentorship_update(*, actor: User, mentorship: Mentorship, **fields) -> Mentorship:
    """Change the subject or the agreement. A changed agreement must be accepted again by
    both."""
    access.require(access.can_manage_mentorship(resolve_scope(actor), mentorship))
    _require_active(mentorship)
    if "subject" in fields:
        mentorship.subject = fields["subject"].strip()
    agreement_changed = False
    if "agreement_text" in fields and fields["agreement_text"] != mentorship.agreement_text:
        mentorship.agreement_text = fields["agreement_text"]
        agreement_changed = True
    if fields.get("agreement_file") is not None:
        _set_agreement_file(mentorship, fields["agreement_file"])
        agreement_changed = True
    if agreement_changed:
        mentorship.mentor_accepted_at = mentorship.mentee_accepted_at = None
    mentorship._history_user = actor
    _check(mentorship)
    mentorship.save()
    if agreement_changed:
        # Each change of the agreement is its own event, named by its history entry.
        _notify(mentorship, f"agreement:{mentorship.history.latest().history_id}")
    return mentorship


@transaction.atomic
def mentorship_accept(*, actor: User, mentorship: Mentorship) -> Mentorship:
    """The mentor or the mentee accepts the agreement, each for themselves."""
    _require_active(mentorship)
    side = mentorship.side_of(actor)
    if side is None:
        raise PermissionDenied(_("Only the mentor and the mentee accept the agreement."))
    field = Mentorship.accepted_field(side)
    if getattr(mentorship, field) is not None:
        raise ValidationError(_("You have already accepted this agreement."))
    if not (mentorship.agreement_text.strip() or mentorship.agreement_file):
        raise ValidationError(_("There is no agreement to accept yet."))
    setattr(mentorship, field, timezone.now())
    mentorship._history_user = actor
    mentorship.save(update_fields=[field])
    return mentorship


def _require_active(mentorship: Mentorship) -> None:
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise ValidationError(_("This mentorship is closed."))


def _close(actor, mentorship, transition: str, reason: str) -> Mentorship:
    access.require(access.can_manage_mentorship(resolve_scope(actor), mentorship))
    method = getattr(mentorship, transition)
    if not can_proceed(method):
        raise ValidationError(_("This mentorship is closed."))
    method()
    mentorship.closed_reason = reason
    mentorship.closed_at = timezone.now()
    mentorship._history_user = actor
    mentorship.save()
    return mentorship


@transaction.atomic
def mentorship_complete(*, actor: User, mentorship: Mentorship, comment: str = "") -> Mentorship:
    return _close(actor, mentorship, "complete", comment.strip())


@transaction.atomic
def mentorship_terminate(*, actor: User, mentorship: Mentorship, reason: str) -> Mentorship:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the mentorship ends early.")})
    return _close(actor, mentorship, "terminate", reason.strip())


def _notify(mentorship: Mentorship, event: str) -> None:
    from ..tasks import notify_mentorship

    transaction.on_commit(lambda: notify_mentorship.delay(mentorship.pk, event))
