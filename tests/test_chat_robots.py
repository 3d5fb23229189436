"""Work-chat group robots (twinning/notify/chat.py), against fake 企业微信 and 钉钉 servers
on 127.0.0.1 (tests/chat_servers.py): what the people who register a robot, the group
that reads it and the robot's owners notice."""

import datetime as dt
import logging
import smtplib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.chat_servers import dingtalk, wecom  # noqa: F401 – the fixtures
from twinning import tasks
from twinning.models import ChatRobot, Delivery, Notification, Role
from twinning.notify import chat
from twinning.notify.services import notify, preference_set

from .factories import UserFactory, assign

SITE = "https://jd.example.cn"
LINK = "/activities/7/"
WECOM_BASE = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
DINGTALK_BASE = "https://oapi.dingtalk.com/robot/send"


@pytest.fixture(autouse=True)
def _chat_settings(settings):
    settings.SITE_URL = SITE
    settings.CHAT_RETRY_SECONDS = 30
    settings.ROBOT_PAUSE_AFTER_FAILURES = 3
    settings.EMAIL_MAX_ATTEMPTS = 3


@pytest.fixture
def clock(monkeypatch):
    """The application's clock, stopped; ``clock.advance(seconds=…)`` moves it."""

    class Clock:
        now = timezone.now()

        def advance(self, **delta):
            self.now += dt.timedelta(**delta)

    stopped = Clock()
    monkeypatch.setattr("django.utils.timezone.now", lambda: stopped.now)
    return stopped


@pytest.fixture
def tell(django_capture_on_commit_callbacks):
    """Notify people of an event and commit: the tasks of the commit run (eagerly)."""

    def tell(people, *, kind="activity-tomorrow", key="activity:7:2026-11-20",
             title="明天有交流活动：语文同课异构", body="地点：西山山村小学 三楼会议室",
             url=LINK):  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            return notify(kind=kind, key=key, recipients=people,
                          message=lambda user: (title, body), url=url)  # fmt: skip

    return tell


def choose_chat(*people, kind="activity-tomorrow", email=False):
    for person in people:
        channels = ["in_app", "chat"] + (["email"] if email else [])
        preference_set(actor=person, kind=kind, channels=channels)


def allow_mention(person, phone):
    person.phone, person.chat_mention = phone, True
    person.save(update_fields=["phone", "chat_mention"])


def delivery_of(robot) -> Delivery:
    return Delivery.objects.get(robot=robot, kind="activity-tomorrow")


# --- registering ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "address"),
    [
        ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7b1c"),
        ("wecom", "https://qyapi.weixin.qq.com.example.cn/cgi-bin/webhook/send?key=693a91f6"),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/list?key=693a91f6"),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a%20b%26c"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?key=0f3a9c"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token="),
        ("dingtalk", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?access_token=0f3a9c"),
    ],
)
def test_an_address_that_is_not_the_platforms_webhook_is_refused_and_nothing_saved(
    world, settings, platform, address
):
    settings.WECOM_WEBHOOK_URL, settings.DINGTALK_WEBHOOK_URL = WECOM_BASE, DINGTALK_BASE
    with pytest.raises(ValidationError) as refused:
        chat.robot_register(actor=world.coord_helping, name="教研组群", platform=platform,
                            webhook=address, secret="SEC" + "9" * 60,
                            school=world.helping)  # fmt: skip
    assert list(refused.value.message_dict) == ["webhook"]
    assert not ChatRobot.objects.exists()


