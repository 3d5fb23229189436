"""The periods a region's documents cover, by their keys: a calendar month ("2026-03"), a
calendar quarter ("2026-Q1"), a calendar half-year ("2026-H1") – the bureaus' reporting
cadence (twinning.calendar.calendar_quarter) – and a school year ("2026", September 2026
to August 2027) for the region's yearly evaluation.

One reading of a key for the archive, its forms and its API, and one answer to "which
period is due": the last one that is over."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from twinning import calendar

MONTH, QUARTER, HALF_YEAR, SCHOOL_YEAR = "month", "quarter", "half_year", "school_year"

_PATTERNS = {
    MONTH: re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$"),
    QUARTER: re.compile(r"^([0-9]{4})-Q([1-4])$"),
    HALF_YEAR: re.compile(r"^([0-9]{4})-H([12])$"),
    SCHOOL_YEAR: re.compile(r"^([0-9]{4})$"),
}
# How each key is written, for the messages (not translated: a key is a key).
EXAMPLES = {MONTH: "2026-03", QUARTER: "2026-Q1", HALF_YEAR: "2026-H1", SCHOOL_YEAR: "2026"}


@dataclass(frozen=True)
class Span:
    key: str
    start: dt.date
    end: dt.date
    label: str  # "2026年3月", "2026年第一季度" … in the active language


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, _calendar.monthrange(year, month)[1])


def span(granularity: str, key) -> Span:
    """The days and label of ``key``; a ``ValidationError`` on ``period`` for a key that is
    not one of ``granularity``'s."""
    match = _PATTERNS[granularity].match(str(key or "").strip())
    year = int(match.group(1)) if match else 0
    if not match or not 2000 <= year <= 2100:
        raise ValidationError({"period": _("Write the period as %(example)s.")
                               % {"example": EXAMPLES[granularity]}})  # fmt: skip
    if granularity == MONTH:
        month = int(match.group(2))
        return Span(f"{year}-{month:02d}", dt.date(year, month, 1), _month_end(year, month),
                    _("%(month)s/%(year)s") % {"year": year, "month": month})  # fmt: skip
    if granularity == QUARTER:
        quarter = int(match.group(2))
        first = 3 * quarter - 2
        return Span(f"{year}-Q{quarter}", dt.date(year, first, 1), _month_end(year, first + 2),
                    _("Q%(quarter)s %(year)s") % {"year": year, "quarter": quarter})  # fmt: skip
    if granularity == HALF_YEAR:
        half = int(match.group(2))
        start, end = (dt.date(year, 1, 1), dt.date(year, 6, 30)) if half == 1 else (
            dt.date(year, 7, 1), dt.date(year, 12, 31))  # fmt: skip
        label = (_("first half of %(year)s") if half == 1 else _("second half of %(year)s")) % {
            "year": year}  # fmt: skip
        return Span(f"{year}-H{half}", start, end, label)
    start, end = calendar.period_bounds("year", year, None)
    return Span(str(year), start, end,
                _("school year %(year)s–%(next)s") % {"year": year, "next": year + 1})  # fmt: skip


def containing(granularity: str, day: dt.date) -> str:
    """The key of the period of ``granularity`` that holds ``day``."""
    if granularity == MONTH:
        return f"{day.year}-{day.month:02d}"
    if granularity == QUARTER:
        year, quarter = calendar.calendar_quarter(day)
        return f"{year}-Q{quarter}"
    if granularity == HALF_YEAR:
        return f"{day.year}-H{1 if day.month <= 6 else 2}"
    return str(calendar.school_year_of(day))


def last_over(granularity: str, today: dt.date) -> Span:
    """The last period of ``granularity`` that is over by ``today`` (the one due)."""
    current = span(granularity, containing(granularity, today))
    return span(granularity, containing(granularity, current.start - dt.timedelta(days=1)))


def over(granularity: str, key, *, today: dt.date, since: dt.date | None) -> Span:
    """``key`` read as a period that can be reported on: over by ``today`` and not wholly
    before ``since`` (the first programme's start); a ``ValidationError`` on ``period``
    saying which it is not."""
    found = span(granularity, key)
    if found.end >= today:
        message = _("%(period)s is not over yet: a document reports on a period once it ended.")
        raise ValidationError({"period": message % {"period": found.label}})
    if since is None or found.end < since:
        raise ValidationError({"period": _("%(period)s is before the region's first programme "
                                           "began: there is nothing to report.")
                               % {"period": found.label}})  # fmt: skip
    return found
