"""The figures of a region's reporting cadence (月调度、季汇总、半年通报): for the pairings a
region's document reports on (builders.region_pairings) and a window of days, what each
pairing did in the window, where it stands at the window's end, and the totals per county
(the assisted school's region) and for the whole region.

One computation for every pairing at once: a fixed number of aggregate queries however
many pairings there are (the lower apps' roll-ups, asked for all of them), never one per
pairing. The result is JSON-able and in no language (codes, numbers, names as stored; only
a pairing's title lists several assisted schools as the active language does), so that it
can be a document's facts: the documents say it in their reader's language.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from twinning import progress

from .builders import region_pairings

ZERO = Decimal("0.00")
# The standings a pairing or a mentorship is counted under (not due: nothing to count).
STATUSES = progress.ROLLUP_STATUSES
# A pairing at risk: behind its targets, or having missed one.
AT_RISK = (progress.BEHIND, progress.MISSED)
MONEY = ("requested", "paid", "released", "paid_to_date")
COUNTS = ("held", "planned", "secondment_days", "records", "targets_met", "targets_due")


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The window as aware datetimes (from its first day's midnight to the next day's after
    its last, in the project's time zone), for the timestamp columns' indexes."""
    zone = timezone.get_default_timezone()
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min), zone)
    after = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min), zone)
    return first, after


def _money(value) -> str:
    return str((value or ZERO).quantize(Decimal("0.01")))


def _share(ok: int, due: int) -> int | None:
    """``ok`` of ``due`` as a whole percentage; None when nothing was due."""
    return round(100 * ok / due) if due else None


def _line(line) -> dict[str, Any]:
    target = line.target
    return {
        "subject": str(target.subject), "kind": target.kind, "minimum": target.minimum,
        "period": str(target.period), "side": str(target.side), "start": line.start.isoformat(),
        "end": line.end.isoformat(), "done": line.done, "required": line.required,
        "expected": line.expected, "status": line.status,
    }  # fmt: skip


def _activities(ids, first, after) -> dict[int, dict]:
    """Exchanges that start in the window, per pairing: held (logged as completed) and
    planned (scheduled, whatever became of them, but not cancelled). One query."""
    from activities.models import Activity, ActivityStatus

    rows = (
        Activity.objects.filter(pairing_id__any_of=ids, starts_at__gte=first, starts_at__lt=after)
        .order_by()
        .values("pairing_id")
        .annotate(
            held=Count("id", filter=Q(status=ActivityStatus.COMPLETED)),
            planned=Count("id", filter=~Q(status=ActivityStatus.CANCELLED)),
        )
    )
    return {row.pop("pairing_id"): row for row in rows}


def _secondment_days(rows, start, end) -> dict[int, int]:
    """Working days served in the window by each pairing's secondments (not cancelled), by
    the host region's calendar: activities.targets' count (one query), over the window."""
    from activities.models import TargetSide
    from activities.targets import _secondment_days as served

    helping_of = {row["id"]: row["helping_school_id"] for row in rows}
    windows_of = {row["id"]: {"window": (start, end)} for row in rows}
    days = served(list(helping_of), helping_of, windows_of, end)
    return {pk: days.get((pk, "window", TargetSide.EITHER), 0) for pk in helping_of}


def _records(ids, start, end) -> dict[int, int]:
    """Mentorship records dated in the window, per pairing of their mentorship. One query."""
    from teachers.models import MentorshipRecord

    rows = (
        MentorshipRecord.objects.filter(
            mentorship__pairing_id__any_of=ids, date__range=(start, end)
        )
        .order_by()
        .values_list("mentorship__pairing_id")
        .annotate(n=Count("mentorship_id"))
    )
    return dict(rows)


def _compliance(ids, end) -> dict[int, Counter]:
    """How many of each pairing's active mentorships stand met, on track, behind or missed
    at the window's end (teachers.compliance, its few aggregate queries)."""
    from teachers import compliance
    from teachers.models import Mentorship

    found: dict[int, Counter] = {}
    mentorships = Mentorship.objects.filter(pairing_id__any_of=ids)
    for standing in compliance.standings(mentorships, end, group_by="pairing_id").values():
        found.setdefault(standing.group, Counter())[standing.status] += 1
    return found


