"""What changed in a setting kept with django-simple-history, as people read it: when,
who, and each field's old and new value — the "recent changes" of a settings page (a
programme, its targets and obligations, the list of activity kinds, term dates).

One query: each history row carries the same object's values in the row before it (a
window function over the history table, so that no row's predecessor is looked up on
its own).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import models
from django.db.models import F, Window
from django.db.models.functions import Lag
from django.utils.text import capfirst
from django.utils.translation import gettext as _


def _shown(field: models.Field, value) -> str:
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def recent_changes(
    history: models.QuerySet,
    *,
    fields: tuple[str, ...],
    limit: int = 10,
    describe: Callable | None = None,
    wording: dict[str, Callable] | None = None,
) -> list[dict]:
    """The newest ``limit`` changes in ``history`` (a historical model's queryset, of one
    object or several), each as ``at``, ``who`` (a name or None), ``label``
    (``describe(record)``, if given) and ``what``: "added", "removed", or a
    ``"field: old → new"`` part per field of ``fields`` that changed (``wording[field]``
    says it otherwise: called with the old and the new value). A save that changed none
    of ``fields`` is left out."""
    meta = history.model.instance_type._meta
    pk = meta.pk.attname
    before = {
        f"before_{name}": Window(
            Lag(meta.get_field(name).attname),
            partition_by=[F(pk)],
            order_by=[F("history_date"), F("history_id")],
        )
        for name in fields
    }
    rows = (
        history.select_related("history_user")
        .annotate(**before, has_before=Window(
            Lag("history_id"), partition_by=[F(pk)],
            order_by=[F("history_date"), F("history_id")],
        ))
        # Saves that changed none of ``fields`` are skipped: read enough to fill the list.
        .order_by("-history_date", "-history_id")[: limit * 5]
    )  # fmt: skip
    wording = wording or {}
    changes = []
    for row in rows:
        if row.history_type == "+":
            what = [_("added")]
        elif row.history_type == "-":
            what = [_("removed")]
        elif row.has_before is None:  # changed before its history was kept
            what = [_("changed")]
        else:
            what = []
            for name in fields:
                field = meta.get_field(name)
                old, new = getattr(row, f"before_{name}"), getattr(row, field.attname)
                if old == new:
                    continue
                if name in wording:
                    what.append(str(wording[name](old, new)))
                else:
                    what.append(f"{capfirst(field.verbose_name)}: "
                                f"{_shown(field, old)} → {_shown(field, new)}")  # fmt: skip
            if not what:
                continue
        user = row.history_user
        changes.append(
            {
                "at": row.history_date,
                "who": user.display_name if user else None,
                "label": describe(row) if describe else "",
                "what": "; ".join(what),
            }
        )
        if len(changes) == limit:
            break
    return changes
