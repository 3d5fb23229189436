"""The reminders of the catalogue beyond exchanges and mentorships: proposals waiting and
escalated, plan goals past their date, requests for money waiting, tranches due, public
notices of aid ending with objections open, self-assessments due, inspections overdue,
secondments ending unconfirmed. Each reaches the right people once (per period), not
before its time, with a title naming its object and a link to it, and every reminder of
the catalogue has its beat entry."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection  # noqa: F401 – the skipif reads it
from django.urls import reverse
from django.utils import timezone

from activities import services as activity_services
from evaluation import services as evaluation_services
from evaluation.models import IndicatorScore, Source
from funding import services as funding_services
from funding.models import AidStep
from schools import services as school_services
from schools.models import ProgressUpdate
from teachers import services as teacher_services
from twinning import access
from twinning.models import Notification, ReminderRun, Role, RoleAssignment
from twinning.notify import kinds, reminders

from .conftest import request_money
from .factories import ProgrammeFactory, UserFactory, assign


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    """``day`` at ``hour`` in Asia/Shanghai, as the beat runs a reminder."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def told(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username",
                                                                      flat=True))  # fmt: skip


def run_twice(key: str, now: dt.datetime) -> ReminderRun:
    """Run a reminder and run it again (a second beat, a retry): the second sends nothing.
    The first run's record."""
    first = reminders.run(key, now=now)
    again = reminders.run(key, now=now)
    assert again.sent == 0 and again.finished_at is not None and not again.error
    return first


# --- the catalogue ------------------------------------------------------------------------

NEW = ["proposal-waiting", "proposal-escalated", "milestone-overdue", "disbursement-waiting",
       "tranche-due", "aid-notice-ending", "self-assessment-due", "inspection-overdue",
       "secondment-unconfirmed"]  # fmt: skip


def test_every_reminder_of_the_catalogue_has_its_beat_entry():
    keys = [r.key for r in reminders.every()]
    assert set(NEW) <= set(keys)
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values()
               if e["task"] == "twinning.tasks.run_reminder"]  # fmt: skip
    for key in keys:
        assert [e["args"] for e in entries if e["args"] == (key,)] == [(key,)]
    for reminder in reminders.every():
        assert kinds.exists(reminder.kind) and reminders.schedule_of(reminder.key) is not None


# --- proposals ------------------------------------------------------------------------------


def test_a_proposal_waiting_over_three_days_reminds_its_approvers_once(world, proposed):
    east_bureau = assign(UserFactory(username="east_bureau"), Role.BUREAU, region=world.east)
    since = proposed.proposed_at
    assert reminders.run("proposal-waiting", now=since + dt.timedelta(days=3, hours=23)).sent == 0
    record = run_twice("proposal-waiting", since + dt.timedelta(days=4))
    # Bureau staff of the programme's region (the city); not the county below it, not the
    # proposer, not the schools, not the other city.
    assert told("proposal-waiting") == ["bureau", "bureau2"]
    assert record.sent == 2 and ReminderRun.objects.filter(reminder="proposal-waiting").count() == 3
    note = Notification.objects.filter(kind="proposal-waiting").first()
    assert proposed.title in note.title and "4" in note.title
    assert note.url == reverse("schools:pairing_detail", args=[proposed.pk])
    assert not Notification.objects.filter(recipient=east_bureau, kind="proposal-waiting").exists()


def test_whoever_proposed_is_not_reminded_and_a_decided_proposal_not_at_all(world, draft):
    pairing = school_services.pairing_propose(actor=world.bureau, pairing=draft)
    since = pairing.proposed_at
    reminders.run("proposal-waiting", now=since + dt.timedelta(days=5))
    assert told("proposal-waiting") == ["bureau2"]
    school_services.pairing_approve(actor=world.bureau2, pairing=pairing)
    Notification.objects.all().delete()
    assert reminders.run("proposal-waiting", now=since + dt.timedelta(days=6)).sent == 0


