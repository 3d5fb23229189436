"""The bureau dashboard's funding section: where the money stands in the user's scope,
by region as a chart, and how many requests wait for their decision."""

from __future__ import annotations

from django.utils.translation import gettext as _

from twinning import progress

from . import charts, selectors


def funding_overview(request) -> dict | None:
    waiting = selectors.approval_queue(request.user).count()

    def draw() -> dict:
        totals = selectors.totals_for(request.user)
        if not totals.allocated:
            return {"totals": totals, "chart": ""}
        rows = [{"name": r["region"], **r} for r in selectors.by_region(request.user)]
        title = _("Allocated, released and paid (10,000 yuan)")
        return {"totals": totals, "chart": charts.money_chart(rows, title)}

    found, as_of = progress.kept("dashboard-funding", request.user, [], draw)
    if not found["totals"].allocated and not waiting:
        return None
    return {"template": "funding/dashboard_section.html", **found, "waiting": waiting,
            "as_of": as_of}  # fmt: skip


def register_dashboard() -> None:
    from schools.home_views import register_dashboard_section

    register_dashboard_section(funding_overview)
