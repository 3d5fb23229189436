"""Admin of regions, schools, programmes, pairings, needs assessments and plans.

The admin obeys the same scoping as the pages (DESIGN.md §2): every list reads
through the scoped selectors, so a staff user who is not a superuser sees only
what is in their scope, and an object outside it is "not found". Writes go
through :mod:`schools.services` where a service exists; a pairing's status is
never changed here (its lifecycle lives on the pairing pages), and history cannot
be reverted from the admin, since a revert would bypass the services.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from twinning import access
from twinning.access import resolve_scope

from . import selectors, services
from .models import (
    ContactPerson,
    DayOverride,
    Goal,
    LeadingGroupMember,
    NeedsAssessment,
    Pairing,
    PairingMember,
    PairingTransition,
    Programme,
    ProgressUpdate,
    Region,
    School,
    TermDates,
)
from .resources import SchoolResource


def _members_prefetch(prefix: str = "") -> Prefetch:
    # A pairing's title names its schools: load them with the list, not once a row.
    return Prefetch(f"{prefix}members", queryset=PairingMember.objects.select_related("school"))


class ScopedAdmin(SimpleHistoryAdmin):
    """Reads through a scoped selector; history is read-only and scoped too."""

    def scoped_queryset(self, request):
        raise NotImplementedError

    def get_queryset(self, request):
        queryset = self.scoped_queryset(request)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def _in_scope(self, request, object_id) -> bool:
        try:
            return self.get_queryset(request).filter(pk=object_id).exists()
        except (ValueError, TypeError, ValidationError):
            return False

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or obj.pk is None or self._in_scope(request, obj.pk))

    def history_view(self, request, object_id, extra_context=None):
        if not self._in_scope(request, object_id) and not request.user.is_superuser:
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        if not self._in_scope(request, object_id) and not request.user.is_superuser:
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True

    def has_delete_permission(self, request, obj=None):
        # Deleting bypasses the services' audit; only administrators clean up.
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class ReadOnlyInline(admin.TabularInline):
    """Shown on the change page of an object the user may already see; never edited here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_view_permission(self, request, obj=None):
        return True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _bureau_regions(request):
    """Regions whose bureau the user belongs to: where they may add schools and programmes."""
    scope = resolve_scope(request.user)
    if scope.is_admin:
        return Region.objects.all()
    return Region.objects.filter(id__in=scope.bureau_region_ids)


