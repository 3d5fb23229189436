"""The landing pages of each role: home redirect, bureau dashboard, coordinator home.

They live in the schools app because they show pairings; the core app knows no
higher app. Views are thin: they parse the request, call a selector, and render.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from twinning.access import Scope

from . import selectors
from .models import PairingStatus

# Sections higher apps add to a teacher's home (the teachers app: their mentorships and
# obligations). Each is a callable(request) -> a dict with a "template" to include, or
# None to show nothing; this app imports none of them.
HOME_SECTIONS: list = []


def register_home_section(section) -> None:
    if section not in HOME_SECTIONS:
        HOME_SECTIONS.append(section)


def home_sections(request) -> list[dict]:
    return [found for found in (section(request) for section in HOME_SECTIONS) if found]


# Sections higher apps add to the bureau dashboard (activities: exchange targets by
# county), on the same terms as HOME_SECTIONS.
DASHBOARD_SECTIONS: list = []


def register_dashboard_section(section) -> None:
    if section not in DASHBOARD_SECTIONS:
        DASHBOARD_SECTIONS.append(section)


# The dashboard lists this many proposals; the rest are one click away on the pairing list.
APPROVAL_QUEUE_LIMIT = 50


def _sees_dashboard(scope: Scope) -> bool:
    return scope.is_admin or bool(scope.read_region_ids)


@login_required
@require_safe
def home(request):
    """Send each user to the page of their main role."""
    scope = request.scope
    if _sees_dashboard(scope):
        return redirect("dashboard")
    if scope.coordinator_school_ids:
        return redirect("my_school")
    if scope.teacher_school_ids:
        pairings = selectors.PairingRows(
            selectors.pairing_list_visible_to(request.user)
            .filter(members__school_id__in=scope.teacher_school_ids)
            .distinct()
        )[:]
        schools = selectors.school_list_visible_to(request.user).filter(
            id__in=scope.teacher_school_ids
        )
        return render(
            request,
            "schools/teacher_home.html",
            {"pairings": pairings, "schools": schools, "sections": home_sections(request)},
        )
    return render(request, "schools/no_role.html")


@login_required
@require_safe
def dashboard(request):
    """Bureau staff, inspectors and administrators: pairings by status and the approval queue."""
    scope = request.scope
    if not _sees_dashboard(scope):
        raise PermissionDenied(_("The dashboard is for bureau staff and inspectors."))
    counts = selectors.pairing_status_counts(request.user)
    statuses = PairingStatus.choices
    by_programme = [
        {**entry, "cells": [entry["counts"].get(value, 0) for value, _label in statuses]}
        for entry in counts["by_programme"]
    ]
    queue = None
    queue_more = False
    split = None
    if scope.is_admin or scope.bureau_region_ids:
        rows = selectors.PairingRows(selectors.pairing_approval_queue(request.user))[
            : APPROVAL_QUEUE_LIMIT + 1
        ]
        queue_more = len(rows) > APPROVAL_QUEUE_LIMIT
        warn_days = settings.APPROVAL_WAITING_WARN_DAYS
        queue = []
        split = selectors.pairing_proposals_split(request.user)
        for row in rows[:APPROVAL_QUEUE_LIMIT]:
            days = selectors.waiting_days(row["proposed_at"])
            queue.append({"pairing": row, "days": days, "overdue": days > warn_days})
    return render(
        request,
        "schools/dashboard.html",
        {
            "counts": counts,
            "statuses": statuses,
            "by_programme": by_programme,
            "queue": queue,
            "queue_more": queue_more,
            "split": split,
            "warn_days": settings.APPROVAL_WAITING_WARN_DAYS,
            "sections": [found for found in (s(request) for s in DASHBOARD_SECTIONS) if found],
        },
    )


@login_required
@require_safe
def my_school(request):
    """A coordinator's home: each school they coordinate, with its pairings, and the home
    sections of higher apps (what waits for the school; a coordinator who also teaches,
    their mentorships)."""
    school_ids = request.scope.coordinator_school_ids
    if not school_ids:
        raise PermissionDenied(_("This page is for school coordinators."))
    schools = list(selectors.school_list_visible_to(request.user).filter(id__in=school_ids))
    pairings = list(
        selectors.pairing_list_visible_to(request.user)
        .filter(members__school_id__in=school_ids)
        .distinct()
    )
    entries = []
    for school in schools:
        rows = []
        for pairing in pairings:
            members = list(pairing.members.all())
            mine = [m for m in members if m.school_id == school.pk]
            if mine:
                partners = [m.school for m in members if m.school_id != school.pk]
                rows.append({"pairing": pairing, "role": mine[0], "partners": partners})
        entries.append({"school": school, "pairings": rows})
    return render(
        request,
        "schools/my_school.html",
        {"entries": entries, "sections": home_sections(request)},
    )
