"""Writes of student aid (资助, DESIGN.md §3): students, aid schemes with their tiers, and
each application from identification (five steps) through review, a public notice with
its objections, approval and payment, to the yearly re-review.

Rules held here:
- no national ID number is stored: text that looks like one is refused;
- one aid of a scheme per student and period (term or school year), also against a
  concurrent second application (a partial unique constraint decides);
- an application is reviewed only once its five steps are recorded, with the guardian's
  signed form attached;
- a notice lasts the scheme's working days (default 5) in the school's region; approval
  waits for its end and for every objection to be resolved, and an upheld objection
  rejects the application;
- aid is approved by an aid officer of the student's region other than whoever started
  it, and paid within its period.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import Region, School
from twinning import access, calendar
from twinning.access import resolve_scope
from twinning.attachments import check_uploads, store_uploads
from twinning.models import User

from ..models import (
    AidApplication,
    AidDocument,
    AidForm,
    AidNotice,
    AidObjection,
    AidPeriod,
    AidReview,
    AidScheme,
    AidStatus,
    AidStep,
    AidStepRecord,
    AidTier,
    Student,
)
from .money import money

# Eighteen characters of a resident ID (17 digits and a digit or X): never stored.
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
STUDENT_FIELDS = ("name", "gender", "grade", "class_name", "guardian_name", "guardian_phone",
                  "note")  # fmt: skip
SCHEME_FIELDS = ("name", "kind", "form", "period", "notice_days", "description", "is_active")
MAX_DOCUMENTS = 20


# --- students -------------------------------------------------------------------------------


def _check_students_of(actor: User, school: School) -> None:
    if not access.can_keep_students_of(resolve_scope(actor), school):
        raise PermissionDenied(
            _("The school's coordinators and the region's aid officers keep its students.")
        )


def _validate_student(student: Student) -> None:
    for name in STUDENT_FIELDS:
        value = getattr(student, name) or ""
        if isinstance(value, str):
            setattr(student, name, value.strip())
            if ID_NUMBER.search(value):
                raise ValidationError(
                    {name: _("Do not record ID numbers (身份证号): the platform keeps none.")}
                )
    student.full_clean(exclude=["school", "region", "created_by"])


@transaction.atomic
def student_create(*, actor: User, school: School, **fields) -> Student:
    _check_students_of(actor, school)
    unknown = set(fields) - set(STUDENT_FIELDS)
    if unknown:
        raise TypeError(f"not student fields: {sorted(unknown)}")
    student = Student(school=school, region_id=school.region_id, created_by=actor, **fields)
    _validate_student(student)
    student._history_user = actor
    student.save()
    return student


@transaction.atomic
def student_update(*, actor: User, student: Student, **fields) -> Student:
    _check_students_of(actor, student.school)
    unknown = set(fields) - set(STUDENT_FIELDS)
    if unknown:
        raise TypeError(f"not student fields: {sorted(unknown)}")
    student = Student.objects.select_for_update().get(pk=student.pk)
    for name, value in fields.items():
        setattr(student, name, value)
    _validate_student(student)
    student._history_user = actor
    student.save()
    return student


# --- schemes --------------------------------------------------------------------------------


def _check_tiers(form: str, tiers: list[dict]) -> list[AidTier]:
    if not tiers:
        raise ValidationError({"tiers": _("Give the scheme at least one tier.")})
    made, names = [], set()
    for order, tier in enumerate(tiers, start=1):
        name = (tier.get("name") or "").strip()
        if not name or name in names:
            raise ValidationError({"tiers": _("Each tier needs its own name.")})
        names.add(name)
        items = (tier.get("items") or "").strip()
        if form == AidForm.MONEY:
            amount = money(tier.get("amount"), "tiers")
        else:
            amount = Decimal("0.00")
            if not items:
                raise ValidationError({"tiers": _("Say what a tier in kind gives.")})
        made.append(AidTier(name=name[:30], amount=amount, items=items[:100], order=order))
    return made


@transaction.atomic
def aid_scheme_create(*, actor: User, region: Region, tiers: list[dict], **fields) -> AidScheme:
    """A region's aid scheme with its tiers ({"name", "amount"} for money, {"name",
    "items"} in kind); its aid officers keep it."""
    if not access.can_manage_aid_in(resolve_scope(actor), region):
        raise PermissionDenied(_("Only the region's aid officers keep its aid schemes."))
    unknown = set(fields) - set(SCHEME_FIELDS)
    if unknown:
        raise TypeError(f"not scheme fields: {sorted(unknown)}")
    scheme = AidScheme(region=region, created_by=actor, **fields)
    scheme.full_clean(exclude=["region", "created_by"])
    made = _check_tiers(scheme.form, tiers)
    scheme._history_user = actor
    scheme.save()
    for tier in made:
        tier.scheme = scheme
    AidTier.objects.bulk_create(made)
    return scheme


@transaction.atomic
def aid_scheme_update(*, actor: User, scheme: AidScheme, **fields) -> AidScheme:
    """Rename, describe, open or close a scheme, or change its notice days (its tiers stay:
    applications name them)."""
    if not access.can_manage_aid_in(resolve_scope(actor), scheme.region):
        raise PermissionDenied(_("Only the region's aid officers keep its aid schemes."))
    allowed = {"name", "notice_days", "description", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"not changeable scheme fields: {sorted(unknown)}")
    scheme = AidScheme.objects.select_for_update().get(pk=scheme.pk)
    for name, value in fields.items():
        setattr(scheme, name, value)
    scheme.full_clean(exclude=["region", "created_by"])
    scheme._history_user = actor
    scheme.save()
    return scheme


# --- applications -----------------------------------------------------------------------------


def period_key(scheme: AidScheme, school_year: int, term: int | None) -> str:
    return str(school_year) if scheme.period == AidPeriod.YEAR else f"{school_year}-{term}"


def period_of(application: AidApplication) -> tuple[dt.date, dt.date]:
    """First and last day of the application's period."""
    if application.term:
        return calendar.period_bounds("term", application.school_year, application.term)
    return calendar.period_bounds("year", application.school_year, None)


