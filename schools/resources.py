"""Import and export of schools as CSV or XLSX (django-import-export), for the School admin.

The columns carry fixed Chinese headers, the ones a bureau's own sheets use (the
attribute names, ``code``, ``name``, ``region`` …, are accepted too), so that a
file exported in either interface language imports again unchanged.

Rows are written through :mod:`schools.services` as the importing user, so the
rules of the pages hold: a row creates a school only in a region whose bureau the
user belongs to and updates only a school the user manages. A row with a
malformed or repeated code, an unknown region or stage is reported by row and
column, and then the whole file changes nothing.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets

from twinning import access
from twinning.access import resolve_scope
from twinning.resources import (
    ChoiceWidget,
    CountWidget,
    ScopedResource,
    TextWidget,
    cell_text,
    invalid,
)

from . import services
from .models import Region, School
from .selectors import school_list_visible_to

# attribute → column header, in file order
COLUMNS = {
    "code": "学校标识码",
    "name": "学校名称",
    "region": "行政区划代码",
    "stage": "学段",
    "location": "城乡",
    "enrolment": "在校生数",
    "staff_count": "教职工数",
    "address": "地址",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
}


class RegionWidget(widgets.ForeignKeyWidget):
    """A region by its division code, among the regions where the user may add schools."""

    def __init__(self, **kwargs):
        super().__init__(Region, field="code", **kwargs)

    def get_queryset(self, value, row, *args, **kwargs):
        scope = resolve_scope(kwargs.get("user"))
        if scope.is_admin:
            return Region.objects.all()
        return Region.objects.filter(id__in=scope.bureau_region_ids)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        field = forms.ModelChoiceField(
            queryset=self.get_queryset(text, row, **kwargs), to_field_name="code"
        )
        try:
            return field.clean(text)
        except ValidationError as error:
            raise invalid(error) from None


class SchoolResource(ScopedResource):
    COLUMNS = COLUMNS
    REQUIRED = ("code", "name", "region", "stage")

    code = fields.Field("code", COLUMNS["code"], TextWidget())
    name = fields.Field("name", COLUMNS["name"], TextWidget())
    region = fields.Field("region", COLUMNS["region"], RegionWidget())
    stage = fields.Field("stage", COLUMNS["stage"], ChoiceWidget(School.Stage))
    location = fields.Field("location", COLUMNS["location"], ChoiceWidget(School.Location))
    enrolment = fields.Field("enrolment", COLUMNS["enrolment"], CountWidget())
    staff_count = fields.Field("staff_count", COLUMNS["staff_count"], CountWidget())
    address = fields.Field("address", COLUMNS["address"], TextWidget())
    contact_name = fields.Field("contact_name", COLUMNS["contact_name"], TextWidget())
    contact_phone = fields.Field("contact_phone", COLUMNS["contact_phone"], TextWidget())

    class Meta:
        model = School
        fields = tuple(COLUMNS)
        import_order = export_order = tuple(COLUMNS)
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    # --- import ---------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._rows_by_code: dict[str, int] = {}

    def before_import_row(self, row, row_number=None, **kwargs):
        code = cell_text(row.get(COLUMNS["code"]))
        if not code:
            return
        first = self._rows_by_code.setdefault(code, row_number)
        if first != row_number:
            raise ValidationError(
                {
                    "code": _("This school code is already used in row %(row)s of the file.")
                    % {"row": first}
                }
            )

    def after_init_instance(self, instance, new, row, **kwargs):
        # An existing school the user may not manage: say only that the code is taken,
        # and show none of its data in the preview.
        if not new and not access.can_manage_school(resolve_scope(self.user), instance):
            raise ValidationError({"code": School._meta.get_field("code").error_messages["unique"]})

    def do_instance_save(self, instance, is_create):
        values = {name: getattr(instance, name, None) for name in services.SCHOOL_FIELDS}
        if is_create:
            school = services.school_create(actor=self.user, **values)
            instance.pk = school.pk
        else:
            services.school_update(
                actor=self.user, school=School.objects.get(pk=instance.pk), **values
            )

    # --- export ---------------------------------------------------------------------

    def filter_export(self, queryset, **kwargs):
        """Only the schools the exporting user may see; nothing without a user."""
        if self.user is None:
            return queryset.none()
        visible = school_list_visible_to(self.user).order_by().values("pk")
        return queryset.filter(pk__in=visible).select_related("region")
