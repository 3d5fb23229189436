"""Pages of the scorecard templates and the rankings, included by evaluation/urls.py."""

from django.urls import path

from . import ranking_views, template_views

urlpatterns: list = [
    path("evaluation/templates/", template_views.template_list, name="template_list"),
    path("evaluation/templates/<int:pk>/", template_views.template_detail, name="template_detail"),
    path("evaluation/templates/<int:pk>/edit/", template_views.template_edit, name="template_edit"),
    path("evaluation/templates/<int:pk>/copy/", template_views.template_copy, name="template_copy"),
    path(
        "evaluation/templates/<int:pk>/publish/",
        template_views.template_publish,
        name="template_publish",
    ),
    path(
        "evaluation/templates/<int:pk>/delete/",
        template_views.template_delete,
        name="template_delete",
    ),
    path(
        "evaluation/templates/<int:pk>/areas/new/", template_views.area_create, name="area_create"
    ),
    path("evaluation/areas/<int:pk>/edit/", template_views.area_edit, name="area_edit"),
    path("evaluation/areas/<int:pk>/remove/", template_views.area_remove, name="area_remove"),
    path(
        "evaluation/templates/<int:pk>/indicators/new/",
        template_views.indicator_create,
        name="indicator_create",
    ),
    path(
        "evaluation/indicators/<int:pk>/edit/",
        template_views.indicator_edit,
        name="indicator_edit",
    ),
    path(
        "evaluation/indicators/<int:pk>/remove/",
        template_views.indicator_remove,
        name="indicator_remove",
    ),
    path("evaluation/rankings/", ranking_views.rankings, name="rankings"),
    path(
        "evaluation/rankings/export.csv",
        ranking_views.rankings_export,
        {"fmt": "csv"},
        name="rankings_export_csv",
    ),
    path(
        "evaluation/rankings/export.xlsx",
        ranking_views.rankings_export,
        {"fmt": "xlsx"},
        name="rankings_export_xlsx",
    ),
]
