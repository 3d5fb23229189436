"""Secondments (挂职, 支教, 跟岗): who records them, one at a time per person, and the
working days served by the host school's calendar."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from activities import selectors, services
from activities.models import Secondment
from schools import services as school_services
from teachers import services as teacher_services

D = dt.date


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("twinning.calendar.today", lambda: D(2026, 11, 27))


@pytest.fixture
def chen(world, active):
    return teacher_services.teacher_create(
        actor=world.coord_helping, school=world.helping, name="陈红梅", subjects="数学"
    )


def second(world, pairing, teacher, **extra):
    fields = {
        "kind": "secondment", "teacher": teacher, "host_school": world.assisted,
        "start": D(2026, 9, 28), "end": D(2026, 10, 11), "duties": "挂职副校长", **extra,
    }  # fmt: skip
    return services.secondment_record(actor=world.coord_helping, pairing=pairing, **fields)


def test_days_served_skip_the_national_day_week_and_count_its_make_up_saturday(world, active, chen):
    secondment = second(world, active, chen)
    secondment = Secondment.objects.select_related("host_region").get(pk=secondment.pk)
    # 28–30 September, then 8, 9 and the make-up Saturday 10 October.
    assert secondment.days_planned() == 6 == secondment.days_served()
    assert secondment.days_served(on=D(2026, 10, 7)) == 3
    assert secondment.home_school == world.helping and secondment.host_region == world.west


def test_a_local_day_off_of_the_host_region_is_not_served(world, active, chen):
    school_services.day_override_set(
        actor=world.bureau, region=world.west, date=D(2026, 9, 29), is_working_day=False,
        note="暴雪停课",
    )  # fmt: skip
    secondment = second(world, active, chen)
    secondment = Secondment.objects.select_related("host_region").get(pk=secondment.pk)
    assert secondment.days_served() == 5


def test_one_person_is_never_seconded_twice_at_once(world, active, chen):
    second(world, active, chen)
    with pytest.raises(ValidationError) as raised:
        second(world, active, chen, start=D(2026, 10, 11), end=D(2026, 10, 30))
    assert "西山山村小学" in str(raised.value.message_dict["start"])
    assert Secondment.objects.count() == 1
    # Once cancelled, its days are free again.
    services.secondment_cancel(
        actor=world.coord_assisted, secondment=Secondment.objects.get(), reason="家中有事"
    )
    second(world, active, chen, start=D(2026, 10, 11), end=D(2026, 10, 30))
    assert Secondment.objects.count() == 2


@pytest.mark.parametrize(
    "change, field",
    [
        ({"end": D(2026, 9, 1)}, "end"),
        ({"host_school": "own"}, "host_school"),
        ({"host_school": "spare"}, "host_school"),
        ({"duties": ""}, "duties"),
    ],
)
def test_bad_secondments_name_their_field_and_change_nothing(world, active, chen, change, field):
    if change.get("host_school") == "own":
        change = {"host_school": world.helping}
    elif change.get("host_school") == "spare":
        change = {"host_school": world.spare}
    with pytest.raises(ValidationError) as raised:
        second(world, active, chen, **change)
    assert field in raised.value.message_dict
    assert not Secondment.objects.exists()


def test_a_teacher_outside_the_pairing_is_refused(world, active):
    other = teacher_services.teacher_create(actor=world.bureau, school=world.spare, name="外校")
    with pytest.raises(ValidationError) as raised:
        second(world, active, other)
    assert "teacher" in raised.value.message_dict


@pytest.mark.parametrize("who", ["inspector", "mentor", "outsider"])
def test_only_coordinators_and_bureau_record_them(world, active, chen, who):
    with pytest.raises(PermissionDenied):
        services.secondment_record(
            actor=getattr(world, who), pairing=active, kind="shadowing", teacher=chen,
            host_school=world.assisted, start=D(2026, 10, 12), end=D(2026, 10, 16), duties="跟岗",
        )  # fmt: skip


def test_the_days_of_a_school_year_add_up_per_pairing(world, active, chen):
    second(world, active, chen)  # 6 days
    zhao = teacher_services.teacher_create(actor=world.coord_assisted, school=world.assisted,
                                           name="赵小燕")  # fmt: skip
    second(world, active, zhao, host_school=world.helping, start=D(2026, 8, 24),
           end=D(2026, 9, 4), kind="shadowing")  # fmt: skip  # 1–4 September in this year
    days = selectors.secondment_days(Secondment.objects.all(), D(2026, 9, 1), D(2027, 8, 31))
    assert days == {active.pk: 6 + 4}


def test_a_coordinator_records_one_on_the_page_and_sees_the_days(client, world, active, chen):
    client.force_login(world.coord_assisted)
    response = client.post(
        reverse("activities:secondment_create", args=[active.pk]),
        {"kind": "teaching_placement", "teacher": chen.pk, "host_school": world.assisted.pk,
         "start": "2026-09-28", "end": "2026-10-11", "duties": "支教五年级数学"},
    )  # fmt: skip
    secondment = Secondment.objects.get()
    assert response.status_code == 302 and response.url == secondment.get_absolute_url()
    tab = client.get(reverse("activities:pairing_exchanges", args=[active.pk])).content.decode()
    assert "陈红梅" in tab and "6 / 6" in tab
    page = client.get(secondment.get_absolute_url()).content.decode()
    assert "支教五年级数学" in page
    bad = client.post(
        reverse("activities:secondment_create", args=[active.pk]),
        {"kind": "shadowing", "teacher": chen.pk, "host_school": world.assisted.pk,
         "start": "2026-10-01", "end": "2026-10-20", "duties": "跟岗"},
    )  # fmt: skip
    assert bad.status_code == 200 and bad.context["form"].errors["start"]
    assert Secondment.objects.count() == 1


def test_the_api_answers_the_days_and_refuses_an_overlap(world, active, chen):
    api = APIClient()
    api.force_authenticate(world.coord_helping)
    payload = {"pairing": active.pk, "kind": "secondment", "teacher": chen.pk,
               "host_school": world.assisted.pk, "start": "2026-09-28", "end": "2026-10-11",
               "duties": "挂职"}  # fmt: skip
    created = api.post(reverse("api:secondment-list"), payload, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["days_served"] == 6 and created.json()["home_school"] == world.helping.pk
    again = api.post(reverse("api:secondment-list"), payload, format="json")
    assert again.status_code == 400 and "start" in again.json()["errors"]
    listed = api.get(reverse("api:secondment-list")).json()
    assert listed["count"] == 1 and listed["results"][0]["days_planned"] == 6


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # 3 region subtree, 4 visible pairings, 5 count, 6 page (person, schools, host
        # region, pairing joined), 7 unread count.
        (lambda w: reverse("activities:secondment_list"), 7),
        # 3 region subtree, 4 visible pairings, 5 count, 6 page.
        (lambda w: reverse("api:secondment-list"), 6),
        # 3 region subtree, 4 visible pairings, 5 the rows.
        (lambda w: reverse("activities:secondment_export_csv"), 5),
    ],
    ids=["page", "api", "csv"],
)
def test_the_lists_run_a_constant_number_of_queries(
    world, active, chen, url, expected, django_assert_num_queries
):
    client = APIClient()
    client.force_login(world.bureau)
    second(world, active, chen)

    def fetch():
        response = client.get(url(world))
        assert response.status_code == 200
        if response.streaming:
            return b"".join(response.streaming_content).decode("utf-8-sig")
        return response.content.decode()

    with django_assert_num_queries(expected):
        fetch()
    for n in range(4):
        teacher = teacher_services.teacher_create(
            actor=world.coord_helping, school=world.helping, name=f"老师{n}"
        )
        second(world, active, teacher)
    with django_assert_num_queries(expected):
        body = fetch()
    assert body.count("老师") >= 4
