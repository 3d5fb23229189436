"""Admin of the teacher registry and of each programme's mentorship rules.

Scoped like the pages: lists read through the selectors. Administrators link a
teacher to the account they sign in with (they manage accounts); a programme's
bureau keeps its obligations and eligibility rule here. Writes go through the
services; mentorships and records are kept on the pages, not here.
"""

from __future__ import annotations

from django.contrib import admin

from schools.selectors import programme_list_visible_to

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
    """A rule of a programme the user may see, read-only here: its bureau keeps it on the
    programme's page, where a change counts from today and closed periods keep theirs
    (twinning/rulebook.py)."""

    list_select_related = ("programme",)

    def get_queryset(self, request):
        visible = programme_list_visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(programme_id__in=visible)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Obligation)
class ObligationAdmin(ProgrammeRuleAdmin):
    list_display = (
        "programme", "kind", "filer", "partner_lessons_only", "minimum", "period",
        "valid_from", "valid_until",
    )  # fmt: skip
    list_filter = ("kind", "period")


@admin.register(MentorshipPolicy)
class MentorshipPolicyAdmin(ProgrammeRuleAdmin):
    list_display = ("programme", "max_mentee_years")
