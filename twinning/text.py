"""Small text helpers shared by every app."""

import functools
from collections.abc import Iterable

from django.utils import translation
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
