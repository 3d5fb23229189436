"""Reminders about exchanges, three of the catalogue (activities/notices.py):

- :func:`tomorrow`, the day before: the organiser and every participant with an account.
- :func:`not_logged`, three days after its end, an activity still planned or postponed:
  the coordinators of the pairing's schools and the organiser ("log it or cancel it").
- :func:`secondment_unconfirmed`, a secondment ending within three days or ended, its
  days not confirmed: the coordinators of the home and the host school.

Each notification's key names the activity or secondment (and, for the first, the day
it starts) and is unique per recipient and kind in the database: a second run, or two
workers at once, send nothing more; an activity postponed to another day is announced
again.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from schools.models import PairingMember
from schools.reminders import school_coordinators
from twinning.models import Role, RoleAssignment, User
from twinning.notify.services import notify

from .models import OPEN_STATUSES, Activity, Participation, Secondment

OVERDUE_AFTER = dt.timedelta(days=3)


def _local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def tomorrow(now: dt.datetime) -> int:
    """Tell the people of tomorrow's activities; how many notifications it wrote."""
    day = timezone.localtime(now).date() + dt.timedelta(days=1)
    first, last = _local_day_bounds(day)
    activities = (
        Activity.objects.filter(status__in=OPEN_STATUSES, starts_at__gte=first, starts_at__lt=last)
        .select_related("organiser", "host_school")
        .prefetch_related(
            Prefetch(
                "participations",
                queryset=Participation.objects.select_related("teacher__user"),
            )
        )
    )
    sent = 0
    for activity in activities:
        people = {activity.organiser_id: activity.organiser}
        for participation in activity.participations.all():
            user = participation.teacher.user
            if user is not None:
                people[user.pk] = user

        def message(user, activity=activity):
            when = formats.time_format(timezone.localtime(activity.starts_at), "H:i")
            title = _("Tomorrow %(when)s: %(title)s") % {"when": when, "title": activity.title}
            body = _("At %(place)s (%(school)s).") % {
                "place": activity.place or activity.online_link,
                "school": activity.host_school.name,
            }
            return title, body

        sent += len(notify(kind="activity-tomorrow", key=f"activity:{activity.pk}:{day}",
                           recipients=people.values(), message=message,
                           url=activity.get_absolute_url()))  # fmt: skip
    return sent


def _coordinators(pairing_ids) -> dict[int, list[User]]:
    """The active coordinators of each pairing's schools (two queries for all)."""
    schools: dict[int, set[int]] = {}
    for pairing_id, school_id in PairingMember.objects.filter(
        pairing_id__in=pairing_ids
    ).values_list("pairing_id", "school_id"):
        schools.setdefault(school_id, set()).add(pairing_id)
    found: dict[int, list[User]] = {}
    for assignment in RoleAssignment.objects.filter(
        role=Role.COORDINATOR, school_id__in=schools, user__is_active=True
    ).select_related("user"):
        for pairing_id in schools[assignment.school_id]:
            found.setdefault(pairing_id, []).append(assignment.user)
    return found


def not_logged(now: dt.datetime) -> int:
    """Ask for the log of activities ended three days ago and still open."""
    activities = list(
        Activity.objects.filter(status__in=OPEN_STATUSES, ends_at__lt=now - OVERDUE_AFTER)
        .select_related("organiser")
        .order_by("ends_at")
    )
    coordinators = _coordinators({a.pairing_id for a in activities})
    sent = 0
    for activity in activities:
        people = {u.pk: u for u in coordinators.get(activity.pairing_id, [])}
        people[activity.organiser_id] = activity.organiser

        def message(user, activity=activity):
            title = _("Log it or cancel it: %(title)s") % {"title": activity.title}
            body = _("It ended on %(day)s and is still planned. Log what happened with "
                     "its evidence, or cancel it with the reason.") % {
                "day": timezone.localtime(activity.ends_at).date().isoformat()
            }  # fmt: skip
            return title, body

        sent += len(notify(kind="activity-not-logged", key=f"activity:{activity.pk}",
                           recipients=people.values(), message=message,
                           url=activity.get_absolute_url()))  # fmt: skip
    return sent


# --- secondments -------------------------------------------------------------------------------

SECONDMENT_ENDING = dt.timedelta(days=3)
# A secondment that ended longer ago than this is past asking about: without the bound the
# first run would ask about every secondment of past years.
SECONDMENT_ASKED_UNTIL = dt.timedelta(days=30)


def secondment_unconfirmed(now: dt.datetime) -> int:
    """Ask the coordinators of the home and the host school to confirm the days of each
    secondment that ends within three days or has ended (in the last 30 days), is not
    cancelled and whose days served are not confirmed; how many notifications it wrote.
    Once per secondment.

    Confirmed means ``days_confirmed_at`` is set: the host school's coordinators or the
    pairing's bureau confirmed the working days served
    (:func:`activities.services.secondment_confirm_days`, open from three days before the
    last day). A later change of the dates clears the confirmation.
    """
    today = timezone.localdate(now)
    secondments = list(
        Secondment.objects.filter(
            cancelled_at__isnull=True, end__lte=today + SECONDMENT_ENDING,
            end__gte=today - SECONDMENT_ASKED_UNTIL, days_confirmed_at__isnull=True,
        )
        .select_related("teacher", "home_school", "host_school", "host_region")
        .order_by("end", "id")
    )  # fmt: skip
    coordinators = school_coordinators(
        {s.home_school_id for s in secondments} | {s.host_school_id for s in secondments}
    )
    sent = 0
    for secondment in secondments:
        people = {u.pk: u for school_id in (secondment.home_school_id, secondment.host_school_id)
                  for u in coordinators.get(school_id, [])}  # fmt: skip
        served = secondment.days_served(min(today, secondment.end))
        planned = secondment.days_planned()

        def message(user, secondment=secondment, served=served, planned=planned):
            names = {"person": secondment.teacher.name, "school": secondment.host_school.name,
                     "start": secondment.start.isoformat(), "end": secondment.end.isoformat(),
                     "served": served, "planned": planned}  # fmt: skip
            title = _("Confirm the days of %(person)s's secondment at %(school)s") % names
            body = _("The secondment runs from %(start)s to %(end)s: %(served)s of %(planned)s "
                     "working days served so far. If it ends on another day, change its last "
                     "day; if it did not take place, cancel it.") % names  # fmt: skip
            return title, body

        sent += len(notify(kind="secondment-unconfirmed", key=f"secondment:{secondment.pk}",
                           recipients=people.values(), message=message,
                           url=secondment.get_absolute_url()))  # fmt: skip
    return sent
