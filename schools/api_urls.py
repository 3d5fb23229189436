"""API routes of the schools app, included by twinning/api_urls.py under ``api``."""

from rest_framework.routers import DefaultRouter

from . import api

# Format suffixes (``/pairings/1.json``) would double every route for no user need.
router = DefaultRouter()
router.include_format_suffixes = False
router.register("regions", api.RegionViewSet, basename="region")
router.register("schools", api.SchoolViewSet, basename="school")
router.register("programmes", api.ProgrammeViewSet, basename="programme")
router.register("pairings", api.PairingViewSet, basename="pairing")
router.register("needs", api.NeedsAssessmentViewSet, basename="needs")
router.register("goals", api.GoalViewSet, basename="goal")
router.register("day-overrides", api.DayOverrideViewSet, basename="day-override")
router.register("term-dates", api.TermDatesViewSet, basename="term-dates")

urlpatterns = router.urls
