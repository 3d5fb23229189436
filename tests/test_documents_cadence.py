"""The reporting cadence (evaluation/documents/cadence.py): the monthly steering sheet, the
quarterly summary and the half-yearly circular of a region, built from the same figures
(evaluation/documents/figures.py) of a period that is over.

The clock is moved rather than the data backdated: the records, requests and payments are
made on the days they are about (their timestamps are the clock's), and the documents are
asked for once the period is over."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from activities import services as activity_services
from activities.models import ActivityKind
from evaluation.documents import services as document_services
from evaluation.documents.figures import region_figures
from evaluation.models import Document, DocumentKind, DocumentStatus
from funding import services as funding_services
from schools import services as school_services
from teachers import services as teacher_services

from .conftest import request_money
from .factories import SchoolFactory


class Clock:
    def __init__(self, day: dt.date):
        self.set(day)

    def set(self, day: dt.date, hour: int = 10) -> None:
        self.now = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The platform's time (timestamps, and calendar.today through it), 10 November 2026
    to begin with (a Tuesday of term 1 of 2026–2027)."""
    clock = Clock(dt.date(2026, 11, 10))
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock.now)
    return clock


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def exchange(world, pairing, code, day, *, host=None, held=True):
    activity, _clashes = activity_services.activity_schedule(
        actor=world.bureau, pairing=pairing, kind=ActivityKind.objects.get(code=code),
        title=code, host_school=host or world.assisted, place="会议室", starts_at=at(day),
        ends_at=at(day, 11),
    )  # fmt: skip
    if held:
        activity_services.activity_complete(
            actor=world.bureau, activity=activity, summary="按计划开展",
            files=[SimpleUploadedFile("签到表.pdf", b"%PDF-1.4 a")],
        )  # fmt: skip
    return activity


@pytest.fixture
def november(world, active, clock):
    """The active pairing's November 2026, recorded as it happened: two lesson deliveries
    held at the assisted school, one visit still planned and one cancelled; a secondment of
    5 working days; 3 mentorship records; 100,000 yuan released, 1,200 yuan asked for and
    paid and 800 asked for. No experience-exchange meeting: behind that target."""
    exchange(world, active, "lesson_delivery", dt.date(2026, 11, 3))
    exchange(world, active, "lesson_delivery", dt.date(2026, 11, 5))
    exchange(world, active, "visit", dt.date(2026, 11, 25), held=False)
    cancelled = exchange(world, active, "visit", dt.date(2026, 11, 12), held=False)
    activity_services.activity_cancel(actor=world.bureau, activity=cancelled, reason="降雪")
    chen = teacher_services.teacher_create(
        actor=world.coord_helping, school=world.helping, name="陈红梅", subjects="语文",
        first_employed_year=2005, user=world.mentor,
    )  # fmt: skip
    zhao = teacher_services.teacher_create(
        actor=world.coord_assisted, school=world.assisted, name="赵小燕", subjects="语文",
        first_employed_year=2024, user=world.mentee,
    )  # fmt: skip
    activity_services.secondment_record(
        actor=world.coord_helping, pairing=active, kind="secondment", teacher=chen,
        host_school=world.assisted, start=dt.date(2026, 11, 16), end=dt.date(2026, 11, 20),
        duties="挂职副校长",
    )  # fmt: skip
    mentorship = teacher_services.mentorship_create(
        actor=world.coord_assisted, mentor=chen, mentee=zhao, subject="语文",
        start=dt.date(2026, 9, 1),
    )  # fmt: skip
    for day in (dt.date(2026, 10, 30), dt.date(2026, 11, 2), dt.date(2026, 11, 6),
                dt.date(2026, 11, 9)):  # fmt: skip
        teacher_services.record_file(
            actor=world.mentee, mentorship=mentorship, kind="observation", date=day,
            lesson_subject="语文", lesson_class="三(2)班", lesson_topic="秋天的雨",
            observed="partner", content="板书清晰",
        )  # fmt: skip
    budget = funding_services.budget_create(
        actor=world.bureau, region=world.city, programme=world.programme,
        source="市级财政结对帮扶专项", fiscal_year=2026, amount=Decimal("1000000.00"),
        purpose="城乡学校结对帮扶", ring_fenced=True,
    )  # fmt: skip
    allocation = funding_services.allocation_create(actor=world.bureau, budget=budget,
                                                    pairing=active)  # fmt: skip
    funding_services.tranche_release(actor=world.bureau, tranche=allocation.tranches.get(number=1))
    paid = request_money(world, active, amount="1200.00")
    funding_services.disbursement_approve(actor=world.bureau, disbursement=paid)
    funding_services.disbursement_pay(
        actor=world.bureau, disbursement=paid, paid_on=dt.date(2026, 11, 10), reference="PZ-001"
    )
    request_money(world, active, amount="800.00")
    return active