def test_the_platforms_own_addresses_are_accepted(world, settings):
    settings.WECOM_WEBHOOK_URL, settings.DINGTALK_WEBHOOK_URL = WECOM_BASE, DINGTALK_BASE
    wecom_robot = chat.robot_register(
        actor=world.coord_helping, name=" 教研组群 ", platform="wecom",
        webhook=f"{WECOM_BASE}?key=693a91f6-7b1c-4bc4-97a0-0123456789ab", secret="ignored",
        school=world.helping,
    )  # fmt: skip
    dingtalk_robot = chat.robot_register(
        actor=world.bureau, name="市教育局结对群", platform="dingtalk",
        webhook=f"{DINGTALK_BASE}?access_token={'ab12' * 16}", secret=" SEC" + "c" * 60 + " ",
        region=world.city,
    )  # fmt: skip
    assert (wecom_robot.name, wecom_robot.token, wecom_robot.secret) == (
        "教研组群",
        "693a91f6-7b1c-4bc4-97a0-0123456789ab",
        "",
    )
    assert (dingtalk_robot.token, dingtalk_robot.secret) == ("ab12" * 16, "SEC" + "c" * 60)
    assert wecom_robot.created_by == world.coord_helping


@pytest.mark.parametrize("secret", ["", "   ", "c" * 64, "SEC123", "sec" + "c" * 60])
def test_dingtalk_without_its_signing_secret_is_refused_at_secret(world, dingtalk, secret):
    with pytest.raises(ValidationError) as refused:
        chat.robot_register(actor=world.bureau, name="市教育局结对群", platform="dingtalk",
                            webhook=dingtalk.webhook(), secret=secret,
                            region=world.city)  # fmt: skip
    assert list(refused.value.message_dict) == ["secret"]
    assert not ChatRobot.objects.exists()


def test_a_coordinator_registers_robots_for_their_own_school_only(world, wecom):
    with pytest.raises(PermissionDenied):
        wecom.robot(actor=world.coord_helping, school=world.assisted)
    with pytest.raises(PermissionDenied):
        wecom.robot(actor=world.mentor, school=world.helping)  # a teacher of the school
    with pytest.raises(PermissionDenied):
        wecom.robot(actor=world.coord_helping, region=world.east)
    assert not ChatRobot.objects.exists()

    robot = wecom.robot(actor=world.coord_helping, school=world.helping)
    assert (robot.school, robot.region) == (world.helping, None)


def test_bureau_staff_register_robots_for_the_regions_in_their_scope_only(world, dingtalk):
    for actor, region in [(world.bureau, world.far_city), (world.bureau, world.far_county),
                          (world.inspector, world.city), (world.outsider, world.city)]:  # fmt: skip
        with pytest.raises(PermissionDenied):
            dingtalk.robot(actor=actor, region=region)
    assert not ChatRobot.objects.exists()

    assert dingtalk.robot(actor=world.bureau, region=world.city).region == world.city
    assert dingtalk.robot(actor=world.bureau, region=world.east).region == world.east


def test_a_robot_belongs_to_one_region_or_one_school(world, wecom):
    with pytest.raises(ValidationError):
        wecom.robot(actor=world.bureau, region=world.city, school=world.helping)
    with pytest.raises(ValidationError):
        wecom.robot(actor=world.bureau)
    assert not ChatRobot.objects.exists()


# --- the test message -----------------------------------------------------------------------


def test_the_test_message_reaches_the_wecom_group(world, wecom):
    robot = wecom.robot(actor=world.coord_helping, school=world.helping, name="实验小学教研群")

    answer = chat.robot_test(actor=world.coord_helping, robot=robot)

    assert answer.ok
    (request,) = wecom.requests
    assert request.query == {"key": robot.token}
    assert request.body["msgtype"] == "text"
    assert set(request.body["text"]) == {"content", "mentioned_mobile_list"}
    assert "张联络" in request.text  # who connected it
    assert request.text.endswith(f"\n{SITE}{reverse('robot_detail', args=[robot.pk])}")
    delivery = robot.deliveries.get()
    assert (delivery.kind, delivery.status, delivery.attempts) == ("test", "sent", 1)
    assert delivery.text == request.text


