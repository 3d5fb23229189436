"""The application's URLs plus the floor (bench/floor.py), for the benchmark server only."""

from django.urls import include, path

from twinning.urls import handler403, handler404, handler500  # noqa: F401

from . import floor

urlpatterns = [
    path("bench/floor/", floor.floor_page),
    path("bench/floor.json", floor.floor_json),
    path("", include("twinning.urls")),
]
