"""The yearly evaluation: templates and their versions, the scorecard's workflow and
arithmetic, and the money that follows the result (DESIGN.md §3 evaluation/)."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections  # noqa: F401 – the skipif reads connection
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from activities import services as activity_services
from activities.models import ActivityKind
from evaluation import scoring, services
from evaluation.models import (
    Grade,
    Indicator,
    IndicatorScore,
    Scorecard,
    ScorecardStatus,
    Source,
    Step,
    Template,
)
from funding.models import EntryKind, LedgerEntry, TrancheStatus
from schools import services as school_services
from tests.factories import UserFactory, assign
from twinning import calendar
from twinning.access import forget_scope
from twinning.models import Notification, Role

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _english():
    # The reasons below are read in English; the default language is Chinese.
    with translation.override("en"):
        yield


@pytest.fixture
def card(world, active):
    """Year 1 of the active pairing (signed 2026-09-01), opened."""
    return services.scorecard_open(pairing=active, year=1)


def manual(card):
    return list(
        IndicatorScore.objects.filter(scorecard=card, indicator__source=Source.MANUAL)
        .select_related("indicator").order_by("indicator__code")
    )  # fmt: skip


def self_assess_all(world, card, points="3"):
    entries = {s.indicator_id: {"score": points, "note": "自评"} for s in manual(card)}
    return services.scorecard_self_assess(actor=world.coord_helping, scorecard=card,
                                          entries=entries)  # fmt: skip


def inspect_all(world, card, points="3", actor=None):
    entries = {s.indicator_id: {"score": points, "comment": "核实"} for s in manual(card)}
    return services.scorecard_inspect(actor=actor or world.inspector, scorecard=card,
                                      entries=entries)  # fmt: skip


def to_inspected(world, card, points="3"):
    self_assess_all(world, card, points)
    services.scorecard_submit(actor=world.coord_helping, scorecard=card)
    services.scorecard_confirm(actor=world.coord_assisted, scorecard=card)
    inspect_all(world, card, points)
    return services.scorecard_finish_inspection(actor=world.inspector, scorecard=card)


# --- the default template -----------------------------------------


def test_the_default_template_has_100_points_in_the_five_areas_of_the_seeds(world):
    template = Template.objects.get(programme__isnull=True)
    assert template.is_published
    areas = [(a.name, sum(i.max_points for i in a.indicators.all())) for a in template.areas.all()]
    assert areas == [("学校管理", 25), ("教育教学", 25), ("教师业务素质", 25), ("办学条件", 15),
                     ("经费使用", 10)]  # fmt: skip
    automatic = set(template.indicators.filter(source=Source.AUTOMATIC)
                    .values_list("metric", flat=True))  # fmt: skip
    assert automatic == {
        "exchange_targets",
        "secondment_days",
        "mentorship_compliance",
        "records_filed",
        "plan_goals",
        "funds_disbursed",
        "donations",
    }


# --- opening a pairing year -----------------------------------------


def test_a_pairing_year_runs_from_the_signing_date_and_opens_30_days_before_its_end(card):
    assert (card.period_start, card.period_end) == (dt.date(2026, 9, 1), dt.date(2027, 8, 31))
    assert card.opens_on == dt.date(2027, 8, 1) and card.due_on == dt.date(2027, 8, 31)
    assert card.scores.count() == Indicator.objects.filter(template=card.template).count()
    assert card.events.get().step == Step.OPEN
    # Opening the same year again returns it.
    assert services.scorecard_open(pairing=card.pairing, year=1) == card


def test_the_daily_run_opens_each_year_once_when_its_window_begins(world, active):
    assert services.scorecards_open_due(dt.date(2027, 7, 31)) == 0
    assert services.scorecards_open_due(dt.date(2027, 8, 1)) == 1
    assert services.scorecards_open_due(dt.date(2027, 8, 2)) == 0
    card = Scorecard.objects.get()
    assert card.year == 1 and card.pairing == active
    # Year 2's window opens a year later.
    assert services.scorecards_open_due(dt.date(2028, 8, 1)) == 1
    assert sorted(Scorecard.objects.values_list("year", flat=True)) == [1, 2]


def test_a_programme_with_its_own_published_version_scores_on_it(world, active):
    default = Template.objects.get(programme__isnull=True)
    own = services.template_copy(actor=world.bureau, source=default, programme=world.programme)
    services.template_publish(actor=world.bureau, template=own)
    assert services.scorecard_open(pairing=active, year=1).template == own


# --- the workflow -----------------------------------------


def test_the_year_goes_from_self_assessment_to_finalised_and_releases_the_next_tranche(
    world, card, released, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        self_assess_all(world, card, "4")
        services.scorecard_submit(actor=world.coord_helping, scorecard=card)
    card.refresh_from_db()
    assert card.status == ScorecardStatus.CONFIRMING
    # The assisted school is asked to confirm.
    assert Notification.objects.filter(recipient=world.coord_assisted).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.scorecard_confirm(actor=world.coord_assisted, scorecard=card, comment="属实")
    card.refresh_from_db()
    assert card.status == ScorecardStatus.SUBMITTED and card.submitted_at
    assert Notification.objects.filter(recipient=world.inspector).exists()
    inspect_all(world, card, "4")
    with django_capture_on_commit_callbacks(execute=True):
        services.scorecard_finish_inspection(actor=world.inspector, scorecard=card)
        services.scorecard_finalise(actor=world.bureau, scorecard=card)
    card.refresh_from_db()
    assert card.status == ScorecardStatus.FINALISED and card.frozen_at
    # Every manual indicator 4 points and the automatic ones as computed.
    exact = sum(s.points for s in card.scores.all())
    assert card.total == scoring.rounded(exact)
    assert card.passed == (card.total >= Decimal("75")) and card.pass_mark == Decimal("75")
    assert [e.step for e in card.events.all()] == ["open", "submit", "confirm", "inspect",
                                                    "finalise"]  # fmt: skip
    second = released.tranches.get(number=2)
    assert second.evaluation_year == 2026
    assert second.status == (TrancheStatus.RELEASED if card.passed else TrancheStatus.WITHHELD)


def test_scores_outside_the_rules_are_refused_at_their_field_and_nothing_changes(world, card):
    score = manual(card)[0]
    maximum = score.indicator.max_points
    for raw, says in [
        (str(maximum + 1), "At most"),
        ("-1", "negative"),
        ("很好", "number"),
        ("2.25", "decimal"),
    ]:
        with pytest.raises(ValidationError) as error:
            services.scorecard_self_assess(
                actor=world.coord_helping, scorecard=card,
                entries={score.indicator_id: {"score": raw, "note": "x"}},
            )  # fmt: skip
        field = f"score_{score.indicator_id}"
        assert says in " ".join(error.value.message_dict[field])
        assert score.indicator.code in error.value.message_dict[field][0]
    score.refresh_from_db()
    assert score.self_score is None and score.self_note == ""


def test_submitting_names_every_manual_indicator_left_unscored(world, card):
    first, *rest = manual(card)
    services.scorecard_self_assess(actor=world.coord_helping, scorecard=card,
                                   entries={first.indicator_id: {"score": "3"}})  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.scorecard_submit(actor=world.coord_helping, scorecard=card)
    fields = error.value.message_dict
    assert {f"score_{s.indicator_id}" for s in rest} <= set(fields)
    assert f"score_{first.indicator_id}" not in fields
    assert all(s.indicator.code in fields["status"][0] for s in rest)
    card.refresh_from_db()
    assert card.status == ScorecardStatus.OPEN


def test_evidence_is_kept_per_indicator_and_checked_by_its_content(world, card):
    score = manual(card)[0]
    services.scorecard_self_assess(
        actor=world.coord_helping, scorecard=card, entries={},
        uploads={score.indicator_id: [SimpleUploadedFile("会议纪要.jpg", JPEG)]},
    )  # fmt: skip
    assert score.evidence.count() == 1
    with pytest.raises(ValidationError) as error:
        services.scorecard_self_assess(
            actor=world.coord_helping, scorecard=card, entries={},
            uploads={score.indicator_id: [SimpleUploadedFile("照片.jpg", b"MZ not a photo")]},
        )  # fmt: skip
    assert f"evidence_{score.indicator_id}" in error.value.message_dict
    assert score.evidence.count() == 1


def test_the_assisted_school_can_send_the_self_assessment_back_with_a_reason(world, card):
    self_assess_all(world, card)
    services.scorecard_submit(actor=world.coord_helping, scorecard=card)
    with pytest.raises(ValidationError):
        services.scorecard_return(actor=world.coord_assisted, scorecard=card, comment=" ")
    services.scorecard_return(actor=world.coord_assisted, scorecard=card, comment="佐证不足")
    card.refresh_from_db()
    assert card.status == ScorecardStatus.OPEN
    # The helping school cannot confirm its own self-assessment.
    services.scorecard_submit(actor=world.coord_helping, scorecard=card)
    with pytest.raises(ValidationError):
        services.scorecard_confirm(actor=world.coord_helping, scorecard=card)


def test_an_override_of_a_computed_indicator_needs_a_reason(world, card):
    self_assess_all(world, card)
    services.scorecard_submit(actor=world.coord_helping, scorecard=card)
    services.scorecard_confirm(actor=world.coord_assisted, scorecard=card)
    auto = card.scores.filter(indicator__source=Source.AUTOMATIC).select_related("indicator")[0]
    with pytest.raises(ValidationError) as error:
        services.scorecard_inspect(actor=world.inspector, scorecard=card,
                                   entries={auto.indicator_id: {"override": "1"}})  # fmt: skip
    assert f"reason_{auto.indicator_id}" in error.value.message_dict
    services.scorecard_inspect(
        actor=world.inspector, scorecard=card,
        entries={auto.indicator_id: {"override": "1", "reason": "挂职记录不实"}},
    )  # fmt: skip
    auto.refresh_from_db()
    assert auto.override_points == Decimal("1.0") and auto.inspector == world.inspector


def test_who_may_finalise_and_who_is_told_why_not(world, card):
    to_inspected(world, card)
    # A coordinator and the inspector take part in the scorecard: a reason at the field.
    for actor in (world.coord_helping, world.inspector):
        with pytest.raises(ValidationError) as error:
            services.scorecard_finalise(actor=actor, scorecard=card)
        assert "status" in error.value.message_dict
    # The inspector who scored it, though also bureau staff, may not finalise it.
    assign(world.inspector, Role.BUREAU, region=world.city)
    forget_scope(world.inspector)
    with pytest.raises(ValidationError) as error:
        services.scorecard_finalise(actor=world.inspector, scorecard=card)
    assert "scored" in error.value.message_dict["status"][0]
    # The bureau of a member school's county reads it and takes no part: 403.
    county = assign(UserFactory(username="west_bureau"), Role.BUREAU, region=world.west)
    with pytest.raises(PermissionDenied):
        services.scorecard_finalise(actor=county, scorecard=card)
    card.refresh_from_db()
    assert card.status == ScorecardStatus.INSPECTED
    services.scorecard_finalise(actor=world.bureau, scorecard=card)


def test_a_finalised_scorecard_is_locked_and_its_computed_values_frozen(world, card, active):
    to_inspected(world, card)
    services.scorecard_finalise(actor=world.bureau, scorecard=card)
    donations = card.scores.get(indicator__metric="donations")
    assert donations.value == 0 and donations.auto_points == 0
    # A donation recorded afterwards, dated within the year, changes nothing.
    from funding import services as funding_services

    funding_services.donation_record(
        actor=world.coord_assisted, pairing=active, school=world.assisted, donor="爱心企业",
        category="books", items="图书", quantity=500, unit="册", estimated_value="30000",
        received_on=dt.date(2026, 10, 1),
    )  # fmt: skip
    services.scorecards_refresh(Scorecard.objects.all())
    donations.refresh_from_db()
    assert donations.value == 0
    for change in (
        lambda: self_assess_all(world, card),
        lambda: inspect_all(world, card),
        lambda: services.scorecard_submit(actor=world.coord_helping, scorecard=card),
    ):
        with pytest.raises(ValidationError) as error:
            change()
        assert "finalised" in error.value.message_dict["status"][0]


def test_reopening_needs_a_reason_and_refinalising_corrects_the_tranche(
    world, card, released, django_capture_on_commit_callbacks
):
    to_inspected(world, card, points="0")
    services.scorecard_finalise(actor=world.bureau, scorecard=card)
    card.refresh_from_db()
    assert not card.passed and card.grade == Grade.FAIL
    second = released.tranches.get(number=2)
    assert second.status == TrancheStatus.WITHHELD
    with pytest.raises(ValidationError):
        services.scorecard_reopen(actor=world.bureau, scorecard=card, reason="")
    services.scorecard_reopen(actor=world.bureau, scorecard=card, reason="督导复核")
    # Every indicator at its maximum (the computed ones overridden, with a reason): a pass.
    entries = {s.indicator_id: {"score": str(s.indicator.max_points)} for s in manual(card)}
    entries |= {
        s.indicator_id: {"override": str(s.indicator.max_points), "reason": "复核材料"}
        for s in card.scores.filter(indicator__source=Source.AUTOMATIC).select_related("indicator")
    }  # fmt: skip
    services.scorecard_inspect(actor=world.inspector, scorecard=card, entries=entries)
    services.scorecard_finish_inspection(actor=world.inspector, scorecard=card)
    services.scorecard_finalise(actor=world.bureau, scorecard=card)
    card.refresh_from_db()
    second.refresh_from_db()
    assert card.passed and second.status == TrancheStatus.RELEASED
    assert (
        second.due_on
        == calendar.working_day_window(
            calendar.today() + dt.timedelta(days=1), 30, active_path(card)
        )[1]
    )
    releases = LedgerEntry.objects.filter(tranche=second, kind=EntryKind.RELEASE).count()
    assert releases == 1
    # Turned to a fail again after the money was released: flagged, not taken back.
    services.scorecard_reopen(actor=world.bureau, scorecard=card, reason="发现问题")
    entries = {s.indicator_id: {"score": "0"} for s in manual(card)}
    services.scorecard_inspect(actor=world.inspector, scorecard=card, entries=entries)
    services.scorecard_finish_inspection(actor=world.inspector, scorecard=card)
    with django_capture_on_commit_callbacks(execute=True):
        services.scorecard_finalise(actor=world.bureau, scorecard=card)
    second.refresh_from_db()
    assert second.status == TrancheStatus.RELEASED and second.flagged_at is not None
    assert LedgerEntry.objects.filter(tranche=second, kind=EntryKind.RELEASE).count() == 1
    assert Notification.objects.filter(recipient=world.bureau2,
                                       kind="tranche-flagged").exists()  # fmt: skip
    assert [e.step for e in card.events.all()].count("finalise") == 3


def active_path(card):
    return card.pairing.region.path


def test_a_failing_result_tells_both_schools_the_areas_that_fell_short(
    world, card, django_capture_on_commit_callbacks
):
    to_inspected(world, card, points="0")
    with django_capture_on_commit_callbacks(execute=True):
        services.scorecard_finalise(actor=world.bureau, scorecard=card)
    for coordinator in (world.coord_helping, world.coord_assisted):
        told = Notification.objects.get(recipient=coordinator, key__startswith="scorecard:",
                                        title__contains="不合格")  # fmt: skip
        assert "教育教学" in told.body and "学校管理" in told.body


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_two_finalisations_at_once_release_the_tranche_once(world, active):
    from funding import services as funding_services

    budget = funding_services.budget_create(
        actor=world.bureau, region=world.city, programme=world.programme, source="专项",
        fiscal_year=2026, amount="300000", purpose="结对", ring_fenced=True,
    )  # fmt: skip
    allocation = funding_services.allocation_create(actor=world.bureau, budget=budget,
                                                    pairing=active)  # fmt: skip
    funding_services.tranche_release(actor=world.bureau, tranche=allocation.tranches.get(number=1))
    card = services.scorecard_open(pairing=active, year=1)
    to_inspected(world, card, points="4")
    barrier = threading.Barrier(2)
    outcomes = []

    def finalise(actor):
        try:
            barrier.wait()
            services.scorecard_finalise(actor=actor, scorecard=card)
            outcomes.append("finalised")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=finalise, args=(a,)) for a in (world.bureau, world.bureau2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["finalised", "refused"]
    assert LedgerEntry.objects.filter(kind=EntryKind.RELEASE).count() <= 2
    second = allocation.tranches.get(number=2)
    assert LedgerEntry.objects.filter(tranche=second).count() == (1 if second.status == "released"
                                                                   else 0)  # fmt: skip
    assert Scorecard.objects.get().events.filter(step=Step.FINALISE).count() == 1


# --- arithmetic -----------------------------------------


def test_an_indicator_without_data_scores_nothing_and_says_so(world, card):
    goals = card.scores.get(indicator__metric="plan_goals")
    money = card.scores.get(indicator__metric="funds_disbursed")
    assert goals.value is None and goals.auto_points is None
    assert money.value is None
    assert scoring.points_of(goals.indicator, goals) == 0


def test_automatic_indicators_count_the_pairing_years_records(world, card, active):
    kind = ActivityKind.objects.get(code="lesson_delivery")
    from django.utils import timezone

    for day in (dt.date(2026, 10, 12), dt.date(2026, 11, 9)):
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
        activity, _clashes = activity_services.activity_schedule(
            actor=world.coord_helping, pairing=active, kind=kind, title="送教下乡",
            host_school=world.assisted, place="西山山村小学", starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
        )  # fmt: skip
        activity_services.activity_complete(actor=world.coord_helping, activity=activity,
                                            summary="完成", files=[SimpleUploadedFile(
                                                "签到.jpg", JPEG)])  # fmt: skip
    goal = school_services.goal_create(
        actor=world.coord_helping, pairing=active, school=world.assisted, title="校本课程",
        target_value=2, unit="门", period_kind="year", school_year=2026,
    )  # fmt: skip
    school_services.goal_report_progress(actor=world.coord_helping, goal=goal, value=Decimal(2))
    services.scorecards_refresh(Scorecard.objects.filter(pk=card.pk))
    exchange = card.scores.get(indicator__metric="exchange_targets")
    lines = {(line["kind"], line["side"]): line for line in exchange.detail["lines"]}
    assert lines[("lesson_delivery", "assisted")]["done"] == 2
    assert lines[("lesson_delivery", "assisted")]["required"] == 4
    goals = card.scores.get(indicator__metric="plan_goals")
    assert goals.value == 1 and goals.auto_points == goals.indicator.max_points


def test_rules_turn_values_into_points():
    share = Indicator(max_points=Decimal("8"), rule="share", target=Decimal("10"))
    assert scoring.rule_points(share, Decimal("5")) == Decimal("4")
    assert scoring.rule_points(share, Decimal("25")) == Decimal("8")
    assert scoring.rule_points(share, None) is None
    steps = Indicator(max_points=Decimal("5"), rule="thresholds",
                      steps=[["1", "2"], ["5000", "3.5"], ["20000", "5"]])  # fmt: skip
    assert [scoring.rule_points(steps, Decimal(v)) for v in ("0", "1", "6000", "50000")] == [
        0,
        Decimal("2"),
        Decimal("3.5"),
        Decimal("5"),
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 200), st.integers(0, 200), st.booleans(),
                          st.integers(0, 10**6)), min_size=1, max_size=20))  # fmt: skip
def test_the_total_never_exceeds_the_maximum_and_is_the_rounded_sum_of_the_parts(parts):
    from evaluation.models import Area

    area = Area(pk=1, name="A")
    indicators, scores = [], {}
    for n, (maximum_tenths, scored_tenths, automatic, value) in enumerate(parts, start=1):
        maximum = Decimal(maximum_tenths) / 10
        indicator = Indicator(pk=n, area=area, max_points=maximum, rule="share",
                              target=Decimal("333"),
                              source=Source.AUTOMATIC if automatic else Source.MANUAL)  # fmt: skip
        score = IndicatorScore(indicator=indicator)
        if automatic:
            score.auto_points = scoring.rule_points(indicator, Decimal(value) / 7)
        else:
            score.inspector_score = min(maximum, Decimal(scored_tenths) / 10)
        indicators.append(indicator)
        scores[n] = score
    template = Template(max_points=sum(i.max_points for i in indicators))
    result = scoring.result(template, indicators, scores)
    parts_sum = sum(scoring.points_of(i, scores[i.pk]) for i in indicators)
    assert result.total == parts_sum.quantize(Decimal("0.1"), rounding="ROUND_HALF_UP")
    assert result.total <= template.max_points
    assert result.total == result.total.quantize(Decimal("0.1"))


# --- templates and their versions -----------------------------------------


def test_a_published_version_never_changes_and_a_copy_continues_it(world):
    default = Template.objects.get(programme__isnull=True)
    indicator = default.indicators.first()
    with pytest.raises(PermissionDenied):  # the default is nobody's to edit
        services.indicator_save(actor=world.bureau, template=default, indicator=indicator,
                                name="改")  # fmt: skip
    own = services.template_copy(actor=world.bureau, source=default, programme=world.programme)
    assert own.version == 1 and own.previous == default and not own.is_published
    copied = own.indicators.get(code=indicator.code)
    assert copied.continues == indicator and copied.lineage == indicator.lineage
    services.template_publish(actor=world.bureau, template=own)
    with pytest.raises(ValidationError) as error:
        services.indicator_save(actor=world.bureau, template=own, indicator=copied, name="改")
    assert "new version" in error.value.message_dict["template"][0]
    second = services.template_copy(actor=world.bureau, source=own, programme=world.programme)
    assert second.version == 2
    # Cut loose from the previous indicator, it starts a lineage of its own.
    changed = second.indicators.get(code=indicator.code)
    services.indicator_save(actor=world.bureau, template=second, indicator=changed,
                            name="新指标", continues=None)  # fmt: skip
    changed.refresh_from_db()
    assert changed.continues is None and changed.lineage != indicator.lineage
    # Only the previous version's indicators can be continued.
    with pytest.raises(ValidationError):
        services.indicator_save(actor=world.bureau, template=second, indicator=changed,
                                continues=indicator)  # fmt: skip


def test_a_template_that_does_not_total_its_maximum_is_not_published(world):
    default = Template.objects.get(programme__isnull=True)
    own = services.template_copy(actor=world.bureau, source=default, programme=world.programme)
    indicator = own.indicators.get(code="1.1")
    services.indicator_save(actor=world.bureau, template=own, indicator=indicator,
                            max_points="6")  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.template_publish(actor=world.bureau, template=own)
    assert "101.0" in error.value.message_dict["max_points"][0]
    own.refresh_from_db()
    assert not own.is_published
    services.template_update(actor=world.bureau, template=own, max_points=Decimal("101.0"))
    services.template_publish(actor=world.bureau, template=own)


def test_an_automatic_indicator_needs_a_metric_and_a_rule(world):
    default = Template.objects.get(programme__isnull=True)
    own = services.template_copy(actor=world.bureau, source=default, programme=world.programme)
    area = own.areas.first()
    for fields, field in [
        ({"metric": "nonsense", "rule": "share", "target": "1"}, "metric"),
        ({"metric": "donations", "rule": "share"}, "target"),
        ({"metric": "donations", "rule": "thresholds", "steps": [["1", "99"]]}, "steps"),
    ]:
        with pytest.raises(ValidationError) as error:
            services.indicator_save(
                actor=world.bureau,
                template=own,
                area=area,
                code="9.9",
                name="新",
                max_points="2",
                source="automatic",
                **fields,
            )
        assert field in error.value.message_dict
    assert not own.indicators.filter(code="9.9").exists()


def test_years_on_different_versions_compare_area_by_area(world, active):
    from evaluation.selectors import pairing_years

    first = services.scorecard_open(pairing=active, year=1)
    to_inspected(world, first, points="2")
    services.scorecard_finalise(actor=world.bureau, scorecard=first)
    default = Template.objects.get(programme__isnull=True)
    own = services.template_copy(actor=world.bureau, source=default, programme=world.programme)
    area = own.areas.get(name="学校管理")
    services.area_save(actor=world.bureau, template=own, area=area, name="管理",
                       continues=area.continues)  # fmt: skip
    services.template_publish(actor=world.bureau, template=own)
    second = services.scorecard_open(pairing=active, year=2)
    assert second.template == own
    to_inspected(world, second, points="3")
    services.scorecard_finalise(actor=world.bureau, scorecard=second)
    years = pairing_years(active)
    # The renamed area continues the old one: one column, not two.
    assert years["areas"] == ["学校管理", "教育教学", "教师业务素质", "办学条件", "经费使用"]
    management = years["rows"][1]["cells"][0]
    assert (
        management["change"]
        == management["area"].rounded - years["rows"][0]["cells"][0]["area"].rounded
    )
    assert management["change"] > 0