def test_the_test_message_reaches_the_dingtalk_group_signed(world, dingtalk):
    robot = dingtalk.robot(actor=world.bureau, region=world.city)

    assert chat.robot_test(actor=world.bureau, robot=robot).ok

    (request,) = dingtalk.messages()  # the server checked the signature
    assert set(request.query) == {"access_token", "timestamp", "sign"}
    assert request.body["at"] == {"atMobiles": [], "isAtAll": False}
    assert "王局" in request.text


def test_only_the_robots_managers_send_a_test_message(world, wecom):
    robot = wecom.robot(actor=world.coord_helping, school=world.helping)
    for actor in (world.coord_assisted, world.mentor, world.outsider):
        with pytest.raises(PermissionDenied):
            chat.robot_test(actor=actor, robot=robot)
    assert wecom.requests == [] and not robot.deliveries.exists()


def test_a_wrong_dingtalk_secret_is_refused_by_the_platform_and_no_secret_leaks(
    world, dingtalk, caplog
):
    caplog.set_level(logging.DEBUG)
    token, right = dingtalk.new_token(), dingtalk.new_secret()
    wrong = dingtalk.new_secret()
    robot = chat.robot_register(
        actor=world.bureau, name="市教育局结对群", platform="dingtalk",
        webhook=dingtalk.webhook(token, secret=right), secret=wrong, region=world.city,
    )  # fmt: skip

    answer = chat.robot_test(actor=world.bureau, robot=robot)

    assert not answer.ok
    assert "310000" in answer.text and "sign not match" in answer.text
    assert dingtalk.messages() == [] and len(dingtalk.requests) == 1
    delivery = robot.deliveries.get()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "310000" in delivery.answer
    shown = [answer.text, delivery.answer, caplog.text, str(robot), robot.token_hint,
             str(delivery)]  # fmt: skip
    for secret in (token, wrong, right):
        assert not any(secret in text for text in shown)
    assert robot.token_hint == f"…{token[-4:]}"


def test_an_error_page_echoing_the_address_is_logged_without_the_token(world, dingtalk, caplog):
    caplog.set_level(logging.DEBUG)
    robot = dingtalk.robot(actor=world.bureau, region=world.city)
    dingtalk.fail(status=502)  # a gateway's page, with the address in it

    answer = chat.robot_test(actor=world.bureau, robot=robot)

    assert not answer.ok and answer.text.startswith("HTTP 502")
    assert robot.token in str(dingtalk.requests[0].answer)  # it did echo it
    for text in (answer.text, robot.deliveries.get().answer, caplog.text):
        assert robot.token not in text and robot.secret not in text


# --- what a group receives ------------------------------------------------------------------


@pytest.fixture
def groups(world, wecom, dingtalk):
    """The helping and the assisted school's 企业微信 groups, the city's 钉钉 group."""
    return (
        wecom.robot(actor=world.coord_helping, school=world.helping, name="实验小学群"),
        wecom.robot(actor=world.coord_assisted, school=world.assisted, name="山村小学群"),
        dingtalk.robot(actor=world.bureau, region=world.city, name="市教育局结对群"),
    )


def test_a_notification_reaches_the_schools_group_once_with_the_link_and_allowed_mentions(
    world, wecom, dingtalk, groups, tell
):
    helping, assisted, city = groups
    choose_chat(world.coord_helping, world.mentor)
    allow_mention(world.coord_helping, "13800138000")
    world.mentor.phone = "13900139000"  # a phone, but no leave to be named by it
    world.mentor.save(update_fields=["phone"])

    told = tell([world.coord_helping, world.mentor])

    # Each keeps the notification in the app; their school's group hears of it once.
    assert {n.recipient for n in told} == {world.coord_helping, world.mentor}
    assert all(n.in_app for n in told)
    (message,) = wecom.messages()
    assert message.token == helping.token
    assert "明天有交流活动：语文同课异构" in message.text
    assert "地点：西山山村小学 三楼会议室" in message.text
    assert message.text.endswith(f"\n{SITE}{LINK}")
    assert message.body["text"]["mentioned_mobile_list"] == ["13800138000"]
    assert "13900139000" not in str(message.body)
    assert dingtalk.requests == []  # the city's group is not theirs
    assert delivery_of(helping).status == "sent"
    assert not assisted.deliveries.exists() and not city.deliveries.exists()


