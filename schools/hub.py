"""The pairing page is a hub of tabs, each its own URL.

Work that belongs to a pairing (mentorships, exchanges, funding, evaluation) adds a
tab here instead of making the page longer: the app registers a :class:`Tab` in its
``AppConfig.ready`` and renders a template that extends
``schools/pairing_hub.html``. This module imports no higher app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from twinning import access


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url_name: str  # takes the pairing's pk
    order: int
    # Whether ``request``'s user sees this tab of ``pairing`` (every reader, if None).
    visible: Callable | None = None


_TABS: dict[str, Tab] = {}


def register(tab: Tab) -> None:
    _TABS[tab.key] = tab


def tabs(request, pairing, active: str) -> list[dict]:
    """The tabs ``request``'s user sees on ``pairing``'s page, ``active`` marked."""
    return [
        {
            "key": tab.key,
            "label": tab.label,
            "url": reverse(tab.url_name, args=[pairing.pk]),
            "active": tab.key == active,
        }
        for tab in sorted(_TABS.values(), key=lambda tab: tab.order)
        if tab.visible is None or tab.visible(request, pairing)
    ]


def context(request, pairing, tab: str, **extra) -> dict:
    """What every tab of the pairing page shows above its own content."""
    from . import selectors, services  # this module is imported by the app's models' users

    school_ids, _regions = selectors.member_ids(pairing)
    can_edit = (
        access.can_edit_pairing(request.scope, pairing, school_ids)
        and pairing.status not in services.CLOSED_STATUSES
    )
    shown = tabs(request, pairing, tab)
    return {
        "pairing": pairing,
        "can_edit": can_edit,
        "tabs": shown,
        "active_tab": next(t for t in shown if t["active"]),
        **extra,
    }


register(Tab("overview", _("Overview"), "schools:pairing_detail", 10))
register(Tab("plan", _("Needs and plan"), "schools:pairing_plan", 20))
register(Tab("history", _("History"), "schools:pairing_history", 90))
