"""Downloads of lists as CSV or xlsx: one way to get a list out, safe to open in Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a stream."""

    def write(self, value):
        return value


def csv_cell(value) -> str:
    """A cell as text; one that a spreadsheet would run as a formula is quoted. A number
    is written as it is (a negative amount, a reversal, is not a formula)."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(name: str, header: list, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """Stream ``rows`` under ``header`` as ``<name>-<today>.csv``: UTF-8 with a BOM, so that
    Excel reads the Chinese, every cell through :func:`csv_cell`."""

    def lines():
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow(csv_cell(value) for value in row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"{name}-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(name: str, header: list, rows: Iterable[Iterable]) -> HttpResponse:
    """``rows`` under ``header`` as ``<name>-<today>.xlsx``, every cell through
    :func:`csv_cell` (a cell written as a formula would run when the file is opened).
    The header row is bold and frozen, so that a long sheet stays readable."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for value in header:
        cell = WriteOnlyCell(sheet, value=csv_cell(value))
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        # Numbers stay numbers; text is guarded.
        sheet.append([csv_cell(v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    filename = f"{name}-{timezone.localdate().isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def table_response(name: str, header: list, rows: Iterable[Iterable], fmt: str):
    """The download of a list in the format asked for: ``xlsx`` or ``csv``."""
    return (xlsx_response if fmt == "xlsx" else csv_response)(name, header, rows)
