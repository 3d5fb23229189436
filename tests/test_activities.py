"""Exchange activities: who schedules them, the lifecycle rules, clashes, evidence checked
by content with thumbnails, and who sees what."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from activities import selectors, services
from activities.models import Activity, ActivityKind, ActivityStatus, Evidence, Reschedule
from schools import services as school_services
from teachers import services as teacher_services

from .factories import SchoolFactory


def at(day: str, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(day).replace(hour=hour))


def photo(name="现场.jpg", size=(800, 600)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def pdf(name="签到表.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 " + b"0" * 200)


@pytest.fixture
def kind(db):
    return ActivityKind.objects.get_or_create(
        code="lesson_delivery", defaults={"name_zh": "送教/示范课", "name_en": "Lesson delivery"}
    )[0]


@pytest.fixture
def teachers(world, active):
    chen = teacher_services.teacher_create(
        actor=world.coord_helping, school=world.helping, name="陈红梅", subjects="语文"
    )
    zhao = teacher_services.teacher_create(
        actor=world.coord_assisted, school=world.assisted, name="赵小燕", subjects="语文"
    )
    return chen, zhao


def plan(world, kind, **extra):
    return {
        "kind": kind, "title": "送教下乡：三年级语文", "host_school": world.assisted,
        "starts_at": at("2026-11-10"), "ends_at": at("2026-11-10", 16),
        "place": "西山山村小学 多媒体教室", **extra,
    }  # fmt: skip


@pytest.fixture
def activity(world, active, kind, teachers):
    activity, _clashes = services.activity_schedule(
        actor=world.coord_helping, pairing=active, participants=teachers, **plan(world, kind)
    )
    return activity


# --- scheduling ---------------------------------------------------------------------------


def test_either_coordinator_schedules_with_teachers_of_both_schools(world, activity, teachers):
    assert activity.status == ActivityStatus.PLANNED
    assert activity.region_id == world.west.pk  # the host school's region
    assert set(activity.participants.all()) == set(teachers)
    assert activity.organiser == world.coord_helping


@pytest.mark.parametrize("who", ["mentor", "inspector", "outsider"])
def test_others_cannot_schedule(world, active, kind, who):
    with pytest.raises(PermissionDenied):
        services.activity_schedule(actor=getattr(world, who), pairing=active, **plan(world, kind))
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"ends_at": at("2026-11-10", 8)}, "ends_at"),  # end before start
        ({"place": "", "online_link": ""}, "place"),
        ({"title": ""}, "title"),
        ({"online_link": "not a link", "place": ""}, "online_link"),
    ],
)
def test_bad_plans_name_their_field_and_change_nothing(world, active, kind, change, field):
    with pytest.raises(ValidationError) as raised:
        services.activity_schedule(actor=world.coord_helping, pairing=active,
                                   **plan(world, kind, **change))  # fmt: skip
    assert field in raised.value.message_dict
    assert not Activity.objects.exists()


def test_a_host_school_or_participant_outside_the_pairing_is_refused(world, active, kind):
    outsider_teacher = teacher_services.teacher_create(
        actor=world.bureau, school=world.spare, name="外校老师"
    )
    with pytest.raises(ValidationError) as raised:
        services.activity_schedule(
            actor=world.coord_helping, pairing=active, participants=[outsider_teacher],
            **plan(world, kind),
        )  # fmt: skip
    assert "外校老师" in str(raised.value.message_dict["participants"])
    with pytest.raises(ValidationError) as raised:
        services.activity_schedule(actor=world.coord_helping, pairing=active,
                                   **plan(world, kind, host_school=world.spare))  # fmt: skip
    assert "host_school" in raised.value.message_dict
    assert not Activity.objects.exists()


def test_a_draft_pairing_has_no_activities_yet(world, draft, kind):
    with pytest.raises(ValidationError):
        services.activity_schedule(actor=world.coord_helping, pairing=draft, **plan(world, kind))


def test_a_teacher_booked_twice_at_once_is_a_warning_not_an_error(world, activity, kind, teachers):
    second, clashes = services.activity_schedule(
        actor=world.coord_assisted, pairing=activity.pairing, participants=[teachers[1]],
        **plan(world, kind, title="集体备课", starts_at=at("2026-11-10", 14),
               ends_at=at("2026-11-10", 17)),
    )  # fmt: skip
    assert second.pk and [c.teacher for c in clashes] == [teachers[1]]
    assert "赵小燕" in clashes[0].message and activity.title in clashes[0].message
    # Back to back is no clash; a cancelled activity books nobody.
    services.activity_cancel(actor=world.coord_helping, activity=activity, reason="下雪")
    _third, clashes = services.activity_schedule(
        actor=world.coord_assisted, pairing=activity.pairing, participants=[teachers[1]],
        **plan(world, kind, starts_at=at("2026-11-10", 17), ends_at=at("2026-11-10", 18)),
    )  # fmt: skip
    assert clashes == []


# --- the lifecycle ------------------------------------------------------------------------


def test_completing_needs_a_summary_and_evidence(world, activity):
    with pytest.raises(ValidationError) as raised:
        services.activity_complete(actor=world.coord_assisted, activity=activity, summary="")
    assert set(raised.value.message_dict) == {"summary", "evidence"}
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PLANNED
    services.activity_complete(
        actor=world.coord_assisted, activity=activity, summary="两节示范课，二十位老师听课。",
        files=[photo(), pdf()], student_count=45,
    )  # fmt: skip
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.COMPLETED and activity.student_count == 45
    assert activity.closed_by == world.coord_assisted
    assert activity.evidence.count() == 2


def test_an_activity_in_the_future_cannot_be_logged_yet(world, active, kind):
    activity, _ = services.activity_schedule(
        actor=world.coord_helping, pairing=active,
        **plan(world, kind, starts_at=timezone.now() + dt.timedelta(days=3),
               ends_at=timezone.now() + dt.timedelta(days=3, hours=2)),
    )  # fmt: skip
    with pytest.raises(ValidationError):
        services.activity_complete(
            actor=world.coord_helping, activity=activity, summary="好", files=[pdf()]
        )
    assert not Evidence.objects.exists()


def test_cancelling_needs_a_reason_and_ends_the_lifecycle(world, activity):
    with pytest.raises(ValidationError) as raised:
        services.activity_cancel(actor=world.coord_helping, activity=activity, reason="  ")
    assert "reason" in raised.value.message_dict
    services.activity_cancel(actor=world.coord_helping, activity=activity, reason="暴雪停课")
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED and activity.cancel_reason == "暴雪停课"
    for attempt in (
        lambda: services.activity_complete(
            actor=world.coord_helping, activity=activity, summary="x", files=[pdf()]
        ),
        lambda: services.activity_postpone(
            actor=world.coord_helping,
            activity=activity,
            starts_at=at("2026-12-01"),
            ends_at=at("2026-12-01", 12),
        ),
        lambda: services.activity_update(actor=world.coord_helping, activity=activity, title="y"),
    ):
        with pytest.raises(ValidationError):
            attempt()
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED and activity.title != "y"


def test_postponing_keeps_the_earlier_dates(world, activity):
    services.activity_postpone(
        actor=world.coord_assisted, activity=activity, starts_at=at("2026-11-24"),
        ends_at=at("2026-11-24", 16), reason="期中考试",
    )  # fmt: skip
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.POSTPONED
    assert activity.starts_at == at("2026-11-24")
    earlier = Reschedule.objects.get(activity=activity)
    assert earlier.previous_starts_at == at("2026-11-10") and earlier.reason == "期中考试"
    # A postponed activity is still held and logged in the end.
    services.activity_complete(
        actor=world.coord_assisted, activity=activity, summary="按期举行", files=[pdf()]
    )
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.COMPLETED


def test_postponing_to_bad_dates_changes_nothing(world, activity):
    with pytest.raises(ValidationError):
        services.activity_postpone(
            actor=world.coord_assisted, activity=activity, starts_at=at("2026-11-24", 16),
            ends_at=at("2026-11-24", 9),
        )  # fmt: skip
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PLANNED and not Reschedule.objects.exists()


# --- evidence -----------------------------------------------------------------------------


def test_a_photo_gets_a_thumbnail_and_a_pdf_none(world, activity):
    big, sheet = services.evidence_add(
        actor=world.coord_helping, activity=activity, files=[photo(size=(2000, 1500)), pdf()]
    )
    with Image.open(big.thumbnail) as thumbnail:
        assert max(thumbnail.size) <= 320 and thumbnail.format == "JPEG"
    assert not sheet.thumbnail
    assert big.school_id == world.assisted.pk and big.region_id == world.west.pk
    assert "现场" not in big.file.name  # stored under a random name


def test_an_executable_renamed_jpg_and_an_oversized_file_are_refused(world, activity, settings):
    disguised = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200)
    with pytest.raises(ValidationError) as raised:
        services.evidence_add(actor=world.coord_helping, activity=activity, files=[disguised])
    assert "evidence" in raised.value.message_dict
    settings.MAX_ATTACHMENT_BYTES = 100
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        services.evidence_add(actor=world.coord_helping, activity=activity, files=[pdf()])
    assert "the largest allowed is 100" in str(raised.value)
    assert not Evidence.objects.exists()


def test_a_completed_activity_keeps_its_last_file(world, activity):
    services.activity_complete(
        actor=world.coord_helping, activity=activity, summary="好", files=[pdf()]
    )
    only = Evidence.objects.get()
    with pytest.raises(ValidationError):
        services.evidence_remove(actor=world.coord_helping, evidence=only)
    services.evidence_add(actor=world.coord_helping, activity=activity, files=[photo()])
    services.evidence_remove(actor=world.coord_helping, evidence=only)
    assert Evidence.objects.count() == 1


# --- who sees what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, sees",
    [("bureau", True), ("inspector", True), ("coord_helping", True), ("coord_assisted", True),
     ("mentor", True), ("mentee", True), ("outsider", False)],
)  # fmt: skip
def test_activities_are_seen_by_whoever_reads_the_pairing(world, activity, who, sees):
    assert selectors.activity_list_visible_to(getattr(world, who)).exists() is sees


def test_a_coordinator_of_another_pairing_sees_none_of_it(world, activity):
    other = SchoolFactory(name="东城第三小学", code="3451000009", region=world.east)
    from twinning.models import Role

    from .factories import UserFactory, assign

    coordinator = assign(UserFactory(username="coord_other"), Role.COORDINATOR, school=other)
    school_services.pairing_create(
        actor=coordinator, programme=world.programme, helping_school=other,
        assisted_schools=[world.spare],
    )  # fmt: skip
    assert not selectors.activity_list_visible_to(coordinator).exists()


# --- reminders and the teacher's home -----------------------------------------------------


def test_the_day_before_the_organiser_and_participants_are_reminded_once(
    world, active, kind, teachers
):
    from twinning.models import Notification
    from twinning.notify.reminders import run

    chen, zhao = teachers
    chen.user = world.mentor
    chen.save()
    tomorrow = timezone.localtime().date() + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(14)))
    activity, _ = services.activity_schedule(
        actor=world.coord_assisted, pairing=active, participants=[chen, zhao],
        **plan(world, kind, starts_at=start, ends_at=start + dt.timedelta(hours=2)),
    )  # fmt: skip
    run("activity-tomorrow")
    run("activity-tomorrow")  # a second beat sends nothing more
    mine = f"activity:{activity.pk}:"
    notes = Notification.objects.filter(kind="activity-tomorrow", key__startswith=mine)
    # The organiser and the one participant with an account (赵小燕 has none).
    assert sorted(n.recipient.username for n in notes) == ["coord_assisted", "mentor"]
    assert all("14:00" in n.title for n in notes)
    # Postponed to another day, it is announced again for that day.
    services.activity_postpone(
        actor=world.coord_assisted, activity=activity, starts_at=start + dt.timedelta(days=7),
        ends_at=start + dt.timedelta(days=7, hours=2),
    )  # fmt: skip
    later = timezone.now() + dt.timedelta(days=7)
    run("activity-tomorrow", now=later)
    assert Notification.objects.filter(kind="activity-tomorrow").count() == 4


def test_an_unlogged_activity_reminds_the_coordinators_three_days_after_its_end(world, activity):
    from twinning.models import Notification
    from twinning.notify.reminders import run

    end = activity.ends_at
    run("activity-not-logged", now=end + dt.timedelta(days=2))
    notes = Notification.objects.filter(kind="activity-not-logged", key=f"activity:{activity.pk}")
    assert not notes.exists()
    assert run("activity-not-logged", now=end + dt.timedelta(days=3, hours=1)).sent == 2
    assert run("activity-not-logged", now=end + dt.timedelta(days=4)).sent == 0
    assert sorted(n.recipient.username for n in notes) == ["coord_assisted", "coord_helping"]
    # Once logged, nobody is reminded of it again.
    services.activity_cancel(actor=world.coord_helping, activity=activity, reason="未举行")
    Notification.objects.all().delete()
    run("activity-not-logged", now=end + dt.timedelta(days=5))
    assert not Notification.objects.exists()


def test_the_reminder_task_runs_the_same_and_records_its_run(world, activity):
    from twinning.models import ReminderRun
    from twinning.tasks import run_reminder

    assert run_reminder.delay("activity-not-logged").get() == 2  # both coordinators
    last = ReminderRun.objects.get(reminder="activity-not-logged")
    assert last.sent == 2 and last.finished_at is not None and not last.error


def test_a_teachers_home_shows_their_coming_activities_and_secondment(
    client, world, active, kind, teachers
):
    chen, _zhao = teachers
    chen.user = world.mentor
    chen.save()
    soon = timezone.now() + dt.timedelta(days=3)
    services.activity_schedule(
        actor=world.coord_helping, pairing=active, participants=[chen],
        **plan(world, kind, title="同课异构：秋天的雨", starts_at=soon,
               ends_at=soon + dt.timedelta(hours=2)),
    )  # fmt: skip
    today = timezone.localdate()
    services.secondment_record(
        actor=world.coord_helping, pairing=active, kind="teaching_placement", teacher=chen,
        host_school=world.assisted, start=today - dt.timedelta(days=10),
        end=today + dt.timedelta(days=30), duties="支教",
    )  # fmt: skip
    client.force_login(world.mentor)
    page = client.get("/").content.decode()
    assert "同课异构：秋天的雨" in page and "西山山村小学" in page


def test_a_county_bureau_sees_the_activities_its_school_hosts_and_the_partner_hosts(
    world, activity
):
    from twinning.models import Role

    from .factories import UserFactory, assign

    # The activity is hosted by 西山县's school; 东城县's bureau reads it through the
    # pairing's helping school, 西山县's through the host, a far county's not at all.
    east = assign(UserFactory(username="east_bureau"), Role.BUREAU, region=world.east)
    west = assign(UserFactory(username="west_bureau"), Role.BUREAU, region=world.west)
    far = assign(UserFactory(username="far_bureau"), Role.BUREAU, region=world.far_county)
    assert list(selectors.activity_list_visible_to(east)) == [activity]
    assert list(selectors.activity_list_visible_to(west)) == [activity]
    assert not selectors.activity_list_visible_to(far).exists()
    secondment = services.secondment_record(
        actor=world.coord_helping, pairing=activity.pairing, kind="secondment",
        teacher=activity.participants.get(school=world.assisted), host_school=world.helping,
        start=dt.date(2026, 9, 1), end=dt.date(2026, 9, 30), duties="挂职",
    )  # fmt: skip
    # A secondment from 西山县 to 东城县: each county's bureau reads it.
    assert list(selectors.secondment_list_visible_to(east)) == [secondment]
    assert list(selectors.secondment_list_visible_to(west)) == [secondment]
    assert not selectors.secondment_list_visible_to(far).exists()


# --- found in a review ------------------------------------------------------------------


def test_the_plans_of_a_terminated_pairing_no_longer_move(world, active, activity):
    school_services.pairing_terminate(actor=world.bureau, pairing=active, reason="撤并")
    activity.refresh_from_db()
    with pytest.raises(ValidationError, match="不再是已批准或进行中"):
        services.activity_postpone(
            actor=world.coord_helping, activity=activity, starts_at=at("2027-03-01"),
            ends_at=at("2027-03-01", 11),
        )  # fmt: skip
    with pytest.raises(ValidationError, match="不再是已批准或进行中"):
        services.activity_update(actor=world.coord_helping, activity=activity, title="改期")
    activity.refresh_from_db()
    assert activity.title != "改期" and not Reschedule.objects.exists()
    # What happened can still be logged (or the activity cancelled).
    services.activity_cancel(actor=world.coord_helping, activity=activity, reason="未举行")


def test_a_secondment_of_a_concluded_pairing_may_end_earlier_but_not_later(world, active):
    teacher = teacher_services.teacher_create(
        actor=world.coord_helping, school=world.helping, name="陈红梅", subjects="数学"
    )
    secondment = services.secondment_record(
        actor=world.coord_helping, pairing=active, kind="secondment", teacher=teacher,
        host_school=world.assisted, start=dt.date(2026, 9, 28), end=dt.date(2026, 12, 31),
        duties="挂职",
    )  # fmt: skip
    school_services.pairing_conclude(actor=world.bureau, pairing=active)
    with pytest.raises(ValidationError, match="只能提前结束"):
        services.secondment_update(actor=world.coord_helping, secondment=secondment,
                                   end=dt.date(2027, 6, 30))  # fmt: skip
    shortened = services.secondment_update(
        actor=world.coord_helping, secondment=secondment, end=dt.date(2026, 11, 30)
    )
    assert shortened.end == dt.date(2026, 11, 30)