def test_a_proposal_waiting_over_a_week_goes_to_the_heads_of_its_region(world, proposed):
    RoleAssignment.objects.filter(user=world.bureau2, role=Role.BUREAU).update(head=True)
    since = proposed.proposed_at
    assert reminders.run("proposal-escalated", now=since + dt.timedelta(days=7, hours=23)).sent == 0
    record = run_twice("proposal-escalated", since + dt.timedelta(days=8))
    assert record.sent == 1 and told("proposal-escalated") == ["bureau2"]
    note = Notification.objects.get(kind="proposal-escalated")
    assert proposed.title in note.title
    assert note.url == reverse("schools:pairing_detail", args=[proposed.pk])


def test_without_heads_of_its_own_a_county_proposal_goes_to_the_nearest_heads_above(
    world, django_capture_on_commit_callbacks
):
    county = ProgrammeFactory(name="东城县内结对", region=world.east)
    pairing = school_services.pairing_create(
        actor=world.coord_helping, programme=county, helping_school=world.helping,
        assisted_schools=[world.spare],
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False):
        pairing = school_services.pairing_propose(actor=world.coord_helping, pairing=pairing)
    RoleAssignment.objects.filter(user=world.bureau, role=Role.BUREAU).update(head=True)
    later = pairing.proposed_at + dt.timedelta(days=9)
    reminders.run("proposal-escalated", now=later)
    assert told("proposal-escalated") == ["bureau"]  # the city's head: 东城县 has none
    # Once the county has a head of its own, it is theirs (told afresh here: the
    # notifications are cleared, as for another proposal).
    east_head = assign(UserFactory(username="east_head"), Role.BUREAU, region=world.east)
    RoleAssignment.objects.filter(user=east_head).update(head=True)
    Notification.objects.all().delete()
    reminders.run("proposal-escalated", now=later)
    assert told("proposal-escalated") == ["east_head"]


# --- the development plan -----------------------------------------------------------------------


@pytest.fixture
def goal(world, active):
    """October 2026's task of the plan: two key teachers, due 2026-10-31."""
    return school_services.goal_create(
        actor=world.coord_assisted, pairing=active, school=world.assisted,
        title="培养区级骨干教师", target_value=Decimal("2"), unit="名", period_kind="month",
        school_year=2026, period_number=10,
    )  # fmt: skip


def report(world, goal, value, on: dt.date):
    update = school_services.goal_report_progress(actor=world.coord_assisted, goal=goal,
                                                  value=Decimal(value))  # fmt: skip
    ProgressUpdate.objects.filter(pk=update.pk).update(reported_at=at(on))


def test_a_goal_past_its_date_unreported_reminds_the_pairings_coordinators_once(world, goal):
    assert goal.due_on == dt.date(2026, 10, 31)
    report(world, goal, "1", dt.date(2026, 10, 15))  # short of the target, before its date
    assert reminders.run("milestone-overdue", now=at(dt.date(2026, 10, 31), 23)).sent == 0
    record = run_twice("milestone-overdue", at(dt.date(2026, 11, 2)))
    assert record.sent == 2 and told("milestone-overdue") == ["coord_assisted", "coord_helping"]
    note = Notification.objects.filter(kind="milestone-overdue").first()
    assert "培养区级骨干教师" in note.title
    assert note.url == reverse("schools:pairing_plan", args=[goal.pairing_id]) + f"#goal-{goal.pk}"


@pytest.mark.parametrize("value, on", [("2", dt.date(2026, 10, 20)), ("1", dt.date(2026, 10, 31))])
def test_a_goal_reached_or_reported_on_its_date_is_not_overdue(world, goal, value, on):
    report(world, goal, value, on)
    assert reminders.run("milestone-overdue", now=at(dt.date(2026, 11, 2))).sent == 0


# --- money ----------------------------------------------------------------------------------


