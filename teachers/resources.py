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
from import_export import fields, widgets

from schools.models import School
from twinning.resources import (
    ChoiceWidget,
    RequiredTextWidget,
    ScopedResource,
    TextWidget,
    cell_text,
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


class SchoolWidget(widgets.Widget):
    """A school by its code, among the schools whose registry the user keeps."""

    def __init__(self, schools_by_code: dict):
        self.schools_by_code = schools_by_code
        super().__init__()

    def clean(self, value, row=None, **kwargs):
        code = cell_text(value)
        if not code:
            raise ValueError(_("Enter the school code."))
        school = self.schools_by_code.get(code)
        if school is None:
            raise ValueError(_("No school with this code whose teachers you keep."))
        return school

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class YearWidget(widgets.Widget):
    """A year such as 2015, 2015年 or a date cell; empty is none."""

    def clean(self, value, row=None, **kwargs):
        if hasattr(value, "year"):
            return value.year
        text = cell_text(value).removesuffix("年")
        if not text:
            return None
        try:
            return forms.IntegerField(min_value=services.EARLIEST_YEAR, max_value=2100).clean(text)
        except ValidationError as error:
            raise invalid(error) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class YesNoWidget(widgets.Widget):
    """是/否 (or yes/no, 1/0); an empty cell is yes."""

    YES = {"是", "在职", "yes", "y", "true", "1"}
    NO = {"否", "离职", "no", "n", "false", "0"}

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value).lower()
        if not text or text in self.YES:
            return True
        if text in self.NO:
            return False
        raise ValueError(_("Write 是 or 否."))

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class HonoursWidget(widgets.Widget):
    """Honours as a list in one cell: 市级骨干教师（2021）、学科带头人."""

    def _by_label(self) -> dict[str, tuple[str, str]]:
        labels = {}
        levels = [("", "")] + list(Honour.Level.choices)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for kind, _kind_label in Honour.Kind.choices:
                    for level, _level_label in levels:
                        labels[str(honour_label(kind, level)).lower()] = (kind, level)
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

    name = fields.Field("name", COLUMNS["name"], RequiredTextWidget())
    school_name = fields.Field("school__name", COLUMNS["school_name"], TextWidget(), readonly=True)
    gender = fields.Field("gender", COLUMNS["gender"], ChoiceWidget(Gender))
    subjects = fields.Field("subjects", COLUMNS["subjects"], TextWidget())
    title = fields.Field("title", COLUMNS["title"], ChoiceWidget(Title))
    first_employed_year = fields.Field(
        "first_employed_year", COLUMNS["first_employed_year"], YearWidget()
    )
    staff_number = fields.Field("staff_number", COLUMNS["staff_number"], TextWidget())
    phone = fields.Field("phone", COLUMNS["phone"], TextWidget())
    school = fields.Field("school", COLUMNS["school"], SchoolWidget({}))
    honour_list = fields.Field("honour_list", COLUMNS["honour_list"], HonoursWidget())
    is_active = fields.Field("is_active", COLUMNS["is_active"], YesNoWidget())

    class Meta:
        model = Teacher
        fields = tuple(COLUMNS)
        import_order = export_order = tuple(COLUMNS)
        import_id_fields = ("school",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = False  # the service validates
        use_transactions = True

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self._schools_by_code: dict[str, School] = {}
        self.fields["school"].widget.schools_by_code = self._schools_by_code

    # --- import ---------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        column = COLUMNS["school"]
        codes = {cell_text(c) for c in dataset[column]} if column in dataset.headers else set()
        schools = selectors.schools_whose_teachers_are_kept_by(self.user).filter(code__in=codes)
        self._schools_by_code.clear()
        self._schools_by_code.update({school.code: school for school in schools})
        # Every teacher the file may match, loaded once with their honours.
        existing = (
            Teacher.objects.filter(school__in=list(self._schools_by_code.values()))
            .select_related("school")
            .prefetch_related("honours")
        )
        self._by_staff_number: dict[tuple, Teacher] = {}
        self._by_name_phone: dict[tuple, Teacher] = {}
        for teacher in existing:
            if teacher.staff_number:
                self._by_staff_number[teacher.school_id, teacher.staff_number] = teacher
            self._by_name_phone.setdefault(
                (teacher.school_id, teacher.name, teacher.phone), teacher
            )
        self._rows_by_key: dict[tuple, int] = {}

    def before_import_row(self, row, row_number=None, **kwargs):
        school = cell_text(row.get(COLUMNS["school"]))
        staff_number = cell_text(row.get(COLUMNS["staff_number"]))
        if school and staff_number:
            first = self._rows_by_key.setdefault((school, staff_number), row_number)
            if first != row_number:
                raise ValidationError(
                    {
                        COLUMNS["staff_number"]: _(
                            "This staff number is already used in row %(row)s of the file."
                        )
                        % {"row": first + 1}
                    }
                )

    def get_instance(self, instance_loader, row):
        school = self._schools_by_code.get(cell_text(row.get(COLUMNS["school"])))
        if school is None:
            return None
        staff_number = cell_text(row.get(COLUMNS["staff_number"]))
        if staff_number:
            return self._by_staff_number.get((school.pk, staff_number))
        name = cell_text(row.get(COLUMNS["name"]))
        phone = cell_text(row.get(COLUMNS["phone"]))
        return self._by_name_phone.get((school.pk, name, phone))

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if original is None or original.pk is None or import_validation_errors:
            return False
        same = all(
            getattr(instance, name) == getattr(original, name) for name in services.TEACHER_FIELDS
        )
        return same and _honour_keys(instance.honour_list) == _honour_keys(original.honours.all())

    def do_instance_save(self, instance, is_create):
        values = {name: getattr(instance, name) for name in services.TEACHER_FIELDS}
        honours = getattr(instance, "honour_list", None)
        if is_create:
            teacher = services.teacher_create(
                actor=self.user, school=instance.school, honours=honours, **values
            )
            instance.pk = teacher.pk
        else:
            services.teacher_update(actor=self.user, teacher=instance, honours=honours, **values)

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


def template_rows() -> list[list[str]]:
    """The header row and one example row, for the downloadable template."""
    example = {
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
    return [list(COLUMNS.values()), [example[name] for name in COLUMNS]]
