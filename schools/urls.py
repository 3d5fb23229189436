"""School and programme pages, and the pairing pages of pairing_urls.py."""

from django.urls import path

from . import views
from .pairing_urls import urlpatterns as pairing_urlpatterns

app_name = "schools"
urlpatterns: list = [
    path("schools/", views.school_list, name="school_list"),
    path("schools/export.csv", views.school_export, {"fmt": "csv"}, name="school_export"),
    path("schools/export.xlsx", views.school_export, {"fmt": "xlsx"}, name="school_export_xlsx"),
    path("schools/new/", views.school_create, name="school_create"),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("schools/<int:pk>/edit/", views.school_edit, name="school_edit"),
    path("calendar/days/", views.day_overrides, name="day_overrides"),
    path("calendar/days/<int:pk>/remove/", views.day_override_remove, name="day_override_remove"),
    path("calendar/terms/", views.term_dates, name="term_dates"),
    path("calendar/terms/<int:pk>/remove/", views.term_dates_remove, name="term_dates_remove"),
    path("programmes/", views.programme_list, name="programme_list"),
    path(
        "programmes/export.csv",
        views.programme_export,
        {"fmt": "csv"},
        name="programme_export_csv",
    ),  # fmt: skip
    path(
        "programmes/export.xlsx",
        views.programme_export,
        {"fmt": "xlsx"},
        name="programme_export_xlsx",
    ),  # fmt: skip
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    *pairing_urlpatterns,
]
