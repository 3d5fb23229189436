"""Admin of the core app: users, role assignments and notifications.

Users and role assignments are managed by administrators only (DESIGN.md §2), so
those pages answer superusers alone. Role assignments are written through
:func:`twinning.services.role_assign`; an assignment is never edited in place, it
is removed and another one given.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from .models import ChatRobot, Delivery, Notification, ReminderRun, RoleAssignment, User
from .services import role_assign, role_assignment_validate, role_unassign

ASSIGNMENT_FIELDS = ("role", "region", "school", "head")


class SuperuserOnly:
    """Every right on these pages belongs to superusers, whatever the model permissions."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class RoleAssignmentForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ("user", *ASSIGNMENT_FIELDS)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("role"):
            return cleaned
        try:
            role_assignment_validate(
                role=cleaned.get("role"),
                region=cleaned.get("region"),
                school=cleaned.get("school"),
                head=cleaned.get("head", False),
            )
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


class RoleAssignmentInline(SuperuserOnly, admin.TabularInline):
    model = RoleAssignment
    form = RoleAssignmentForm
    fk_name = "user"
    fields = ASSIGNMENT_FIELDS
    autocomplete_fields = ("region", "school")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("region", "school")


def _with_profile(fieldsets):
    # The profile fields join Django's "Personal info" section (its title keeps
    # Django's own translation).
    name, options = fieldsets[1]
    personal = (name, {**options, "fields": (*options["fields"], "full_name", "phone", "language")})
    return (fieldsets[0], personal, *fieldsets[2:])


@admin.register(User)
class UserAdmin(SuperuserOnly, DjangoUserAdmin):
    fieldsets = _with_profile(DjangoUserAdmin.fieldsets)
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "full_name",
                    "email",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = (
        "username",
        "full_name",
        "email",
        "phone",
        "is_active",
        "is_staff",
        "is_superuser",
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "role_assignments__role", "language")
    search_fields = ("username", "full_name", "first_name", "last_name", "email", "phone")
    inlines = [RoleAssignmentInline]

    def get_inlines(self, request, obj):
        # Roles are given once the user exists.
        return self.inlines if obj is not None else []

    def save_formset(self, request, form, formset, change):
        if formset.model is not RoleAssignment:
            return super().save_formset(request, form, formset, change)
        assignments = formset.save(commit=False)
        for removed in formset.deleted_objects:
            role_unassign(actor=request.user, assignment=removed)
        for assignment in assignments:
            if assignment.pk:
                # Edited in place: an assignment is replaced, never altered.
                role_unassign(
                    actor=request.user, assignment=RoleAssignment.objects.get(pk=assignment.pk)
                )
            role_assign(
                actor=request.user,
                user=form.instance,
                role=assignment.role,
                region=assignment.region,
                school=assignment.school,
                head=assignment.head,
            )


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SuperuserOnly, SimpleHistoryAdmin):
    form = RoleAssignmentForm
    list_display = ("user", "role", "region", "school", "head", "created_at")
    list_filter = ("role", "head")
    list_select_related = ("user", "region", "school")
    search_fields = (
        "user__username",
        "user__full_name",
        "region__name",
        "school__name",
        "school__code",
    )
    autocomplete_fields = ("user", "region", "school")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("user", *ASSIGNMENT_FIELDS, "created_at")
        return ()

    def save_model(self, request, obj, form, change):
        if change:
            return  # every field is read-only once the assignment exists
        assignment = role_assign(
            actor=request.user,
            user=form.cleaned_data["user"],
            role=form.cleaned_data["role"],
            region=form.cleaned_data.get("region"),
            school=form.cleaned_data.get("school"),
            head=form.cleaned_data.get("head", False),
        )
        obj.pk = assignment.pk
        obj.created_at = assignment.created_at
        obj._state.adding = False
        obj._state.db = assignment._state.db

    def delete_model(self, request, obj):
        role_unassign(actor=request.user, assignment=obj)

    def delete_queryset(self, request, queryset):
        for assignment in queryset.select_related("user"):
            role_unassign(actor=request.user, assignment=assignment)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Notifications are sent by the services; here they are read and, by superusers, removed.

    A staff user who is not a superuser sees only their own.
    """

    list_display = ("title", "kind", "recipient", "created_at", "read_at", "in_app", "in_digest")
    list_filter = ("kind", "in_app", "in_digest", "created_at", "read_at")
    list_select_related = ("recipient",)
    search_fields = ("title", "body", "key", "recipient__username", "recipient__full_name")
    readonly_fields = ("recipient", "kind", "key", "title", "body", "url", "created_at", "read_at",
                       "in_app", "in_digest")  # fmt: skip
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(recipient=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class ReadOnlyLog(SuperuserOnly):
    """Written by the services alone: read here, never added or changed."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ChatRobot)
class ChatRobotAdmin(ReadOnlyLog, admin.ModelAdmin):
    """Robots are registered on their region's or school's page; the token and the secret
    are never shown, here either."""

    list_display = ("name", "platform", "region", "school", "status", "failures", "created_at")
    list_filter = ("platform", "status")
    list_select_related = ("region", "school")
    search_fields = ("name", "region__name", "school__name")
    fields = ("name", "platform", "region", "school", "token_hint", "status", "failures",
              "paused_at", "paused_reason", "created_by", "created_at")  # fmt: skip
    readonly_fields = fields


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyLog, admin.ModelAdmin):
    """The delivery log: every email and chat message, with the server's last answer."""

    list_display = ("subject", "channel", "recipient", "robot", "status", "attempts", "created_at",
                    "sent_at")  # fmt: skip
    list_filter = ("channel", "status", "kind")
    list_select_related = ("recipient", "robot")
    search_fields = ("subject", "key", "recipient__username", "robot__name")
    date_hierarchy = "created_at"
    exclude = ("mentions",)  # phone numbers: the log says who was mentioned, not their phones

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Delivery._meta.fields if f.name != "mentions"]


@admin.register(ReminderRun)
class ReminderRunAdmin(ReadOnlyLog, admin.ModelAdmin):
    """The catalogue of reminders with each one's schedule and last run, above the runs."""

    list_display = ("reminder", "started_at", "finished_at", "sent", "error")
    list_filter = ("reminder",)
    readonly_fields = ("reminder", "started_at", "finished_at", "sent", "error")
    date_hierarchy = "started_at"

    def changelist_view(self, request, extra_context=None):
        from .notify import reminders

        extra_context = {**(extra_context or {}), "catalogue": reminders.catalogue()}
        return super().changelist_view(request, extra_context=extra_context)
