"""The evaluation's sections of the landing pages: on the bureau dashboard, the
scorecards waiting for the user's inspection or finalisation and the region documents
last issued; on a coordinator's home
(my school), their school's scorecards waiting for its self-assessment or confirmation."""

from __future__ import annotations

from django.db.models import Count, Min, Q

from schools.models import PairingMember
from twinning import calendar

from . import selectors
from .models import DocumentStatus, ScorecardStatus

HOME_ROWS = 10


def evaluation_queues(request) -> dict | None:
    """How many scorecards wait for the user's inspection (inspectors) or finalisation
    (bureau), and the first due date of each: one aggregate query per role."""
    scope = request.scope
    found = {}
    if scope.is_admin or scope.inspector_region_ids:
        found["inspection"] = (
            selectors.inspection_queue(request.user)
            .order_by()
            .aggregate(count=Count("id"), first_due=Min("due_on"))
        )
    if scope.is_admin or scope.bureau_region_ids:
        found["finalisation"] = (
            selectors.finalisation_queue(request.user)
            .order_by()
            .aggregate(count=Count("id"), first_due=Min("due_on"))
        )
    if not any(queue["count"] for queue in found.values()):
        return None
    return {"template": "evaluation/dashboard_section.html", "today": calendar.today(), **found}


def scorecards_due(request) -> dict | None:
    """The scorecards that wait for the coordinator's school: the helping school's
    self-assessment, the assisted school's confirmation (one query)."""
    schools = request.scope.coordinator_school_ids
    if not schools:
        return None
    assisted = PairingMember.objects.filter(
        school_id__in=schools, role=PairingMember.Role.ASSISTED
    ).values("pairing_id")
    cards = list(
        selectors.scorecard_list_visible_to(request.user)
        .filter(
            Q(status=ScorecardStatus.OPEN, helping_school_id__in=schools)
            | Q(status=ScorecardStatus.CONFIRMING, pairing_id__in=assisted)
        )
        .select_related("programme", "helping_school")
        .order_by("due_on", "id")[:HOME_ROWS]
    )
    if not cards:
        return None
    for card in cards:
        card.to_self_assess = card.status == ScorecardStatus.OPEN
    return {"template": "evaluation/home_section.html", "cards": cards, "today": calendar.today()}


LATEST_DOCUMENTS = 5


def latest_documents(request) -> dict | None:
    """The region documents last issued in the user's scope (the monthly steering sheets,
    quarterly summaries, circulars and yearly evaluations the beat or the bureau had
    built), newest first: one query."""
    scope = request.scope
    if not (scope.is_admin or scope.read_region_ids):
        return None
    documents = list(
        selectors.document_list_visible_to(request.user)
        .filter(pairing=None, status=DocumentStatus.READY)
        .order_by("-built_at", "-id")[:LATEST_DOCUMENTS]
    )  # fmt: skip
    if not documents:
        return None
    return {"template": "evaluation/documents_section.html", "documents": documents}


def register() -> None:
    from schools.home_views import register_dashboard_section, register_home_section

    register_dashboard_section(evaluation_queues)
    register_dashboard_section(latest_documents)
    register_home_section(scorecards_due)
