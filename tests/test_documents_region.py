"""The region's yearly evaluation (evaluation/documents/region.py): once the pairings'
yearly evaluations of a school year are finalised, the bureau asks for its region's
summary – every pairing ranked, by county, the failing ones with the areas that fell
short – as a PDF and an Excel workbook drawn from the same facts, in a number of queries
that does not grow with the pairings."""

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext, pgettext

from evaluation import services
from evaluation.documents import services as document_services
from evaluation.documents.builders import builder_for
from evaluation.models import Document, DocumentKind, DocumentStatus, Grade
from tests.test_documents import card, finalise, text_of  # noqa: F401 – card is a fixture
from tests.test_rankings import finalise as finalise_through_workflow
from tests.test_rankings import pair
from twinning import calendar

from .factories import SchoolFactory, UserFactory

KIND = DocumentKind.REGION_EVALUATION
# School year 2026 runs from 1 September 2026 to 31 August 2027.
OVER = dt.date(2027, 9, 15)


@pytest.fixture
def after_the_year(monkeypatch):
    """Today is after school year 2026 (the clock of the world is in its first term)."""
    monkeypatch.setattr("twinning.calendar.today", lambda: OVER)


def zh(text: str, context: str | None = None) -> str:
    """``text`` as the bureau reads it (the catalogue's Chinese)."""
    with translation.override("zh-hans"):
        return pgettext(context, text) if context else gettext(text)


def ask(world, subject, period="2026", actor=None):
    return document_services.document_request(
        actor=actor or world.bureau, kind=KIND, subject=subject, period=period
    )


def built(world, subject, capture, period="2026"):
    with capture(execute=True):
        document = ask(world, subject, period)
    document.refresh_from_db()
    return document


def unsaved(region) -> Document:
    """School year 2026's document of ``region`` as a build reads it (its region not
    loaded yet)."""
    return Document(kind=KIND, region_id=region.pk, period="2026",
                    period_start=dt.date(2026, 9, 1), period_end=dt.date(2027, 8, 31))  # fmt: skip


def sheets(document) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(document.xlsx.read()))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def more_pairings(world, count: int):
    """``count`` more pairings of the world's programme (signed 2026-09-01), their year 1
    finalised through the workflow with 4 points a manual indicator; the assisted school
    of every second one in 东城县, of the others in 西山县."""
    admin = UserFactory(is_superuser=True, is_staff=True)
    cards = []
    for n in range(count):
        helping, assisted = (world.east, world.west) if n % 2 == 0 else (world.west, world.east)
        pairing = pair(
            world, world.programme,
            SchoolFactory(name=f"{helping.name[:2]}第{n + 3}小学", region=helping),
            SchoolFactory(name=f"{assisted.name[:2]}第{n + 3}小学", region=assisted),
        )  # fmt: skip
        cards.append(finalise_through_workflow(world, admin, pairing, 1, "4"))
    return cards


# --- the document -----------------------------------------


