"""The catalogue of notification kinds: every notification names one.

A kind says what the notification is about, who receives it (the roles, for the pages
that set defaults) and the channels it reaches them on until somebody chooses
otherwise. Each app registers its kinds in its ``AppConfig.ready()`` (its ``notices``
module), so the core knows every kind without importing a higher app.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from twinning.models import Channel

DEFAULT_CHANNELS = frozenset({Channel.IN_APP, Channel.EMAIL})


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # lazy: shown in the reader's language
    group: str  # the heading it is listed under on the preferences page
    roles: tuple[str, ...] = ()  # who receives it, for the defaults pages; () for anyone
    channels: frozenset[str] = DEFAULT_CHANNELS  # the catalogue's default
    by_role: dict[str, frozenset[str]] = field(default_factory=dict)  # role → its default
    # Channels a person cannot turn off (a robot paused: its owner must hear of it).
    required: frozenset[str] = frozenset()
    order: int = 100

    def default_for(self, role: str | None) -> frozenset[str]:
        return self.by_role.get(role, self.channels) if role else self.channels


_KINDS: dict[str, Kind] = {}


def register(*kinds: Kind) -> None:
    for kind in kinds:
        _KINDS[kind.key] = kind


def get(key: str) -> Kind:
    """The kind named ``key``; a KeyError for one never registered (a programming error)."""
    return _KINDS[key]


def exists(key: str) -> bool:
    return key in _KINDS


def every() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.key))


def for_roles(roles: set[str], *, everything: bool = False) -> list[Kind]:
    """The kinds a person with ``roles`` may receive (every kind for an administrator)."""
    return [k for k in every() if everything or not k.roles or roles & set(k.roles)]
