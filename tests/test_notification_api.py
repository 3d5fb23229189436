"""Notifications in the API (twinning/notification_api.py): a person's notification centre,
their channels kind by kind, and the work-chat robots with their delivery logs, with the
pages' rules (tests/test_notification_centre.py): only one's own notifications and the
kinds one may receive; robots found only by those who manage them, registered only by
bureau staff and coordinators; a robot's key and secret never come back."""

import json

import pytest

from tests.chat_servers import dingtalk, wecom  # noqa: F401 – the fixtures
from twinning.models import ChatRobot, Delivery, Notification, NotificationPreference, Role
from twinning.notify import chat, kinds
from twinning.notify import services as notify_services

from .factories import UserFactory, assign
from .test_api import _fresh_scope, api

WECOM_BASE = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"


def tell(user, key, title="西山山村小学提交了结对申请", kind="pairing-proposed"):
    """A notification of ``user`` through the one service; its emails wait for a commit
    that never comes."""
    (notification,) = notify_services.notify(
        kind=kind, key=key, recipients=[user], message=lambda u: (title, "请审核"), url="/x/"
    )
    return notification


def preferences_of(user) -> list:
    return list(
        NotificationPreference.objects.filter(user=user)
        .order_by("kind").values_list("kind", "in_app", "email", "chat", "digest")
    )  # fmt: skip


def robots() -> list:
    return list(ChatRobot.objects.order_by("pk").values_list("name", "status", "token", "secret"))


# --- the notification centre ----------------------------------------------------------------


def test_the_list_is_the_users_own_in_app_notifications_newest_first(world):
    first = tell(world.bureau, "pairing:1")
    second = tell(world.bureau, "pairing:2")
    tell(world.bureau2, "pairing:1")  # someone else's
    notify_services.preference_set(actor=world.bureau, kind="document-ready", channels=["email"])
    tell(world.bureau, "document:1", kind="document-ready")  # not chosen for the app

    body = api(world.bureau).get("/api/notifications/").json()

    assert body["count"] == 2
    assert [n["id"] for n in body["results"]] == [second.pk, first.pk]
    assert body["results"][0] == {
        "id": second.pk, "kind": "pairing-proposed",
        "kind_label": str(kinds.get("pairing-proposed").label),
        "title": "西山山村小学提交了结对申请", "body": "请审核", "url": "/x/",
        "created_at": body["results"][0]["created_at"], "read_at": None,
    }  # fmt: skip


def test_the_list_filters_by_kind_and_by_read(world):
    proposal = tell(world.bureau, "pairing:1")
    tell(world.bureau, "document:1", kind="document-ready")
    client = api(world.bureau)
    client.post(f"/api/notifications/{proposal.pk}/read/")

    def ids(query):
        return [n["id"] for n in client.get(f"/api/notifications/?{query}").json()["results"]]

    assert ids("kind=pairing-proposed") == [proposal.pk]
    assert ids("state=read") == [proposal.pk]
    assert len(ids("state=unread")) == 1
    assert ids("kind=pairing-proposed&state=unread") == []
    assert len(ids("kind=&state=")) == 2  # empty: no filter


@pytest.mark.parametrize("query,name", [("kind=no-such-kind", "kind"), ("state=new", "state")])
def test_an_unknown_kind_or_state_is_a_400_naming_it(world, query, name):
    response = api(world.bureau).get(f"/api/notifications/?{query}")
    assert response.status_code == 400
    assert response.json()["codes"] == {name: ["invalid_choice"]}