def _saved_as(obj, saved) -> None:
    """Point the admin's form instance at the row a service saved."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj._state.db = saved._state.db


# --- regions -----------------------------------------------------------------------


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    list_display = ("name", "code", "level", "parent")
    list_filter = ("level",)
    list_select_related = ("parent",)
    search_fields = ("name", "code")

    def scoped_queryset(self, request):
        return selectors.region_list_visible_to(request.user).select_related("parent")

    def get_readonly_fields(self, request, obj=None):
        # Moving a region would leave the paths of the regions below it stale.
        return ("parent",) if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = _bureau_regions(request)
            # Bureau staff add regions below their own; only administrators add a root.
            kwargs["required"] = not request.user.is_superuser
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        scope = resolve_scope(request.user)
        return super().has_add_permission(request) and (
            scope.is_admin or bool(scope.bureau_region_ids)
        )

    def has_change_permission(self, request, obj=None):
        # Only administrators correct a region (services.region_update).
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            services.region_update(
                actor=request.user,
                region=obj,
                **{name: form.cleaned_data[name] for name in form.changed_data},
            )
            return
        region = services.region_create(
            actor=request.user,
            name=obj.name,
            code=obj.code,
            level=obj.level,
            parent=obj.parent,
        )
        _saved_as(obj, region)


# --- schools -----------------------------------------------------------------------


class SchoolAdminForm(forms.ModelForm):
    class Meta:
        model = School
        fields = services.SCHOOL_FIELDS

    def _post_clean(self):
        super()._post_clean()
        region = self.cleaned_data.get("region")
        if self.instance.pk and region is not None and region.pk != self.initial.get("region"):
            # The service would refuse the move on save; say so on the form instead.
            try:
                services.school_move_validate(school=self.instance, region=region)
            except ValidationError as error:
                self._update_errors(error)


@admin.register(School)
class SchoolAdmin(ImportExportModelAdmin, ScopedAdmin):
    form = SchoolAdminForm
    resource_classes = [SchoolResource]
    import_formats = [CSV, XLSX]
    export_formats = [CSV, XLSX]
    list_display = ("name", "code", "region", "stage", "location", "enrolment", "staff_count")
    list_filter = ("stage", "location", ("region", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("region",)
    search_fields = ("name", "code", "address", "contact_name")
    fields = services.SCHOOL_FIELDS

    def scoped_queryset(self, request):
        return selectors.school_list_visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            kwargs["queryset"] = _bureau_regions(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        scope = resolve_scope(request.user)
        return super().has_add_permission(request) and (
            scope.is_admin or bool(scope.bureau_region_ids)
        )

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (
            obj is None or access.can_manage_school(resolve_scope(request.user), obj)
        )

    def has_import_permission(self, request):
        return self.has_add_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

    def save_model(self, request, obj, form, change):
        values = {
            name: getattr(obj, name) for name in services.SCHOOL_FIELDS if name in form.cleaned_data
        }
        if change:
            school = School.objects.get(pk=obj.pk)
            services.school_update(actor=request.user, school=school, **values)
        else:
            _saved_as(obj, services.school_create(actor=request.user, **values))


# --- programmes ----------------------------------------------------------------------


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = services.PROGRAMME_FIELDS

    def _post_clean(self):
        super()._post_clean()
        try:
            services.programme_validate(self.instance)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(Programme)
class ProgrammeAdmin(ScopedAdmin):
    form = ProgrammeForm
    list_display = (
        "name", "region", "start_year", "years", "pairing_kind", "reach",
        "funding_per_pair", "pass_mark", "is_open",
    )  # fmt: skip
    list_filter = ("pairing_kind", "reach", "is_open", "start_year")
    list_select_related = ("region",)
    search_fields = ("name", "description")

    def scoped_queryset(self, request):
        return selectors.programme_list_visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        # The service refuses to move a programme that has pairings.
        if obj is not None and obj.pairings.exists():
            return ("region",)
        return ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            kwargs["queryset"] = _bureau_regions(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        scope = resolve_scope(request.user)
        return super().has_add_permission(request) and (
            scope.is_admin or bool(scope.bureau_region_ids)
        )

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (
            obj is None or access.can_manage_programme(resolve_scope(request.user), obj)
        )

    def save_model(self, request, obj, form, change):
        values = {
            name: getattr(obj, name)
            for name in services.PROGRAMME_FIELDS
            if name in form.cleaned_data
        }
        if change:
            programme = Programme.objects.get(pk=obj.pk)
            services.programme_update(actor=request.user, programme=programme, **values)
        else:
            _saved_as(obj, services.programme_create(actor=request.user, **values))


# --- pairings ------------------------------------------------------------------------


class PairingMemberInline(ReadOnlyInline):
    model = PairingMember
    fields = ("school", "role")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("school")


class PairingTransitionInline(ReadOnlyInline):
    model = PairingTransition
    fields = ("from_status", "to_status", "actor", "comment", "at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class LeadingGroupInline(ReadOnlyInline):
    model = LeadingGroupMember
    fields = ("school", "name", "title", "position")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("school")


class ContactInline(ReadOnlyInline):
    model = ContactPerson
    fields = ("school", "name", "phone", "email")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("school")


def _pairing_school_ids(pairing: Pairing) -> set[int]:
    return set(pairing.members.values_list("school_id", flat=True))


@admin.register(Pairing)
class PairingAdmin(ScopedAdmin):
    list_display = ("__str__", "programme", "region", "status", "proposed_at", "updated_at")
    list_filter = ("status", ("programme", admin.RelatedOnlyFieldListFilter))
    search_fields = ("helping_school__name", "helping_school__code", "programme__name")
    date_hierarchy = "created_at"
    fields = (
        "programme", "region", "helping_school", "status", *services.PAIRING_DETAIL_FIELDS,
        "created_by", "created_at", "proposed_by", "proposed_at", "updated_at",
    )  # fmt: skip
    readonly_fields = (
        "programme", "region", "helping_school", "status",
        "created_by", "created_at", "proposed_by", "proposed_at", "updated_at",
    )  # fmt: skip
    inlines = [PairingMemberInline, PairingTransitionInline, LeadingGroupInline, ContactInline]

    def scoped_queryset(self, request):
        return selectors.pairing_list_visible_to(request.user)

    def has_add_permission(self, request):
        # A pairing starts on the pairing pages, as a proposal with its schools.
        return False

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        scope = resolve_scope(request.user)
        return obj.status not in services.CLOSED_STATUSES and access.can_edit_pairing(
            scope, obj, _pairing_school_ids(obj)
        )

    def save_model(self, request, obj, form, change):
        values = {
            name: getattr(obj, name)
            for name in services.PAIRING_DETAIL_FIELDS
            if name in form.changed_data
        }
        services.pairing_update(actor=request.user, pairing=obj, **values)


# --- needs and plan ------------------------------------------------------------------


class PairingPartAdmin(ScopedAdmin):
    """Needs and goals: visible and editable as their pairing is."""

    list_select_related = ("school", "pairing__helping_school")

    def has_add_permission(self, request):
        # They are entered on the pairing page, in the context of the pairing.
        return False

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        pairing = obj.pairing
        return pairing.status not in services.CLOSED_STATUSES and access.can_edit_pairing(
            resolve_scope(request.user), pairing, _pairing_school_ids(pairing)
        )


@admin.register(NeedsAssessment)
class NeedsAssessmentAdmin(PairingPartAdmin):
    list_display = ("pairing", "school", "dimension", "rating", "assessed_by", "updated_at")
    list_filter = ("dimension", "rating")
    search_fields = ("school__name", "findings", "needs")
    fields = (
        "pairing",
        "school",
        "dimension",
        "rating",
        "findings",
        "needs",
        "assessed_by",
        "updated_at",
    )
    readonly_fields = ("pairing", "school", "dimension", "assessed_by", "updated_at")

    def scoped_queryset(self, request):
        return (
            selectors.needs_list_visible_to(request.user)
            .select_related("pairing__helping_school")
            .prefetch_related(_members_prefetch("pairing__"))
        )

    def save_model(self, request, obj, form, change):
        services.needs_assessment_save(
            actor=request.user,
            pairing=obj.pairing,
            school=obj.school,
            dimension=obj.dimension,
            rating=obj.rating,
            findings=obj.findings,
            needs=obj.needs,
        )


class ProgressUpdateInline(ReadOnlyInline):
    model = ProgressUpdate
    fields = ("value", "note", "reported_by", "reported_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reported_by")


@admin.register(Goal)
class GoalAdmin(PairingPartAdmin):
    """Goals are read here; they are planned and reported on the pairing page (no
    service edits a goal in place). Those who may edit the plan may delete a goal."""

    list_display = (
        "title", "pairing", "school", "period_kind", "school_year", "period_number",
        "target_value", "unit", "current_value", "due_on",
    )  # fmt: skip
    list_filter = ("period_kind", "dimension", "school_year")
    search_fields = ("title", "school__name")
    readonly_fields = (
        "pairing", "school", "parent", "dimension", "title", "target_value", "unit",
        "current_value", "period_kind", "school_year", "period_number", "due_on",
        "created_by", "created_at",
    )  # fmt: skip
    fields = readonly_fields
    inlines = [ProgressUpdateInline]

    def scoped_queryset(self, request):
        return (
            selectors.goal_list_visible_to(request.user)
            .select_related("pairing__helping_school")
            .prefetch_related(_members_prefetch("pairing__"))
        )

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        if not admin.ModelAdmin.has_delete_permission(self, request, obj):
            return False
        if obj is None:
            return True
        return PairingPartAdmin.has_change_permission(self, request, obj)

    def delete_model(self, request, obj):
        services.goal_delete(actor=request.user, goal=obj)

    def delete_queryset(self, request, queryset):
        for goal in queryset.select_related("pairing"):
            if self.has_delete_permission(request, goal):
                services.goal_delete(actor=request.user, goal=goal)
            else:
                raise PermissionDenied


class TermDatesForm(forms.ModelForm):
    class Meta:
        model = TermDates
        fields = ["region", "school_year", "term", "start", "end"]

    def clean(self):
        data = super().clean()
        if all(data.get(name) for name in self.Meta.fields):
            try:
                services.term_dates_check(**{name: data[name] for name in self.Meta.fields})
            except ValidationError as error:
                self.add_error(None, error)
        return data


class RegionSettingAdmin(admin.ModelAdmin):
    """A region's own settings (term dates, working-day exceptions): its bureau keeps
    them, everyone reading the region sees them."""

    def get_queryset(self, request):
        scope = resolve_scope(request.user)
        queryset = super().get_queryset(request).select_related("region")
        return queryset if scope.is_admin else queryset.filter(region_id__in=scope.read_region_ids)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            scope = resolve_scope(request.user)
            regions = selectors.region_list_visible_to(request.user)
            kwargs["queryset"] = (
                regions if scope.is_admin else regions.filter(id__in=scope.bureau_region_ids)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (
            obj is None or access.can_manage_region(resolve_scope(request.user), obj.region)
        )

    has_delete_permission = has_change_permission


@admin.register(TermDates)
class TermDatesAdmin(RegionSettingAdmin):
    """A region's own term dates, set by its bureau; saved through the service."""

    form = TermDatesForm
    list_display = ["region", "school_year", "term", "start", "end"]
    list_filter = ["school_year", "term"]
    fields = ["region", "school_year", "term", "start", "end"]

    def save_model(self, request, obj, form, change):
        saved = services.term_dates_set(
            actor=request.user, region=obj.region, school_year=obj.school_year,
            term=obj.term, start=obj.start, end=obj.end,
        )  # fmt: skip
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        # A term that is over keeps its dates (services.term_dates_remove_check).
        return super().has_delete_permission(request, obj) and (
            obj is None or _allowed(services.term_dates_remove_check, obj)
        )

    def delete_model(self, request, obj):
        services.term_dates_remove(actor=request.user, dates=obj)

    def delete_queryset(self, request, queryset):
        for dates in queryset:
            services.term_dates_remove(actor=request.user, dates=dates)


