"""The evaluation charts, drawn the one way (twinning.charts): the same in a page and in a
PDF, with no script and no CDN."""

from __future__ import annotations

from django.utils.translation import gettext as _

from twinning import charts

from .models import Grade

# One colour per grade, the same on every chart (the standing chart's met … missed).
GRADE_COLOURS = {
    Grade.EXCELLENT: "#1e7a46",
    Grade.GOOD: "#1d5fa8",
    Grade.PASS: "#a15c07",
    Grade.FAIL: "#b42318",
}
AREA_COLOUR = "#3d6fa8"


def grade_chart(grades: list[tuple[str, str, int]], title: str) -> str:
    """How many scorecards earned each grade (``grades``: (grade, label, count), best
    first, as evaluation.selectors.ranking_summary gives them), one bar a grade; "" when none."""
    import pygal

    if not any(count for _grade, _label, count in grades):
        return ""
    chart = pygal.Bar(
        style=charts.style(GRADE_COLOURS.values()),
        show_legend=False, width=800, height=360, print_values=True, title=title,
        y_labels=charts.whole_ticks(max(count for _grade, _label, count in grades)),
        value_formatter=charts.count_label,
    )  # fmt: skip
    chart.x_labels = [str(label) for _grade, label, _count in grades]
    chart.add(
        _("Scorecards"),
        [{"value": count, "color": GRADE_COLOURS.get(grade, AREA_COLOUR)}
         for grade, _label, count in grades],
    )  # fmt: skip
    return charts.svg(chart, "grades")


def area_chart(areas: list[dict], title: str) -> str:
    """Each area's average points as a share of its maximum (``areas``: ``name`` and
    ``percent``, as evaluation.selectors.ranking_summary gives them), one bar an area, top
    down in the template's order; "" when there is none."""
    import pygal

    if not areas:
        return ""
    chart = pygal.HorizontalBar(
        style=charts.style([AREA_COLOUR]), show_legend=False,
        width=800, height=120 + 40 * len(areas), range=(0, 100), include_x_axis=True,
        show_y_guides=False, print_values=True, title=title,
        value_formatter=lambda v: f"{v:.0f}%",
    )  # fmt: skip
    chart.x_labels = [row["name"] for row in reversed(areas)]
    chart.add(_("Average share of the maximum"), [row["percent"] for row in reversed(areas)])
    return charts.svg(chart, "areas")


def area_points_chart(areas, title: str) -> str:
    """One scorecard's points in each area against the area's maximum (``areas``: the
    ``AreaResult``s of evaluation.scoring, in the template's order), two bars an area, top
    down; "" when there is none. Drawn for the yearly PDF evaluation."""
    import pygal

    if not areas:
        return ""
    chart = pygal.HorizontalBar(
        style=charts.style(["#c5d3e3", AREA_COLOUR]),
        show_legend=True, legend_at_bottom=True, width=800, height=160 + 56 * len(areas),
        include_x_axis=True, show_y_guides=False, print_values=True,
        title=title, value_formatter=lambda v: f"{v:g}",
    )  # fmt: skip
    chart.x_labels = [area.name for area in reversed(areas)]
    chart.add(_("Maximum"), [float(area.maximum) for area in reversed(areas)])
    chart.add(_("Points"), [float(area.rounded) for area in reversed(areas)])
    return charts.svg(chart, "points")


def county_totals_chart(counties: list[tuple[str, float]], title: str, maximum: float) -> str:
    """Each county's average total (``counties``: (name, average), in the order of the
    table beside it), one bar a county, top down, on a scale to the templates' highest
    ``maximum``; "" when there is none. Drawn for the region's yearly evaluation."""
    import pygal

    if not counties:
        return ""
    chart = pygal.HorizontalBar(
        style=charts.style([AREA_COLOUR]), show_legend=False,
        width=800, height=120 + 40 * len(counties), range=(0, maximum), include_x_axis=True,
        show_y_guides=False, print_values=True, title=title,
        value_formatter=lambda v: f"{v:.1f}",
    )  # fmt: skip
    chart.x_labels = [name for name, _average in reversed(counties)]
    chart.add(_("Average total"), [average for _name, average in reversed(counties)])
    return charts.svg(chart, "counties")