def test_a_notification_is_read_and_marked_read_by_its_recipient_only(world):
    notification = tell(world.bureau, "pairing:1")
    url = f"/api/notifications/{notification.pk}/"
    for other in (world.bureau2, world.inspector, world.outsider):
        assert api(other).get(url).status_code == 404
        assert api(other).post(url + "read/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None

    client = api(world.bureau)
    assert client.get(url).json()["read_at"] is None
    marked = client.post(url + "read/")
    assert marked.status_code == 200
    notification.refresh_from_db()
    assert marked.json()["read_at"] is not None
    assert marked.json() == client.get(url).json()
    # Read once, it stays read at the first reading.
    assert client.post(url + "read/").json()["read_at"] == marked.json()["read_at"]


@pytest.mark.parametrize("pk", ["abc", "0", "99999999", "40761545792629800960"])
def test_an_id_that_names_nothing_is_a_404(world, pk):
    assert api(world.bureau).get(f"/api/notifications/{pk}/").status_code == 404
    assert api(world.bureau).post(f"/api/notifications/{pk}/read/").status_code == 404


def test_reading_them_all_marks_only_the_users_own_and_says_how_many(world):
    tell(world.bureau, "pairing:1")
    tell(world.bureau, "pairing:2")
    others = tell(world.bureau2, "pairing:1")
    client = api(world.bureau)

    assert client.post("/api/notifications/read-all/").json() == {"marked": 2}
    assert client.post("/api/notifications/read-all/").json() == {"marked": 0}
    assert client.get("/api/notifications/?state=unread").json()["count"] == 0
    others.refresh_from_db()
    assert others.read_at is None


def test_anonymous_requests_are_refused(db):
    for path in ("/api/notifications/", "/api/notification-preferences/", "/api/robots/"):
        assert api().get(path).status_code == 401


# --- a person's channels ---------------------------------------------------------------------


def test_the_preferences_list_every_kind_the_user_may_receive_with_where_each_came_from(world):
    body = api(world.coord_helping).get("/api/notification-preferences/").json()

    scope_kinds = kinds.for_roles({Role.COORDINATOR})
    assert [row["kind"] for row in body] == [k.key for k in scope_kinds]
    paused = next(row for row in body if row["kind"] == "robot-paused")
    assert paused == {
        "kind": "robot-paused", "label": str(kinds.get("robot-paused").label),
        "group": str(kinds.get("robot-paused").group), "channels": ["in_app", "email"],
        "required": ["in_app", "email"], "source": "catalogue", "region_name": "",
    }  # fmt: skip


def test_a_kind_the_user_may_not_receive_or_that_does_not_exist_is_not_found(world):
    teacher = api(world.mentor)
    teachers_kinds = {k.key for k in kinds.for_roles({Role.TEACHER})}
    assert "robot-paused" not in teachers_kinds
    for kind in ("robot-paused", "no-such-kind"):
        url = f"/api/notification-preferences/{kind}/"
        assert teacher.get(url).status_code == 404
        assert teacher.put(url, {"channels": ["in_app"]}).status_code == 404
        assert teacher.delete(url).status_code == 404
    assert preferences_of(world.mentor) == []


def test_choosing_a_kinds_channels_makes_it_the_users_own_choice(world):
    client = api(world.bureau)
    url = "/api/notification-preferences/pairing-proposed/"

    response = client.put(url, {"channels": ["chat", "digest"]})

    assert response.status_code == 200
    assert response.json()["channels"] == ["chat", "digest"]
    assert response.json()["source"] == "mine"
    assert client.get(url).json() == response.json()
    assert preferences_of(world.bureau) == [("pairing-proposed", False, False, True, True)]


def test_a_required_channel_cannot_be_turned_off(world):
    response = api(world.bureau).put(
        "/api/notification-preferences/robot-paused/", {"channels": ["chat"]}
    )
    assert response.json()["channels"] == ["in_app", "email", "chat"]


@pytest.mark.parametrize(
    "body,code",
    [
        ({"channels": ["email", "digest"]}, "rule"),  # the service's rule
        ({"channels": ["sms"]}, "invalid_choice"),
        ({"channels": "email"}, "not_a_list"),
        ({}, "required"),
    ],
)
def test_a_bad_choice_of_channels_is_a_400_at_the_field_and_nothing_changes(world, body, code):
    client = api(world.bureau)
    url = "/api/notification-preferences/pairing-proposed/"
    client.put(url, {"channels": ["in_app"]})
    before = preferences_of(world.bureau)

    response = client.put(url, body)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["channels"]
    assert code in json.dumps(response.json()["codes"])
    assert preferences_of(world.bureau) == before


def test_a_regions_default_is_followed_until_the_user_chooses_and_again_after_a_reset(world):
    notify_services.region_default_set(
        actor=world.bureau, region=world.city, role=Role.COORDINATOR, kind="milestone-overdue",
        channels=["in_app", "chat"],
    )  # fmt: skip
    client = api(world.coord_helping)
    url = "/api/notification-preferences/milestone-overdue/"
    inherited = client.get(url).json()
    assert (inherited["source"], inherited["region_name"]) == ("region", "江城市")
    assert inherited["channels"] == ["in_app", "chat"]

    client.put(url, {"channels": ["email"]})
    assert client.get(url).json()["source"] == "mine"

    assert client.delete(url).status_code == 204
    assert client.get(url).json() == inherited
    assert preferences_of(world.coord_helping) == []
    assert client.delete(url).status_code == 204  # nothing of one's own: still the default


# --- work-chat robots ------------------------------------------------------------------------


@pytest.fixture
def robot(world, wecom):  # noqa: F811
    """The helping school's robot, registered by its coordinator, on the fake 企业微信."""
    return wecom.robot(actor=world.coord_helping, school=world.helping, name="江城实验小学结对群")


def test_the_robots_are_listed_for_those_who_manage_them(world, robot):
    for who in ("coord_helping", "bureau"):  # the school's, the region's above it
        body = api(getattr(world, who)).get("/api/robots/").json()
        assert [r["id"] for r in body["results"]] == [robot.pk], who
    assert api(world.coord_assisted).get("/api/robots/").json()["results"] == []
    assert api(world.outsider).get("/api/robots/").json()["results"] == []


def test_teachers_and_inspectors_may_not_list_or_register_robots(world, robot):
    for who in (world.mentor, world.inspector):
        client = api(who)
        assert client.get("/api/robots/").status_code == 403
        assert client.post("/api/robots/", {}).status_code == 403  # before the body is read
        assert client.get(f"/api/robots/{robot.pk}/").status_code == 404


def test_a_coordinator_registers_the_schools_robot_and_its_key_is_never_returned(
    world,
    wecom,  # noqa: F811
):
    webhook = wecom.webhook()
    key = webhook.split("key=")[1]

    response = api(world.coord_helping).post("/api/robots/", {
        "name": " 江城实验小学结对工作群 ", "platform": "wecom", "webhook": webhook,
        "school": world.helping.pk,
    })  # fmt: skip

    assert response.status_code == 201
    robot = ChatRobot.objects.get()
    assert robot.token == key
    assert response.json() == {
        "id": robot.pk, "name": "江城实验小学结对工作群", "platform": "wecom",
        "platform_display": robot.get_platform_display(), "region": None,
        "school": world.helping.pk, "owner_name": "江城实验小学", "token_hint": f"…{key[-4:]}",
        "status": "active", "status_display": robot.get_status_display(), "failures": 0,
        "paused_at": None, "paused_reason": "", "created_by": world.coord_helping.pk,
        "created_by_name": "张联络", "created_at": response.json()["created_at"],
    }  # fmt: skip
    assert key not in response.content.decode()


def test_the_bureau_registers_a_regions_dingtalk_robot_and_its_secret_is_never_returned(
    world,
    dingtalk,  # noqa: F811
):
    secret = dingtalk.new_secret()
    webhook = dingtalk.webhook(secret=secret)
    client = api(world.bureau)

    response = client.post("/api/robots/", {
        "name": "江城市结对帮扶群", "platform": "dingtalk", "webhook": webhook, "secret": secret,
        "region": world.city.pk,
    })  # fmt: skip

    assert response.status_code == 201
    assert (response.json()["region"], response.json()["owner_name"]) == (world.city.pk, "江城市")
    robot = ChatRobot.objects.get()
    assert robot.secret == secret
    url = f"/api/robots/{robot.pk}/"
    tested = client.post(url + "test/")
    assert tested.json()["ok"] is True
    answers = [response, tested, client.get("/api/robots/"), client.get(url),
               client.get(url + "deliveries/"), client.post(url + "pause/"),
               client.post(url + "resume/")]  # fmt: skip
    assert {a.status_code for a in answers} == {200, 201}
    for answer in answers:
        text = answer.content.decode()
        assert secret not in text and robot.token not in text and "webhook" not in text


@pytest.mark.parametrize(
    "change,field",
    [
        (lambda w: {"webhook": "https://example.com/cgi-bin/webhook/send?key=abc"}, "webhook"),
        (lambda w: {"webhook": f"{WECOM_BASE}?nokey=1"}, "webhook"),
        (lambda w: {"platform": "dingtalk", "secret": "SEC0123456789"}, "webhook"),
        (lambda w: {"platform": "feishu"}, "platform"),
        (lambda w: {"name": "  "}, "name"),
        (lambda w: {"school": None}, "non_field_errors"),  # neither a region nor a school
        (lambda w: {"region": w.east.pk}, "non_field_errors"),  # both
        (lambda w: {"school": 99999999}, "school"),
        (lambda w: {"school": str(w.helping.pk)}, "school"),  # an id is a JSON number
    ],
)
def test_a_bad_registration_is_a_400_at_the_field_and_nothing_is_saved(
    world,
    wecom,  # noqa: F811
    change,
    field,
):
    body = {"name": "工作群", "platform": "wecom", "webhook": wecom.webhook(),
            "school": world.helping.pk, **change(world)}  # fmt: skip

    response = api(world.bureau).post("/api/robots/", body)

    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]
    assert ChatRobot.objects.count() == 0