def _lock(application: AidApplication) -> AidApplication:
    return (
        AidApplication.objects.select_for_update(of=("self",))
        .select_related("student", "school", "scheme__region", "tier", "notice")
        .get(pk=application.pk)
    )


def _require(application: AidApplication, status: str, message: str) -> None:
    if application.status != status:
        raise ValidationError(message % {"status": application.get_status_display()})


def _covers(scheme: AidScheme, school: School) -> bool:
    region_path = Region.objects.filter(pk=school.region_id).values_list("path", flat=True).get()
    return region_path.startswith(scheme.region.path)


def aid_application_create(
    *, actor: User, student: Student, scheme: AidScheme, tier: AidTier, school_year: int,
    term: int | None = None, renewal_of: AidApplication | None = None,
) -> AidApplication:  # fmt: skip
    """Start a student's application to a scheme for a period (a term of a per-term
    scheme, a school year of a per-year one)."""
    _check_students_of(actor, student.school)
    # Read again: a scheme closed a moment ago takes no more applications.
    scheme = AidScheme.objects.select_related("region").get(pk=scheme.pk)
    errors: dict[str, str] = {}
    if not scheme.is_active:
        errors["scheme"] = _("This scheme takes no more applications.")
    elif not _covers(scheme, student.school):
        errors["scheme"] = _("This scheme is not of the student's region.")
    if tier.scheme_id != scheme.pk:
        errors["tier"] = _("Choose a tier of this scheme.")
    if scheme.period == AidPeriod.TERM and term not in (1, 2):
        errors["term"] = _("Choose the term: this aid is granted per term.")
    if scheme.period == AidPeriod.YEAR:
        term = None
    if errors:
        raise ValidationError(errors)
    application = AidApplication(
        student=student, school_id=student.school_id, region_id=student.region_id,
        scheme=scheme, tier=tier, school_year=school_year, term=term,
        period_key=period_key(scheme, school_year, term), created_by=actor,
        renewal_of=renewal_of,
        status=AidStatus.REVIEW if renewal_of is not None else AidStatus.DRAFT,
    )  # fmt: skip
    application.full_clean(
        exclude=["student", "school", "region", "scheme", "tier", "created_by", "status",
                 "notice", "renewal_of", "decided_by"],
        validate_constraints=False,
    )  # fmt: skip
    if period_of(application)[1] < calendar.today():
        raise ValidationError(
            {"school_year": _("This period is over: aid is applied for in its period.")}
        )
    duplicate = _("%(name)s already has this aid for %(period)s.") % {
        "name": student.name, "period": application.period_key,
    }  # fmt: skip
    try:
        with transaction.atomic():
            application._history_user = actor
            application.save()
    except IntegrityError:
        raise ValidationError({"scheme": duplicate}) from None
    return application


