"""The import path every kind of record shares (twinning/imports.py): reading files as
offices write them, the bad inputs of issue 11, the history and who sees it, long files
in the background with their progress, the error report, and the API."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework.test import APIClient

from schools.models import School
from teachers.models import Teacher
from twinning import imports
from twinning.models import ImportBatch
from twinning.resources import cell_text, code_text, is_formula, parse_date

from . import spreadsheets
from .spreadsheets import xlsx


@pytest.fixture(autouse=True)
def _english():
    # The services speak the active language; the pages speak the browser's.
    with translation.override("en"):
        yield


def _upload(user, content: bytes, kind="teachers", filename="teachers.csv") -> ImportBatch:
    return spreadsheets.check(user, kind, content, filename)


def _csv(*lines: str) -> bytes:
    return ("学校标识码,姓名\n" + "".join(f"{line}\n" for line in lines)).encode()


def _messages(batch) -> str:
    return " ".join(e["message"] for e in batch.errors)


# --- reading cells as offices type them ---------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["2026-09-01", "2026/9/1", "2026年9月1日", "２０２６年９月１日", " 2026.9.1 ",
     "2026-09-01 00:00:00", dt.date(2026, 9, 1), dt.datetime(2026, 9, 1, 8, 30), 46266],
)  # fmt: skip
def test_a_date_is_read_in_every_way_offices_write_it(written):
    assert parse_date(written) == dt.date(2026, 9, 1)


@pytest.mark.parametrize("written", ["2026/13/1", "2026年2月30日", "九月一日", "1/9/2026", 2026])
def test_a_bad_date_says_how_to_write_one(written):
    with pytest.raises(ValueError, match="2026-09-01"):
        parse_date(written)


def test_full_width_digits_and_stray_spaces_are_read_as_typed_meant():
    assert cell_text("  王　芳  ") == "王 芳"
    assert cell_text(2590102001.0) == "2590102001"
    assert code_text("３４５１ ０００ ００１") == "3451000001"
    assert code_text("ＪＣ－０１") == "JC-01"


@pytest.mark.parametrize(
    "value,formula",
    [("=1+1", True), ("=HYPERLINK(\"http://x\")", True), ("@SUM(A1)", True), ("+cmd|x", True),
     ("-2+3*A1", True), ("+86 138 0000 0000", False), ("-5", False), ("'=1+1", False),
     ("王芳", False), (5, False)],
)  # fmt: skip
def test_a_formula_is_told_from_a_signed_number(value, formula):
    assert is_formula(value) is formula


# --- bad input: a clear message, nothing written --------------------------------------


def _nothing_written(before):
    assert Teacher.objects.count() == before


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x00\x01binary" * 1000, "neither"),
        (b"PK\x03\x04" + b"\x00" * (10 * 1024 * 1024), "larger than 5 mb"),
        (b"PK\x03\x04 not really a zip", "readable"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel", ".xls"),
        ("学校标识码,姓名\n\n,\n".encode(), "no rows"),
        ("姓名,工号\n王芳,1\n".encode(), "missing"),
        ("名字,电话\n王芳,1\n".encode(), "none of the columns"),
        ("学校标识码,姓名,姓名\n3451000001,王芳,王\n".encode(), "twice"),
        # Latin-1 text is neither UTF-8 nor GBK.
        ("学校标识码,姓名\n".encode() + b"3451000001,M\xfcller \xe9,\n", "encoding"),
        # A quote never closed, running on past the largest cell the reader takes.
        ('学校标识码,姓名\n3451000001,"王芳\n'.encode() + b"x" * 200_000, "quote"),
    ],
)
def test_a_file_that_cannot_be_imported_says_why_and_writes_nothing(world, content, message):
    before = Teacher.objects.count()
    batch = _upload(world.coord_helping, content, filename="teachers.xlsx")
    assert batch.status == "invalid"
    assert message in _messages(batch).lower()
    _nothing_written(before)
    # A file too large to keep is recorded without its content.
    assert len(bytes(ImportBatch.objects.get(pk=batch.pk).content)) <= imports.MAX_BYTES


def test_bad_rows_are_listed_by_row_and_column_and_nothing_is_written(world):
    before = Teacher.objects.count()
    content = xlsx(
        [
            ["学校标识码", "姓名", "工号", "参加工作年份", "联系电话"],
            ["3451000001", "好老师", "JC-1", "2015", "13800000000"],
            ["9999999999", "无校", "", "", ""],  # unknown school code
            ["3452000001", "远方", "", "", ""],  # a school outside the coordinator's scope
            ["3451000001", "重号", "JC-1", "", ""],  # the staff number twice in the file
            ["3451000001", "公式", "", "", "=1+1"],  # a formula cell
            ["3451000001", "未来", "", "二〇一五", ""],  # not a year
        ]
    )
    batch = _upload(world.coord_helping, content, filename="teachers.xlsx")
    assert batch.status == "invalid"
    where = {(e["row"], e["column"]) for e in batch.errors}
    assert where == {
        (3, "学校标识码"), (4, "学校标识码"), (5, "工号"), (6, "联系电话"), (7, "参加工作年份"),
    }  # fmt: skip
    # Out of scope reads like unknown: the outsider's school is not revealed.
    by_row = {e["row"]: e["message"] for e in batch.errors}
    assert by_row[3] == by_row[4]
    _nothing_written(before)
    # A file with errors cannot be confirmed.
    with pytest.raises(Exception, match="errors"):
        imports.import_confirm(actor=world.coord_helping, batch=batch)
    _nothing_written(before)


def test_a_gbk_csv_with_full_width_digits_and_blank_rows_imports(world):
    text = (
        "学校标识码,姓名,工号,参加工作年份\n\n"
        "３４５１０００００１, 钱老师 ,ＪＣ－３０,２０１９年\n,,,\n"
    )
    batch = _upload(world.coord_helping, text.encode("gbk"))
    assert batch.status == "ready", batch.errors
    assert batch.rows == 1
    imports.import_confirm(actor=world.coord_helping, batch=batch)
    teacher = Teacher.objects.get(name="钱老师")
    assert (teacher.school, teacher.staff_number, teacher.first_employed_year) == (
        world.helping, "JC-30", 2019,
    )  # fmt: skip


def test_a_csv_with_lines_ending_in_cr_alone_imports(world):
    """Excel for Mac's "Macintosh Comma Separated" ends lines with a bare CR."""
    batch = _upload(world.coord_helping, "学校标识码,姓名\r3451000001,周老师\r".encode())
    assert batch.status == "ready", batch.errors
    assert batch.rows == 1


