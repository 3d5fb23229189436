"""The import pages (twinning.import_views), for every kind of record."""

from django.urls import path

from . import import_views as views

app_name = "imports"
urlpatterns: list = [
    path("", views.import_home, name="home"),
    path("export.csv", views.import_history_export, {"fmt": "csv"}, name="history_export_csv"),
    path("export.xlsx", views.import_history_export, {"fmt": "xlsx"}, name="history_export_xlsx"),
    path("batches/<int:pk>/", views.import_batch, name="batch"),
    path("batches/<int:pk>/confirm/", views.import_confirm, name="confirm"),
    path("batches/<int:pk>/progress/", views.import_progress, name="progress"),
    path("batches/<int:pk>/errors.csv", views.import_errors, {"fmt": "csv"}, name="errors_csv"),
    path("batches/<int:pk>/errors.xlsx", views.import_errors, {"fmt": "xlsx"}, name="errors_xlsx"),
    path("batches/<int:pk>/file/", views.import_file, name="file"),
    path("<slug:kind>/", views.import_upload, name="upload"),
    path("<slug:kind>/template.xlsx", views.import_template, name="template"),
]
