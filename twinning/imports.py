"""Spreadsheet imports: read an upload, check it in a dry run, import it once confirmed.

One path for every kind of record (schools, teachers, students, pairings,
mentorships, activities): each app registers an :class:`ImportKind` naming its
django-import-export resource and who may import it. :func:`import_upload` reads
the file (xlsx by content, or CSV in UTF-8, GBK/GB18030 or UTF-16), keeps it in an
:class:`~twinning.models.ImportBatch` and runs the resource as a dry run, recording
every error by row and column; :func:`import_confirm` imports that same file, all
or nothing. Nothing is written until a file has no error. Files of more than
``settings.IMPORT_BACKGROUND_ROWS`` rows are checked and imported by a Celery
worker, which reports its progress through the ``progress`` cache.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass

import tablib
from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access
from .access import Scope, resolve_scope
from .db import get_or_404
from .models import ImportBatch, RoleAssignment, User

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
ACCEPT = ".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_XLSX = b"PK\x03\x04"  # a zip archive, as every .xlsx is
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary Office formats (.xls)
_UTF16 = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode text"

FILE_HELP = gettext_lazy(
    "An Excel workbook (.xlsx) or a CSV file (UTF-8 or GBK), at most 5 MB, with the "
    "column headers of the template in its first row."
)


# --- the kinds of record ---------------------------------------------------------------


@dataclass(frozen=True)
class ImportKind:
    """A kind of record that pages and the API import.

    ``resource`` is the dotted path of a :class:`twinning.resources.ScopedResource`
    (imported when first used, so that apps register without importing each other);
    ``may_import`` says whether a scope may import this kind at all (rows are still
    scoped one by one by the resource); ``matching`` tells the user how a row finds
    the record it updates. A ``private`` kind's rows are personal data (students):
    somebody else's file of it, and its error report, are shown only to those who may
    import the kind themselves, never to all the bureau's staff.
    """

    key: str
    title: Promise  # "Import teachers"
    name: Promise  # "Teachers"
    resource: str
    may_import: Callable[[Scope], bool]
    refusal: Promise
    list_url: str
    matching: Promise
    order: int = 100
    private: bool = False

    def resource_class(self):
        return import_string(self.resource)

    def resource_for(self, user: User, progress=None):
        return self.resource_class()(user=user, progress=progress)


KINDS: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> None:
    KINDS[kind.key] = kind


def kind_get(key: str) -> ImportKind:
    """The registered kind ``key``; an unknown one is not found."""
    from django.http import Http404

    try:
        return KINDS[key]
    except KeyError:
        raise Http404 from None


def kinds_for(scope: Scope) -> list[ImportKind]:
    """The kinds ``scope`` may import, in menu order."""
    return sorted((k for k in KINDS.values() if k.may_import(scope)), key=lambda k: k.order)


# --- reading a file --------------------------------------------------------------------


def _blank(row) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in row)


def read_table(content: bytes) -> tablib.Dataset:
    """The rows of an uploaded spreadsheet, headers first, blank rows left out.

    The format is told by the content, never by the file's name. Formulas in a
    workbook are read as the formula, not its last value, so that the check can
    refuse them. Raises ``ValidationError`` with a message for the user when the
    file cannot be read.
    """
    if not content.strip():
        raise ValidationError(_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 5 MB; split it into smaller files."))
    if content.startswith(_XLSX):
        table = _read_xlsx(content)
    elif content.startswith(_OLE):
        raise ValidationError(
            _("Old Excel files (.xls) cannot be read; save the file as .xlsx or CSV.")
        )
    elif b"\x00" in content[:4096] and not content.startswith(_UTF16):
        raise ValidationError(_("This file is neither an Excel workbook (.xlsx) nor a CSV file."))
    else:
        table = _read_csv(_decode(content))
    table = [list(row) for row in table]
    if not table:
        raise ValidationError(_("The file has no rows to import under its header row."))
    width = max(len(row) for row in table)
    headers = [("" if h is None else str(h).strip()) for h in table[0]]
    headers += [""] * (width - len(headers))
    rows = [row + [None] * (width - len(row)) for row in table[1:] if not _blank(row)]
    if not any(headers) or not rows:
        raise ValidationError(_("The file has no rows to import under its header row."))
    if len(rows) > MAX_ROWS:
        raise ValidationError(
            _("The file has more than %(max)s rows; split it into smaller files.")
            % {"max": MAX_ROWS}
        )
    # Unnamed columns (a note in column M) are dropped; tablib needs unique headers.
    keep = [i for i, h in enumerate(headers) if h]
    seen: set[str] = set()
    for i in keep:
        if headers[i] in seen:
            raise ValidationError(
                _("The column “%(column)s” appears twice in the header row.")
                % {"column": headers[i]}
            )
        seen.add(headers[i])
    return tablib.Dataset(
        *([row[i] for i in keep] for row in rows), headers=[headers[i] for i in keep]
    )


def _read_xlsx(content: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        return list(sheet.iter_rows(values_only=True))
    except Exception:  # openpyxl raises many kinds on a damaged or foreign zip
        raise ValidationError(_("This file is not a readable Excel workbook (.xlsx).")) from None


def _read_csv(text: str) -> list[list[str]]:
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    try:
        # Universal newlines: lines may end in CR alone (Excel for Mac's CSV).
        return list(csv.reader(io.StringIO(text, newline=None), delimiter=delimiter))
    except csv.Error:  # an unclosed quote running on past the size limit of a cell …
        raise ValidationError(
            _("This CSV file cannot be read: check that every quote (\") is closed, or save "
              "it as an Excel workbook (.xlsx).")
        ) from None  # fmt: skip


def _decode(content: bytes) -> str:
    """CSV text in UTF-8 (with or without the BOM Excel writes), in UTF-16 (Excel's
    "Unicode text") or, as Chinese offices' Excel saves it, in GBK/GB18030."""
    if content.startswith(_UTF16):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        _(
            "The text of this CSV file is in an encoding that cannot be read; save it as "
            "“CSV UTF-8” or as an Excel workbook (.xlsx)."
        )
    )


