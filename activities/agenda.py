"""The calendar of exchanges: a month and a week of the activities in a user's scope, and
their private iCalendar feed.

A province's month holds thousands of activities, so a day shows its first few and how
many more there are (two aggregate queries for the whole month, whatever its size);
the list page, filtered to that day, has the rest.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber, TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from twinning.services import in_language_of

from . import selectors
from .models import Activity, ActivityStatus, CalendarFeed

PER_DAY = 3  # in the month; the week shows more
PER_DAY_IN_WEEK = 20
FEED_PAST = dt.timedelta(days=60)
FEED_AHEAD = dt.timedelta(days=240)
FEED_LIMIT = 1000


@dataclass
class Day:
    date: dt.date
    in_period: bool = True
    items: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.items)

    @property
    def is_today(self) -> bool:
        return self.date == timezone.localdate()


def _bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    return start, end


def _fill(days: dict[dt.date, Day], activities: QuerySet[Activity], per_day: int) -> None:
    """Each day's count and its first ``per_day`` activities, by start (three queries)."""
    first, last = min(days), max(days)
    start, end = _bounds(first, last)
    in_range = activities.filter(starts_at__gte=start, starts_at__lt=end)
    counts = in_range.annotate(day=TruncDate("starts_at")).order_by().values("day")
    # COUNT(*), not COUNT(id): the (region, starts_at) index alone answers it.
    for row in counts.annotate(n=Count("*")):
        days[row["day"]].total = row["n"]
    busy = [day for day, entry in sorted(days.items()) if entry.total]
    for activity in _first_of_each_day(activities, busy, per_day):
        days[timezone.localdate(activity.starts_at)].items.append(activity)


def _first_of_each_day(activities: QuerySet[Activity], busy: list[dt.date], per_day: int):
    """The first ``per_day`` activities of each of the ``busy`` days: their ids in one
    query, then the activities (with kind and host school) in another."""
    if not busy:
        return []
    ids = _first_ids(activities, busy, per_day)
    return list(activities.filter(pk__in=ids).order_by("starts_at", "id"))


def _first_ids(activities: QuerySet[Activity], busy: list[dt.date], per_day: int) -> list[int]:
    """On PostgreSQL, a union of one small ordered query a day, each read from the
    start-time index (a window function over the whole range would sort a province's
    month of activities first). The day's query is compiled once by the ORM, with two
    stand-in bounds, and repeated with each day's bounds: compiling forty-two querysets
    cost more than running them. Elsewhere (SQLite) the window function."""
    if connection.vendor == "postgresql":
        low = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
        high = dt.datetime(1900, 1, 2, tzinfo=dt.UTC)
        one_day = (
            activities.filter(starts_at__gte=low, starts_at__lt=high)
            .order_by("starts_at", "id")
            .values("id")[:per_day]
        )
        sql, params = one_day.query.sql_with_params()
        slots = {i: p for i, p in enumerate(params) if p in (low, high)}
        if sorted(slots.values()) == [low, high]:
            parts, all_params = [], []
            for day in busy:
                start, end = _bounds(day, day)
                bounds = {low: start, high: end}
                parts.append(f"({sql})")
                all_params += [bounds[p] if i in slots else p for i, p in enumerate(params)]
            with connection.cursor() as cursor:
                cursor.execute(" UNION ALL ".join(parts), all_params)
                return [row[0] for row in cursor.fetchall()]
    start, end = _bounds(busy[0], busy[-1])
    ranked = (
        activities.filter(starts_at__gte=start, starts_at__lt=end)
        .annotate(
            day=TruncDate("starts_at"),
            rank=Window(RowNumber(), partition_by=F("day"), order_by=[F("starts_at"), F("id")]),
        )
        .filter(rank__lte=per_day)
        .values_list("id", flat=True)
    )
    return list(ranked)


