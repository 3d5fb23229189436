"""Pages of the evaluation app: the scorecards and their workflow here, the templates and
the rankings in template_urls.py."""

from django.urls import path

from . import document_views, dossier_views, views
from .template_urls import urlpatterns as template_urlpatterns

app_name = "evaluation"

urlpatterns = [
    path("pairings/<int:pk>/evaluation/", views.pairing_evaluation, name="pairing_evaluation"),
    path("pairings/<int:pk>/evaluation/open/", views.scorecard_open, name="scorecard_open"),
    path("evaluation/scorecards/", views.scorecard_list, name="scorecard_list"),
    path(
        "evaluation/scorecards/export.csv",
        views.scorecard_export,
        {"fmt": "csv"},
        name="scorecard_export_csv",
    ),
    path(
        "evaluation/scorecards/export.xlsx",
        views.scorecard_export,
        {"fmt": "xlsx"},
        name="scorecard_export_xlsx",
    ),
    path("evaluation/inspection/", views.inspection_queue, name="inspection_queue"),
    path("evaluation/finalisation/", views.finalisation_queue, name="finalisation_queue"),
    path("evaluation/scorecards/<int:pk>/", views.scorecard_detail, name="scorecard_detail"),
    path(
        "evaluation/scorecards/<int:pk>/self-assessment/",
        views.scorecard_self_assess,
        name="scorecard_self_assess",
    ),
    path(
        "evaluation/scorecards/<int:pk>/inspection/",
        views.scorecard_inspect,
        name="scorecard_inspect",
    ),
    path("evaluation/scorecards/<int:pk>/submit/", views.scorecard_submit, name="scorecard_submit"),
    path(
        "evaluation/scorecards/<int:pk>/confirm/", views.scorecard_confirm, name="scorecard_confirm"
    ),
    path("evaluation/scorecards/<int:pk>/return/", views.scorecard_return, name="scorecard_return"),
    path(
        "evaluation/scorecards/<int:pk>/finish-inspection/",
        views.scorecard_finish_inspection,
        name="scorecard_finish_inspection",
    ),
    path(
        "evaluation/scorecards/<int:pk>/finalise/",
        views.scorecard_finalise,
        name="scorecard_finalise",
    ),
    path("evaluation/scorecards/<int:pk>/reopen/", views.scorecard_reopen, name="scorecard_reopen"),
    path("evaluation/evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path(
        "evaluation/evidence/<int:pk>/thumbnail/",
        views.evidence_thumbnail,
        name="evidence_thumbnail",
    ),
    path("evaluation/evidence/<int:pk>/remove/", views.evidence_remove, name="evidence_remove"),
    path("evaluation/documents/", document_views.document_list, name="document_list"),
    path("evaluation/documents/request/", document_views.document_request, name="document_request"),
    path(
        "evaluation/regions/<int:pk>/documents/",
        document_views.region_documents,
        name="region_documents",
    ),
    path(
        "evaluation/documents/<int:pk>/", document_views.document_download, name="document_download"
    ),
    path(
        "evaluation/documents/<int:pk>/excel/",
        document_views.document_download_xlsx,
        name="document_download_xlsx",
    ),
    path(
        "evaluation/documents/<int:pk>/status/",
        document_views.document_detail,
        name="document_detail",
    ),
    path(
        "evaluation/documents/<int:pk>/progress/",
        document_views.document_progress,
        name="document_progress",
    ),
    path(
        "evaluation/documents/<int:pk>/rebuild/",
        document_views.document_rebuild,
        name="document_rebuild",
    ),
    path(
        "evaluation/scorecards/<int:pk>/dossier.zip",
        dossier_views.dossier_download,
        name="scorecard_dossier",
    ),
    *template_urlpatterns,
]
