"""The automatic indicators' metrics: what each measures of a pairing year, read from the
records the schools already keep, through the lower apps' selectors.

A metric computes its value for many scorecards at once, from the scorecards' own
windows (``pairing_id``, ``period_start``, ``period_end``): each lower app answers for
every window in one query (twinning.db.per_window), so computing all the scorecards of a
province is a handful of aggregate queries per metric, never one per pairing.

A value is ``None`` when there is nothing to measure (no goal was due, no money was
released, no mentorship ran): the indicator then scores 0 and says "no data", never
full marks. ``detail`` says how the value came about, in no language (the page says it
in the reader's: :func:`describe`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from twinning import calendar

ZERO = Decimal("0")
RATIO = Decimal("0.0001")


@dataclass(frozen=True)
class Measure:
    value: Decimal | None
    detail: dict


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    # scorecards → {scorecard id: Measure}
    compute: Callable[[QuerySet], dict[int, Measure]]
    # The records behind it: (URL name, takes the pairing's pk?, query with the window).
    records: Callable[[object], str] | None = None
    # A share (0–1), shown as a percentage.
    is_share: bool = False


METRICS: dict[str, Metric] = {}


def register(metric: Metric) -> None:
    METRICS[metric.key] = metric


def choices() -> list[tuple[str, str]]:
    return [(m.key, m.label) for m in METRICS.values()]


def _ratio(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATIO)


def _windows(scorecards: QuerySet) -> QuerySet:
    return scorecards.order_by()


def _window_query(card) -> str:
    return f"pairing={card.pairing_id}&date_from={card.period_start}&date_to={card.period_end}"


# --- exchanges (activities) -----------------------------------------


def _exchange_targets(scorecards: QuerySet) -> dict[int, Measure]:
    """The share of the programme's exchange targets met in the pairing year: each target
    of activities (activities.targets) as done against required, capped at 1, averaged.
    A target per term counts for each half of the year as it was at that half's end (or
    today), a target per year as it was at the year's end: a change made since leaves a
    closed half as it was."""
    from activities.models import TargetPeriod, TargetSubject
    from activities.selectors import completed_in_windows
    from activities.targets import TargetBook

    rows = list(
        _windows(scorecards).values_list("pk", "programme_id", "period_start", "period_end")
    )
    book, today = TargetBook({row[1] for row in rows}), calendar.today()
    required: dict[int, dict[tuple[str, str], int]] = {}
    for pk, programme, start, end in rows:
        middle, last = min(start + (end - start) / 2, today), min(end, today)
        needed = required[pk] = {}
        for day, periods in ((middle, {TargetPeriod.TERM}),
                             (last, {TargetPeriod.TERM, TargetPeriod.YEAR})):  # fmt: skip
            for t in book.on(programme, day):
                if t.subject == TargetSubject.ACTIVITY and t.period in periods:
                    needed[t.kind, t.side] = needed.get((t.kind, t.side), 0) + t.minimum
    kinds = {f"{kind}:{side}": (kind, side) for needed in required.values()
             for kind, side in needed}  # fmt: skip
    counts = completed_in_windows(_windows(scorecards), kinds)
    found = {}
    for pk, *_rest in rows:
        lines = [
            {"kind": kind, "side": side, "required": n,
             "done": counts.get(pk, {}).get(f"{kind}:{side}", 0)}
            for (kind, side), n in required[pk].items()
        ]  # fmt: skip
        shares = [min(Decimal(1), Decimal(line["done"]) / line["required"]) for line in lines
                  if line["required"]]  # fmt: skip
        value = (sum(shares) / len(shares)).quantize(RATIO) if shares else None
        found[pk] = Measure(value, {"lines": lines})
    return found


def _secondment_days(scorecards: QuerySet) -> dict[int, Measure]:
    from activities.selectors import secondment_days_in_windows

    return {
        pk: Measure(Decimal(days), {"days": days})
        for pk, days in secondment_days_in_windows(_windows(scorecards)).items()
    }


# --- mentorships (teachers) -----------------------------------------


def _mentorship_compliance(scorecards: QuerySet) -> dict[int, Measure]:
    from teachers.selectors import compliance_by_pairing

    rows = list(_windows(scorecards).values_list("pk", "pairing_id"))
    standing = compliance_by_pairing({pairing for _pk, pairing in rows})
    found = {}
    for pk, pairing in rows:
        row = standing.get(pairing, {"active": 0, "keeping_up": 0})
        found[pk] = Measure(_ratio(row["keeping_up"], row["active"]), row)
    return found


def _records_filed(scorecards: QuerySet) -> dict[int, Measure]:
    """Mentorship records filed in the pairing year, per mentorship that ran in it."""
    from teachers.models import RecordKind
    from teachers.selectors import records_in_windows

    counts = records_in_windows(_windows(scorecards), RecordKind.values)
    found = {}
    for pk, row in counts.items():
        mentorships = row.pop("mentorships")
        total = sum(row.values())
        by_kind = {kind: n for kind, n in row.items() if n}
        found[pk] = Measure(
            _ratio(total, mentorships),
            {"records": total, "mentorships": mentorships, "by_kind": by_kind},
        )
    return found


# --- the development plan (schools) -----------------------------------------


def _plan_goals(scorecards: QuerySet) -> dict[int, Measure]:
    from schools.selectors import goals_in_windows

    return {
        pk: Measure(_ratio(row["achieved"], row["due"]), row)
        for pk, row in goals_in_windows(_windows(scorecards)).items()
    }


# --- money (funding) -----------------------------------------


def _money(scorecards: QuerySet) -> dict[int, dict]:
    from funding.selectors import money_in_windows

    return money_in_windows(_windows(scorecards))


def _funds_disbursed(scorecards: QuerySet) -> dict[int, Measure]:
    return {
        pk: Measure(
            _ratio(row["paid"], row["released"]),
            {"paid": str(row["paid"]), "released": str(row["released"])},
        )
        for pk, row in _money(scorecards).items()
    }


def _donations(scorecards: QuerySet) -> dict[int, Measure]:
    return {
        pk: Measure(Decimal(row["donated"]), {"count": row["donations"],
                                              "value": str(row["donated"])})
        for pk, row in _money(scorecards).items()
    }  # fmt: skip


def _url(name: str, *, by_pk: bool = False, window: bool = False):
    def url(card) -> str:
        if by_pk:
            return reverse(name, args=[card.pairing_id])
        query = _window_query(card) if window else f"pairing={card.pairing_id}"
        return f"{reverse(name)}?{query}"

    return url


register(Metric(
    "exchange_targets", _("Exchange targets met"), _("share"), _exchange_targets,
    _url("activities:activity_list", window=True), is_share=True,
))  # fmt: skip
register(Metric(
    "secondment_days", _("Secondment working days"), _("working days"), _secondment_days,
    _url("activities:secondment_list", window=True),
))  # fmt: skip
register(Metric(
    "mentorship_compliance", _("Mentorships keeping up with their obligations"), _("share"),
    _mentorship_compliance, _url("teachers:pairing_mentorships", by_pk=True), is_share=True,
))  # fmt: skip
register(Metric(
    "records_filed", _("Mentorship records filed per mentorship"), _("records"),
    _records_filed, _url("teachers:pairing_mentorships", by_pk=True),
))  # fmt: skip
register(Metric(
    "plan_goals", _("Development-plan goals achieved"), _("share"), _plan_goals,
    _url("schools:pairing_plan", by_pk=True), is_share=True,
))  # fmt: skip
register(Metric(
    "funds_disbursed", _("Money paid out of what was released"), _("share"), _funds_disbursed,
    _url("funding:pairing_funding", by_pk=True), is_share=True,
))  # fmt: skip
register(Metric(
    "donations", _("Donations in kind received (estimated value)"), _("yuan"), _donations,
    _url("funding:donation_list"),
))  # fmt: skip


def compute(scorecards: QuerySet, keys=None) -> dict[str, dict[int, Measure]]:
    """``{metric key: {scorecard id: Measure}}`` for the metrics ``keys`` (default: all)
    over every scorecard of ``scorecards``: each metric once for all of them."""
    keys = list(METRICS) if keys is None else [k for k in keys if k in METRICS]
    return {key: METRICS[key].compute(scorecards) for key in keys}


def describe(metric_key: str, detail: dict) -> list[str]:
    """How a value came about, in the reader's language: one line a part."""
    from activities.models import ActivityKind, TargetSide
    from teachers.models import RecordKind

    if metric_key == "exchange_targets":
        # ``name`` is a property (the active language's of name_zh and name_en).
        names = {k.code: k.name for k in ActivityKind.objects.only("code", "name_zh", "name_en")}
        lines = []
        for line in detail.get("lines", []):
            text = _("%(kind)s: %(done)s of %(required)s") % {
                "kind": names.get(line["kind"], line["kind"]), "done": line["done"],
                "required": line["required"],
            }  # fmt: skip
            if line["side"] != TargetSide.EITHER:
                text += _(" (at %(side)s)") % {"side": TargetSide(line["side"]).label}
            lines.append(text)
        return lines
    if metric_key == "secondment_days":
        return [_("%(days)s working days served") % {"days": detail.get("days", 0)}]
    if metric_key == "mentorship_compliance":
        return [_("%(ok)s of %(n)s active mentorships met or on track today")
                % {"ok": detail.get("keeping_up", 0), "n": detail.get("active", 0)}]  # fmt: skip
    if metric_key == "records_filed":
        lines = [_("%(records)s records of %(n)s mentorships") % {
            "records": detail.get("records", 0), "n": detail.get("mentorships", 0)}]  # fmt: skip
        kinds = dict(RecordKind.choices)
        lines += [f"{kinds.get(kind, kind)}: {n}" for kind, n in detail.get("by_kind", {}).items()]
        return lines
    if metric_key == "plan_goals":
        return [_("%(achieved)s of %(due)s goals due in the year reached their target")
                % {"achieved": detail.get("achieved", 0), "due": detail.get("due", 0)}]  # fmt: skip
    if metric_key == "funds_disbursed":
        return [_("%(paid)s yuan paid of %(released)s yuan released") % {
            "paid": detail.get("paid", "0"), "released": detail.get("released", "0")}]  # fmt: skip
    if metric_key == "donations":
        return [_("%(count)s donations, estimated at %(value)s yuan") % {
            "count": detail.get("count", 0), "value": detail.get("value", "0")}]  # fmt: skip
    return []
