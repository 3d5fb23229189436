"""A list's count for its pages: exact up to ten thousand rows; above that the full count
is kept a while per user, scope and filter, while each page's rows are read afresh
(twinning.paging). The limit is lowered here so that a few schools make a long list."""

import pytest

from twinning import paging

from .factories import SchoolFactory


@pytest.fixture
def long_lists(monkeypatch, settings):
    settings.COMPLIANCE_CACHE_SECONDS = 60
    monkeypatch.setattr(paging, "EXACT_COUNT_UP_TO", 2)


def test_a_short_list_is_counted_afresh_on_every_request(client, world):
    client.force_login(world.bureau)
    before = client.get("/api/schools/").json()["count"]
    SchoolFactory(region=world.east)
    assert client.get("/api/schools/").json()["count"] == before + 1


def test_a_long_list_keeps_its_count_while_its_rows_are_read_afresh(client, world, long_lists):
    client.force_login(world.bureau)
    first = client.get("/api/schools/?page_size=200").json()
    assert first["count"] == len(first["results"]) == 3  # the city's schools, not far away

    added = SchoolFactory(name="东城第九小学", region=world.east)
    again = client.get("/api/schools/?page_size=200").json()
    assert again["count"] == 3  # kept
    assert added.name in {school["name"] for school in again["results"]}  # fresh rows

    # Another filter is another list, counted afresh (and above the limit, kept too).
    assert client.get(f"/api/schools/?region={world.east.pk}").json()["count"] == 3


def test_a_long_list_is_counted_on_every_request_when_nothing_is_kept(
    client, world, long_lists, settings
):
    settings.COMPLIANCE_CACHE_SECONDS = 0
    client.force_login(world.bureau)
    assert client.get("/api/schools/").json()["count"] == 3
    SchoolFactory(region=world.east)
    assert client.get("/api/schools/").json()["count"] == 4


def test_a_kept_count_is_each_users_own(client, world, long_lists):
    client.force_login(world.bureau)
    assert client.get("/api/schools/").json()["count"] == 3
    SchoolFactory(region=world.east)
    assert client.get("/api/schools/").json()["count"] == 3  # kept for this user
    client.force_login(world.bureau2)  # the same regions, counted for the first time
    assert client.get("/api/schools/").json()["count"] == 4


def test_the_page_list_counts_the_same_way(client, world, long_lists):
    client.force_login(world.bureau)
    assert "3 所学校" in client.get("/schools/").content.decode()
    added = SchoolFactory(name="东城第九小学", region=world.east)
    page = client.get("/schools/").content.decode()
    assert "3 所学校" in page and added.name in page  # the count kept, the rows fresh
    page = client.get(f"/schools/?region={world.east.pk}").content.decode()
    assert "3 所学校" in page  # the county's own list: two schools and the new one