def _ledger(ids, first, after) -> dict[int, dict]:
    """Money paid in the window (payments less reversals entered in it), and released and
    paid up to the window's end, per pairing, from the ledger (one query).

    funding.ledger.pairing_balances gives the balances as they are today; a period's
    document shows them as they were at its end, so that a later payment does not change
    what an old report says."""
    from funding.models import Account, LedgerEntry

    rows = (
        LedgerEntry.objects.filter(pairing_id__any_of=ids, at__lt=after)
        .order_by()
        .values("pairing_id")
        .annotate(
            paid=Sum("amount", filter=Q(account=Account.PAID, at__gte=first)),
            released=Sum("amount", filter=Q(account=Account.RELEASED)),
            paid_to_date=Sum("amount", filter=Q(account=Account.PAID)),
        )
    )
    return {row.pop("pairing_id"): row for row in rows}


def _requested(ids, first, after) -> dict[int, Decimal]:
    """Money asked for in the window: requests submitted in it, whatever became of them
    since (one query)."""
    from funding.models import Disbursement

    rows = (
        Disbursement.objects.filter(
            pairing_id__any_of=ids, submitted_at__gte=first, submitted_at__lt=after
        )
        .order_by()
        .values_list("pairing_id")
        .annotate(total=Sum("amount"))
    )
    return dict(rows)


def _names(ids) -> dict[int, dict]:
    """Each pairing's assisted schools (names, in order) and county: the first assisted
    school's region, as activities.targets groups by county (one query)."""
    from schools.models import PairingMember

    found: dict[int, dict] = {}
    rows = (
        PairingMember.objects.filter(pairing_id__any_of=ids, role=PairingMember.Role.ASSISTED)
        .order_by("pairing_id", "id")
        .values_list("pairing_id", "school__name", "region_id", "region__name")
    )
    for pairing_id, school, region_id, region in rows:
        entry = found.setdefault(pairing_id, {"assisted": [], "county_id": region_id,
                                              "county": region})  # fmt: skip
        entry["assisted"].append(school)
    return found


def _empty_total() -> dict[str, Any]:
    return {
        "pairings": 0, **{name: 0 for name in COUNTS}, **{name: ZERO for name in MONEY},
        "standings": Counter(), "mentorships": Counter(), "at_risk": 0,
    }  # fmt: skip


def _add(total: dict, row: dict) -> None:
    total["pairings"] += 1
    for name in COUNTS:
        total[name] += row[name]
    for name in MONEY:
        total[name] += Decimal(row[name])
    if row["standing"] in STATUSES:
        total["standings"][row["standing"]] += 1
    total["mentorships"].update(row["mentorships"])
    total["at_risk"] += row["standing"] in AT_RISK


def _finish(total: dict) -> dict[str, Any]:
    mentorships = {status: total["mentorships"].get(status, 0) for status in STATUSES}
    due = sum(mentorships.values())
    return {
        **total,
        **{name: _money(total[name]) for name in MONEY},
        "standings": {status: total["standings"].get(status, 0) for status in STATUSES},
        "mentorships": mentorships,
        "compliance": _share(mentorships[progress.MET] + mentorships[progress.ON_TRACK], due),
    }


