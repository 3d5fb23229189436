"""Admin of the list of activity kinds (global: every region uses the same list; kept on
the list of kinds, /activities/kinds/, and here by administrators, through the same
services).

Activities themselves are kept on the pages, through the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from teachers.admin import ProgrammeRuleAdmin
from twinning import access
from twinning.access import resolve_scope
from twinning.forms import add_service_errors

from . import services
from .models import ActivityKind, PairingTarget


class ActivityKindAdminForm(forms.ModelForm):
    """The services' rules as form errors (a duplicate Chinese name, a kind a programme's
    target counts taken out of use …), rather than a failed save."""

    actor = None  # the request's user, set by the admin

    class Meta:
        model = ActivityKind
        fields = ("code", "name_zh", "name_en", "order", "is_active")

    def _post_clean(self):
        super()._post_clean()
        if self._errors:
            return  # the model's own checks already answered
        try:
            services.activity_kind_validate(self.instance, actor=self.actor)
        except ValidationError as error:
            add_service_errors(self, error)


@admin.register(ActivityKind)
class ActivityKindAdmin(admin.ModelAdmin):
    form = ActivityKindAdminForm
    list_display = ("name_zh", "name_en", "code", "order", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("name_zh", "name_en", "code")

    def _with_actor(self, form_class, request):
        return type(form_class.__name__, (form_class,), {"actor": request.user})

    def get_form(self, request, obj=None, change=False, **kwargs):
        return self._with_actor(super().get_form(request, obj, change, **kwargs), request)

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault("form", ActivityKindAdminForm)
        return self._with_actor(super().get_changelist_form(request, **kwargs), request)

    def get_fields(self, request, obj=None):
        # A kind is added in use (the services' rule); taken out of use once it exists.
        fields = super().get_fields(request, obj)
        return fields if obj else [name for name in fields if name != "is_active"]

    def get_readonly_fields(self, request, obj=None):
        # Codes are what the API and the targets name: fixed once made.
        return ("code",) if obj else ()

    def _keeps_kinds(self, request) -> bool:
        return access.can_manage_activity_kinds(resolve_scope(request.user))

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._keeps_kinds(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._keeps_kinds(request)

    def has_delete_permission(self, request, obj=None):
        # Kept on past activities; retire a kind by taking it out of use.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            services.activity_kind_update(
                actor=request.user, kind=obj,
                **{name: getattr(obj, name) for name in services.KIND_FIELDS},
            )  # fmt: skip
            return
        saved = services.activity_kind_create(
            actor=request.user, code=obj.code, name_zh=obj.name_zh, name_en=obj.name_en,
            order=obj.order,
        )  # fmt: skip
        # The admin goes on with its own instance (its message, its redirect).
        obj.pk, obj.is_active = saved.pk, saved.is_active
        obj._state.adding = False
        obj._state.db = saved._state.db


@admin.register(PairingTarget)
class PairingTargetAdmin(ProgrammeRuleAdmin):
    """A programme's own exchange targets, read-only here (kept on the programme's page)."""

    list_display = (
        "programme",
        "subject",
        "kind",
        "minimum",
        "period",
        "side",
        "valid_from",
        "valid_until",
    )
    list_filter = ("subject", "period", "side")