@transaction.atomic
def aid_step_record(
    *, actor: User, application: AidApplication, step: str, done_on: dt.date, note: str = "",
    files=(),
) -> AidStepRecord:  # fmt: skip
    """Record (or correct) one of the five identification steps, with its files."""
    application = _lock(application)
    _check_students_of(actor, application.school)
    _require(application, AidStatus.DRAFT,
             _("The application is %(status)s; its identification is closed."))  # fmt: skip
    if step not in AidStep.values:
        raise ValidationError({"step": _("Choose a step.")})
    if done_on is None or done_on > calendar.today():
        raise ValidationError({"done_on": _("Give the day it was done; not a future day.")})
    if ID_NUMBER.search(note or ""):
        raise ValidationError(
            {"note": _("Do not record ID numbers (身份证号): the platform keeps none.")}
        )
    checked = check_uploads(
        files, field="files", limit=MAX_DOCUMENTS, already=application.documents.count()
    )
    record, _created = AidStepRecord.objects.update_or_create(
        application=application, step=step,
        defaults={"done_on": done_on, "note": (note or "").strip(), "recorded_by": actor},
    )  # fmt: skip
    store_uploads(AidDocument, checked, actor=actor, application=application, step=step,
                  school_id=application.school_id, region_id=application.region_id)  # fmt: skip
    return record


@transaction.atomic
def aid_document_add(*, actor: User, application: AidApplication, step: str, files) -> list:
    application = _lock(application)
    _check_students_of(actor, application.school)
    if step not in AidStep.values:
        raise ValidationError({"step": _("Choose a step.")})
    checked = check_uploads(
        files, field="files", limit=MAX_DOCUMENTS, already=application.documents.count()
    )
    if not checked:
        raise ValidationError({"files": _("Choose a file.")})
    return store_uploads(
        AidDocument, checked, actor=actor, application=application, step=step,
        school_id=application.school_id, region_id=application.region_id,
    )  # fmt: skip


@transaction.atomic
def aid_application_submit(*, actor: User, application: AidApplication) -> AidApplication:
    """draft → under review, once every identification step is recorded and the
    guardian's signed form is attached."""
    application = _lock(application)
    _check_students_of(actor, application.school)
    _require(application, AidStatus.DRAFT,
             _("The application is %(status)s; it cannot be submitted."))  # fmt: skip
    done = set(application.steps.values_list("step", flat=True))
    missing = [str(label) for value, label in AidStep.choices if value not in done]
    if missing:
        raise ValidationError(
            _("Record these steps first: %(steps)s.") % {"steps": _(", ").join(missing)}
        )
    if not application.documents.filter(step=AidStep.GUARDIAN_SIGNATURE).exists():
        raise ValidationError({"files": _("Attach the guardian's signed form.")})
    application.submit()
    application._history_user = actor
    application.save()
    return application


@transaction.atomic
def aid_application_withdraw(*, actor: User, application: AidApplication) -> AidApplication:
    application = _lock(application)
    _check_students_of(actor, application.school)
    if application.status not in (AidStatus.DRAFT, AidStatus.REVIEW):
        raise ValidationError(_("Only an application not yet on notice is withdrawn."))
    application.withdraw()
    application._history_user = actor
    application.save()
    return application


# --- public notices --------------------------------------------------------------------------


@transaction.atomic
def aid_notice_open(
    *, actor: User, school: School, scheme: AidScheme, period: str, starts_on: dt.date
) -> AidNotice:
    """Put every application of ``school`` to ``scheme`` for ``period`` that is under
    review on public notice, from the first working day on or after ``starts_on`` for
    the scheme's number of working days (by the school's region's calendar). The
    applications of a notice that lapsed unpublished (``AidNotice.lapsed``) move to the
    new one, and the lapsed notice, never seen by the public, goes."""
    _check_students_of(actor, school)
    unpublished = AidNotice.objects.select_for_update().filter(
        school=school, scheme=scheme, period_key=period, published_at__isnull=True
    )
    lapsed = [notice.pk for notice in unpublished if notice.lapsed]
    applications = list(
        AidApplication.objects.select_for_update()
        .filter(school=school, scheme=scheme, period_key=period)
        .filter(Q(status=AidStatus.REVIEW) | Q(status=AidStatus.NOTICE, notice_id__in=lapsed))
        .order_by("pk")
    )
    if not applications:
        raise ValidationError(_("No application of this scheme and period is under review."))
    if starts_on is None or starts_on < calendar.today():
        raise ValidationError({"starts_on": _("A notice starts today or later.")})
    if starts_on > calendar.today() + dt.timedelta(days=366):
        raise ValidationError({"starts_on": _("A notice starts within a year from today.")})
    scheme = AidScheme.objects.select_related("region").get(pk=scheme.pk)
    region_path = Region.objects.filter(pk=school.region_id).values_list("path", flat=True).get()
    first, last = calendar.working_day_window(starts_on, scheme.notice_days, region_path)
    notice = AidNotice.objects.create(
        scheme=scheme, school=school, region_id=school.region_id, period_key=period,
        starts_on=first, ends_on=last, token=secrets.token_urlsafe(32), created_by=actor,
    )  # fmt: skip
    for application in applications:
        if application.status == AidStatus.REVIEW:
            application.put_on_notice()
        application.notice = notice
        application._history_user = actor
        application.save()
    AidNotice.objects.filter(pk__in=lapsed, applications__isnull=True).delete()
    return notice