def test_a_request_for_money_waiting_over_three_days_reminds_its_deciders_once(world, released):
    d = request_money(world, released.pairing)
    since = d.submitted_at
    assert (
        reminders.run("disbursement-waiting", now=since + dt.timedelta(days=3, hours=23)).sent == 0
    )
    record = run_twice("disbursement-waiting", since + dt.timedelta(days=4))
    assert record.sent == 2 and told("disbursement-waiting") == ["bureau", "bureau2"]
    note = Notification.objects.filter(kind="disbursement-waiting").first()
    assert "1,200.00 元" in note.title and note.url == d.get_absolute_url()
    # Decided: nobody is reminded of it any more.
    funding_services.disbursement_approve(actor=world.bureau, disbursement=d)
    Notification.objects.all().delete()
    assert reminders.run("disbursement-waiting", now=since + dt.timedelta(days=5)).sent == 0


def test_each_reminder_is_written_in_its_recipients_language(world, released):
    world.bureau.language = "en"
    world.bureau.save()
    d = request_money(world, released.pairing)
    reminders.run("disbursement-waiting", now=d.submitted_at + dt.timedelta(days=4))
    titles = dict(Notification.objects.values_list("recipient__username", "title"))
    assert "(Transport)" in titles["bureau"] and "交通" in titles["bureau2"]


def test_whoever_asked_for_the_money_is_not_reminded_to_decide_it(world, released):
    d = request_money(world, released.pairing, actor=world.bureau)
    reminders.run("disbursement-waiting", now=d.submitted_at + dt.timedelta(days=4))
    assert told("disbursement-waiting") == ["bureau2"]


def test_a_tranche_past_its_date_reminds_the_bureau_once_a_week_until_released(world, allocation):
    first = allocation.tranches.get(number=1)
    assert first.due_on == dt.date(2026, 10, 1)
    assert reminders.run("tranche-due", now=at(dt.date(2026, 10, 1))).sent == 0
    record = run_twice("tranche-due", at(dt.date(2026, 10, 2)))  # a Friday
    assert record.sent == 2 and told("tranche-due") == ["bureau", "bureau2"]
    note = Notification.objects.filter(kind="tranche-due").first()
    assert allocation.pairing.title in note.title and "2026-10-01" in note.title
    assert note.url == reverse("funding:pairing_funding", args=[allocation.pairing_id])
    assert reminders.run("tranche-due", now=at(dt.date(2026, 10, 4))).sent == 0  # same week
    assert reminders.run("tranche-due", now=at(dt.date(2026, 10, 5))).sent == 2  # the next
    funding_services.tranche_release(actor=world.bureau, tranche=first)
    assert reminders.run("tranche-due", now=at(dt.date(2026, 10, 12))).sent == 0


# --- public notices of student aid ----------------------------------------------------------


