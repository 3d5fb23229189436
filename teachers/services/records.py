"""Mentorship records: filed by the mentor or the mentee, commented on, answered, and
signed off by the mentor, which locks them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from twinning import calendar
from twinning.attachments import check_uploads, delete_stored, store_uploads
from twinning.models import User

from ..models import (
    LESSON_KINDS,
    REFLECTION_QUESTIONS,
    Filer,
    Mentorship,
    MentorshipRecord,
    MentorshipStatus,
    RecordAttachment,
    RecordComment,
    RecordKind,
)

# Kinds only one side files.
MENTOR_ONLY = {RecordKind.GUIDANCE, RecordKind.MIDTERM_EVALUATION, RecordKind.STAGE_SUMMARY}
MENTEE_ONLY = {RecordKind.LESSON_DESIGN, RecordKind.REFLECTION}
MAX_ATTACHMENTS = 10
MAX_ANSWER = 2000
RECORD_FIELDS = ("date", "lesson_subject", "lesson_class", "lesson_topic", "observed",
                 "content", "checklist")  # fmt: skip


def _require_side(user: User, mentorship: Mentorship, message: str) -> str:
    side = mentorship.side_of(user)
    if side is None:
        raise PermissionDenied(message)
    return side


def _require_open(record: MentorshipRecord) -> None:
    """A record changes (its text, files, comments, sign-off) only while it is not signed
    off and its mentorship is active: a completed or terminated one is read-only."""
    if record.is_locked:
        raise ValidationError(_("The mentor has signed this record off; it can no longer change."))
    if record.mentorship.status != MentorshipStatus.ACTIVE:
        raise ValidationError(_("This mentorship is closed."))


def _validate(record: MentorshipRecord, mentorship: Mentorship) -> None:
    errors: dict[str, list[str]] = {}
    if record.kind in MENTOR_ONLY and record.filed_by != Filer.MENTOR:
        errors["kind"] = [_("Only the mentor files this kind of record.")]
    if record.kind in MENTEE_ONLY and record.filed_by != Filer.MENTEE:
        errors["kind"] = [_("Only the mentee files this kind of record.")]
    today = calendar.today()
    if record.date > today:
        errors["date"] = [_("A record cannot be dated in the future.")]
    elif not mentorship.start <= record.date <= mentorship.end:
        errors["date"] = [
            _("Choose a date within the mentorship, %(start)s to %(end)s.")
            % {"start": mentorship.start, "end": mentorship.end}
        ]
    if record.kind == RecordKind.OBSERVATION:
        for field in ("lesson_class", "lesson_topic", "observed"):
            if not getattr(record, field):
                errors[field] = [_("An observation names the class, the topic and whose lesson.")]
    elif record.observed:
        errors["observed"] = [_("Only an observation says whose lesson it was.")]
    if record.kind not in LESSON_KINDS and (record.lesson_class or record.lesson_topic):
        record.lesson_class = record.lesson_topic = ""
    if record.checklist:
        if record.kind != RecordKind.REFLECTION:
            errors["checklist"] = [_("Only a reflection has the checklist.")]
        elif not isinstance(record.checklist, dict) or not set(record.checklist) <= set(
            REFLECTION_QUESTIONS
        ):
            errors["checklist"] = [_("The checklist answers only its own questions.")]
        elif any(not isinstance(v, str) or len(v) > MAX_ANSWER for v in record.checklist.values()):
            errors["checklist"] = [
                _("Each answer is text of at most %(max)s characters.") % {"max": MAX_ANSWER}
            ]
        else:
            record.checklist = {k: v.strip() for k, v in record.checklist.items() if v.strip()}
    if errors:
        raise ValidationError(errors)
    record.full_clean(exclude=["mentorship", "school", "region", "created_by", "signed_off_by"])


def _check_uploads(uploads, already: int = 0) -> list:
    return check_uploads(uploads, field="attachments", limit=MAX_ATTACHMENTS, already=already)


def _store(record: MentorshipRecord, checked, actor: User) -> None:
    store_uploads(
        RecordAttachment, checked, actor=actor, record=record, school_id=record.school_id,
        region_id=record.region_id,
    )  # fmt: skip


@transaction.atomic
def record_file(
    *, actor: User, mentorship: Mentorship, kind: str, attachments=(), **fields
) -> MentorshipRecord:
    """File a record as the mentorship's mentor or mentee, dated within the mentorship
    and not in the future; the other side is told."""
    side = _require_side(actor, mentorship, _("Only the mentor and the mentee file records."))
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise ValidationError(_("This mentorship is closed."))
    record = MentorshipRecord(
        mentorship=mentorship, school_id=mentorship.school_id, region_id=mentorship.region_id,
        kind=kind, filed_by=side, created_by=actor,
        **{k: v for k, v in fields.items() if k in RECORD_FIELDS},
    )  # fmt: skip
    record.content = record.content.strip()
    _validate(record, mentorship)
    checked = _check_uploads(attachments)
    if not record.content and not checked and not record.checklist:
        raise ValidationError({"content": _("Write what happened, or attach a file.")})
    record.save()
    _store(record, checked, actor)
    _notify(record, "filed")
    return record


@transaction.atomic
def record_update(*, actor: User, record: MentorshipRecord, **fields) -> MentorshipRecord:
    """Change a record: only who filed it, only until it is signed off."""
    record = MentorshipRecord.objects.select_for_update().get(pk=record.pk)
    mentorship = record.mentorship
    if mentorship.side_of(actor) != record.filed_by:
        raise PermissionDenied(_("Only whoever filed a record changes it."))
    _require_open(record)
    for name, value in fields.items():
        if name in RECORD_FIELDS:
            setattr(record, name, value)
    record.content = record.content.strip()
    _validate(record, mentorship)
    record.save()
    return record


@transaction.atomic
def record_attachment_add(*, actor: User, record: MentorshipRecord, files) -> list:
    record = MentorshipRecord.objects.select_for_update().get(pk=record.pk)
    if record.mentorship.side_of(actor) != record.filed_by:
        raise PermissionDenied(_("Only whoever filed a record adds files to it."))
    _require_open(record)
    checked = _check_uploads(files, already=record.attachments.count())
    _store(record, checked, actor)
    return list(record.attachments.all())


@transaction.atomic
def record_attachment_remove(*, actor: User, attachment: RecordAttachment) -> None:
    record = MentorshipRecord.objects.select_for_update().get(pk=attachment.record_id)
    if record.mentorship.side_of(actor) != record.filed_by:
        raise PermissionDenied(_("Only whoever filed a record removes its files."))
    _require_open(record)
    delete_stored(attachment)


@transaction.atomic
def record_comment(*, actor: User, record: MentorshipRecord, text: str) -> RecordComment:
    """The mentor comments on a record; the mentee answers. Not once it is signed off."""
    side = _require_side(
        actor, record.mentorship, _("Only the mentor and the mentee comment on records.")
    )
    _require_open(record)
    if not text.strip():
        raise ValidationError({"text": _("Write a comment.")})
    comment = RecordComment(record=record, author=actor, author_role=side, text=text.strip())
    comment.full_clean(exclude=["record", "author"])
    comment.save()
    _notify(record, f"comment:{comment.pk}")
    return comment


@transaction.atomic
def record_sign_off(*, actor: User, record: MentorshipRecord) -> MentorshipRecord:
    """The mentor signs a record off; from then on it is locked."""
    record = MentorshipRecord.objects.select_for_update().get(pk=record.pk)
    if record.mentorship.side_of(actor) != Filer.MENTOR:
        raise PermissionDenied(_("Only the mentor signs records off."))
    _require_open(record)
    record.signed_off_at = timezone.now()
    record.signed_off_by = actor
    record.save(update_fields=["signed_off_at", "signed_off_by"])
    _notify(record, "signed_off")
    return record


def _notify(record: MentorshipRecord, event: str) -> None:
    from ..tasks import notify_record

    transaction.on_commit(lambda: notify_record.delay(record.pk, event))
