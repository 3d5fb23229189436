"""Pairing exchange targets: the defaults of the seeds, a programme's own, the arithmetic
of terms and school years, which school counts, and the roll-up by county."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from activities import services, targets
from activities.models import ActivityKind, PairingTarget
from schools import services as school_services
from teachers import services as teacher_services
from twinning import progress

from .factories import SchoolFactory

TODAY = dt.date(2026, 11, 18)  # a Wednesday of term 1 of 2026–2027


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("twinning.calendar.today", lambda: TODAY)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def held(world, pairing, code: str, day: dt.date, host=None):
    """An activity of ``code`` held on ``day`` and logged (by the pairing's bureau)."""
    activity, _ = services.activity_schedule(
        actor=world.bureau, pairing=pairing, kind=ActivityKind.objects.get(code=code),
        title=code, host_school=host or world.assisted, place="会议室", starts_at=at(day),
        ends_at=at(day, 11),
    )  # fmt: skip
    services.activity_complete(
        actor=world.bureau, activity=activity, summary="好",
        files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 a")],
    )  # fmt: skip
    return activity


def line(standing, label_part: str):
    return next(line for line in standing.lines if label_part in line.label)


def test_a_new_pairing_is_behind_where_the_term_has_gone_far_enough(world, active):
    standing = targets.pairing_standing(active)
    delivery = line(standing, "送教")
    # Two a term; more than half of term 1 has gone by mid-November, so one is expected.
    assert (delivery.done, delivery.required, delivery.expected) == (0, 2, 1)
    assert delivery.status == progress.BEHIND
    assert (delivery.start, delivery.end) == (dt.date(2026, 9, 1), dt.date(2027, 1, 31))
    assert line(standing, "校长汇报").status == progress.ON_TRACK  # one a term: not yet due
    research = line(standing, "课题研究")
    assert (research.start, research.end) == (dt.date(2026, 9, 1), dt.date(2027, 8, 31))
    assert standing.status == progress.BEHIND


def test_lesson_deliveries_count_at_the_assisted_school_and_in_this_term_only(world, active):
    held(world, active, "lesson_delivery", dt.date(2026, 10, 20))
    held(world, active, "lesson_delivery", dt.date(2026, 11, 3), host=world.helping)  # not 送教
    held(world, active, "lesson_delivery", dt.date(2026, 6, 10))  # last school year
    delivery = line(targets.pairing_standing(active), "送教")
    assert delivery.done == 1 and delivery.status == progress.ON_TRACK
    held(world, active, "lesson_delivery", dt.date(2026, 11, 10))
    delivery = line(targets.pairing_standing(active), "送教")
    assert delivery.done == 2 and delivery.status == progress.MET


def test_planned_and_cancelled_activities_do_not_count(world, active):
    activity, _ = services.activity_schedule(
        actor=world.coord_helping, pairing=active, kind=ActivityKind.objects.get(code="visit"),
        title="x", host_school=world.assisted, place="p", starts_at=at(dt.date(2026, 11, 2)),
        ends_at=at(dt.date(2026, 11, 2), 10),
    )  # fmt: skip
    services.activity_cancel(actor=world.coord_helping, activity=activity, reason="雨")
    assert all(line.done == 0 for line in targets.pairing_standing(active).lines)


def test_secondment_days_add_up_over_the_school_year(world, active):
    chen = teacher_services.teacher_create(actor=world.bureau, school=world.helping, name="陈")
    zhao = teacher_services.teacher_create(actor=world.bureau, school=world.assisted, name="赵")
    # 28 September – 11 October: 6 working days (the National Day week off, its make-up
    # Saturday worked).
    services.secondment_record(
        actor=world.coord_helping, pairing=active, kind="secondment", teacher=chen,
        host_school=world.assisted, start=dt.date(2026, 9, 28), end=dt.date(2026, 10, 11),
        duties="挂职",
    )  # fmt: skip
    days = line(targets.pairing_standing(active), "挂职")
    assert days.done == 6 and days.required == 10
    # Served until today only: a secondment running on counts its days so far.
    services.secondment_record(
        actor=world.coord_helping, pairing=active, kind="shadowing", teacher=zhao,
        host_school=world.helping, start=dt.date(2026, 11, 12), end=dt.date(2026, 12, 31),
        duties="跟岗",
    )  # fmt: skip
    days = line(targets.pairing_standing(active), "挂职")
    assert days.done == 6 + 5 and days.status == progress.MET  # 12, 13, 16, 17, 18 Nov


def test_a_past_term_is_met_or_missed(world, active):
    # Term 2 of 2025–2026 ended on 31 July 2026; nothing was held then.
    standing = targets.pairing_standing(active, on=dt.date(2026, 5, 12))
    delivery = line(standing, "送教")
    assert (delivery.start, delivery.end) == (dt.date(2026, 2, 1), dt.date(2026, 7, 31))
    assert delivery.status == progress.MISSED


def test_a_programme_sets_its_own_targets(world, active):
    PairingTarget.objects.create(
        programme=world.programme, subject="activity", minimum=1, period="term",
        kind=ActivityKind.objects.get(code="synchronous_class"), side="either",
        valid_from=dt.date(2026, 9, 1),
    )  # fmt: skip
    (only,) = targets.pairing_standing(active).lines
    assert only.label == "同步课堂：每学期至少 1 次" and only.required == 1


def test_the_rollup_counts_pairings_by_county_with_constant_queries(
    world, active, django_assert_num_queries
):
    from schools.models import Pairing

    held(world, active, "lesson_delivery", dt.date(2026, 10, 20))
    # 1 pairings (with the assisted school's county), 2 programmes' own targets, 3 kinds,
    # 4 term dates, 5 secondments, 6 activity counts, 7 county names.
    with django_assert_num_queries(7):
        rows = targets.rollup(Pairing.objects.all())
    assert [(r["name"], r["total"]) for r in rows] == [("西山县", 1)]
    for n in range(3):
        helping = SchoolFactory(region=world.east)
        pairing = school_services.pairing_create(
            actor=world.bureau, programme=world.programme, helping_school=helping,
            assisted_schools=[SchoolFactory(region=world.east)],
        )  # fmt: skip
        pairing = school_services.pairing_propose(actor=world.bureau, pairing=pairing)
        pairing = school_services.pairing_approve(actor=world.bureau2, pairing=pairing)
        held(world, pairing, "management_report", dt.date(2026, 10, 1 + n), host=helping)
    with django_assert_num_queries(7):
        rows = targets.rollup(Pairing.objects.all())
    assert {r["name"]: r["total"] for r in rows} == {"西山县": 1, "东城县": 3}


def test_logging_an_activity_moves_the_pairings_target_on_its_tab(client, world, active):
    client.force_login(world.coord_assisted)
    url = reverse("activities:pairing_exchanges", args=[active.pk])
    page = client.get(url).content.decode()
    assert "送教" in page and "0</td>" in page
    held(world, active, "lesson_delivery", dt.date(2026, 11, 10))
    held(world, active, "lesson_delivery", dt.date(2026, 11, 11))
    standing = client.get(url).context["standing"]
    assert line(standing, "送教").status == progress.MET


def test_the_overview_page_and_its_downloads(client, world, active):
    client.force_login(world.bureau)
    page = client.get(reverse("activities:targets"))
    assert page.status_code == 200 and "西山县" in page.content.decode()
    assert "<svg" in page.content.decode()
    by_pairing = client.get(reverse("activities:targets"), {"group": "pairing"}).content.decode()
    assert "江城实验小学" in by_pairing
    csv = client.get(reverse("activities:targets"), {"group": "pairing", "format": "csv"})
    assert "送教" in b"".join(csv.streaming_content).decode("utf-8-sig")
    client.force_login(world.outsider)
    assert "西山县" not in client.get(reverse("activities:targets")).content.decode()


def test_the_api_answers_the_rollup_and_a_pairings_lines(world, active):
    api = APIClient()
    api.force_authenticate(world.bureau)
    rows = api.get(reverse("api:exchange-target-list")).json()
    assert rows[0]["name"] == "西山县" and rows[0]["total"] == 1
    detail = api.get(reverse("api:exchange-target-detail", args=[active.pk])).json()
    assert detail["status"] == "behind"
    assert {ln["target"]["kind"] for ln in detail["lines"]} >= {"lesson_delivery", None}
    api.force_authenticate(world.outsider)
    assert api.get(reverse("api:exchange-target-detail", args=[active.pk])).status_code == 404
    assert api.get(reverse("api:exchange-target-list")).json() == []


def test_the_bureau_dashboard_charts_the_targets_by_county(client, world, active):
    client.force_login(world.bureau)
    page = client.get(reverse("dashboard")).content.decode()
    section = page.split('id="exchange-targets"', 1)[1]
    assert "<svg" in section and "西山县" in section


def test_a_targets_label_reads_as_a_sentence():
    from django.utils import translation

    from activities.models import TargetPeriod, TargetSubject

    days = targets.Target(TargetSubject.SECONDMENT_DAYS, None, 10, TargetPeriod.YEAR)
    visits = targets.Target(TargetSubject.ACTIVITY, "visit", 2, TargetPeriod.TERM)
    with translation.override("en"):
        assert days.label({}) == "Secondment working days: at least 10 a school year"
        assert visits.label({"visit": "Visit"}) == "Visit: at least 2 a term"
    with translation.override("zh-hans"):
        assert days.label({}) == "挂职支教工作日：每学年至少 10 天"
