"""API routes of the teachers app, included by twinning/api_urls.py under ``api``."""

from rest_framework.routers import SimpleRouter

from . import api, rule_api

router = SimpleRouter()
router.include_format_suffixes = False
router.register("teachers", api.TeacherViewSet, basename="teacher")
router.register("mentorships", api.MentorshipViewSet, basename="mentorship")
router.register("mentorship-records", api.RecordViewSet, basename="record")
router.register("attachments", api.AttachmentViewSet, basename="attachment")
router.register("programme-obligations", rule_api.ObligationViewSet, basename="obligation")
router.register("mentee-eligibility", rule_api.EligibilityViewSet, basename="mentee-eligibility")

urlpatterns = router.urls