def test_bureau_staff_are_told_in_their_regions_dingtalk_group_with_mentions(
    world, wecom, dingtalk, groups, tell
):
    choose_chat(world.bureau, world.bureau2, kind="pairing-proposed")
    allow_mention(world.bureau, "13700137000")
    allow_mention(world.bureau2, "13600136000")

    tell([world.bureau, world.bureau2], kind="pairing-proposed", key="pairing:3:proposed",
         title="结对方案待审批", body="江城实验小学 — 西山山村小学",
         url="/pairings/3/")  # fmt: skip

    (message,) = dingtalk.messages()  # signed as 钉钉 wants it
    assert message.body["at"] == {"atMobiles": ["13600136000", "13700137000"], "isAtAll": False}
    assert "@13600136000" in message.text and "@13700137000" in message.text
    assert f"{SITE}/pairings/3/" in message.text
    assert wecom.requests == []


def test_a_person_who_did_not_choose_the_chat_is_not_told_in_the_group(
    world, wecom, groups, tell, mailoutbox
):
    allow_mention(world.coord_assisted, "13500135000")

    tell([world.coord_assisted])  # the default: in the app and by email

    assert wecom.requests == []
    assert Notification.objects.filter(recipient=world.coord_assisted).exists()
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("server", ["wecom", "dingtalk"])
def test_a_long_message_is_cut_to_2048_bytes_and_keeps_its_link(
    world, request, server, tell, settings
):
    platform = request.getfixturevalue(server)
    platform.robot(actor=world.coord_helping, school=world.helping)
    people = [world.coord_helping, world.mentor]
    choose_chat(*people)
    allow_mention(world.coord_helping, "13800138000")
    allow_mention(world.mentor, "13900139000")

    tell(people, body="同课异构，集体备课。" * 400)  # 12,000 bytes

    (message,) = platform.messages()
    assert platform.oversized == []
    assert len(message.text.encode()) <= settings.CHAT_MESSAGE_BYTES
    assert "…" in message.text
    assert message.text.startswith("【") and "明天有交流活动" in message.text
    assert f"{SITE}{LINK}" in message.text
    if server == "dingtalk":
        assert message.text.endswith("@13800138000 @13900139000")


def test_the_same_event_told_twice_reaches_the_group_once(world, wecom, groups, tell):
    helping = groups[0]
    choose_chat(world.coord_helping, world.mentor)

    tell([world.coord_helping])
    tell([world.coord_helping])  # the task ran twice
    tell([world.mentor])  # the same event, told to another member of the group later

    assert len(wecom.messages()) == 1
    assert helping.deliveries.count() == 1
    assert Notification.objects.filter(kind="activity-tomorrow").count() == 2


# --- the platforms' limit: 20 messages a minute ---------------------------------------------


def test_twenty_five_events_at_once_fold_the_overflow_into_one_summary(
    world, wecom, django_capture_on_commit_callbacks
):
    robot = wecom.robot(actor=world.coord_helping, school=world.helping)
    choose_chat(world.coord_helping)

    with django_capture_on_commit_callbacks(execute=True):  # one commit, 25 events
        for n in range(1, 26):
            notify(kind="activity-tomorrow", key=f"activity:{n}:2026-11-20",
                   recipients=[world.coord_helping], url=f"/activities/{n}/",
                   message=lambda user, n=n: (f"交流活动 {n:02d}", ""))  # fmt: skip

    assert wecom.limited == []
    assert len(wecom.requests) == 20 == len(wecom.messages())
    texts = [m.text for m in wecom.messages()]
    assert all(f"交流活动 {n:02d}" in texts[n - 1] for n in range(1, 20))
    summary = texts[-1]
    assert all(f"交流活动 {n:02d}" in summary for n in range(20, 26))  # the folded six
    assert "6" in summary and f"{SITE}/" in summary
    assert "交流活动 19" not in summary

    # Nothing dropped: each event was sent, or folded into a summary that was sent.
    events = robot.deliveries.filter(kind="activity-tomorrow")
    assert events.count() == 25
    assert events.filter(status="sent").count() == 19
    folded = events.filter(status="folded")
    assert {d.folded_into.status for d in folded} == {"sent"} and folded.count() == 6
    assert not robot.deliveries.filter(status="queued").exists()
    assert tasks.flush_due_robots.delay().get() == 0  # the sweep finds nothing left


