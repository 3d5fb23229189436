"""The rankings: finalised scorecards ranked by total with the change from the pair's
year before, their points per area, filters, two server-drawn charts and the downloads;
each reader sees their scope's rows only (DESIGN.md §2, §3 evaluation/)."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from evaluation import services
from evaluation.models import IndicatorScore, Scorecard, Source, Template
from schools import services as school_services
from schools.models import Region

from .factories import ProgrammeFactory, RegionFactory, SchoolFactory, UserFactory

AREAS = ["学校管理", "教育教学", "教师业务素质", "办学条件", "经费使用"]


def pair(world, programme, helping, assisted):
    """An active pairing of ``programme`` signed on 2026-09-01, set up by the bureau."""
    pairing = school_services.pairing_create(
        actor=world.bureau, programme=programme, helping_school=helping,
        assisted_schools=[assisted],
    )  # fmt: skip
    school_services.pairing_propose(actor=world.bureau, pairing=pairing)
    school_services.pairing_approve(actor=world.bureau2, pairing=pairing)
    return school_services.pairing_activate(
        actor=world.bureau, pairing=pairing, agreement_signed_on=dt.date(2026, 9, 1)
    )


def finalise(world, admin, pairing, year, points):
    """Year ``year`` of ``pairing`` through its workflow, every manual indicator scored
    ``points``: the schools' steps by an administrator, the inspection by the city's
    inspector, finalised by the bureau."""
    card = services.scorecard_open(pairing=pairing, year=year)
    manual = list(card.scores.filter(indicator__source=Source.MANUAL))
    services.scorecard_self_assess(
        actor=admin, scorecard=card,
        entries={s.indicator_id: {"score": points} for s in manual},
    )  # fmt: skip
    services.scorecard_submit(actor=admin, scorecard=card)
    services.scorecard_confirm(actor=admin, scorecard=card)
    services.scorecard_inspect(
        actor=world.inspector, scorecard=card,
        entries={s.indicator_id: {"score": points} for s in manual},
    )  # fmt: skip
    services.scorecard_finish_inspection(actor=world.inspector, scorecard=card)
    return services.scorecard_finalise(actor=world.bureau, scorecard=card)


@pytest.fixture
def ranked(world):
    """A programme of the city whose template grades low (excellent from 40, good from
    30, pass from 20; the programme's pass mark 30) so that the ten manual indicators
    scored 2, 3 or 4 points each give every grade. Three pairings in year 1 (20, 30 and
    40 points; the first pairing is the world's helping school's), the 20-point one
    again in year 2 with 40; a third year opened, not finalised."""
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    programme = ProgrammeFactory(name="江城市强校带弱校", region=world.city,
                                 pass_mark=Decimal("30.00"))  # fmt: skip
    template = services.template_copy(
        actor=world.bureau, source=Template.objects.get(programme__isnull=True),
        programme=programme,
    )  # fmt: skip
    services.template_update(actor=world.bureau, template=template, band_excellent="40",
                             band_good="30", band_pass="20")  # fmt: skip
    services.template_publish(actor=world.bureau, template=template)
    ours = pair(world, programme, world.helping, SchoolFactory(name="西山中心小学",
                                                               region=world.west))  # fmt: skip
    second = pair(world, programme, SchoolFactory(name="东城实验二小", region=world.east),
                  SchoolFactory(name="西山二小", region=world.west))  # fmt: skip
    third = pair(world, programme, SchoolFactory(name="东城实验三小", region=world.east),
                 SchoolFactory(name="西山三小", region=world.west))  # fmt: skip
    cards = SimpleNamespace(
        low=finalise(world, admin, ours, 1, "2"),
        middle=finalise(world, admin, second, 1, "3"),
        high=finalise(world, admin, third, 1, "4"),
        again=finalise(world, admin, ours, 2, "4"),
    )
    services.scorecard_open(pairing=second, year=2)
    return SimpleNamespace(programme=programme, template=template, admin=admin, ours=ours,
                           second=second, third=third, **vars(cards))  # fmt: skip


def grade_counts(response) -> dict[str, int]:
    return {grade: count for grade, _label, count in response.context["grades"]}


def rows_of(client, **query):
    response = client.get(reverse("evaluation:rankings"), query)
    assert response.status_code == 200
    return response, response.context["rows"]


def test_finalised_scorecards_are_ranked_by_total_with_the_change_from_the_year_before(
    client, world, ranked
):
    for card in (ranked.low, ranked.middle, ranked.high, ranked.again):
        card.refresh_from_db()
    assert ranked.low.total < ranked.middle.total < ranked.high.total == ranked.again.total
    client.force_login(world.bureau)
    response, rows = rows_of(client)
    # The two 40-point years tie; the earlier pairing comes first, then its year.
    assert [(r.rank, r.pk) for r in rows] == [
        (1, ranked.high.pk), (2, ranked.again.pk), (3, ranked.middle.pk), (4, ranked.low.pk)
    ] or [(r.rank, r.pk) for r in rows] == [
        (1, ranked.again.pk), (2, ranked.high.pk), (3, ranked.middle.pk), (4, ranked.low.pk)
    ]  # fmt: skip
    by_pk = {r.pk: r for r in rows}
    assert by_pk[ranked.again.pk].change == ranked.again.total - ranked.low.total == 20
    assert by_pk[ranked.low.pk].change is None and by_pk[ranked.high.pk].change is None
    # Grades and pass or fail as finalised; the open year is not ranked.
    assert [by_pk[c.pk].grade for c in (ranked.high, ranked.middle, ranked.low)] == [
        "excellent",
        "good",
        "pass",
    ]
    assert [by_pk[c.pk].passed for c in (ranked.high, ranked.middle, ranked.low)] == [
        True, True, False
    ]  # fmt: skip
    assert Scorecard.objects.filter(pairing=ranked.second, year=2).exists()
    assert ranked.second.pk not in {r.pairing_id for r in rows if r.year == 2}
    # Per-area points: each area's stored points of the scorecard, rounded.
    assert [a["name"] for a in response.context["areas"]] == AREAS
    expected = {
        name: sum(s.points for s in IndicatorScore.objects.filter(
            scorecard=ranked.high, indicator__area__name=name))
        for name in AREAS
    }  # fmt: skip
    assert by_pk[ranked.high.pk].area_points == [expected[n].quantize(Decimal("0.1"))
                                                 for n in AREAS]  # fmt: skip
    html = response.content.decode()
    assert "+20.0" in html
    assert reverse("evaluation:scorecard_detail", args=[ranked.high.pk]) in html


def test_the_grade_and_area_charts_are_inline_svg_without_script(client, world, ranked):
    client.force_login(world.inspector)
    response, _rows = rows_of(client)
    html = response.content.decode()
    assert html.count("<svg") >= 3  # the bell icon and the two charts
    charts = html[html.index('class="chart card"') :]
    assert charts.count("<svg") == 2
    assert "<script" not in charts and " style=" not in charts
    # Their style is allowed by the page's policy, by this response's nonce only.
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert charts.count(f'<style nonce="{nonce}"') == 2 and charts.count("<style") == 2
    assert "unsafe-inline" not in policy
    # Two charts, each with its own legend ids.
    ids = re.findall(r'id="([^"]+)"', charts)
    assert len(ids) == len(set(ids))
    with translation.override("zh-hans"):
        for _grade, label, _count in response.context["grades"]:
            assert str(label) in html
    grades = {g: n for g, _label, n in response.context["grades"]}
    assert grades == {"excellent": 2, "good": 1, "pass": 1, "fail": 0}
    shares = {a["name"]: a["percent"] for a in response.context["areas"]}
    assert set(shares) == set(AREAS) and all(0 <= p <= 100 for p in shares.values())


def test_filters_narrow_by_programme_region_year_and_grade(client, world, ranked):
    client.force_login(world.bureau)
    _response, rows = rows_of(client, year="1")
    assert {r.pk for r in rows} == {ranked.low.pk, ranked.middle.pk, ranked.high.pk}
    _response, rows = rows_of(client, grade="excellent")
    assert {r.pk for r in rows} == {ranked.high.pk, ranked.again.pk}
    _response, rows = rows_of(client, programme=world.programme.pk)
    assert rows == []
    _response, rows = rows_of(client, programme=ranked.programme.pk, year="2")
    assert [r.pk for r in rows] == [ranked.again.pk]
    # A county of a member school: 西山县 holds every assisted school; a county elsewhere
    # in the city none.
    _response, rows = rows_of(client, region_code=world.west.code)
    assert len(rows) == 4
    RegionFactory(name="南湖区", code="510103", parent=world.city, level=Region.Level.COUNTY)
    response, rows = rows_of(client, region_code="510103")
    assert rows == []
    with translation.override("zh-hans"):
        assert _("No finalised scorecard matches your filters.") in response.content.decode()
    # A region out of scope is refused, not widened.
    response, rows = rows_of(client, region_code=world.far_county.code)
    assert rows == [] and response.context["filter"].errors


def test_the_downloads_hold_the_filtered_ranking(client, world, ranked):
    client.force_login(world.bureau)
    response = client.get(reverse("evaluation:rankings_export_csv"), {"year": "1"})
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header, *rows = lines
    with translation.override("zh-hans"):
        assert header[:3] == [_("Rank"), _("Pairing number"), _("Pairing")]
    assert header[-5:] == AREAS
    assert [(r[0], r[1]) for r in rows] == [("1", str(ranked.third.pk)),
                                            ("2", str(ranked.second.pk)),
                                            ("3", str(ranked.ours.pk))]  # fmt: skip
    assert "东城实验三小" in rows[0][2] and rows[0][3] == "江城市强校带弱校"
    ranked.high.refresh_from_db()
    assert Decimal(rows[0][8]) == ranked.high.total

    response = client.get(
        reverse("evaluation:rankings_export_xlsx"), {"programme": ranked.programme.pk}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4 and list(header[-5:]) == AREAS
    again = next(r for r in rows if r[1] == ranked.ours.pk and r[5] == 2)
    assert again[11] == 20  # the change from year 1, a number
    assert sum(again[-5:]) == again[8]


def test_a_coordinator_sees_their_own_pairings_rows_only(client, world, ranked):
    client.force_login(world.coord_helping)
    _response, rows = rows_of(client)
    assert {r.pk for r in rows} == {ranked.low.pk, ranked.again.pk}
    body = b"".join(client.get(reverse("evaluation:rankings_export_csv")).streaming_content)
    assert "东城实验三小" not in body.decode("utf-8-sig")


def test_teachers_find_no_rankings(client, world, ranked):
    client.force_login(world.mentor)
    assert client.get(reverse("evaluation:rankings")).status_code == 404
    assert client.get(reverse("evaluation:rankings_export_csv")).status_code == 404


def test_the_outsider_sees_nothing_of_another_city(client, world, ranked):
    client.force_login(world.outsider)
    response, rows = rows_of(client)
    assert rows == []
    html = response.content.decode()
    assert "江城" not in html and "<svg" not in html.split("</header>")[1]
    body = b"".join(client.get(reverse("evaluation:rankings_export_csv")).streaming_content)
    assert "江城" not in body.decode("utf-8-sig")


def test_nothing_finalised_yet_says_so(client, world, active):
    services.scorecard_open(pairing=active, year=1)
    client.force_login(world.bureau)
    response, rows = rows_of(client)
    assert rows == []
    with translation.override("zh-hans"):
        assert _("No scorecard has been finalised yet.") in response.content.decode()


def test_the_rankings_run_a_constant_number_of_queries(
    client, world, ranked, django_assert_num_queries
):
    client.force_login(world.bureau)
    client.get(reverse("evaluation:rankings"))  # the session and the roll-up are now kept
    # 1 user, 2 role assignments, 3 region subtree; the grades and area averages are kept
    # (twinning.progress.kept); 4 the count of the list, 5 the page's finalised
    # scorecards with pairing, programme, region and last year's total, 6 their members
    # with schools; 7 the page's points per area; 8 the programmes of the filter; 9
    # unread count.
    with django_assert_num_queries(9):
        response, rows = rows_of(client)
    assert len(rows) == 4
    grades = grade_counts(response)
    admin = ranked.admin
    more = pair(world, ranked.programme, SchoolFactory(region=world.east),
                SchoolFactory(region=world.west))  # fmt: skip
    finalise(world, admin, more, 1, "3")
    finalise(world, admin, more, 2, "2")
    with django_assert_num_queries(9):
        response, rows = rows_of(client)
    # The rows are read afresh; the roll-up is as counted a moment ago, and says when.
    assert len(rows) == 6
    assert grade_counts(response) == grades
    counted = timezone.localtime(response.context["as_of"]).strftime("%H:%M")
    assert counted in response.content.decode()
    # 1 user, 2 role assignments, 3 region subtree, 4–5 the rows with last year's totals
    # and their members, 6 the points per area of every row (the areas are kept).
    with django_assert_num_queries(6):
        response = client.get(reverse("evaluation:rankings_export_csv"))
        b"".join(response.streaming_content)


def test_the_grades_and_averages_are_counted_afresh_when_nothing_is_kept(
    client, world, ranked, settings
):
    settings.COMPLIANCE_CACHE_SECONDS = 0
    client.force_login(world.bureau)
    before = sum(grade_counts(rows_of(client)[0]).values())
    more = pair(world, ranked.programme, SchoolFactory(region=world.east),
                SchoolFactory(region=world.west))  # fmt: skip
    finalise(world, ranked.admin, more, 1, "3")
    assert sum(grade_counts(rows_of(client)[0]).values()) == before + 1


def test_an_area_moved_in_a_later_version_stays_one_column(client, world, ranked):
    """Areas are matched by name: version 2 lists 经费使用 first, and its scorecards'
    points in it average with version 1's."""
    second = services.template_copy(
        actor=world.bureau, source=ranked.template, programme=ranked.programme
    )
    money = second.areas.get(name="经费使用")
    services.area_save(actor=world.bureau, template=second, area=money, name=money.name,
                       order=1, continues=money.continues)  # fmt: skip
    services.template_publish(actor=world.bureau, template=second)
    more = pair(world, ranked.programme, SchoolFactory(region=world.east),
                SchoolFactory(region=world.west))  # fmt: skip
    card = finalise(world, ranked.admin, more, 1, "3")
    assert card.template == second
    client.force_login(world.bureau)
    response, rows = rows_of(client)
    names = [a["name"] for a in response.context["areas"]]
    assert sorted(names) == sorted(AREAS)
    assert all(len(r.area_points) == len(AREAS) for r in rows)
