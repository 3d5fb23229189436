"""The pairing page is a hub of tabs, each its own URL; so is the programme page.

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


def _shown(registry: dict[str, Tab], request, obj, active: str) -> list[dict]:
    return [
        {
            "key": tab.key,
            "label": tab.label,
            "url": reverse(tab.url_name, args=[obj.pk]),
            "active": tab.key == active,
        }
        for tab in sorted(registry.values(), key=lambda tab: tab.order)
        if tab.visible is None or tab.visible(request, obj)
    ]


def tabs(request, pairing, active: str) -> list[dict]:
    """The tabs ``request``'s user sees on ``pairing``'s page, ``active`` marked."""
    return _shown(_TABS, request, pairing, active)


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


# --- the programme page: the same, for a programme's own settings --------------------------

_PROGRAMME_TABS: dict[str, Tab] = {}


def register_programme_tab(tab: Tab) -> None:
    """A programme's rules kept by a higher app (its exchange targets, its mentorship
    rules) are a tab of the programme's page; ``url_name`` takes the programme's pk."""
    _PROGRAMME_TABS[tab.key] = tab


def programme_context(request, programme, tab: str, **extra) -> dict:
    """What every tab of the programme page shows above its own content."""
    shown = _shown(_PROGRAMME_TABS, request, programme, tab)
    return {
        "programme": programme,
        "can_edit": access.can_manage_programme(request.scope, programme),
        "tabs": shown,
        "active_tab": next(t for t in shown if t["active"]),
        **extra,
    }


register_programme_tab(Tab("overview", _("Overview"), "schools:programme_detail", 10))