def test_a_dingtalk_robot_needs_its_signing_secret(world, dingtalk):  # noqa: F811
    response = api(world.bureau).post("/api/robots/", {
        "name": "工作群", "platform": "dingtalk", "webhook": dingtalk.webhook(),
        "secret": "abc", "region": world.city.pk,
    })  # fmt: skip
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["secret"]
    assert ChatRobot.objects.count() == 0


def test_a_school_or_region_the_user_may_not_manage_is_a_403_and_one_out_of_sight_a_400(
    world,
    wecom,  # noqa: F811
    active,
):
    client = api(world.coord_helping)
    body = {"name": "工作群", "platform": "wecom", "webhook": wecom.webhook()}
    # The partner school and the county the coordinator sees, but manages no robots of.
    for owner in ({"school": world.assisted.pk}, {"region": world.east.pk}):
        response = client.post("/api/robots/", {**body, **owner})
        assert response.status_code == 403, owner
    # A school of another city is out of sight: as if it did not exist.
    response = client.post("/api/robots/", {**body, "school": world.far_school.pk})
    assert response.status_code == 400
    assert response.json()["codes"] == {"school": ["does_not_exist"]}
    assert ChatRobot.objects.count() == 0


def test_a_robot_outside_the_users_scope_is_not_found_anywhere(world, robot):
    before = robots()
    for who in (world.outsider, world.coord_assisted, world.mentor, world.inspector):
        client = api(who)
        url = f"/api/robots/{robot.pk}/"
        assert client.get(url).status_code == 404
        assert client.get(url + "deliveries/").status_code == 404
        for action in ("test", "pause", "resume"):
            assert client.post(url + f"{action}/").status_code == 404
        assert client.delete(url).status_code == 404
    assert robots() == before
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("pk", ["abc", "0", "40761545792629800960"])
def test_a_robot_id_that_names_nothing_is_a_404(world, pk):
    assert api(world.bureau).get(f"/api/robots/{pk}/").status_code == 404


