"""The teacher registry pages."""

from django.urls import path

from . import views

app_name = "teachers"
urlpatterns: list = [
    path("teachers/", views.teacher_list, name="teacher_list"),
    path("teachers/export.csv", views.teacher_export, {"fmt": "csv"}, name="teacher_export_csv"),
    path("teachers/export.xlsx", views.teacher_export, {"fmt": "xlsx"}, name="teacher_export_xlsx"),
    path("teachers/new/", views.teacher_create, name="teacher_create"),
    path("teachers/import/", views.teacher_import, name="teacher_import"),
    path(
        "teachers/import/template.xlsx",
        views.teacher_import_template,
        name="teacher_import_template",
    ),
    path("teachers/import/<int:pk>/", views.teacher_import_batch, name="teacher_import_batch"),
    path("teachers/<int:pk>/", views.teacher_detail, name="teacher_detail"),
    path("teachers/<int:pk>/edit/", views.teacher_edit, name="teacher_edit"),
]