def test_a_utf16_text_file_from_excel_imports(world):
    text = "学校标识码\t姓名\n3451000001\t孙老师\n"
    batch = _upload(world.coord_helping, text.encode("utf-16"))
    assert batch.status == "ready", batch.errors


def test_an_xlsx_with_a_guarded_cell_imports_the_text(world):
    # A cell exported as '=A1 (twinning.downloads.csv_cell) is text, not a formula.
    content = xlsx([["学校标识码", "姓名", "任教学科"], ["3451000001", "郑老师", "'=语文"]])
    batch = _upload(world.coord_helping, content, filename="t.xlsx")
    assert batch.status == "ready", batch.errors
    imports.import_confirm(actor=world.coord_helping, batch=batch)
    assert Teacher.objects.get(name="郑老师").subjects == "=语文"


def test_the_confirmed_import_is_all_or_nothing(world, monkeypatch):
    """A write that fails after a clean check keeps every row of the file out."""
    from teachers import services

    content = "学校标识码,姓名\n3451000001,甲\n3451000001,乙\n".encode()
    batch = _upload(world.coord_helping, content)
    assert batch.status == "ready"
    real = services.teachers_import

    def write_then_fail(**kwargs):
        real(**kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "teachers_import", write_then_fail)
    batch = imports.import_confirm(actor=world.coord_helping, batch=batch)
    assert batch.status == "invalid" and batch.errors[0]["row"] == 0
    assert "disk full" in batch.errors[0]["message"]
    assert not Teacher.objects.filter(name__in=["甲", "乙"]).exists()


def test_confirming_twice_imports_once(world):
    batch = _upload(world.coord_helping, "学校标识码,姓名\n3451000001,冯老师\n".encode())
    imports.import_confirm(actor=world.coord_helping, batch=batch)
    with pytest.raises(Exception, match="already imported"):
        imports.import_confirm(actor=world.coord_helping, batch=batch)
    assert Teacher.objects.filter(name="冯老师").count() == 1
    # The same file again matches what it wrote: nothing new.
    again = _upload(world.coord_helping, "学校标识码,姓名\n3451000001,冯老师\n".encode())
    assert again.counts == {"new": 0, "update": 0, "skip": 1, "error": 0}


