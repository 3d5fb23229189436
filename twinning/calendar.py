"""The school calendar: school years (学年), terms (学期), quarters, months, weeks and
working days. Every app takes its dates from here.

A school year ``Y`` runs from 1 September ``Y`` to 31 August ``Y+1``. By default
term 1 (第一学期) runs September to January and term 2 (第二学期) February to July;
a region may set its own term dates (``schools.TermDates``), which then hold for it
and every region below it unless one of those sets its own. Quarters of a school
year are September–November, December–February, March–May and June–August.
Reporting quarters (the quarterly summary) are calendar quarters:
:func:`calendar_quarter`. Weeks run Monday to Sunday.

Working days follow the State Council's schedule as the maintained
``chinese_calendar`` library records it (public holidays off, the make-up working
days 调休 on); for a year it does not cover yet, Monday to Friday. Bureau staff record
exceptions for their region (``schools.DayOverride``: the years the library does not
cover yet, local holidays, days schools closed), which hold for it and every region
below it; the nearest region's entry wins.
"""

import calendar as _calendar
import datetime as dt
import functools
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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


# --- working days ----------------------------------------------------------------------


# Exceptions to the national schedule (``schools.DayOverride``): a small table, kept in
# each process and reloaded when its token in the shared cache changes (a change sets a
# new token: at once in this process, for the others when it commits). The token is
# checked at most every ``CALENDAR_REFRESH_SECONDS``, so that the thousands of lookups
# of a compliance roll-up cost no round trip each.
OVERRIDES_TOKEN_KEY = "calendar:day-overrides"
_snapshot: dict = {"token": None, "checked": 0.0, "days": {}}


