"""Core pages: sign-in, reading notifications, health and the language switch (the
notification centre and its settings: twinning/notification_views.py).

Views are thin: they parse the request, call a selector or a service, and render.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_POST, require_safe
from django.views.i18n import set_language

from . import services
from .api import server_error_response


class LoginView(auth_views.LoginView):
    """Django's sign-in, which also brings back the language the user chose last time."""

    template_name = "registration/login.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        language = form.get_user().language
        if language in dict(settings.LANGUAGES):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


@require_POST
def language(request):
    """Switch the interface language, and remember it on the user for emails and next logins."""
    if request.user.is_authenticated:
        services.user_set_language(user=request.user, language=request.POST.get("language", ""))
    return set_language(request)


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one notification read and follow its link."""
    # Only the user's own notifications are found: anyone else's answers 404.
    notification = get_object_or_404(request.user.notifications, pk=pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    if notification.url and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notification.url)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read_all(request):
    count = services.notification_mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications")


@require_safe
def healthz(request):
    """Liveness for load balancers and compose: the app answers and the database does too."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


# --- error pages ------------------------------------------------------------------------
# The API answers errors in its one JSON format even for paths no API view matched;
# pages get the translated templates (templates/403.html, 404.html, 500.html). With
# DEBUG on, Django shows its own debug page for 404 and 500 instead of calling these.


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": str(exception) or _("You may not do this.")}, status=403)
    return defaults.permission_denied(request, exception)


def server_error(request):
    if _is_api(request):
        return server_error_response()
    return defaults.server_error(request)