def month(year: int, number: int, activities: QuerySet[Activity]) -> list[list[Day]]:
    """The weeks (Monday first) of a month, each day with its activities; days of the
    weeks that belong to the months around it are marked ``in_period=False``.

    A month's cell shows an activity's time, title and status, and the phone's agenda
    (:func:`busy_days`) its end and place too, so only those are read (a province's
    month builds some 130 activities; their kinds and host schools cost more than the
    rest of the page's queries). ``status`` stays in: the state machine reads it as each
    activity is built, and a deferred one is a query each; so would be a deferred field
    that the page reads."""
    weeks = _calendar.Calendar(firstweekday=0).monthdatescalendar(year, number)
    days = {d: Day(d, in_period=d.month == number) for week in weeks for d in week}
    lean = activities.select_related(None).only(
        "id", "title", "starts_at", "ends_at", "place", "status"
    )
    _fill(days, lean, PER_DAY)
    return [[days[d] for d in week] for week in weeks]


def busy_days(weeks: list[list[Day]]) -> list[Day]:
    """The days of the month (not of the weeks around it) that have activities, in
    order: the month as an agenda on a phone, built from the grid's days (no query)."""
    return [day for week in weeks for day in week if day.in_period and day.total]


def week(monday: dt.date, activities: QuerySet[Activity]) -> list[Day]:
    days = {monday + dt.timedelta(n): Day(monday + dt.timedelta(n)) for n in range(7)}
    _fill(days, activities, PER_DAY_IN_WEEK)
    return list(days.values())


# --- the private feed ---------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_make(*, actor) -> str:
    """A new secret for ``actor``'s feed, replacing (so revoking) any earlier one; the
    secret itself is returned once and only its hash is kept."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        user=actor, defaults={"token_hash": _hash(token), "last_read_at": None}
    )
    return token


def feed_revoke(*, actor) -> None:
    CalendarFeed.objects.filter(user=actor).delete()


def feed_user(token: str):
    """The active user whose feed ``token`` opens, else 404 (a revoked or unknown one)."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=_hash(token), user__is_active=True)
        .first()
    )
    if feed is None:
        raise Http404
    CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=timezone.now())
    return feed.user


STATUS = {
    ActivityStatus.PLANNED: "CONFIRMED",
    ActivityStatus.COMPLETED: "CONFIRMED",
    ActivityStatus.POSTPONED: "CONFIRMED",
    ActivityStatus.CANCELLED: "CANCELLED",
}


def feed_ics(user, site_url: str | None = None) -> bytes:
    """The user's activities from two months back to eight ahead, in their language, as
    an iCalendar file: at most :data:`FEED_LIMIT`, the coming ones first (what a phone's
    calendar is for), then the most recent past ones."""
    site = (site_url or settings.SITE_URL).rstrip("/")
    host = site.split("://", 1)[-1]
    now = timezone.now()
    visible = selectors.activity_list_visible_to(user)
    coming = list(
        visible.filter(starts_at__gte=now, starts_at__lt=now + FEED_AHEAD).order_by(
            "starts_at", "id"
        )[:FEED_LIMIT]
    )
    past = visible.filter(starts_at__gte=now - FEED_PAST, starts_at__lt=now)
    recent = list(past.order_by("-starts_at", "-id")[: FEED_LIMIT - len(coming)])
    activities = [*reversed(recent), *coming]
    with in_language_of(user):
        cal = Calendar()
        cal.add("prodid", "-//twinning//activities//ZH")
        cal.add("version", "2.0")
        cal.add("x-wr-calname", _("Exchanges"))
        cal.add("x-wr-timezone", settings.TIME_ZONE)
        for activity in activities:
            event = Event()
            event.add("uid", f"activity-{activity.pk}@{host}")
            event.add("dtstamp", now)
            event.add("dtstart", activity.starts_at)
            event.add("dtend", activity.ends_at)
            event.add("last-modified", activity.updated_at)
            event.add("summary", activity.title)
            event.add("location", activity.place or activity.online_link or "")
            event.add("status", STATUS[activity.status])
            event.add(
                "description",
                f"{activity.kind.name} · {activity.host_school.name} · "
                f"{activity.get_status_display()}",
            )
            event.add("url", f"{site}{activity.get_absolute_url()}")
            cal.add_component(event)
    return cal.to_ical()