def file_row(number: int) -> int:
    """The row of the spreadsheet that import-export numbers ``number`` (from 1, under the
    header): the number the user sees in Excel."""
    return number + 1


# --- checking and importing ------------------------------------------------------------


def _errors(result, resource) -> list[dict]:
    """Every error of a run as {row, column, message}, in file order."""
    found = []
    for invalid in result.invalid_rows:
        for column, messages in invalid.error_dict.items():
            for message in messages:
                found.append(
                    {
                        "row": file_row(invalid.number),
                        "column": "" if column == NON_FIELD_ERRORS else column,
                        "message": message,
                    }
                )
    for error in result.base_errors:  # a failure of a bulk write: the file as a whole
        logger.warning("import failed: %r", error.error)
        found.append({"row": 0, "column": "", "message": resource.describe(error.error)})
    for number, errors in result.row_errors():
        for error in errors:
            logger.warning("import row %s failed: %r", number, error.error)
            found.append(
                {"row": file_row(number), "column": "", "message": resource.describe(error.error)}
            )
    return sorted(found, key=lambda e: e["row"])


def _counts(result) -> dict[str, int]:
    totals = result.totals
    return {
        "new": totals.get("new", 0),
        "update": totals.get("update", 0),
        "skip": totals.get("skip", 0),
        "error": len(
            {e for e, _errors in result.row_errors()} | {r.number for r in result.invalid_rows}
        )
        + len(result.base_errors),
    }


def _file_errors(messages) -> list[dict]:
    return [{"row": 0, "column": "", "message": str(m)} for m in messages]


def _table(kind: ImportKind, content: bytes) -> tablib.Dataset:
    """The file's rows, or ``ValidationError`` listing what is wrong with the file as a
    whole (as {row, column, message} dicts in ``error.params``)."""
    try:
        dataset = read_table(content)
    except ValidationError as error:
        raise ValidationError("file", params={"errors": _file_errors(error.messages)}) from None
    resource_class = kind.resource_class()
    # Headers written as attribute names (code, name …) count as the Chinese ones.
    known = {h.lower(): column for h, column in resource_class.COLUMNS.items()}
    headers = {known.get(h.lower(), h) for h in dataset.headers}
    if not headers & set(resource_class.COLUMNS.values()):
        raise ValidationError(
            "file",
            params={
                "errors": _file_errors(
                    [
                        _(
                            "None of the columns of the template is in the header row. "
                            "Use the template, and save a CSV file as “CSV UTF-8” or as "
                            "an Excel workbook (.xlsx) so that its Chinese headers can be read."
                        )
                    ]
                )
            },
        )
    missing = [h for h in resource_class.required_headers() if h not in headers]
    if missing:
        raise ValidationError(
            "file",
            params={
                "errors": [
                    {
                        "row": 1,
                        "column": h,
                        "message": _("This column is missing from the header row."),
                    }
                    for h in missing
                ]
            },
        )
    return dataset