# --- scope and rights -------------------------------------------------------------------


def test_who_may_import_what(world):
    scope_of = imports.resolve_scope
    kinds = lambda user: {k.key for k in imports.kinds_for(scope_of(user))}  # noqa: E731
    assert {"schools", "teachers"} <= kinds(world.bureau)
    assert "teachers" in kinds(world.coord_helping) and "schools" not in kinds(world.coord_helping)
    assert "teachers" not in kinds(world.inspector)
    assert "teachers" not in kinds(world.mentor)


def test_an_inspector_may_not_upload(client, world):
    client.force_login(world.inspector)
    upload = io.BytesIO("学校标识码,姓名\n3451000001,甲\n".encode())
    upload.name = "t.csv"
    response = client.post(reverse("imports:upload", args=["teachers"]), {"file": upload})
    assert response.status_code == 403
    assert client.get(reverse("imports:upload", args=["teachers"])).status_code == 403
    assert not ImportBatch.objects.exists()


def test_an_unknown_kind_is_not_found(client, world):
    client.force_login(world.bureau)
    assert client.get(reverse("imports:upload", args=["spaceships"])).status_code == 404
    assert client.get(reverse("imports:template", args=["spaceships"])).status_code == 404


def test_the_history_shows_the_bureau_its_regions_imports_and_nobody_elses(client, world):
    mine = _upload(
        world.coord_helping, "学校标识码,姓名\n3451000001,甲\n".encode(), filename="甲.csv"
    )
    far = _upload(world.outsider, "学校标识码,姓名\n3452000001,乙\n".encode(), filename="乙.csv")
    client.force_login(world.bureau)
    text = client.get(reverse("imports:home")).content.decode()
    assert "甲.csv" in text and "乙.csv" not in text
    assert client.get(reverse("imports:batch", args=[far.pk])).status_code == 404
    # The coordinator sees their own file, not the bureau's.
    bureau_file = _upload(
        world.bureau, "学校标识码,姓名\n3451000002,丙\n".encode(), filename="丙.csv"
    )
    client.force_login(world.coord_helping)
    text = client.get(reverse("imports:home")).content.decode()
    assert "甲.csv" in text and "丙.csv" not in text
    assert client.get(reverse("imports:batch", args=[bureau_file.pk])).status_code == 404
    assert client.get(reverse("imports:batch", args=[mine.pk])).status_code == 200


def test_the_history_filters_by_kind_status_and_search(client, world):
    _upload(world.coord_helping, "学校标识码,姓名\n3451000001,甲\n".encode(), filename="好文件.csv")
    _upload(world.coord_helping, "学校标识码,姓名\n9999999999,乙\n".encode(), filename="坏文件.csv")
    client.force_login(world.coord_helping)
    url = reverse("imports:home")
    text = client.get(url, {"status": "invalid"}).content.decode()
    assert "坏文件.csv" in text and "好文件.csv" not in text
    text = client.get(url, {"q": "好文件"}).content.decode()
    assert "好文件.csv" in text and "坏文件.csv" not in text
    text = client.get(url, {"kind": "schools"}).content.decode()
    assert "好文件.csv" not in text and "坏文件.csv" not in text
    assert client.get(url, {"status": "bogus"}).status_code == 200  # a form error, no 500


