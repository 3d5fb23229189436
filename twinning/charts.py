"""The one way a chart is drawn: on the server, as SVG (pygal), the same in a page and in a
PDF, with no script and nothing fetched from elsewhere.

Each app builds its pygal chart with :func:`style` and hands it to :func:`svg` (which
turns off pygal's script and XML declaration for every chart), which
renders it for a page under a Content-Security-Policy without ``'unsafe-inline'``: pygal's
inline configuration script (of no use without its tooltip script) is taken out, its
``style`` attributes (a value's own colour, the hidden tooltip) become classes whose rules
join the chart's stylesheet, and its legend ids are made the chart's own (two charts on a
page would otherwise define each twice). Its ``<style>`` element is given
the request's nonce where the page places it (the ``chart`` tag of ``{% load pages %}``).
"""

from __future__ import annotations

import re
import unicodedata
from html import escape

from django.utils.safestring import SafeString, mark_safe

FONT = "-apple-system, 'PingFang SC', 'Noto Sans CJK SC', sans-serif"
# A label wider than this (a Chinese character counts two) is cut with "…", its whole
# name kept as its <title> (shown on hover); the table beside every chart names it in full.
LABEL_WIDTH = 28
MARGIN = 20  # pygal's own margin around the plot
# pygal's text is XML-escaped, so its script holds no "</script>" before its own end.
_SCRIPT = re.compile(r"<script\b[^>]*?(?:/>|>.*?</script>)", re.DOTALL)
_STYLED_TAG = re.compile(r'<[a-z]+\b[^>]*\sstyle="[^"]*"[^>]*>')
_STYLE = re.compile(r'\sstyle="([^"]*)"')
_CLASS = re.compile(r'\sclass="([^"]*)"')
_CHART_ID = re.compile(r'<svg\b[^>]*\bid="([^"]+)"')


def style(colours, **overrides):
    """The charts' common look: transparent, the CJK font stack, 13 px text."""
    from pygal.style import Style

    options = {
        "background": "transparent", "plot_background": "transparent",
        "colors": tuple(colours), "font_family": FONT, "label_font_size": 13,
        "major_label_font_size": 13, "legend_font_size": 13, "value_font_size": 13,
        **overrides,
    }  # fmt: skip
    return Style(**options)


def whole_ticks(highest) -> list[int]:
    """The ticks of a count axis: whole numbers from 0 in steps of 1, 2 or 5 times a power
    of ten, about five of them (0, 50, 100 … rather than 0, 28, 56 …)."""
    highest = max(int(-(-float(highest) // 1)), 1)
    rough = highest / 5
    power = 1
    while power * 10 <= rough:
        power *= 10
    step = next(s * power for s in (1, 2, 5, 10) if s * power >= rough)
    return list(range(0, highest + step, step))


def count_label(value) -> str:
    """A count as a chart prints it: a whole number, with thousands separators."""
    return f"{value:,.0f}"


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def width(text: str) -> int:
    """How wide ``text`` is, a Chinese character counting two."""
    return sum(2 if _wide(c) else 1 for c in text)


def shorten(text: str, limit: int = LABEL_WIDTH) -> str:
    """``text`` cut to ``limit`` (:func:`width`) with "…", or as it is when it fits."""
    if width(text) <= limit:
        return text
    kept, used = [], 1  # the "…"
    for char in text:
        used += 2 if _wide(char) else 1
        if used > limit:
            break
        kept.append(char)
    return "".join(kept) + "…"


def _fit_labels(chart) -> dict[str, list[str]]:
    """Cut the category labels to :data:`LABEL_WIDTH` and widen the left margin by what
    pygal's estimate of their width (0.6 em a character) misses for Chinese ones (1 em),
    so that no name is cut off at the edge. Answers each label shown → the whole names
    it stands for, in order."""
    whole = [str(label) for label in (getattr(chart, "x_labels", None) or [])]
    short = [shorten(label) for label in whole]
    if whole:
        chart.x_labels = short
    if getattr(chart, "horizontal", False) and short:
        size = chart.config.style.label_font_size
        missed = max(sum(0.4 * size for c in label if _wide(c)) for label in short)
        chart.config.margin_left = MARGIN + int(missed + 0.5)
    names: dict[str, list[str]] = {}
    for label, name in zip(short, whole, strict=True):
        names.setdefault(escape(label, quote=False), []).append(escape(name, quote=False))
    return names


# A category label as pygal writes it, with the <title> it may give it (its position on
# a horizontal chart's axis, of no use to a reader).
_LABEL = re.compile(r"(<text [^>]*>)([^<]*)(</text>)(?:<title>[^<]*</title>)?")


def svg(chart, name: str = "chart") -> SafeString:
    """The chart rendered for a page or a PDF (see the module's docstring), its category
    labels fitted (:func:`_fit_labels`), each with its whole name as its title."""
    # pygal's tooltip script is fetched from its CDN, and an XML declaration cannot sit
    # inside a page: neither, for every chart.
    chart.config.js = []
    chart.config.disable_xml_declaration = True
    names = _fit_labels(chart)

    def titled(match):
        label = match.group(2)
        if not names.get(label):
            return match.group(0)  # a value, a tick, the legend: as pygal wrote it
        return f"{match.group(1)}{label}{match.group(3)}<title>{names[label].pop(0)}</title>"

    text = _LABEL.sub(titled, _SCRIPT.sub("", chart.render(is_unicode=True)))
    text = _styles_as_classes(text)
    text = text.replace('id="activate-serie-', f'id="{name}-activate-serie-')
    return mark_safe(text)


def _styles_as_classes(text: str) -> str:
    """Each distinct ``style`` attribute made a class ("inline-1" …), its declarations a
    rule of the chart's own stylesheet (the only inline style the pages' policy allows)."""
    rules: dict[str, str] = {}

    def classed(match):
        tag = match.group(0)
        declarations = _STYLE.search(tag).group(1)
        name = rules.setdefault(declarations, f"inline-{len(rules) + 1}")
        tag = _STYLE.sub("", tag, count=1)
        if _CLASS.search(tag):
            return _CLASS.sub(lambda m: f' class="{f"{m.group(1)} {name}".strip()}"', tag, 1)
        end = -2 if tag.endswith("/>") else -1
        return f'{tag[:end]} class="{name}"{tag[end:]}'

    text = _STYLED_TAG.sub(classed, text)
    chart = _CHART_ID.search(text)
    if rules and chart and "</style>" in text:
        css = "".join(f"#{chart.group(1)} .{name}{{{declarations}}}"
                      for declarations, name in rules.items())  # fmt: skip
        head, tail = text.split("</style>", 1)
        text = f"{head}{css}</style>{tail}"
    return text
