"""Root URLconf. Each area owns its own URL module; this file only mounts them.

Media files are never served directly: attachments go through scoped views.
"""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("twinning.api_urls")),
    path("", include("twinning.web_urls")),
    path("imports/", include("twinning.import_urls")),
    path("", include("schools.home_urls")),
    path("", include("schools.urls")),
    path("", include("teachers.urls")),
    path("", include("activities.urls")),
    path("", include("funding.urls")),
    path("", include("evaluation.urls")),
]

handler403 = "twinning.views.permission_denied"
handler404 = "twinning.views.page_not_found"
handler500 = "twinning.views.server_error"