def progress_key(batch_id: int) -> str:
    return f"import-progress:{batch_id}"


def _progress_cache():
    return caches["progress"]


def progress_of(batch: ImportBatch) -> int:
    """How many rows of ``batch`` the running check or import has done."""
    if batch.status not in (ImportBatch.Status.CHECKING, ImportBatch.Status.IMPORTING):
        return batch.rows
    return min(int(_progress_cache().get(progress_key(batch.pk)) or 0), batch.rows)


def _run(batch: ImportBatch, *, dry_run: bool) -> tuple[dict, list[dict]]:
    kind = kind_get(batch.kind)
    try:
        dataset = _table(kind, bytes(batch.content))
    except ValidationError as error:
        return {}, error.params["errors"]
    cache = _progress_cache()
    key = progress_key(batch.pk)
    cache.set(key, 0, timeout=3600)
    resource = kind.resource_for(
        batch.user, progress=lambda done: cache.set(key, done, timeout=3600)
    )
    result = resource.import_data(dataset, dry_run=dry_run, user=batch.user)
    cache.delete(key)
    return _counts(result), _errors(result, resource)


def _background(rows: int) -> bool:
    return rows > settings.IMPORT_BACKGROUND_ROWS


def import_upload(*, actor: User, kind: ImportKind, filename: str, content: bytes) -> ImportBatch:
    """Keep an uploaded file and check it as ``actor`` would import it, writing none of
    its rows.

    A file that cannot be read, or lacks a column, is recorded with what is wrong and
    goes no further. A long file is checked by a worker (status *checking*); a short
    one at once. The batch is ready to import only when nothing was wrong.
    """
    access.require(kind.may_import(resolve_scope(actor)), str(kind.refusal))
    batch = ImportBatch(kind=kind.key, user=actor, filename=filename[:200])
    try:
        dataset = _table(kind, content)
    except ValidationError as error:
        # An oversized file is not kept; its name and the reason are.
        batch.content = content if len(content) <= MAX_BYTES else b""
        batch.errors = error.params["errors"]
        batch.status = ImportBatch.Status.INVALID
        batch.save()
        return batch
    batch.content = content
    batch.rows = len(dataset)
    batch.status = ImportBatch.Status.CHECKING
    batch.save()
    if _background(batch.rows):
        _enqueue(batch)
    else:
        _check(batch)
    return batch


def _enqueue(batch: ImportBatch) -> None:
    from .tasks import import_run

    transaction.on_commit(lambda: import_run.delay(batch.pk))


def _check(batch: ImportBatch) -> None:
    counts, errors = _run(batch, dry_run=True)
    batch.counts, batch.errors = counts, errors
    batch.status = ImportBatch.Status.INVALID if errors else ImportBatch.Status.READY
    batch.save(update_fields=["counts", "errors", "status"])


def _commit(batch: ImportBatch) -> None:
    """Import the batch's file, all rows or none; checked again as it is written, so a
    row that went wrong since the preview (a staff number taken in the meantime) stops
    the whole file, and the batch shows why."""
    with transaction.atomic():
        counts, errors = _run(batch, dry_run=False)
        if errors:
            transaction.set_rollback(True)
    batch.counts, batch.errors = counts, errors
    if errors:
        batch.status = ImportBatch.Status.INVALID
    else:
        batch.status = ImportBatch.Status.IMPORTED
        batch.imported_at = timezone.now()
    batch.save(update_fields=["counts", "errors", "status", "imported_at"])


