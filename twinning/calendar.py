"""The school calendar: school years (学年), terms (学期), quarters and months.

A school year ``Y`` runs from 1 September ``Y`` to 31 August ``Y+1``. Term 1 runs
September to January, term 2 February to July. Quarters of a school year are
September–November, December–February, March–May and June–August. Reporting
quarters (the quarterly summary) are calendar quarters: :func:`calendar_quarter`.
"""

import calendar as _calendar
import datetime as dt

from django.utils import timezone

SCHOOL_YEAR_START_MONTH = 9


def today() -> dt.date:
    return timezone.localdate()


def school_year_of(day: dt.date) -> int:
    return day.year if day.month >= SCHOOL_YEAR_START_MONTH else day.year - 1


def term_of(day: dt.date) -> int:
    return 1 if day.month >= SCHOOL_YEAR_START_MONTH or day.month == 1 else 2


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, _calendar.monthrange(year, month)[1])


def _year_of_month(school_year: int, month: int) -> int:
    return school_year if month >= SCHOOL_YEAR_START_MONTH else school_year + 1


def period_bounds(kind: str, school_year: int, number: int | None) -> tuple[dt.date, dt.date]:
    """First and last day of a plan period. Raises ValueError for a number out of range."""
    if kind == "year":
        return dt.date(school_year, 9, 1), dt.date(school_year + 1, 8, 31)
    if kind == "term":
        if number == 1:
            return dt.date(school_year, 9, 1), dt.date(school_year + 1, 1, 31)
        if number == 2:
            return dt.date(school_year + 1, 2, 1), dt.date(school_year + 1, 7, 31)
    if kind == "quarter" and number in (1, 2, 3, 4):
        first_month = (SCHOOL_YEAR_START_MONTH - 1 + 3 * (number - 1)) % 12 + 1
        last_month = (first_month + 1) % 12 + 1
        start = dt.date(_year_of_month(school_year, first_month), first_month, 1)
        return start, _month_end(_year_of_month(school_year, last_month), last_month)
    if kind == "month" and number is not None and 1 <= number <= 12:
        year = _year_of_month(school_year, number)
        return dt.date(year, number, 1), _month_end(year, number)
    raise ValueError(f"no {kind} {number} in a school year")


def calendar_quarter(day: dt.date) -> tuple[int, int]:
    """(year, quarter 1–4) of a date, for the quarterly reports."""
    return day.year, (day.month - 1) // 3 + 1
