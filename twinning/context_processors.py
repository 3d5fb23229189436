from .access import EMPTY_SCOPE


def navigation(request):
    """Role flags and the unread count for the navigation bar (one query when signed in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"scope": EMPTY_SCOPE, "unread_notifications": 0}
    scope = request.scope
    return {
        "scope": scope,
        "roles": scope.roles,
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
    }
