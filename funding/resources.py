"""Import and export of students (资助对象) as xlsx or CSV (django-import-export).

A row names its school by the 10-digit school code; the importing user must keep that
school's students (its coordinators, the aid officers of its region:
``twinning.access.can_keep_students_of``), so a row of any other school is an error like
an unknown code. A row updates the student of its school with the same name and
guardian's phone (the natural key: a child's name alone repeats in a school, and no ID
number is ever kept to tell them apart); otherwise it adds one. Rows are written through
:mod:`funding.services` (which refuse ID numbers in any column), and one wrong row keeps
the whole file from being written.

An export holds the students the user may see, with their full names as the student
list shows them, and each exported student is written in the access log as a download.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields

from activities.models import Grade
from schools.models import School
from twinning.resources import (
    ChoiceWidget,
    CodeWidget,
    LongTextWidget,
    RequiredTextWidget,
    SchoolByCodeWidget,
    ScopedResource,
    TextWidget,
    cell_text,
    code_text,
)

from . import selectors, services
from .models import Student, StudentAccessLog
from .privacy import log_access
from .services.aid import STUDENT_FIELDS

# attribute → column header, in file order
COLUMNS = {
    "school": "学校标识码",
    "school_name": "学校名称",
    "name": "姓名",
    "gender": "性别",
    "grade": "年级",
    "class_name": "班级",
    "guardian_name": "监护人",
    "guardian_phone": "监护人电话",
    "note": "备注",
}


def _key(school_id: int, name, phone) -> tuple:
    """The natural key of a student: school, name and guardian's phone."""
    return (school_id, cell_text(name), code_text(phone))


class StudentResource(ScopedResource):
    COLUMNS = COLUMNS
    REQUIRED = (
        "school", "name", "gender", "grade", "class_name", "guardian_name", "guardian_phone",
    )  # fmt: skip
    EXAMPLE = {
        "school": "1234567890",
        "school_name": "示例小学",
        "name": "张小明",
        "gender": "男",
        "grade": "三年级",
        "class_name": "三(2)班",
        "guardian_name": "张大山",
        "guardian_phone": "13900000000",
        "note": "父亲务工受伤，家庭收入低",
    }

    school = fields.Field(
        "school",
        COLUMNS["school"],
        SchoolByCodeWidget(
            unknown=gettext_lazy("No school with this code whose students you keep.")
        ),
    )
    school_name = fields.Field("school__name", COLUMNS["school_name"], TextWidget(), readonly=True)
    name = fields.Field("name", COLUMNS["name"], RequiredTextWidget())
    gender = fields.Field("gender", COLUMNS["gender"], ChoiceWidget(Student.Gender))
    grade = fields.Field("grade", COLUMNS["grade"], ChoiceWidget(Grade))
    class_name = fields.Field("class_name", COLUMNS["class_name"], TextWidget())
    guardian_name = fields.Field("guardian_name", COLUMNS["guardian_name"], TextWidget())
    guardian_phone = fields.Field("guardian_phone", COLUMNS["guardian_phone"], CodeWidget())
    note = fields.Field("note", COLUMNS["note"], LongTextWidget())

    class Meta:
        model = Student
        fields = tuple(COLUMNS)
        import_order = export_order = tuple(COLUMNS)
        import_id_fields = ("school",)

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self._schools_by_code: dict[str, School] = {}
        self.fields["school"].widget.schools_by_code = self._schools_by_code
        self._exported: list[Student] = []
        self._by_key: dict[tuple, Student] = {}

    # --- import ---------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        headers = dataset.headers or []
        column, name_column = COLUMNS["school"], COLUMNS["name"]
        codes = {code_text(c) for c in dataset[column]} if column in headers else set()
        names = {cell_text(n) for n in dataset[name_column]} if name_column in headers else set()
        schools = selectors.aid_schools(self.user).filter(code__in=codes)
        self._schools_by_code.clear()
        self._schools_by_code.update({school.code: school for school in schools})
        # Every student the file may match, loaded once: those of its schools and names.
        existing = Student.objects.filter(
            school__in=list(self._schools_by_code.values()), name__in=names
        ).select_related("school")
        self._by_key.clear()
        for student in existing.order_by("pk"):
            self._by_key.setdefault(
                _key(student.school_id, student.name, student.guardian_phone), student
            )

    def before_import_row(self, row, row_number=None, **kwargs):
        super().before_import_row(row, row_number=row_number, **kwargs)
        school = code_text(row.get(COLUMNS["school"]))
        name = cell_text(row.get(COLUMNS["name"]))
        if not (school and name):
            return
        key = (school, name, code_text(row.get(COLUMNS["guardian_phone"])))
        self.refuse_repeat(key, row_number, COLUMNS["name"], _(
            "This student (same school, name and guardian's phone) is already in row "
            "%(row)s of the file."
        ))  # fmt: skip

    def get_instance(self, instance_loader, row):
        school = self._schools_by_code.get(code_text(row.get(COLUMNS["school"])))
        if school is None:
            return None
        return self._by_key.get(
            _key(school.pk, row.get(COLUMNS["name"]), row.get(COLUMNS["guardian_phone"]))
        )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if original is None or original.pk is None or import_validation_errors:
            return False
        return all(getattr(instance, name) == getattr(original, name) for name in STUDENT_FIELDS)

    def do_instance_save(self, instance, is_create):
        values = {name: getattr(instance, name) for name in STUDENT_FIELDS}
        if is_create:
            student = services.student_create(actor=self.user, school=instance.school, **values)
            instance.pk = student.pk
        else:
            services.student_update(actor=self.user, student=instance, **values)

    # --- export ---------------------------------------------------------------------

    def filter_export(self, queryset, **kwargs):
        """Only the students the exporting user may see; nothing without a user."""
        if self.user is None:
            return queryset.none()
        visible = selectors.student_list_visible_to(self.user).order_by().values("pk")
        return queryset.filter(pk__in=visible).select_related("school")

    def iter_queryset(self, queryset):
        for student in super().iter_queryset(queryset):
            self._exported.append(student)
            yield student

    def after_export(self, queryset, dataset, **kwargs):
        # Whoever downloads students' details is in the log, as whoever reads them.
        if self.user is not None and self._exported:
            log_access(
                self.user, StudentAccessLog.Action.EXPORT, _("download of students"),
                self._exported,
            )  # fmt: skip
        self._exported = []
