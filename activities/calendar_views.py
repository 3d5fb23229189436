"""The calendar pages: a month and a week of the exchanges in the user's scope, and the
private calendar feed (its page and the feed itself)."""

from __future__ import annotations

import datetime as dt

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from teachers import selectors as teacher_selectors
from twinning import calendar

from . import agenda, selectors
from .models import CalendarFeed, Participation


def _activities(request):
    """The activities the calendar shows: the user's scope, or with ``?mine=1`` those
    they organise or take part in; ``?pairing=`` narrows to one pairing."""
    activities = selectors.activity_list_visible_to(request.user)
    if request.GET.get("mine") == "1":
        teacher = teacher_selectors.teacher_of_request(request)
        mine = Q(organiser=request.user)
        if teacher is not None:
            # A subquery, not a join: an activity with several participants stays one row.
            joined = Participation.objects.filter(teacher=teacher).values("activity_id")
            mine |= Q(pk__in=joined)
        activities = activities.filter(mine)
    pairing = request.GET.get("pairing", "")
    if pairing.isdigit() and len(pairing) < 12:
        activities = activities.filter(pairing_id=int(pairing))
    return activities


def _month_of(value: str) -> tuple[int, int]:
    try:
        day = dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        day = calendar.today()
    if not 2000 <= day.year <= 2100:
        day = calendar.today()
    return day.year, day.month


@login_required
@require_safe
def calendar_month(request):
    year, number = _month_of(request.GET.get("month", ""))
    first = dt.date(year, number, 1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=31)).replace(day=1)
    weeks = agenda.month(year, number, _activities(request))
    return render(
        request,
        "activities/calendar_month.html",
        {
            "weeks": weeks,
            "busy_days": agenda.busy_days(weeks),
            "first": first,
            "previous": previous,
            "following": following,
            "mine": request.GET.get("mine") == "1",
            "pairing": request.GET.get("pairing", ""),
        },
    )


@login_required
@require_safe
def calendar_week(request):
    try:
        day = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = calendar.today()
    if not 2000 <= day.year <= 2100:
        day = calendar.today()
    monday = calendar.week_bounds(day)[0]
    secondments = (
        selectors.secondment_list_visible_to(request.user)
        .filter(
            cancelled_at__isnull=True, start__lte=monday + dt.timedelta(days=6), end__gte=monday
        )  # fmt: skip
        .order_by("start", "id")
    )
    return render(
        request,
        "activities/calendar_week.html",
        {
            "days": agenda.week(monday, _activities(request)),
            "monday": monday,
            "sunday": monday + dt.timedelta(days=6),
            "previous": monday - dt.timedelta(days=7),
            "following": monday + dt.timedelta(days=7),
            "secondments": list(secondments[:20]),
            "mine": request.GET.get("mine") == "1",
            "pairing": request.GET.get("pairing", ""),
        },
    )


# --- the private feed ---------------------------------------------------------------------


def _qr_svg(url: str) -> str:
    """``url`` as a QR code in inline SVG, for a phone's camera: drawn with attributes
    only (segno writes no style attribute or element, which the pages' policy would
    refuse), sized by CSS through its viewBox, and named for screen readers."""
    svg = segno.make_qr(url, error="m").svg_inline(
        omitsize=True,
        svgclass="feed-qr",
        lineclass=None,
        light="#fff",  # the light margin scanners need, whatever the page behind it
        title=_("QR code of your calendar address"),
    )
    # segno escapes the title but has no option for other attributes of the <svg>.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))


def _feed_page(request, token: str | None = None, status: int = 200):
    feed = CalendarFeed.objects.filter(user=request.user).first()
    context = {"feed": feed, "url": ""}
    if token:
        url = request.build_absolute_uri(reverse("activities:calendar_feed_ics", args=[token]))
        context.update(
            url=url,
            # Calendar apps (Apple's, Outlook) open webcal:// as "subscribe to this".
            webcal="webcal://" + url.split("://", 1)[1],
            qr=_qr_svg(url),
        )
    return render(request, "activities/calendar_feed.html", context, status=status)


@login_required
@require_safe
def calendar_feed(request):
    return _feed_page(request)


@login_required
@require_POST
def calendar_feed_make(request):
    token = agenda.feed_make(actor=request.user)
    messages.success(
        request, _("Your calendar address is ready. Copy it now: it is shown only once.")
    )
    return _feed_page(request, token)


@login_required
@require_POST
def calendar_feed_revoke(request):
    agenda.feed_revoke(actor=request.user)
    messages.success(request, _("The calendar address no longer works."))
    return redirect("activities:calendar_feed")


@require_safe
def calendar_feed_ics(request, token: str):
    """The feed itself, for calendar apps: the secret in the URL is the only credential."""
    user = agenda.feed_user(token)
    body = agenda.feed_ics(user, site_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="exchanges.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
