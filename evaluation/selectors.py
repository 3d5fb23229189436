"""Scoped reads of the evaluation app.

A scorecard is read by the bureau and inspectors of its programme's region and of its
member schools' regions, and by the coordinators of its schools; not by teachers, and
by nobody else (404). Scorecards carry their pairing's region and helping school, so a
bureau's list is one indexed filter; the pairings of a coordinator's schools and those
reaching into a user's regions from outside are resolved as ids first. Templates are
read by bureau staff and inspectors: the default ones, and those of the programmes they
read.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Min, Prefetch, Q, QuerySet, Sum

from schools.models import Pairing, PairingMember
from schools.selectors import member_ids
from twinning import access
from twinning.access import resolve_scope
from twinning.db import get_or_404

from . import metrics, scoring, services
from .models import (
    Area,
    Grade,
    Indicator,
    IndicatorScore,
    Scorecard,
    ScorecardEvent,
    ScorecardStatus,
    ScoreEvidence,
    Template,
)


def _condition(scope) -> Q | None:
    """Which scorecards ``scope`` reads (None: all)."""
    if scope.is_admin:
        return None
    condition = Q(pk__in=[])
    if scope.read_region_ids:
        regions = list(scope.read_region_ids)
        condition |= Q(region_id__any_of=regions) | Q(pairing_id__in=PairingMember.objects.filter(
            region_id__any_of=regions).values("pairing_id"))  # fmt: skip
    if scope.coordinator_school_ids:
        condition |= Q(pairing_id__in=PairingMember.objects.filter(
            school_id__any_of=list(scope.coordinator_school_ids)).values("pairing_id"))  # fmt: skip
    return condition


def _visible(found: QuerySet, user) -> QuerySet:
    """The rows of ``found`` (scorecards, or anything else filed under a pairing's region
    and its pairing) that ``user`` reads by the scorecards' rule."""
    condition = _condition(resolve_scope(user))
    return found if condition is None else found.filter(condition)


def scorecard_list_visible_to(user) -> QuerySet[Scorecard]:
    return _visible(Scorecard.objects.all(), user)


def reads_scorecards(user) -> bool:
    """Holds a role that reads scorecards at all (the menu)."""
    scope = resolve_scope(user)
    return scope.is_admin or bool(scope.read_region_ids or scope.coordinator_school_ids)


def scorecard_get_for_user(user, pk) -> Scorecard:
    card = get_or_404(
        scorecard_list_visible_to(user).select_related(
            "pairing__region", "pairing__helping_school", "pairing__programme", "template",
            "finalised_by",
        ),
        pk,
    )  # fmt: skip
    # The card's region, programme and helping school are its pairing's, copied for scoped
    # lists: taken from the pairing rather than joined again (each join costs the planner).
    _share_pairing(card)
    return card


def _share_pairing(card: Scorecard) -> None:
    pairing = card.pairing
    if card.region_id == pairing.region_id:
        card.region = pairing.region
    if card.programme_id == pairing.programme_id:
        card.programme = pairing.programme
    if card.helping_school_id == pairing.helping_school_id:
        card.helping_school = pairing.helping_school


def can_read_evaluation(user, pairing: Pairing) -> bool:
    """Whether ``user`` reads ``pairing``'s scorecards (the hub's tab)."""
    school_ids, region_ids = member_ids(pairing)
    return access.can_read_scorecard(resolve_scope(user), pairing, school_ids, region_ids)


def evidence_get_for_user(user, pk) -> ScoreEvidence:
    return get_or_404(
        ScoreEvidence.objects.filter(scorecard__in=scorecard_list_visible_to(user)).select_related(
            "scorecard"
        ),
        pk,
    )


# --- what a user may do -----------------------------------------


