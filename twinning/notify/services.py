"""The one write path of notifications: :func:`notify` says something to people once, on
the channels each of them chose; the preferences and the regions' defaults are set here.

A notification is one row per recipient, kind and key (a database constraint): a task
that runs twice, a beat that fires twice or two workers at once say nothing twice. Its
channels are independent: the in-app row is written in the caller's transaction, and
each email and each chat message is a :class:`~twinning.models.Delivery` of its own,
sent by its own task after the commit, so a mail server or a robot that fails holds back
nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from twinning.access import resolve_scope
from twinning.models import (
    Channel,
    Delivery,
    Notification,
    NotificationPreference,
    RegionNotificationDefault,
    Role,
    User,
)

from . import kinds

logger = logging.getLogger(__name__)

Message = Callable[[User], tuple[str, str]]  # (title, body) in the recipient's language


def one_line(text: str, limit: int) -> str:
    """``text`` on one line (an email subject cannot hold a line break) and within
    ``limit`` characters, cut with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


TITLE_LIMIT = Notification._meta.get_field("title").max_length


def notify(
    *, kind: str, key: str, recipients: Iterable[User], message: Message, url: str = "",
    personal: bool = False,
) -> list[Notification]:  # fmt: skip
    """Tell each active recipient about the event ``(kind, key)``, once ever.

    ``message(user)`` answers ``(title, body)``; it is called in each language of the
    platform (the notification keeps each, its email is in the user's).
    A group robot gets one message of the event, with its members' @mentions; with
    ``personal`` (the message differs from person to person) one per person.
    Returns the notifications written by this call (none for people told before).
    """
    from . import chat, preferences

    kinds.get(kind)  # an unregistered kind is a programming error, raised here
    people = {u.pk: u for u in recipients if u is not None and u.is_active}
    # Those told before are passed over before their message is even written (a reminder
    # runs every day over the same objects); the constraint still settles a race.
    for pk in Notification.objects.filter(
        kind=kind, key=key, recipient_id__in=list(people)
    ).values_list("recipient_id", flat=True):
        del people[pk]
    if not people:
        return []
    chosen = preferences.channels_for(people.values(), kind)
    written: list[Notification] = []
    group: list[User] = []  # those who chose the work chat
    for user in people.values():
        channels = chosen[user.pk]
        texts = _in_every_language(message, user)
        title, body = texts[user.language if user.language in texts else settings.LANGUAGE_CODE]
        notification = _write_once(
            recipient=user, kind=kind, key=key, title=title, body=body, texts=texts, url=url,
            in_app=Channel.IN_APP in channels, in_digest=Channel.DIGEST in channels,
        )  # fmt: skip
        if notification is None:
            continue  # told before
        written.append(notification)
        if Channel.EMAIL in channels and Channel.DIGEST not in channels and user.email:
            _queue_email(notification)
        if Channel.CHAT in channels:
            group.append(user)
    if group:
        if personal:
            for user in group:
                chat.queue(kind=kind, key=f"{key}:u{user.pk}", people=[user], message=message,
                           url=url)  # fmt: skip
        else:
            chat.queue(kind=kind, key=key, people=group, message=message, url=url)
    return written


def _in_every_language(message: Message, user: User) -> dict[str, list[str]]:
    """The message to ``user`` written in each language of the platform: the centre shows
    it in the language its reader reads the page in."""
    texts = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            title, body = message(user)
            texts[language] = [one_line(title, TITLE_LIMIT), str(body)]
    return texts


def _write_once(**fields) -> Notification | None:
    """The notification, written unless one exists for its recipient, kind and key."""
    try:
        with transaction.atomic():
            return Notification.objects.create(**fields)
    except IntegrityError:  # written before, or by a concurrent run a moment ago
        return None


def _queue_email(notification: Notification) -> None:
    from twinning import tasks

    delivery = Delivery.objects.create(
        channel=Channel.EMAIL, recipient_id=notification.recipient_id, kind=notification.kind,
        key=notification.key, subject=notification.title, text=notification.body,
        url=notification.url,
    )  # fmt: skip
    transaction.on_commit(lambda: tasks.deliver_email.delay(delivery.pk))


# --- preferences --------------------------------------------------------------------------


def _checked_channels(kind: kinds.Kind, channels: Iterable[str]) -> frozenset[str]:
    chosen = frozenset(channels)
    unknown = chosen - set(Channel.values)
    if unknown:
        raise ValidationError({"channels": _("Unknown channel: %(names)s.")
                               % {"names": ", ".join(sorted(unknown))}})  # fmt: skip
    if Channel.EMAIL in chosen and Channel.DIGEST in chosen:
        raise ValidationError(
            {
                "channels": _(
                    "Choose an email for each notification or the daily digest, not both."
                )
            }  # fmt: skip
        )
    return chosen | kind.required


def _kind(key: str) -> kinds.Kind:
    if not kinds.exists(key):
        raise ValidationError({"kind": _("There is no kind of notification called “%(key)s”.")
                               % {"key": key}})  # fmt: skip
    return kinds.get(key)


def preference_set(*, actor: User, kind: str, channels: Iterable[str]) -> NotificationPreference:
    """The actor's own channels for ``kind`` (a person sets only their own)."""
    found = _kind(kind)
    chosen = _checked_channels(found, channels)
    preference, _created = NotificationPreference.objects.update_or_create(
        user=actor, kind=kind, defaults={c: c in chosen for c in Channel.values}
    )
    return preference


def preference_reset(*, actor: User, kind: str | None = None) -> int:
    """Back to the inherited default, for one kind or (``kind=None``) for all of them."""
    mine = NotificationPreference.objects.filter(user=actor)
    if kind is not None:
        mine = mine.filter(kind=kind)
    return mine.delete()[0]


def region_default_set(
    *, actor: User, region, role: str, kind: str, channels: Iterable[str] | None
) -> RegionNotificationDefault | None:
    """A region's default for a role and kind, set by the bureau staff of the region (or
    above it); ``channels=None`` goes back to the catalogue's default."""
    scope = resolve_scope(actor)
    if not scope.is_admin and region.pk not in scope.bureau_region_ids:
        raise PermissionDenied(_("Only the region's bureau staff set its defaults."))
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    found = _kind(kind)
    if channels is None:
        RegionNotificationDefault.objects.filter(region=region, role=role, kind=kind).delete()
        return None
    chosen = _checked_channels(found, channels)
    default, _created = RegionNotificationDefault.objects.update_or_create(
        region=region, role=role, kind=kind,
        defaults={**{c: c in chosen for c in Channel.values}, "updated_by": actor},
    )  # fmt: skip
    return default
