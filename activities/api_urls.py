"""API routes of the activities app, included by twinning/api_urls.py under ``api``."""

from rest_framework.routers import SimpleRouter

from . import api, rule_api

router = SimpleRouter()
router.include_format_suffixes = False
router.register("activities", api.ActivityViewSet, basename="activity")
router.register("activity-kinds", api.ActivityKindViewSet, basename="activity-kind")
router.register("evidence", api.EvidenceViewSet, basename="evidence")
router.register("secondments", api.SecondmentViewSet, basename="secondment")
router.register("resources", api.ResourceViewSet, basename="resource")
router.register("participation", api.ParticipationViewSet, basename="participation")
router.register("exchange-targets", api.ExchangeTargetViewSet, basename="exchange-target")
router.register("programme-targets", rule_api.ProgrammeTargetViewSet, basename="programme-target")

urlpatterns = router.urls
