"""Writes of the core app: notifications and role assignments."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import BadHeaderError, send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .access import forget_scope, resolve_scope
from .models import REGION_ROLES, SCHOOL_ROLES, Notification, Role, RoleAssignment, User

logger = logging.getLogger(__name__)


def _one_line(text: str, limit: int) -> str:
    """``text`` on one line (an email subject cannot hold a line break) and within
    ``limit`` characters, cut with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def notification_send(
    *, recipient: User, key: str, title: str, body: str = "", url: str = "", email: bool = True
) -> Notification:
    """Create the notification once per (recipient, key) and email it once.

    Safe to call again for the same event (a task retry, a second beat): nothing is
    sent twice. The notification is kept even when the email cannot be sent (the mail
    server is down, the address is refused): the failure is logged, the caller goes on
    to the next person, and the email goes out when the same event is sent again.
    """
    title = _one_line(title, Notification._meta.get_field("title").max_length)
    try:
        with transaction.atomic():
            notification, _created = Notification.objects.get_or_create(
                recipient=recipient, key=key, defaults={"title": title, "body": body, "url": url}
            )
    except IntegrityError:  # a concurrent run created it first
        notification = Notification.objects.get(recipient=recipient, key=key)
    if not email or not recipient.email:
        return notification
    try:
        with transaction.atomic():
            locked = Notification.objects.select_for_update().get(pk=notification.pk)
            if locked.emailed_at is None:
                link = f"{settings.SITE_URL.rstrip('/')}{locked.url}" if locked.url else ""
                send_mail(
                    subject=locked.title,
                    message=f"{locked.body}\n\n{link}".strip(),
                    from_email=None,
                    recipient_list=[recipient.email],
                )
                locked.emailed_at = timezone.now()
                locked.save(update_fields=["emailed_at"])
            return locked
    except (OSError, BadHeaderError):  # smtplib's errors are OSErrors
        logger.warning("notification %s not emailed to user %s", notification.pk,
                       recipient.pk, exc_info=True)  # fmt: skip
        return notification


def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    if notification.recipient_id != actor.pk:
        raise ValidationError(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def role_assign(
    *, actor: User | None, user: User, role: str, region=None, school=None
) -> RoleAssignment:
    """Give ``user`` a role in a scope. Only administrators manage assignments."""
    if actor is not None and not resolve_scope(actor).is_admin:
        raise PermissionDenied(_("Only administrators manage role assignments."))
    role_assignment_validate(role=role, region=region, school=school)
    assignment, _created = RoleAssignment.objects.get_or_create(
        user=user, role=role, region=region, school=school
    )
    forget_scope(user)
    return assignment


def role_unassign(*, actor: User | None, assignment: RoleAssignment) -> None:
    """Take a role away. Only administrators manage assignments; history keeps the record."""
    if actor is not None and not resolve_scope(actor).is_admin:
        raise PermissionDenied(_("Only administrators manage role assignments."))
    user = assignment.user
    if actor is not None:
        assignment._history_user = actor
    assignment.delete()
    forget_scope(user)


def role_assignment_validate(*, role: str, region=None, school=None) -> None:
    """The scope must fit the role: a region for bureau staff and inspectors, a school otherwise."""
    if role in REGION_ROLES and (region is None or school is not None):
        raise ValidationError({"region": _("This role is scoped to a region.")})
    if role in SCHOOL_ROLES and (school is None or region is not None):
        raise ValidationError({"school": _("This role is scoped to a school.")})
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})


def user_set_language(*, user: User, language: str) -> None:
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def in_language_of(user: User):
    """Context manager: render text in the recipient's language."""
    return translation.override(user.language or settings.LANGUAGE_CODE)