def test_the_region_evaluation_ranks_the_years_pairings_in_a_pdf_and_a_workbook(
    world, card, django_capture_on_commit_callbacks, after_the_year
):
    card = finalise(world, card, django_capture_on_commit_callbacks, build=False)
    # Year 1 of a pairing signed on 2026-09-01 ends within school year 2026.
    assert card.period_end == dt.date(2027, 8, 31)
    assert calendar.school_year_of(card.period_end) == 2026
    assert not card.passed and card.grade == Grade.FAIL
    short = services.areas_short(card)
    assert short  # 3 points a manual indicator, nothing recorded: every area falls short

    document = built(world, world.city, django_capture_on_commit_callbacks)
    assert document.status == DocumentStatus.READY, document.error
    assert (document.kind, document.region, document.period) == (KIND, world.city, "2026")
    assert (document.period_start, document.period_end) == (dt.date(2026, 9, 1), card.period_end)
    assert document.pdf and document.xlsx and len(document.fingerprint) == 64

    pages = text_of(document.pdf.read())
    text = "\n".join(pages)
    assert "江城市" in pages[0]
    title = zh("Summary of the yearly evaluations of the school pairings")
    assert "".join(title.split()) in "".join(pages[0].split())  # a long title wraps
    # The ranking's row: rank, pair, county, the total and grade as the scorecard shows them.
    ranked = f"1 江城实验小学 → 西山山村小学 西山县 {card.total} {card.get_grade_display()}"
    assert ranked in text
    assert all(f"第 {n} 页 / 共 {len(pages)} 页" in page for n, page in enumerate(pages, 1))
    assert all(area in text for area in short)

    found = sheets(document)
    ranking, counties, failed = zh("Ranking"), zh("By county"), zh("Pairings that failed")
    assert list(found) == [ranking, counties, failed]
    header, *rows = found[ranking]
    assert header[:10] == (
        "排名", "结对", "帮扶校", "受援校", "县（区）", "帮扶项目", "帮扶年度", zh("Total score"),
        "等级", "是否合格",
    )  # fmt: skip
    assert header[10:] == ("学校管理", "教育教学", "教师业务素质", "办学条件", "经费使用")
    (row,) = rows
    assert row[:6] == (1, "江城实验小学 → 西山山村小学", "江城实验小学", "西山山村小学", "西山县",
                       "江城市城乡学校结对帮扶")  # fmt: skip
    # Numbers are numbers: the same total as the PDF, the areas adding up to it.
    assert isinstance(row[7], int | float) and row[7] == float(card.total)
    assert (row[8], row[9]) == (card.get_grade_display(), "否")
    assert all(isinstance(points, int | float) for points in row[10:])
    assert round(sum(row[10:]), 1) == float(card.total)
    assert found[counties][1][:6] == ("西山县", 1, 0, 1, 0, float(card.total))
    (failing,) = found[failed][1:]
    assert failing[1] == "江城实验小学 → 西山山村小学" and failing[-1] == "、".join(short)


def test_pairings_are_ranked_by_total_counted_by_grade_and_county_and_failing_ones_listed(
    world, card, django_capture_on_commit_callbacks, after_the_year
):
    finalise(world, card, django_capture_on_commit_callbacks, build=False)  # 75 to pass
    world.programme.pass_mark = 35
    world.programme.save(update_fields=["pass_mark"])
    others = more_pairings(world, 2)  # 35 to pass
    for scorecard in (card, *others):
        scorecard.refresh_from_db()
    assert card.total < 35 < others[0].total == others[1].total
    facts = builder_for(KIND).facts(unsaved(world.city))
    # 4 points beat 3; the two 4-point pairs tie and go by name (东 before 西).
    rows = facts["rows"]
    assert [(row["rank"], row["card"], row["total"]) for row in rows] == [
        (1, others[0].pk, str(others[0].total)), (2, others[1].pk, str(others[1].total)),
        (3, card.pk, str(card.total)),
    ]  # fmt: skip
    assert [row["helping"] for row in rows] == ["东城第3小学", "西山第4小学", "江城实验小学"]
    assert [row["county"] for row in rows] == ["西山县", "东城县", "西山县"]
    assert [row["passed"] for row in rows] == [True, True, False]
    average = (card.total + others[0].total + others[1].total) / 3
    assert facts["summary"] == {
        "evaluated": 3, "passed": 2, "failed": 1, "pass_rate": 67,
        "average": str(average.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)),
    }  # fmt: skip
    assert dict(facts["grades"]) == {Grade.EXCELLENT: 0, Grade.GOOD: 0, Grade.PASS: 0,
                                     Grade.FAIL: 3}  # fmt: skip
    # Highest average first: 东城县 has the one 40-point pair, 西山县 a 40 and a 30.
    assert [(c["name"], c["evaluated"], c["passed"], c["failed"]) for c in facts["counties"]] == [
        ("东城县", 1, 1, 0), ("西山县", 2, 1, 1),
    ]  # fmt: skip
    # Each pair's short areas are its scorecard's own (services.areas_short), whether it
    # passed or not (only the failing ones are listed).
    for scorecard, row in zip((others[0], others[1], card), rows, strict=True):
        assert row["short"] == services.areas_short(scorecard)
    # The area columns add up to the totals (whole points here: nothing to round).
    assert [sum(Decimal(p) for p in row["areas"]) for row in rows] == [
        Decimal(row["total"]) for row in rows
    ]


