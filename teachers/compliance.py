"""Live obligation compliance of mentorships: done / required in the current period.

For each active mentorship and each obligation of its programme (teachers/rules.py)
the period containing the day asked about (today by default) is the week, month
or term of that day, kept within the term (terms come from twinning/calendar.py,
per region) and within the mentorship. Requirements follow working days:

- ``required``: the obligation's minimum, scaled by the share of the whole week's,
  month's or term's working days that the mentorship covers within the term, rounded
  up (a mentorship that starts mid-term owes part of the term, a month cut short by
  the term's first or last day part of the month; a week without a working day in
  term owes nothing);
- ``expected``: what should be done by that day, the required count scaled by the
  working days gone, rounded down.

The periods are those containing the day asked about; whether one is over is
judged today. A line is *met* once done reaches required; otherwise *missed* when
its period is over, *on track* while done keeps up with expected, *behind* when it does not;
*not due* when nothing is required. A mentorship stands at its worst line.

Counting is one aggregate query per distinct term (regions may set their own term
dates; usually one): the records of all the mentorships asked about, grouped by
mentorship, with one conditional count per obligation and period. Nothing is
queried per mentorship.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from twinning import calendar
from twinning.progress import (  # the shared vocabulary, re-exported
    BEHIND,
    MET,
    MISSED,
    NOT_DUE,
    ON_TRACK,
    ROLLUP_STATUSES,
    SEVERITY,
    STATUS_CHOICES,
    STATUS_LABELS,
    LineMixin,
    StandingMixin,
    thresholds,
)
from twinning.progress import status_of as _status

from . import rules as rule_sets
from .models import Mentorship, MentorshipRecord, MentorshipStatus, Period
from .rules import Rule

__all__ = ["BEHIND", "MET", "MISSED", "NOT_DUE", "ON_TRACK", "ROLLUP_STATUSES", "SEVERITY",
           "STATUS_CHOICES", "STATUS_LABELS"]  # fmt: skip


@dataclass(frozen=True)
class Line(LineMixin):
    rule: Rule
    start: dt.date
    end: dt.date
    done: int
    required: int
    expected: int
    status: str


@dataclass
class Standing(StandingMixin):
    mentorship_id: int
    lines: list[Line] = field(default_factory=list)
    group: object = None


def _clip(start, end, lo, hi):
    start, end = max(start, lo), min(end, hi)
    return (start, end) if start <= end else None


def _record_filter(rule: Rule, window: tuple) -> Q:
    condition = Q(kind=rule.kind, date__range=window)
    if rule.filer:
        condition &= Q(filed_by=rule.filer)
    if rule.partner_lessons_only:
        condition &= Q(observed=MentorshipRecord.Observed.PARTNER)
    return condition


def _windows(term: calendar.Term, on: dt.date) -> dict[str, tuple]:
    week = _clip(*calendar.week_bounds(on), term.start, term.end)
    month = _clip(*calendar.month_bounds(on), term.start, term.end)
    return {Period.WEEK: week, Period.MONTH: month, Period.TERM: (term.start, term.end)}


def standings(
    mentorships: QuerySet[Mentorship], on: dt.date | None = None, *, group_by: str | None = None
) -> dict[int, Standing]:
    """The standing of every active mentorship of ``mentorships`` in the periods that
    contain ``on`` (default today), as it is today: a past week is met or missed.

    With ``group_by`` (a field of the mentorship) each standing also carries that value
    as ``group``, read in the same query.
    """
    today = calendar.today()
    on = min(on or today, today)
    fields = ["id", "start", "end", "region__path", "pairing__programme_id"]
    rows = list(
        mentorships.filter(status=MentorshipStatus.ACTIVE)
        .order_by()
        .values_list(*fields, *([group_by] if group_by else []))
    )
    if not rows:
        return {}
    book = rule_sets.RuleBook({row[4] for row in rows})
    terms = calendar.TermResolver(on)
    by_term: dict[calendar.Term, list[tuple]] = {}
    result: dict[int, Standing] = {}
    for row in rows:
        term = terms.containing(row[3])
        result[row[0]] = Standing(row[0], group=row[5] if group_by else None)
        if term is not None:  # in the holidays between terms nothing is due
            by_term.setdefault(term, []).append(row)
    for term, group in by_term.items():
        _fill(result, group, term, book, on, today)
    return result


def _columns(group, windows, rule_map) -> dict[tuple, str]:
    """One counted column per distinct (kind, filer, partner only, period) of the rules."""
    columns: dict[tuple, str] = {}
    for programme_id in {row[4] for row in group}:
        for rule in rule_map[programme_id]:
            if windows[rule.period] is not None:
                signature = (rule.kind, rule.filer, rule.partner_lessons_only, rule.period)
                columns.setdefault(signature, f"c{len(columns)}")
    return columns


def _counts(group, term, windows, columns) -> dict[int, dict]:
    """Records of the group's mentorships in the term, one row a mentorship with a count
    per column: the one query of the computation."""
    if not columns:
        return {}
    # Counting a column of the index (not the id) lets PostgreSQL count from it alone.
    aggregates = {
        name: Count(
            "mentorship_id",
            filter=_record_filter(Rule(kind, filer, 0, period, partner), windows[period]),
        )
        for (kind, filer, partner, period), name in columns.items()
    }
    return {
        values.pop("mentorship_id"): values
        for values in MentorshipRecord.objects.filter(
            mentorship_id__any_of=[row[0] for row in group], date__range=(term.start, term.end)
        )
        .order_by()
        .values("mentorship_id")
        .annotate(**aggregates)
    }


def _fill(result, group, term, book, on, today) -> None:
    windows = _windows(term, on)
    # A minimum is per whole week or month: a period cut short by the term's first or
    # last day owes its share of it, as one cut short by the mentorship's start does.
    periods = {Period.WEEK: calendar.week_bounds(on), Period.MONTH: calendar.month_bounds(on),
               Period.TERM: (term.start, term.end)}  # fmt: skip
    # Each period is counted by the obligations in force on its last day (today while it
    # runs): a week that closed before a change keeps the obligations it had.
    ends = {period: min(bounds[1], today) for period, bounds in periods.items()}
    rule_map = {pid: book.for_periods(pid, ends) for pid in {row[4] for row in group}}
    columns = _columns(group, windows, rule_map)
    counts = _counts(group, term, windows, columns)
    # What each rule asks depends only on the programme and the mentorship's span: most
    # mentorships share both, so it is worked out once for all of them.
    plans: dict[tuple, list[tuple]] = {}
    for row in group:
        mentorship_id, start, end, region_path, programme_id = row[:5]
        plan = plans.get((programme_id, start, end, region_path))
        if plan is None:
            plan = plans[programme_id, start, end, region_path] = []
            for rule in rule_map[programme_id]:
                window = windows[rule.period]
                if window is None:
                    continue
                covered = _clip(*window, start, end)
                name = columns[(rule.kind, rule.filer, rule.partner_lessons_only, rule.period)]
                period = periods[rule.period]
                counts_as = thresholds(rule.minimum, period, covered, today, region_path)
                plan.append((rule, name, *counts_as, covered or window))
        done_by_column = counts.get(mentorship_id, {})
        lines = result[mentorship_id].lines
        for rule, name, required, expected, over, bounds in plan:
            done = done_by_column.get(name, 0)
            status = _status(done, required, expected, over)
            lines.append(Line(rule, bounds[0], bounds[1], done, required, expected, status))


def with_standings(mentorships) -> list[Mentorship]:
    """The mentorships (already read through a scoped selector), each with its live
    ``standing``: one computation for all of them."""
    rows = list(mentorships)
    found = standings(Mentorship.objects.filter(id__in=[m.pk for m in rows]))
    for mentorship in rows:
        mentorship.standing = found.get(mentorship.pk, Standing(mentorship.pk))
    return rows


def mentorship_standing(mentorship: Mentorship, on: dt.date | None = None) -> Standing:
    """The standing of one mentorship (a closed one owes nothing)."""
    found = standings(Mentorship.objects.filter(pk=mentorship.pk), on)
    return found.get(mentorship.pk, Standing(mentorship.pk))


def rollup(
    mentorships: QuerySet[Mentorship], group_by: str, on: dt.date | None = None
) -> dict[object, Counter]:
    """How many active mentorships stand met, on track, behind or missed, per value of
    ``group_by`` (``school_id``, ``pairing_id``, ``region_id`` …)."""
    totals: dict[object, Counter] = {}
    for standing in standings(mentorships, on, group_by=group_by).values():
        totals.setdefault(standing.group, Counter())[standing.status] += 1
    return totals
