"""Files as offices send them, for the import tests: a workbook or a CSV of rows, and
what a check found, by row and column."""

import csv
import io

import openpyxl

from twinning.imports import import_confirm, import_upload, kind_get


def xlsx(rows) -> bytes:
    """An Excel workbook whose first sheet holds ``rows`` (the header first)."""
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding: str = "utf-8") -> bytes:
    """``rows`` as CSV text in ``encoding`` (``utf-8-sig`` writes the BOM Excel writes)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(["" if cell is None else cell for cell in row] for row in rows)
    return buffer.getvalue().encode(encoding)


def check(user, kind: str, content: bytes, name: str = "import.xlsx"):
    """Upload ``content`` as ``user`` to import as ``kind``: the batch of its check."""
    return import_upload(actor=user, kind=kind_get(kind), filename=name, content=content)


def load(user, kind: str, content: bytes, name: str = "import.xlsx"):
    """Check and import a file that has no error: the imported batch."""
    batch = check(user, kind, content, name)
    assert batch.status == "ready", batch.errors
    batch = import_confirm(actor=user, batch=batch)
    assert batch.status == "imported", batch.errors
    return batch


def where(batch) -> set[tuple[int, str]]:
    """The (row, column) of every error the check found."""
    return {(e["row"], e["column"]) for e in batch.errors}