def test_a_test_message_says_what_the_platform_answered_and_is_logged(
    world,
    robot,
    wecom,  # noqa: F811
):
    client = api(world.coord_helping)

    sent = client.post(f"/api/robots/{robot.pk}/test/")
    assert sent.status_code == 200
    assert sent.json() == {"ok": True, "answer": "0 ok"}
    assert len(wecom.messages(robot.token)) == 1

    wecom.fail(robot.token, errcode=93000, errmsg=f"invalid webhook url, key={robot.token}")
    refused = client.post(f"/api/robots/{robot.pk}/test/")
    assert refused.json()["ok"] is False
    assert "93000" in refused.json()["answer"]
    assert robot.token not in refused.content.decode()

    log = client.get(f"/api/robots/{robot.pk}/deliveries/").json()
    assert log["count"] == 2
    assert [d["status"] for d in log["results"]] == ["failed", "sent"]
    assert robot.token not in json.dumps(log)


def test_pausing_resuming_and_removing_a_robot(world, robot):
    client = api(world.bureau)  # the bureau above the school
    url = f"/api/robots/{robot.pk}/"

    paused = client.post(url + "pause/").json()
    assert paused["status"] == "paused"
    assert "王局" in paused["paused_reason"]
    assert paused["paused_at"] is not None
    resumed = client.post(url + "resume/").json()
    assert (resumed["status"], resumed["paused_at"], resumed["failures"]) == ("active", None, 0)

    assert client.delete(url).status_code == 204
    assert not ChatRobot.objects.exists()
    assert client.get(url).status_code == 404


def test_the_delivery_log_shows_no_phones(world, robot):
    world.coord_helping.phone, world.coord_helping.chat_mention = "13800000001", True
    world.coord_helping.save(update_fields=["phone", "chat_mention"])
    notify_services.preference_set(
        actor=world.coord_helping, kind="milestone-overdue", channels=["in_app", "chat"]
    )
    tell(world.coord_helping, "goal:1", kind="milestone-overdue")
    delivery = Delivery.objects.get(robot=robot)
    assert delivery.mentions == ["13800000001"]

    response = api(world.coord_helping).get(f"/api/robots/{robot.pk}/deliveries/")

    (row,) = response.json()["results"]
    assert row == {
        "id": delivery.pk, "kind": "milestone-overdue", "subject": "西山山村小学提交了结对申请",
        "status": "queued", "status_display": delivery.get_status_display(), "attempts": 0,
        "answer": "", "next_attempt_at": None, "created_at": row["created_at"], "sent_at": None,
    }  # fmt: skip
    assert "13800000001" not in response.content.decode()


