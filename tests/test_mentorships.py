"""Mentorships and their records: who starts them, the eligibility rule, filing, review,
sign-off, and the live obligation arithmetic at period boundaries."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from teachers import compliance, services
from teachers.models import Mentorship, MentorshipRecord, MentorshipStatus
from teachers.rules import DEFAULTS, Rule
from teachers.selectors import mentorship_list_visible_to, record_list_visible_to
from twinning import calendar
from twinning.models import Role

from .factories import UserFactory, assign

TODAY = dt.date(2026, 11, 18)  # a Wednesday of term 1 of 2026–2027


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("twinning.calendar.today", lambda: TODAY)


@pytest.fixture
def people(world, active):
    mentor = services.teacher_create(
        actor=world.coord_helping, school=world.helping, name="陈红梅", subjects="语文",
        first_employed_year=2005, user=world.mentor,
    )  # fmt: skip
    mentee = services.teacher_create(
        actor=world.coord_assisted, school=world.assisted, name="赵小燕", subjects="语文",
        first_employed_year=2024, user=world.mentee,
    )  # fmt: skip
    return mentor, mentee


@pytest.fixture
def mentorship(world, people):
    mentor, mentee = people
    return services.mentorship_create(
        actor=world.coord_assisted, mentor=mentor, mentee=mentee, subject="语文",
        start=dt.date(2026, 9, 1), agreement_text="每周指导一次。",
    )  # fmt: skip


def observation(**extra):
    return {"kind": "observation", "date": TODAY, "lesson_subject": "语文",
            "lesson_class": "三(2)班", "lesson_topic": "秋天的雨", "observed": "partner",
            "content": "板书清晰", **extra}  # fmt: skip


# --- starting a mentorship ------------------------------------------------------------


def test_a_cross_school_mentorship_joins_the_pairing_and_runs_to_the_end_of_the_term(
    mentorship, active
):
    assert mentorship.pairing == active
    assert mentorship.end == dt.date(2027, 1, 31)  # term 1 ends in January
    assert (mentorship.school, mentorship.mentor_school) == (active.members.get(
        role="assisted").school, active.helping_school)  # fmt: skip
    assert mentorship.status == MentorshipStatus.ACTIVE


def test_a_mentorship_of_two_terms_ends_with_the_second(world, people):
    mentor, mentee = people
    two = services.mentorship_create(
        actor=world.bureau, mentor=mentor, mentee=mentee, subject="数学",
        start=dt.date(2026, 8, 20), terms=2,
    )  # fmt: skip
    assert two.end == dt.date(2027, 7, 31)


def test_a_region_with_its_own_term_dates_sets_the_end(world, people):
    from schools.services import term_dates_set

    term_dates_set(actor=world.bureau, region=world.city, school_year=2026, term=1,
                   start=dt.date(2026, 9, 1), end=dt.date(2027, 1, 22))  # fmt: skip
    mentor, mentee = people
    made = services.mentorship_create(
        actor=world.bureau, mentor=mentor, mentee=mentee, subject="数学", start=TODAY
    )
    assert made.end == dt.date(2027, 1, 22)  # the city's date holds for its county


def test_a_mentee_outside_the_mentors_school_and_pairing_is_refused(world, people):
    mentor, _mentee = people
    far = services.teacher_create(actor=None, school=world.far_school, name="远方老师")
    spare = services.teacher_create(actor=None, school=world.spare, name="东城老师")
    for stranger in (far, spare):
        with pytest.raises((ValidationError, PermissionDenied)) as raised:
            services.mentorship_create(
                actor=world.bureau, mentor=mentor, mentee=stranger, subject="语文", start=TODAY
            )
        if isinstance(raised.value, ValidationError):
            assert "mentee" in raised.value.message_dict
    assert not Mentorship.objects.exists()


def test_a_coordinator_of_neither_school_cannot_start_one(world, people):
    mentor, mentee = people
    spare_coordinator = world.outsider
    with pytest.raises(PermissionDenied):
        services.mentorship_create(
            actor=spare_coordinator, mentor=mentor, mentee=mentee, subject="语文", start=TODAY
        )


def test_the_eligibility_rule_warns_and_only_bureau_staff_make_an_exception(world, people):
    mentor, _mentee = people
    senior = services.teacher_create(
        actor=None, school=world.assisted, name="老教师", first_employed_year=2010
    )
    with pytest.raises(ValidationError) as raised:
        services.mentorship_create(
            actor=world.coord_assisted, mentor=mentor, mentee=senior, subject="语文", start=TODAY
        )
    assert "at most 3" in str(raised.value.message_dict["mentee"]) or "3" in str(raised.value)
    with pytest.raises(ValidationError) as raised:
        services.mentorship_create(
            actor=world.coord_assisted, mentor=mentor, mentee=senior, subject="语文",
            start=TODAY, eligibility_override="骨干培养",
        )  # fmt: skip
    assert "eligibility_override" in raised.value.message_dict
    assert not Mentorship.objects.exists()
    granted = services.mentorship_create(
        actor=world.bureau, mentor=mentor, mentee=senior, subject="语文", start=TODAY,
        eligibility_override="转岗教师，需重新带教",
    )  # fmt: skip
    assert granted.eligibility_override == "转岗教师，需重新带教"
    assert granted.eligibility_overridden_by == world.bureau


def test_both_accept_the_agreement_each_for_themselves(world, mentorship):
    services.mentorship_accept(actor=world.mentee, mentorship=mentorship)
    assert mentorship.mentee_accepted_at and not mentorship.agreement_accepted
    with pytest.raises(PermissionDenied):
        services.mentorship_accept(actor=world.coord_assisted, mentorship=mentorship)
    services.mentorship_accept(actor=world.mentor, mentorship=mentorship)
    assert mentorship.agreement_accepted
    services.mentorship_update(actor=world.coord_helping, mentorship=mentorship,
                               agreement_text="每周指导两次。")  # fmt: skip
    assert not mentorship.mentor_accepted_at and not mentorship.mentee_accepted_at


def test_ending_early_needs_a_reason(world, mentorship):
    with pytest.raises(ValidationError):
        services.mentorship_terminate(actor=world.bureau, mentorship=mentorship, reason=" ")
    services.mentorship_terminate(actor=world.bureau, mentorship=mentorship, reason="调离")
    assert mentorship.status == MentorshipStatus.TERMINATED
    with pytest.raises(ValidationError):
        services.record_file(actor=world.mentee, mentorship=mentorship, **observation())


# --- records ---------------------------------------------------------------------------


def test_the_mentee_files_the_mentor_comments_the_mentee_answers_the_mentor_signs_off(
    world, mentorship
):
    record = services.record_file(actor=world.mentee, mentorship=mentorship, **observation())
    assert (record.filed_by, record.school_id, record.region_id) == (
        "mentee", mentorship.school_id, mentorship.region_id)  # fmt: skip
    services.record_comment(actor=world.mentor, record=record, text="注意提问的层次。")
    services.record_comment(actor=world.mentee, record=record, text="好的，下次改进。")
    with pytest.raises(PermissionDenied):
        services.record_sign_off(actor=world.mentee, record=record)
    services.record_sign_off(actor=world.mentor, record=record)
    record.refresh_from_db()
    assert record.is_locked and record.signed_off_by == world.mentor
    with pytest.raises(ValidationError):
        services.record_update(actor=world.mentee, record=record, content="改")
    with pytest.raises(ValidationError):
        services.record_comment(actor=world.mentor, record=record, text="再说一句")
    record.refresh_from_db()
    assert record.content == "板书清晰" and record.comments.count() == 2


@pytest.mark.parametrize(
    "change, field",
    [
        ({"date": TODAY + dt.timedelta(days=1)}, "date"),
        ({"date": dt.date(2026, 8, 31)}, "date"),  # before the mentorship
        ({"lesson_topic": ""}, "lesson_topic"),
        ({"kind": "guidance", "observed": ""}, "kind"),  # the mentor's to file
        ({"checklist": {"goals": "是"}}, "checklist"),  # only a reflection has it
    ],
)
def test_a_bad_record_names_its_field_and_nothing_is_written(world, mentorship, change, field):
    with pytest.raises(ValidationError) as raised:
        services.record_file(actor=world.mentee, mentorship=mentorship,
                             **observation(**change))  # fmt: skip
    assert field in raised.value.message_dict
    assert not MentorshipRecord.objects.exists()


def test_a_reflection_keeps_the_answers_of_the_checklist(world, mentorship):
    record = services.record_file(
        actor=world.mentee, mentorship=mentorship, kind="reflection", date=TODAY,
        checklist={"goals": "基本符合", "best": "导入环节", "pace": " "},
    )  # fmt: skip
    assert record.checklist == {"goals": "基本符合", "best": "导入环节"}


def test_someone_else_cannot_file_in_a_mentorship(world, mentorship):
    with pytest.raises(PermissionDenied):
        services.record_file(actor=world.coord_assisted, mentorship=mentorship, **observation())


def test_files_are_checked_by_content_and_size(world, mentorship, settings):
    disguised = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200)
    with pytest.raises(ValidationError) as raised:
        services.record_file(actor=world.mentee, mentorship=mentorship,
                             attachments=[disguised], **observation())  # fmt: skip
    assert "attachments" in raised.value.message_dict
    settings.MAX_ATTACHMENT_BYTES = 100
    big = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 " + b"0" * 200)
    with pytest.raises(ValidationError):
        services.record_file(actor=world.mentee, mentorship=mentorship,
                             attachments=[big], **observation())  # fmt: skip
    settings.MAX_ATTACHMENT_BYTES = 10_000
    pdf = SimpleUploadedFile("教案.docx", b"%PDF-1.4 " + b"0" * 200)  # a PDF, whatever its name
    record = services.record_file(actor=world.mentee, mentorship=mentorship,
                                  attachments=[pdf], **observation())  # fmt: skip
    attachment = record.attachments.get()
    assert attachment.content_type == "application/pdf" and attachment.name == "教案.docx"
    assert attachment.file.name.endswith(".pdf") and "教案" not in attachment.file.name
    assert MentorshipRecord.objects.count() == 1


# --- who sees what ---------------------------------------------------------------------


def test_a_mentee_never_sees_another_mentees_records(world, mentorship, people):
    mentor, _mentee = people
    other_user = assign(UserFactory(username="other_mentee"), Role.TEACHER, school=world.assisted)
    other = services.teacher_create(actor=None, school=world.assisted, name="钱老师",
                                    first_employed_year=2025, user=other_user)  # fmt: skip
    theirs = services.mentorship_create(actor=world.bureau, mentor=mentor, mentee=other,
                                        subject="数学", start=TODAY)  # fmt: skip
    services.record_file(actor=other_user, mentorship=theirs, **observation())
    mine = services.record_file(actor=world.mentee, mentorship=mentorship, **observation())
    assert list(record_list_visible_to(world.mentee)) == [mine]
    assert list(mentorship_list_visible_to(world.mentee)) == [mentorship]
    assert set(mentorship_list_visible_to(world.mentor)) == {mentorship, theirs}
    assert not mentorship_list_visible_to(world.outsider).exists()
    assert set(mentorship_list_visible_to(world.inspector)) == {mentorship, theirs}


# --- obligation arithmetic -------------------------------------------------------------


def line(standing, kind, period, filer="mentee"):
    return next(
        ln for ln in standing.lines
        if ln.rule.kind == kind and ln.rule.period == period and ln.rule.filer == filer
    )  # fmt: skip


def test_a_weekly_obligation_is_on_track_midweek_behind_on_friday_and_met_when_filed(
    world, mentorship, monkeypatch
):
    standing = compliance.mentorship_standing(mentorship)
    design = line(standing, "lesson_design", "week")
    assert (design.start, design.end) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert (design.done, design.required, design.status) == (0, 1, "on_track")
    monkeypatch.setattr("twinning.calendar.today", lambda: dt.date(2026, 11, 20))
    assert line(compliance.mentorship_standing(mentorship), "lesson_design", "week").status == (
        "behind"
    )
    services.record_file(actor=world.mentee, mentorship=mentorship, kind="lesson_design",
                         date=dt.date(2026, 11, 19), content="《秋天的雨》教学设计")  # fmt: skip
    assert line(compliance.mentorship_standing(mentorship), "lesson_design", "week").status == (
        "met"
    )


def test_a_past_week_is_missed_or_met(world, mentorship):
    last_week = compliance.mentorship_standing(mentorship, on=dt.date(2026, 11, 11))
    assert line(last_week, "lesson_design", "week").status == "missed"
    assert line(last_week, "guidance", "week", filer="mentor").status == "missed"


def test_the_term_obligation_counts_from_term_start_to_term_end(world, mentorship, monkeypatch):
    monkeypatch.setattr("twinning.calendar.today", lambda: dt.date(2026, 9, 1))
    first_day = line(compliance.mentorship_standing(mentorship), "observation", "term")
    assert (first_day.start, first_day.end) == (dt.date(2026, 9, 1), dt.date(2027, 1, 31))
    assert (first_day.required, first_day.expected) == (15, 0)
    monkeypatch.setattr("twinning.calendar.today", lambda: dt.date(2027, 1, 31))
    last_day = line(compliance.mentorship_standing(mentorship), "observation", "term")
    assert last_day.expected == last_day.required == 15
    assert last_day.status == "behind"  # the term is not over until it has ended


def test_a_month_of_five_weeks_still_owes_four_observations(world, mentorship, monkeypatch):
    monkeypatch.setattr("twinning.calendar.today", lambda: dt.date(2026, 12, 31))
    standing = compliance.mentorship_standing(mentorship)
    mutual = next(ln for ln in standing.lines if ln.rule.period == "month")
    assert (mutual.start, mutual.end) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert mutual.required == 4 and mutual.expected == 4
    week = line(standing, "lesson_design", "week")
    assert (week.start, week.end, week.required) == (dt.date(2026, 12, 28), dt.date(2027, 1, 3), 1)


def test_a_mentorship_that_starts_mid_term_owes_its_share_of_the_term(world, people):
    mentor, mentee = people
    late = services.mentorship_create(actor=world.bureau, mentor=mentor, mentee=mentee,
                                      subject="数学", start=dt.date(2026, 11, 16))  # fmt: skip
    term_days = calendar.working_days(dt.date(2026, 9, 1), dt.date(2027, 1, 31))
    covered = calendar.working_days(dt.date(2026, 11, 16), dt.date(2027, 1, 31))
    owed = line(compliance.mentorship_standing(late), "observation", "term")
    assert owed.required == -(-15 * covered // term_days)  # rounded up
    assert 0 < owed.required < 15


def test_a_week_of_public_holidays_owes_nothing(world, people, monkeypatch):
    # 2026-02-16 to 22: the Spring Festival holiday, in term 2 of 2025–2026.
    monkeypatch.setattr("twinning.calendar.today", lambda: dt.date(2026, 2, 18))
    mentor, mentee = people
    spring = Mentorship.objects.create(
        mentor=mentor, mentee=mentee, subject="英语", start=dt.date(2026, 2, 1),
        end=dt.date(2026, 7, 31), school=mentee.school, region=mentee.region,
        mentor_school=mentor.school, mentor_region=mentor.region, created_by=world.bureau,
    )  # fmt: skip
    design = line(compliance.mentorship_standing(spring), "lesson_design", "week")
    assert (design.required, design.status) == (0, "not_due")


def test_a_week_the_mentees_region_closed_owes_nothing_there(world, mentorship):
    from schools import services as school_services

    # TODAY is Wednesday 18 November 2026; 西山县 (the mentee's) closes its schools all week.
    for n in range(5):
        school_services.day_override_set(
            actor=world.bureau, region=world.west, date=dt.date(2026, 11, 16 + n),
            is_working_day=False, note="暴雪停课",
        )  # fmt: skip
    design = line(compliance.mentorship_standing(mentorship), "lesson_design", "week")
    assert (design.required, design.status) == (0, "not_due")


def test_the_standing_of_many_mentorships_takes_a_constant_number_of_queries(
    world, people, django_assert_num_queries
):
    mentor, _mentee = people
    for n in range(200):
        teacher = services.teacher_create(actor=None, school=world.assisted, name=f"新{n}",
                                          first_employed_year=2025)  # fmt: skip
        services.mentorship_create(actor=world.bureau, mentor=mentor, mentee=teacher,
                                   subject="语文", start=dt.date(2026, 9, 1))  # fmt: skip
    # mentorships, the programme's obligations, term dates, record counts
    with django_assert_num_queries(4):
        found = compliance.standings(Mentorship.objects.all())
    assert len(found) == 200
    assert {s.status for s in found.values()} == {"behind"}


def test_a_programme_sets_its_own_obligations(world, mentorship):
    from teachers.models import Obligation

    Obligation.objects.create(
        programme=world.programme, kind="reading_note", filer="mentee", minimum=1,
        period="month", valid_from=dt.date(2026, 9, 1),
    )  # fmt: skip
    standing = compliance.mentorship_standing(mentorship)
    assert [ln.rule for ln in standing.lines] == [Rule("reading_note", "mentee", 1, "month")]
    assert len(DEFAULTS) == 10


# --- the weekly reminder -------------------------------------------------------------------


def test_the_weekly_reminder_reaches_each_late_person_once_even_run_twice(
    world, mentorship, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    from django.db import IntegrityError, transaction

    from twinning.models import Notification

    monkeypatch.setattr("twinning.calendar.today", lambda: dt.date(2026, 11, 20))  # Friday
    with django_capture_on_commit_callbacks(execute=True):
        assert services.mentorship_reminders_send() == 2
        assert services.mentorship_reminders_send() == 0
    reminders = Notification.objects.filter(kind="mentorship-behind", key="2026-W47")
    assert sorted(reminders.values_list("recipient__username", flat=True)) == ["mentee", "mentor"]
    assert len(mailoutbox) == 2
    body = reminders.get(recipient=world.mentee).body
    assert "教学设计" in body or "Lesson design" in body
    assert "指导" not in body and "Guidance" not in body  # the mentor's own obligation
    with pytest.raises(IntegrityError), transaction.atomic():  # the constraint itself
        Notification.objects.create(recipient=world.mentee, kind="mentorship-behind",
                                    key="2026-W47", title="again")  # fmt: skip
    # The next week is a new reminder.
    monkeypatch.setattr("twinning.calendar.today", lambda: dt.date(2026, 11, 27))
    services.mentorship_reminders_send()
    assert Notification.objects.filter(kind="mentorship-behind").count() == 4


def test_the_monday_reminder_names_last_weeks_missed_obligations(world, mentorship, monkeypatch):
    """The reminder runs on Mondays: a week's obligation has barely begun then (nothing is
    expected yet), so last week's missed ones are what it names, with their dates."""
    from twinning.models import Notification

    monkeypatch.setattr("twinning.calendar.today", lambda: dt.date(2026, 11, 23))  # Monday
    services.mentorship_reminders_send()
    mentor = Notification.objects.get(
        recipient=world.mentor, kind="mentorship-behind", key="2026-W48"
    )
    assert "指导" in mentor.body and "11-16 – 11-22" in mentor.body  # the weekly guidance
    mentee = Notification.objects.get(
        recipient=world.mentee, kind="mentorship-behind", key="2026-W48"
    )
    assert "教学设计" in mentee.body and "11-16 – 11-22" in mentee.body
    assert mentee.body.count("教学设计") == 1  # seen on seven days, said once