def actions(user, card: Scorecard) -> dict[str, bool]:
    """Which steps ``user`` may take on ``card`` now (the buttons)."""
    scope = resolve_scope(user)
    members = list(PairingMember.objects.filter(pairing_id=card.pairing_id))
    assisted = {m.school_id for m in members if m.role == PairingMember.Role.ASSISTED}
    regions = {m.region_id for m in members}
    status = card.status
    helping = access.can_self_assess(scope, card.helping_school_id)
    inspector = access.can_inspect(scope, card.pairing, regions)
    bureau = access.is_pairing_bureau(scope, card.pairing)
    confirm = status == ScorecardStatus.CONFIRMING and bool(
        services.confirmations_due(card, members)
        & (assisted if scope.is_admin else scope.coordinator_school_ids)
    )
    return {
        "self_assess": helping and status == ScorecardStatus.OPEN,
        "confirm": confirm,
        "inspect": inspector and status == ScorecardStatus.SUBMITTED,
        "finalise": status == ScorecardStatus.INSPECTED and access.can_finalise_scorecard(
            scope, card.pairing, services.inspector_ids(card), user.pk),
        "bureau": bureau,
        "reopen": bureau and status == ScorecardStatus.FINALISED,
    }  # fmt: skip


# --- one scorecard -----------------------------------------


def scorecard_detail(card: Scorecard) -> dict:
    """A scorecard's indicators by area, each with its score, points, evidence and, for an
    automatic one, how its value came about and a link to the records behind it; the
    result as it stands; its history. The automatic values shown are the stored ones
    (computed at each step and nightly; frozen once finalised)."""
    scores = {
        s.indicator_id: s
        for s in IndicatorScore.objects.filter(scorecard=card)
        .select_related("inspector")
        .prefetch_related(Prefetch("evidence", queryset=ScoreEvidence.objects.order_by("id")))
    }
    indicators = list(Indicator.objects.filter(template_id=card.template_id).select_related("area"))
    result = scoring.result(card.template, indicators, scores)
    for area in result.areas:
        for indicator, score, _points in area.lines:
            metric = metrics.METRICS.get(indicator.metric)
            indicator.metric_label = metric.label if metric else ""
            indicator.is_share = bool(metric and metric.is_share)
            indicator.explained = metrics.describe(indicator.metric, score.detail) if (
                metric and score) else []  # fmt: skip
            indicator.records_url = metric.records(card) if metric and metric.records else ""
    events = list(ScorecardEvent.objects.filter(scorecard=card).select_related("actor", "school"))
    return {"result": result, "events": events, "scores": scores}


def missing(card: Scorecard, detail: dict) -> list[Indicator]:
    """What the current step still needs: the manual indicators not yet self-assessed
    (open) or not yet scored by the inspector (awaiting inspection)."""
    field = {ScorecardStatus.OPEN: "self_score",
             ScorecardStatus.SUBMITTED: "inspector_score"}.get(card.status)  # fmt: skip
    if field is None:
        return []
    return [
        indicator
        for area in detail["result"].areas
        for indicator, score, _points in area.lines
        if not indicator.is_automatic and (score is None or getattr(score, field) is None)
    ]


def pairing_years(pairing: Pairing) -> dict:
    """Every scorecard of ``pairing``, oldest first, with its points per area (matched
    across template versions by the areas' lineage) and the change from the year before:
    two queries."""
    cards = list(Scorecard.objects.filter(pairing=pairing).select_related("template")
                 .order_by("year"))  # fmt: skip
    if not cards:
        return {"rows": [], "areas": []}
    scores = (
        IndicatorScore.objects.filter(scorecard__in=cards)
        .select_related("indicator__area")
        .order_by("indicator__area__order", "indicator__order")
    )
    by_card: dict[int, dict[int, IndicatorScore]] = defaultdict(dict)
    indicators: dict[int, list[Indicator]] = defaultdict(list)
    for score in scores:
        by_card[score.scorecard_id][score.indicator_id] = score
        indicators[score.scorecard_id].append(score.indicator)
    rows, lineages, names = [], [], {}
    for card in cards:
        result = scoring.result(card.template, indicators[card.pk], by_card[card.pk])
        areas = {}
        for area in result.areas:
            areas[area.lineage] = area
            if area.lineage not in names:
                lineages.append(area.lineage)
                names[area.lineage] = area.name
        rows.append({"card": card, "result": result, "areas": areas})
    for before, row in zip([None, *rows], rows, strict=False):
        row["cells"] = []
        for lineage in lineages:
            area = row["areas"].get(lineage)
            earlier = before["areas"].get(lineage) if before else None
            change = (area.rounded - earlier.rounded) if area and earlier else None
            row["cells"].append({"area": area, "change": change})
        total = row["result"].total
        row["change"] = (total - before["result"].total) if before else None
    return {"rows": rows, "areas": [names[lineage] for lineage in lineages]}


# --- queues -----------------------------------------