@pytest.fixture
def notice(world, monkeypatch):
    """A published notice at the helping school (东城县), 28 September – 9 October 2026,
    with one objection received on 8 October; ``clock.today`` is the services' today.
    Aid officers: ``aid_officer`` of the city, ``east_aid`` of 东城县, ``far_aid`` of the
    other city; ``bureau`` holds no aid right."""
    clock = SimpleNamespace(today=dt.date(2026, 9, 21))
    monkeypatch.setattr("twinning.calendar.today", lambda: clock.today)
    officer = assign(assign(UserFactory(username="aid_officer"), Role.BUREAU, region=world.city),
                     Role.AID, region=world.city)  # fmt: skip
    assign(UserFactory(username="east_aid"), Role.AID, region=world.east)
    assign(UserFactory(username="far_aid"), Role.AID, region=world.far_city)
    coordinator = world.coord_helping
    grant = funding_services.aid_scheme_create(
        actor=officer, region=world.city, name="国家助学金", kind="national_grant",
        form="money", period="term", tiers=[{"name": "一档", "amount": "1000"}],
    )  # fmt: skip
    student = funding_services.student_create(
        actor=coordinator, school=world.helping, name="王小明", gender="m", grade="3",
        class_name="三(2)班", guardian_name="王建国", guardian_phone="13800000000",
    )  # fmt: skip
    application = funding_services.aid_application_create(
        actor=coordinator, student=student, scheme=grant, tier=grant.tiers.get(),
        school_year=2026, term=1,
    )  # fmt: skip
    for step in AidStep.values:
        files = [SimpleUploadedFile("签字.pdf", b"%PDF-1.4 signed")] if (
            step == AidStep.GUARDIAN_SIGNATURE) else ()  # fmt: skip
        funding_services.aid_step_record(actor=coordinator, application=application, step=step,
                                         done_on=clock.today, files=files)  # fmt: skip
    funding_services.aid_application_submit(actor=coordinator, application=application)
    notice = funding_services.aid_notice_open(
        actor=coordinator, school=world.helping, scheme=grant, period="2026-1",
        starts_on=dt.date(2026, 9, 28),
    )  # fmt: skip
    funding_services.aid_notice_publish(actor=officer, notice=notice)
    clock.today = dt.date(2026, 10, 8)
    objection = funding_services.aid_objection_record(
        actor=coordinator, application=application, content="家中新购轿车",
        received_on=dt.date(2026, 10, 8),
    )  # fmt: skip
    return SimpleNamespace(notice=notice, officer=officer, objection=objection, clock=clock)


def test_a_notice_ending_tomorrow_with_an_objection_open_warns_its_aid_officers_once(world, notice):
    assert notice.notice.ends_on == dt.date(2026, 10, 9)
    assert reminders.run("aid-notice-ending", now=at(dt.date(2026, 10, 7))).sent == 0
    record = run_twice("aid-notice-ending", at(dt.date(2026, 10, 8)))
    # The aid officers of the school's county and the city above it; not the bureau
    # without the aid right, the coordinators or the other city's officer.
    assert record.sent == 2 and told("aid-notice-ending") == ["aid_officer", "east_aid"]
    note = Notification.objects.filter(kind="aid-notice-ending").first()
    assert "国家助学金" in note.title and world.helping.name in note.title
    assert note.url == notice.notice.get_absolute_url()


def test_a_notice_whose_objections_are_resolved_warns_nobody(world, notice):
    notice.clock.today = dt.date(2026, 10, 8)
    funding_services.aid_objection_resolve(actor=notice.officer, objection=notice.objection,
                                           resolution="经核实无此事", upheld=False)  # fmt: skip
    assert reminders.run("aid-notice-ending", now=at(dt.date(2026, 10, 8))).sent == 0


# --- the yearly evaluation ------------------------------------------------------------------


@pytest.fixture
def card(world, active):
    """Year 1 of the active pairing (signed 2026-09-01): due by 2027-08-31."""
    return evaluation_services.scorecard_open(pairing=active, year=1)


def submitted(world, card):
    """The self-assessment made, submitted and confirmed: the card waits for inspection."""
    entries = {s.indicator_id: {"score": "3", "note": "自评"}
               for s in IndicatorScore.objects.filter(scorecard=card,
                                                      indicator__source=Source.MANUAL)}  # fmt: skip
    evaluation_services.scorecard_self_assess(actor=world.coord_helping, scorecard=card,
                                              entries=entries)  # fmt: skip
    evaluation_services.scorecard_submit(actor=world.coord_helping, scorecard=card)
    evaluation_services.scorecard_confirm(actor=world.coord_assisted, scorecard=card)
    return entries


def test_a_self_assessment_due_within_14_days_reminds_the_helping_school_once(world, card):
    assert card.due_on == dt.date(2027, 8, 31)
    assert reminders.run("self-assessment-due", now=at(dt.date(2027, 8, 16))).sent == 0
    record = run_twice("self-assessment-due", at(dt.date(2027, 8, 17)))
    # The helping school self-assesses; the assisted school only confirms.
    assert record.sent == 1 and told("self-assessment-due") == ["coord_helping"]
    note = Notification.objects.get(kind="self-assessment-due")
    assert card.pairing.title in note.title and "2027-08-31" in note.title
    assert note.url == reverse("evaluation:scorecard_detail", args=[card.pk])
    assert reminders.run("self-assessment-due", now=at(dt.date(2027, 8, 30))).sent == 0


