"""The one way a chart is drawn (twinning.charts): nothing a page's policy refuses, long
names cut with their whole name on hover, whole numbers on count axes."""

import re

import pygal

from twinning import charts

LONG = "柳河镇中心小学附属幼儿园第二分校"


def bars(labels, values, **options):
    chart = pygal.HorizontalBar(style=charts.style(["#3d6fa8"]), js=[],
                                disable_xml_declaration=True, **options)  # fmt: skip
    chart.x_labels = labels
    chart.add("学校", values)
    return chart


def test_a_chart_holds_no_script_and_no_style_attribute():
    chart = bars(["一校", "二校"], [{"value": 3, "color": "#b42318"}, 5])
    svg = charts.svg(chart, "schools")
    assert "<script" not in svg and not re.search(r"\sstyle=", svg)
    # The value's own colour is a rule of the chart's own stylesheet now.
    chart_id = re.search(r'<svg[^>]*id="([^"]+)"', svg).group(1)
    css = svg[svg.index("<style") : svg.index("</style>")]
    assert re.search(rf"#{chart_id} \.inline-\d+\{{fill: #b42318; stroke: #b42318\}}", css)
    assert 'id="schools-activate-serie-' in svg and 'id="activate-serie-' not in svg


def test_a_long_name_is_cut_with_its_whole_name_as_its_title():
    assert charts.shorten(LONG) == "柳河镇中心小学附属幼儿园第…"
    assert charts.width(charts.shorten(LONG)) <= charts.LABEL_WIDTH
    assert charts.shorten("Liuhe Central Primary") == "Liuhe Central Primary"
    svg = charts.svg(bars([LONG, "二校"], [1, 2]))
    assert f">{charts.shorten(LONG)}</text><title>{LONG}</title>" in svg
    assert ">二校</text><title>二校</title>" in svg


def test_chinese_names_widen_the_margin_they_need():
    short = bars(["一校"], [1])
    charts.svg(short)
    wide = bars([LONG], [1])
    charts.svg(wide)
    # pygal counts 0.6 em a character; a Chinese one takes 1 em: 13 against 2, at 13 px.
    assert wide.config.margin_left - short.config.margin_left >= 0.4 * 13 * (13 - 2)


def test_a_count_axis_has_whole_ticks():
    assert charts.whole_ticks(3) == [0, 1, 2, 3]
    assert charts.whole_ticks(0) == [0, 1]
    ticks = charts.whole_ticks(23)
    assert ticks[0] == 0 and ticks[-1] >= 23 and all(isinstance(t, int) for t in ticks)
    assert len(ticks) <= 7
    assert charts.count_label(12345.0) == "12,345"
