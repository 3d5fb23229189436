"""The weekly reminder: mentors and mentees whose obligations of the current periods are
behind hear about it once a week, in the app and by email."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from twinning import calendar
from twinning.models import User
from twinning.services import in_language_of, notification_send

from .. import compliance
from ..models import Mentorship, MentorshipStatus

LATE = (compliance.BEHIND, compliance.MISSED)


def week_key(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"mentorship-behind:{year}-W{week:02d}"


def mentorship_reminders_send(*, on: dt.date | None = None) -> int:
    """Remind everyone with a late obligation, one notification a person a week.

    The notification's key names the ISO week, and (recipient, key) is unique in the
    database: a second run in the same week, or two runs at once, send nothing more.
    Returns how many people were reminded by this run (or would have been).
    """
    on = on or calendar.today()
    active = Mentorship.objects.filter(status=MentorshipStatus.ACTIVE)
    standings = compliance.standings(active, on)
    late: dict[User, list] = {}  # person → [(mentorship, line)]
    behind = [pk for pk, standing in standings.items() if standing.status in LATE]
    for mentorship in active.filter(id__in=behind).select_related("mentor__user", "mentee__user"):
        for side, teacher in mentorship.sides:
            user = teacher.user
            if user is None or not user.is_active:
                continue
            lines = [
                line for line in standings[mentorship.pk].lines
                if line.status in LATE and line.rule.binds(side)
            ]  # fmt: skip
            if lines:
                late.setdefault(user, []).extend((mentorship, line) for line in lines)
    key = week_key(on)
    for user, items in late.items():
        with in_language_of(user):
            title = _("Your mentorship records are behind")
            body = "\n".join(
                _("%(pair)s: %(kind)s, %(done)s of %(required)s %(period)s") % {
                    "pair": f"{m.mentor.name} → {m.mentee.name}", "kind": line.rule.kind_label,
                    "done": line.done, "required": line.required,
                    "period": line.rule.period_label,
                }
                for m, line in items
            )  # fmt: skip
        notification_send(recipient=user, key=key, title=title, body=body, url=reverse("home"))
    return len(late)