def ask(world, kind, period, capture, *, build=True):
    with capture(execute=build):
        document = document_services.document_request(
            actor=world.bureau, kind=kind, subject=world.city, period=period
        )
    document.refresh_from_db()
    return document


def pdf_pages(document) -> list[str]:
    with document.pdf.open("rb") as handle:
        return [page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages]


def workbook(document):
    with document.xlsx.open("rb") as handle:
        return load_workbook(io.BytesIO(handle.read()))


def data_rows(sheet) -> list[tuple]:
    """The rows under the header (row 4) of a sheet of the cadence."""
    return [row for row in sheet.iter_rows(min_row=5, values_only=True) if row[0] is not None]


# --- the figures -----------------------------------------


def test_the_figures_of_a_month_count_what_happened_in_it(world, november, clock):
    clock.set(dt.date(2026, 12, 5))
    figures = region_figures(world.city, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    (row,) = figures["pairings"]
    assert row["title"] == "江城实验小学 → 西山山村小学" and row["county"] == "西山县"
    assert row["programme"] == "江城市城乡学校结对帮扶"
    assert (row["held"], row["planned"]) == (2, 3)  # the cancelled visit is not planned
    assert row["secondment_days"] == 5
    assert row["records"] == 3  # the one of 30 October is October's
    assert (row["requested"], row["paid"]) == ("2000.00", "1200.00")
    assert (row["released"], row["paid_to_date"]) == ("100000.00", "1200.00")
    # The mentorship missed November's 4 observations of each other's lessons (3 filed).
    assert row["mentorships"] == {"met": 0, "on_track": 0, "behind": 0, "missed": 1}
    assert row["compliance"] == 0
    # Behind its targets, and why: no experience-exchange meeting yet this term.
    assert row["standing"] == "behind"
    (why,) = [line for line in row["lagging"] if line["kind"] == "experience_exchange"]
    assert (why["done"], why["status"]) == (0, "behind") and why["expected"] >= 1
    assert figures["total"]["held"] == 2 and figures["total"]["at_risk"] == 1
    assert [c["name"] for c in figures["counties"]] == ["西山县"]
    # October's figures are October's.
    october = region_figures(world.city, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    (row,) = october["pairings"]
    assert (row["held"], row["records"], row["paid"]) == (0, 1, "0.00")


def test_the_figures_run_the_same_queries_for_many_pairings_as_for_one(
    world, november, clock, django_assert_max_num_queries
):
    clock.set(dt.date(2027, 1, 10))
    start, end = dt.date(2026, 10, 1), dt.date(2026, 12, 31)
    # 1 region subtree, 2 pairings, 3 assisted schools with counties, 4 exchanges,
    # 5 secondments, 6 records; mentorship compliance: 7 mentorships, 8 obligations,
    # 9 term dates, 10 record counts; 11 ledger, 12 requests; exchange targets:
    # 13 pairings, 14 programmes' targets, 15 kinds, 16 term dates, 17 secondments,
    # 18 activity counts.
    with django_assert_max_num_queries(18) as one:
        assert len(region_figures(world.city, start, end)["pairings"]) == 1
    clock.set(dt.date(2026, 11, 10))
    for n in range(3):
        helping = SchoolFactory(region=world.east)
        pairing = school_services.pairing_create(
            actor=world.bureau, programme=world.programme, helping_school=helping,
            assisted_schools=[SchoolFactory(region=world.east)],
        )  # fmt: skip
        pairing = school_services.pairing_propose(actor=world.bureau, pairing=pairing)
        pairing = school_services.pairing_approve(actor=world.bureau2, pairing=pairing)
        exchange(world, pairing, "management_report", dt.date(2026, 10, 5 + n), host=helping)
    clock.set(dt.date(2027, 1, 10))
    with django_assert_max_num_queries(len(one.captured_queries)):
        figures = region_figures(world.city, start, end)
    assert len(figures["pairings"]) == 4
    assert {c["name"]: c["pairings"] for c in figures["counties"]} == {"东城县": 3, "西山县": 1}
    assert figures["total"]["held"] == 2 + 3


# --- 月调度 -----------------------------------------


def test_the_monthly_steering_sheet_holds_the_months_figures_and_the_pairings_behind(
    world, november, clock, django_capture_on_commit_callbacks
):
    clock.set(dt.date(2026, 12, 5))
    document = ask(world, DocumentKind.MONTHLY_STEERING, "2026-11",
                   django_capture_on_commit_callbacks)  # fmt: skip
    assert document.status == DocumentStatus.READY, document.error
    assert document.xlsx and not document.pdf and document.period == "2026-11"
    book = workbook(document)
    main, behind = book.worksheets
    assert "江城市" in main["A1"].value and "江城市" in main["A2"].value
    assert "2026" in main["B2"].value and "2026" in main["C2"].value  # month, built on
    (row, total) = data_rows(main)
    number, title, county, programme, planned, held, days, records, asked, paid = row[:10]
    assert (number, title, county) == (1, "江城实验小学 → 西山山村小学", "西山县")
    # Numbers are numbers.
    assert (planned, held, days, records) == (3, 2, 5, 3)
    assert (Decimal(str(asked)), Decimal(str(paid))) == (Decimal("2000"), Decimal("1200"))
    assert "经验交流会" in row[11]  # the open problem, named
    assert total[4:10] == (3, 2, 5, 3, 2000, 1200)
    lines = data_rows(behind)
    assert any("经验交流会" in line[4] and line[5] == 0 for line in lines)
    assert {line[1] for line in lines} == {"江城实验小学 → 西山山村小学"}


# --- 季汇总 -----------------------------------------


def test_the_quarterly_summary_is_a_pdf_and_a_workbook_of_the_same_numbers(
    world, november, clock, django_capture_on_commit_callbacks
):
    clock.set(dt.date(2027, 1, 10))
    document = ask(world, DocumentKind.QUARTERLY_SUMMARY, "2026-Q4",
                   django_capture_on_commit_callbacks)  # fmt: skip
    assert document.status == DocumentStatus.READY, document.error
    assert document.pdf and document.xlsx and document.checksum and document.xlsx_checksum
    pages = pdf_pages(document)
    text = "\n".join(pages)
    assert "江城实验小学" in text and "西山山村小学" in text and "西山县" in text
    assert all(f"第 {n} 页 / 共 {len(pages)} 页" in page for n, page in enumerate(pages, 1))
    # Held / planned in the quarter, the money paid of the released, and why it is at risk.
    assert "2 / 3" in text and "1,200.00 / 100,000.00" in text
    assert "经验交流会" in text
    sheet, counties, behind = workbook(document).worksheets
    (row, total) = data_rows(sheet)
    assert row[1] == "江城实验小学 → 西山山村小学"
    planned, held, met, due, days, records, mentorships, ok, share, paid, to_date, released = row[
        4:16
    ]
    assert (planned, held, days, records, mentorships) == (3, 2, 5, 4, 1)
    assert f"{held} / {planned}" in text and f"{met} / {due}" in text
    assert (Decimal(str(to_date)), Decimal(str(released))) == (Decimal(1200), Decimal(100000))
    assert total[4:16] == row[4:16]
    (county, county_total) = data_rows(counties)
    assert county[0] == "西山县" and county[2:14] == row[4:16]
    assert any("经验交流会" in line[4] for line in data_rows(behind))


def test_asking_again_with_the_same_figures_returns_the_same_document(
    world, november, clock, django_capture_on_commit_callbacks
):
    clock.set(dt.date(2027, 1, 10))
    first = ask(world, DocumentKind.QUARTERLY_SUMMARY, "2026-Q4",
                django_capture_on_commit_callbacks)  # fmt: skip
    again = ask(world, DocumentKind.QUARTERLY_SUMMARY, "2026-Q4",
                django_capture_on_commit_callbacks)  # fmt: skip
    assert again == first and Document.objects.count() == 1


# --- 半年通报 -----------------------------------------


def test_the_half_yearly_circular_names_the_best_and_the_lagging_pairings(
    world, november, clock, django_capture_on_commit_callbacks
):
    # A second pairing that keeps up: its meetings and deliveries held, a leader seconded.
    helping = SchoolFactory(name="东城实验中学", region=world.east)
    assisted = SchoolFactory(name="东城乡村中学", region=world.east)
    other = school_services.pairing_create(
        actor=world.bureau, programme=world.programme, helping_school=helping,
        assisted_schools=[assisted],
    )  # fmt: skip
    other = school_services.pairing_propose(actor=world.bureau, pairing=other)
    other = school_services.pairing_approve(actor=world.bureau2, pairing=other)
    for day in (2, 3):
        exchange(world, other, "experience_exchange", dt.date(2026, 11, day), host=helping)
        exchange(world, other, "lesson_delivery", dt.date(2026, 11, day + 3), host=assisted)
    qian = teacher_services.teacher_create(actor=world.bureau, school=helping, name="钱校长")
    activity_services.secondment_record(
        actor=world.bureau, pairing=other, kind="secondment", teacher=qian, host_school=assisted,
        start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 6), duties="挂职副校长",
    )  # fmt: skip
    clock.set(dt.date(2027, 1, 10))
    document = ask(world, DocumentKind.HALF_YEARLY_CIRCULAR, "2026-H2",
                   django_capture_on_commit_callbacks)  # fmt: skip
    assert document.status == DocumentStatus.READY, document.error
    assert document.pdf and not document.xlsx
    pages = pdf_pages(document)
    text = "\n".join(pages)
    assert all(f"第 {n} 页 / 共 {len(pages)} 页" in page for n, page in enumerate(pages, 1))
    assert text.count("江城市") >= 3  # the issuing bureau, the title, the signature
    assert "2027年1月10日" in text  # issued on
    # The one that kept up is commended, before the one behind is named with why.
    best = text.index("东城实验中学 → 东城乡村中学")
    lagging = text.index("江城实验小学 → 西山山村小学")
    assert best < lagging < text.index("经验交流会", lagging)
    # By county: pairings, exchanges held and planned, secondment days, records.
    assert "东城县 1 4 4 5 0" in text and "西山县 1 2 3 5 4" in text
    assert "2 6 7 10 4" in text  # the totals


def test_a_region_without_pairings_gets_its_documents_all_the_same(
    world, clock, django_capture_on_commit_callbacks
):
    clock.set(dt.date(2027, 1, 10))
    for kind, period in ((DocumentKind.QUARTERLY_SUMMARY, "2026-Q4"),
                         (DocumentKind.HALF_YEARLY_CIRCULAR, "2026-H2")):  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            document = document_services.document_request(
                actor=world.outsider, kind=kind, subject=world.far_city, period=period
            )
        document.refresh_from_db()
        assert document.status == DocumentStatus.READY, document.error
        assert "远方市" in "\n".join(pdf_pages(document))
    (total,) = data_rows(workbook(Document.objects.get(kind=DocumentKind.QUARTERLY_SUMMARY))
                         .worksheets[0])  # fmt: skip
    assert total[4:12] == (0, 0, 0, 0, 0, 0, 0, 0)


# --- which periods -----------------------------------------


@pytest.mark.parametrize(
    "kind, period",
    [
        (DocumentKind.MONTHLY_STEERING, "2026-13"),  # no such month
        (DocumentKind.MONTHLY_STEERING, "2026-Q4"),  # a quarter's key
        (DocumentKind.QUARTERLY_SUMMARY, "2026-Q5"),
        (DocumentKind.HALF_YEARLY_CIRCULAR, "2026"),
        (DocumentKind.MONTHLY_STEERING, "2027-01"),  # not over yet
        (DocumentKind.QUARTERLY_SUMMARY, "2027-Q1"),
        (DocumentKind.HALF_YEARLY_CIRCULAR, "2027-H1"),
        (DocumentKind.MONTHLY_STEERING, "2026-08"),  # before the programme began
        (DocumentKind.QUARTERLY_SUMMARY, "2026-Q2"),
        (DocumentKind.HALF_YEARLY_CIRCULAR, "2026-H1"),
    ],
)
def test_a_malformed_future_or_too_early_period_is_refused_and_makes_no_row(
    world, active, clock, kind, period
):
    clock.set(dt.date(2027, 1, 10))
    with pytest.raises(ValidationError) as error:
        document_services.document_request(
            actor=world.bureau, kind=kind, subject=world.city, period=period
        )
    assert "period" in error.value.message_dict
    assert not Document.objects.exists()


def test_only_the_regions_bureau_asks_for_them(world, active, clock):
    from django.core.exceptions import PermissionDenied

    clock.set(dt.date(2027, 1, 10))
    for persona in (world.inspector, world.coord_helping, world.outsider):
        with pytest.raises(PermissionDenied):
            document_services.document_request(
                actor=persona, kind=DocumentKind.QUARTERLY_SUMMARY, subject=world.city,
                period="2026-Q4",
            )  # fmt: skip
    assert not Document.objects.exists()