def inspection_queue(user) -> QuerySet[Scorecard]:
    """Scorecards waiting for inspection that ``user`` may score, oldest due first."""
    scope = resolve_scope(user)
    found = scorecard_list_visible_to(user).filter(status=ScorecardStatus.SUBMITTED)
    if not scope.is_admin:
        regions = list(scope.inspector_region_ids)
        found = found.filter(Q(region_id__any_of=regions) | Q(
            pairing_id__in=PairingMember.objects.filter(region_id__any_of=regions)
            .values("pairing_id")))  # fmt: skip
    return found.order_by("due_on", "id")


def finalisation_queue(user) -> QuerySet[Scorecard]:
    """Inspected scorecards of the programmes ``user``'s bureau keeps, oldest due first."""
    scope = resolve_scope(user)
    found = Scorecard.objects.filter(status=ScorecardStatus.INSPECTED)
    if not scope.is_admin:
        found = found.filter(region_id__any_of=list(scope.bureau_region_ids))
    return found.order_by("due_on", "id")


def with_pairing(scorecards: QuerySet[Scorecard]) -> QuerySet[Scorecard]:
    """What a list row shows: the pairing's title (its schools), programme, region."""
    return scorecards.select_related(
        "pairing__helping_school", "programme", "region"
    ).prefetch_related(
        Prefetch(
            "pairing__members",
            queryset=PairingMember.objects.select_related("school").only(
                "id", "pairing_id", "role", "school__name"
            ),
        ),  # fmt: skip
    )


# --- rankings -----------------------------------------


def ranked_rows(scorecards: QuerySet[Scorecard]) -> QuerySet[Scorecard]:
    """The finalised scorecards of ``scorecards`` ranked by total (highest first; a tie
    in the order of the pairings), as a lazy queryset that a page slices (the database
    sorts and pages: a province's list is never read whole), each row with the
    pairing's total of the year before (``total_before``)."""
    from django.db.models import OuterRef, Subquery

    before = Scorecard.objects.filter(
        pairing_id=OuterRef("pairing_id"), year=OuterRef("year") - 1,
        status=ScorecardStatus.FINALISED,
    ).values("total")[:1]  # fmt: skip
    return (
        with_pairing(scorecards.filter(status=ScorecardStatus.FINALISED))
        .annotate(total_before=Subquery(before))
        .order_by("-total", "pairing_id", "year", "id")
    )


def ranking_summary(scorecards: QuerySet[Scorecard]) -> dict:
    """Of the finalised scorecards of ``scorecards``: the grade distribution
    (``[(grade, label, count)]``) and the average of each area's points (by area
    name), in two aggregate queries."""
    finalised = scorecards.filter(status=ScorecardStatus.FINALISED)
    grades = dict(finalised.order_by().values_list("grade").annotate(n=Count("id")))
    return {
        "grades": [(g, str(label), grades.get(g, 0)) for g, label in Grade.choices],
        "areas": _area_averages(finalised),
    }


def ranked(rows, first_rank: int = 1) -> list[Scorecard]:
    """The rows of :func:`ranked_rows` (a page, or all of them) with their ``rank``
    (from ``first_rank``, the page's first), their ``change`` from the pairing's year
    before and their ``areas``: ``[{"name", "maximum", "points"}]`` in the areas' order,
    from one aggregate query over the rows' stored points."""
    rows = list(rows)
    areas: dict[int, list[dict]] = {card.pk: [] for card in rows}
    if rows:
        sums = (
            IndicatorScore.objects.filter(scorecard_id__in=list(areas))
            .order_by()
            .values("scorecard_id", "indicator__area__order", "indicator__area__name")
            .annotate(points=Sum("points"), maximum=Sum("indicator__max_points"))
            .order_by("scorecard_id", "indicator__area__order", "indicator__area__name")
        )
        for row in sums:
            areas[row["scorecard_id"]].append({
                "name": row["indicator__area__name"], "maximum": row["maximum"],
                "points": scoring.rounded(row["points"] or Decimal(0)),
            })  # fmt: skip
    for rank, card in enumerate(rows, first_rank):
        card.rank = rank
        card.change = None if card.total_before is None else card.total - card.total_before
        card.areas = areas[card.pk]
    return rows


