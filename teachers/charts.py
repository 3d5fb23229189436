"""Charts of mentorship compliance, drawn on the server as SVG (pygal), so that the page
and a PDF show the same chart and no script or font comes from elsewhere."""

from __future__ import annotations

import pygal
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

from . import compliance

# One colour per standing, the same on every chart.
COLOURS = {
    compliance.MET: "#1e7a46",
    compliance.ON_TRACK: "#1d5fa8",
    compliance.BEHIND: "#a15c07",
    compliance.MISSED: "#b42318",
}


def compliance_chart(rows: list[dict]) -> str:
    """Mentorships by standing, one stacked bar a row (a school or a county)."""
    if not rows:
        return ""
    style = Style(
        background="transparent", plot_background="transparent",
        colors=tuple(COLOURS[s] for s in compliance.ROLLUP_STATUSES),
        font_family="-apple-system, 'PingFang SC', 'Noto Sans CJK SC', sans-serif",
        label_font_size=13, major_label_font_size=13, legend_font_size=13,
    )  # fmt: skip
    chart = pygal.HorizontalStackedBar(
        style=style, js=[], disable_xml_declaration=True, legend_at_bottom=True,
        legend_at_bottom_columns=4, width=800, height=120 + 32 * len(rows),
        show_y_guides=False, print_values=False, truncate_label=-1,
        title=_("Mentorships by standing today"),
    )  # fmt: skip
    chart.x_labels = [row["name"] for row in reversed(rows)]
    for status in compliance.ROLLUP_STATUSES:
        chart.add(str(compliance.STATUS_LABELS[status]), [row[status] for row in reversed(rows)])
    return mark_safe(chart.render(is_unicode=True))
