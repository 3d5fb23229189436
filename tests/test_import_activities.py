"""Importing exchange activities from a spreadsheet: checked first, written all or
nothing, each row's pairing found by its schools' codes among the pairings whose
activities the user schedules, dates and times as offices write them, and the list's
download loads again unchanged."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Activity, ActivityKind
from activities.resources import COLUMNS, parse_datetime
from schools import services as school_services
from twinning.imports import import_confirm, kind_get, template_workbook

from . import spreadsheets
from .factories import ProgrammeFactory, SchoolFactory
from .spreadsheets import csv_bytes, where, xlsx

HEADER = list(COLUMNS.values())
FORMULA = "This cell holds a formula"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def row(**values) -> list:
    base = {
        "helping_school": "3451000001", "assisted_school": "3451000002",
        "kind": "送教/示范课", "title": "送教下乡", "starts_at": "2026-12-03 09:00",
        "ends_at": "2026-12-03 11:30", "host_school": "3451000002", "place": "西山山村小学",
        "student_count": "40",
    }  # fmt: skip
    base.update(values)
    return [base.get(name, "") for name in COLUMNS]


def check(user, content: bytes, name="activities.xlsx"):
    return spreadsheets.check(user, "activities", content, name)


def load(user, content: bytes, name="activities.xlsx"):
    """Check and import a file that has no error."""
    return spreadsheets.load(user, "activities", content, name)


def state():
    """Everything an import could change, to compare before and after."""
    return (
        list(Activity.objects.order_by("pk").values_list(
            "pk", "pairing_id", "kind_id", "title", "host_school_id", "starts_at", "ends_at",
            "place", "online_link", "student_count", "description", "status", "summary",
        )),
        Activity.history.count(),
    )  # fmt: skip


def message(batch, row_number: int, column: str) -> str:
    return " ".join(
        e["message"] for e in batch.errors if (e["row"], e["column"]) == (row_number, column)
    )


def schedule(world, pairing, *, title, starts_at, kind="visit", **extra):
    fields = {"place": "江城实验小学", **extra}
    activity, _clashes = services.activity_schedule(
        actor=world.coord_helping, pairing=pairing, kind=ActivityKind.objects.get(code=kind),
        title=title, host_school=world.helping, starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2), **fields,
    )  # fmt: skip
    return activity


@pytest.fixture
def second(world, active):
    """A second approved pairing of the same two schools, in another programme."""
    programme = ProgrammeFactory(name="江城市名校带弱校", region=world.city)
    pairing = school_services.pairing_create(
        actor=world.coord_helping, programme=programme, helping_school=world.helping,
        assisted_schools=[world.assisted],
    )  # fmt: skip
    school_services.pairing_propose(actor=world.coord_helping, pairing=pairing)
    return school_services.pairing_approve(actor=world.bureau, pairing=pairing)


@pytest.fixture
def elsewhere(world, active):
    """An approved pairing of the city that the assisted school's coordinator has no part
    in: 东城第二小学 helping a new school."""
    programme = ProgrammeFactory(name="江城市第二批结对", region=world.city)
    other = SchoolFactory(name="西山第二小学", code="3451000004", region=world.west)
    pairing = school_services.pairing_create(
        actor=world.bureau, programme=programme, helping_school=world.spare,
        assisted_schools=[other],
    )  # fmt: skip
    school_services.pairing_propose(actor=world.bureau, pairing=pairing)
    return school_services.pairing_approve(actor=world.bureau2, pairing=pairing)


# --- dates and times -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["2026-09-01 09:00", "2026/9/1 9:00", "2026年9月1日 9:00", "2026年9月1日9时",
     "2026-09-01T09:00:00", "２０２６年９月１日 ９：００", dt.datetime(2026, 9, 1, 9, 0),
     46266.375],
)  # fmt: skip
def test_a_date_and_time_is_read_as_offices_write_it(value):
    assert parse_datetime(value) == at("2026-09-01 09:00")


@pytest.mark.parametrize(
    "value", ["2026-09-01", "2026-09-32 09:00", "2026-09-01 25:00", "明天 9:00", "9:00", 12.5]
)
def test_a_date_without_a_time_or_out_of_range_is_refused(value):
    with pytest.raises(ValueError, match="2026-09-01 09:00"):
        parse_datetime(value)


# --- a good file ---------------------------------------------------------------------------


def test_a_good_file_is_checked_first_and_written_when_confirmed(world, active):
    content = xlsx([
        HEADER,
        row(description="示范课一节。\n课后集体评课。"),
        row(kind="Lecture", title="专题讲座", starts_at="2026/12/4 9:00",
            ends_at="2026/12/4 10:30", host_school="3451000001", place="", student_count="",
            online_link="https://meeting.example.cn/123"),
        row(kind="visit", title="互访", starts_at=dt.datetime(2026, 12, 5, 14, 30),
            ends_at="2026年12月5日 16:00"),
    ])  # fmt: skip
    batch = check(world.coord_assisted, content)
    assert batch.status == "ready", batch.errors
    assert batch.counts == {"new": 3, "update": 0, "skip": 0, "error": 0}
    assert not Activity.objects.exists()  # nothing written by the check

    import_confirm(actor=world.coord_assisted, batch=batch)
    delivery = Activity.objects.get(title="送教下乡")
    assert delivery.pairing == active and delivery.organiser == world.coord_assisted
    assert delivery.kind.code == "lesson_delivery" and delivery.host_school == world.assisted
    assert delivery.starts_at == at("2026-12-03 09:00")
    assert timezone.localtime(delivery.starts_at).hour == 9  # Asia/Shanghai
    assert delivery.student_count == 40 and delivery.status == "planned"
    assert delivery.description == "示范课一节。\n课后集体评课。"
    assert not delivery.participants.exists()  # participants are not imported
    lecture = Activity.objects.get(title="专题讲座")
    assert lecture.kind.code == "lecture" and lecture.online_link.endswith("/123")
    assert lecture.student_count == 0
    visit = Activity.objects.get(title="互访")
    assert (visit.starts_at, visit.ends_at) == (at("2026-12-05 14:30"), at("2026-12-05 16:00"))


def test_the_same_file_again_changes_nothing(world, active):
    content = csv_bytes([HEADER, row(), row(title="互访", kind="互访")])
    load(world.coord_helping, content, "activities.csv")
    before = state()
    batch = load(world.coord_helping, content, "activities.csv")
    assert batch.counts == {"new": 0, "update": 0, "skip": 2, "error": 0}
    assert state() == before


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_download_imports_again_unchanged(client, world, active, fmt):
    schedule(world, active, title="联合教研", starts_at=at("2026-12-10 09:00"),
             description="- 说课\r\n- 评课")  # fmt: skip
    schedule(world, active, title="同步课堂", starts_at=at("2026-12-11 14:00"),
             kind="synchronous_class", place="",
             online_link="https://meeting.example.cn/1")  # fmt: skip
    held = schedule(world, active, title="已举行的互访", starts_at=at("2025-10-10 09:00"))
    services.activity_complete(
        actor=world.coord_helping, activity=held, summary="=很好",
        files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 a")],
    )  # fmt: skip
    before = state()
    client.force_login(world.bureau)
    response = client.get(reverse(f"activities:activity_export_{fmt}"))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    batch = load(world.bureau, content, f"activities.{fmt}")
    assert batch.counts == {"new": 0, "update": 0, "skip": 3, "error": 0}
    assert state() == before


def test_a_row_changes_the_planned_activity_it_matches(world, active):
    planned = schedule(world, active, title="送教下乡", kind="lesson_delivery",
                       starts_at=at("2026-12-03 09:00"))  # fmt: skip
    batch = load(world.coord_assisted, xlsx([HEADER, row(place="西山山村小学礼堂")]))
    assert batch.counts == {"new": 0, "update": 1, "skip": 0, "error": 0}
    planned.refresh_from_db()
    assert planned.place == "西山山村小学礼堂" and planned.host_school == world.assisted
    assert planned.ends_at == at("2026-12-03 11:30") and planned.student_count == 40
    assert Activity.objects.count() == 1


def test_a_held_activity_is_left_alone_or_refused_if_changed(world, active):
    held = schedule(world, active, title="已举行", kind="lesson_delivery",
                    starts_at=at("2025-10-10 09:00"))  # fmt: skip
    services.activity_complete(
        actor=world.coord_helping, activity=held, summary="好",
        files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 a")],
    )  # fmt: skip
    same = row(title="已举行", starts_at="2025-10-10 09:00", ends_at="2025-10-10 11:00",
               host_school="3451000001", place="江城实验小学", student_count="0")  # fmt: skip
    batch = load(world.coord_assisted, xlsx([HEADER, same]))
    assert batch.counts == {"new": 0, "update": 0, "skip": 1, "error": 0}
    before = state()
    changed = row(title="已举行", starts_at="2025-10-10 09:00", ends_at="2025-10-10 11:00",
                  host_school="3451000001", place="别处", student_count="0")  # fmt: skip
    batch = check(world.coord_assisted, xlsx([HEADER, row(), changed]))
    assert batch.status == "invalid"
    assert where(batch) == {(3, "")}
    assert state() == before


def test_the_pairing_number_tells_two_pairings_of_the_same_schools_apart(world, active, second):
    batch = check(world.coord_helping, xlsx([HEADER, row()]))
    assert where(batch) == {(2, "结对编号")}
    batch = load(world.coord_helping, xlsx([HEADER, row(pairing=str(second.pk))]))
    assert Activity.objects.get().pairing == second
    batch = check(world.coord_helping, xlsx([HEADER, row(pairing="999999")]))
    assert where(batch) == {(2, "结对编号")}


# --- errors: reported by row and column, and nothing written -------------------------------


def test_the_same_activity_twice_in_the_file_names_the_earlier_row(world, active):
    before = state()
    batch = check(world.coord_assisted, xlsx([
        HEADER,
        row(),
        row(title="互访", kind="visit"),
        # The first row again, its start written another way.
        row(starts_at="2026年12月3日 9:00", place="另一处"),
    ]))  # fmt: skip
    assert batch.status == "invalid"
    assert where(batch) == {(4, "标题")}
    assert "2" in message(batch, 4, "标题")
    assert state() == before


def test_unknown_schools_and_pairings_outside_the_users_scope_are_errors(world, active, elsewhere):
    before = state()
    batch = check(world.coord_assisted, xlsx([
        HEADER,
        row(helping_school="9999999999"),  # no such school
        # A live pairing of the city whose activities this coordinator does not schedule.
        row(title="二", helping_school="3451000003", assisted_school="3451000004",
            host_school="3451000004"),
        # Not an assisted school of the helping school's pairings.
        row(title="三", assisted_school="3451000003"),
        row(title="四", host_school="3452000001"),  # a school of another city
    ]))  # fmt: skip
    assert where(batch) == {(2, "帮扶学校标识码"), (3, "帮扶学校标识码"), (3, "承办学校标识码"),
                            (4, "受援学校标识码"), (5, "承办学校标识码")}  # fmt: skip
    assert message(batch, 2, "帮扶学校标识码") == message(batch, 3, "帮扶学校标识码")
    assert message(batch, 3, "承办学校标识码") == message(batch, 5, "承办学校标识码")
    assert state() == before
    # The bureau schedules the other pairing's activities, but its school does not host
    # the first pairing's.
    batch = check(world.bureau, xlsx([
        HEADER,
        row(helping_school="3451000003", assisted_school="3451000004", host_school="3451000004"),
        row(host_school="3451000004"),
    ]))  # fmt: skip
    assert where(batch) == {(3, "承办学校标识码")}
    assert state() == before


def test_bad_dates_times_and_kinds_name_their_column(world, active):
    batch = check(world.coord_assisted, csv_bytes([
        HEADER,
        row(starts_at="2026-12-03"),  # no time
        row(title="二", ends_at="2026-12-32 11:00"),
        row(title="三", starts_at="明天 9:00", ends_at=""),
        row(title="四", kind="春游"),
        row(title="", student_count="很多"),
    ]), "activities.csv")  # fmt: skip
    assert where(batch) == {(2, "开始时间"), (3, "结束时间"), (4, "开始时间"), (4, "结束时间"),
                            (5, "活动类型"), (6, "标题"), (6, "参与学生数")}  # fmt: skip
    assert "送教/示范课" in message(batch, 5, "活动类型")
    assert not Activity.objects.exists()


def test_full_width_digits_and_spaces_are_read(world, active):
    batch = load(world.coord_assisted, xlsx([
        HEADER,
        row(helping_school="３４５１ ０００ ００１", assisted_school="３４５１０００００２",
            host_school="３４５１０００００２", starts_at="２０２６年１２月３日 ９：００",
            ends_at="２０２６－１２－０３ １１：３０", student_count="４０"),
    ]))  # fmt: skip
    assert batch.counts["new"] == 1
    made = Activity.objects.get()
    assert made.starts_at == at("2026-12-03 09:00") and made.ends_at == at("2026-12-03 11:30")
    assert made.student_count == 40


def test_a_formula_cell_is_refused(world, active):
    batch = check(world.coord_assisted, xlsx([HEADER, row(), row(title="互访", place="=1+1")]))
    assert batch.status == "invalid"
    assert where(batch) == {(3, "地点")}
    assert FORMULA in message(batch, 3, "地点") or "公式" in message(batch, 3, "地点")
    assert not Activity.objects.exists()


def test_rows_the_service_refuses_are_reported_with_their_row(world, active):
    ActivityKind.objects.filter(code="joint_exam").update(is_active=False)
    batch = check(world.coord_assisted, xlsx([
        HEADER,
        row(),
        row(title="倒着的", ends_at="2026-12-03 08:00"),  # ends before it starts
        row(title="无处", place=""),  # neither a place nor a link
        row(title="联测", kind="教学质量联测"),  # a kind no longer in use
    ]))  # fmt: skip
    assert batch.status == "invalid"
    assert where(batch) == {(3, "结束时间"), (4, "地点"), (5, "活动类型")}
    assert not Activity.objects.exists()


def test_a_user_who_schedules_nothing_may_not_import(world, active):
    for persona in ("mentor", "inspector"):
        with pytest.raises(PermissionDenied):
            check(getattr(world, persona), xlsx([HEADER, row()]))
    assert not Activity.objects.exists()


# --- the template and the list page -----------------------------------------------------------


def test_the_template_says_that_participants_are_not_imported(world):
    kind = kind_get("activities")
    workbook = openpyxl.load_workbook(io.BytesIO(template_workbook(kind)))
    sheet, notes = workbook.worksheets
    assert [c.value for c in sheet[1]] == HEADER
    text = " ".join(str(c) for line in notes.iter_rows(values_only=True) for c in line if c)
    assert str(kind.matching) in text and "2026/9/1 9:00" in text and "送教/示范课" in text


def test_an_english_readers_template_lists_the_chinese_values_with_their_own(world):
    from django.utils import translation

    def accepted(language):
        with translation.override(language):
            book = openpyxl.load_workbook(io.BytesIO(template_workbook(kind_get("teachers"))))
        return {line[0]: line[2] for line in book.worksheets[1].iter_rows(values_only=True)}

    # The headers are Chinese, so are the values: with the reader's own beside them.
    assert accepted("en")["性别"] == "女（Female）、男（Male）"
    assert "高级教师（Senior teacher）" in accepted("en")["职称"]
    assert accepted("zh-hans")["性别"] == "女、男"


@pytest.mark.parametrize(
    "persona, sees", [("coord_assisted", True), ("bureau", True), ("inspector", False),
                      ("mentor", False)],
)  # fmt: skip
def test_the_list_offers_the_import_to_those_who_may_import(client, world, persona, sees):
    client.force_login(getattr(world, persona))
    page = client.get(reverse("activities:activity_list")).content.decode()
    assert (reverse("imports:upload", args=["activities"]) in page) is sees
