"""How a programme's dated rules (``twinning.models.InForce``: exchange targets,
mentorship obligations) change without changing the past.

A rule holds from ``valid_from`` until ``valid_until`` (open: still in force). Counting
a period asks for the rules in force on a day of it (``InForceQuerySet.in_force``), so:

- a new rule holds from today;
- a change to a rule made before today retires it as of yesterday and adds its successor
  from today; a rule made today is changed in place (no period has counted it yet but
  the one under way, which is open);
- a removed rule is retired as of yesterday, or deleted if it was made today.

A period that closed before today is therefore always counted by the rules it had, and
both versions stay in the table: they are the rule's history, which the programme's
rules page lists. The services of each app check who may change what and call these.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _

from . import calendar
from .models import InForce, User


def _save(row: InForce, actor: User | None) -> None:
    row.full_clean()
    if actor is not None:
        row._history_user = actor
    row.save()


def _require_current(row: InForce) -> None:
    if row.valid_until is not None:
        raise ValidationError(
            _("This rule is no longer in force: it stays as it was for the periods it counted.")
        )


def add(row: InForce, *, actor: User | None) -> InForce:
    """Put a new rule in force from today."""
    row.valid_from, row.valid_until = calendar.today(), None
    _save(row, actor)
    return row


def _fresh(row: InForce) -> InForce:
    """The rule as it is now, locked: a change waits for one made at the same moment and
    then sees it (the services lock the programme first, so rules change one at a time)."""
    fresh = type(row).objects.select_for_update().filter(pk=row.pk).first()
    if fresh is None:
        raise ValidationError(_("This rule was removed meanwhile: reload the page."))
    _require_current(fresh)
    return fresh


def change(row: InForce, *, actor: User | None, **fields) -> InForce:
    """Change a rule from today on; returns the rule now in force (the same row, or its
    successor)."""
    row = _fresh(row)
    today = calendar.today()
    if all(getattr(row, name) == value for name, value in fields.items()):
        return row
    if row.valid_from >= today:
        for name, value in fields.items():
            setattr(row, name, value)
        _save(row, actor)
        return row
    successor = type(row).objects.get(pk=row.pk)
    successor.pk = successor.id = None
    successor._state.adding = True
    for name, value in fields.items():
        setattr(successor, name, value)
    successor.valid_from, successor.valid_until = today, None
    successor.full_clean()  # before the old rule is retired: bad input changes nothing
    _retire(row, actor)
    _save(successor, actor)
    return successor


def retire(row: InForce, *, actor: User | None) -> None:
    """Take a rule out of force from today on (deleted if it was made today)."""
    _retire(_fresh(row), actor)


def _retire(row: InForce, actor: User | None) -> None:
    today = calendar.today()
    if actor is not None:
        row._history_user = actor
    if row.valid_from >= today:
        row.delete()
        return
    row.valid_until = today - dt.timedelta(days=1)
    row.save(update_fields=["valid_until"])


def held_on(valid_from: dt.date, valid_until: dt.date | None, day: dt.date) -> bool:
    """Whether a rule in force from ``valid_from`` until ``valid_until`` held on ``day``."""
    return valid_from <= day and (valid_until is None or valid_until >= day)


def current_or_older(queryset: models.QuerySet) -> models.QuerySet:
    """Current rules first, then the retired ones, newest first: the order the rules page
    lists them in."""
    return queryset.order_by(models.F("valid_until").desc(nulls_first=True), "-valid_from", "id")


def page_rows(rules: models.QuerySet, *, label, edit: str, remove: str) -> tuple[list, list]:
    """A rules tab's rows (templates/includes/dated_rules.html): those in force, then the
    earlier ones, each with its ``label(rule)`` and the URLs named ``edit`` and ``remove``."""
    rows = [
        {
            "rule": rule,
            "label": label(rule),
            "valid_from": rule.valid_from,
            "valid_until": rule.valid_until,
            "edit_url": reverse(edit, args=[rule.pk]),
            "remove_url": reverse(remove, args=[rule.pk]),
        }
        for rule in current_or_older(rules)
    ]
    return [r for r in rows if r["valid_until"] is None], [r for r in rows if r["valid_until"]]
