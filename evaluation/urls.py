"""Pages of the evaluation app: the scorecards and their workflow here, the templates and
the rankings in template_urls.py."""

from django.urls import path

from . import views
from .template_urls import urlpatterns as template_urlpatterns

app_name = "evaluation"

urlpatterns = [
    path("scorecards/<int:pk>/", views.scorecard_detail, name="scorecard_detail"),
    *template_urlpatterns,
]
