"""The activity pages."""

from django.urls import path

from . import calendar_views, rule_views, views

app_name = "activities"
urlpatterns: list = [
    path("activities/", views.activity_list, name="activity_list"),
    path(
        "activities/export.csv", views.activity_export, {"fmt": "csv"}, name="activity_export_csv"
    ),
    path(
        "activities/export.xlsx",
        views.activity_export,
        {"fmt": "xlsx"},
        name="activity_export_xlsx",
    ),  # fmt: skip
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/complete/", views.activity_complete, name="activity_complete"),
    path("activities/<int:pk>/cancel/", views.activity_cancel, name="activity_cancel"),
    path("activities/<int:pk>/postpone/", views.activity_postpone, name="activity_postpone"),
    path("activities/<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/thumbnail/", views.evidence_thumbnail, name="evidence_thumbnail"),
    path("evidence/<int:pk>/remove/", views.evidence_remove, name="evidence_remove"),
    path("activities/targets/", views.targets_overview, name="targets"),
    path("programmes/<int:pk>/targets/", rule_views.programme_targets, name="programme_targets"),
    path("programmes/<int:pk>/targets/adopt/", rule_views.targets_adopt, name="targets_adopt"),
    path("targets/<int:pk>/edit/", rule_views.target_edit, name="target_edit"),
    path("targets/<int:pk>/remove/", rule_views.target_remove, name="target_remove"),
    path("activities/kinds/", views.kind_list, name="kind_list"),
    path("activities/kinds/<int:pk>/edit/", views.kind_edit, name="kind_edit"),
    path("calendar/", calendar_views.calendar_month, name="calendar_month"),
    path("calendar/week/", calendar_views.calendar_week, name="calendar_week"),
    path("calendar/feed/", calendar_views.calendar_feed, name="calendar_feed"),
    path("calendar/feed/make/", calendar_views.calendar_feed_make, name="calendar_feed_make"),
    path("calendar/feed/revoke/", calendar_views.calendar_feed_revoke, name="calendar_feed_revoke"),
    path(
        "calendar/feed/<str:token>.ics",
        calendar_views.calendar_feed_ics,
        name="calendar_feed_ics",
    ),  # fmt: skip
    path("secondments/", views.secondment_list, name="secondment_list"),
    path(
        "secondments/export.csv",
        views.secondment_export,
        {"fmt": "csv"},
        name="secondment_export_csv",
    ),  # fmt: skip
    path(
        "secondments/export.xlsx",
        views.secondment_export,
        {"fmt": "xlsx"},
        name="secondment_export_xlsx",
    ),  # fmt: skip
    path("secondments/<int:pk>/", views.secondment_detail, name="secondment_detail"),
    path("secondments/<int:pk>/edit/", views.secondment_edit, name="secondment_edit"),
    path("secondments/<int:pk>/cancel/", views.secondment_cancel, name="secondment_cancel"),
    path(
        "secondments/<int:pk>/confirm-days/",
        views.secondment_confirm_days,
        name="secondment_confirm_days",
    ),  # fmt: skip
    path("pairings/<int:pk>/secondments/new/", views.secondment_create, name="secondment_create"),
    path("teachers/<int:pk>/participation/", views.participation_record, name="participation"),
    path("teachers/<int:pk>/participation.pdf", views.participation_pdf, name="participation_pdf"),
    path("resources/", views.resource_list, name="resource_list"),
    path("resources/export.csv", views.resource_export, {"fmt": "csv"}, name="resource_export_csv"),
    path(
        "resources/export.xlsx",
        views.resource_export,
        {"fmt": "xlsx"},
        name="resource_export_xlsx",
    ),  # fmt: skip
    path("resources/<int:pk>/", views.resource_download, name="resource_download"),
    path("resources/<int:pk>/thumbnail/", views.resource_thumbnail, name="resource_thumbnail"),
    path("resources/<int:pk>/remove/", views.resource_remove, name="resource_remove"),
    path("pairings/<int:pk>/resources/", views.pairing_resources, name="pairing_resources"),
    path("pairings/<int:pk>/exchanges/", views.pairing_exchanges, name="pairing_exchanges"),
    path("pairings/<int:pk>/activities/new/", views.activity_create, name="activity_create"),
]
