"""Secondments (挂职, 支教, 跟岗): who records them, one at a time per person, and the
working days served by the host school's calendar."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
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


# --- confirming the days served ---------------------------------------------------------------


def confirm(world, secondment, days, who="coord_assisted"):
    return services.secondment_confirm_days(
        actor=getattr(world, who), secondment=secondment, days=days
    )


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("coord_assisted", True),  # the host school's coordinator: saw the person at work
        ("bureau", True),  # the programme's bureau
        ("coord_helping", False),  # the home school's: would vouch for their own person
        ("inspector", False),
        ("mentor", False),
        ("outsider", False),
    ],
)
def test_the_host_school_and_the_bureau_confirm_the_days_not_the_home_school(
    world, active, chen, who, allowed
):
    secondment = second(world, active, chen)  # to the assisted school, 6 days, ended
    if allowed:
        confirmed = confirm(world, secondment, 5, who=who)
        assert confirmed.days_confirmed == 5 and confirmed.days_confirmed_by == getattr(world, who)
        assert confirmed.days_confirmed_at is not None
    else:
        with pytest.raises(PermissionDenied):
            confirm(world, secondment, 5, who=who)
        assert Secondment.objects.get().days_confirmed_at is None


def test_the_host_school_is_whichever_school_receives_the_person(world, active):
    zhao = teacher_services.teacher_create(actor=world.coord_assisted, school=world.assisted,
                                           name="赵小燕")  # fmt: skip
    secondment = second(world, active, zhao, host_school=world.helping, kind="shadowing")
    with pytest.raises(PermissionDenied):
        confirm(world, secondment, 6, who="coord_assisted")
    assert confirm(world, secondment, 6, who="coord_helping").days_confirmed == 6


def test_the_days_are_confirmed_from_three_days_before_the_last_day(world, active, chen):
    # Today is 27 November: a last day of 1 December is four days ahead.
    secondment = second(world, active, chen, start=D(2026, 11, 16), end=D(2026, 12, 1))
    with pytest.raises(ValidationError) as raised:
        confirm(world, secondment, 10)
    assert "2026-11-28" in str(raised.value.message_dict["days"])
    assert Secondment.objects.get().days_confirmed_at is None
    secondment = services.secondment_update(
        actor=world.coord_helping, secondment=secondment, end=D(2026, 11, 30)
    )
    assert confirm(world, secondment, 10).days_confirmed == 10


@pytest.mark.parametrize("days", [7, -1, True, "6"])
def test_days_outside_0_to_the_days_planned_are_refused_at_days(world, active, chen, days):
    secondment = second(world, active, chen)  # 6 planned
    with pytest.raises(ValidationError) as raised:
        confirm(world, secondment, days)
    assert "6" in str(raised.value.message_dict["days"])
    assert Secondment.objects.get().days_confirmed_at is None
    assert confirm(world, secondment, 0).days_confirmed == 0
    assert confirm(world, secondment, 6).days_confirmed == 6


def test_a_cancelled_secondment_has_no_days_to_confirm(world, active, chen):
    secondment = second(world, active, chen)
    services.secondment_cancel(actor=world.coord_helping, secondment=secondment, reason="未成行")
    with pytest.raises(ValidationError):
        confirm(world, secondment, 3)
    assert Secondment.objects.get().days_confirmed_at is None


def test_confirming_again_replaces_the_number_and_the_history_keeps_the_first(world, active, chen):
    secondment = second(world, active, chen)
    confirm(world, secondment, 4)
    again = confirm(world, secondment, 6, who="bureau")
    assert (again.days_confirmed, again.days_confirmed_by) == (6, world.bureau)
    history = list(Secondment.objects.get().history.order_by("history_date", "history_id"))
    assert [h.days_confirmed for h in history] == [None, 4, 6]
    assert [h.history_user for h in history[1:]] == [world.coord_assisted, world.bureau]


@pytest.mark.parametrize(
    ("change", "cleared"),
    [
        ({"end": D(2026, 10, 9)}, True),
        ({"start": D(2026, 9, 29)}, True),
        ({"duties": "挂职副校长，分管德育"}, False),
    ],
)
def test_a_change_of_the_dates_clears_the_confirmation(world, active, chen, change, cleared):
    secondment = second(world, active, chen)
    confirm(world, secondment, 6)
    changed = services.secondment_update(actor=world.coord_helping, secondment=secondment,
                                         **change)  # fmt: skip
    changed = Secondment.objects.get(pk=changed.pk)
    if cleared:
        assert (changed.days_confirmed, changed.days_confirmed_at, changed.days_confirmed_by) == (
            None, None, None,
        )  # fmt: skip
        assert changed.history.first().history_type == "~"
    else:
        assert changed.days_confirmed == 6 and changed.days_confirmed_by == world.coord_assisted


def test_the_host_coordinator_confirms_on_the_page_and_sees_it(client, world, active, chen):
    secondment = second(world, active, chen)
    url = reverse("activities:secondment_confirm_days", args=[secondment.pk])
    client.force_login(world.coord_assisted)
    page = client.get(secondment.get_absolute_url())
    assert page.context["confirm_form"]["days"].value() == 6  # prefilled with the days served
    assert f'action="{url}"' in page.content.decode()
    assert client.get(url).status_code == 405
    bad = client.post(url, {"days": "7"})
    assert bad.status_code == 400 and bad.context["confirm_form"].errors["days"]
    assert Secondment.objects.get().days_confirmed_at is None
    done = client.post(url, {"days": "5"})
    assert done.status_code == 302 and done.url == secondment.get_absolute_url()
    shown = client.get(secondment.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert f"5 by 刘联络 on {timezone.localdate().isoformat()}" in shown.content.decode()
    # The home school's coordinator reads the confirmation, and is offered no form.
    client.force_login(world.coord_helping)
    home = client.get(secondment.get_absolute_url())
    assert "confirm_form" not in home.context and "刘联络" in home.content.decode()


def test_the_page_offers_the_form_only_from_three_days_before_the_last_day(
    client, world, active, chen
):
    secondment = second(world, active, chen, start=D(2026, 11, 16), end=D(2026, 12, 1))
    client.force_login(world.coord_assisted)
    page = client.get(secondment.get_absolute_url()).content.decode()
    assert "2026-11-28" in page and f"secondments/{secondment.pk}/confirm-days/" not in page
    early = client.post(
        reverse("activities:secondment_confirm_days", args=[secondment.pk]), {"days": "9"}
    )
    assert early.status_code == 400 and early.context["confirm_form"].errors["days"]
    assert Secondment.objects.get().days_confirmed_at is None


@pytest.mark.parametrize(("who", "status"), [("coord_helping", 403), ("inspector", 403),
                                             ("mentor", 403), ("outsider", 404)])  # fmt: skip
def test_only_those_who_confirm_may_post_the_page(client, world, active, chen, who, status):
    secondment = second(world, active, chen)
    client.force_login(getattr(world, who))
    url = reverse("activities:secondment_confirm_days", args=[secondment.pk])
    assert client.post(url, {"days": "6"}).status_code == status
    assert Secondment.objects.get().days_confirmed_at is None


def test_the_api_confirms_the_days(world, active, chen):
    secondment = second(world, active, chen)
    url = reverse("api:secondment-confirm-days", args=[secondment.pk])
    api = APIClient()
    api.force_authenticate(world.inspector)
    assert api.post(url, {"days": 6}, format="json").status_code == 403
    api.force_authenticate(world.outsider)
    assert api.post(url, {"days": 6}, format="json").status_code == 404
    api.force_authenticate(world.coord_assisted)
    bad = api.post(url, {"days": 7}, format="json")
    assert bad.status_code == 400 and "days" in bad.json()["errors"]
    assert Secondment.objects.get().days_confirmed_at is None
    done = api.post(url, {"days": 6}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["days_confirmed"] == 6 and done.json()["days_confirmed_at"]
    listed = api.get(reverse("api:secondment-list")).json()["results"][0]
    assert listed["days_confirmed"] == 6
