"""A region's term dates on the bureau's own page and in the API, and the closed-period
rule: a term that is over keeps its dates, and a working-day exception of a day before the
term under way no longer changes (so that what the period counted stays as it closed)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from schools import services
from schools.models import DayOverride, TermDates
from twinning import calendar

D = dt.date
TODAY = D(2026, 11, 18)  # a Wednesday of term 1 of 2026–2027


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("twinning.calendar.today", lambda: TODAY)


def on(monkeypatch, day: dt.date) -> None:
    monkeypatch.setattr("twinning.calendar.today", lambda: day)


def term_form(region, year=2026, term=2, start="2027-02-22", end="2027-07-09") -> dict:
    return {"region_code": region.code, "school_year": year, "term": term, "start": start,
            "end": end}  # fmt: skip


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def state():
    """Everything a refused change might alter."""
    return (
        list(TermDates.objects.order_by("pk").values_list("region", "school_year", "term",
                                                          "start", "end")),
        TermDates.history.count(),
    )  # fmt: skip


# --- the page ------------------------------------------------------------------------------


def test_bureau_staff_set_a_terms_dates_on_the_page_and_they_count(client, world):
    client.force_login(world.bureau)
    url = reverse("schools:term_dates")
    response = client.post(url, term_form(world.west))
    assert response.status_code == 302
    term = calendar.term_dates(2026, 2, world.west.path)
    assert (term.start, term.end) == (D(2027, 2, 22), D(2027, 7, 9))
    assert calendar.term_dates(2026, 2, world.east.path).start == D(2027, 2, 1)  # a neighbour
    page = client.get(url).content.decode()
    assert "西山县" in page and "2026–2027" in page and "2027-02-22" in page
    assert 'data-confirm="' in page and reverse("schools:day_overrides") in page
    # Setting the same term again changes it.
    assert client.post(url, term_form(world.west, end="2027-07-02")).status_code == 302
    assert TermDates.objects.get(region=world.west).end == D(2027, 7, 2)


def test_the_page_shows_the_dates_that_hold_before_any_are_set(client, world):
    client.force_login(world.mentee)  # a teacher of 西山县
    page = client.get(reverse("schools:term_dates"))
    assert page.status_code == 200
    held = page.context["held"]
    # This school year and the next, both terms, by default.
    assert [(h.region, h.term.school_year, h.term.number) for h in held] == [
        (world.west, 2026, 1), (world.west, 2026, 2), (world.west, 2027, 1),
        (world.west, 2027, 2),
    ]  # fmt: skip
    assert (held[0].term.start, held[0].term.end, held[0].source) == (
        D(2026, 9, 1), D(2027, 1, 31), None
    )  # fmt: skip
    body = page.content.decode()
    assert "2026-09-01" in body and "2027-01-31" in body and 'name="start"' not in body
    # Once the city sets term 2, the county's page says where its dates come from.
    services.term_dates_set(actor=world.bureau, region=world.city, school_year=2026, term=2,
                            start=D(2027, 2, 22), end=D(2027, 7, 9))  # fmt: skip
    held = client.get(reverse("schools:term_dates")).context["held"]
    assert (held[1].term.start, held[1].source) == (D(2027, 2, 22), world.city)


def test_the_page_and_the_api_run_as_many_queries_for_many_rows_as_for_few(
    client, world, django_assert_num_queries
):
    client.force_login(world.bureau)
    url = reverse("schools:term_dates")
    services.term_dates_set(actor=world.bureau, region=world.city, school_year=2026, term=2,
                            start=D(2027, 2, 22), end=D(2027, 7, 9))  # fmt: skip
    # 1 user, 2 role assignments, 3 region subtree; 4 paginator count, 5 the page of rows
    # (regions joined); the dates that hold: 6 the user's regions, 7 the terms around today,
    # 8 the own dates of those regions and above; 9 the recent changes (users, regions
    # joined, the dates before each change beside it); 10 unread count.
    with django_assert_num_queries(10):
        client.get(url)
    for n, region in enumerate((world.east, world.west)):
        services.term_dates_set(actor=world.bureau, region=region, school_year=2027 + n, term=1,
                                start=D(2027 + n, 9, 1), end=D(2028 + n, 1, 20))  # fmt: skip
    with django_assert_num_queries(10):
        page = client.get(url)
    assert len(page.context["page_obj"].object_list) == 3 and len(page.context["changes"]) == 3
    reader = api(type(world.bureau).objects.get(pk=world.bureau.pk))  # its scope not read yet
    # 1 role assignments, 2 region subtree, 3 count, 4 the rows (regions joined).
    with django_assert_num_queries(4):
        assert reader.get(reverse("api:term-dates-list")).json()["count"] == 3


@pytest.mark.parametrize(
    "change, field",
    [
        # Term 2 is set from 1 February: term 1 may not run into it.
        ({"term": 1, "start": "2026-09-01", "end": "2027-02-10"}, "start"),
        # Term 2 of 2025–2026 ended on 31 July 2026.
        ({"year": 2025, "start": "2026-02-23", "end": "2026-07-31"}, "term"),
        # The last day has passed already.
        ({"term": 1, "start": "2026-09-01", "end": "2026-11-13"}, "end"),
        # Out of the school year.
        ({"term": 1, "start": "2026-07-01", "end": "2027-01-22"}, "end"),
        ({"year": 1999}, "school_year"),
    ],
    ids=["overlap", "closed_term", "last_day_past", "out_of_the_year", "year"],
)
def test_a_bad_input_answers_400_with_the_message_at_the_field_and_changes_nothing(
    client, world, change, field
):
    services.term_dates_set(actor=world.bureau, region=world.west, school_year=2026, term=2,
                            start=D(2027, 2, 1), end=D(2027, 7, 9))  # fmt: skip
    client.force_login(world.bureau)
    before = state()
    response = client.post(reverse("schools:term_dates"), term_form(world.west, **change))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert state() == before
    refused = api(world.bureau).post(reverse("api:term-dates-list"), {
        "region": world.west.pk, "school_year": change.get("year", 2026),
        "term": change.get("term", 2), "start": change.get("start", "2027-02-22"),
        "end": change.get("end", "2027-07-09"),
    }, format="json")  # fmt: skip
    assert refused.status_code == 400 and field in refused.json()["errors"]
    assert state() == before


def test_a_term_that_is_over_keeps_its_dates(client, world, monkeypatch):
    dates = services.term_dates_set(actor=world.bureau, region=world.west, school_year=2026,
                                    term=1, start=D(2026, 9, 1), end=D(2027, 1, 22))  # fmt: skip
    on(monkeypatch, D(2027, 3, 1))
    before = state()
    with pytest.raises(ValidationError) as refused:
        services.term_dates_set(actor=world.bureau, region=world.west, school_year=2026, term=1,
                                start=D(2026, 9, 1), end=D(2027, 1, 29))  # fmt: skip
    assert "term" in refused.value.message_dict
    client.force_login(world.bureau)
    page = client.get(reverse("schools:term_dates")).content.decode()
    assert reverse("schools:term_dates_remove", args=[dates.pk]) not in page  # no button
    response = client.post(reverse("schools:term_dates_remove", args=[dates.pk]), follow=True)
    assert [str(m) for m in response.context["messages"]]  # says why
    deleted = api(world.bureau).delete(reverse("api:term-dates-detail", args=[dates.pk]))
    assert deleted.status_code == 400 and "term" in deleted.json()["errors"]
    assert state() == before
    # Term 2 has not begun: it may still change.
    services.term_dates_set(actor=world.bureau, region=world.west, school_year=2026, term=2,
                            start=D(2027, 2, 22), end=D(2027, 7, 9))  # fmt: skip


def test_dates_are_not_removed_when_those_that_would_hold_instead_are_over(world, monkeypatch):
    services.term_dates_set(actor=world.bureau, region=world.city, school_year=2026, term=1,
                            start=D(2026, 9, 1), end=D(2027, 1, 15))  # fmt: skip
    own = services.term_dates_set(actor=world.bureau, region=world.west, school_year=2026,
                                  term=1, start=D(2026, 9, 1), end=D(2027, 1, 29))  # fmt: skip
    on(monkeypatch, D(2027, 1, 20))  # the city's term is over, the county's is not
    with pytest.raises(ValidationError) as refused:
        services.term_dates_remove(actor=world.bureau, dates=own)
    assert "term" in refused.value.message_dict
    assert TermDates.objects.filter(pk=own.pk).exists()


def test_bureau_staff_remove_dates_and_the_dates_above_hold_again(client, world):
    dates = services.term_dates_set(actor=world.bureau, region=world.west, school_year=2026,
                                    term=2, start=D(2027, 2, 22), end=D(2027, 7, 9))  # fmt: skip
    client.force_login(world.bureau)
    response = client.post(reverse("schools:term_dates_remove", args=[dates.pk]))
    assert response.status_code == 302
    assert not TermDates.objects.exists()
    assert calendar.term_dates(2026, 2, world.west.path).start == D(2027, 2, 1)


# --- who may do what ------------------------------------------------------------------------


def test_an_outsider_gets_404_on_another_regions_dates(client, world):
    dates = services.term_dates_set(actor=world.bureau, region=world.west, school_year=2026,
                                    term=2, start=D(2027, 2, 22), end=D(2027, 7, 9))  # fmt: skip
    before = state()
    client.force_login(world.outsider)
    assert client.post(reverse("schools:term_dates_remove", args=[dates.pk])).status_code == 404
    page = client.get(reverse("schools:term_dates")).content.decode()
    assert "西山县" not in page and "江城市" not in page
    # Their own region's code is theirs; 西山县's is not.
    assert client.post(reverse("schools:term_dates"), term_form(world.west)).status_code == 400
    outsider = api(world.outsider)
    detail = reverse("api:term-dates-detail", args=[dates.pk])
    assert outsider.get(detail).status_code == 404
    assert outsider.delete(detail).status_code == 404
    assert outsider.get(reverse("api:term-dates-list")).json()["count"] == 0
    assert outsider.post(reverse("api:term-dates-list"), {
        "region": world.west.pk, "school_year": 2026, "term": 1, "start": "2026-09-01",
        "end": "2027-01-22",
    }, format="json").status_code == 400  # the region is not one they may name  # fmt: skip
    assert state() == before


def test_an_inspector_reads_and_gets_403_on_every_write(client, world):
    dates = services.term_dates_set(actor=world.bureau, region=world.west, school_year=2026,
                                    term=2, start=D(2027, 2, 22), end=D(2027, 7, 9))  # fmt: skip
    before = state()
    client.force_login(world.inspector)
    page = client.get(reverse("schools:term_dates")).content.decode()
    assert "2027-02-22" in page and 'name="start"' not in page
    assert client.post(reverse("schools:term_dates"), term_form(world.east)).status_code == 403
    assert client.post(reverse("schools:term_dates_remove", args=[dates.pk])).status_code == 403
    inspector = api(world.inspector)
    detail = reverse("api:term-dates-detail", args=[dates.pk])
    assert inspector.get(detail).status_code == 200
    assert inspector.delete(detail).status_code == 403
    assert inspector.post(reverse("api:term-dates-list"), {
        "region": world.east.pk, "school_year": 2026, "term": 1, "start": "2026-09-01",
        "end": "2027-01-22",
    }, format="json").status_code == 403  # fmt: skip
    for who in ("inspector", "coord_helping", "outsider"):
        with pytest.raises(PermissionDenied):
            services.term_dates_remove(actor=getattr(world, who), dates=dates)
    assert state() == before


# --- history ---------------------------------------------------------------------------------


def test_the_history_records_who_set_changed_and_removed_dates(client, world):
    client.force_login(world.bureau)
    url = reverse("schools:term_dates")
    client.post(url, term_form(world.west))
    api(world.bureau2).post(reverse("api:term-dates-list"), {
        "region": world.west.pk, "school_year": 2026, "term": 2, "start": "2027-02-22",
        "end": "2027-07-02",
    }, format="json")  # fmt: skip
    dates = TermDates.objects.get()
    client.post(reverse("schools:term_dates_remove", args=[dates.pk]))
    history = list(TermDates.history.order_by("history_id"))
    assert [(h.history_type, h.history_user) for h in history] == [
        ("+", world.bureau), ("~", world.bureau2), ("-", world.bureau),
    ]  # fmt: skip
    page = client.get(url)
    changes = page.context["changes"]
    assert [change["who"] for change in changes] == ["王局", "李科", "王局"]
    assert changes[1]["what"] == "最后一天: 2027-07-09 → 2027-07-02"
    assert changes[0]["what"] == "删除" and "2027-02-22 – 2027-07-02" in changes[0]["label"]
    assert "李科" in page.content.decode()
    # A county teacher reads the changes of the dates that hold for them; the outsider not.
    client.force_login(world.mentee)
    assert len(client.get(url).context["changes"]) == 3
    client.force_login(world.outsider)
    assert client.get(url).context["changes"] == []


def test_the_history_of_working_day_exceptions_records_who(world):
    day = services.day_override_set(actor=world.bureau, region=world.west, date=D(2026, 12, 1),
                                    is_working_day=False, note="暴雪停课")  # fmt: skip
    services.day_override_set(actor=world.bureau2, region=world.west, date=D(2026, 12, 1),
                              is_working_day=False, note="暴雪停课一天")  # fmt: skip
    services.day_override_remove(actor=world.bureau, day=DayOverride.objects.get(pk=day.pk))
    assert [(h.history_type, h.history_user, h.note) for h in
            DayOverride.history.order_by("history_id")] == [
        ("+", world.bureau, "暴雪停课"), ("~", world.bureau2, "暴雪停课一天"),
        ("-", world.bureau, "暴雪停课一天"),
    ]  # fmt: skip


# --- working-day exceptions in a term that is over -----------------------------------------


def test_a_working_day_exception_of_a_closed_term_is_refused(client, world, monkeypatch):
    # Term 1 runs from 1 September: days before it belong to last school year, over.
    with pytest.raises(ValidationError) as refused:
        services.day_override_set(actor=world.bureau, region=world.west, date=D(2026, 7, 6),
                                  is_working_day=False, note="暴雨停课")  # fmt: skip
    assert "date" in refused.value.message_dict
    client.force_login(world.bureau)
    response = client.post(reverse("schools:day_overrides"), {
        "region_code": world.west.code, "date": "2026-08-31", "is_working_day": "0",
        "note": "暴雨停课",
    })  # fmt: skip
    assert response.status_code == 400 and list(response.context["form"].errors) == ["date"]
    refused = api(world.bureau).post(reverse("api:day-override-list"), {
        "region": world.west.pk, "date": "2026-08-31", "is_working_day": False, "note": "雨",
    }, format="json")  # fmt: skip
    assert refused.status_code == 400 and "date" in refused.json()["errors"]
    # A day of the term under way may still change, also one already past.
    day = services.day_override_set(actor=world.bureau, region=world.west, date=D(2026, 11, 2),
                                    is_working_day=False, note="暴雪停课")  # fmt: skip
    # Once that term is over, its exception stays.
    on(monkeypatch, D(2027, 2, 3))
    response = client.post(reverse("schools:day_override_remove", args=[day.pk]), follow=True)
    assert [str(m) for m in response.context["messages"]]
    assert DayOverride.objects.filter(pk=day.pk).exists()
    assert not calendar.is_working_day(D(2026, 11, 2), world.west.path)
    # A region's own term dates move the line: its term 2 starts on 22 February.
    services.term_dates_set(actor=world.bureau, region=world.west, school_year=2026, term=2,
                            start=D(2027, 2, 22), end=D(2027, 7, 9))  # fmt: skip
    services.day_override_set(actor=world.bureau, region=world.west, date=D(2027, 2, 4),
                              is_working_day=True, note="补课")  # fmt: skip


# --- the API ---------------------------------------------------------------------------------


def test_the_api_sets_lists_changes_and_removes_term_dates(world):
    bureau = api(world.bureau)
    url = reverse("api:term-dates-list")
    body = {"region": world.west.pk, "school_year": 2026, "term": 2, "start": "2027-02-22",
            "end": "2027-07-09"}  # fmt: skip
    created = bureau.post(url, body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json() == {**body, "id": created.json()["id"], "region_name": "西山县"}
    assert calendar.term_dates(2026, 2, world.west.path).start == D(2027, 2, 22)
    detail = reverse("api:term-dates-detail", args=[created.json()["id"]])
    assert bureau.get(detail).json()["end"] == "2027-07-09"
    changed = bureau.post(url, {**body, "end": "2027-07-02"}, format="json")
    assert changed.status_code == 201 and changed.json()["id"] == created.json()["id"]
    assert bureau.get(url, {"school_year": 2026}).json()["count"] == 1
    assert bureau.get(url, {"school_year": 2027}).json()["count"] == 0
    reader = api(world.coord_assisted)  # reads what holds for their school
    assert reader.get(url).json()["results"][0]["end"] == "2027-07-02"
    assert bureau.delete(detail).status_code == 204
    assert not TermDates.objects.exists()


def test_the_schema_documents_the_term_dates_endpoints(world):
    schema = api(world.bureau).get("/api/schema/?format=json").json()
    operations = schema["paths"]["/api/term-dates/"]
    assert {"get", "post"} <= set(operations)
    assert {"201", "400", "403"} <= set(operations["post"]["responses"])
    assert {"204", "400", "404"} <= set(schema["paths"]["/api/term-dates/{id}/"]["delete"][
        "responses"])  # fmt: skip


# --- the admin --------------------------------------------------------------------------------


def test_the_admin_obeys_the_closed_period_rule(client, world, monkeypatch):
    from tests.factories import UserFactory

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    dates = services.term_dates_set(actor=world.bureau, region=world.west, school_year=2026,
                                    term=1, start=D(2026, 9, 1), end=D(2027, 1, 22))  # fmt: skip
    client.force_login(root)
    on(monkeypatch, D(2027, 3, 1))
    assert client.get(f"/admin/schools/termdates/{dates.pk}/delete/").status_code == 403
    response = client.post(f"/admin/schools/termdates/{dates.pk}/change/", {
        "region": world.west.pk, "school_year": 2026, "term": 1, "start": "2026-09-01",
        "end": "2027-01-29",
    })  # fmt: skip
    assert response.status_code == 200 and "term" in response.context["adminform"].form.errors
    assert TermDates.objects.get().end == D(2027, 1, 22)
    # A term not over is removed through the service, which records who did it.
    later = services.term_dates_set(actor=world.bureau, region=world.west, school_year=2026,
                                    term=2, start=D(2027, 3, 1), end=D(2027, 7, 9))  # fmt: skip
    response = client.post(f"/admin/schools/termdates/{later.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert TermDates.history.filter(history_type="-").get().history_user == root


def test_a_term_under_way_keeps_its_first_day_out_of_the_days_already_over(world):
    # Term 1 of 2026–2027 began on 1 September (by default): the summer before is over.
    with pytest.raises(ValidationError) as refused:
        services.term_dates_set(actor=world.bureau, region=world.west, school_year=2026,
                                term=1, start=D(2026, 8, 25), end=D(2027, 1, 22))  # fmt: skip
    assert "start" in refused.value.message_dict
    assert not TermDates.objects.exists()
    moved = services.term_dates_set(actor=world.bureau, region=world.west, school_year=2026,
                                    term=1, start=D(2026, 9, 7), end=D(2027, 1, 22))  # fmt: skip
    assert moved.start == D(2026, 9, 7)


def test_an_exception_of_a_region_above_spares_a_term_over_below_it(world, monkeypatch):
    # 西山县 ends its term 1 early (set in October); on 18 November it is over there, while
    # the city's term runs on: a day of 西山县's closed term is not changed from the city.
    on(monkeypatch, D(2026, 10, 1))
    services.term_dates_set(actor=world.bureau, region=world.west, school_year=2026, term=1,
                            start=D(2026, 9, 1), end=D(2026, 11, 10))  # fmt: skip
    on(monkeypatch, TODAY)
    with pytest.raises(ValidationError) as refused:
        services.day_override_set(actor=world.bureau, region=world.city, date=D(2026, 11, 12),
                                  is_working_day=False, note="暴雪停课")  # fmt: skip
    assert "date" in refused.value.message_dict
    services.day_override_set(actor=world.bureau, region=world.city, date=D(2026, 11, 19),
                              is_working_day=False, note="暴雪停课")  # fmt: skip
