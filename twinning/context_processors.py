import math

from django.conf import settings

from .access import EMPTY_SCOPE
from .notify.selectors import unread_count


def navigation(request):
    """Role flags and the unread count for the navigation bar (one query when signed in),
    and how many minutes a roll-up is kept (the caption under one: includes/counted_at.html)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"scope": EMPTY_SCOPE, "unread_notifications": 0}
    scope = request.scope
    return {
        "scope": scope,
        "roles": scope.roles,
        "unread_notifications": unread_count(user),
        "roll_up_minutes": math.ceil(settings.COMPLIANCE_CACHE_SECONDS / 60),
    }
