"""The rankings: the finalised scorecards in the user's scope ranked by total, with
their change from the pairing's year before, their points per area, the grade
distribution and each area's average (two charts drawn on the server), filtered by
programme, region, pairing year and grade, and downloaded as the page lists them.

Read through :func:`evaluation.selectors.scorecard_list_visible_to`: the bureau and
inspectors see their regions' pairings, a coordinator the pairings of their school;
teachers read no evaluation (404).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from schools.views import _filtered, _is_filtered
from twinning.downloads import table_response
from twinning.paging import page_of

from . import charts, scoring, selectors
from .models import IndicatorScore
from .template_forms import RankingFilter

PAGE_SIZE = 25


def _ranked(request):
    """The filter and the ranking of what it selects (selectors.rankings)."""
    if not selectors.reads_scorecards(request.user):
        raise Http404
    filterset, scorecards = _filtered(
        RankingFilter, request, selectors.scorecard_list_visible_to(request.user)
    )
    return filterset, selectors.rankings(scorecards)


def _with_area_points(rows, areas: list[dict]) -> None:
    """Put on each ranked row its points in each area of ``areas`` (by name, the
    rankings' area columns; None where its template has no such area): one aggregate
    query over the rows' stored points. The rows come from the scoped selector."""
    found: dict[int, dict[str, Decimal]] = defaultdict(dict)
    if rows:
        sums = (
            IndicatorScore.objects.filter(scorecard_id__in=[card.pk for card in rows])
            .order_by()
            .values("scorecard_id", "indicator__area__name")
            .annotate(points=Sum("points"))
        )
        for row in sums:
            found[row["scorecard_id"]][row["indicator__area__name"]] = row["points"]
    for card in rows:
        mine = found[card.pk]
        card.area_points = [
            scoring.rounded(mine[a["name"]]) if mine.get(a["name"]) is not None else None
            for a in areas
        ]


@login_required
@require_safe
def rankings(request):
    filterset, ranked = _ranked(request)
    page = page_of(request, ranked["rows"], PAGE_SIZE)
    rows = selectors.ranked(page.object_list, page.start_index() or 1)
    _with_area_points(rows, ranked["areas"])
    return render(
        request,
        "evaluation/rankings.html",
        {
            "filter": filterset,
            "is_filtered": _is_filtered(filterset),
            "page_obj": page,
            "rows": rows,
            "areas": ranked["areas"],
            "grades": ranked["grades"],
            "grade_chart": charts.grade_chart(ranked["grades"], _("Grades")),
            "area_chart": charts.area_chart(
                ranked["areas"], _("Average points of each area, as a share of its maximum")
            ),
        },
    )


@login_required
@require_safe
def rankings_export(request, fmt: str):
    """The filtered ranking, every row, in the page's columns."""
    _filterset, ranked = _ranked(request)
    rows, areas = selectors.ranked(ranked["rows"]), ranked["areas"]
    _with_area_points(rows, areas)
    header = [_("Rank"), _("Pairing number"), _("Pairing"), _("Programme"), _("Region"),
              _("Pairing year"), _("Year starts"), _("Year ends"), _("Total"), _("Grade"),
              _("Passed"), _("Change from the year before"),
              *(a["name"] for a in areas)]  # fmt: skip
    yes, no = _("Yes"), _("No")
    lines = (
        (
            card.rank,
            card.pairing_id,
            card.pairing.title,
            card.programme.name,
            card.region.name,
            card.year,
            card.period_start,
            card.period_end,
            card.total,
            card.get_grade_display(),
            yes if card.passed else no,
            card.change if card.change is not None else "",
            *(points if points is not None else "" for points in card.area_points),
        )  # fmt: skip
        for card in rows
    )
    return table_response("rankings", header, lines, fmt)
