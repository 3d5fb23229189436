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
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from twinning import access
from twinning.access import resolve_scope

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


def _text(value) -> str:
    """A cell as text; spreadsheets hand over codes as numbers (2590102001.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _invalid(error: ValidationError) -> ValueError:
    # import-export reports a widget's ValueError as an error of that row's column.
    return ValueError(" ".join(error.messages))


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return _text(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class CountWidget(widgets.Widget):
    """A whole number, 0 or more; an empty cell is 0."""

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return 0
        try:
            return forms.IntegerField(min_value=0).clean(text)
        except ValidationError as error:
            raise _invalid(error) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class ChoiceWidget(widgets.Widget):
    """A choice, written as its label (in the current language) and read as a value or
    as its label in any of the site's languages."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def _by_label(self) -> dict[str, str]:
        labels = {}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                labels.update({str(label): value for value, label in self.choices.choices})
        return labels

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return ""
        if text.lower() in self.choices.values:
            return text.lower()
        choice = self._by_label().get(text)
        if choice is not None:
            return choice
        try:
            return forms.ChoiceField(choices=self.choices.choices).clean(text)
        except ValidationError as error:
            raise _invalid(error) from None

    def render(self, value, obj=None, **kwargs):
        if value in self.choices.values:
            return str(self.choices(value).label)
        return value or ""


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
        text = _text(value)
        if not text:
            return None
        field = forms.ModelChoiceField(
            queryset=self.get_queryset(text, row, **kwargs), to_field_name="code"
        )
        try:
            return field.clean(text)
        except ValidationError as error:
            raise _invalid(error) from None


class SchoolResource(resources.ModelResource):
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

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    # --- import ---------------------------------------------------------------------

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        # One invalid row and nothing of the file is kept.
        self.user = kwargs.get("user") or self.user
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=True,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=True,
            **{**kwargs, "user": self.user},
        )

    def before_import(self, dataset, **kwargs):
        # Accept the attribute names as headers too (code, name, region …).
        headers = [_text(h) for h in (dataset.headers or [])]
        dataset.headers = [COLUMNS.get(h.lower(), h) for h in headers]
        self._rows_by_code: dict[str, int] = {}

    def before_import_row(self, row, row_number=None, **kwargs):
        code = _text(row.get(COLUMNS["code"]))
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

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        error = row_result.validation_error
        if error is not None and hasattr(error, "error_dict"):
            # Name the column as the file does, not the model's attribute.
            row_result.validation_error = ValidationError(
                {
                    (COLUMNS.get(key, key) if key != NON_FIELD_ERRORS else key): messages
                    for key, messages in error.error_dict.items()
                }
            )
        return row_result

    # --- export ---------------------------------------------------------------------

    def filter_export(self, queryset, **kwargs):
        """Only the schools the exporting user may see; nothing without a user."""
        if self.user is None:
            return queryset.none()
        visible = school_list_visible_to(self.user).order_by().values("pk")
        return queryset.filter(pk__in=visible).select_related("region")
