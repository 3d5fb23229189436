"""API routes of the evaluation app, included by twinning/api_urls.py under ``api``."""

from rest_framework.routers import SimpleRouter

from . import api, document_api

router = SimpleRouter()
router.include_format_suffixes = False
router.register("scorecard-templates", api.ScorecardTemplateViewSet, basename="scorecard-template")
router.register("scorecard-areas", api.ScorecardAreaViewSet, basename="scorecard-area")
router.register(
    "scorecard-indicators", api.ScorecardIndicatorViewSet, basename="scorecard-indicator"
)
router.register("scorecards", api.ScorecardViewSet, basename="scorecard")
router.register("scorecard-evidence", api.ScorecardEvidenceViewSet, basename="scorecard-evidence")
router.register("scorecard-rankings", api.ScorecardRankingViewSet, basename="scorecard-ranking")
router.register("documents", document_api.DocumentViewSet, basename="document")

urlpatterns = router.urls