def test_nobody_on_track_is_reminded(world, mentorship, monkeypatch):
    from twinning.models import Notification

    monkeypatch.setattr("twinning.calendar.today", lambda: dt.date(2026, 9, 1))  # first day
    assert services.mentorship_reminders_send() == 0
    assert not Notification.objects.filter(kind="mentorship-behind").exists()


# --- found in a second reading ---------------------------------------------------------


def test_a_term_that_starts_in_late_august_contains_its_first_days(world, people):
    """A region may start term 1 in late August: a mentorship started then runs to the end
    of that term (it used to fail with a server error), and the term counts."""
    from schools.services import term_dates_set

    # Next school year's (a term under way keeps its first day: the days before are over).
    term_dates_set(actor=world.bureau, region=world.city, school_year=2027, term=1,
                   start=dt.date(2027, 8, 23), end=dt.date(2028, 1, 21))  # fmt: skip
    path = world.assisted.region.path
    term = calendar.term_containing(dt.date(2027, 8, 30), path)
    assert (term.school_year, term.number) == (2027, 1)
    assert calendar.term_at_or_after(dt.date(2027, 8, 30), path) == term
    mentor, mentee = people
    made = services.mentorship_create(
        actor=world.bureau, mentor=mentor, mentee=mentee, subject="数学",
        start=dt.date(2027, 8, 30),
    )  # fmt: skip
    assert made.end == dt.date(2028, 1, 21)


