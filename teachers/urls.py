"""The teacher registry pages."""

from django.urls import path

from . import mentorship_views as mv
from . import rule_views, views

app_name = "teachers"
urlpatterns: list = [
    path(
        "programmes/<int:pk>/mentorship-rules/", rule_views.programme_rules, name="programme_rules"
    ),
    path(
        "programmes/<int:pk>/mentorship-rules/adopt/",
        rule_views.obligations_adopt,
        name="obligations_adopt",
    ),
    path("obligations/<int:pk>/edit/", rule_views.obligation_edit, name="obligation_edit"),
    path("obligations/<int:pk>/remove/", rule_views.obligation_remove, name="obligation_remove"),
    path("teachers/", views.teacher_list, name="teacher_list"),
    path("teachers/export.csv", views.teacher_export, {"fmt": "csv"}, name="teacher_export_csv"),
    path("teachers/export.xlsx", views.teacher_export, {"fmt": "xlsx"}, name="teacher_export_xlsx"),
    path("teachers/new/", views.teacher_create, name="teacher_create"),
    path("teachers/<int:pk>/", views.teacher_detail, name="teacher_detail"),
    path("teachers/<int:pk>/edit/", views.teacher_edit, name="teacher_edit"),
    # mentorships
    path("mentorships/", mv.mentorship_list, name="mentorship_list"),
    path(
        "mentorships/export.csv", mv.mentorship_export, {"fmt": "csv"}, name="mentorship_export_csv"
    ),
    path(
        "mentorships/export.xlsx",
        mv.mentorship_export,
        {"fmt": "xlsx"},
        name="mentorship_export_xlsx",
    ),
    path("mentorships/new/", mv.mentorship_create, name="mentorship_create"),
    path("mentorships/review/", mv.review_queue, name="review_queue"),
    path(
        "mentorships/review/export.csv",
        mv.review_queue_export,
        {"fmt": "csv"},
        name="review_queue_export_csv",
    ),
    path(
        "mentorships/review/export.xlsx",
        mv.review_queue_export,
        {"fmt": "xlsx"},
        name="review_queue_export_xlsx",
    ),
    path("mentorships/compliance/", mv.compliance_overview, name="compliance"),
    path("mentorships/<int:pk>/", mv.mentorship_detail, name="mentorship_detail"),
    path("mentorships/<int:pk>/accept/", mv.mentorship_accept, name="mentorship_accept"),
    path(
        "mentorships/<int:pk>/complete/",
        mv.mentorship_close,
        {"action": "complete"},
        name="mentorship_complete",
    ),
    path(
        "mentorships/<int:pk>/terminate/",
        mv.mentorship_close,
        {"action": "terminate"},
        name="mentorship_terminate",
    ),
    path("mentorships/<int:pk>/agreement/", mv.mentorship_agreement, name="mentorship_agreement"),
    path("mentorships/<int:pk>/records/new/", mv.record_create, name="record_create"),
    path("records/<int:pk>/edit/", mv.record_edit, name="record_edit"),
    path("records/<int:pk>/comment/", mv.record_comment, name="record_comment"),
    path("records/<int:pk>/sign-off/", mv.record_sign_off, name="record_sign_off"),
    path("attachments/<int:pk>/", mv.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/thumbnail/", mv.attachment_thumbnail, name="attachment_thumbnail"),
    path("pairings/<int:pk>/mentorships/", mv.pairing_mentorships, name="pairing_mentorships"),
]
