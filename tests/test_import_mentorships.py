"""Importing mentorships (师徒结对) from a spreadsheet: checked first, written all or
nothing, each teacher found by school code and staff number or name, scoped to the
importing user, and the list's download loads again unchanged."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from teachers import services
from teachers.mentorship_resources import COLUMNS
from teachers.models import Mentorship
from twinning.imports import import_confirm

from . import spreadsheets
from .spreadsheets import csv_bytes, where, xlsx

TODAY = dt.date(2026, 11, 18)  # a Wednesday of term 1 of 2026–2027
HEADER = list(COLUMNS.values())
FORMULA = "This cell holds a formula"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("twinning.calendar.today", lambda: TODAY)


@pytest.fixture
def people(world, active):
    """Teachers of both schools of the active pairing, one of the other city."""
    helping, assisted = world.coord_helping, world.coord_assisted

    def teacher(actor, school, name, year, staff_number="", user=None):
        return services.teacher_create(
            actor=actor, school=school, name=name, subjects="语文",
            first_employed_year=year, staff_number=staff_number, user=user,
        )  # fmt: skip

    return {
        "chen": teacher(helping, world.helping, "陈红梅", 2005, "JC-01", user=world.mentor),
        "li": teacher(helping, world.helping, "李明", 2008, "JC-02"),
        "zhao": teacher(assisted, world.assisted, "赵小燕", 2024, "XS-01"),
        "qian": teacher(assisted, world.assisted, "钱多多", 2025),
        "wang1": teacher(assisted, world.assisted, "王芳", 2024, "XS-11"),
        "wang2": teacher(assisted, world.assisted, "王芳", 2025, "XS-12"),
        "veteran": teacher(assisted, world.assisted, "孙老", 2000, "XS-20"),
        "spare": teacher(world.bureau, world.spare, "周新", 2025, "DC-01"),
        "far": teacher(None, world.far_school, "远方老师", 2025, "YF-01"),
    }


def row(**values) -> list[str]:
    base = {
        "mentor_school": "3451000001", "mentor": "陈红梅", "mentor_staff_number": "JC-01",
        "mentee_school": "3451000002", "mentee": "赵小燕", "subject": "语文",
        "start": "2026-09-01",
    }  # fmt: skip
    base.update(values)
    return [base.get(name, "") for name in COLUMNS]


def check(user, content: bytes, name="mentorships.xlsx"):
    return spreadsheets.check(user, "mentorships", content, name)


def load(user, content: bytes, name="mentorships.xlsx"):
    """Check and import a file that has no error."""
    return spreadsheets.load(user, "mentorships", content, name)


def state():
    """Everything an import could change, to compare before and after."""
    return (
        list(Mentorship.objects.order_by("pk").values_list(
            "pk", "mentor_id", "mentee_id", "subject", "start", "end", "agreement_text",
            "pairing_id", "status", "mentor_accepted_at",
        )),
        Mentorship.history.count(),
    )  # fmt: skip


def message(batch, row: int, column: str) -> str:
    return " ".join(e["message"] for e in batch.errors if (e["row"], e["column"]) == (row, column))


# --- a good file ---------------------------------------------------------------------------


def test_a_good_file_is_checked_first_and_written_when_confirmed(world, active, people):
    content = xlsx([
        HEADER,
        row(agreement_text="每周听课一次。\n每月共同备课两次。"),
        # By name alone (no staff number), for two terms, the pairing named.
        row(mentor="李明", mentor_staff_number="", mentee="钱多多", subject="数学", terms="2",
            pairing=str(active.pk)),
    ])  # fmt: skip
    batch = check(world.coord_assisted, content)
    assert batch.status == "ready", batch.errors
    assert batch.counts == {"new": 2, "update": 0, "skip": 0, "error": 0}
    assert not Mentorship.objects.exists()  # nothing written by the check

    import_confirm(actor=world.coord_assisted, batch=batch)
    batch.refresh_from_db()
    assert batch.status == "imported"
    chinese = Mentorship.objects.get(subject="语文")
    assert (chinese.mentor, chinese.mentee) == (people["chen"], people["zhao"])
    assert chinese.pairing == active and chinese.created_by == world.coord_assisted
    assert chinese.end == dt.date(2027, 1, 31)  # one term
    assert chinese.agreement_text == "每周听课一次。\n每月共同备课两次。"
    maths = Mentorship.objects.get(subject="数学")
    assert (maths.mentor, maths.mentee) == (people["li"], people["qian"])
    assert maths.end == dt.date(2027, 7, 31)  # two terms


def test_the_same_file_again_changes_nothing(world, active, people):
    content = csv_bytes([HEADER, row(), row(mentee="钱多多", subject="数学")])
    load(world.coord_helping, content, "mentorships.csv")
    before = state()
    batch = load(world.coord_helping, content, "mentorships.csv")
    assert batch.counts == {"new": 0, "update": 0, "skip": 2, "error": 0}
    assert state() == before


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_download_imports_again_unchanged(client, world, active, people, fmt):
    # An agreement typed as a list: its leading dash is written guarded, and read back.
    services.mentorship_create(
        actor=world.coord_assisted, mentor=people["chen"], mentee=people["zhao"],
        subject="语文", start=dt.date(2026, 9, 1),
        agreement_text="- 每周听课一次\r\n- 每月共同备课",
    )  # fmt: skip
    load(world.coord_assisted, xlsx([
        HEADER,
        row(mentor="李明", mentor_staff_number="JC-02", mentee="钱多多", subject="数学",
            terms="2"),
    ]))  # fmt: skip
    before = state()
    client.force_login(world.bureau)
    response = client.get(reverse(f"teachers:mentorship_export_{fmt}"))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    batch = load(world.bureau, content, f"mentorships.{fmt}")
    assert batch.counts == {"new": 0, "update": 0, "skip": 2, "error": 0}
    assert state() == before


def test_the_download_is_the_filtered_list_in_the_import_columns(client, world, active, people):
    load(world.coord_assisted, xlsx([HEADER, row(), row(mentee="钱多多", subject="数学")]))
    client.force_login(world.bureau)
    response = client.get(reverse("teachers:mentorship_export_xlsx"), {"q": "数学"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = [[c or "" for c in line] for line in sheet.iter_rows(values_only=True)]
    assert header == HEADER and len(rows) == 1
    line = dict(zip(header, rows[0], strict=True))
    assert line["导师学校标识码"] == "3451000001" and line["导师工号"] == "JC-01"
    assert line["徒弟姓名"] == "钱多多" and line["开始日期"] == "2026-09-01"
    assert line["结束日期"] == "2027-01-31" and line["结对编号"] == str(active.pk)
    assert line["状态"] in ("实施中", "Active")


def test_a_row_updates_the_agreement_of_the_matching_active_mentorship(world, active, people):
    existing = services.mentorship_create(
        actor=world.coord_assisted, mentor=people["chen"], mentee=people["zhao"],
        subject="语文", start=dt.date(2026, 9, 1), agreement_text="旧协议",
    )  # fmt: skip
    services.mentorship_accept(actor=world.mentor, mentorship=existing)
    batch = load(world.coord_helping, xlsx([HEADER, row(agreement_text="新协议")]))
    assert batch.counts == {"new": 0, "update": 1, "skip": 0, "error": 0}
    existing.refresh_from_db()
    assert existing.agreement_text == "新协议"
    assert existing.mentor_accepted_at is None  # a changed agreement is accepted again
    assert Mentorship.objects.count() == 1


def test_a_closed_mentorship_is_not_matched_and_a_new_one_starts(world, active, people):
    old = services.mentorship_create(
        actor=world.coord_assisted, mentor=people["chen"], mentee=people["zhao"],
        subject="语文", start=dt.date(2026, 9, 1),
    )  # fmt: skip
    services.mentorship_terminate(actor=world.coord_assisted, mentorship=old, reason="调动")
    batch = load(world.coord_assisted, xlsx([HEADER, row()]))
    assert batch.counts["new"] == 1
    assert Mentorship.objects.filter(status="active").exclude(pk=old.pk).count() == 1


def test_the_start_of_a_matching_mentorship_cannot_be_changed(world, active, people):
    services.mentorship_create(
        actor=world.coord_assisted, mentor=people["chen"], mentee=people["zhao"],
        subject="语文", start=dt.date(2026, 9, 1),
    )  # fmt: skip
    before = state()
    batch = check(world.coord_assisted, xlsx([HEADER, row(start="2026-10-01")]))
    assert batch.status == "invalid"
    assert where(batch) == {(2, "开始日期")}
    assert state() == before


# --- errors: reported by row and column, and nothing written -------------------------------


def test_the_same_mentorship_twice_in_the_file_names_the_earlier_row(world, active, people):
    before = state()
    batch = check(world.coord_assisted, xlsx([
        HEADER,
        row(mentee="钱多多", subject="数学"),
        row(),
        row(mentee="", mentee_staff_number="XS-01"),  # 赵小燕 again, by staff number
    ]))  # fmt: skip
    assert batch.status == "invalid"
    assert where(batch) == {(4, "学科")}
    assert "row 3" in message(batch, 4, "学科") or "第 3 行" in message(batch, 4, "学科")
    # A file with errors cannot be confirmed, and the check wrote nothing.
    with pytest.raises(ValidationError):
        import_confirm(actor=world.coord_assisted, batch=batch)
    assert state() == before


def test_an_unknown_school_and_one_outside_the_users_schools_read_the_same(world, active, people):
    before = state()
    batch = check(world.coord_assisted, xlsx([
        HEADER,
        row(mentor_school="9999999999"),  # no such school
        row(mentor_school="3452000001", mentor="远方老师", mentor_staff_number="YF-01"),
        # The other school of the helping school's county: neither the coordinator's nor
        # a partner of it.
        row(mentor_school="3451000003", mentor="周新", mentor_staff_number="DC-01"),
        row(mentee_school=""),
    ]))  # fmt: skip
    assert where(batch) == {(2, "导师学校标识码"), (3, "导师学校标识码"),
                            (4, "导师学校标识码"), (5, "徒弟学校标识码")}  # fmt: skip
    assert message(batch, 2, "导师学校标识码") == message(batch, 3, "导师学校标识码")
    assert message(batch, 3, "导师学校标识码") == message(batch, 4, "导师学校标识码")
    assert state() == before


def test_bad_dates_and_lengths_name_their_column(world, active, people):
    batch = check(world.coord_assisted, csv_bytes([
        HEADER,
        row(start="2026-13-01"),
        row(start="明天", mentee="钱多多"),
        row(start="", mentee="王芳", mentee_staff_number="XS-11"),
        row(mentee="王芳", mentee_staff_number="XS-12", terms="9"),
    ]), "mentorships.csv")  # fmt: skip
    assert where(batch) == {(2, "开始日期"), (3, "开始日期"), (4, "开始日期"), (5, "学期数")}
    assert not Mentorship.objects.exists()


def test_teachers_who_cannot_be_found_or_told_apart_are_errors(world, active, people):
    batch = check(world.coord_assisted, xlsx([
        HEADER,
        row(mentee="无名氏"),
        row(mentee="王芳"),  # two of them at the school
        row(mentee="王芳", mentee_staff_number="XS-99"),  # no such staff number
        row(mentee="赵小燕", mentee_staff_number="XS-11"),  # XS-11 is 王芳's
        row(mentor="", mentor_staff_number=""),
        row(mentee="王芳", mentee_staff_number="XS-12"),  # told apart: fine
    ]))  # fmt: skip
    assert where(batch) == {(2, "徒弟姓名"), (3, "徒弟姓名"), (4, "徒弟工号"), (5, "徒弟姓名"),
                            (6, "导师姓名")}  # fmt: skip
    assert "staff number" in message(batch, 3, "徒弟姓名") or "工号" in message(
        batch, 3, "徒弟姓名"
    )
    assert "王芳" in message(batch, 5, "徒弟姓名")
    assert not Mentorship.objects.exists()


def test_full_width_digits_and_spaces_are_read(world, active, people):
    batch = load(world.coord_assisted, xlsx([
        HEADER,
        row(mentor_school="３４５１ ０００ ００１", mentor_staff_number="ＪＣ－０１",
            mentee_school="３４５１０００００２", start="２０２６年９月１日", terms="２"),
    ]))  # fmt: skip
    assert batch.counts["new"] == 1
    made = Mentorship.objects.get()
    assert made.mentor == people["chen"] and made.start == dt.date(2026, 9, 1)
    assert made.end == dt.date(2027, 7, 31)


def test_a_formula_cell_is_refused(world, active, people):
    batch = check(world.coord_assisted, xlsx([HEADER, row(), row(subject="=1+1")]))
    assert batch.status == "invalid"
    assert where(batch) == {(3, "学科")}
    assert FORMULA in message(batch, 3, "学科") or "公式" in message(batch, 3, "学科")
    assert not Mentorship.objects.exists()


def test_a_row_the_service_refuses_is_reported_with_its_row(world, active, people):
    batch = check(world.coord_assisted, xlsx([
        HEADER,
        row(),
        # 26 years of service: beyond the programme's rule for mentees.
        row(mentee="孙老", mentee_staff_number="XS-20"),
        # Mentoring oneself.
        row(mentor_school="3451000002", mentor="钱多多", mentor_staff_number="",
            mentee="钱多多", subject="数学"),
    ]))  # fmt: skip
    assert batch.status == "invalid"
    assert where(batch) == {(3, "徒弟姓名"), (4, "徒弟姓名")}
    assert "孙老" in message(batch, 3, "徒弟姓名")
    assert not Mentorship.objects.exists()


def test_only_the_bureau_makes_an_exception_to_the_eligibility_rule(world, active, people):
    veteran = row(
        mentee="孙老", mentee_staff_number="XS-20", eligibility_override="学校唯一新任教研组长"
    )
    batch = check(world.coord_assisted, xlsx([HEADER, veteran]))
    assert where(batch) == {(2, "破例理由")}
    assert not Mentorship.objects.exists()
    load(world.bureau, xlsx([HEADER, veteran]))
    made = Mentorship.objects.get()
    assert made.mentee == people["veteran"] and made.eligibility_overridden_by == world.bureau
    assert made.eligibility_override == "学校唯一新任教研组长"


def test_a_user_who_may_not_start_mentorships_may_not_import_them(world, active, people):
    for persona in ("mentor", "inspector"):
        with pytest.raises(PermissionDenied):
            check(getattr(world, persona), xlsx([HEADER, row()]))
    assert not Mentorship.objects.exists()


# --- the list page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, sees", [("coord_assisted", True), ("bureau", True), ("inspector", False),
                      ("mentor", False)],
)  # fmt: skip
def test_the_list_offers_the_import_to_those_who_may_import(client, world, persona, sees):
    client.force_login(getattr(world, persona))
    page = client.get(reverse("teachers:mentorship_list")).content.decode()
    assert (reverse("imports:upload", args=["mentorships"]) in page) is sees


def test_the_download_runs_a_constant_number_of_queries(
    client, world, active, people, django_assert_num_queries
):
    client.force_login(world.bureau)
    url = reverse("teachers:mentorship_export_csv")
    load(world.coord_assisted, xlsx([HEADER, row()]))

    def download() -> str:
        response = client.get(url)
        return b"".join(response.streaming_content).decode("utf-8-sig")

    # 1 session user, 2 role assignments, 3 region subtree, 4 the user's own teacher
    # record; the standings: 5 the active mentorships, 6 their programmes' obligations,
    # 7 term dates, 8 record counts; 9 the mentorships with both teachers and their
    # schools joined.
    with django_assert_num_queries(9):
        download()
    load(world.coord_assisted, xlsx([
        HEADER,
        row(mentee="钱多多", subject="数学"),
        row(mentor="李明", mentor_staff_number="JC-02", mentee="王芳", mentee_staff_number="XS-11"),
    ]))  # fmt: skip
    with django_assert_num_queries(9):
        text = download()
    assert text.count("3451000002") == 3
