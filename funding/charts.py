"""The funding charts: drawn on the server as SVG (pygal), so the same chart goes into a
page and into a PDF, with no script and no CDN."""

from __future__ import annotations

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

# Allocated, released, paid: the same colours wherever money is drawn.
COLOURS = ("#9db4d0", "#3d6fa8", "#2e7d32")
MAX_BARS = 30


def money_chart(rows: list[dict], title: str) -> str:
    """Allocated, released and paid per row (a county, a pairing; each row has ``name``,
    ``allocated``, ``released``, ``paid``), in ten thousand yuan (万元), one group of bars
    a row; at most :data:`MAX_BARS` rows, the largest allocations first."""
    import pygal
    from pygal.style import Style

    if not rows:
        return ""
    rows = sorted(rows, key=lambda r: -r["allocated"])[:MAX_BARS]
    style = Style(
        background="transparent", plot_background="transparent", colors=COLOURS,
        font_family="-apple-system, 'PingFang SC', 'Noto Sans CJK SC', sans-serif",
        label_font_size=13, major_label_font_size=13, legend_font_size=13,
    )  # fmt: skip
    chart = pygal.HorizontalBar(
        style=style, js=[], disable_xml_declaration=True, legend_at_bottom=True,
        legend_at_bottom_columns=3, width=800, height=140 + 40 * len(rows),
        show_y_guides=False, print_values=False, truncate_label=-1, title=title,
        value_formatter=lambda v: f"{v:,.2f}",
    )  # fmt: skip
    chart.x_labels = [row["name"] for row in reversed(rows)]
    for key, label in (("allocated", _("Allocated")), ("released", _("Released")),
                       ("paid", _("Paid"))):  # fmt: skip
        chart.add(label, [float(row[key]) / 10000 for row in reversed(rows)])
    return mark_safe(chart.render(is_unicode=True))
