"""The teacher registry in the browser's pages: list, add, edit, download and import."""

import io

import openpyxl
import pytest
from django.urls import reverse

from teachers import services
from teachers.models import Honour, Teacher
from teachers.resources import COLUMNS
from twinning.models import ImportBatch


@pytest.fixture
def registry(world, active):
    chen = services.teacher_create(
        actor=world.coord_helping, school=world.helping, name="陈红梅", title="senior",
        subjects="语文", first_employed_year=2005, staff_number="JC-01", phone="13800000001",
        honours=[{"kind": "key_teacher", "level": "city", "year": 2020}],
    )  # fmt: skip
    zhao = services.teacher_create(
        actor=world.coord_assisted, school=world.assisted, name="赵小燕", subjects="数学",
        first_employed_year=2024,
    )  # fmt: skip
    far = services.teacher_create(actor=None, school=world.far_school, name="远方老师")
    return chen, zhao, far


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client, content: bytes, name="teachers.xlsx"):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(reverse("imports:upload", args=["teachers"]), {"file": upload})


HEADER = list(COLUMNS.values())


def _row(**values):
    return [values.get(name, "") for name in COLUMNS]


# --- list and detail -------------------------------------------------------------


def test_the_list_shows_the_teachers_in_scope_with_their_honours(client, world, registry):
    client.force_login(world.coord_helping)
    response = client.get(reverse("teachers:teacher_list"))
    text = response.content.decode()
    # A coordinator sees their school and the school it is paired with.
    assert "陈红梅" in text and "赵小燕" in text and "远方老师" not in text
    assert "市级骨干教师" in text or "City Key teacher" in text


def test_the_list_searches_by_name_subject_and_staff_number(client, world, registry):
    client.force_login(world.bureau)
    for term, found, hidden in [("红梅", "陈红梅", "赵小燕"), ("数学", "赵小燕", "陈红梅"),
                                ("JC-", "陈红梅", "赵小燕")]:  # fmt: skip
        text = client.get(reverse("teachers:teacher_list"), {"q": term}).content.decode()
        assert found in text and hidden not in text


def test_the_list_filters_by_school_code_and_refuses_a_malformed_one(client, world, registry):
    client.force_login(world.bureau)
    url = reverse("teachers:teacher_list")
    text = client.get(url, {"school_code": "3451000002"}).content.decode()
    assert "赵小燕" in text and "陈红梅" not in text
    response = client.get(url, {"school_code": "34510"})
    assert response.status_code == 200
    assert "10 digits" in response.content.decode() or "10 位" in response.content.decode()
    assert "陈红梅" not in response.content.decode()


def test_the_list_runs_a_constant_number_of_queries(
    client, world, registry, django_assert_max_num_queries
):
    for n in range(30):
        services.teacher_create(actor=None, school=world.helping, name=f"老师{n}",
                                honours=[{"kind": "famous_teacher"}])  # fmt: skip
    client.force_login(world.bureau)
    client.get(reverse("teachers:teacher_list"))  # warm the scope cache
    # session, user, unread count, partner schools (none for bureau), count, page of
    # teachers, their honours, filter choices (title choices are static)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("teachers:teacher_list"))
    assert response.context["page_obj"].paginator.count == 32  # not 远方老师


def test_a_teacher_page_shows_the_record_and_who_may_edit_it(client, world, registry):
    chen, zhao, _far = registry
    client.force_login(world.coord_assisted)
    response = client.get(reverse("teachers:teacher_detail", args=[chen.pk]))
    assert response.status_code == 200 and "JC-01" in response.content.decode()
    assert not response.context["can_edit"]  # the partner school's coordinator reads only
    client.force_login(world.coord_helping)
    assert client.get(reverse("teachers:teacher_detail", args=[chen.pk])).context["can_edit"]


# --- add and edit -------------------------------------------------------------------