def test_asking_again_with_the_same_data_returns_the_same_document_in_any_language(
    world, card, django_capture_on_commit_callbacks, after_the_year
):
    finalise(world, card, django_capture_on_commit_callbacks, build=False)
    first = built(world, world.city, django_capture_on_commit_callbacks)
    world.bureau2.language = "en"
    world.bureau2.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = ask(world, world.city, actor=world.bureau2)
    # The facts hold no translated text: the English request's fingerprint is the same.
    assert again == first and callbacks == []
    assert Document.objects.filter(kind=KIND).count() == 1


def test_a_county_gets_the_evaluation_of_the_pairings_reaching_into_it(
    world, card, django_capture_on_commit_callbacks, after_the_year
):
    finalise(world, card, django_capture_on_commit_callbacks, build=False)
    document = built(world, world.west, django_capture_on_commit_callbacks)
    assert document.status == DocumentStatus.READY and document.region == world.west
    assert sheets(document)[zh("Ranking")][1][1] == "江城实验小学 → 西山山村小学"


# --- bad input and rights -----------------------------------------


@pytest.mark.parametrize(
    ("today", "period"),
    [
        (dt.date(2027, 8, 31), "2026"),  # the year's last day: not over yet
        (OVER, "2026-27"),  # not a school year's key
        (OVER, ""),  # no key at all
        (OVER, "2025"),  # before the programme's first year
        (dt.date(2028, 9, 15), "2027"),  # over, but no scorecard of it is finalised
    ],
)
def test_a_period_that_cannot_be_evaluated_is_refused_and_nothing_is_made(
    world, card, django_capture_on_commit_callbacks, monkeypatch, today, period
):
    finalise(world, card, django_capture_on_commit_callbacks, build=False)
    monkeypatch.setattr("twinning.calendar.today", lambda: today)
    with pytest.raises(ValidationError) as error:
        ask(world, world.city, period)
    assert list(error.value.message_dict) == ["period"]
    assert not Document.objects.filter(kind=KIND).exists()


def test_only_the_regions_bureau_asks_for_it(world, card, django_capture_on_commit_callbacks,
                                            after_the_year):  # fmt: skip
    finalise(world, card, django_capture_on_commit_callbacks, build=False)
    for persona in (world.inspector, world.coord_helping, world.coord_assisted, world.mentor,
                    world.outsider):  # fmt: skip
        with pytest.raises(PermissionDenied):
            ask(world, world.city, actor=persona)
    assert not Document.objects.filter(kind=KIND).exists()
    # The city's bureau also asks for a county's (below it).
    with django_capture_on_commit_callbacks(execute=False):
        assert ask(world, world.city).status == DocumentStatus.QUEUED
        assert ask(world, world.east).status == DocumentStatus.QUEUED


# --- cost -----------------------------------------


def test_the_queries_do_not_grow_with_the_pairings(
    world, card, django_capture_on_commit_callbacks, django_assert_num_queries, after_the_year
):
    finalise(world, card, django_capture_on_commit_callbacks, build=False)
    builder = builder_for(KIND)

    def build_all():
        document = unsaved(world.city)
        # 1 the region, 2 its subtree, 3 the scorecards with their county, 4 the assisted
        # schools, 5 the points per area.
        with django_assert_num_queries(5):
            facts = builder.facts(document)
        # Each file reads the facts again (the region is loaded by now).
        for fmt in builder.formats:
            with django_assert_num_queries(4):
                builder.write(document, fmt, io.BytesIO())
        return facts

    assert build_all()["summary"]["evaluated"] == 1
    more_pairings(world, 3)
    assert build_all()["summary"]["evaluated"] == 4