def test_the_history_download_is_the_filtered_history_the_user_sees(client, world):
    good = _upload(world.coord_helping, _csv("3451000001,甲", "3451000001,乙"), filename="好.csv")
    imports.import_confirm(actor=world.coord_helping, batch=good)
    _upload(world.coord_helping, _csv("9999999999,丙"), filename="=坏.csv")
    _upload(world.outsider, _csv("3452000001,丁"), filename="远方.csv")
    client.force_login(world.bureau)
    url = reverse("imports:history_export_xlsx")
    header, *rows = openpyxl.load_workbook(io.BytesIO(client.get(url).content)).active.values
    with translation.override("zh-hans"):
        assert list(header) == [
            _("File"), _("Records"), _("Uploaded by"), _("Uploaded"), _("Status"), _("Rows"),
            _("Added"), _("Updated"), _("Unchanged"), _("Errors"),
        ]  # fmt: skip
        teachers = str(imports.KINDS["teachers"].name)
        imported, invalid = ImportBatch.Status.IMPORTED.label, ImportBatch.Status.INVALID.label
        # Newest first; not the other city's file; a name typed as a formula stays text.
        assert [r[:3] + r[4:] for r in rows] == [
            ("'=坏.csv", teachers, "张联络", str(invalid), 1, 0, 0, 0, 1),
            ("好.csv", teachers, "张联络", str(imported), 2, 2, 0, 0, 0),
        ]
    response = client.get(reverse("imports:history_export_csv"), {"status": "imported"})
    csv_text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "好.csv" in csv_text and "坏.csv" not in csv_text and "远方" not in csv_text
    # The coordinator of the other school sees none of these files.
    client.force_login(world.coord_assisted)
    response = client.get(reverse("imports:history_export_csv"))
    assert len(b"".join(response.streaming_content).decode("utf-8-sig").splitlines()) == 1


# --- the error report and the original file -------------------------------------------


def test_the_error_report_lists_each_error_beside_its_row(client, world):
    content = "学校标识码,姓名,工号\n3451000001,好,A1\n9999999999,坏,A2\n".encode()
    batch = _upload(world.coord_helping, content)
    client.force_login(world.coord_helping)
    response = client.get(reverse("imports:errors_xlsx", args=[batch.pk]))
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][3:] == ("学校标识码", "姓名", "工号")
    assert (
        rows[1][0] == 3 and rows[1][1] == "学校标识码" and rows[1][3:] == ("9999999999", "坏", "A2")
    )
    csv_text = b"".join(
        client.get(reverse("imports:errors_csv", args=[batch.pk])).streaming_content
    ).decode("utf-8-sig")
    assert "9999999999" in csv_text
    original = client.get(reverse("imports:file", args=[batch.pk]))
    assert original.content == content


def test_the_upload_page_checks_and_the_batch_page_shows_the_preview(client, world):
    client.force_login(world.coord_helping)
    upload = io.BytesIO("学校标识码,姓名\n3451000001,卫老师\n".encode())
    upload.name = "t.csv"
    response = client.post(reverse("imports:upload", args=["teachers"]), {"file": upload})
    batch = ImportBatch.objects.get()
    assert response.url == reverse("imports:batch", args=[batch.pk])
    page = client.get(response.url).content.decode()
    assert reverse("imports:confirm", args=[batch.pk]) in page
    assert not Teacher.objects.filter(name="卫老师").exists()
    response = client.post(reverse("imports:confirm", args=[batch.pk]))
    assert response.url == reverse("imports:batch", args=[batch.pk])
    assert Teacher.objects.filter(name="卫老师").exists()


# --- long files in the background ------------------------------------------------------


