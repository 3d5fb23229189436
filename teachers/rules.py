"""A programme's rules for mentorships: the obligations and the mentee eligibility rule.

A programme without its own obligations (``Obligation`` rows) follows
:data:`DEFAULTS`, the obligations of seed 003 as DESIGN.md §3 lists them; without a
``MentorshipPolicy`` a mentee has at most :data:`DEFAULT_MAX_MENTEE_YEARS` years of
service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from twinning import calendar, rulebook

from .models import Filer, MentorshipPolicy, Obligation, Period, RecordKind

DEFAULT_MAX_MENTEE_YEARS = 3


@dataclass(frozen=True)
class Rule:
    kind: str
    filer: str  # "" when records of either count
    minimum: int
    period: str
    partner_lessons_only: bool = False

    def binds(self, side: str) -> bool:
        """Whether the obligation falls to ``side`` (mentor or mentee): its own, or shared."""
        return self.filer in ("", side)

    @property
    def key(self) -> str:
        """Stable within a rule set: names the rule in the API and in reminders."""
        scope = "partner" if self.partner_lessons_only else "all"
        return f"{self.kind}.{self.filer or 'either'}.{scope}.{self.period}"

    @property
    def kind_label(self) -> str:
        if self.kind != RecordKind.OBSERVATION:
            return str(RecordKind(self.kind).label)
        if self.partner_lessons_only and not self.filer:
            return _("observations of each other's lessons")
        if self.partner_lessons_only:
            return _("observations of the partner's lessons")
        return _("observations of any lesson")

    @property
    def period_label(self) -> str:
        return {
            Period.WEEK: _("This week"), Period.MONTH: _("This month"), Period.TERM: _("This term")
        }[self.period]  # fmt: skip

    @property
    def label(self) -> str:
        who = Filer(self.filer).label if self.filer else _("Mentor or mentee")
        return _("%(who)s: %(kind)s, at least %(minimum)s %(period)s") % {
            "who": who, "kind": self.kind_label, "minimum": self.minimum,
            "period": Period(self.period).label,
        }  # fmt: skip


DEFAULTS: tuple[Rule, ...] = (
    Rule(RecordKind.GUIDANCE, Filer.MENTOR, 1, Period.WEEK),
    Rule(RecordKind.OBSERVATION, "", 4, Period.MONTH, partner_lessons_only=True),
    Rule(RecordKind.OBSERVATION, Filer.MENTOR, 10, Period.TERM, partner_lessons_only=True),
    Rule(RecordKind.OBSERVATION, Filer.MENTEE, 15, Period.TERM, partner_lessons_only=True),
    Rule(RecordKind.OBSERVATION, Filer.MENTEE, 25, Period.TERM),
    Rule(RecordKind.OPEN_LESSON, Filer.MENTEE, 1, Period.TERM),
    Rule(RecordKind.LESSON_DESIGN, Filer.MENTEE, 1, Period.WEEK),
    Rule(RecordKind.REFLECTION, Filer.MENTEE, 2, Period.TERM),
    Rule(RecordKind.MIDTERM_EVALUATION, Filer.MENTOR, 1, Period.TERM),
    Rule(RecordKind.STAGE_SUMMARY, Filer.MENTOR, 1, Period.TERM),
)


class RuleBook:
    """Every own obligation of some programmes, current and retired, read in one query;
    which of them held on a day (twinning/rulebook.py)."""

    def __init__(self, programme_ids):
        self._rows: dict[int, list[Obligation]] = {}
        ids = [p for p in programme_ids if p]
        for row in Obligation.objects.filter(programme_id__in=ids).order_by("id"):
            self._rows.setdefault(row.programme_id, []).append(row)

    def on(self, programme_id: int | None, day: dt.date) -> tuple[Rule, ...]:
        """The programme's obligations on ``day``: its own in force then, else the
        defaults (also for mentorships outside any programme)."""
        own = tuple(
            Rule(row.kind, row.filer, row.minimum, row.period, row.partner_lessons_only)
            for row in self._rows.get(programme_id, ())
            if rulebook.held_on(row.valid_from, row.valid_until, day)
        )  # fmt: skip
        return own or DEFAULTS

    def for_periods(self, programme_id: int | None, ends: dict[str, dt.date]) -> tuple:
        """The obligations of each period (week, month, term) as in force on the period's
        last day given in ``ends`` (today while it runs): a change made since a period
        closed leaves it as it was. In the order the rules are kept."""
        chosen = {
            rule for period, day in ends.items()
            for rule in self.on(programme_id, day) if rule.period == period
        }  # fmt: skip
        ordered = dict.fromkeys(
            rule for day in ends.values() for rule in self.on(programme_id, day)
            if rule in chosen
        )  # fmt: skip
        return tuple(ordered)


def rules_for(programme_ids, on: dt.date | None = None) -> dict[int | None, tuple[Rule, ...]]:
    """The obligations of each programme (None: mentorships outside any programme) in
    force on ``on`` (default today), in one query for all of them."""
    book, day = RuleBook(programme_ids), on or calendar.today()
    return {pid: book.on(pid, day) for pid in programme_ids}


def max_mentee_years(programme_id: int | None) -> int | None:
    if programme_id is None:
        return DEFAULT_MAX_MENTEE_YEARS
    policy = MentorshipPolicy.objects.filter(programme_id=programme_id).first()
    return DEFAULT_MAX_MENTEE_YEARS if policy is None else policy.max_mentee_years
