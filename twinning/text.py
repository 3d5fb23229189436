"""Small text helpers shared by every app."""

import functools
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def join_names(names: Iterable[str]) -> str:
    """Join names as a list reads in the active language: 甲、乙 in Chinese, A, B in English."""
    return pgettext("list separator", ", ").join(names)


def labels(choices) -> dict:
    """``{value: label}`` of a ``TextChoices``/``IntegerChoices``, as text in the active
    language (built once per language: lists call it for every row)."""
    return _labels(choices, translation.get_language())


@functools.cache
def _labels(choices, language) -> dict:
    return {value: str(label) for value, label in choices.choices}


def _cents(value) -> Decimal:
    """``value`` (a Decimal, a number or its text) to the cent, rounded half up (四舍五入)."""
    cents = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return cents + 0  # no "-0.00"


def amount(value) -> str:
    """An amount of money as every page shows it, whatever the language: two decimals
    and a comma every three digits ("1,350,000.00"); "" for none; anything that is not a
    number as it is. Exports keep the raw number."""
    if value is None or value == "":
        return ""
    try:
        return f"{_cents(value):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)


def money(value, unit: str = "yuan") -> str:
    """:func:`amount` with its unit: "1,350,000.00 元" ("yuan" in English), or with
    ``unit="10k"`` in ten thousands, as the charts and summaries count: "135.00 万元"."""
    if value is None or value == "":
        return ""
    if unit == "10k":
        try:
            value = Decimal(str(value)) / 10000
        except InvalidOperation:
            return str(value)
        return _("%(amount)s ten thousand yuan") % {"amount": amount(value)}
    return _("%(amount)s yuan") % {"amount": amount(value)}


def lesson_topic(topic: str) -> str:
    """A lesson's topic as the pages show it: in 《》, unless the teacher typed their own
    (《春晓》, or 古诗《春晓》朗读, which stays as typed)."""
    topic = (topic or "").strip()
    if not topic or "《" in topic or "》" in topic:
        return topic
    return f"《{topic}》"
