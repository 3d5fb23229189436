"""The funding pages."""

from django.urls import path

from . import aid_views, views

app_name = "funding"
urlpatterns: list = [
    path("funding/", views.overview, name="overview"),
    path("funding/budgets/", views.budget_list, name="budget_list"),
    path(
        "funding/budgets/export.csv", views.budget_export, {"fmt": "csv"}, name="budget_export_csv"
    ),
    path(
        "funding/budgets/export.xlsx",
        views.budget_export,
        {"fmt": "xlsx"},
        name="budget_export_xlsx",
    ),  # fmt: skip
    path("funding/budgets/new/", views.budget_create, name="budget_create"),
    path("funding/budgets/<int:pk>/", views.budget_detail, name="budget_detail"),
    path("funding/budgets/<int:pk>/edit/", views.budget_edit, name="budget_edit"),
    path("funding/budgets/<int:pk>/allocate/", views.budget_allocate, name="budget_allocate"),
    path("funding/tranches/<int:pk>/release/", views.tranche_release, name="tranche_release"),
    path("funding/approvals/", views.approval_queue, name="approval_queue"),
    path(
        "funding/approvals/export.csv",
        views.approval_queue_export,
        {"fmt": "csv"},
        name="approval_queue_export_csv",
    ),  # fmt: skip
    path(
        "funding/approvals/export.xlsx",
        views.approval_queue_export,
        {"fmt": "xlsx"},
        name="approval_queue_export_xlsx",
    ),  # fmt: skip
    path("funding/disbursements/", views.disbursement_list, name="disbursement_list"),
    path(
        "funding/disbursements/export.csv",
        views.disbursement_export,
        {"fmt": "csv"},
        name="disbursement_export_csv",
    ),  # fmt: skip
    path(
        "funding/disbursements/export.xlsx",
        views.disbursement_export,
        {"fmt": "xlsx"},
        name="disbursement_export_xlsx",
    ),  # fmt: skip
    path("funding/disbursements/<int:pk>/", views.disbursement_detail, name="disbursement_detail"),
    path("funding/disbursements/<int:pk>/edit/", views.disbursement_edit, name="disbursement_edit"),
    path(
        "funding/disbursements/<int:pk>/submit/",
        views.disbursement_submit,
        name="disbursement_submit",
    ),  # fmt: skip
    path(
        "funding/disbursements/<int:pk>/approve/",
        views.disbursement_approve,
        name="disbursement_approve",
    ),  # fmt: skip
    path(
        "funding/disbursements/<int:pk>/reject/",
        views.disbursement_reject,
        name="disbursement_reject",
    ),  # fmt: skip
    path("funding/disbursements/<int:pk>/pay/", views.disbursement_pay, name="disbursement_pay"),
    path(
        "funding/disbursements/<int:pk>/reverse/",
        views.disbursement_reverse,
        name="disbursement_reverse",
    ),  # fmt: skip
    path(
        "funding/disbursements/<int:pk>/delete/",
        views.disbursement_delete,
        name="disbursement_delete",
    ),  # fmt: skip
    path("funding/disbursements/<int:pk>/receipts/", views.receipt_add, name="receipt_add"),
    path("funding/receipts/<int:pk>/", views.receipt_download, name="receipt_download"),
    path("funding/receipts/<int:pk>/thumbnail/", views.receipt_thumbnail, name="receipt_thumbnail"),
    path("funding/receipts/<int:pk>/remove/", views.receipt_remove, name="receipt_remove"),
    path("funding/ledger/", views.ledger_list, name="ledger"),
    path(
        "funding/ledger/export.csv", views.ledger_export, {"fmt": "csv"}, name="ledger_export_csv"
    ),
    path(
        "funding/ledger/export.xlsx",
        views.ledger_export,
        {"fmt": "xlsx"},
        name="ledger_export_xlsx",
    ),  # fmt: skip
    path("funding/donations/", views.donation_list, name="donation_list"),
    path(
        "funding/donations/export.csv",
        views.donation_export,
        {"fmt": "csv"},
        name="donation_export_csv",
    ),  # fmt: skip
    path(
        "funding/donations/export.xlsx",
        views.donation_export,
        {"fmt": "xlsx"},
        name="donation_export_xlsx",
    ),  # fmt: skip
    path("funding/donations/<int:pk>/", views.donation_detail, name="donation_detail"),
    path("funding/donations/<int:pk>/edit/", views.donation_edit, name="donation_edit"),
    path("funding/donations/<int:pk>/delete/", views.donation_delete, name="donation_delete"),
    path(
        "funding/donations/<int:pk>/evidence/",
        views.donation_evidence_add,
        name="donation_evidence_add",
    ),  # fmt: skip
    path(
        "funding/donation-files/<int:pk>/",
        views.donation_evidence_download,
        name="donation_evidence_download",
    ),  # fmt: skip
    path(
        "funding/donation-files/<int:pk>/thumbnail/",
        views.donation_evidence_thumbnail,
        name="donation_evidence_thumbnail",
    ),  # fmt: skip
    path("pairings/<int:pk>/donations/new/", views.donation_create, name="donation_create"),
    path("pairings/<int:pk>/funding/", views.pairing_funding, name="pairing_funding"),
    path(
        "pairings/<int:pk>/disbursements/new/",
        views.disbursement_create,
        name="disbursement_create",
    ),  # fmt: skip
    # student aid
    path("aid/", aid_views.aid_home, name="aid_home"),
    path("aid/export.csv", aid_views.aid_export, {"fmt": "csv"}, name="aid_export_csv"),
    path("aid/export.xlsx", aid_views.aid_export, {"fmt": "xlsx"}, name="aid_export_xlsx"),
    path("aid/students/", aid_views.student_list, name="student_list"),
    path(
        "aid/students/export.csv",
        aid_views.student_export,
        {"fmt": "csv"},
        name="student_export_csv",
    ),  # fmt: skip
    path(
        "aid/students/export.xlsx",
        aid_views.student_export,
        {"fmt": "xlsx"},
        name="student_export_xlsx",
    ),  # fmt: skip
    path("aid/students/new/", aid_views.student_create, name="student_create"),
    path("aid/students/<int:pk>/", aid_views.student_detail, name="student_detail"),
    path("aid/students/<int:pk>/edit/", aid_views.student_edit, name="student_edit"),
    path("aid/students/<int:pk>/apply/", aid_views.application_create, name="aid_apply"),
    path(
        "aid/applications/<int:pk>/",
        aid_views.application_detail,
        name="aid_application_detail",
    ),  # fmt: skip
    path("aid/applications/<int:pk>/step/", aid_views.application_step, name="aid_step"),
    path("aid/applications/<int:pk>/submit/", aid_views.application_submit, name="aid_submit"),
    path(
        "aid/applications/<int:pk>/withdraw/",
        aid_views.application_withdraw,
        name="aid_withdraw",
    ),  # fmt: skip
    path(
        "aid/applications/<int:pk>/objection/",
        aid_views.application_objection,
        name="aid_objection",
    ),  # fmt: skip
    path("aid/applications/<int:pk>/approve/", aid_views.application_approve, name="aid_approve"),
    path("aid/applications/<int:pk>/reject/", aid_views.application_reject, name="aid_reject"),
    path("aid/applications/<int:pk>/pay/", aid_views.application_pay, name="aid_pay"),
    path("aid/applications/<int:pk>/review/", aid_views.application_review, name="aid_review"),
    path(
        "aid/objections/<int:pk>/resolve/",
        aid_views.objection_resolve,
        name="aid_objection_resolve",
    ),  # fmt: skip
    path("aid/documents/<int:pk>/", aid_views.document_download, name="aid_document"),
    path("aid/schemes/", aid_views.scheme_list, name="aid_scheme_list"),
    path(
        "aid/schemes/export.csv",
        aid_views.scheme_export,
        {"fmt": "csv"},
        name="aid_scheme_export_csv",
    ),  # fmt: skip
    path(
        "aid/schemes/export.xlsx",
        aid_views.scheme_export,
        {"fmt": "xlsx"},
        name="aid_scheme_export_xlsx",
    ),  # fmt: skip
    path("aid/schemes/new/", aid_views.scheme_create, name="aid_scheme_create"),
    path("aid/schemes/<int:pk>/", aid_views.scheme_detail, name="aid_scheme_detail"),
    path("aid/schemes/<int:pk>/edit/", aid_views.scheme_edit, name="aid_scheme_edit"),
    path("aid/notices/", aid_views.notice_list, name="aid_notice_list"),
    path(
        "aid/notices/export.csv",
        aid_views.notice_export,
        {"fmt": "csv"},
        name="aid_notice_export_csv",
    ),  # fmt: skip
    path(
        "aid/notices/export.xlsx",
        aid_views.notice_export,
        {"fmt": "xlsx"},
        name="aid_notice_export_xlsx",
    ),  # fmt: skip
    path("aid/notices/new/", aid_views.notice_create, name="aid_notice_create"),
    path("aid/notices/<int:pk>/", aid_views.notice_detail, name="aid_notice_detail"),
    path("aid/notices/<int:pk>/publish/", aid_views.notice_publish, name="aid_notice_publish"),
    path("aid/notice/<str:token>/", aid_views.notice_public, name="aid_notice_public"),
    path("aid/access-log/", aid_views.access_log, name="aid_access_log"),
    path(
        "aid/access-log/export.csv",
        aid_views.access_log_export,
        {"fmt": "csv"},
        name="aid_access_log_export_csv",
    ),  # fmt: skip
    path(
        "aid/access-log/export.xlsx",
        aid_views.access_log_export,
        {"fmt": "xlsx"},
        name="aid_access_log_export_xlsx",
    ),  # fmt: skip
]