def test_a_submitted_self_assessment_is_not_reminded(world, card):
    submitted(world, card)
    assert reminders.run("self-assessment-due", now=at(dt.date(2027, 8, 20))).sent == 0


def test_an_inspection_past_the_due_date_reminds_the_inspectors_weekly_until_done(world, card):
    county_inspector = assign(UserFactory(username="east_inspector"), Role.INSPECTOR,
                              region=world.east)  # fmt: skip
    # Still with the schools after its date: not the inspectors' to do yet.
    assert reminders.run("inspection-overdue", now=at(dt.date(2027, 9, 6))).sent == 0
    entries = submitted(world, card)
    assert reminders.run("inspection-overdue", now=at(dt.date(2027, 8, 31))).sent == 0
    record = run_twice("inspection-overdue", at(dt.date(2027, 9, 1)))  # a Wednesday
    # The inspectors of the programme's region (the city) and above: not the county's,
    # the bureau's, the schools' or the other city's.
    assert record.sent == 1 and told("inspection-overdue") == ["inspector"]
    assert not Notification.objects.filter(recipient=county_inspector).exists()
    note = Notification.objects.get(kind="inspection-overdue")
    assert card.pairing.title in note.title
    assert note.url == reverse("evaluation:scorecard_detail", args=[card.pk])
    assert reminders.run("inspection-overdue", now=at(dt.date(2027, 9, 5))).sent == 0
    assert reminders.run("inspection-overdue", now=at(dt.date(2027, 9, 6))).sent == 1
    evaluation_services.scorecard_inspect(
        actor=world.inspector, scorecard=card,
        entries={pk: {"score": "3", "comment": "核实"} for pk in entries},
    )  # fmt: skip
    evaluation_services.scorecard_finish_inspection(actor=world.inspector, scorecard=card)
    assert reminders.run("inspection-overdue", now=at(dt.date(2027, 9, 13))).sent == 0


# --- secondments ----------------------------------------------------------------------------


@pytest.fixture
def secondment(world, active):
    """A teacher of the helping school seconded to the assisted school for a fortnight
    ending in five days (recorded now: its record is older than its last day)."""
    teacher = teacher_services.teacher_create(actor=world.coord_helping, school=world.helping,
                                              name="陈红梅", subjects="数学")  # fmt: skip
    today = timezone.localdate()
    return activity_services.secondment_record(
        actor=world.coord_helping, pairing=active, kind="secondment", teacher=teacher,
        host_school=world.assisted, start=today - dt.timedelta(days=9),
        end=today + dt.timedelta(days=5), duties="挂职副校长",
    )  # fmt: skip


def test_a_secondment_ending_unconfirmed_asks_both_schools_coordinators_once(world, secondment):
    end = secondment.end
    assert reminders.run("secondment-unconfirmed", now=at(end - dt.timedelta(days=4))).sent == 0
    record = run_twice("secondment-unconfirmed", at(end - dt.timedelta(days=3)))
    # The home school's and the host school's coordinators; not the teachers or bureau.
    assert record.sent == 2 and told("secondment-unconfirmed") == ["coord_assisted",
                                                                     "coord_helping"]  # fmt: skip
    note = Notification.objects.filter(kind="secondment-unconfirmed").first()
    assert "陈红梅" in note.title and world.assisted.name in note.title
    assert note.url == secondment.get_absolute_url()
    assert reminders.run("secondment-unconfirmed", now=at(end + dt.timedelta(days=2))).sent == 0


