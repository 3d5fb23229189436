"""Pages of the scorecard templates and the rankings, included by evaluation/urls.py."""

urlpatterns: list = []
