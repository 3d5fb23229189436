"""The weekly reminder: mentors and mentees whose obligations are behind, or were missed
in the week that just ended, hear about it once a week, in the app and by email."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from twinning import calendar
from twinning.models import User
from twinning.notify.services import notify

from .. import compliance
from ..models import Mentorship, MentorshipStatus

LATE = (compliance.BEHIND, compliance.MISSED)


def week_key(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def _late_lines(active, on: dt.date) -> dict[int, list]:
    """Each mentorship's late lines: those of the periods running on ``on`` that are
    behind, and those of the periods that ended in the week before ``on``'s, missed. The
    reminder runs on Mondays, when a week's obligation has barely begun: last week's is
    the one that was missed (and a month's or a term's that ended in it)."""
    monday = on - dt.timedelta(days=on.weekday() + 7)  # the week before on's
    found: dict[int, dict] = {}
    for day in [*(monday + dt.timedelta(days=n) for n in range(7)), on]:
        for pk, standing in compliance.standings(active, day).items():
            for line in standing.lines:
                if line.status in LATE and (day == on or line.end < on):
                    # Keyed by period: the same line seen on several days is said once.
                    found.setdefault(pk, {})[line.rule, line.start, line.end] = line
    return {pk: list(lines.values()) for pk, lines in found.items()}


def mentorship_reminders_send(*, on: dt.date | None = None) -> int:
    """Remind everyone with a late obligation, one notification a person a week.

    The notification's key names the ISO week, and (recipient, key) is unique in the
    database: a second run in the same week, or two runs at once, send nothing more.
    Returns how many people were reminded by this run (none when run again).
    """
    on = on or calendar.today()
    active = Mentorship.objects.filter(status=MentorshipStatus.ACTIVE)
    late_lines = _late_lines(active, on)
    late: dict[User, list] = {}  # person → [(mentorship, line)]
    chosen = active.filter(id__in=late_lines).select_related("mentor__user", "mentee__user")
    for mentorship in chosen:
        for side, teacher in mentorship.sides:
            user = teacher.user
            if user is None or not user.is_active:
                continue
            lines = [line for line in late_lines[mentorship.pk] if line.rule.binds(side)]
            if lines:
                late.setdefault(user, []).extend((mentorship, line) for line in lines)
    key = week_key(on)
    sent = 0
    for user, items in late.items():

        def message(user, items=items):
            title = _("Your mentorship records are behind")
            body = "\n".join(
                _("%(pair)s: %(kind)s, %(done)s of %(required)s %(period)s (%(start)s – %(end)s)")
                % {
                    "pair": f"{m.mentor.name} → {m.mentee.name}", "kind": line.rule.kind_label,
                    "done": line.done, "required": line.required,
                    "period": line.rule.period_label, "start": line.start.strftime("%m-%d"),
                    "end": line.end.strftime("%m-%d"),
                }
                for m, line in items
            )  # fmt: skip
            return title, body

        sent += len(notify(kind="mentorship-behind", key=key, recipients=[user], message=message,
                           url=reverse("home"), personal=True))  # fmt: skip
    return sent


def mentorship_reminders_run(now: dt.datetime) -> int:
    """The catalogue's entry (teachers/notices.py): the reminder of ``now``'s school day."""
    return mentorship_reminders_send(on=timezone.localdate(now))