def test_a_long_file_is_checked_and_imported_by_a_worker_with_its_progress(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 2
    lines = "".join(f"3451000001,老师{i},BG-{i}\n" for i in range(5))
    content = ("学校标识码,姓名,工号\n" + lines).encode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = _upload(world.coord_helping, content)
    assert batch.status == "checking" and batch.rows == 5
    client.force_login(world.coord_helping)
    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert "data-progress=" in page
    state = client.get(reverse("imports:progress", args=[batch.pk])).json()
    assert state == {
        "status": "checking", "status_display": state["status_display"], "rows": 5, "done": 0,
        "running": True,
    }  # fmt: skip
    for callback in callbacks:  # the worker (eager in tests) checks it
        callback()
    batch.refresh_from_db()
    assert batch.status == "ready" and batch.counts["new"] == 5
    assert client.get(reverse("imports:progress", args=[batch.pk])).json()["running"] is False

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = imports.import_confirm(actor=world.coord_helping, batch=batch)
    assert batch.status == "importing"
    assert not Teacher.objects.filter(staff_number__startswith="BG-").exists()
    for callback in callbacks:
        callback()
    batch.refresh_from_db()
    assert batch.status == "imported"
    assert Teacher.objects.filter(staff_number__startswith="BG-").count() == 5
    # Delivered twice, the task does nothing the second time.
    from twinning.tasks import import_run

    import_run.apply(args=[batch.pk])
    assert Teacher.objects.filter(staff_number__startswith="BG-").count() == 5


def test_the_progress_is_counted_as_rows_are_done(world, settings):
    settings.IMPORT_BACKGROUND_ROWS = 1
    lines = "".join(f"3451000001,进度{i}\n" for i in range(250))
    batch = _upload(world.coord_helping, ("学校标识码,姓名\n" + lines).encode())
    seen = []
    kind = imports.KINDS["teachers"]
    resource = kind.resource_for(world.coord_helping, progress=seen.append)
    resource.import_data(imports.read_table(bytes(batch.content)), dry_run=True)
    assert seen == [100, 200]


def test_a_worker_failure_is_reported_and_keeps_nothing(world, settings, monkeypatch):
    settings.IMPORT_BACKGROUND_ROWS = 0
    batch = _upload(world.coord_helping, "学校标识码,姓名\n3451000001,甲\n".encode())
    monkeypatch.setattr(imports, "_check", lambda batch: 1 / 0)
    imports.import_run(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "invalid" and "server" in _messages(batch).lower() or batch.errors


# --- the API ---------------------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_uploads_previews_and_confirms(world):
    api = _api(world.coord_helping)
    upload = io.BytesIO("学校标识码,姓名\n3451000001,褚老师\n9999999999,错\n".encode("gbk"))
    upload.name = "t.csv"
    response = api.post("/api/imports/", {"kind": "teachers", "file": upload}, format="multipart")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "invalid" and body["errors"][0]["row"] == 3
    assert body["errors"][0]["column"] == "学校标识码"
    assert api.post(f"/api/imports/{body['id']}/confirm/").status_code == 400

    upload = io.BytesIO("学校标识码,姓名\n3451000001,褚老师\n".encode())
    upload.name = "t.csv"
    body = api.post(
        "/api/imports/", {"kind": "teachers", "file": upload}, format="multipart"
    ).json()
    assert body["status"] == "ready" and body["counts"]["new"] == 1
    assert not Teacher.objects.filter(name="褚老师").exists()
    response = api.post(f"/api/imports/{body['id']}/confirm/")
    assert response.status_code == 200 and response.json()["status"] == "imported"
    assert Teacher.objects.filter(name="褚老师").exists()
    listed = api.get("/api/imports/", {"status": "imported"}).json()
    assert [b["id"] for b in listed["results"]] == [body["id"]]


def test_the_api_refuses_what_the_user_may_not_import(world):
    upload = io.BytesIO("学校代码,学校名称\n".encode())
    upload.name = "s.csv"
    response = _api(world.coord_helping).post(
        "/api/imports/", {"kind": "schools", "file": upload}, format="multipart"
    )
    assert response.status_code == 403
    response = _api(world.bureau).post("/api/imports/", {"kind": "teachers"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]
    assert not ImportBatch.objects.exists()


def test_the_api_refuses_a_body_that_is_not_an_object(world):
    client = APIClient()
    client.force_authenticate(world.coord_helping)
    for body in ([], "x"):
        response = client.post("/api/imports/", body, format="json")
        assert response.status_code == 400, response.content
    assert not ImportBatch.objects.exists()


def test_the_api_lists_the_kinds_with_their_columns(world):
    kinds = {k["kind"]: k for k in _api(world.coord_helping).get("/api/imports/kinds/").json()}
    assert "schools" not in kinds
    assert kinds["teachers"]["required"] == ["学校标识码", "姓名"]
    assert kinds["teachers"]["template"].endswith("/imports/teachers/template.xlsx")


def test_a_school_import_through_the_pages_keeps_codes_and_scope(client, world):
    client.force_login(world.bureau)
    content = xlsx(
        [
            ["学校标识码", "学校名称", "行政区划代码", "学段", "城乡", "在校生数"],
            ["３４５１０００００９", "东城第三小学", "510101", "小学", "城镇", "３００"],
        ]
    )
    upload = io.BytesIO(content)
    upload.name = "schools.xlsx"
    client.post(reverse("imports:upload", args=["schools"]), {"file": upload})
    batch = ImportBatch.objects.get()
    assert batch.status == "ready", batch.errors
    client.post(reverse("imports:confirm", args=[batch.pk]))
    school = School.objects.get(code="3451000009")
    assert school.enrolment == 300 and school.region == world.east
