"""Emails: one for a notification, or one a day with the notifications of the day (the
digest) for those who chose it. Each is a Delivery, sent by a task of its own, tried again
with backoff and given up after ``EMAIL_MAX_ATTEMPTS``; every email carries the link to
the page where its reader changes what reaches them (and the List-Unsubscribe header)."""

from __future__ import annotations

import datetime as dt
import logging
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from twinning.models import Channel, Delivery, Notification, User

from .chat import link
from .services import TITLE_LIMIT, one_line

logger = logging.getLogger(__name__)


class NotSent(Exception):
    """The mail server did not take the email; the task tries again later."""


def preferences_link() -> str:
    return link(reverse("notification_settings"))


def _message(delivery: Delivery, user: User) -> EmailMessage:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        footer = _("Choose what reaches you, and how: %(url)s") % {"url": preferences_link()}
    parts = [delivery.text.strip(), link(delivery.url) if delivery.url else "", "--", footer]
    return EmailMessage(
        subject=delivery.subject, body="\n\n".join(p for p in parts if p), to=[user.email],
        headers={"List-Unsubscribe": f"<{preferences_link()}>"},
    )  # fmt: skip


def deliver(delivery_id: int) -> bool:
    """Send the email ``delivery_id`` unless sent; True when it is sent. A failure is
    logged on the delivery and raised as :class:`NotSent` while attempts remain."""
    with transaction.atomic():
        delivery = (
            # of=self: the recipient is joined outer (a chat delivery has none), and
            # PostgreSQL locks no row of an outer join's nullable side.
            Delivery.objects.select_for_update(of=("self",)).select_related("recipient")
            .filter(pk=delivery_id, status=Delivery.Status.QUEUED).first()
        )  # fmt: skip
        if delivery is None:
            return False
        user = delivery.recipient
        delivery.attempts += 1
        try:
            if not user.email:
                raise ValueError(_("The recipient has no email address."))
            _message(delivery, user).send()
        except (OSError, SMTPException, BadHeaderError, ValueError) as error:
            delivery.answer = str(error)[:1000] or error.__class__.__name__
            gave_up = delivery.attempts >= settings.EMAIL_MAX_ATTEMPTS or not user.email
            delivery.status = Delivery.Status.FAILED if gave_up else Delivery.Status.QUEUED
            delivery.save(update_fields=["attempts", "answer", "status"])
            logger.warning("email %s to user %s failed: %s", delivery.pk, user.pk, delivery.answer)
            if gave_up:
                return False
            failed = True
        else:
            delivery.status, delivery.sent_at, delivery.answer = (
                Delivery.Status.SENT, timezone.now(), "ok",
            )  # fmt: skip
            delivery.save(update_fields=["attempts", "answer", "status", "sent_at"])
            failed = False
    if failed:  # raised after the commit, so that the attempt stays logged
        raise NotSent(delivery_id)
    return True


# --- the daily digest ----------------------------------------------------------------------


def digests_send(*, now: dt.datetime | None = None) -> int:
    """One email to each person with the digest's notifications written since their last
    digest (at most a day's); once per person and day, however often it runs. Returns
    how many digests this run queued."""
    from twinning import tasks

    now = now or timezone.now()
    day = timezone.localtime(now).date()
    pending = list(
        # Two days back: what came after the last digest, however late yesterday's ran.
        Notification.objects.filter(in_digest=True, created_at__gt=now - dt.timedelta(days=2),
                                    created_at__lte=now)
        .select_related("recipient").order_by("recipient_id", "created_at", "id")
    )  # fmt: skip
    last = dict(
        Delivery.objects.filter(channel=Channel.DIGEST,
                                recipient_id__in={n.recipient_id for n in pending})
        .values("recipient_id").annotate(last=Max("created_at")).values_list("recipient_id", "last")
    )  # fmt: skip
    by_user: dict[User, list[Notification]] = {}
    for notification in pending:
        user = notification.recipient
        since = last.get(user.pk, now - dt.timedelta(days=1))
        if user.is_active and user.email and notification.created_at > since:
            by_user.setdefault(user, []).append(notification)
    queued = 0
    for user, items in by_user.items():
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject = one_line(
                _("Your day on the twinning platform: %(count)s notifications") % {
                    "count": len(items)}, TITLE_LIMIT
            )  # fmt: skip
            text = "\n\n".join(
                "\n".join(p for p in (f"· {title}", body.strip(), n.url and link(n.url)) if p)
                for n in items
                for title, body in [n.text_in(user.language or settings.LANGUAGE_CODE)]
            )
        try:
            with transaction.atomic():
                delivery = Delivery.objects.create(
                    channel=Channel.DIGEST, recipient=user, kind="digest", key=day.isoformat(),
                    subject=subject, text=text, url=reverse("notifications"),
                )  # fmt: skip
        except IntegrityError:
            continue  # this day's digest was written before
        transaction.on_commit(lambda pk=delivery.pk: tasks.deliver_email.delay(pk))
        queued += 1
    return queued