def test_a_second_active_mentorship_in_a_subject_is_refused_with_a_message(
    world, people, mentorship
):
    mentor, mentee = people
    with pytest.raises(ValidationError) as refused:
        services.mentorship_create(
            actor=world.coord_assisted, mentor=mentor, mentee=mentee, subject="语文",
            start=TODAY,
        )  # fmt: skip
    assert refused.value.messages == ["该徒弟在此学科已有进行中的师徒结对。"]
    other = services.mentorship_create(
        actor=world.coord_assisted, mentor=mentor, mentee=mentee, subject="数学", start=TODAY
    )
    with pytest.raises(ValidationError):
        services.mentorship_update(actor=world.coord_assisted, mentorship=other, subject="语文")
    assert Mentorship.objects.filter(mentee=mentee, subject="语文").count() == 1


def test_the_records_of_a_closed_mentorship_no_longer_change(world, people, mentorship):
    record = services.record_file(actor=world.mentee, mentorship=mentorship, **observation())
    services.mentorship_terminate(actor=world.bureau, mentorship=mentorship, reason="调离")
    record.refresh_from_db()
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    changes = (
        lambda: services.record_comment(actor=world.mentor, record=record, text="很好"),
        lambda: services.record_sign_off(actor=world.mentor, record=record),
        lambda: services.record_attachment_add(actor=world.mentee, record=record, files=[upload]),
    )
    for change in changes:
        with pytest.raises(ValidationError, match="closed|关闭|结束"):
            change()
    record.refresh_from_db()
    assert record.signed_off_at is None and not record.comments.exists()


