"""Reminders about activities (Celery beat runs :func:`send` daily; activities/tasks.py).

- The day before: the organiser and every participant with an account.
- Three days after its end, an activity still planned or postponed: the coordinators
  of the pairing's schools and the organiser ("log it or cancel it").

Each notification's key names the activity, the reason and (for the first) the day
it starts, and is unique per recipient in the database: a second run, or two workers
at once, send nothing more; an activity postponed to another day is announced again.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from schools.models import PairingMember
from twinning.models import Role, RoleAssignment, User
from twinning.services import in_language_of, notification_send

from .models import OPEN_STATUSES, Activity, Participation

OVERDUE_AFTER = dt.timedelta(days=3)


def _local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def send(now: dt.datetime | None = None) -> int:
    """Send what is due at ``now`` (default: now); returns how many notifications exist
    for it (sent now or before)."""
    now = now or timezone.now()
    return _tomorrow(now) + _overdue(now)


def _tomorrow(now: dt.datetime) -> int:
    tomorrow = timezone.localtime(now).date() + dt.timedelta(days=1)
    first, last = _local_day_bounds(tomorrow)
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
        key = f"activity:{activity.pk}:tomorrow:{tomorrow.isoformat()}"
        for user in people.values():
            if not user.is_active:
                continue
            with in_language_of(user):
                when = formats.time_format(timezone.localtime(activity.starts_at), "H:i")
                title = _("Tomorrow %(when)s: %(title)s") % {"when": when, "title": activity.title}
                body = _("At %(place)s (%(school)s).") % {
                    "place": activity.place or activity.online_link,
                    "school": activity.host_school.name,
                }
            notification_send(recipient=user, key=key, title=title, body=body,
                              url=activity.get_absolute_url())  # fmt: skip
            sent += 1
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


def _overdue(now: dt.datetime) -> int:
    activities = list(
        Activity.objects.filter(status__in=OPEN_STATUSES, ends_at__lt=now - OVERDUE_AFTER)
        .select_related("organiser")
        .order_by("ends_at")
    )
    coordinators = _coordinators({a.pairing_id for a in activities})
    sent = 0
    for activity in activities:
        people = {u.pk: u for u in coordinators.get(activity.pairing_id, [])}
        if activity.organiser.is_active:
            people[activity.organiser_id] = activity.organiser
        for user in people.values():
            with in_language_of(user):
                title = _("Log it or cancel it: %(title)s") % {"title": activity.title}
                body = _("It ended on %(day)s and is still planned. Log what happened with "
                         "its evidence, or cancel it with the reason.") % {
                    "day": timezone.localtime(activity.ends_at).date().isoformat()
                }  # fmt: skip
            notification_send(recipient=user, key=f"activity:{activity.pk}:log-it",
                              title=title, body=body, url=activity.get_absolute_url())  # fmt: skip
            sent += 1
    return sent
