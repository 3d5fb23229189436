"""The rankings: the finalised scorecards in the user's scope ranked by total, with
their change from the pairing's year before, their points per area, the grade
distribution and each area's average (two charts drawn on the server), filtered by
programme, region, pairing year and grade, and downloaded as the page lists them.

Read through :func:`evaluation.selectors.scorecard_list_visible_to`: the bureau and
inspectors see their regions' pairings, a coordinator the pairings of their school;
teachers read no evaluation (404).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from schools.views import _filtered, _is_filtered
from twinning import progress
from twinning.downloads import table_response
from twinning.paging import page_of

from . import charts, selectors
from .template_forms import RankingFilter

PAGE_SIZE = 25


def _ranked(request):
    """The filter, the ranked rows of what it selects (lazy, paged by the caller) and
    their summary: the grades and the areas' averages, a roll-up kept as the other
    roll-ups are (twinning.progress.kept)."""
    if not selectors.reads_scorecards(request.user):
        raise Http404
    filterset, scorecards = _filtered(
        RankingFilter, request, selectors.scorecard_list_visible_to(request.user)
    )
    summary, as_of = progress.kept("scorecard-rankings", request.user,
                                   progress.query_params(request.GET),
                                   lambda: _summary(scorecards))  # fmt: skip
    return filterset, selectors.ranked_rows(scorecards), {**summary, "as_of": as_of}


def _summary(scorecards) -> dict:
    """The grades and areas' averages, and their two charts."""
    summary = selectors.ranking_summary(scorecards)
    return {
        **summary,
        "grade_chart": charts.grade_chart(summary["grades"], _("Grades")),
        "area_chart": charts.area_chart(
            summary["areas"], _("Average points of each area, as a share of its maximum")
        ),
    }


def _area_columns(rows, areas: list[dict]) -> None:
    """Each ranked row's points in each of the rankings' area columns (by name; None
    where its template has no such area)."""
    for card in rows:
        mine = {area["name"]: area["points"] for area in card.areas}
        card.area_points = [mine.get(area["name"]) for area in areas]


@login_required
@require_safe
def rankings(request):
    filterset, ranked_rows, summary = _ranked(request)
    page = page_of(request, ranked_rows, PAGE_SIZE)
    rows = selectors.ranked(page.object_list, page.start_index() or 1)
    _area_columns(rows, summary["areas"])
    return render(
        request,
        "evaluation/rankings.html",
        {
            "filter": filterset,
            "is_filtered": _is_filtered(filterset),
            "page_obj": page,
            "rows": rows,
            "areas": summary["areas"],
            "grades": summary["grades"],
            "grade_chart": summary["grade_chart"],
            "area_chart": summary["area_chart"],
            "as_of": summary["as_of"],
        },
    )


@login_required
@require_safe
def rankings_export(request, fmt: str):
    """The filtered ranking, every row, in the page's columns."""
    _filterset, ranked_rows, summary = _ranked(request)
    rows, areas = selectors.ranked(ranked_rows), summary["areas"]
    _area_columns(rows, areas)
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
