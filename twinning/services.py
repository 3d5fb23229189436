"""Writes of the core app: reading notifications (sending them is twinning/notify) and
role assignments."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .access import forget_scope, resolve_scope
from .models import REGION_ROLES, SCHOOL_ROLES, Notification, Role, RoleAssignment, User


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
    *, actor: User | None, user: User, role: str, region=None, school=None, head: bool = False
) -> RoleAssignment:
    """Give ``user`` a role in a scope (bureau staff may be a head of the region's bureau).
    Only administrators manage assignments."""
    if actor is not None and not resolve_scope(actor).is_admin:
        raise PermissionDenied(_("Only administrators manage role assignments."))
    role_assignment_validate(role=role, region=region, school=school, head=head)
    assignment, _created = RoleAssignment.objects.update_or_create(
        user=user, role=role, region=region, school=school, defaults={"head": head}
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


def role_assignment_validate(*, role: str, region=None, school=None, head: bool = False) -> None:
    """The scope must fit the role: a region for bureau staff and inspectors, a school
    otherwise; only bureau staff are heads of a bureau."""
    if head and role != Role.BUREAU:
        raise ValidationError({"head": _("Only bureau staff are heads of a bureau.")})
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