def test_an_event_beyond_the_minutes_twenty_waits_for_the_next_minute(world, wecom, tell, clock):
    robot = wecom.robot(actor=world.coord_helping, school=world.helping)
    choose_chat(world.coord_helping)
    for n in range(1, 22):  # one by one, each committed and flushed at once
        tell([world.coord_helping], key=f"activity:{n}:2026-11-20", title=f"交流活动 {n:02d}")

    assert len(wecom.requests) == 20 and wecom.limited == []
    late = robot.deliveries.get(key="activity:21:2026-11-20")
    assert late.status == "queued" and late.attempts == 0
    assert chat.flush(robot.pk).again_at == clock.now + dt.timedelta(minutes=1)

    clock.advance(seconds=61)
    wecom.advance(61)
    assert tasks.flush_due_robots.delay().get() == 1

    assert wecom.limited == []
    assert "交流活动 21" in wecom.messages()[-1].text
    late.refresh_from_db()
    assert late.status == "sent"


# --- failures: retries, pausing ------------------------------------------------------------


def test_a_failing_server_keeps_the_message_queued_and_retries_with_doubling_backoff(
    world, wecom, tell, clock, settings, caplog
):
    settings.ROBOT_PAUSE_AFTER_FAILURES = 5
    robot = wecom.robot(actor=world.coord_helping, school=world.helping)
    choose_chat(world.coord_helping)
    wecom.fail(status=500)

    tell([world.coord_helping])

    delivery = delivery_of(robot)
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert delivery.answer.startswith("HTTP 500")
    assert delivery.next_attempt_at == clock.now + dt.timedelta(seconds=30)
    assert robot.token not in delivery.answer and robot.token not in caplog.text
    assert f"delivery {delivery.pk} failed" in caplog.text

    # Not due yet: a flush sends nothing.
    assert chat.flush(robot.pk).again_at == delivery.next_attempt_at
    assert len(wecom.requests) == 1

    for attempts, wait in [(2, 60), (3, 120)]:
        clock.advance(seconds=wait // 2)
        chat.flush(robot.pk)
        delivery.refresh_from_db()
        assert delivery.attempts == attempts
        assert delivery.next_attempt_at == clock.now + dt.timedelta(seconds=wait)
    assert len(wecom.requests) == 3

    wecom.heal()
    clock.advance(seconds=120)
    assert chat.flush(robot.pk).sent == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.answer) == ("sent", 4, "0 ok")
    robot.refresh_from_db()
    assert robot.failures == 0


def test_a_server_that_does_not_answer_counts_as_a_failure(world, wecom, tell, clock):
    robot = wecom.robot(actor=world.coord_helping, school=world.helping)
    choose_chat(world.coord_helping)
    wecom.fail(hang=True)

    tell([world.coord_helping])

    delivery = delivery_of(robot)
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert "timed out" in delivery.answer
    assert delivery.next_attempt_at == clock.now + dt.timedelta(seconds=30)
    robot.refresh_from_db()
    assert robot.failures == 1 and robot.status == "active"


