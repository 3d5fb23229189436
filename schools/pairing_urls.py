"""Pairing pages (mounted by schools/urls.py under the ``schools`` namespace)."""

from django.urls import path, re_path

from . import pairing_views as views

urlpatterns: list = [
    path("pairings/", views.pairing_list, name="pairing_list"),
    path("pairings/new/", views.pairing_create, name="pairing_create"),
    # One name for both formats: {% url 'schools:pairing_export' fmt='xlsx' %} is the
    # workbook, {% url 'schools:pairing_export' %} (or fmt='csv') the CSV (its pattern
    # comes last, so that the name without arguments reverses to it).
    path("pairings/export.xlsx", views.pairing_export, {"fmt": "xlsx"}, name="pairing_export"),
    path("pairings/export.csv", views.pairing_export, {"fmt": "csv"}, name="pairing_export"),
    # The pairing page: a hub of tabs (schools/hub.py), each its own URL.
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing_detail"),
    path("pairings/<int:pk>/plan/", views.pairing_plan, name="pairing_plan"),
    path("pairings/<int:pk>/history/", views.pairing_history, name="pairing_history"),
    path("pairings/<int:pk>/edit/", views.pairing_edit, name="pairing_edit"),
    path("pairings/<int:pk>/agreement/", views.pairing_agreement, name="pairing_agreement"),
    path("pairings/<int:pk>/needs/", views.needs_save, name="needs_save"),
    path("pairings/<int:pk>/goals/", views.goal_create, name="goal_create"),
    path("pairings/<int:pk>/leading-group/", views.leading_group_add, name="leading_group_add"),
    path("pairings/<int:pk>/contacts/", views.contact_add, name="contact_add"),
    # Only the transitions' names: other apps add tabs under /pairings/<pk>/.
    re_path(
        r"^pairings/(?P<pk>[0-9]+)/(?P<action>propose|approve|reject|activate|conclude|terminate)/$",
        views.pairing_transition,
        name="pairing_transition",
    ),
    path("goals/<int:pk>/progress/", views.goal_progress, name="goal_progress"),
    path("goals/<int:pk>/delete/", views.goal_delete, name="goal_delete"),
    path("leading-group/<int:pk>/delete/", views.leading_group_remove, name="leading_group_remove"),
    path("contacts/<int:pk>/delete/", views.contact_remove, name="contact_remove"),
]