def _area_averages(finalised: QuerySet[Scorecard]) -> list[dict]:
    """Per area (by name): the average of the finalised scorecards' points in it and its
    maximum, as points and as a share (one aggregate query)."""
    per_card = (
        IndicatorScore.objects.filter(scorecard__in=finalised)
        .order_by()
        .values("indicator__area__name")
        .annotate(
            # By name only: a later version that moves an area keeps it one row.
            order=Min("indicator__area__order"),
            points=Sum("points"),
            maximum=Sum("indicator__max_points"),
            cards=Count("scorecard_id", distinct=True),
        )  # fmt: skip
    )
    rows = []
    for row in per_card:
        cards = row["cards"] or 1
        average = (row["points"] or Decimal(0)) / cards
        maximum = (row["maximum"] or Decimal(0)) / cards
        rows.append({
            "name": row["indicator__area__name"], "order": row["order"],
            "average": scoring.rounded(average), "maximum": scoring.rounded(maximum),
            "percent": round(100 * average / maximum) if maximum else 0,
        })  # fmt: skip
    rows.sort(key=lambda r: (r["order"], r["name"]))
    return rows


# --- templates -----------------------------------------


def template_list_visible_to(user) -> QuerySet[Template]:
    scope = resolve_scope(user)
    found = Template.objects.select_related("programme", "region")
    if scope.is_admin:
        return found
    if not scope.read_region_ids:
        return found.none()
    regions = list(scope.read_region_ids | scope.context_region_ids)
    return found.filter(Q(programme__isnull=True) | Q(region_id__any_of=regions))


def template_get_for_user(user, pk, *, write: bool = False) -> Template:
    template = get_or_404(template_list_visible_to(user), pk)
    if write:
        access.require(
            template.programme_id is not None
            and access.can_manage_templates(resolve_scope(user), template.programme)
        )
    return template


def template_detail(template: Template) -> dict:
    areas = list(
        Area.objects.filter(template=template)
        .prefetch_related(
            Prefetch(
                "indicators",
                queryset=Indicator.objects.order_by("order", "id").select_related("continues"),
            )  # fmt: skip
        )
        .select_related("continues")
    )
    total = sum((i.max_points for a in areas for i in a.indicators.all()), Decimal(0))
    return {"areas": areas, "total": total, "in_use": template.scorecards.exists()}


def area_get_for_user(user, pk, *, write: bool = False) -> Area:
    area = get_or_404(Area.objects.filter(template__in=template_list_visible_to(user))
                      .select_related("template__programme"), pk)  # fmt: skip
    if write:
        template_get_for_user(user, area.template_id, write=True)
    return area


def indicator_get_for_user(user, pk, *, write: bool = False) -> Indicator:
    indicator = get_or_404(
        Indicator.objects.filter(template__in=template_list_visible_to(user)).select_related(
            "template__programme", "area"
        ),
        pk,
    )
    if write:
        template_get_for_user(user, indicator.template_id, write=True)
    return indicator


# --- the report archive -----------------------------------------


def document_list_visible_to(user) -> QuerySet:
    """The archive's documents ``user`` reads: a pairing's by exactly those who read its
    scorecards (the scorecards' rule, :func:`_condition`, on the same two columns: the
    pairing's region and the pairing; teachers and everyone else read none), a region's
    by the bureau staff and inspectors of that region and those above it."""
    from .models import Document

    return _visible(Document.objects.all(), user)


def document_get_for_user(user, pk):
    return get_or_404(document_list_visible_to(user).select_related("superseded_by"), pk)


def document_versions(document) -> list:
    """Every version of ``document``'s kind, subject and period, newest first (one query);
    the caller found ``document`` through a scoped selector, and its readers read them."""
    from .models import Document

    return list(
        Document.objects.filter(
            kind=document.kind, region_id=document.region_id, pairing_id=document.pairing_id,
            period=document.period,
        ).order_by("-version")
    )  # fmt: skip


def scorecard_documents(card: Scorecard) -> list:
    """The versions of ``card``'s yearly PDF evaluation, newest first (one query); the
    caller has found the card through a scoped selector, and its readers read them."""
    from .models import Document, DocumentKind

    return list(
        Document.objects.filter(
            kind=DocumentKind.PAIRING_EVALUATION, pairing_id=card.pairing_id, period=str(card.year)
        ).select_related("superseded_by").order_by("-version")
    )  # fmt: skip