def test_an_ended_secondment_is_asked_about_for_30_days_unless_confirmed_or_cancelled(
    world, secondment, monkeypatch
):
    end = secondment.end
    assert reminders.run("secondment-unconfirmed", now=at(end + dt.timedelta(days=31))).sent == 0
    # Saving its record after its last day confirms nothing.
    activity_services.secondment_update(actor=world.coord_helping, secondment=secondment,
                                        duties="挂职副校长，分管教学")  # fmt: skip
    assert reminders.run("secondment-unconfirmed", now=at(end + dt.timedelta(days=30))).sent == 2
    Notification.objects.all().delete()
    # The host school's coordinator confirms the days served, on the last day: asked no more.
    monkeypatch.setattr("twinning.calendar.today", lambda: end)
    activity_services.secondment_confirm_days(actor=world.coord_assisted, secondment=secondment,
                                              days=1)  # fmt: skip
    assert reminders.run("secondment-unconfirmed", now=at(end + dt.timedelta(days=1))).sent == 0


def test_a_cancelled_secondment_is_not_asked_about(world, secondment):
    end = secondment.end
    activity_services.secondment_cancel(actor=world.coord_helping, secondment=secondment,
                                        reason="未成行")  # fmt: skip
    assert reminders.run("secondment-unconfirmed", now=at(end + dt.timedelta(days=1))).sent == 0


def test_a_confirmation_cleared_by_a_date_change_is_unconfirmed_again(
    world, secondment, monkeypatch
):
    end = secondment.end
    monkeypatch.setattr("twinning.calendar.today", lambda: end)
    activity_services.secondment_confirm_days(actor=world.bureau, secondment=secondment, days=1)
    assert reminders.run("secondment-unconfirmed", now=at(end)).sent == 0
    # It ended a day early: the days are to be confirmed again.
    activity_services.secondment_update(actor=world.coord_helping, secondment=secondment,
                                        end=end - dt.timedelta(days=1))  # fmt: skip
    assert reminders.run("secondment-unconfirmed", now=at(end)).sent == 2


# --- inactive people ------------------------------------------------------------------------


def test_an_inactive_approver_is_not_reminded(world, proposed):
    world.bureau2.is_active = False
    world.bureau2.save()
    access.forget_scope(world.bureau2)
    reminders.run("proposal-waiting", now=proposed.proposed_at + dt.timedelta(days=4))
    assert told("proposal-waiting") == ["bureau"]


# --- two workers at once (PostgreSQL) -----------------------------------------------------
# Each reminder of the catalogue, due for one object, run by two workers at the same moment.
# Both pass the "told before?" check together (a barrier holds each run there until the
# other arrives), so the database's constraint is what keeps the second from sending.


def _activity(world, active, *, starts_on: dt.date):
    from activities.models import ActivityKind

    kind = ActivityKind.objects.get_or_create(
        code="lesson_delivery", defaults={"name_zh": "送教/示范课", "name_en": "Lesson delivery"}
    )[0]
    chen = teacher_services.teacher_create(
        actor=world.coord_helping, school=world.helping, name="陈红梅", subjects="语文",
        user=world.mentor,
    )  # fmt: skip
    start = at(starts_on, 14)
    activity, _clashes = activity_services.activity_schedule(
        actor=world.coord_helping, pairing=active, participants=[chen], kind=kind,
        title="送教下乡：三年级语文", host_school=world.assisted, starts_at=start,
        ends_at=start + dt.timedelta(hours=2), place="西山山村小学 多媒体教室",
    )  # fmt: skip
    return activity


def _mentorship(world, active):
    mentor = teacher_services.teacher_create(
        actor=None, school=world.helping, name="陈红梅", first_employed_year=2005, user=world.mentor
    )
    mentee = teacher_services.teacher_create(
        actor=None, school=world.assisted, name="赵小燕", first_employed_year=2024,
        user=world.mentee,
    )  # fmt: skip
    teacher_services.mentorship_create(actor=world.bureau, mentor=mentor, mentee=mentee,
                                       subject="语文", start=dt.date(2026, 9, 1))  # fmt: skip