@transaction.atomic
def import_confirm(*, actor: User, batch: ImportBatch) -> ImportBatch:
    """Import the file the actor checked, all rows or none; a long file by a worker.

    Only the person who uploaded a file imports it, once, while they still may.
    """
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    access.require(batch.user_id == actor.pk, _("Only the person who uploaded a file imports it."))
    kind = kind_get(batch.kind)
    access.require(kind.may_import(resolve_scope(actor)), str(kind.refusal))
    if batch.status != ImportBatch.Status.READY:
        raise ValidationError(
            {
                ImportBatch.Status.IMPORTED: _("This file was already imported."),
                ImportBatch.Status.IMPORTING: _("This file is being imported."),
                ImportBatch.Status.CHECKING: _("This file is still being checked."),
            }.get(batch.status, _("This file has errors; correct them and upload it again."))
        )
    batch.status = ImportBatch.Status.IMPORTING
    batch.save(update_fields=["status"])
    if _background(batch.rows):
        _enqueue(batch)
    else:
        _commit(batch)
    return batch


def import_run(batch_id: int) -> None:
    """Check or import a long file in a worker: whichever its status asks for. Safe to
    run twice: a batch that is neither being checked nor imported is left alone."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None:
            return
        try:
            if batch.status == ImportBatch.Status.CHECKING:
                _check(batch)
            elif batch.status == ImportBatch.Status.IMPORTING:
                _commit(batch)
        except Exception:
            # A bug, not the file: the user is told it failed, and the file is kept.
            logger.exception("import %s failed", batch_id)
            batch.refresh_from_db()
            batch.status = ImportBatch.Status.INVALID
            batch.errors = _file_errors(
                [_("The file could not be processed because of an error on the server.")]
            )
            batch.save(update_fields=["status", "errors"])


# --- reading the history ---------------------------------------------------------------


def import_batch_list_visible_to(user: User):
    """The imports ``user`` may look at, newest first, without their files: their own,
    and, for bureau staff, those of everybody holding a role in their regions (the
    coordinators of their schools, their colleagues)."""
    batches = ImportBatch.objects.defer("content").select_related("user")
    scope = resolve_scope(user)
    if scope.is_admin:
        return batches
    condition = Q(user=user)
    if scope.bureau_region_ids:
        regions = scope.bureau_region_ids
        people = RoleAssignment.objects.filter(
            Q(region_id__in=regions) | Q(school__region_id__in=regions)
        ).values("user_id")
        withheld = [k.key for k in KINDS.values() if k.private and not k.may_import(scope)]
        condition |= Q(user_id__in=people) & ~Q(kind__in=withheld)
    return batches.filter(condition)


def import_batch_get_for_user(user: User, pk) -> ImportBatch:
    """One import ``user`` may look at; anybody else's is not found."""
    return get_or_404(import_batch_list_visible_to(user), pk)


def import_file_of(batch: ImportBatch) -> bytes:
    return bytes(ImportBatch.objects.values_list("content", flat=True).get(pk=batch.pk))


def error_report_rows(batch: ImportBatch) -> list[list]:
    """The batch's errors, one line each, beside the cells of the row they are about
    (so that the report is the list of rows to correct), headers first."""
    header = [_("Row"), _("Column"), _("Error")]
    cells: dict[int, list] = {}
    try:
        dataset = read_table(import_file_of(batch))
    except ValidationError:
        dataset = None
    if dataset is not None:
        header += list(dataset.headers)
        wanted = {e["row"] for e in batch.errors}
        for index, row in enumerate(dataset, start=1):
            if file_row(index) in wanted:
                cells[file_row(index)] = ["" if c is None else c for c in row]
    rows = [header]
    for error in batch.errors:
        rows.append(
            [error["row"] or "", error["column"], error["message"], *cells.get(error["row"], [])]
        )
    return rows


def template_workbook(kind: ImportKind) -> bytes:
    """The template of ``kind``: a sheet with the headers and an example row, and a
    sheet of notes on each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    resource = kind.resource_class()()
    header, example = resource.template_rows()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(kind.name)[:31]
    sheet.append(header)
    sheet.append(example)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, title in zip(sheet.columns, header, strict=False):
        sheet.column_dimensions[column[0].column_letter].width = max(12, len(title) * 2 + 4)
        for cell in column:
            cell.number_format = "@"  # text: codes keep their leading zeros
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(_("Notes")[:31])
    notes.append([_("Column"), _("Required"), _("Accepted values")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for line in resource.column_notes():
        notes.append(line)
    notes.append([])
    notes.append([str(kind.matching)])
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["C"].width = 60
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
