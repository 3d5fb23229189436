"""The list of activity kinds, kept by administrators and the province's bureau on the
bureau's own pages (and the API and the admin), through the services: added, renamed,
reordered, taken out of use and back, never deleted; its history records who did it."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from activities import services
from activities.models import ActivityKind, PairingTarget
from tests.factories import RegionFactory, UserFactory, assign
from twinning import access
from twinning.access import resolve_scope
from twinning.models import Role

LIST = reverse("activities:kind_list")
API = reverse("api:activity-kind-list")


def edit_url(kind) -> str:
    return reverse("activities:kind_edit", args=[kind.pk])


def api_url(kind) -> str:
    return reverse("api:activity-kind-detail", args=[kind.code])


def kind(code: str) -> ActivityKind:
    return ActivityKind.objects.get(code=code)


def schedule(world, pairing, code: str, title: str = "互访"):
    start = timezone.now() - dt.timedelta(days=2)
    activity, _clashes = services.activity_schedule(
        actor=world.coord_helping, pairing=pairing, kind=kind(code), title=title,
        host_school=world.assisted, place="西山山村小学", starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
    )  # fmt: skip
    return activity


def target(programme, code: str, **fields) -> PairingTarget:
    return PairingTarget.objects.create(
        programme=programme, subject="activity", kind=kind(code), minimum=2, period="term",
        valid_from=dt.date(2026, 9, 1), **fields,
    )  # fmt: skip


@pytest.fixture
def county_bureau(world):
    return assign(UserFactory(username="county_bureau", full_name="西山县教育局"), Role.BUREAU,
                  region=world.west)  # fmt: skip


@pytest.fixture
def api():
    return APIClient()


def listing():
    return list(ActivityKind.objects.order_by("pk").values_list(
        "code", "name_zh", "name_en", "order", "is_active"))  # fmt: skip


# --- who keeps the list ---------------------------------------------------------------------


def test_administrators_and_the_bureau_of_a_top_level_region_keep_the_list(world, county_bureau):
    province = RegionFactory(name="某省", code="510000", level="province")
    city = RegionFactory(name="某市", code="510900", level="city", parent=province)
    provincial = assign(UserFactory(username="provincial"), Role.BUREAU, region=province)
    municipal = assign(UserFactory(username="municipal"), Role.BUREAU, region=city)
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    # 江城市 of the test world has no parent: its bureau is a top-level region's.
    keepers = [admin, provincial, world.bureau]
    others = [municipal, county_bureau, world.coord_helping, world.mentor, world.inspector]
    assert [access.can_manage_activity_kinds(resolve_scope(u)) for u in keepers] == [True] * 3
    assert [access.can_manage_activity_kinds(resolve_scope(u)) for u in others] == [False] * 5


# --- the page -------------------------------------------------------------------------------


def test_the_list_shows_every_kind_in_order_with_the_activities_of_it(client, world, active):
    schedule(world, active, "visit")
    schedule(world, active, "visit", "第二次互访")
    schedule(world, active, "lecture", "讲座")
    client.force_login(world.bureau)
    response = client.get(LIST)
    assert response.status_code == 200
    kinds = response.context["kinds"]
    assert [k.code for k in kinds] == list(ActivityKind.objects.values_list("code", flat=True))
    counts = {k.code: k.activity_count for k in kinds}
    assert counts["visit"] == 2 and counts["lecture"] == 1 and counts["joint_exam"] == 0
    page = response.content.decode()
    assert "互访" in page and "Visit" in page and "joint_lesson_study" in page
    assert response.context["form"] is not None and edit_url(kind("visit")) in page


def test_the_counts_are_of_the_activities_the_reader_may_see(client, world, active):
    schedule(world, active, "visit")
    client.force_login(world.outsider)  # another city's bureau, coordinator and inspector
    kinds = client.get(LIST).context["kinds"]
    assert {k.code: k.activity_count for k in kinds}["visit"] == 0


@pytest.mark.parametrize("persona", ["county_bureau", "coord_helping", "mentor", "inspector"])
def test_everyone_with_a_role_reads_the_list_without_its_forms(client, world, persona, request):
    user = request.getfixturevalue("county_bureau") if persona == "county_bureau" else getattr(
        world, persona
    )  # fmt: skip
    client.force_login(user)
    response = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["form"] is None
    page = response.content.decode()
    assert "互访" in page and edit_url(kind("visit")) not in page
    assert "the province's bureau keep this list" in page


def test_a_user_without_a_role_gets_403(client, world):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(LIST).status_code == 403


def test_the_province_bureau_adds_renames_reorders_retires_and_restores_a_kind(client, world):
    client.force_login(world.bureau)
    response = client.post(
        LIST, {"code": "reading_club", "name_zh": "读书会", "name_en": "Reading club",
               "order": "135"},
    )  # fmt: skip
    assert response.status_code == 302 and response.url == LIST
    added = kind("reading_club")
    assert (added.name_zh, added.name_en, added.order, added.is_active) == (
        "读书会", "Reading club", 135, True,
    )  # fmt: skip
    assert [str(m) for m in get_messages(response.wsgi_request)]
    assert client.get(edit_url(added)).status_code == 200

    response = client.post(
        edit_url(added), {"name_zh": "教师读书会", "name_en": "Teachers' reading club",
                          "order": "5"},
    )  # fmt: skip
    assert response.status_code == 302
    added.refresh_from_db()
    assert (added.name_zh, added.order, added.is_active) == ("教师读书会", 5, False)
    assert added.code == "reading_club"
    assert ActivityKind.objects.first() == added  # first in the list's order

    client.post(edit_url(added), {"name_zh": "教师读书会", "name_en": "Teachers' reading club",
                                  "order": "5", "is_active": "on"})  # fmt: skip
    added.refresh_from_db()
    assert added.is_active


def test_a_kind_out_of_use_is_no_longer_offered_for_new_activities(client, world, active):
    services.activity_kind_update(actor=world.bureau, kind=kind("lecture"), is_active=False)
    client.force_login(world.coord_helping)
    form = client.get(reverse("activities:activity_create", args=[active.pk])).context["form"]
    offered = set(form.fields["kind"].queryset.values_list("code", flat=True))
    assert "lecture" not in offered and "visit" in offered
    assert LIST in str(form.fields["kind"].help_text)


@pytest.mark.parametrize("persona", ["county_bureau", "coord_helping", "mentor", "inspector"])
def test_others_get_403_on_every_write_and_nothing_changes(world, persona, request, api, client):
    user = request.getfixturevalue("county_bureau") if persona == "county_bureau" else getattr(
        world, persona
    )  # fmt: skip
    visit = kind("visit")
    before = listing()
    client.force_login(user)
    payload = {"code": "new", "name_zh": "新", "name_en": "New", "order": "1"}
    assert client.post(LIST, payload).status_code == 403
    assert client.get(edit_url(visit)).status_code == 403
    assert (
        client.post(edit_url(visit), {"name_zh": "改", "name_en": "x", "order": "1"}).status_code
        == 403
    )
    api.force_authenticate(user)
    assert api.post(API, {**payload, "order": 1}, format="json").status_code == 403
    assert api.patch(api_url(visit), {"is_active": False}, format="json").status_code == 403
    assert listing() == before
    with pytest.raises(PermissionDenied):
        services.activity_kind_update(actor=user, kind=visit, name_zh="改")


def test_a_kind_is_never_deleted(client, world):
    client.force_login(world.bureau)
    assert "A kind is never deleted" in client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert client.delete(edit_url(kind("visit"))).status_code == 405
    api = APIClient()
    api.force_authenticate(world.bureau)
    assert api.delete(api_url(kind("visit"))).status_code == 405
    assert ActivityKind.objects.filter(code="visit").exists()


# --- what is refused ------------------------------------------------------------------------


def test_a_kind_a_current_target_counts_stays_in_use_and_the_programme_is_named(client, world):
    target(world.programme, "lecture")
    client.force_login(world.bureau)
    lecture = kind("lecture")
    response = client.post(edit_url(lecture), {"name_zh": "专题讲座", "name_en": "Lecture",
                                               "order": str(lecture.order)})  # fmt: skip
    assert response.status_code == 400
    errors = response.context["form"].errors["is_active"]
    assert "江城市城乡学校结对帮扶" in errors[0]
    assert kind("lecture").is_active


def test_a_kind_the_default_targets_count_stays_in_use_while_a_programme_follows_them(world):
    with pytest.raises(ValidationError) as refused:
        services.activity_kind_update(
            actor=world.bureau, kind=kind("lesson_delivery"), is_active=False
        )
    assert "默认" in refused.value.message_dict["is_active"][0]
    assert kind("lesson_delivery").is_active


def test_a_target_no_longer_in_force_does_not_keep_a_kind_in_use(world):
    target(world.programme, "lecture", valid_until=dt.date(2026, 12, 31))
    services.activity_kind_update(actor=world.bureau, kind=kind("lecture"), is_active=False)
    assert not kind("lecture").is_active


def test_another_regions_programme_is_counted_not_named(world):
    target(world.far_programme, "lecture")
    with pytest.raises(ValidationError) as refused:
        services.activity_kind_update(actor=world.bureau, kind=kind("lecture"), is_active=False)
    message = refused.value.message_dict["is_active"][0]
    assert "远方市结对帮扶" not in message and "1" in message
    admin = UserFactory(username="root", is_superuser=True)
    with pytest.raises(ValidationError) as refused:
        services.activity_kind_update(actor=admin, kind=kind("lecture"), is_active=False)
    assert "远方市结对帮扶" in refused.value.message_dict["is_active"][0]


@pytest.mark.parametrize(
    "field, payload",
    [
        ("code", {"code": "visit"}),  # taken
        ("code", {"code": "Reading Club"}),  # not a slug
        ("code", {"code": "读书会"}),
        ("name_zh", {"name_zh": "互访"}),  # another kind's Chinese name
        ("name_zh", {"name_zh": "   "}),
        ("name_en", {"name_en": ""}),
    ],
)
def test_bad_input_answers_400_at_the_field_and_changes_nothing(client, world, field, payload):
    before = listing()
    client.force_login(world.bureau)
    data = {"code": "reading_club", "name_zh": "读书会", "name_en": "Reading club", "order": "1",
            **payload}  # fmt: skip
    response = client.post(LIST, data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert listing() == before


def test_a_renamed_kind_cannot_take_another_kinds_chinese_name(client, world):
    client.force_login(world.bureau)
    lecture = kind("lecture")
    response = client.post(edit_url(lecture), {"name_zh": "互访", "name_en": "Lecture",
                                               "order": "1", "is_active": "on"})  # fmt: skip
    assert response.status_code == 400 and response.context["form"].errors["name_zh"]
    assert kind("lecture").name_zh == "专题讲座"


def test_a_code_is_fixed_once_made(world):
    with pytest.raises(ValidationError) as refused:
        services.activity_kind_update(actor=world.bureau, kind=kind("visit"), code="trip")
    assert "code" in refused.value.message_dict
    assert kind("visit").code == "visit"


# --- history --------------------------------------------------------------------------------


def test_history_records_who_changed_what_and_the_page_shows_it(client, world):
    added = services.activity_kind_create(
        actor=world.bureau, code="reading_club", name_zh="读书会", name_en="Reading club",
        order=135,
    )  # fmt: skip
    services.activity_kind_update(actor=world.bureau2, kind=added, name_zh="教师读书会",
                                  is_active=False)  # fmt: skip
    services.activity_kind_update(actor=world.bureau2, kind=added, name_zh="教师读书会")  # no-op
    newest, created = added.history.all()[:2]
    assert (newest.history_user, created.history_user) == (world.bureau2, world.bureau)
    assert added.history.count() == 2
    client.force_login(world.inspector)
    changes = client.get(LIST).context["changes"]
    assert changes[0]["who"] == "李科" and changes[0]["label"] == "教师读书会"
    assert "读书会 → 教师读书会" in changes[0]["what"]
    assert changes[1]["who"] == "王局" and changes[1]["label"] == "读书会"
    assert len(changes) <= 10


# --- the API --------------------------------------------------------------------------------


def test_the_api_adds_and_changes_kinds_by_code(api, world):
    api.force_authenticate(world.bureau)
    response = api.post(API, {"code": "reading_club", "name_zh": "读书会",
                              "name_en": "Reading club", "order": 135}, format="json")  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json() == {"code": "reading_club", "name": "读书会", "name_zh": "读书会",
                               "name_en": "Reading club", "order": 135,
                               "is_active": True}  # fmt: skip
    response = api.patch(
        api_url(kind("reading_club")), {"is_active": False, "order": 1}, format="json"
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert kind("reading_club").history.first().history_user == world.bureau
    listed = api.get(API).json()
    assert listed[0]["code"] == "reading_club"
    assert set(listed[0]) == {"code", "name", "name_zh", "name_en", "order", "is_active"}


def test_the_api_refuses_what_the_page_refuses(api, world):
    target(world.programme, "lecture")
    api.force_authenticate(world.bureau)
    response = api.post(API, {"code": "visit", "name_zh": "新", "name_en": "New"}, format="json")
    assert response.status_code == 400 and response.json()["codes"]["code"] == ["unique"]
    response = api.patch(api_url(kind("lecture")), {"is_active": False}, format="json")
    assert response.status_code == 400
    assert "江城市城乡学校结对帮扶" in response.json()["errors"]["is_active"][0]
    assert response.json()["codes"]["is_active"] == ["rule"]
    response = api.post(API, {"code": "a\n", "name_zh": "新", "name_en": "New"}, format="json")
    assert response.status_code == 400 and "code" in response.json()["errors"]
    assert api.patch("/api/activity-kinds/nothing/", {}, format="json").status_code == 404


# --- the admin ------------------------------------------------------------------------------


def test_the_admin_saves_through_the_services(client, world):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    target(world.programme, "lecture")
    client.force_login(admin)
    lecture = kind("lecture")
    url = f"/admin/activities/activitykind/{lecture.pk}/change/"
    data = {"name_zh": "讲座", "name_en": "Lecture", "order": "50"}
    response = client.post(url, data)  # no "is_active": taking it out of use
    assert response.status_code == 200
    assert "江城市城乡学校结对帮扶" in response.content.decode()
    assert kind("lecture").name_zh == "专题讲座"
    response = client.post(url, {**data, "is_active": "on"})
    assert response.status_code == 302
    assert kind("lecture").name_zh == "讲座"
    assert kind("lecture").history.first().history_user == admin
    response = client.post(
        "/admin/activities/activitykind/add/",
        {"code": "reading_club", "name_zh": "读书会", "name_en": "Reading club", "order": "1"},
    )
    assert response.status_code == 302
    assert kind("reading_club").history.first().history_user == admin


# --- query counts ---------------------------------------------------------------------------


def test_the_list_page_runs_a_constant_number_of_queries(
    client, world, active, django_assert_num_queries
):
    client.force_login(world.bureau)
    schedule(world, active, "visit")
    # 1 user, 2–3 scope (assignments, region subtree), 4 the pairings reaching beyond the
    # bureau's regions, 5 activity counts by kind, 6 kinds, 7 the recent changes with their
    # users and each one's predecessor, 8 unread notifications.
    with django_assert_num_queries(8):
        client.get(LIST)
    for n in range(3):
        added = services.activity_kind_create(
            actor=world.bureau, code=f"kind_{n}", name_zh=f"类型{n}", name_en=f"Kind {n}"
        )
        services.activity_kind_update(actor=world.bureau2, kind=added, order=n)
        schedule(world, active, f"kind_{n}", f"活动{n}")
    with django_assert_num_queries(8):
        response = client.get(LIST)
    assert len(response.context["kinds"]) == ActivityKind.objects.count()
