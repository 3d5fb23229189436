"""A list's count for its pages: exact up to ten thousand rows; above that the full count
is kept a while per user, scope and filter, while each page's rows are read afresh
(twinning.paging). The limit is lowered here so that a few schools make a long list."""

import pytest

from schools import views as school_views
from twinning import paging

from .factories import SchoolFactory


@pytest.fixture
def long_lists(monkeypatch, settings):
    settings.COMPLIANCE_CACHE_SECONDS = 60
    monkeypatch.setattr(paging, "EXACT_COUNT_UP_TO", 2)


def count(client, path):
    return client.get(path).json()["count"]


def test_a_short_list_is_counted_afresh_on_every_request(client, world):
    client.force_login(world.bureau)
    before = count(client, "/api/schools/?page_size=1")
    SchoolFactory(region=world.east)
    assert count(client, "/api/schools/?page_size=1") == before + 1


def test_a_long_list_keeps_its_count_while_its_rows_are_read_afresh(client, world, long_lists):
    client.force_login(world.bureau)
    first = client.get("/api/schools/?ordering=name&page_size=2").json()
    assert first["count"] == 3 and len(first["results"]) == 2  # the city's schools

    added = SchoolFactory(name="东城第九小学", region=world.east)  # first by name
    again = client.get("/api/schools/?ordering=name&page_size=2").json()
    assert again["count"] == 3  # kept
    assert again["results"][0]["name"] == added.name  # the rows are read afresh


def test_each_filter_keeps_its_own_count(client, world, long_lists):
    client.force_login(world.bureau)
    assert count(client, "/api/schools/?page_size=1") == 3  # the city's schools
    SchoolFactory(region=world.east)
    SchoolFactory(region=world.east)
    assert count(client, "/api/schools/?page_size=1") == 3  # kept
    # Another filter is another list, counted afresh: the county's two and the new two.
    assert count(client, f"/api/schools/?region={world.east.pk}&page_size=1") == 4
    # A parameter that no filter reads is still part of what the count is kept under.
    assert count(client, "/api/schools/?path=x&page_size=1") == 5


def test_the_last_page_is_never_cut_short_by_a_kept_count(client, world, long_lists):
    client.force_login(world.bureau)
    assert count(client, "/api/schools/?page_size=2") == 3
    SchoolFactory(region=world.east)
    middle = client.get("/api/schools/?page_size=2").json()
    assert middle["count"] == 3 and len(middle["results"]) == 2 and middle["next"]
    last = client.get("/api/schools/?page_size=2&page=2").json()  # counted again
    assert last["count"] == 4 and len(last["results"]) == 2 and last["next"] is None
    SchoolFactory(region=world.west)
    SchoolFactory(region=world.west)
    past = client.get("/api/schools/?page_size=2&page=3")  # past the kept count's end
    assert past.status_code == 200
    assert past.json()["count"] == 6 and len(past.json()["results"]) == 2


def test_a_page_the_shrunk_list_no_longer_reaches_is_not_shown_empty(client, world, long_lists):
    client.force_login(world.bureau)
    added = [SchoolFactory(region=world.east), SchoolFactory(region=world.east)]
    assert count(client, "/api/schools/?page_size=1") == 5
    for school in added:
        school.delete()
    # Page 4 of the five kept is empty now: the list is counted again, and page 4 is past
    # its end, as it would be with a fresh count; page 3 is its last.
    assert client.get("/api/schools/?page_size=1&page=4").status_code == 404
    last = client.get("/api/schools/?page_size=1&page=3").json()
    assert last["count"] == 3 and len(last["results"]) == 1 and last["next"] is None


def test_a_long_list_is_counted_on_every_request_when_nothing_is_kept(
    client, world, long_lists, settings
):
    settings.COMPLIANCE_CACHE_SECONDS = 0
    client.force_login(world.bureau)
    assert count(client, "/api/schools/?page_size=1") == 3
    SchoolFactory(region=world.east)
    assert count(client, "/api/schools/?page_size=1") == 4


def test_a_kept_count_is_each_users_own(client, world, long_lists):
    client.force_login(world.bureau)
    assert count(client, "/api/schools/?page_size=1") == 3
    SchoolFactory(region=world.east)
    assert count(client, "/api/schools/?page_size=1") == 3  # kept for this user
    client.force_login(world.bureau2)  # the same regions, counted for the first time
    assert count(client, "/api/schools/?page_size=1") == 4


def test_the_page_list_counts_the_same_way(client, world, long_lists, monkeypatch):
    monkeypatch.setattr(school_views, "PAGE_SIZE", 1)
    client.force_login(world.bureau)
    assert "3 所学校" in client.get("/schools/").content.decode()
    added = SchoolFactory(name="东城第九小学", region=world.east)  # first in its county
    page = client.get("/schools/").content.decode()
    assert "3 所学校" in page and added.name in page  # the count kept, the rows fresh
    last = client.get("/schools/?page=4").content.decode()  # past the kept three pages
    assert "4 所学校" in last and "第 4 页，共 4 页" in last  # counted again: page 4 is there


def test_a_page_list_that_shrank_shows_its_last_page(client, world, long_lists, monkeypatch):
    monkeypatch.setattr(school_views, "PAGE_SIZE", 1)
    client.force_login(world.bureau)
    added = [SchoolFactory(region=world.east), SchoolFactory(region=world.east)]
    assert "5 所学校" in client.get("/schools/").content.decode()  # kept
    for school in added:
        school.delete()
    for asked in (4, 5):  # a middle page and the last of the kept count, both gone now
        page = client.get(f"/schools/?page={asked}")
        assert page.status_code == 200
        text = page.content.decode()
        assert "3 所学校" in text and "第 3 页，共 3 页" in text