def _overrides() -> tuple[str, dict[tuple[int, dt.date], bool]]:
    now = time.monotonic()
    fresh = now - _snapshot["checked"] < settings.CALENDAR_REFRESH_SECONDS
    if _snapshot["token"] is not None and fresh:
        return _snapshot["token"], _snapshot["days"]
    token = cache.get(OVERRIDES_TOKEN_KEY)
    if token is None:
        cache.add(OVERRIDES_TOKEN_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(OVERRIDES_TOKEN_KEY)
    if token != _snapshot["token"]:
        rows = apps.get_model("schools", "DayOverride").objects.values_list(
            "region_id", "date", "is_working_day"
        )
        _snapshot["days"] = {(region_id, day): working for region_id, day, working in rows}
        _snapshot["token"] = token
    _snapshot["checked"] = now
    return token, _snapshot["days"]


def overrides_token() -> str:
    """Changes whenever the working-day exceptions do: for caches of results that
    depend on working days."""
    return _overrides()[0]


def day_overrides_changed() -> None:
    """Called when an exception is saved or removed: every process reloads them."""
    cache.set(OVERRIDES_TOKEN_KEY, uuid.uuid4().hex, timeout=None)
    transaction.on_commit(lambda: cache.set(OVERRIDES_TOKEN_KEY, uuid.uuid4().hex, timeout=None))
    _snapshot["token"] = None


def _ancestor_ids(region_path: str | None) -> list[int]:
    return [int(p) for p in (region_path or "").strip("/").split("/") if p]


@lru_cache(maxsize=16384)
def _is_working_day(day: dt.date, region_path: str | None, token: str) -> bool:
    days = _snapshot["days"]
    for region_id in reversed(_ancestor_ids(region_path)):  # the nearest region wins
        found = days.get((region_id, day))
        if found is not None:
            return found
    return _national_working_day(day)


@functools.cache
def _national_working_day(day: dt.date) -> bool:
    # Kept apart from the regions' cache, which a province's hundred-odd counties overflow:
    # chinese_calendar checks its argument on every call (70 µs), and a day's national
    # schedule never changes.
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the library does not cover yet
        return day.weekday() < 5


def is_working_day(day: dt.date, region_path: str | None = None) -> bool:
    """Whether schools of the region at ``region_path`` (a ``Region.path``; None: the
    national schedule) work on ``day``."""
    token, _days = _overrides()
    return _is_working_day(day, region_path, token)


@lru_cache(maxsize=4096)
def _working_days(start: dt.date, end: dt.date, region_path: str | None, token: str) -> int:
    days = (end - start).days + 1
    return sum(
        _is_working_day(start + dt.timedelta(n), region_path, token) for n in range(max(days, 0))
    )


def working_days(start: dt.date, end: dt.date, region_path: str | None = None) -> int:
    """Working days from ``start`` to ``end``, both included (0 when end < start), for
    the region at ``region_path`` (None: the national schedule)."""
    token, _days = _overrides()
    return _working_days(start, end, region_path, token)


def working_day_window(start: dt.date, count: int, region_path: str | None = None):
    """The first working day on or after ``start`` and the last of ``count`` working days
    from it (a public notice of 5 working days: 公示期五个工作日), for the region at
    ``region_path``."""
    token, _days = _overrides()
    first = start
    while not _is_working_day(first, region_path, token):
        first += dt.timedelta(days=1)
    last, counted = first, 1
    while counted < max(count, 1):
        last += dt.timedelta(days=1)
        counted += _is_working_day(last, region_path, token)
    return first, last


# --- weeks, months and terms ----------------------------------------------------------


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    return day.replace(day=1), _month_end(day.year, day.month)


@dataclass(frozen=True)
class Term:
    school_year: int
    number: int
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return _("%(first)s–%(second)s school year, term %(number)s") % {
            "first": self.school_year, "second": self.school_year + 1, "number": self.number,
        }  # fmt: skip


def default_term(school_year: int, number: int) -> Term:
    start, end = period_bounds("term", school_year, number)
    return Term(school_year, number, start, end)


class TermResolver:
    """Terms of every region around one date (the school years before, of and after it),
    from one query: the one way terms are looked up, also for lists and roll-ups that
    need the term of each of thousands of records."""

    def __init__(self, day: dt.date):
        self.day = day
        years = (school_year_of(day) - 1, school_year_of(day), school_year_of(day) + 1)
        self._rows: dict[tuple[int, int, int], Term] = {}
        for region_id, year, number, start, end in (
            apps.get_model("schools", "TermDates")
            .objects.filter(school_year__in=years)
            .values_list("region_id", "school_year", "term", "start", "end")
        ):
            self._rows[region_id, year, number] = Term(year, number, start, end)
        self._cache: dict[str, Term | None] = {}

    def term(self, school_year: int, number: int, region_path: str | None) -> Term:
        ancestors = [int(p) for p in (region_path or "").strip("/").split("/") if p]
        for region_id in reversed(ancestors):  # the nearest region's own dates win
            found = self._rows.get((region_id, school_year, number))
            if found is not None:
                return found
        return default_term(school_year, number)

    def containing(self, region_path: str | None) -> Term | None:
        """The term of ``region_path`` that the resolver's day falls in (None in the
        holidays)."""
        if region_path not in self._cache:
            year = school_year_of(self.day)
            # A term may start in August, before its school year does by the calendar
            # (school_year_of): a day in August may be in the next year's first term.
            candidates = ((year, 1), (year, 2), (year + 1, 1))
            terms = (self.term(y, number, region_path) for y, number in candidates)
            self._cache[region_path] = next(
                (term for term in terms if term.start <= self.day <= term.end), None
            )
        return self._cache[region_path]


def term_dates(school_year: int, number: int, region_path: str | None = None) -> Term:
    """Term ``number`` (1 or 2) of ``school_year``, as the region at ``region_path`` (a
    ``Region.path``) has it, else by default."""
    return TermResolver(dt.date(school_year, SCHOOL_YEAR_START_MONTH, 1)).term(
        school_year, number, region_path
    )


def term_containing(day: dt.date, region_path: str | None = None) -> Term | None:
    """The term that ``day`` falls in, or None in the holidays between terms."""
    return TermResolver(day).containing(region_path)


def term_at_or_after(day: dt.date, region_path: str | None = None) -> Term:
    """The term ``day`` falls in or, in the holidays, the next one."""
    terms = TermResolver(day)
    term = terms.containing(region_path)
    if term is not None:
        return term
    year = school_year_of(day)
    for school_year, number in ((year, 1), (year, 2), (year + 1, 1), (year + 1, 2)):
        term = terms.term(school_year, number, region_path)
        if term.start > day:
            return term
    return default_term(year + 2, 1)  # past every term set in the years around the day


def open_from(region_path: str | None = None, on: dt.date | None = None) -> dt.date:
    """The first day that is not yet in a closed period for the region at
    ``region_path`` on day ``on`` (default today): the first day of the term under way,
    or that day itself in the holidays. Settings that count days (term dates, working-day
    exceptions) are not changed before it, so that a term already over keeps the numbers
    it closed with."""
    return latest_open_from([region_path], on)


def latest_open_from(region_paths, on: dt.date | None = None) -> dt.date:
    """:func:`open_from` of several regions (one query): the latest, the first day open
    in all of them."""
    on = on or today()
    terms = TermResolver(on)
    found = [terms.containing(path) for path in region_paths]
    return max(term.start if term is not None else on for term in found)
