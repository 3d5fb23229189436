"""Role landing pages, mounted at the site root without a namespace."""

from django.urls import path

from . import home_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("dashboard/", home_views.dashboard, name="dashboard"),
    path("my-school/", home_views.my_school, name="my_school"),
]