def test_a_month_cut_short_by_the_term_owes_its_share(world, people, monkeypatch):
    """Term 2 starts on 22 February: February's four observations are owed in proportion
    to its working days in term, as for a mentorship that starts mid-month."""
    from schools.services import term_dates_set
    from teachers.models import Period

    term_dates_set(actor=world.bureau, region=world.city, school_year=2026, term=2,
                   start=dt.date(2027, 2, 22), end=dt.date(2027, 7, 9))  # fmt: skip
    mentor, mentee = people
    made = services.mentorship_create(
        actor=world.bureau, mentor=mentor, mentee=mentee, subject="数学",
        start=dt.date(2026, 9, 1), terms=2,
    )  # fmt: skip
    day = dt.date(2027, 2, 23)
    monkeypatch.setattr("twinning.calendar.today", lambda: day)
    path = world.assisted.region.path
    standing = compliance.standings(Mentorship.objects.filter(pk=made.pk), day)[made.pk]
    month = next(line for line in standing.lines if line.rule.period == Period.MONTH)
    in_term = calendar.working_days(dt.date(2027, 2, 22), dt.date(2027, 2, 28), path)
    whole = calendar.working_days(dt.date(2027, 2, 1), dt.date(2027, 2, 28), path)
    assert (month.start, month.end) == (dt.date(2027, 2, 22), dt.date(2027, 2, 28))
    assert month.required == -(-month.rule.minimum * in_term // whole) < month.rule.minimum


def test_a_mistyped_school_year_of_term_dates_is_refused_with_a_message(world):
    from schools.services import term_dates_set

    for year in (0, 20260):
        with pytest.raises(ValidationError) as refused:
            term_dates_set(actor=world.bureau, region=world.city, school_year=year, term=1,
                           start=dt.date(2026, 9, 1), end=dt.date(2027, 1, 22))  # fmt: skip
        assert "school_year" in refused.value.message_dict
