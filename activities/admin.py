"""Admin of the list of activity kinds (global: every region uses the same list).

Activities themselves are kept on the pages, through the services."""

from __future__ import annotations

from django.contrib import admin

from teachers.admin import ProgrammeRuleAdmin

from . import services
from .models import ActivityKind, PairingTarget


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


@admin.register(PairingTarget)
class PairingTargetAdmin(ProgrammeRuleAdmin):
    """A programme's own exchange targets, kept by its bureau; saved through the service."""

    list_display = ("programme", "subject", "kind", "minimum", "period", "side")
    list_filter = ("subject", "period", "side")

    def save_model(self, request, obj, form, change):
        services.target_save(actor=request.user, target=obj)

    def delete_model(self, request, obj):
        services.target_delete(actor=request.user, target=obj)

    def delete_queryset(self, request, queryset):
        for target in queryset.select_related("programme"):
            services.target_delete(actor=request.user, target=target)