def test_a_robot_failing_again_and_again_is_paused_its_owners_told_and_its_queue_kept(
    world, wecom, tell, clock, mailoutbox, django_capture_on_commit_callbacks
):
    robot = wecom.robot(actor=world.coord_helping, school=world.helping)
    second = assign(UserFactory(username="coord_helping2"), Role.COORDINATOR, school=world.helping)
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    choose_chat(world.coord_helping, world.mentor)
    wecom.fail(errcode=-1, errmsg="system busy")

    tell([world.coord_helping], key="activity:1:2026-11-20", title="交流活动 1")
    tell([world.mentor], key="activity:2:2026-11-20", title="交流活动 2")
    for _attempt in range(2):
        clock.advance(minutes=10)
        with django_capture_on_commit_callbacks(execute=True):
            chat.flush(robot.pk)

    robot.refresh_from_db()
    assert robot.status == "paused" and "system busy" in robot.paused_reason
    assert len(wecom.requests) == 3  # then it stopped trying
    told = Notification.objects.filter(kind="robot-paused")
    owners = {world.coord_helping, second, admin}
    assert {n.recipient for n in told} == owners and all(n.in_app for n in told)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(u.email for u in owners)
    assert robot.token not in "".join(n.body for n in told)
    # The queue is kept; a flush or the sweep leaves a paused robot alone.
    queued = robot.deliveries.filter(status="queued")
    assert queued.count() == 2
    clock.advance(hours=2)
    assert chat.flush(robot.pk).sent == 0 and tasks.flush_due_robots.delay().get() == 0
    assert len(wecom.requests) == 3

    wecom.heal()
    for stranger in (world.mentor, world.coord_assisted):
        with pytest.raises(PermissionDenied):
            chat.robot_resume(actor=stranger, robot=robot)
    with django_capture_on_commit_callbacks(execute=True):
        chat.robot_resume(actor=world.coord_helping, robot=robot)

    first, then = (m.text for m in wecom.messages())
    assert "交流活动 1" in first and "交流活动 2" in then
    assert not queued.exists()
    robot.refresh_from_db()
    assert (robot.status, robot.failures, robot.paused_reason) == ("active", 0, "")


def test_a_regions_robot_refused_by_its_platform_is_paused_and_the_regions_bureau_told(
    world, dingtalk, tell, settings, mailoutbox
):
    settings.ROBOT_PAUSE_AFTER_FAILURES = 1
    robot = dingtalk.robot(actor=world.bureau, region=world.city)
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    choose_chat(world.bureau, kind="pairing-proposed")
    dingtalk.robots[robot.token] = dingtalk.new_secret()  # the secret was changed in 钉钉

    tell([world.bureau], kind="pairing-proposed", key="pairing:3:proposed", title="结对方案待审批")

    robot.refresh_from_db()
    assert robot.status == "paused" and "310000" in robot.paused_reason
    told = {n.recipient for n in Notification.objects.filter(kind="robot-paused")}
    # Not the inspector of the region, nor the coordinators of its schools.
    assert told == {world.bureau, world.bureau2, admin}
    assert {m.to[0] for m in mailoutbox} == {u.email for u in told}
    assert robot.deliveries.get().status == "queued"


# --- channels are independent ---------------------------------------------------------------


def test_a_failing_robot_holds_back_neither_another_robot_nor_the_app_nor_the_email(
    world, wecom, dingtalk, tell, mailoutbox
):
    failing = wecom.robot(actor=world.coord_helping, school=world.helping, name="A 企业微信群")
    working = dingtalk.robot(actor=world.coord_helping, school=world.helping, name="B 钉钉群")
    choose_chat(world.coord_helping, email=True)
    wecom.fail(status=500)

    tell([world.coord_helping])

    assert delivery_of(failing).status == "queued" and len(wecom.requests) == 1
    assert delivery_of(working).status == "sent" and len(dingtalk.messages()) == 1
    assert Notification.objects.get(recipient=world.coord_helping).in_app
    assert [m.to for m in mailoutbox] == [[world.coord_helping.email]]


