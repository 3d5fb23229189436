"""The notification centre, the choice of channels kind by kind (a person's own, their
region's default for their role, the platform's), the daily digest, and the pages of
work-chat robots. The robots' deliveries over real HTTP: tests/test_chat_robots.py."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from twinning.models import ChatRobot, Delivery, Notification, NotificationPreference, Role
from twinning.notify import chat, preferences
from twinning.notify import services as notify_services
from twinning.notify.email import digests_send
from twinning.services import notification_mark_read

from .conftest import tell
from .factories import assign

WEBHOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=6c1f-4b2a-9e77-secretkey"


def channels(user, kind):
    return set(preferences.channels_for([user], kind)[user.pk])


# --- the cascade --------------------------------------------------------------------------


def test_without_a_choice_a_person_follows_the_platforms_default(world):
    assert channels(world.coord_helping, "activity-not-logged") == {"in_app", "email"}


def test_a_regions_default_reaches_its_people_of_that_role_and_below(world):
    notify_services.region_default_set(
        actor=world.bureau, region=world.city, role=Role.COORDINATOR, kind="activity-not-logged",
        channels=["in_app", "chat"],
    )  # fmt: skip
    # Both coordinators' schools are in counties below the city: they inherit it.
    assert channels(world.coord_helping, "activity-not-logged") == {"in_app", "chat"}
    assert channels(world.coord_assisted, "activity-not-logged") == {"in_app", "chat"}
    # Bureau staff keep the platform's default: the city's default is for coordinators.
    assert channels(world.bureau, "activity-not-logged") == {"in_app", "email"}
    # A county's own default is nearer than the city's, for that county alone.
    notify_services.region_default_set(
        actor=world.bureau, region=world.west, role=Role.COORDINATOR, kind="activity-not-logged",
        channels=["digest"],
    )  # fmt: skip
    assert channels(world.coord_assisted, "activity-not-logged") == {"digest"}
    assert channels(world.coord_helping, "activity-not-logged") == {"in_app", "chat"}


def test_a_persons_own_choice_wins_over_every_default(world):
    notify_services.region_default_set(
        actor=world.bureau, region=world.city, role=Role.COORDINATOR, kind="activity-not-logged",
        channels=["chat"],
    )  # fmt: skip
    notify_services.preference_set(
        actor=world.coord_helping, kind="activity-not-logged", channels=["email"]
    )
    assert channels(world.coord_helping, "activity-not-logged") == {"email"}
    notify_services.preference_reset(actor=world.coord_helping)
    assert channels(world.coord_helping, "activity-not-logged") == {"chat"}


def test_only_the_regions_bureau_sets_its_defaults(world):
    from django.core.exceptions import PermissionDenied

    for persona in (world.coord_helping, world.inspector, world.outsider):
        with pytest.raises(PermissionDenied):
            notify_services.region_default_set(
                actor=persona, region=world.city, role=Role.TEACHER, kind="mentorship-behind",
                channels=["chat"],
            )  # fmt: skip


def test_a_preference_for_a_kind_that_does_not_exist_is_refused_at_the_field(world):
    with pytest.raises(ValidationError) as refused:
        notify_services.preference_set(actor=world.bureau, kind="no-such-kind", channels=["email"])
    assert "kind" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        notify_services.preference_set(
            actor=world.bureau, kind="pairing-proposed", channels=["email", "digest"]
        )
    assert "channels" in refused.value.message_dict
    assert not NotificationPreference.objects.exists()


def test_a_notification_follows_the_persons_channels(world, mailoutbox):
    notify_services.preference_set(actor=world.bureau, kind="pairing-proposed", channels=["email"])
    notification = tell(world.bureau, "k", "结对待审批")
    assert not notification.in_app  # not in the centre
    assert [m.subject for m in mailoutbox] == ["结对待审批"]
    notify_services.preference_set(actor=world.bureau, kind="pairing-proposed", channels=["in_app"])
    tell(world.bureau, "k2", "又一个结对待审批")
    assert len(mailoutbox) == 1  # no email now


# --- the centre --------------------------------------------------------------------------


def test_the_centre_filters_by_kind_and_by_read(client, world):
    tell(world.bureau, "a", "结对待审批", kind="pairing-proposed")
    done = tell(world.bureau, "b", "报告已生成", kind="document-ready")
    notification_mark_read(actor=world.bureau, notification=done)
    client.force_login(world.bureau)
    url = reverse("notifications")
    titles = [n.title for n in client.get(url).context["page_obj"]]
    assert titles == ["报告已生成", "结对待审批"]
    by_kind = client.get(url, {"kind": "document-ready"}).context["page_obj"]
    assert [n.title for n in by_kind] == ["报告已生成"]
    unread = client.get(url, {"state": "unread"}).context["page_obj"]
    assert [n.title for n in unread] == ["结对待审批"]
    html = client.get(url, {"kind": "scorecard-step"}).content.decode()
    assert "没有符合条件的通知" in html or "No notifications match" in html


def test_a_notification_not_chosen_for_the_app_is_not_counted_as_unread(client, world):
    notify_services.preference_set(actor=world.bureau, kind="pairing-proposed", channels=["email"])
    tell(world.bureau, "a", "结对待审批")
    client.force_login(world.bureau)
    response = client.get(reverse("notifications"))
    assert response.context["unread_notifications"] == 0
    assert not response.context["page_obj"].object_list


# --- the page of channels ---------------------------------------------------------------


def test_the_page_lists_the_kinds_of_the_persons_roles_with_where_each_came_from(client, world):
    notify_services.region_default_set(
        actor=world.bureau, region=world.city, role=Role.COORDINATOR, kind="activity-not-logged",
        channels=["in_app", "chat"],
    )  # fmt: skip
    client.force_login(world.coord_helping)
    response = client.get(reverse("notification_settings"))
    assert response.status_code == 200
    rows = {row["kind"].key: row for row in response.context["rows"]}
    assert "activity-not-logged" in rows and "pairing-proposed" not in rows  # the bureau's
    row = rows["activity-not-logged"]
    assert [cell[0] for cell in row["cells"] if cell[2]] == ["in_app", "chat"]
    assert row["region_name"] == "江城市"


def test_saving_the_page_makes_a_choice_of_what_changed_and_the_next_notification_follows(
    client, world, mailoutbox
):
    client.force_login(world.bureau)
    url = reverse("notification_settings")
    # The form as the page shows it (every checked box), with one kind changed.
    form = {row["kind"].key: [c[0] for c in row["cells"] if c[2]]
            for row in client.get(url).context["rows"]}  # fmt: skip
    form["pairing-proposed"] = ["in_app", "digest"]
    response = client.post(url, {**form, "mention-phone": ""})
    assert response.status_code == 302
    # Only the changed kind became a choice; the other keeps following its default.
    assert list(NotificationPreference.objects.values_list("kind", "digest")) == [
        ("pairing-proposed", True)
    ]
    tell(world.bureau, "k", "结对待审批")
    assert not mailoutbox  # it waits for the digest


def test_email_and_digest_together_are_refused_at_the_row_and_nothing_is_saved(client, world):
    client.force_login(world.bureau)
    response = client.post(reverse("notification_settings"), {
        "pairing-proposed": ["email", "digest"], "document-ready": ["chat"],
        "mention-phone": "13800000000", "mention-chat_mention": "on",
    })  # fmt: skip
    assert response.status_code == 400
    assert "row-invalid" in response.content.decode()
    assert not NotificationPreference.objects.exists()
    world.bureau.refresh_from_db()
    assert not world.bureau.chat_mention  # the form's other part is not saved either


def test_a_mention_needs_a_phone(client, world):
    client.force_login(world.coord_helping)
    response = client.post(reverse("notification_settings"), {"mention-chat_mention": "on"})
    assert response.status_code == 400
    assert response.context["mention_form"].errors["phone"]
    response = client.post(reverse("notification_settings"), {
        "mention-chat_mention": "on", "mention-phone": "13800000001",
    })  # fmt: skip
    assert response.status_code == 302
    world.coord_helping.refresh_from_db()
    assert world.coord_helping.chat_mention and world.coord_helping.phone == "13800000001"


def test_following_the_defaults_again_forgets_the_choices(client, world):
    notify_services.preference_set(actor=world.bureau, kind="pairing-proposed", channels=["email"])
    client.force_login(world.bureau)
    assert client.post(reverse("notification_settings_reset")).status_code == 302
    assert not NotificationPreference.objects.exists()


# --- the region's defaults page ----------------------------------------------------------


def test_the_bureau_sets_a_default_for_a_role_of_a_county_on_its_page(client, world):
    client.force_login(world.bureau)
    url = reverse("notification_defaults")
    page = client.get(url, {"region": world.west.pk, "role": Role.COORDINATOR})
    assert page.status_code == 200
    response = client.post(url, {"region": world.west.pk, "role": Role.COORDINATOR,
                                 "activity-not-logged": ["in_app", "chat"]})  # fmt: skip
    assert response.status_code == 302
    assert channels(world.coord_assisted, "activity-not-logged") == {"in_app", "chat"}
    assert channels(world.coord_helping, "activity-not-logged") == {"in_app", "email"}  # 东城县


def test_a_region_outside_the_bureaus_scope_is_refused_and_nothing_saved(client, world):
    from twinning.models import RegionNotificationDefault

    client.force_login(world.outsider)
    response = client.post(reverse("notification_defaults"), {
        "region": world.west.pk, "role": Role.COORDINATOR, "activity-not-logged": ["chat"],
    })  # fmt: skip
    assert response.status_code == 400
    assert not RegionNotificationDefault.objects.exists()


def test_only_bureau_staff_open_the_defaults_page(client, world):
    for persona in (world.coord_helping, world.inspector, world.mentor):
        client.force_login(persona)
        assert client.get(reverse("notification_defaults")).status_code == 403


# --- the daily digest ---------------------------------------------------------------------


def test_the_digest_gathers_the_days_notifications_in_one_email_once(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    notify_services.preference_set(actor=world.bureau, kind="pairing-proposed", channels=["digest"])
    tell(world.bureau, "a", "结对待审批：甲")
    tell(world.bureau, "b", "结对待审批：乙", url="/pairings/7/")
    assert not mailoutbox
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send() == 1
        assert digests_send() == 0  # the same day's second run
    [digest] = mailoutbox
    assert "2" in digest.subject
    assert "结对待审批：甲" in digest.body and "http://127.0.0.1:8000/pairings/7/" in digest.body
    # The next day's digest carries only what came after.
    tell(world.bureau, "c", "结对待审批：丙")
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send(now=timezone.now() + dt.timedelta(days=1)) == 1
    assert "结对待审批：丙" in mailoutbox[1].body and "甲" not in mailoutbox[1].body


# --- the robots' pages ----------------------------------------------------------------------


def test_a_coordinator_registers_the_schools_robot_and_its_key_is_never_shown(client, world):
    client.force_login(world.coord_helping)
    response = client.post(reverse("robot_create"), {
        "name": "实验小学结对群", "owner": f"school:{world.helping.pk}", "platform": "wecom",
        "webhook": WEBHOOK,
    })  # fmt: skip
    robot = ChatRobot.objects.get()
    assert response.url == reverse("robot_detail", args=[robot.pk])
    assert (robot.school, robot.token, robot.created_by) == (
        world.helping,
        "6c1f-4b2a-9e77-secretkey",
        world.coord_helping,
    )
    html = client.get(response.url).content.decode()
    assert "secretkey" not in html and "…tkey" in html
    assert "secretkey" not in client.get(reverse("robot_list")).content.decode()


@pytest.mark.parametrize(
    "webhook,message",
    [
        ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "https://"),
        ("https://evil.example/cgi-bin/webhook/send?key=abc", "qyapi.weixin.qq.com"),
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "key"),
    ],
)
def test_a_robot_address_that_is_not_the_platforms_is_refused_at_the_field(
    client, world, webhook, message
):
    client.force_login(world.coord_helping)
    response = client.post(reverse("robot_create"), {
        "name": "群", "owner": f"school:{world.helping.pk}", "platform": "wecom",
        "webhook": webhook,
    })  # fmt: skip
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors["webhook"])
    assert not ChatRobot.objects.exists()


def test_a_dingtalk_robot_needs_its_signing_secret(client, world):
    client.force_login(world.bureau)
    response = client.post(reverse("robot_create"), {
        "name": "教育局群", "owner": f"region:{world.city.pk}", "platform": "dingtalk",
        "webhook": "https://oapi.dingtalk.com/robot/send?access_token=ab12cd34",
    })  # fmt: skip
    assert response.status_code == 400
    assert response.context["form"].errors["secret"]
    assert not ChatRobot.objects.exists()


def test_a_coordinator_cannot_register_a_robot_for_another_school(client, world):
    client.force_login(world.coord_helping)
    response = client.post(reverse("robot_create"), {
        "name": "群", "owner": f"school:{world.assisted.pk}", "platform": "wecom",
        "webhook": WEBHOOK,
    })  # fmt: skip
    assert response.status_code == 400  # not a choice offered to them
    assert not ChatRobot.objects.exists()
    with pytest.raises(Exception) as refused:
        chat.robot_register(actor=world.coord_helping, name="群", platform="wecom",
                            webhook=WEBHOOK, school=world.assisted)  # fmt: skip
    assert refused.type.__name__ == "PermissionDenied"


def test_the_robot_page_sends_a_test_message_and_says_what_the_platform_answered(
    client, world, monkeypatch
):
    robot = chat.robot_register(actor=world.coord_helping, name="群", platform="wecom",
                                webhook=WEBHOOK, school=world.helping)  # fmt: skip
    refused = chat.Answer(False, "93000 invalid webhook")
    monkeypatch.setattr(chat, "post", lambda robot, text, mentions: refused)
    client.force_login(world.coord_helping)
    response = client.post(reverse("robot_test", args=[robot.pk]), follow=True)
    assert "93000 invalid webhook" in response.content.decode()
    logged = Delivery.objects.get(robot=robot)
    assert (logged.kind, logged.status) == ("test", "failed")


def test_pausing_resuming_and_removing_a_robot(client, world):
    robot = chat.robot_register(actor=world.coord_helping, name="群", platform="wecom",
                                webhook=WEBHOOK, school=world.helping)  # fmt: skip
    client.force_login(world.coord_helping)
    client.post(reverse("robot_pause", args=[robot.pk]))
    robot.refresh_from_db()
    assert robot.status == ChatRobot.Status.PAUSED
    client.post(reverse("robot_resume", args=[robot.pk]))
    robot.refresh_from_db()
    assert robot.status == ChatRobot.Status.ACTIVE
    detail = client.get(reverse("robot_detail", args=[robot.pk])).content.decode()
    assert "data-confirm" in detail  # removing asks first
    assert client.post(reverse("robot_delete", args=[robot.pk])).url == reverse("robot_list")
    assert not ChatRobot.objects.exists()


def test_the_bureau_above_manages_a_schools_robot_and_another_school_does_not_see_it(client, world):
    robot = chat.robot_register(actor=world.coord_helping, name="群", platform="wecom",
                                webhook=WEBHOOK, school=world.helping)  # fmt: skip
    client.force_login(world.bureau)
    assert client.get(reverse("robot_detail", args=[robot.pk])).status_code == 200
    for persona in (world.coord_assisted, world.outsider, world.inspector):
        client.force_login(persona)
        assert client.get(reverse("robot_detail", args=[robot.pk])).status_code == 404


def test_the_robot_list_shows_an_empty_state_and_a_way_to_add_one(client, world):
    client.force_login(world.coord_helping)
    html = client.get(reverse("robot_list")).content.decode()
    assert 'class="empty-state"' in html and reverse("robot_create") in html


# --- the catalogue of reminders in the admin ------------------------------------------------


def test_the_admin_lists_every_reminder_with_its_schedule_and_last_run(client, world):
    from tests.factories import UserFactory
    from twinning.notify import reminders

    reminders.run("activity-not-logged")
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    html = client.get(reverse("admin:twinning_reminderrun_changelist")).content.decode()
    for reminder in reminders.every():
        assert reminder.key in html
    assert "16:00" in html  # the activity of tomorrow's time


def test_a_persons_several_roles_give_the_channels_of_each(world):
    notify_services.region_default_set(
        actor=world.bureau, region=world.city, role=Role.COORDINATOR, kind="activity-tomorrow",
        channels=["chat"],
    )  # fmt: skip
    assign(world.mentor, Role.COORDINATOR, school=world.helping)
    # A teacher (the platform's default) and a coordinator (the city's): both.
    assert channels(world.mentor, "activity-tomorrow") == {"in_app", "email", "chat"}


def test_an_event_is_told_once_however_often_it_is_notified(world):
    for _ in range(3):
        tell(world.bureau, "same", "结对待审批")
    assert Notification.objects.filter(recipient=world.bureau, key="same").count() == 1


# --- the reader's language ------------------------------------------------------------------


def test_a_notification_is_shown_in_the_language_its_reader_reads_the_page_in(
    client, world, proposed, mailoutbox
):
    from twinning.notify import reminders

    world.bureau.email = "bureau@example.cn"
    world.bureau.save()
    reminders.run("proposal-waiting", now=proposed.proposed_at + dt.timedelta(days=4))
    note = Notification.objects.get(recipient=world.bureau, kind="proposal-waiting")
    english = f"Waiting 4 days for your approval: {proposed.title}"
    chinese = f"已等待审批 4 天：{proposed.title}"
    # Written for its recipient in their language (Chinese), and kept in each.
    assert note.title == chinese and note.text_in("en")[0] == english
    client.force_login(world.bureau)
    page = client.get(reverse("notifications"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert english in page and chinese not in page
    page = client.get(reverse("notifications"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert chinese in page and english not in page
    api = client.get("/api/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert [n["title"] for n in api if n["kind"] == "proposal-waiting"] == [english]
    # A notification written before there were texts in each language shows as written.
    old = Notification.objects.create(recipient=world.bureau, kind="pairing-proposed",
                                      key="old", title="旧的通知")  # fmt: skip
    assert old.text_in("en") == ("旧的通知", "")
