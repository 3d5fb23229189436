"""The funding charts, drawn the one way (twinning.charts): the same in a page and in a
PDF, with no script and no CDN."""

from __future__ import annotations

from django.utils.translation import gettext as _

from twinning import charts, text

# Allocated, released, paid: the same colours wherever money is drawn.
COLOURS = ("#9db4d0", "#3d6fa8", "#2e7d32")
MAX_BARS = 30


def money_chart(rows: list[dict], title: str) -> str:
    """Allocated, released and paid per row (a county, a pairing; each row has ``name``,
    ``allocated``, ``released``, ``paid``), in ten thousand yuan (万元), one group of bars
    a row; at most :data:`MAX_BARS` rows, the largest allocations first."""
    import pygal

    if not rows:
        return ""
    rows = sorted(rows, key=lambda r: -r["allocated"])[:MAX_BARS]
    chart = pygal.HorizontalBar(
        style=charts.style(COLOURS), legend_at_bottom=True,
        legend_at_bottom_columns=3, width=800, height=140 + 40 * len(rows),
        show_y_guides=False, print_values=False, title=title,
        value_formatter=text.amount,
    )  # fmt: skip
    chart.x_labels = [row["name"] for row in reversed(rows)]
    for key, label in (("allocated", _("Allocated")), ("released", _("Released")),
                       ("paid", _("Paid"))):  # fmt: skip
        chart.add(label, [float(row[key]) / 10000 for row in reversed(rows)])
    return charts.svg(chart, "money")