def test_a_failing_mail_server_holds_back_neither_the_app_nor_the_group(
    world, wecom, tell, mailoutbox, monkeypatch, settings
):
    def disconnected(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", disconnected)
    wecom.robot(actor=world.coord_helping, school=world.helping)
    choose_chat(world.coord_helping, email=True)

    tell([world.coord_helping])

    assert Notification.objects.get(recipient=world.coord_helping).in_app
    assert len(wecom.messages()) == 1
    email = Delivery.objects.get(channel="email", recipient=world.coord_helping)
    # Tried again (at once, Celery being eager here) and given up after the last attempt.
    assert (email.status, email.attempts) == ("failed", settings.EMAIL_MAX_ATTEMPTS)
    assert "Connection unexpectedly closed" in email.answer
    assert mailoutbox == []


# --- one sender at a time -------------------------------------------------------------------


def test_a_flush_while_another_holds_the_lease_sends_nothing_and_asks_to_be_called_again(
    world, wecom, clock, django_capture_on_commit_callbacks
):
    robot = wecom.robot(actor=world.coord_helping, school=world.helping)
    choose_chat(world.coord_helping)
    with django_capture_on_commit_callbacks(execute=False):  # queued, not yet flushed
        notify(kind="activity-tomorrow", key="activity:7:2026-11-20",
               recipients=[world.coord_helping], message=lambda user: ("交流活动", ""))  # fmt: skip
    held = clock.now + dt.timedelta(minutes=1)
    ChatRobot.objects.filter(pk=robot.pk).update(lease_until=held)

    flushed = chat.flush(robot.pk)

    assert flushed.sent == 0 and flushed.again_at is not None
    assert clock.now < flushed.again_at <= clock.now + dt.timedelta(seconds=30)
    assert wecom.requests == [] and delivery_of(robot).status == "queued"
    robot.refresh_from_db()
    assert robot.lease_until == held  # the other's lease is left alone

    clock.advance(minutes=2)  # the holder died: its lease lapses
    assert chat.flush(robot.pk).sent == 1
    robot.refresh_from_db()
    assert robot.lease_until is None and len(wecom.messages()) == 1


# --- the beat's sweep -----------------------------------------------------------------------


def test_the_beat_sweep_sends_a_robots_due_retries(world, wecom, tell, clock):
    robot = wecom.robot(actor=world.coord_helping, school=world.helping)
    choose_chat(world.coord_helping)
    wecom.fail(robot.token, status=500)
    tell([world.coord_helping])
    wecom.heal(robot.token)

    assert tasks.flush_due_robots.delay().get() == 0  # the retry's time has not come
    clock.advance(seconds=30)
    assert tasks.flush_due_robots.delay().get() == 1

    (message,) = wecom.messages()
    assert "明天有交流活动" in message.text
    delivery = delivery_of(robot)
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_an_answer_that_is_not_http_counts_as_a_failure(world, wecom, tell, clock):
    robot = wecom.robot(actor=world.coord_helping, school=world.helping)
    choose_chat(world.coord_helping)
    wecom.fail(garbage=True)  # a broken proxy between the platform and us

    tell([world.coord_helping])

    delivery = delivery_of(robot)
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert delivery.answer and delivery.next_attempt_at == clock.now + dt.timedelta(seconds=30)
    robot.refresh_from_db()
    assert robot.failures == 1 and robot.lease_until is None


def test_an_error_page_whose_body_never_comes_counts_as_a_failure(world, wecom, tell, clock):
    robot = wecom.robot(actor=world.coord_helping, school=world.helping)
    choose_chat(world.coord_helping)
    wecom.fail(status=502, hang=True)  # the status line at once, the page never

    tell([world.coord_helping])

    delivery = delivery_of(robot)
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert delivery.answer.startswith("HTTP 502")
    robot.refresh_from_db()
    assert robot.failures == 1 and robot.lease_until is None
