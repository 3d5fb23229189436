"""Scoped reads of the notification pages: a person's notifications, the robots they
manage and the robots' delivery logs. A robot outside the reader's scope is not found."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from twinning.access import resolve_scope
from twinning.db import get_or_404
from twinning.models import ChatRobot, Delivery, Notification, User


def notification_list_for(user: User, *, kind: str = "", state: str = "") -> QuerySet:
    """The notification centre's list: the user's in-app notifications, newest first."""
    found = Notification.objects.filter(recipient=user, in_app=True)
    if kind:
        found = found.filter(kind=kind)
    if state == "unread":
        found = found.filter(read_at__isnull=True)
    elif state == "read":
        found = found.filter(read_at__isnull=False)
    return found


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, in_app=True, read_at__isnull=True).count()


def robot_list_visible_to(user: User) -> QuerySet:
    """The robots the user manages (twinning.notify.chat.may_manage), by name."""
    scope = resolve_scope(user)
    robots = ChatRobot.objects.select_related("region", "school")
    if scope.is_admin:
        return robots
    return robots.filter(
        Q(school_id__any_of=scope.coordinator_school_ids)
        | Q(school__region_id__any_of=scope.bureau_region_ids)
        | Q(region_id__any_of=scope.bureau_region_ids)
    )


def robot_get_for_user(user: User, pk: int) -> ChatRobot:
    """The robot ``pk`` if the user manages it; 404 otherwise (its existence unsaid)."""
    return get_or_404(robot_list_visible_to(user), pk)


def deliveries_of(robot: ChatRobot) -> QuerySet:
    return Delivery.objects.filter(robot=robot).order_by("-created_at", "-id")
