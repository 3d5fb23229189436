"""What the pages share beyond Django's own tags: ``{% load pages %}``.

- ``{% chart svg %}`` places a chart drawn by twinning.charts: its ``<style>`` carries the
  request's Content-Security-Policy nonce (the policy allows no other inline style).
- ``{{ value|amount }}`` an amount of money in a column whose heading gives the unit
  ("1,350,000.00"); ``{{ value|money }}`` one standing alone ("1,350,000.00 元"), and
  ``{{ value|money:"10k" }}`` in ten thousands ("135.00 万元"): twinning.text's.
- ``{{ record.lesson_topic|lesson_topic }}`` a lesson's topic in 《》 unless typed with its own.
"""

from django import template
from django.utils.safestring import mark_safe

from twinning import text

register = template.Library()


@register.simple_tag(takes_context=True)
def chart(context, svg):
    """The SVG of a chart, with the page's nonce on its style; nothing for no chart."""
    if not svg:
        return ""
    request = context.get("request")
    # django-csp's lazy nonce (false until read): read here, so the header names it.
    nonce = getattr(request, "csp_nonce", None)
    if nonce is not None:
        svg = svg.replace("<style", f'<style nonce="{nonce}"', 1)
    return mark_safe(svg)  # noqa: S308 – twinning.charts drew it; the nonce is base64


@register.filter
def amount(value):
    return text.amount(value)


@register.filter
def money(value, unit="yuan"):
    return text.money(value, unit)


@register.filter
def lesson_topic(value):
    return text.lesson_topic(value)