@transaction.atomic
def aid_notice_publish(*, actor: User, notice: AidNotice) -> AidNotice:
    """Make the notice's page public (masked names, no contact data): the bureau's aid
    officers do it."""
    notice = AidNotice.objects.select_for_update().select_related("region").get(pk=notice.pk)
    if not access.can_manage_aid_in(resolve_scope(actor), notice.region):
        raise PermissionDenied(_("The region's aid officers publish its notices."))
    if notice.lapsed:
        raise ValidationError(
            _("This notice has started unpublished: open a new one (its days would be short).")
        )
    if notice.published_at is None:
        notice.published_at = timezone.now()
        notice.published_by = actor
        notice.save(update_fields=["published_at", "published_by"])
    return notice


@transaction.atomic
def aid_objection_record(
    *, actor: User, application: AidApplication, content: str, received_on: dt.date
) -> AidObjection:
    """An objection received during the application's notice."""
    application = _lock(application)
    _check_students_of(actor, application.school)
    notice = application.notice
    if application.status != AidStatus.NOTICE or notice is None:
        raise ValidationError(_("Objections are recorded while the application is on notice."))
    if not (content or "").strip():
        raise ValidationError({"content": _("Write down the objection.")})
    if received_on is None or received_on > calendar.today():
        raise ValidationError({"received_on": _("Give the day it was received; not a future day.")})
    if not (notice.starts_on <= received_on <= notice.ends_on):
        raise ValidationError(
            {"received_on": _("The notice ran from %(start)s to %(end)s.")
             % {"start": notice.starts_on, "end": notice.ends_on}}
        )  # fmt: skip
    return AidObjection.objects.create(
        notice=notice, application=application, received_on=received_on,
        content=content.strip(), recorded_by=actor,
    )  # fmt: skip


@transaction.atomic
def aid_objection_resolve(
    *, actor: User, objection: AidObjection, resolution: str, upheld: bool
) -> AidObjection:
    """Say how an objection was looked into; an upheld one rejects the application."""
    objection = AidObjection.objects.select_for_update().get(pk=objection.pk)
    application = _lock(objection.application)
    if not access.can_manage_aid_in(resolve_scope(actor), application.region):
        raise PermissionDenied(_("The region's aid officers resolve objections."))
    if objection.resolved_at is not None:
        raise ValidationError(_("This objection is already resolved."))
    if not (resolution or "").strip():
        raise ValidationError({"resolution": _("Say what was found.")})
    objection.resolution = resolution.strip()
    objection.upheld = bool(upheld)
    objection.resolved_by = actor
    objection.resolved_at = timezone.now()
    objection.save()
    if objection.upheld and application.status == AidStatus.NOTICE:
        application.reject()
        application.decided_by, application.decided_at = actor, timezone.now()
        application.decision_comment = objection.resolution
        application._history_user = actor
        application.save()
    return objection


# --- decisions and payment ------------------------------------------------------------------


def _check_decider(actor: User, application: AidApplication) -> None:
    scope = resolve_scope(actor)
    if not access.can_decide_aid(scope, application, actor.pk):
        if application.created_by_id == actor.pk:
            raise PermissionDenied(_("Someone other than who started it decides an application."))
        raise PermissionDenied(_("The region's aid officers decide student aid."))


