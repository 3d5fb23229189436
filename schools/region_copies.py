"""Where a school's region is copied, so that a scoped list is one indexed filter on
region (DESIGN.md §5), and the one place that moves the copies when the school moves.

Each app registers its copies in its ``AppConfig.ready``: the model, the path from it to
the school whose region it copies, and the field holding the copy. ``school_update``
moves them all in the same transaction as the school, so that a moved school's teachers,
records, activities, money and students go with it to the new county's bureau and none
stays visible to the old one. ``tests/test_scoping_rules.py`` checks that every model
with both a school and a region is registered here or named as not a copy.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class Copy:
    model: str  # "app_label.Model"
    school: str = "school"  # the lookup from the model to the school
    region: str = "region"  # the field holding the school's region
    # Moved in this order (then as registered). People go last: services lock a teacher
    # after the records they change (activities.services._lock_person), and a move
    # locking them the other way round could deadlock with such an edit.
    order: int = 0


_copies: list[Copy] = []


def register(*copies: Copy) -> None:
    for copy in copies:
        if copy not in _copies:
            _copies.append(copy)


def registered() -> list[Copy]:
    return list(_copies)


def move(school, region) -> None:
    """Every copy of ``school``'s region becomes ``region`` (one UPDATE a copy)."""
    for copy in sorted(_copies, key=lambda copy: copy.order):
        model = apps.get_model(copy.model)
        model.objects.filter(**{copy.school: school}).update(**{copy.region: region})
