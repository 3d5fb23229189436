"""Every write of the report archive: asking for a document, building it, superseding a
version, requeuing builds that got stuck.

A build is safe to run twice and to kill at any moment (a worker restart, an out-of-memory
kill): its files are written under temporary names, then moved to their final names and
the row marked ready in one step at the end, by the attempt that still owns the row. So a
killed build leaves no ready document and no file under a final name, the redelivered
task (late acknowledgement) builds it again from the start and clears what the killed one
left, and the beat's sweep requeues what no worker holds any more.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import tempfile
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from twinning.models import User

from ..models import PAIRING_KINDS, Document, DocumentStatus, document_path
from .builders import builder_for, fingerprint

logger = logging.getLogger(__name__)

# Attempts before the sweep gives a build up (the task's own retries count too).
MAX_ATTEMPTS = 8
TEMPORARY_FOLDER = "documents/tmp"


def _subject_filter(kind: str, subject) -> dict:
    if kind in PAIRING_KINDS:
        return {"pairing": subject}
    return {"region": subject, "pairing": None}


def _language(actor: User | None) -> str:
    return (actor.language if actor is not None else "") or settings.LANGUAGE_CODE


def _enqueue(document: Document) -> None:
    from ..tasks import build_document

    document.enqueued_at = timezone.now()
    document.save(update_fields=["enqueued_at"])
    transaction.on_commit(lambda: build_document.delay(document.pk))


class DocumentRunning(ValidationError):
    """Asked for on demand while that period's document is being built: nothing changes,
    and ``document`` (queued or building) is where to watch it."""

    def __init__(self, document: Document):
        super().__init__(
            _("This document is being built already; its progress is on its page."),
            code="running",
        )
        self.document = document


@transaction.atomic
def document_request(
    *, actor: User | None, kind: str, subject, period, refuse_running: bool = False
) -> Document:
    """The document of ``kind`` about ``subject`` (a pairing or a region, as the kind
    says) for ``period`` (the kind's key: a pairing year's number, "2026-Q1" …), built
    by a worker once the transaction commits. ``actor`` None: the platform (a beat).

    Asking again while its data are unchanged returns the same document (ready, or on its
    way). Once it is ready, changed data make the next version and mark this one
    superseded (its file stays). A document not issued yet (queued, being built, failed)
    is built again in place. Never two rows for one kind, subject, period and version,
    nor two current versions (database constraints: a request at the same moment finds
    the other's row). ``refuse_running`` (a request on demand): :class:`DocumentRunning`
    while one is queued or being built, instead of building it again."""
    builder = builder_for(kind)
    if not isinstance(subject, builder.subject_model):
        raise ValidationError({"subject": _("Choose a subject this kind of document is about.")})
    if actor is not None and not builder.may_request(actor, subject):
        raise PermissionDenied(_("You may not ask for this document."))
    language = _language(actor)
    found = builder.period(subject, period)  # a refusal in the language of the request
    if language != translation.get_language():
        with translation.override(language):  # the title in the document's
            found = builder.period(subject, period)
    rows = Document.objects.filter(kind=kind, period=found.key, **_subject_filter(kind, subject))
    current = rows.select_for_update().exclude(status=DocumentStatus.SUPERSEDED).first()
    document = Document(
        kind=kind, pairing=subject if kind in PAIRING_KINDS else None,
        region_id=builder.region_id(subject), period=found.key, period_start=found.start,
        period_end=found.end, title=found.title, language=language, requested_by=actor,
    )  # fmt: skip
    document.fingerprint = fingerprint(builder.facts(document))
    now = timezone.now()
    if current is not None:
        if refuse_running and current.is_running:
            raise DocumentRunning(current)
        if current.fingerprint == document.fingerprint and current.status != DocumentStatus.FAILED:
            return current
        if current.status != DocumentStatus.READY:
            # Never issued: built again in place, from the data as they are now. An attempt
            # under way finds the row no longer its own and publishes nothing.
            for name in ("fingerprint", "title", "language", "requested_by", "period_start",
                         "period_end"):  # fmt: skip
                setattr(current, name, getattr(document, name))
            current.status, current.error, current.requested_at = DocumentStatus.QUEUED, "", now
            current.save()
            _enqueue(current)
            return current
        document.version = current.version + 1
        current.status, current.superseded_at = DocumentStatus.SUPERSEDED, now
        current.save(update_fields=["status", "superseded_at"])
    else:
        document.version = (rows.aggregate(last=Max("version"))["last"] or 0) + 1
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:  # asked for at the same moment by a second request
        return rows.exclude(status=DocumentStatus.SUPERSEDED).get()
    if current is not None:
        current.superseded_by = document
        current.save(update_fields=["superseded_by"])
    _enqueue(document)
    return document


def document_rebuild(*, actor: User, document: Document) -> Document:
    """Build ``document``'s period again from the data as they are now (its page's button:
    a failed build, or a period whose records changed since): the next version, or the
    same row when nothing changed. :class:`DocumentRunning` while one is being built."""
    subject = document.pairing if document.pairing_id else document.region
    return document_request(actor=actor, kind=document.kind, subject=subject,
                            period=document.period, refuse_running=True)  # fmt: skip


def may_ask_for_documents(actor: User) -> bool:
    """Whether ``actor`` asks for region documents at all: bureau staff (of a region they
    then name; each kind's builder says which regions)."""
    from twinning import access

    scope = access.resolve_scope(actor)
    return scope.is_admin or bool(scope.bureau_region_ids)


def may_request(actor: User, document: Document) -> bool:
    """Whether ``actor`` may ask for ``document``'s period again (its page's button)."""
    try:
        builder = builder_for(document.kind)
    except ValidationError:  # a kind no longer built
        return False
    return builder.may_request(actor, document.pairing if document.pairing_id else document.region)


def documents_request_due(today: dt.date | None = None) -> list[Document]:
    """The beat's run: for each kind of the reporting cadence (a region kind with a
    granularity of its own), the last period that is over, for every region with a
    programme running then that has paired schools; asked for once (a period with a row
    of any status is left: a failed one is rebuilt from its page, not every morning).
    Returns the documents asked for now."""
    from schools.models import Programme, Region
    from twinning import calendar
    from twinning.access import PAIRED_STATUSES

    from . import builders, periods

    today = today or calendar.today()
    asked = []
    for kind in sorted(builders.kinds()):
        builder = builder_for(kind)
        if kind in PAIRING_KINDS or builder.granularity == periods.SCHOOL_YEAR:
            continue  # the yearly evaluations follow the scorecards, not the calendar
        span = periods.last_over(builder.granularity, today)
        year = calendar.school_year_of(span.end)
        running = Programme.objects.filter(
            start_year__lte=year, pairings__status__in=PAIRED_STATUSES
        ).filter(start_year__gt=year - models.F("years"))
        regions = Region.objects.filter(pk__in=running.values("region_id")).order_by("path")
        done = set(Document.objects.filter(kind=kind, period=span.key, pairing=None)
                   .values_list("region_id", flat=True))  # fmt: skip
        for region in regions:
            if region.pk in done:
                continue
            try:
                asked.append(document_request(actor=None, kind=kind, subject=region,
                                              period=span.key))  # fmt: skip
            except ValidationError:  # e.g. before the region's first programme began
                logger.info("no %s of region %s for %s", kind, region.pk, span.key)
    return asked


# --- building -----------------------------------------


def _delete(names) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # gone already, or the store is down: the file is unreferenced
            logger.warning("could not delete %s", name, exc_info=True)


def _local_path(name: str) -> str | None:
    try:
        return default_storage.path(name)
    except NotImplementedError:  # a remote store (S3 …): no path, no rename
        return None


def _write_temporary(name: str, write) -> None:
    """Call ``write(out)`` with ``out`` a binary file that ends up stored under ``name``."""
    path = _local_path(name)
    if path is not None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        return
    with tempfile.TemporaryFile() as out:
        write(out)
        out.seek(0)
        default_storage.save(name, File(out, name=os.path.basename(name)))


def _move(temporary: str, final: str) -> None:
    """Put the temporary file under its final name: a rename on a file system (atomic:
    the final name holds the whole file or nothing), a copy elsewhere."""
    source, target = _local_path(temporary), _local_path(final)
    if source is not None and target is not None:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.replace(source, target)
        return
    with default_storage.open(temporary, "rb") as handle:
        saved = default_storage.save(final, handle)
    if saved != final:
        raise OSError(f"stored as {saved}, not {final}")
    default_storage.delete(temporary)


def _digest(name: str, fmt: str) -> tuple[int, str]:
    """Size and SHA-256 of a written file; an error for a file that is not one (an empty
    or truncated write)."""
    sha, size = hashlib.sha256(), 0
    with default_storage.open(name, "rb") as handle:
        head = handle.read(8)
        handle.seek(0)
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            sha.update(chunk)
            size += len(chunk)
    if fmt == "pdf" and not head.startswith(b"%PDF-"):
        raise ValueError(f"{name} is not a PDF")
    if not size:
        raise ValueError(f"{name} is empty")
    return size, sha.hexdigest()


def _owned(row: Document, temporary: dict) -> bool:
    # Only the latest attempt publishes or fails the row: a requeue or a new request
    # since this attempt began has handed it on.
    return row.status == DocumentStatus.BUILDING and row.temporary == temporary


def document_build(document_id: int) -> Document | None:
    """Build document ``document_id`` (the task's work): every file of its kind written
    under a temporary name, then published at once (moved to its final name, the row
    marked ready with its sizes, checksums and the fingerprint of the facts it shows).
    A document already ready or superseded is left as it is (a second delivery); one that
    fails is marked failed and the error raised again (the task retries). Runs outside
    any transaction: a build takes seconds and holds no lock meanwhile."""
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(pk=document_id).first()
        if document is None or document.status not in (
            DocumentStatus.QUEUED, DocumentStatus.BUILDING, DocumentStatus.FAILED,
        ):  # fmt: skip
            return document
        builder = builder_for(document.kind)
        left = list(document.temporary.values())  # by an attempt that was killed
        token = uuid.uuid4().hex
        document.temporary = {fmt: f"{TEMPORARY_FOLDER}/{document.pk}-{token}.{fmt}.part"
                              for fmt in builder.formats}  # fmt: skip
        document.status, document.started_at = DocumentStatus.BUILDING, timezone.now()
        document.attempts += 1
        document.save(update_fields=["temporary", "status", "started_at", "attempts"])
    _delete(left)
    temporary = dict(document.temporary)
    try:
        with translation.override(document.language):
            facts = builder.facts(document)
            for fmt, name in temporary.items():
                _write_temporary(name, lambda out, fmt=fmt: builder.write(document, fmt, out))
        return _publish(document, temporary, fingerprint(facts))
    except Exception as error:
        _fail(document, temporary, error)
        raise


def _publish(document: Document, temporary: dict, facts_print: str) -> Document:
    digests = {fmt: _digest(name, fmt) for fmt, name in temporary.items()}
    final = {fmt: document_path(fmt) for fmt in temporary}
    moved = []
    try:
        for fmt, name in temporary.items():
            _move(name, final[fmt])
            moved.append(final[fmt])
        with transaction.atomic():
            row = Document.objects.select_for_update().get(pk=document.pk)
            if not _owned(row, temporary):
                _delete(moved)
                return row
            if "pdf" in final:
                row.pdf.name, (row.size, row.checksum) = final["pdf"], digests["pdf"]
            if "xlsx" in final:
                row.xlsx.name, (row.xlsx_size, row.xlsx_checksum) = final["xlsx"], digests["xlsx"]
            row.status, row.built_at, row.error = DocumentStatus.READY, timezone.now(), ""
            row.fingerprint, row.temporary = facts_print, {}
            row.save()
            if row.kind not in PAIRING_KINDS:  # (a pairing's: its scorecard's notice says it)
                transaction.on_commit(lambda: _notify_ready(row.pk))
    except BaseException:
        _delete(moved)
        raise
    return row


def _notify_ready(document_id: int) -> None:
    from ..tasks import notify_document_ready

    notify_document_ready.delay(document_id)


def _fail(document: Document, temporary: dict, error: Exception) -> None:
    _delete(temporary.values())
    with transaction.atomic():
        row = Document.objects.select_for_update().filter(pk=document.pk).first()
        if row is not None and _owned(row, temporary):
            row.status, row.temporary = DocumentStatus.FAILED, {}
            row.error = f"{type(error).__name__}: {error}"[:2000]
            row.save(update_fields=["status", "temporary", "error"])
    logger.warning("document %s failed to build", document.pk, exc_info=error)


def stuck_after() -> dt.timedelta:
    return dt.timedelta(minutes=settings.DOCUMENT_BUILD_STUCK_MINUTES)


def documents_requeue_stuck(now: dt.datetime | None = None) -> int:
    """Requeue the builds no worker holds any more (the beat): being built for longer than
    DOCUMENT_BUILD_STUCK_MINUTES (well beyond the task's time limit: its worker died and
    the task was lost with it), or queued that long (the broker lost the message). After
    MAX_ATTEMPTS a build is given up as failed. Returns how many were requeued."""
    cutoff = (now or timezone.now()) - stuck_after()
    stuck = Q(status=DocumentStatus.BUILDING, started_at__lt=cutoff) | Q(
        status=DocumentStatus.QUEUED, enqueued_at__lt=cutoff
    )
    requeued = 0
    with transaction.atomic():
        for document in Document.objects.select_for_update().filter(stuck).order_by("id")[:500]:
            if document.attempts >= MAX_ATTEMPTS:
                document.status = DocumentStatus.FAILED
                document.error = f"gave up after {document.attempts} attempts"
                document.save(update_fields=["status", "error"])
                continue
            document.status = DocumentStatus.QUEUED
            document.save(update_fields=["status"])
            _enqueue(document)
            requeued += 1
    return requeued
