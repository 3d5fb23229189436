"""Importing students (funding/resources.py) through the shared import path: checked
first, written all or nothing when confirmed, scoped to the schools whose students the
user keeps, matched by school, name and guardian's phone; and their export, which loads
again unchanged and is in the access log."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from funding import selectors
from funding import services as funding_services
from funding.models import Student, StudentAccessLog
from funding.resources import COLUMNS, StudentResource
from twinning.access import resolve_scope
from twinning.downloads import table_response
from twinning.imports import import_confirm
from twinning.models import Role

from . import spreadsheets
from .factories import UserFactory, assign
from .spreadsheets import csv_bytes as _csv
from .spreadsheets import where as _where
from .spreadsheets import xlsx as _xlsx

HEADER = list(COLUMNS.values())
COLUMNS_INDEX = {name: index for index, name in enumerate(COLUMNS)}


def _row(**values):
    return [values.get(name, "") for name in COLUMNS]


def _upload(user, content: bytes, name="students.xlsx"):
    return spreadsheets.check(user, "students", content, name)


def _snapshot():
    return sorted(
        Student.objects.values_list(
            "pk", "school_id", "name", "gender", "grade", "class_name", "guardian_name",
            "guardian_phone", "note",
        )
    )  # fmt: skip


def _download(rows, fmt: str) -> bytes:
    """A download as the list pages send it (twinning.downloads)."""
    response = table_response("students", rows[0], rows[1:], fmt)
    if fmt == "csv":
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture(autouse=True)
def _english():
    # Messages are compared as written in the code; the headers are Chinese in every language.
    with translation.override("en"):
        yield


@pytest.fixture
def aid_officer(world):
    """Bureau staff of the city holding the aid right."""
    return assign(assign(UserFactory(username="aid", full_name="资助办"), Role.BUREAU,
                         region=world.city), Role.AID, region=world.city)  # fmt: skip


@pytest.fixture
def pupils(world):
    xiaoming = funding_services.student_create(
        actor=world.coord_assisted, school=world.assisted, name="张小明", gender="m",
        grade="3", class_name="三(2)班", guardian_name="张大山", guardian_phone="13900001111",
        note="父亲务工受伤\n母亲务农",
    )  # fmt: skip
    xiaohong = funding_services.student_create(
        actor=world.coord_helping, school=world.helping, name="李小红", gender="f",
        grade="5", class_name="五(1)班", guardian_name="李母", guardian_phone="13900002222",
    )  # fmt: skip
    return xiaoming, xiaohong


GOOD = [
    HEADER,
    _row(school="3451000002", name="王小芳", gender="女", grade="三年级", class_name="三(1)班",
         guardian_name="王父", guardian_phone="13800001111", note="单亲家庭"),
    _row(school="3451000002", name="赵小刚", gender="m", grade=4, class_name="四(2)班",
         guardian_name="赵奶奶", guardian_phone="13800002222"),
]  # fmt: skip


# --- a good file -------------------------------------------------------------------------


def test_a_good_file_is_checked_first_and_written_only_when_confirmed(world):
    batch = _upload(world.coord_assisted, _xlsx(GOOD))
    assert batch.status == "ready", batch.errors
    assert batch.counts == {"new": 2, "update": 0, "skip": 0, "error": 0}
    assert not Student.objects.exists()  # the check writes nothing

    import_confirm(actor=world.coord_assisted, batch=batch)
    batch.refresh_from_db()
    assert batch.status == "imported"
    fang = Student.objects.get(name="王小芳")
    assert (fang.school, fang.region) == (world.assisted, world.west)
    assert (fang.gender, fang.grade, fang.class_name) == ("f", "3", "三(1)班")
    assert (fang.guardian_name, fang.guardian_phone, fang.note) == (
        "王父",
        "13800001111",
        "单亲家庭",
    )
    assert fang.created_by == world.coord_assisted
    assert Student.objects.get(name="赵小刚").grade == "4"


def test_the_same_file_again_changes_nothing(world):
    import_confirm(actor=world.coord_assisted, batch=_upload(world.coord_assisted, _xlsx(GOOD)))
    before, history = _snapshot(), Student.history.count()
    batch = _upload(world.coord_assisted, _xlsx(GOOD))
    assert batch.status == "ready", batch.errors
    assert batch.counts == {"new": 0, "update": 0, "skip": 2, "error": 0}
    import_confirm(actor=world.coord_assisted, batch=batch)
    assert _snapshot() == before and Student.history.count() == history


def test_an_aid_officer_imports_into_any_school_of_the_region(world, aid_officer):
    rows = [GOOD[0], GOOD[1], _row(school="3451000001", name="钱小多", gender="男", grade="1",
                                   class_name="一(1)班", guardian_name="钱父",
                                   guardian_phone="13800003333")]  # fmt: skip
    batch = _upload(aid_officer, _xlsx(rows))
    assert batch.status == "ready", batch.errors
    import_confirm(actor=aid_officer, batch=batch)
    assert Student.objects.get(name="钱小多").school == world.helping


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(world, aid_officer, pupils, fmt):
    resource = StudentResource(user=aid_officer)
    rows = resource.export_rows(selectors.student_list_visible_to(aid_officer))
    assert rows[0] == HEADER
    assert len(rows) == 3
    before, history = _snapshot(), Student.history.count()
    batch = _upload(aid_officer, _download(rows, fmt), name=f"students.{fmt}")
    assert batch.status == "ready", batch.errors
    assert batch.counts == {"new": 0, "update": 0, "skip": 2, "error": 0}
    import_confirm(actor=aid_officer, batch=batch)
    assert _snapshot() == before and Student.history.count() == history


def test_the_export_holds_only_visible_students_with_their_names_and_is_logged(world, pupils):
    xiaoming, _xiaohong = pupils
    rows = StudentResource(user=world.coord_assisted).export_rows(Student.objects.all())
    assert [row[2] for row in rows[1:]] == ["张小明"]  # the full name, as the list shows it
    assert rows[1][:2] == ["3451000002", "西山山村小学"]
    log = StudentAccessLog.objects.get(user=world.coord_assisted)
    assert (log.student_id, log.action) == (xiaoming.pk, "export")
    # Nobody without a role in aid exports any student.
    assert StudentResource(user=world.inspector).export_rows(Student.objects.all()) == [HEADER]
    assert StudentResource().export_rows(Student.objects.all()) == [HEADER]


def test_a_row_with_the_same_school_name_and_guardian_phone_updates_the_student(world, pupils):
    xiaoming, _xiaohong = pupils
    rows = [HEADER, _row(school="3451000002", name="张小明", gender="男", grade="4",
                         class_name="四(2)班", guardian_name="张大山",
                         guardian_phone="139 0000 1111", note="父亲务工受伤")]  # fmt: skip
    batch = _upload(world.coord_assisted, _xlsx(rows))
    assert batch.counts == {"new": 0, "update": 1, "skip": 0, "error": 0}
    import_confirm(actor=world.coord_assisted, batch=batch)
    xiaoming.refresh_from_db()
    assert (xiaoming.grade, xiaoming.class_name, xiaoming.note) == ("4", "四(2)班", "父亲务工受伤")
    assert Student.objects.filter(name="张小明").count() == 1
    # Another guardian's phone is another child of the same name.
    rows[1][COLUMNS_INDEX["guardian_phone"]] = "13700000000"
    batch = _upload(world.coord_assisted, _xlsx(rows))
    assert batch.counts["new"] == 1


# --- errors: by row and column, and nothing written -------------------------------------------


def _refused(user, rows):
    """Upload ``rows`` as ``user``: the file is refused, and nothing is written even when
    it is confirmed anyway."""
    before = _snapshot()
    batch = _upload(user, _xlsx(rows))
    assert batch.status == "invalid"
    with pytest.raises(ValidationError):
        import_confirm(actor=user, batch=batch)
    assert _snapshot() == before
    return batch


def test_a_student_twice_in_the_file_is_an_error_naming_the_first_row(world):
    rows = [*GOOD, GOOD[1]]
    batch = _refused(world.coord_assisted, rows)
    assert batch.errors == [
        {"row": 4, "column": "姓名",
         "message": "This student (same school, name and guardian's phone) is already in row "
                    "2 of the file."},
    ]  # fmt: skip


def test_an_unknown_school_code_is_an_error_of_its_column(world):
    rows = [GOOD[0], GOOD[1], ["9999999999", *GOOD[2][1:]]]
    batch = _refused(world.coord_assisted, rows)
    assert batch.errors == [
        {"row": 3, "column": "学校标识码",
         "message": "No school with this code whose students you keep."},
    ]  # fmt: skip


@pytest.mark.parametrize(
    "persona,code",
    [
        ("coord_assisted", "3451000001"),  # the partner school: not theirs to keep
        ("coord_helping", "3451000002"),
        ("outsider", "3451000002"),  # another city's coordinator and bureau
        ("bureau", "3451000002"),  # the bureau without the aid right
    ],
)
def test_a_school_outside_scope_reads_as_unknown(world, persona, code):
    user = getattr(world, persona)
    if persona == "bureau":
        # Bureau staff without the aid right keep no students at all.
        with pytest.raises(PermissionDenied):
            _upload(user, _xlsx([HEADER, [code, *GOOD[1][1:]]]))
        return
    batch = _refused(user, [HEADER, [code, *GOOD[1][1:]]])
    assert batch.errors == [
        {"row": 2, "column": "学校标识码",
         "message": "No school with this code whose students you keep."},
    ]  # fmt: skip


@pytest.mark.parametrize("persona", ["inspector", "mentor", "mentee"])
def test_roles_that_keep_no_students_may_not_import(world, persona):
    with pytest.raises(PermissionDenied):
        _upload(getattr(world, persona), _xlsx(GOOD))
    assert not Student.objects.exists()


@pytest.mark.parametrize(
    "column,value",
    [("note", "身份证号 11010519491231002X"), ("guardian_name", "王父110105194912310021")],
)
def test_an_id_number_in_any_column_is_an_error_of_that_column(world, column, value):
    rows = [GOOD[0], GOOD[1], list(GOOD[2])]
    rows[2][COLUMNS_INDEX[column]] = value
    batch = _refused(world.coord_assisted, rows)
    assert batch.errors == [
        {"row": 3, "column": COLUMNS[column],
         "message": "Do not record ID numbers (身份证号): the platform keeps none."},
    ]  # fmt: skip


def test_every_bad_cell_of_a_row_is_reported(world):
    rows = [HEADER, _row(school="3451000002", name="", gender="未知", grade="大一",
                         class_name="一班", guardian_name="某", guardian_phone="1")]  # fmt: skip
    batch = _refused(world.coord_assisted, rows)
    assert _where(batch) == {(2, "姓名"), (2, "性别"), (2, "年级")}


def test_a_missing_required_column_refuses_the_file(world):
    header = [h for h in HEADER if h != "监护人电话"]
    rows = [header, [c for h, c in zip(HEADER, GOOD[1], strict=True) if h != "监护人电话"]]
    batch = _refused(world.coord_assisted, rows)
    assert batch.errors == [
        {"row": 1, "column": "监护人电话", "message": "This column is missing from the header row."}
    ]


def test_a_formula_cell_is_refused(world):
    rows = [GOOD[0], list(GOOD[1])]
    rows[1][COLUMNS_INDEX["class_name"]] = "=1+1"
    batch = _refused(world.coord_assisted, rows)
    assert _where(batch) == {(2, "班级")}
    assert "formula" in batch.errors[0]["message"]


# --- what offices type -----------------------------------------------------------------------


def test_full_width_digits_in_codes_and_phones_are_read_as_digits(world):
    rows = [HEADER, _row(school="３４５１０００００２", name="孙小丽", gender="女", grade="２",
                         class_name="二(1)班", guardian_name="孙父",
                         guardian_phone="１３８ ００００ ０４４４")]  # fmt: skip
    batch = _upload(world.coord_assisted, _xlsx(rows))
    assert batch.status == "ready", batch.errors
    import_confirm(actor=world.coord_assisted, batch=batch)
    li = Student.objects.get(name="孙小丽")
    assert (li.school, li.grade, li.guardian_phone) == (world.assisted, "2", "13800000444")


def test_a_gbk_csv_from_excel_imports(world):
    batch = _upload(world.coord_assisted, _csv(GOOD, "gbk"), name="students.csv")
    assert batch.status == "ready", batch.errors
    import_confirm(actor=world.coord_assisted, batch=batch)
    assert set(Student.objects.values_list("name", flat=True)) == {"王小芳", "赵小刚"}


# --- the list page ---------------------------------------------------------------------------


def test_the_student_list_offers_the_import(client, world):
    try:
        upload = reverse("imports:upload", args=["students"])
    except NoReverseMatch:  # the import pages are not there yet
        pytest.skip("no import pages")
    client.force_login(world.coord_assisted)
    assert upload in client.get(reverse("funding:student_list")).content.decode()


def test_the_export_runs_two_queries_however_many_students(
    world, aid_officer, pupils, django_assert_num_queries
):
    resolve_scope(aid_officer)
    for grown in (False, True):
        if grown:
            import_confirm(actor=aid_officer, batch=_upload(aid_officer, _xlsx(GOOD)))
        # 1 the students with their schools, 2 the access log (one insert for all).
        with django_assert_num_queries(2):
            rows = StudentResource(user=aid_officer).export_rows(Student.objects.all())
        assert len(rows) == (5 if grown else 3)


def test_a_students_file_is_shown_only_to_those_who_keep_students(client, world):
    """Bureau staff see the imports of everybody with a role in their regions, but a
    file of students (names, guardians, phones) only if they keep students themselves."""
    batch = _upload(world.coord_assisted, _xlsx(GOOD))
    teachers = spreadsheets.check(
        world.coord_helping, "teachers", _csv([["学校标识码", "姓名"], ["3451000001", "陈红梅"]]),
        "teachers.csv",
    )  # fmt: skip
    client.force_login(world.bureau)  # no aid right
    assert client.get(f"/imports/batches/{batch.pk}/file/").status_code == 404
    assert client.get(f"/imports/batches/{teachers.pk}/file/").status_code == 200
    listed = client.get("/api/imports/").json()["results"]
    assert {row["id"] for row in listed} == {teachers.pk}
    assign(world.bureau2, Role.AID, region=world.city)  # a colleague who keeps students
    client.force_login(world.bureau2)
    assert client.get(f"/imports/batches/{batch.pk}/file/").status_code == 200
