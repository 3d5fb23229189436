"""Admin of the list of activity kinds (global: every region uses the same list).

Activities themselves are kept on the pages, through the services."""

from __future__ import annotations

from django.contrib import admin

from .models import ActivityKind


@admin.register(ActivityKind)
class ActivityKindAdmin(admin.ModelAdmin):
    list_display = ("name_zh", "name_en", "code", "order", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("name_zh", "name_en", "code")

    def get_readonly_fields(self, request, obj=None):
        # Codes are what the API and the targets name: fixed once made.
        return ("code",) if obj else ()

    def has_delete_permission(self, request, obj=None):
        # Kept on past activities; retire a kind by taking it out of use.
        return False
