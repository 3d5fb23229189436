"""Progress against a minimum over a period: one arithmetic and one vocabulary for every
app that counts what was done against what a rule asks (mentorship obligations in
teachers/, pairing targets in activities/), and the chart that compares standings.

- ``required``: the minimum, scaled by the share of the period's working days covered
  and rounded up;
- ``expected``: what should be done by today, the required count scaled by the
  working days gone, rounded down.

A line is *met* once done reaches required; otherwise *missed* when its period is over,
*on track* while done keeps up with expected, *behind* when it does not; *not due*
when nothing is required. A whole stands at its worst line.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from . import calendar

MET, ON_TRACK, BEHIND, MISSED, NOT_DUE = "met", "on_track", "behind", "missed", "not_due"
STATUS_LABELS = {
    MET: _("Met"),
    ON_TRACK: _("On track"),
    BEHIND: _("Behind"),
    MISSED: _("Missed"),
    NOT_DUE: _("Not due"),
}
STATUS_CHOICES = list(STATUS_LABELS.items())
# Worse first: a whole stands at its worst line.
SEVERITY = {MISSED: 4, BEHIND: 3, ON_TRACK: 2, MET: 1, NOT_DUE: 0}
ROLLUP_STATUSES = (MET, ON_TRACK, BEHIND, MISSED)
# One colour per standing, the same on every chart.
COLOURS = {MET: "#1e7a46", ON_TRACK: "#1d5fa8", BEHIND: "#a15c07", MISSED: "#b42318"}


def worst(statuses) -> str:
    return max(statuses, key=SEVERITY.get, default=NOT_DUE)


class LineMixin:
    """What a line (a rule in a period: ``done``, ``required``, ``status``) shows."""

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def percent(self) -> int:
        return 100 if not self.required else min(100, round(100 * self.done / self.required))


class StandingMixin:
    """A whole (a mentorship, a pairing) stands at the worst of its ``lines``."""

    @property
    def status(self) -> str:
        return worst(line.status for line in self.lines)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@lru_cache(maxsize=8192)
def _thresholds(
    minimum: int, period: tuple, covered: tuple | None, today: dt.date, region_path: str | None,
    calendar_token: str,
) -> tuple:  # fmt: skip
    if covered is None:
        return 0, 0, False
    period_days = calendar.working_days(*period, region_path)
    covered_days = calendar.working_days(*covered, region_path)
    if not period_days or not covered_days:
        return 0, 0, False
    required = math.ceil(minimum * covered_days / period_days)
    gone = calendar.working_days(covered[0], min(covered[1], today), region_path)
    expected = math.floor(required * gone / covered_days)
    return required, expected, covered[1] < today


def thresholds(
    minimum: int, period: tuple, covered: tuple | None, today: dt.date,
    region_path: str | None = None,
) -> tuple[int, int, bool]:  # fmt: skip
    """(required, expected, over) for a rule of ``minimum`` over ``period``, of which
    ``covered`` (None: nothing) is owed, as it stands ``today``, by the working days of
    the region at ``region_path``. Cached, in step with the region's exceptions."""
    return _thresholds(minimum, period, covered, today, region_path, calendar.overrides_token())


def status_of(done: int, required: int, expected: int, over: bool) -> str:
    if not required:
        return NOT_DUE
    if done >= required:
        return MET
    if over:
        return MISSED
    return ON_TRACK if done >= expected else BEHIND


def standing_chart(rows: list[dict], title: str, name: str = "standing") -> str:
    """How many stand met, on track, behind or missed, one stacked bar a row (a school,
    a county …; each row has ``name`` and a count per status), as an SVG string drawn
    on the server (pygal): the same in a page and in a PDF, with no script."""
    import pygal

    from . import charts

    if not rows:
        return ""
    highest = max(sum(row[s] for s in ROLLUP_STATUSES) for row in rows)
    chart = pygal.HorizontalStackedBar(
        style=charts.style([COLOURS[s] for s in ROLLUP_STATUSES]),
        legend_at_bottom=True, legend_at_bottom_columns=4,
        width=800, height=120 + 32 * len(rows), show_y_guides=False, print_values=False,
        title=title, y_labels=charts.whole_ticks(highest), value_formatter=charts.count_label,
    )  # fmt: skip
    chart.x_labels = [row["name"] for row in reversed(rows)]
    for status in ROLLUP_STATUSES:
        chart.add(str(STATUS_LABELS[status]), [row[status] for row in reversed(rows)])
    return charts.svg(chart, name)


def query_params(query, leave_out=("format", "page")) -> list[tuple[str, str]]:
    """The (key, value) pairs of a request's query (``request.GET`` or DRF's
    ``query_params``) that shape a roll-up, for :func:`kept`: every value of a key given
    twice, and nothing of ``leave_out`` (which page of the rows, which download)."""
    return [(key, value) for key in sorted(query) if key not in leave_out
            for value in query.getlist(key)]  # fmt: skip


def kept(name: str, user, params, compute, *, afresh: bool = False):
    """``(compute(), when it was computed)``, kept ``COMPLIANCE_CACHE_SECONDS`` per
    user and scope, query parameters, day and language: a roll-up of a province is at
    most that old, while each object's own standing is always exact. ``params`` are the
    request's (key, value) pairs that shape the result. ``afresh`` computes it now
    (and keeps the new result), when the caller knows the kept one is out of date."""
    import hashlib

    from django.conf import settings
    from django.core.cache import cache
    from django.utils import timezone
    from django.utils.translation import get_language

    from .access import resolve_scope

    seconds = settings.COMPLIANCE_CACHE_SECONDS
    # The scope is part of the key: a role taken away (or given) counts afresh at once.
    scope = sorted((name, sorted(value) if isinstance(value, frozenset) else value)
                   for name, value in vars(resolve_scope(user)).items())  # fmt: skip
    identity = (user.pk, scope, sorted(params), calendar.today().isoformat(), get_language())
    key = f"{name}:" + hashlib.sha256(repr(identity).encode()).hexdigest()
    found = cache.get(key) if seconds and not afresh else None
    if found is None:
        found = (compute(), timezone.now())
        if seconds:
            cache.set(key, found, seconds)
    return found