# --- query counts ----------------------------------------------------------------------------


def _more_notifications(world, n):
    for i in range(n):
        tell(world.bureau, f"pairing:more:{i}:{Notification.objects.count()}")


def _more_robots(world, n):
    for i in range(n):
        chat.robot_register(
            actor=world.bureau, name=f"工作群{ChatRobot.objects.count()}-{i}", platform="wecom",
            webhook=f"{WECOM_BASE}?key=k{ChatRobot.objects.count()}x{i}", region=world.city,
        )  # fmt: skip


def _the_robot(world) -> ChatRobot:
    if not ChatRobot.objects.exists():
        _more_robots(world, 1)
    return ChatRobot.objects.get()


def _more_deliveries(world, n):
    robot = _the_robot(world)
    for i in range(n):
        Delivery.objects.create(
            channel="chat", robot=robot, kind="test", key=f"test:{Delivery.objects.count()}:{i}",
            subject="测试消息", status="failed", attempts=1, answer="HTTP 500",
        )  # fmt: skip


def _deliveries_path(world):
    return f"/api/robots/{_the_robot(world).pk}/deliveries/"


# The user's scope is resolved before each request (tests/test_api.py), so these are the
# endpoint's own queries, the same for one row as for three.
LIST_QUERIES = {
    # count, the page
    "notifications": (lambda world: "/api/notifications/", 2, _more_notifications),
    # count, the page joining region, school and who registered each robot
    "robots": (lambda world: "/api/robots/", 2, _more_robots),
    # the robot (scoped), count, the page
    "deliveries": (_deliveries_path, 3, _more_deliveries),
}


@pytest.mark.parametrize("name", list(LIST_QUERIES))
def test_the_lists_run_a_constant_number_of_queries(world, name, django_assert_num_queries):
    path_of, expected, grow = LIST_QUERIES[name]
    grow(world, 1)
    client = api(world.bureau)

    def count_rows():
        path = path_of(world)
        _fresh_scope(world.bureau)
        with django_assert_num_queries(expected):
            response = client.get(path)
        assert response.status_code == 200
        return response.json()["count"]

    rows = count_rows()
    grow(world, 2)
    assert count_rows() == rows + 2


def test_the_preferences_run_a_constant_number_of_queries(world, django_assert_num_queries):
    client = api(world.bureau)
    _fresh_scope(world.bureau)
    # the user's own choices, their roles with their regions, the regions' defaults
    with django_assert_num_queries(3):
        assert client.get("/api/notification-preferences/").status_code == 200
    for kind in ("pairing-proposed", "document-ready"):
        notify_services.preference_set(actor=world.bureau, kind=kind, channels=["in_app"])
    _fresh_scope(world.bureau)
    with django_assert_num_queries(3):
        assert client.get("/api/notification-preferences/").status_code == 200


def test_the_schema_lists_the_kinds_a_path_and_the_filter_take(world):
    schema = api().get("/api/schema/?format=json").json()
    keys = [k.key for k in kinds.every()]
    (kind,) = schema["paths"]["/api/notification-preferences/{kind}/"]["put"]["parameters"]
    assert sorted(kind["schema"]["enum"]) == sorted(keys)
    listed = schema["paths"]["/api/notifications/"]["get"]["parameters"]
    kind = next(p for p in listed if p["name"] == "kind")
    assert sorted(kind["schema"]["enum"]) == sorted([*keys, ""])


def test_a_user_without_roles_receives_only_the_kinds_for_anyone(db):
    nobody = UserFactory(username="nobody")
    body = api(nobody).get("/api/notification-preferences/").json()
    assert [row["kind"] for row in body] == [k.key for k in kinds.for_roles(set())]


def test_bureau_staff_of_a_county_see_the_robots_of_its_schools_only(world, robot):
    county = assign(UserFactory(username="west_bureau"), Role.BUREAU, region=world.west)
    assert api(county).get("/api/robots/").json()["results"] == []
    assert api(county).get(f"/api/robots/{robot.pk}/").status_code == 404