def region_figures(region, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The figures of ``region``'s pairings (builders.region_pairings) for ``start`` to
    ``end`` (both included; a period that is over), JSON-able:

    - ``pairings``: one dict a pairing, by county then name: ``id``, ``title`` (schools.
      models.pairing_title), ``helping``, ``assisted`` (names), ``county_id``, ``county``,
      ``programme_id``, ``programme``, ``status`` (the pairing's); in the window ``held``
      and ``planned`` exchanges (starting in it: logged as completed; scheduled and not
      cancelled), ``secondment_days`` (working days served), ``records`` (mentorship
      records dated in it), ``requested`` and ``paid`` (yuan, as text: requests submitted,
      payments net of reversals); up to its end ``released`` and ``paid_to_date``; at its
      end ``mentorships`` (active mentorships per standing: met, on_track, behind,
      missed), ``compliance`` (the percentage of those met or on track, None when none
      is due), and against the exchange targets (activities.targets.standings, on the
      window's end as it stands today; None for a pairing no longer approved or active)
      ``standing``, ``targets_met`` of ``targets_due`` and ``lagging``: the lines
      behind or missed (the target's ``subject``, ``kind`` code, ``minimum``, ``period``,
      ``side``, the line's ``start``, ``end``, ``done``, ``required``, ``expected``,
      ``status``), why the pairing is at risk;
    - ``counties``: per county (by name) the sums of those figures with ``pairings``,
      ``standings`` (pairings per standing), ``at_risk`` (pairings behind or missed),
      ``mentorships`` and their ``compliance``;
    - ``total``: the same over the region, with ``counties`` (how many).

    A fixed number of queries whatever the number of pairings (about twenty)."""
    from activities import targets
    from schools.models import Pairing, pairing_title

    rows = list(
        region_pairings(region, start, end)
        .order_by()
        .values(
            "id",
            "status",
            "programme_id",
            "programme__name",
            "helping_school_id",
            "helping_school__name",
        )  # fmt: skip
    )
    ids = [row["id"] for row in rows]
    if not ids:
        return {"start": start.isoformat(), "end": end.isoformat(), "pairings": [],
                "counties": [], "total": {**_finish(_empty_total()), "counties": 0}}  # fmt: skip
    first, after = _bounds(start, end)
    names = _names(ids)
    activities = _activities(ids, first, after)
    days = _secondment_days(rows, start, end)
    records = _records(ids, start, end)
    mentorships = _compliance(ids, end)
    ledger = _ledger(ids, first, after)
    requested = _requested(ids, first, after)
    standings = targets.standings(Pairing.objects.filter(pk__any_of=ids), end)

    pairings = []
    for row in rows:
        pk = row["id"]
        named = names.get(pk, {"assisted": [], "county_id": None, "county": ""})
        standing = standings.get(pk)
        lines = standing.lines if standing is not None else []
        counted = mentorships.get(pk, Counter())
        mentorship_counts = {status: counted.get(status, 0) for status in STATUSES}
        money = ledger.get(pk, {})
        pairings.append({
            "id": pk,
            "title": pairing_title(row["helping_school__name"], named["assisted"], "、"),
            "helping": row["helping_school__name"],
            "assisted": named["assisted"],
            "county_id": named["county_id"],
            "county": named["county"],
            "programme_id": row["programme_id"],
            "programme": row["programme__name"],
            "status": row["status"],
            "held": activities.get(pk, {}).get("held", 0),
            "planned": activities.get(pk, {}).get("planned", 0),
            "secondment_days": days.get(pk, 0),
            "records": records.get(pk, 0),
            "requested": _money(requested.get(pk)),
            "paid": _money(money.get("paid")),
            "released": _money(money.get("released")),
            "paid_to_date": _money(money.get("paid_to_date")),
            "mentorships": mentorship_counts,
            "compliance": _share(
                mentorship_counts[progress.MET] + mentorship_counts[progress.ON_TRACK],
                sum(mentorship_counts.values()),
            ),
            "standing": standing.status if standing is not None else None,
            "targets_met": sum(line.status == progress.MET for line in lines),
            "targets_due": sum(line.status != progress.NOT_DUE for line in lines),
            "lagging": [_line(line) for line in lines if line.status in AT_RISK],
        })  # fmt: skip
    pairings.sort(key=lambda p: (p["county"], p["title"], p["id"]))

    counties: dict[int | None, dict] = {}
    total = _empty_total()
    for row in pairings:
        county = counties.setdefault(row["county_id"], {
            "id": row["county_id"], "name": row["county"], **_empty_total()})  # fmt: skip
        _add(county, row)
        _add(total, row)
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "pairings": pairings,
        "counties": sorted((_finish(c) for c in counties.values()), key=lambda c: c["name"]),
        "total": {**_finish(total), "counties": len(counties)},
    }
