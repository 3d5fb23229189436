"""Exchange targets of pairings, and where each approved or active pairing stands against
them (DESIGN.md §3 activities/).

A target counts completed activities of a kind, or secondment working days, per term or
per school year, at either school or at one side (activities by their host school,
secondments by the school that sends the person). The defaults come from the seeds; a
programme with its own rows (``PairingTarget``, kept on the programme's rules page) uses
those in force on the day counted instead (twinning/rulebook.py).

Periods are the term and the school year containing the day asked about (terms by the
programme region's dates). ``required`` is the minimum; ``expected`` and the statuses
follow twinning/progress.py. Counting is aggregate: one query per distinct term for the
activities of every pairing asked about (grouped by pairing, one conditional count per
target), and one query for their secondments, whose working days the calendar adds up.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from schools.models import Pairing, PairingMember, Region
from twinning import calendar, progress, rulebook

from .models import (
    ActivityKind,
    ActivityStatus,
    PairingTarget,
    Secondment,
    TargetPeriod,
    TargetSide,
    TargetSubject,
)

LIVE = ("approved", "active")


@dataclass(frozen=True)
class Target:
    subject: str
    kind: str | None  # the kind's code, for a target of activities
    minimum: int
    period: str
    side: str = TargetSide.EITHER

    def label(self, kind_names: dict[str, str]) -> str:
        period = str(TargetPeriod(self.period).label)
        if self.subject == TargetSubject.SECONDMENT_DAYS:
            text = _("Secondment working days: at least %(n)s %(period)s") % {
                "n": self.minimum, "period": period,
            }  # fmt: skip
        else:
            text = _("%(kind)s: at least %(n)s %(period)s") % {
                "kind": kind_names.get(self.kind, self.kind), "n": self.minimum,
                "period": period,
            }  # fmt: skip
        if self.side != TargetSide.EITHER:
            text += _(" (at %(side)s)") % {"side": TargetSide(self.side).label}
        return text


# From the seeds (001): each school year a school's cadres serve at least 10 days at the
# other; each term a principal's report at the partner school, two lesson deliveries to
# the assisted school and two experience-exchange meetings; one or two joint research
# projects a year.
DEFAULTS = (
    Target(TargetSubject.SECONDMENT_DAYS, None, 10, TargetPeriod.YEAR),
    Target(TargetSubject.ACTIVITY, "management_report", 1, TargetPeriod.TERM),
    Target(TargetSubject.ACTIVITY, "lesson_delivery", 2, TargetPeriod.TERM, TargetSide.ASSISTED),
    Target(TargetSubject.ACTIVITY, "experience_exchange", 2, TargetPeriod.TERM),
    Target(TargetSubject.ACTIVITY, "research_project", 1, TargetPeriod.YEAR),
)


class TargetBook:
    """Every own target of some programmes, current and retired, read in one query; which
    of them held on a day (twinning/rulebook.py): a closed period keeps the targets it had."""

    def __init__(self, programme_ids):
        self._rows: dict[int, list[tuple[dt.date, dt.date | None, Target]]] = {}
        for row in (
            PairingTarget.objects.filter(programme_id__in=list(programme_ids))
            .order_by("id")
            .values("programme_id", "subject", "kind__code", "minimum", "period", "side",
                    "valid_from", "valid_until")
        ):  # fmt: skip
            target = Target(
                row["subject"], row["kind__code"], row["minimum"], row["period"], row["side"]
            )
            self._rows.setdefault(row["programme_id"], []).append(
                (row["valid_from"], row["valid_until"], target)
            )

    def on(self, programme_id: int, day: dt.date) -> tuple[Target, ...]:
        """The programme's targets on ``day``: its own in force then, else the defaults."""
        own = tuple(
            target for start, end, target in self._rows.get(programme_id, ())
            if rulebook.held_on(start, end, day)
        )  # fmt: skip
        return own or DEFAULTS

    def for_periods(self, programme_id: int, windows: dict, today: dt.date) -> tuple:
        """The programme's targets of each period in ``windows`` (``{period: (start, end)
        or None}``), each as in force on the period's last day, or today while it runs: a
        change made since a period closed leaves it as it was."""
        found = []
        for period, window in windows.items():
            if window is not None:
                day = min(window[1], today)
                found += [t for t in self.on(programme_id, day) if t.period == period]
        return tuple(found)


