"""API routes of the teachers app, included by twinning/api_urls.py under ``api``."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.include_format_suffixes = False
router.register("teachers", api.TeacherViewSet, basename="teacher")

urlpatterns = router.urls
