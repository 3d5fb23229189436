"""A teacher's home: the activities they take part in over the next two weeks, and the
secondment they are on."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from teachers import selectors as teacher_selectors
from twinning import calendar

from .models import OPEN_STATUSES, Activity, Secondment

AHEAD = dt.timedelta(days=14)


def my_exchanges(request) -> dict | None:
    teacher = teacher_selectors.teacher_of_request(request)
    if teacher is None:
        return None
    now = timezone.now()
    upcoming = list(
        Activity.objects.filter(
            participations__teacher=teacher,
            status__in=OPEN_STATUSES,
            ends_at__gte=now,
            starts_at__lt=now + AHEAD,
        )  # fmt: skip
        .select_related("kind", "host_school")
        .order_by("starts_at")[:10]
    )
    today = calendar.today()
    secondment = (
        Secondment.objects.filter(
            teacher=teacher, cancelled_at__isnull=True, start__lte=today + AHEAD, end__gte=today
        )
        .select_related("host_school", "host_region")
        .order_by("start")
        .first()
    )
    if secondment is not None:
        secondment.served = secondment.days_served()
        secondment.planned = secondment.days_planned()
    return {
        "template": "activities/home_section.html",
        "teacher": teacher,
        "upcoming": upcoming,
        "secondment": secondment,
    }


def register() -> None:
    from schools.home_views import register_home_section

    register_home_section(my_exchanges)


def exchange_targets(request) -> dict | None:
    """The bureau dashboard: approved and active pairings by standing against their
    exchange targets, per county, as a chart (kept a minute, twinning.progress)."""
    from schools.selectors import pairing_list_visible_to
    from twinning import progress

    from . import targets

    def draw() -> dict:
        rows = targets.rollup(pairing_list_visible_to(request.user))
        title = _("Pairings by standing against their exchange targets, by county")
        return {"rows": rows, "chart": progress.standing_chart(rows[:20], title, "exchanges")}

    found, as_of = progress.kept("dashboard-exchange-targets", request.user, [], draw)
    if not found["rows"]:
        return None
    return {"template": "activities/dashboard_section.html", **found, "as_of": as_of}


def register_dashboard() -> None:
    from schools.home_views import register_dashboard_section

    register_dashboard_section(exchange_targets)