@dataclass(frozen=True)
class Line(progress.LineMixin):
    target: Target
    label: str
    start: dt.date
    end: dt.date
    done: int
    required: int
    expected: int
    status: str


@dataclass
class Standing(progress.StandingMixin):
    pairing_id: int
    lines: list[Line] = field(default_factory=list)
    group: object = None


def _windows(term: calendar.Term | None, on: dt.date) -> dict[str, tuple | None]:
    year = calendar.period_bounds("year", calendar.school_year_of(on), None)
    return {TargetPeriod.TERM: (term.start, term.end) if term else None, TargetPeriod.YEAR: year}


def _side_condition(side: str) -> Q:
    at_helping = Q(host_school_id=F("pairing__helping_school_id"))
    return {TargetSide.HELPING: at_helping, TargetSide.ASSISTED: ~at_helping}.get(side, Q())


def _activity_counts(rows, windows, targets, kind_ids) -> dict[int, dict[str, int]]:
    """Completed activities of ``rows``' pairings, one count per activity target (one
    aggregate query)."""
    from .models import Activity

    aggregates = {}
    for n, target in enumerate(targets):
        window = windows[target.period]
        if target.subject != TargetSubject.ACTIVITY or window is None:
            continue
        aggregates[f"t{n}"] = Count(
            "id",
            filter=Q(kind_id=kind_ids.get(target.kind, 0), starts_at__date__range=window)
            & _side_condition(target.side),
        )
    if not aggregates:
        return {}
    first = min(w[0] for w in windows.values() if w)
    last = max(w[1] for w in windows.values() if w)
    return {
        values.pop("pairing_id"): values
        for values in Activity.objects.filter(
            pairing_id__any_of=[row["id"] for row in rows],
            status=ActivityStatus.COMPLETED,
            starts_at__date__range=(first, last),
        )  # fmt: skip
        .order_by()
        .values("pairing_id")
        .annotate(**aggregates)
    }


def _secondment_days(pairing_ids, helping_of, windows_of, today) -> dict[tuple, int]:
    """Working days served, per (pairing, period, side), by the secondments of the
    pairings (one query; the calendar adds the days up)."""
    starts = [w[0] for ws in windows_of.values() for w in ws.values() if w]
    if not starts:
        return {}
    days: dict[tuple, int] = {}
    found = (
        Secondment.objects.filter(
            pairing_id__any_of=list(pairing_ids),
            cancelled_at__isnull=True,
            end__gte=min(starts),
            start__lte=today,
        )  # fmt: skip
        .select_related("host_region")
        .only("pairing_id", "home_school_id", "start", "end", "cancelled_at", "host_region__path")
    )
    for secondment in found.iterator(chunk_size=2000):
        side = (
            TargetSide.HELPING
            if secondment.home_school_id == helping_of[secondment.pairing_id]
            else TargetSide.ASSISTED
        )
        for period, window in windows_of[secondment.pairing_id].items():
            if window is None:
                continue
            served = secondment.days_served_between(window[0], min(window[1], today))
            for key_side in (side, TargetSide.EITHER):
                key = (secondment.pairing_id, period, key_side)
                days[key] = days.get(key, 0) + max(served, 0)
    return days


