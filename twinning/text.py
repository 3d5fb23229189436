"""Small text helpers shared by every app."""

from collections.abc import Iterable

from django.utils.translation import pgettext


def join_names(names: Iterable[str]) -> str:
    """Join names as a list reads in the active language: 甲、乙 in Chinese, A, B in English."""
    return pgettext("list separator", ", ").join(names)
