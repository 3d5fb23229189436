"""Pages and downloads that list records run a fixed number of queries, however many
records there are (DESIGN.md §6). The big lists (pairings, schools, programmes,
dashboard, notifications, API) have their own tests beside their features; these are
the remaining ones."""

import pytest
from django.urls import reverse

from schools import services

from .factories import ProgrammeFactory, SchoolFactory

# Every signed-in page starts with: 1 user, 2 role assignments (the session comes from
# the cache); region roles add 3 the region subtree. Pages with the navigation end with
# the unread count.


def grow(world, count: int, school) -> None:
    """``count`` more approved pairings of ``school``, each in a programme of its own,
    and as many drafts of new schools in the world's programme."""
    for _n in range(count):
        services.pairing_create(
            actor=world.bureau,
            programme=world.programme,
            helping_school=SchoolFactory(region=world.east),
            assisted_schools=[SchoolFactory(region=world.west)],
        )
        programme = ProgrammeFactory(region=world.city)
        pairing = services.pairing_create(
            actor=world.bureau,
            programme=programme,
            helping_school=school,
            assisted_schools=[SchoolFactory(region=world.west)],
        )
        services.pairing_propose(actor=world.bureau, pairing=pairing)
        services.pairing_approve(actor=world.bureau2, pairing=pairing)


def fetch(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    if response.streaming:  # a download's queries run as it streams
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


@pytest.mark.parametrize(
    ("persona", "page", "expected"),
    [
        # 3 the coordinator's school, 4 its pairings (programme, region, helping school
        # joined), 5 their members with schools, 6 unread count.
        ("coord_helping", lambda w: reverse("my_school"), 6),
        # 3 the school, 4 unread count, 5 its pairings, 6 their members with schools.
        ("coord_helping", lambda w: reverse("schools:school_detail", args=[w.helping.pk]), 6),
        # 3 the teacher's record (the mentorships section; none here), 4 the teacher's
        # school, 5 its pairings, 6 their members, then 7 unread count.
        ("mentor", lambda w: reverse("home"), 7),
        # 3 region subtree, 4 the programme, 5 paginator count, 6 counts by status,
        # 7 unread count, 8 the page of pairings, 9 their members with schools.
        (
            "bureau",
            lambda w: reverse("schools:programme_detail", args=[w.programme.pk]),
            9,
        ),
        # 3 region subtree, 4 the pairings, 5 their members with schools.
        ("bureau", lambda w: reverse("schools:pairing_export"), 5),
        # 3 region subtree, 4 the schools with their regions.
        ("bureau", lambda w: reverse("schools:school_export"), 4),
    ],
    ids=["my_school", "school_detail", "teacher_home", "programme_detail", "pairing_csv",
         "school_csv"],
)  # fmt: skip
def test_page_runs_a_constant_number_of_queries(
    client, world, active, persona, page, expected, django_assert_num_queries
):
    client.force_login(getattr(world, persona))
    url = page(world)
    with django_assert_num_queries(expected):
        fetch(client, url)
    grow(world, 4, world.helping)
    with django_assert_num_queries(expected):
        body = fetch(client, url)
    # The new rows are really there: links to five pairings, or five more CSV lines.
    assert body.count("/pairings/") >= 5 or len(body.splitlines()) >= 6