def standings(
    pairings: QuerySet[Pairing], on: dt.date | None = None, *, group_by: str | None = None
) -> dict[int, Standing]:
    """Where each approved or active pairing of ``pairings`` stands against its targets in
    the term and school year containing ``on`` (default today), as it is today.

    ``group_by``: ``"county"`` (the assisted school's region) or a field of the pairing,
    read in the same query as ``Standing.group``."""
    today = calendar.today()
    on = min(on or today, today)
    qs = pairings.filter(status__in=LIVE).order_by()
    if group_by == "county":
        qs = qs.annotate(
            group=Subquery(
                PairingMember.objects.filter(
                    pairing=OuterRef("pk"), role=PairingMember.Role.ASSISTED
                ).order_by("id").values("region_id")[:1]
            )
        )  # fmt: skip
    elif group_by:
        qs = qs.annotate(group=F(group_by))
    fields = ["id", "programme_id", "region__path", "helping_school_id"]
    rows = list(qs.values(*fields, *(["group"] if group_by else [])))
    if not rows:
        return {}
    book = TargetBook({row["programme_id"] for row in rows})
    all_kinds = list(ActivityKind.objects.all())
    kinds = {k.code: k.pk for k in all_kinds}
    names = {k.code: k.name for k in all_kinds}
    terms = calendar.TermResolver(on)
    by_windows: dict[tuple, list[dict]] = {}
    windows_of: dict[int, dict] = {}
    targets: dict[int, tuple[Target, ...]] = {}
    for row in rows:
        windows = _windows(terms.containing(row["region__path"]), on)
        windows_of[row["id"]] = windows
        targets[row["id"]] = book.for_periods(row["programme_id"], windows, today)
        by_windows.setdefault(tuple(windows.items()), []).append(row)
    helping_of = {row["id"]: row["helping_school_id"] for row in rows}
    days = _secondment_days(list(windows_of), helping_of, windows_of, today)
    result: dict[int, Standing] = {}
    for window_items, group in by_windows.items():
        windows = dict(window_items)
        all_targets = sorted(
            {t for row in group for t in targets[row["id"]]},
            key=lambda t: (t.period, t.subject, t.kind or ""),
        )  # fmt: skip
        counts = _activity_counts(group, windows, all_targets, kinds)
        index = {t: f"t{n}" for n, t in enumerate(all_targets)}
        for row in group:
            standing = result[row["id"]] = Standing(row["id"], group=row.get("group"))
            for target in targets[row["id"]]:
                window = windows[target.period]
                if window is None:  # the holidays between terms: nothing due this term
                    continue
                if target.subject == TargetSubject.SECONDMENT_DAYS:
                    done = days.get((row["id"], target.period, target.side), 0)
                else:
                    done = counts.get(row["id"], {}).get(index[target], 0)
                required, expected, over = progress.thresholds(
                    target.minimum, window, window, today, row["region__path"]
                )
                standing.lines.append(Line(
                    target, target.label(names), window[0], window[1], done, required,
                    expected, progress.status_of(done, required, expected, over),
                ))  # fmt: skip
    return result


def pairing_standing(pairing: Pairing, on: dt.date | None = None) -> Standing:
    found = standings(Pairing.objects.filter(pk=pairing.pk), on)
    return found.get(pairing.pk, Standing(pairing.pk))


def rollup(pairings: QuerySet[Pairing], on: dt.date | None = None) -> list[dict]:
    """Approved and active pairings by standing, per county (the assisted school's
    region), worst first: ``id``, ``name``, a count per status and ``total``."""
    totals: dict[int, Counter] = {}
    for standing in standings(pairings, on, group_by="county").values():
        totals.setdefault(standing.group, Counter())[standing.status] += 1
    names = dict(Region.objects.filter(pk__in=[k for k in totals if k]).values_list("id", "name"))
    rows = [
        {
            "id": region_id,
            "name": names.get(region_id, "—"),
            **{s: counts.get(s, 0) for s in progress.ROLLUP_STATUSES},
            "total": sum(counts.values()),
        }  # fmt: skip
        for region_id, counts in totals.items()
    ]
    rows.sort(key=lambda r: (-(r[progress.MISSED] + r[progress.BEHIND]), -r["total"], r["name"]))
    return rows