def _allowed(check, *args, **kwargs) -> bool:
    try:
        check(*args, **kwargs)
    except ValidationError:
        return False
    return True


class DayOverrideForm(forms.ModelForm):
    class Meta:
        model = DayOverride
        fields = ["region", "date", "is_working_day", "note"]

    def clean(self):
        data = super().clean()
        if data.get("region") and data.get("date"):
            try:
                services.day_override_check(region=data["region"], date=data["date"])
            except ValidationError as error:
                self.add_error(None, error)
        return data


@admin.register(DayOverride)
class DayOverrideAdmin(RegionSettingAdmin):
    """Working-day exceptions of a region (its bureau): saved through the service, so
    that every process sees them at once."""

    form = DayOverrideForm
    list_display = ["date", "region", "is_working_day", "note"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
    search_fields = ["note", "region__name"]
    fields = ["region", "date", "is_working_day", "note"]

    def save_model(self, request, obj, form, change):
        saved = services.day_override_set(
            actor=request.user, region=obj.region, date=obj.date,
            is_working_day=obj.is_working_day, note=obj.note,
        )  # fmt: skip
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        # A day of a term that is over keeps its exception (services.day_override_check).
        return super().has_delete_permission(request, obj) and (
            obj is None or _allowed(services.day_override_check, region=obj.region, date=obj.date)
        )

    def delete_model(self, request, obj):
        services.day_override_remove(actor=request.user, day=obj)

    def delete_queryset(self, request, queryset):
        for day in queryset:
            services.day_override_remove(actor=request.user, day=day)
