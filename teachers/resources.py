"""Import and export of a school's teachers as xlsx or CSV (django-import-export).

A row names its school by the 10-digit school code; the importing user must keep
that school's registry (its coordinators, its region's bureau), so a row outside
their scope is an error like an unknown code. A row updates the teacher it
matches, by staff number within the school, else by name and phone; otherwise it
adds one. Rows are written through :mod:`teachers.services`, and one wrong row
keeps the whole file from being written.
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from import_export import fields, widgets

from schools.models import School
from twinning.resources import (
    ChoiceWidget,
    CodeWidget,
    RequiredTextWidget,
    SchoolByCodeWidget,
    ScopedResource,
    TextWidget,
    YesNoWidget,
    cell_text,
    code_text,
    invalid,
)

from . import selectors, services
from .models import Gender, Honour, Teacher, Title, honour_label

# attribute → column header, in file order
COLUMNS = {
    "school": "学校标识码",
    "school_name": "学校名称",
    "name": "姓名",
    "gender": "性别",
    "subjects": "任教学科",
    "title": "职称",
    "first_employed_year": "参加工作年份",
    "staff_number": "工号",
    "phone": "联系电话",
    "honour_list": "荣誉称号",
    "is_active": "在职",
}
_SEPARATORS = re.compile(r"[、,，;；/\n]+")
_YEAR = re.compile(r"^(?P<label>.+?)\s*[（(]\s*(?P<year>\d{4})\s*[)）]$")


class YearWidget(widgets.Widget):
    """A year such as 2015, 2015年 or a date cell; empty is none."""

    def clean(self, value, row=None, **kwargs):
        if hasattr(value, "year"):
            return value.year
        text = code_text(value).removesuffix("年")
        if not text:
            return None
        try:
            return forms.IntegerField(min_value=services.EARLIEST_YEAR, max_value=2100).clean(text)
        except ValidationError as error:
            raise invalid(error) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class HonoursWidget(widgets.Widget):
    """Honours as a list in one cell: 市级骨干教师（2021）、学科带头人."""

    def _by_label(self) -> dict[str, tuple[str, str]]:
        if getattr(self, "_labels", None) is not None:
            return self._labels
        labels = {}
        levels = [("", "")] + list(Honour.Level.choices)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for kind, _kind_label in Honour.Kind.choices:
                    for level, _level_label in levels:
                        labels[str(honour_label(kind, level)).lower()] = (kind, level)
        self._labels = labels  # read once a file, not once a row
        return labels

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return []
        labels = self._by_label()
        honours = []
        for part in filter(None, (p.strip() for p in _SEPARATORS.split(text))):
            match = _YEAR.match(part)
            label, year = (match["label"], int(match["year"])) if match else (part, None)
            found = labels.get(label.strip().lower())
            if found is None:
                raise ValueError(
                    _("Unknown honour “%(honour)s”; write e.g. 市级骨干教师（2021）、学科带头人.")
                    % {"honour": part}
                )
            honours.append({"kind": found[0], "level": found[1], "year": year})
        return honours

    def render(self, value, obj=None, **kwargs):
        parts = []
        for honour in value or []:
            if isinstance(honour, dict):  # as read from a file
                kind, level, year = honour["kind"], honour["level"], honour["year"]
            else:
                kind, level, year = honour.kind, honour.level, honour.year
            label = str(honour_label(kind, level))
            parts.append(f"{label}（{year}）" if year else label)
        return "、".join(parts)


class TeacherResource(ScopedResource):
    COLUMNS = COLUMNS
    REQUIRED = ("school", "name")
    EXAMPLE = {
        "school": "1234567890",
        "school_name": "示例小学",
        "name": "王芳",
        "gender": "女",
        "subjects": "语文",
        "title": "一级教师",
        "first_employed_year": "2015",
        "staff_number": "T-0001",
        "phone": "13800000000",
        "honour_list": "区县级骨干教师（2021）",
        "is_active": "是",
    }

    name = fields.Field("name", COLUMNS["name"], RequiredTextWidget())
    school_name = fields.Field("school__name", COLUMNS["school_name"], TextWidget(), readonly=True)
    gender = fields.Field("gender", COLUMNS["gender"], ChoiceWidget(Gender))
    subjects = fields.Field("subjects", COLUMNS["subjects"], TextWidget())
    title = fields.Field("title", COLUMNS["title"], ChoiceWidget(Title))
    first_employed_year = fields.Field(
        "first_employed_year", COLUMNS["first_employed_year"], YearWidget()
    )
    staff_number = fields.Field("staff_number", COLUMNS["staff_number"], CodeWidget())
    phone = fields.Field("phone", COLUMNS["phone"], CodeWidget())
    school = fields.Field(
        "school",
        COLUMNS["school"],
        SchoolByCodeWidget(unknown=_lazy("No school with this code whose teachers you keep.")),
    )
    honour_list = fields.Field("honour_list", COLUMNS["honour_list"], HonoursWidget())
    is_active = fields.Field("is_active", COLUMNS["is_active"], YesNoWidget())

    class Meta:
        model = Teacher
        fields = tuple(COLUMNS)
        import_order = export_order = tuple(COLUMNS)
        import_id_fields = ("school",)
        # Rows are checked one by one and written together (services.teachers_import):
        # a bureau loads 20,000 teachers at once. No per-row diff is kept (skip_row
        # compares with what get_instance noted).
        use_bulk = True
        batch_size = 2000
        skip_diff = True

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self._schools_by_code: dict[str, School] = {}
        self.fields["school"].widget.schools_by_code = self._schools_by_code

    # --- import ---------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        column = COLUMNS["school"]
        codes = {code_text(c) for c in dataset[column]} if column in dataset.headers else set()
        schools = selectors.schools_whose_teachers_are_kept_by(self.user).filter(code__in=codes)
        self._schools_by_code.clear()
        self._schools_by_code.update({school.code: school for school in schools})
        # Every teacher the file may match, loaded once, with their honours as keys.
        schools_by_id = {school.pk: school for school in self._schools_by_code.values()}
        existing = Teacher.objects.filter(school__in=list(schools_by_id)).order_by("pk")
        honours: dict[int, set] = {}
        for teacher_id, *key in Honour.objects.filter(
            teacher__school__in=list(schools_by_id)
        ).values_list("teacher_id", "kind", "level", "year"):
            honours.setdefault(teacher_id, set()).add(tuple(key))
        self._honours_of = honours
        self._by_staff_number: dict[tuple, Teacher] = {}
        self._by_name_phone: dict[tuple, Teacher] = {}
        for teacher in existing:
            teacher.school = schools_by_id[teacher.school_id]
            if teacher.staff_number:
                self._by_staff_number[teacher.school_id, teacher.staff_number] = teacher
            self._by_name_phone.setdefault(
                (teacher.school_id, teacher.name, teacher.phone), teacher
            )

    def before_import_row(self, row, row_number=None, **kwargs):
        super().before_import_row(row, row_number=row_number, **kwargs)
        school = code_text(row.get(COLUMNS["school"]))
        staff_number = code_text(row.get(COLUMNS["staff_number"]))
        if school and staff_number:
            self.refuse_repeat((school, staff_number), row_number, COLUMNS["staff_number"], _(
                "This staff number is already used in row %(row)s of the file."
            ))  # fmt: skip

    def get_instance(self, instance_loader, row):
        school = self._schools_by_code.get(code_text(row.get(COLUMNS["school"])))
        if school is None:
            return None
        staff_number = code_text(row.get(COLUMNS["staff_number"]))
        if staff_number:
            return self._by_staff_number.get((school.pk, staff_number))
        name = cell_text(row.get(COLUMNS["name"]))
        phone = code_text(row.get(COLUMNS["phone"]))
        return self._by_name_phone.get((school.pk, name, phone))

    def after_init_instance(self, instance, new, row, **kwargs):
        if new:
            return
        # One row a teacher: a second would overwrite the first in the same write.
        self.refuse_repeat(("teacher", instance.pk), kwargs.get("row_number"), None, _(
            "This row is the same teacher as row %(row)s of the file."
        ))  # fmt: skip
        # What the row is compared with (skip_row): the teacher as the database has it.
        instance.before_import = (
            {name: getattr(instance, name) for name in services.TEACHER_FIELDS},
            self._honours_of.get(instance.pk, set()),
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if not errors:
            try:
                services.teacher_check(instance, getattr(instance, "honour_list", None))
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        before = getattr(instance, "before_import", None)
        if before is None or import_validation_errors:
            return False
        values, honours = before
        same = all(getattr(instance, name) == values[name] for name in services.TEACHER_FIELDS)
        if not hasattr(instance, "honour_list"):  # the file has no honours column
            return same
        return same and _honour_keys(instance.honour_list) == honours

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        # New and changed teachers go to the service together, at the end of each batch.
        self._write(result, raise_errors)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        self._write(result, raise_errors)

    def _write(self, result, raise_errors) -> None:
        if not (self.create_instances or self.update_instances):
            return
        creates, updates = list(self.create_instances), list(self.update_instances)
        self.create_instances.clear()
        self.update_instances.clear()
        try:
            services.teachers_import(actor=self.user, creates=creates, updates=updates)
        except Exception as error:  # reported for the file as a whole, nothing kept
            self.handle_import_error(result, error, raise_errors)

    # --- export ---------------------------------------------------------------------

    def dehydrate_honour_list(self, teacher: Teacher) -> str:
        return self.fields["honour_list"].widget.render(teacher.honours.all())

    def filter_export(self, queryset, **kwargs):
        """Only the teachers the exporting user may see; nothing without a user."""
        if self.user is None:
            return queryset.none()
        return queryset


def _honour_keys(honours) -> set[tuple]:
    return {
        (h["kind"], h["level"], h["year"]) if isinstance(h, dict) else (h.kind, h.level, h.year)
        for h in honours or []
    }
