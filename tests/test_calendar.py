"""The school calendar's working days: the national schedule with its make-up days, and
the exceptions a region's bureau records for itself and the regions below it."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from schools import services
from twinning import calendar

D = dt.date


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    # Term 1 of 2026–2027: the exceptions below, in February 2027, are in no closed term.
    monkeypatch.setattr("twinning.calendar.today", lambda: D(2026, 11, 18))


def test_the_national_day_week_is_off_and_its_make_up_days_are_worked(db):
    # 2026: 1–7 October off; Sunday 20 September and Saturday 10 October worked.
    # 28–30 September, then 8, 9 and (the make-up Saturday) 10 October.
    assert calendar.working_days(D(2026, 9, 28), D(2026, 10, 11)) == 6
    assert calendar.is_working_day(D(2026, 9, 20)) and calendar.is_working_day(D(2026, 10, 10))
    assert not calendar.is_working_day(D(2026, 10, 5))
    assert calendar.working_days(D(2026, 10, 1), D(2026, 10, 7)) == 0
    assert calendar.working_days(D(2026, 10, 8), D(2026, 10, 7)) == 0  # end before start


def test_a_year_the_library_does_not_cover_counts_monday_to_friday(db):
    assert calendar.working_days(D(2027, 1, 4), D(2027, 1, 10)) == 5


def test_a_bureau_records_exceptions_for_its_region_and_those_below(world):
    # The Spring Festival of 2027, before the holiday library knows it.
    for day in (D(2027, 2, 8), D(2027, 2, 9)):
        services.day_override_set(
            actor=world.bureau, region=world.city, date=day, is_working_day=False,
            note="2027年春节",
        )  # fmt: skip
    week = (D(2027, 2, 8), D(2027, 2, 14))
    assert calendar.working_days(*week, world.west.path) == 3
    assert calendar.working_days(*week, world.far_county.path) == 5  # another city
    assert calendar.working_days(*week) == 5  # the national schedule alone
    # A county's own entry wins over its city's.
    services.day_override_set(
        actor=world.bureau, region=world.west, date=D(2027, 2, 9), is_working_day=True,
        note="西山县正常上课",
    )  # fmt: skip
    assert calendar.working_days(*week, world.west.path) == 4
    assert calendar.working_days(*week, world.east.path) == 3
    day = world.west.day_overrides.get()
    services.day_override_remove(actor=world.bureau, day=day)
    assert calendar.working_days(*week, world.west.path) == 3


def test_only_the_regions_bureau_records_exceptions(world):
    for who in ("inspector", "coord_helping", "outsider"):
        with pytest.raises(PermissionDenied):
            services.day_override_set(
                actor=getattr(world, who), region=world.city, date=D(2027, 2, 8),
                is_working_day=False, note="春节",
            )  # fmt: skip
    assert not world.city.day_overrides.exists()


def test_bureau_staff_record_an_exception_on_the_page(client, world):
    client.force_login(world.bureau)
    url = reverse("schools:day_overrides")
    response = client.post(
        url, {"region_code": world.west.code, "date": "2027-02-09", "is_working_day": "0",
              "note": "春节"},
    )  # fmt: skip
    assert response.status_code == 302
    assert calendar.working_days(D(2027, 2, 8), D(2027, 2, 12), world.west.path) == 4
    bad = client.post(url, {"region_code": world.far_county.code, "date": "2027-02-10",
                            "is_working_day": "0", "note": "春节"})  # fmt: skip
    assert bad.status_code == 400 and "region_code" in bad.context["form"].errors
    # Teachers of the region read what holds for them; they add nothing.
    client.force_login(world.mentee)
    page = client.get(url).content.decode()
    assert "春节" in page and 'name="note"' not in page
    assert client.post(url, {"region_code": world.west.code, "date": "2027-02-11",
                             "is_working_day": "0", "note": "x"}).status_code == 403  # fmt: skip
    client.force_login(world.bureau)
    day = world.west.day_overrides.get()
    client.post(reverse("schools:day_override_remove", args=[day.pk]))
    assert calendar.working_days(D(2027, 2, 8), D(2027, 2, 12), world.west.path) == 5


def test_the_api_records_lists_and_removes_exceptions(world):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world.bureau)
    created = api.post(reverse("api:day-override-list"), {
        "region": world.west.pk, "date": "2027-02-09", "is_working_day": False, "note": "春节",
    }, format="json")  # fmt: skip
    assert created.status_code == 201, created.json()
    assert calendar.working_days(D(2027, 2, 8), D(2027, 2, 12), world.west.path) == 4
    assert api.get(reverse("api:day-override-list"), {"year": 2027}).json()["count"] == 1
    api.force_authenticate(world.coord_assisted)  # reads what holds for their school
    assert api.get(reverse("api:day-override-list")).json()["count"] == 1
    assert api.post(reverse("api:day-override-list"), {
        "region": world.west.pk, "date": "2027-02-10", "is_working_day": False, "note": "x",
    }, format="json").status_code == 403  # fmt: skip
    api.force_authenticate(world.bureau)
    assert (
        api.delete(reverse("api:day-override-detail", args=[created.json()["id"]])).status_code
        == 204
    )
    assert calendar.working_days(D(2027, 2, 8), D(2027, 2, 12), world.west.path) == 5
