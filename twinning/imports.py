"""Spreadsheet imports: read an upload, check it in a dry run, import it once confirmed.

One path for every kind of record a page imports: :func:`import_check` reads the
file (xlsx by content, or CSV in UTF-8 or GB18030), runs the kind's
django-import-export resource as a dry run and keeps the file with every error by
row and column in an :class:`~twinning.models.ImportBatch`; :func:`import_confirm`
imports that same file, all or nothing. Nothing is written until a file has no error.
"""

from __future__ import annotations

import io

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .db import get_or_404
from .models import ImportBatch, User

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
ACCEPT = ".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_XLSX = b"PK\x03\x04"  # a zip archive, as every .xlsx is
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary Office formats (.xls)

FILE_HELP = gettext_lazy(
    "An Excel workbook (.xlsx) or a CSV file (UTF-8 or GBK), at most 5 MB, with the "
    "column headers of the template in its first row."
)


def _blank(row) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in row)


def read_table(content: bytes) -> tablib.Dataset:
    """The rows of an uploaded spreadsheet, headers first, blank rows left out.

    The format is told by the content, never by the file's name. Raises
    ``ValidationError`` with a message for the user when the file cannot be read.
    """
    if not content.strip():
        raise ValidationError(_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 5 MB; split it into smaller files."))
    if content.startswith(_XLSX):
        try:
            dataset = tablib.Dataset().load(io.BytesIO(content), format="xlsx")
        except Exception:  # openpyxl raises many kinds on a damaged or foreign zip
            raise ValidationError(
                _("This file is not a readable Excel workbook (.xlsx).")
            ) from None
    elif content.startswith(_OLE):
        raise ValidationError(
            _("Old Excel files (.xls) cannot be read; save the file as .xlsx or CSV.")
        )
    elif b"\x00" in content[:4096]:
        raise ValidationError(_("This file is neither an Excel workbook (.xlsx) nor a CSV file."))
    else:
        dataset = tablib.Dataset().load(_decode(content), format="csv")
    headers = [("" if h is None else str(h).strip()) for h in (dataset.headers or [])]
    rows = [row for row in dataset if not _blank(row)]
    if not any(headers) or not rows:
        raise ValidationError(_("The file has no rows to import under its header row."))
    if len(rows) > MAX_ROWS:
        raise ValidationError(
            _("The file has more than %(max)s rows; split it into smaller files.")
            % {"max": MAX_ROWS}
        )
    return tablib.Dataset(*rows, headers=headers)


def _decode(content: bytes) -> str:
    """CSV text in UTF-8 (with or without the BOM Excel writes) or, as Chinese offices'
    Excel saves it, in GBK/GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        _("The text of this CSV file is in an unknown encoding; save it as UTF-8 CSV or .xlsx.")
    )


def file_row(number: int) -> int:
    """The row of the spreadsheet that import-export numbers ``number`` (from 1, under the
    header): the number the user sees in Excel."""
    return number + 1


def _errors(result, resource) -> list[dict]:
    """Every error of a dry run as {row, column, message}, in file order."""
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
    for number, errors in result.row_errors():
        for error in errors:
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
        ),
    }


def _run(resource, content: bytes, *, actor: User, dry_run: bool) -> tuple[dict, list[dict]]:
    try:
        dataset = read_table(content)
    except ValidationError as error:
        return {}, [{"row": 0, "column": "", "message": m} for m in error.messages]
    missing = [h for h in resource.required_headers() if h not in dataset.headers]
    if missing:
        return {}, [
            {"row": 1, "column": h, "message": _("This column is missing from the header row.")}
            for h in missing
        ]
    result = resource.import_data(dataset, dry_run=dry_run, user=actor)
    return _counts(result), _errors(result, resource)


def import_check(*, actor: User, kind: str, resource, filename: str, content: bytes) -> ImportBatch:
    """Check an uploaded file as ``actor`` would import it, writing none of its rows.

    ``resource`` is the kind's import-export resource, made for ``actor``: it scopes
    every row to what the actor may change. The batch keeps the file and what the
    check found; it is ready to import only when nothing was wrong.
    """
    counts, errors = _run(resource, content, actor=actor, dry_run=True)
    return ImportBatch.objects.create(
        kind=kind,
        user=actor,
        filename=filename[:200],
        content=content,
        counts=counts,
        errors=errors,
        status=ImportBatch.Status.INVALID if errors else ImportBatch.Status.READY,
    )


@transaction.atomic
def import_confirm(*, actor: User, batch: ImportBatch, resource) -> ImportBatch:
    """Import the file the actor checked, all rows or none.

    Checked again as it is written: a row that went wrong since the preview (a staff
    number taken in the meantime) stops the whole file, and the batch shows why.
    """
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk, user=actor)
    if batch.status != ImportBatch.Status.READY:
        raise ValidationError(
            _("This file was already imported.")
            if batch.status == ImportBatch.Status.IMPORTED
            else _("This file has errors; correct them and upload it again.")
        )
    with transaction.atomic():
        counts, errors = _run(resource, bytes(batch.content), actor=actor, dry_run=False)
        if errors:
            transaction.set_rollback(True)
    batch.counts, batch.errors = counts, errors
    if errors:
        batch.status = ImportBatch.Status.INVALID
    else:
        batch.status = ImportBatch.Status.IMPORTED
        batch.imported_at = timezone.now()
    batch.save(update_fields=["counts", "errors", "status", "imported_at"])
    return batch


def import_batches_of(user, *, kind: str):
    """The user's own imports of ``kind``, newest first, without their files."""
    return ImportBatch.objects.filter(user=user, kind=kind).defer("content")


def import_batch_get_for_user(user, pk, *, kind: str) -> ImportBatch:
    """One of the user's own imports of ``kind``; anybody else's is not found."""
    return get_or_404(import_batches_of(user, kind=kind), pk)