@transaction.atomic
def aid_application_approve(
    *, actor: User, application: AidApplication, comment: str = ""
) -> AidApplication:
    """on notice → approved, once the notice is over and its objections are resolved."""
    application = _lock(application)
    _check_decider(actor, application)
    _require(application, AidStatus.NOTICE,
             _("The application is %(status)s; only one on notice is approved."))  # fmt: skip
    # Publishing is refused once a notice has started (aid_notice_publish), so a published
    # notice was public for all of its days.
    if application.notice.published_at is None:
        raise ValidationError(
            _("The notice has not been published: the aid officers publish it before it starts.")
        )
    if calendar.today() <= application.notice.ends_on:
        raise ValidationError(
            _("The public notice runs until %(end)s; approve after it.")
            % {"end": application.notice.ends_on}
        )
    if application.objections.filter(resolved_at__isnull=True).exists():
        raise ValidationError(_("Resolve the objections to this application first."))
    application.approve()
    application.decided_by, application.decided_at = actor, timezone.now()
    application.decision_comment = (comment or "").strip()
    application._history_user = actor
    application.save()
    return application


@transaction.atomic
def aid_application_reject(
    *, actor: User, application: AidApplication, comment: str
) -> AidApplication:
    application = _lock(application)
    _check_decider(actor, application)
    if application.status not in (AidStatus.REVIEW, AidStatus.NOTICE):
        raise ValidationError(_("Only an application under review or on notice is rejected."))
    if not (comment or "").strip():
        raise ValidationError({"comment": _("Say why the application is rejected.")})
    application.reject()
    application.decided_by, application.decided_at = actor, timezone.now()
    application.decision_comment = comment.strip()
    application._history_user = actor
    application.save()
    return application


@transaction.atomic
def aid_application_pay(
    *, actor: User, application: AidApplication, paid_on: dt.date, reference: str = ""
) -> AidApplication:
    """approved → paid (money: with the payment reference) or given (in kind), within the
    aid's period."""
    application = _lock(application)
    if not access.can_manage_aid_in(resolve_scope(actor), application.region):
        raise PermissionDenied(_("The region's aid officers record aid paid."))
    if application.status == AidStatus.PAID:
        raise ValidationError(_("This aid has already been paid."))
    _require(application, AidStatus.APPROVED,
             _("The application is %(status)s; only approved aid is paid."))  # fmt: skip
    first, last = period_of(application)
    if paid_on is None or not (first <= paid_on <= min(last, calendar.today())):
        raise ValidationError(
            {"paid_on": _("Aid of %(period)s is paid between %(start)s and %(end)s, and not "
                          "on a future day.")
             % {"period": application.period_key, "start": first, "end": last}}
        )  # fmt: skip
    if application.notice is not None and paid_on <= application.notice.ends_on:
        raise ValidationError(
            {"paid_on": _("Aid is paid after its public notice (which ended on %(end)s).")
             % {"end": application.notice.ends_on}}
        )  # fmt: skip
    reference = (reference or "").strip()
    if application.scheme.form == AidForm.MONEY and not reference:
        raise ValidationError({"reference": _("Give the payment reference (凭证号).")})
    application.pay()
    application.paid_on, application.payment_reference = paid_on, reference[:60]
    application._history_user = actor
    application.save()
    return application


# --- the yearly re-review --------------------------------------------------------------------


@transaction.atomic
def aid_review(
    *, actor: User, application: AidApplication, decision: str, tier: AidTier | None = None,
    note: str = "",
) -> AidReview:  # fmt: skip
    """Re-review a paid aid for the next school year: continue (same tier), change tier,
    or stop. Continuing starts next year's application, under review, so that it goes
    through the notice again; the review row keeps the tiers' history."""
    application = _lock(application)
    if not access.can_manage_aid_in(resolve_scope(actor), application.region):
        raise PermissionDenied(_("The region's aid officers re-review student aid."))
    if application.status != AidStatus.PAID:
        raise ValidationError(_("Aid is re-reviewed once it has been paid."))
    if AidReview.objects.filter(application=application).exists():
        raise ValidationError(_("This aid has already been re-reviewed."))
    if decision not in AidReview.Decision.values:
        raise ValidationError({"decision": _("Choose a decision.")})
    new_tier = None
    if decision == AidReview.Decision.CONTINUE:
        new_tier = application.tier
    elif decision == AidReview.Decision.CHANGE:
        if tier is None or tier.scheme_id != application.scheme_id or tier == application.tier:
            raise ValidationError({"tier": _("Choose another tier of the same scheme.")})
        new_tier = tier
    review = AidReview.objects.create(
        application=application, school_year=application.school_year + 1, decision=decision,
        previous_tier=application.tier, tier=new_tier, note=(note or "").strip(),
        reviewed_by=actor,
    )  # fmt: skip
    if new_tier is not None:
        aid_application_create(
            actor=actor, student=application.student, scheme=application.scheme, tier=new_tier,
            school_year=application.school_year + 1, term=application.term,
            renewal_of=application,
        )  # fmt: skip
    return review
