"""The catalogue of reminders: each is a key, the kind of notification it sends, who
receives it, when it runs and the period it is counted in. Apps register theirs in
``AppConfig.ready()`` (their ``notices`` module); settings.REMINDER_SCHEDULES gives each
its beat entry (a check says when the two disagree), and the administrators' page of
reminders lists them with their last run.

A reminder's function takes the moment it runs for and answers how many notifications it
wrote. It sends through :func:`twinning.notify.services.notify` with a key naming the
object and the period, so each is sent at most once per recipient, object, reason and
period by the database, however often or concurrently it runs.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.db.models import Max
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from twinning import calendar
from twinning.models import ReminderRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reminder:
    key: str
    kind: str  # the notification kind it sends (twinning/notify/kinds.py)
    label: str
    recipients: str  # who receives it, in words
    period: str  # what it is counted in, in words: "once per activity", "once a week"
    function: str  # dotted path of ``f(now: datetime) -> int``
    order: int = 100

    def run(self, now: dt.datetime) -> int:
        function: Callable[[dt.datetime], int] = import_string(self.function)
        return function(now)


_REMINDERS: dict[str, Reminder] = {}


def register(*reminders: Reminder) -> None:
    for reminder in reminders:
        _REMINDERS[reminder.key] = reminder


def get(key: str) -> Reminder:
    return _REMINDERS[key]


def every() -> list[Reminder]:
    return sorted(_REMINDERS.values(), key=lambda r: (r.order, r.key))


def run(key: str, *, now: dt.datetime | None = None) -> ReminderRun:
    """Run reminder ``key`` for ``now`` and record the run (its count, or its error)."""
    reminder = get(key)
    record = ReminderRun.objects.create(reminder=key)
    try:
        # By default the school calendar's today (the one helper of dates) at this time.
        moment = now or timezone.make_aware(
            dt.datetime.combine(calendar.today(), timezone.localtime().time())
        )
        record.sent = reminder.run(moment)
    except Exception as error:
        record.error = f"{error.__class__.__name__}: {error}"[:2000]
        record.finished_at = timezone.now()
        record.save(update_fields=["error", "finished_at"])
        raise
    record.finished_at = timezone.now()
    record.save(update_fields=["sent", "finished_at"])
    return record


def schedule_of(key: str):
    return settings.REMINDER_SCHEDULES.get(key)


def describe(schedule) -> str:
    """A crontab in words: "daily at 16:00", "Mondays at 08:00", "every 10 minutes"."""
    if schedule is None:
        return _("not scheduled")
    minute, hour = str(schedule._orig_minute), str(schedule._orig_hour)
    weekday = str(schedule._orig_day_of_week)
    if not (minute.isdigit() and hour.isdigit()):
        return str(schedule)
    at = f"{int(hour):02d}:{int(minute):02d}"
    if weekday in ("*", "0-6", "1-7"):
        return _("daily at %(time)s") % {"time": at}
    if weekday in ("mon-fri", "1-5"):
        return _("working days at %(time)s") % {"time": at}
    names = {"mon": _("Mondays"), "1": _("Mondays"), "tue": _("Tuesdays"), "2": _("Tuesdays"),
             "wed": _("Wednesdays"), "3": _("Wednesdays"), "thu": _("Thursdays"),
             "4": _("Thursdays"), "fri": _("Fridays"), "5": _("Fridays")}  # fmt: skip
    return _("%(days)s at %(time)s") % {"days": names.get(weekday, weekday), "time": at}


@dataclass(frozen=True)
class Row:
    reminder: Reminder
    schedule: str
    last: ReminderRun | None


def catalogue() -> list[Row]:
    """Every reminder with its schedule in words and its last run (one query)."""
    keys = [r.key for r in every()]
    last_ids = (
        ReminderRun.objects.filter(reminder__in=keys).values("reminder").annotate(last=Max("id"))
        .values("last")
    )  # fmt: skip
    last = {run.reminder: run for run in ReminderRun.objects.filter(id__in=last_ids)}
    return [Row(r, describe(schedule_of(r.key)), last.get(r.key)) for r in every()]


@checks.register()
def every_reminder_is_scheduled(app_configs=None, **kwargs):
    """The catalogue and settings.REMINDER_SCHEDULES name the same reminders."""
    registered, scheduled = set(_REMINDERS), set(settings.REMINDER_SCHEDULES)
    errors = [
        checks.Error(f"Reminder {key!r} has no time in settings.REMINDER_SCHEDULES.",
                     id="twinning.E101")
        for key in sorted(registered - scheduled)
    ] + [
        checks.Error(f"settings.REMINDER_SCHEDULES names {key!r}, which no app registers.",
                     id="twinning.E102")
        for key in sorted(scheduled - registered)
    ]  # fmt: skip
    return errors
