"""Admin of the teacher registry and of each programme's mentorship rules.

Scoped like the pages: lists read through the selectors. Administrators link a
teacher to the account they sign in with (they manage accounts); a programme's
bureau keeps its obligations and eligibility rule here. Writes go through the
services; mentorships and records are kept on the pages, not here.
"""

from __future__ import annotations

from django.contrib import admin

from schools.selectors import programme_list_visible_to
from twinning import access
from twinning.access import resolve_scope

from . import selectors, services
from .models import MentorshipPolicy, Obligation, Teacher


@admin.register(Teacher)
class TeacherAdmin(admin.ModelAdmin):
    list_display = ("name", "school", "staff_number", "title", "user", "is_active")
    list_select_related = ("school", "user")
    search_fields = ("name", "staff_number", "school__name", "school__code")
    autocomplete_fields = ("user",)
    fields = ("name", "school", "staff_number", "title", "user")

    def get_queryset(self, request):
        return selectors.teacher_list_visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        # The record itself is kept on the pages; here only the account link.
        return ("name", "school", "staff_number", "title")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        services.teacher_link_user(actor=request.user, teacher=obj, user=obj.user)


class ProgrammeRuleAdmin(admin.ModelAdmin):
    """A rule of a programme the user may see; its bureau changes it."""

    list_select_related = ("programme",)

    def get_queryset(self, request):
        visible = programme_list_visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(programme_id__in=visible)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "programme":
            scope = resolve_scope(request.user)
            programmes = programme_list_visible_to(request.user)
            kwargs["queryset"] = (
                programmes
                if scope.is_admin
                else programmes.filter(region_id__in=scope.bureau_region_ids)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (
            obj is None or access.can_manage_programme(resolve_scope(request.user), obj.programme)
        )

    has_delete_permission = has_change_permission


@admin.register(Obligation)
class ObligationAdmin(ProgrammeRuleAdmin):
    list_display = ("programme", "kind", "filer", "partner_lessons_only", "minimum", "period")
    list_filter = ("kind", "period")

    def save_model(self, request, obj, form, change):
        services.obligation_save(actor=request.user, obligation=obj)

    def delete_model(self, request, obj):
        services.obligation_delete(actor=request.user, obligation=obj)

    def delete_queryset(self, request, queryset):
        for obligation in queryset.select_related("programme"):
            services.obligation_delete(actor=request.user, obligation=obligation)


@admin.register(MentorshipPolicy)
class MentorshipPolicyAdmin(ProgrammeRuleAdmin):
    list_display = ("programme", "max_mentee_years")

    def save_model(self, request, obj, form, change):
        services.mentorship_policy_save(actor=request.user, policy=obj)