def _honours(*rows, total=2):
    data = {"honours-TOTAL_FORMS": str(total), "honours-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        data.update({f"honours-{i}-{k}": v for k, v in row.items()})
    return data


def test_a_coordinator_adds_a_teacher_with_honours(client, world, active):
    client.force_login(world.coord_helping)
    form = client.get(reverse("teachers:teacher_create"))
    # A coordinator of one school gets its code filled in.
    assert form.context["form"].initial["school_code"] == "3451000001"
    response = client.post(
        reverse("teachers:teacher_create"),
        {"school_code": "3451000001", "name": "李明", "gender": "male", "title": "first",
         "first_employed_year": "2015", "staff_number": "JC-02", "is_active": "on",
         **_honours({"kind": "subject_leader", "level": "district", "year": "2022"})},
    )  # fmt: skip
    teacher = Teacher.objects.get(name="李明")
    assert response.status_code == 302 and response.url == f"/teachers/{teacher.pk}/"
    assert teacher.school == world.helping and teacher.is_active
    assert list(teacher.honours.values_list("kind", "level", "year")) == [
        ("subject_leader", "district", 2022)
    ]


def test_a_coordinator_cannot_add_a_teacher_to_another_school(client, world, active):
    client.force_login(world.coord_helping)
    response = client.post(
        reverse("teachers:teacher_create"),
        {"school_code": "3451000002", "name": "冒名", **_honours()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["school_code"]
    assert not Teacher.objects.filter(name="冒名").exists()


def test_a_duplicate_staff_number_is_shown_on_its_field_and_nothing_is_saved(
    client, world, registry
):
    client.force_login(world.coord_helping)
    response = client.post(
        reverse("teachers:teacher_create"),
        {"school_code": "3451000001", "name": "重号", "staff_number": "JC-01", **_honours()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["staff_number"]
    assert not Teacher.objects.filter(name="重号").exists()


def test_editing_keeps_the_school_and_replaces_the_honours(client, world, registry):
    chen, _zhao, _far = registry
    client.force_login(world.bureau)
    url = reverse("teachers:teacher_edit", args=[chen.pk])
    form = client.get(url)
    assert form.context["formset"].initial == [
        {"kind": "key_teacher", "level": "city", "year": 2020}
    ]
    response = client.post(
        url,
        {"name": "陈红梅", "title": "professor", "staff_number": "JC-01", "is_active": "on",
         **_honours({"kind": "key_teacher", "level": "province", "year": "2025"},
                    {"kind": "key_teacher", "level": "city", "year": "2020", "DELETE": "on"})},
    )  # fmt: skip
    assert response.status_code == 302
    chen.refresh_from_db()
    assert chen.title == "professor" and chen.school == world.helping
    assert list(chen.honours.values_list("level", flat=True)) == ["province"]


def test_a_future_year_of_employment_is_refused(client, world, registry):
    chen, _zhao, _far = registry
    client.force_login(world.coord_helping)
    response = client.post(
        reverse("teachers:teacher_edit", args=[chen.pk]),
        {"name": "陈红梅", "first_employed_year": "2099", **_honours()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["first_employed_year"]
    chen.refresh_from_db()
    assert chen.first_employed_year == 2005


# --- download -------------------------------------------------------------------------


def test_the_download_is_the_filtered_list_in_the_import_columns(client, world, registry):
    client.force_login(world.bureau)
    response = client.get(reverse("teachers:teacher_export_xlsx"), {"q": "红梅"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    assert len(rows) == 2
    row = dict(zip(HEADER, rows[1], strict=True))
    assert row["学校标识码"] == "3451000001" and row["工号"] == "JC-01"
    assert row["荣誉称号"] in ("市级骨干教师（2020）", "City Key teacher（2020）")


def test_a_cell_that_looks_like_a_formula_is_written_as_text(client, world, registry):
    chen, _zhao, _far = registry
    services.teacher_update(actor=world.bureau, teacher=chen, subjects="=HYPERLINK(1)")
    client.force_login(world.bureau)
    csv_text = b"".join(
        client.get(reverse("teachers:teacher_export_csv")).streaming_content
    ).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in csv_text


# --- import ---------------------------------------------------------------------------


def test_an_import_is_checked_first_and_written_only_when_confirmed(client, world, registry):
    client.force_login(world.coord_helping)
    content = _xlsx([
        HEADER,
        _row(school="3451000001", name="新老师", title="一级教师", staff_number="JC-10",
             first_employed_year="2019年", honour_list="区县级骨干教师（2023）、学科带头人"),
        _row(school="3451000001", name="陈红梅", staff_number="JC-01", phone="13900000000",
             title="高级教师", subjects="语文", first_employed_year=2005,
             honour_list="市级骨干教师（2020）"),
        [None] * len(HEADER),  # a blank row is left out
    ])  # fmt: skip
    response = _upload(client, content)
    batch = ImportBatch.objects.get()
    assert response.url == reverse("imports:batch", args=[batch.pk])
    assert batch.status == "ready" and batch.errors == []
    assert batch.counts == {"new": 1, "update": 1, "skip": 0, "error": 0}
    assert not Teacher.objects.filter(name="新老师").exists()  # nothing written yet

    response = client.post(reverse("imports:confirm", args=[batch.pk]))
    assert response.status_code == 302
    new = Teacher.objects.get(name="新老师")
    assert new.title == "first" and new.first_employed_year == 2019
    assert set(new.honours.values_list("kind", "level", "year")) == {
        ("key_teacher", "district", 2023), ("subject_leader", "", None),
    }  # fmt: skip
    assert Teacher.objects.get(staff_number="JC-01").phone == "13900000000"
    # Confirming twice imports once.
    client.post(reverse("imports:confirm", args=[batch.pk]))
    assert Teacher.objects.filter(name="新老师").count() == 1


def test_every_bad_row_is_reported_by_row_and_column_and_nothing_is_written(
    client, world, registry
):
    client.force_login(world.coord_helping)
    before = list(Teacher.objects.values_list("pk", "name", "phone"))
    content = _xlsx([
        HEADER,
        _row(school="3451000001", name="好老师", staff_number="JC-20"),
        _row(school="9999999999", name="无校"),  # unknown school
        _row(school="3451000002", name="他校"),  # the partner school: not this coordinator's
        _row(school="3451000001", name="重号", staff_number="JC-20"),  # twice in the file
        _row(school="3451000001", name="撞号", staff_number="JC-01"),  # JC-01 is 陈红梅's…
        _row(school="3451000001", name="", title="教授"),  # no name, unknown title
        _row(school="3451000001", name="未来", first_employed_year="2099"),
        _row(school="3451000001", name="荣誉", honour_list="宇宙级名师"),
    ])  # fmt: skip
    _upload(client, content)
    batch = ImportBatch.objects.get()
    assert batch.status == "invalid"
    where = {(e["row"], e["column"]) for e in batch.errors}
    assert (3, "学校标识码") in where and (4, "学校标识码") in where
    assert (5, "工号") in where
    assert (7, "职称") in where and (7, "姓名") in where
    assert (8, "参加工作年份") in where
    assert (9, "荣誉称号") in where
    assert 2 not in {e["row"] for e in batch.errors}
    assert list(Teacher.objects.values_list("pk", "name", "phone")) == before
    page = client.get(reverse("imports:batch", args=[batch.pk]))
    assert "宇宙级名师" in page.content.decode()
    # A file with errors cannot be confirmed.
    client.post(reverse("imports:confirm", args=[batch.pk]))
    assert list(Teacher.objects.values_list("pk", "name", "phone")) == before


def test_a_row_matching_the_staff_number_of_an_existing_teacher_updates_them(
    client, world, registry
):
    # 撞号 above: the same staff number is the same teacher, so the name changes.
    client.force_login(world.coord_helping)
    _upload(
        client,
        _xlsx([HEADER, _row(school="3451000001", name="陈红梅（新）", staff_number="JC-01")]),
    )
    batch = ImportBatch.objects.get()
    assert batch.counts["update"] == 1
    client.post(reverse("imports:confirm", args=[batch.pk]))
    assert Teacher.objects.get(staff_number="JC-01").name == "陈红梅（新）"


@pytest.mark.parametrize(
    "content,message",
    [
        (b"\x00\x01binary" * 1000, "neither"),
        (b"PK\x03\x04 not really a zip", "readable"),
        ("学校标识码,姓名\n".encode(), "no rows"),
        ("姓名,工号\n王芳,1\n".encode(), "missing"),
    ],
)
def test_an_unreadable_file_gets_a_clear_message(client, world, registry, content, message):
    client.force_login(world.coord_helping)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    _upload(client, content, name="teachers.xlsx")
    batch = ImportBatch.objects.get()
    assert batch.status == "invalid"
    assert message in " ".join(e["message"] for e in batch.errors).lower()


def test_an_empty_file_is_refused_by_the_form(client, world, registry):
    client.force_login(world.coord_helping)
    response = _upload(client, b"")
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert not ImportBatch.objects.exists()


def test_a_gbk_csv_from_excel_imports(client, world, registry):
    client.force_login(world.coord_helping)
    text = "学校标识码,姓名,工号\n3451000001,钱老师,JC-30\n"
    _upload(client, text.encode("gbk"), name="teachers.csv")
    batch = ImportBatch.objects.get()
    assert batch.status == "ready", batch.errors
    client.post(reverse("imports:confirm", args=[batch.pk]))
    assert Teacher.objects.filter(name="钱老师", school=world.helping).exists()


def test_export_then_import_changes_nothing(client, world, registry):
    client.force_login(world.bureau)
    exported = client.get(reverse("teachers:teacher_export_xlsx")).content
    history = Teacher.history.count()
    honours = list(Honour.objects.values_list("teacher_id", "kind", "level", "year"))
    _upload(client, exported)
    batch = ImportBatch.objects.get()
    assert batch.status == "ready", batch.errors
    assert batch.counts == {"new": 0, "update": 0, "skip": 2, "error": 0}
    client.post(reverse("imports:confirm", args=[batch.pk]))
    assert Teacher.history.count() == history
    assert list(Honour.objects.values_list("teacher_id", "kind", "level", "year")) == honours


def test_only_the_uploader_confirms_and_outsiders_see_nothing(client, world, registry):
    client.force_login(world.coord_helping)
    _upload(client, _xlsx([HEADER, _row(school="3451000001", name="甲")]))
    batch = ImportBatch.objects.get()
    # The bureau of the school's region follows the import but does not confirm it.
    client.force_login(world.bureau)
    assert client.get(reverse("imports:batch", args=[batch.pk])).status_code == 200
    assert client.post(reverse("imports:confirm", args=[batch.pk])).status_code == 403
    client.force_login(world.outsider)
    assert client.get(reverse("imports:batch", args=[batch.pk])).status_code == 404
    assert client.post(reverse("imports:confirm", args=[batch.pk])).status_code == 404
    assert not Teacher.objects.filter(name="甲").exists()


def test_the_template_has_the_columns_and_an_example_row(client, world):
    client.force_login(world.coord_helping)
    response = client.get(reverse("imports:template", args=["teachers"]))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(workbook.worksheets[0].values)
    assert list(rows[0]) == HEADER and len(rows) == 2
    # The notes sheet says which columns must be filled and what a choice accepts.
    notes = {row[0]: row for row in workbook.worksheets[1].values if row and row[0]}
    assert notes["姓名"][1] in ("是", "Yes") and "高级教师" in notes["职称"][2]
