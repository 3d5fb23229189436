"""Which channels a person is reached on, kind by kind: the cascade.

A person's own choice wins. Without one they inherit, for each of their roles, the
default that the bureau of their region set for that role (the nearest region on the
way up from theirs, or their school's, that set one), or else the catalogue's default;
a person with several roles is reached on every channel any of their roles would give.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from twinning.models import (
    Channel,
    NotificationPreference,
    RegionNotificationDefault,
    RoleAssignment,
)

from . import kinds

# Where an inherited choice came from, for the preferences page.
MINE, REGION, CATALOGUE = "mine", "region", "catalogue"
SOURCES = {MINE: _("your choice"), REGION: _("your region's default"),
           CATALOGUE: _("the platform's default")}  # fmt: skip


@dataclass(frozen=True)
class Choice:
    kind: kinds.Kind
    channels: frozenset[str]
    source: str
    region_name: str = ""


def _path_ids(path: str) -> list[int]:
    """A region's materialised path ("/1/4/9/"), nearest first: 9, 4, 1."""
    return [int(p) for p in reversed(path.strip("/").split("/")) if p]


def _assignments(user_ids) -> dict[int, list[tuple[str, list[int]]]]:
    """Each user's roles with the regions above their scope, nearest first (one query)."""
    found: dict[int, list[tuple[str, list[int]]]] = {}
    rows = RoleAssignment.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "role", "region__path", "school__region__path"
    )
    for user_id, role, region_path, school_path in rows:
        found.setdefault(user_id, []).append((role, _path_ids(region_path or school_path or "")))
    return found


def _region_defaults(kind_keys) -> dict[tuple[int, str, str], tuple[frozenset[str], str]]:
    rows = RegionNotificationDefault.objects.filter(kind__in=kind_keys).select_related("region")
    return {(d.region_id, d.role, d.kind): (d.channels, d.region.name) for d in rows}


def _inherited(kind, roles, defaults) -> Choice:
    if not roles:
        return Choice(kind, kind.channels, CATALOGUE)
    channels: set[str] = set()
    source, region_name = CATALOGUE, ""
    for role, region_ids in roles:
        for region_id in region_ids:
            found = defaults.get((region_id, role, kind.key))
            if found is not None:
                channels |= found[0]
                source, region_name = REGION, found[1]
                break
        else:
            channels |= kind.default_for(role)
    return Choice(kind, frozenset(channels), source, region_name)


def channels_for(users: Iterable, kind_key: str) -> dict[int, frozenset[str]]:
    """Each user's channels for ``kind_key``, by user id (three queries for any number)."""
    kind = kinds.get(kind_key)
    user_ids = [u.pk for u in users]
    own = dict(
        (p.user_id, p.channels)
        for p in NotificationPreference.objects.filter(user_id__in=user_ids, kind=kind_key)
    )
    rest = [pk for pk in user_ids if pk not in own]
    roles = _assignments(rest) if rest else {}
    defaults = _region_defaults([kind_key]) if rest else {}
    chosen = {**own, **{pk: _inherited(kind, roles.get(pk, ()), defaults).channels for pk in rest}}
    return {pk: channels | kind.required for pk, channels in chosen.items()}


def choices_of(user, kind_list: list[kinds.Kind]) -> list[Choice]:
    """The user's channels for each kind, with where each came from (for their page)."""
    own = {p.kind: p.channels for p in user.notification_preferences.all()}
    roles = _assignments([user.pk]).get(user.pk, ())
    defaults = _region_defaults([k.key for k in kind_list])
    found = []
    for kind in kind_list:
        if kind.key in own:
            found.append(Choice(kind, own[kind.key] | kind.required, MINE))
        else:
            choice = _inherited(kind, roles, defaults)
            found.append(Choice(kind, choice.channels | kind.required, choice.source,
                                choice.region_name))  # fmt: skip
    return found


def as_fields(channels: frozenset[str]) -> dict[str, bool]:
    return {c: c in channels for c in Channel.values}
