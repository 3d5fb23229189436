"""Core pages: sign-in, notifications (the centre, preferences, region defaults, work-chat
robots) and the language switch."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import notification_views as notices
from . import views

urlpatterns: list = [
    path("healthz/", views.healthz, name="healthz"),
    path("notifications/", notices.notification_list, name="notifications"),
    path("notifications/settings/", notices.notification_settings, name="notification_settings"),
    path(
        "notifications/settings/reset/",
        notices.notification_settings_reset,
        name="notification_settings_reset",
    ),
    path("notifications/defaults/", notices.notification_defaults, name="notification_defaults"),
    path("notifications/robots/", notices.robot_list, name="robot_list"),
    path("notifications/robots/new/", notices.robot_create, name="robot_create"),
    path("notifications/robots/<int:pk>/", notices.robot_detail, name="robot_detail"),
    path("notifications/robots/<int:pk>/test/", notices.robot_test, name="robot_test"),
    path("notifications/robots/<int:pk>/pause/", notices.robot_pause, name="robot_pause"),
    path("notifications/robots/<int:pk>/resume/", notices.robot_resume, name="robot_resume"),
    path("notifications/robots/<int:pk>/delete/", notices.robot_delete, name="robot_delete"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("language/", views.language, name="language"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    # Django's LogoutView answers POST only: a link or an image cannot sign anyone out.
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="registration/password_change_form.html"
        ),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
]