def _escalated(world, proposed):
    RoleAssignment.objects.filter(user=world.bureau2, role=Role.BUREAU).update(head=True)
    return proposed.proposed_at + dt.timedelta(days=8)


def _inspection(world, card):
    submitted(world, card)
    return at(dt.date(2027, 9, 1))


# key → (the fixtures it needs, the moment it is due for them, who it reminds)
DUE = {
    "activity-tomorrow": (
        ["active"], lambda w, active: (_activity(w, active, starts_on=dt.date(2026, 11, 10)),
                                       at(dt.date(2026, 11, 9), 16))[1],
        ["coord_helping", "mentor"]),
    "activity-not-logged": (
        ["active"], lambda w, active: _activity(w, active, starts_on=dt.date(2026, 11, 10)).ends_at
        + dt.timedelta(days=3, hours=1),
        ["coord_assisted", "coord_helping"]),
    "mentorship-behind": (
        ["active"], lambda w, active: (_mentorship(w, active), at(dt.date(2026, 11, 20)))[1],
        ["mentee", "mentor"]),
    "proposal-waiting": (
        ["proposed"], lambda w, proposed: proposed.proposed_at + dt.timedelta(days=4),
        ["bureau", "bureau2"]),
    "proposal-escalated": (["proposed"], _escalated, ["bureau2"]),
    "milestone-overdue": (
        ["goal"], lambda w, goal: at(dt.date(2026, 11, 2)), ["coord_assisted", "coord_helping"]),
    "disbursement-waiting": (
        ["released"], lambda w, released: request_money(w, released.pairing).submitted_at
        + dt.timedelta(days=4),
        ["bureau", "bureau2"]),
    "tranche-due": (["allocation"], lambda w, allocation: at(dt.date(2026, 10, 2)),
                    ["bureau", "bureau2"]),
    "aid-notice-ending": (["notice"], lambda w, notice: at(dt.date(2026, 10, 8)),
                          ["aid_officer", "east_aid"]),
    "self-assessment-due": (["card"], lambda w, card: at(dt.date(2027, 8, 17)), ["coord_helping"]),
    "inspection-overdue": (["card"], _inspection, ["inspector"]),
    "secondment-unconfirmed": (
        ["secondment"], lambda w, secondment: at(secondment.end - dt.timedelta(days=3)),
        ["coord_assisted", "coord_helping"]),
}  # fmt: skip


def test_the_concurrency_table_holds_every_reminder_of_the_catalogue():
    assert set(DUE) == {r.key for r in reminders.every()}


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key", sorted(DUE))
def test_two_workers_running_a_reminder_at_once_send_it_once(
    key, world, request, settings, monkeypatch
):
    import threading

    from django.core import mail
    from django.db import connections

    from twinning.models import Delivery
    from twinning.notify import preferences

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    names, due, expected = DUE[key]
    now = due(world, *(request.getfixturevalue(name) for name in names))
    mail.outbox.clear()
    together = threading.Barrier(2, timeout=20)
    channels_for = preferences.channels_for

    def after_both_checked(*args, **kwargs):
        together.wait()  # both runs found nobody told, and write at once
        return channels_for(*args, **kwargs)

    monkeypatch.setattr(preferences, "channels_for", after_both_checked)
    runs, errors = [], []

    def worker():
        try:
            runs.append(reminders.run(key, now=now))
        except Exception as error:  # noqa: BLE001 – reported below, with the thread's error
            errors.append(error)
            together.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and len(runs) == 2

    kind = reminders.get(key).kind
    assert told(kind) == expected  # each once
    # The two runs' counts add up to what was sent: neither counts the other's.
    assert sum(run.sent for run in runs) == len(expected)
    emails = Delivery.objects.filter(channel="email", kind=kind)
    assert emails.count() == len(expected)
    titles = set(Notification.objects.filter(kind=kind).values_list("title", flat=True))
    assert len([m for m in mail.outbox if m.subject in titles]) == len(expected)
