"""The user's scope is cached between requests (with a shared cache) and never stale:
a role taken away, a region added or a school moved is seen by the very next request."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from twinning import access, progress
from twinning.models import Role, RoleAssignment, User
from twinning.services import role_unassign

from .factories import RegionFactory, SchoolFactory


@pytest.fixture(autouse=True)
def _scope_cache(settings):
    settings.SCOPE_CACHE_SECONDS = 300


def _sql(client, path) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response.status_code, " ".join(q["sql"] for q in queries)


def test_the_second_request_reads_the_scope_from_the_cache(client, world):
    client.force_login(world.bureau)
    status, first = _sql(client, "/schools/")
    assert status == 200 and "twinning_roleassignment" in first
    status, second = _sql(client, "/schools/")
    assert status == 200 and "twinning_roleassignment" not in second


def test_a_role_taken_away_is_gone_at_the_next_request(
    client, world, active, django_capture_on_commit_callbacks
):
    client.force_login(world.bureau)
    assert client.get(f"/pairings/{active.pk}/").status_code == 200
    assignment = RoleAssignment.objects.get(user=world.bureau, role=Role.BUREAU)
    with django_capture_on_commit_callbacks(execute=True):
        role_unassign(actor=None, assignment=assignment)
    assert client.get(f"/pairings/{active.pk}/").status_code == 404


def test_a_role_deleted_outside_the_services_is_gone_too(
    client, world, active, django_capture_on_commit_callbacks
):
    # The admin and cascades delete rows without calling role_unassign.
    client.force_login(world.inspector)
    assert client.get(f"/pairings/{active.pk}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        RoleAssignment.objects.filter(user=world.inspector).delete()
    assert client.get(f"/pairings/{active.pk}/").status_code == 404


def test_a_new_county_is_in_scope_at_once(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.bureau)
    assert client.get("/api/regions/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        county = RegionFactory(name="新设县", code="510109", parent=world.city)
        school = SchoolFactory(name="新设县第一小学", region=county)
    assert client.get(f"/api/regions/{county.pk}/").status_code == 200
    assert client.get(f"/schools/{school.pk}/").status_code == 200


def test_a_school_moved_away_leaves_its_coordinators_context(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.coord_helping)
    assert world.city.pk in access.resolve_scope(world.coord_helping).context_region_ids
    with django_capture_on_commit_callbacks(execute=True):
        world.helping.region = world.far_county
        world.helping.save()
    access.forget_scope(world.coord_helping)  # the per-request copy; the cache is what's tested
    assert world.city.pk not in access.resolve_scope(world.coord_helping).context_region_ids


def test_a_scope_built_before_a_change_is_not_kept_after_it(
    world, django_capture_on_commit_callbacks
):
    # A request read the tokens and built the scope; a role change committed before it
    # stored the scope. The stored scope must not be used afterwards.
    user = world.bureau
    tokens = access._tokens(user.pk)
    stale = access._build_scope(user)
    with django_capture_on_commit_callbacks(execute=True):
        RoleAssignment.objects.filter(user=user).delete()
    cache.set(f"scope:{user.pk}", (tokens, stale), 300)
    access.forget_scope(user)
    assert access.resolve_scope(user).bureau_region_ids == frozenset()


def test_a_kept_roll_up_is_counted_again_once_a_role_is_taken_away(
    world, settings, django_capture_on_commit_callbacks
):
    """Roll-ups (compliance, exchange targets, the funding overview) are kept a minute
    per user; the user's scope is part of what they are kept under, so a role taken
    away does not leave its regions' figures on the page for that minute."""
    settings.COMPLIANCE_CACHE_SECONDS = 60
    extra = RoleAssignment.objects.create(user=world.bureau, role=Role.INSPECTOR,
                                          region=world.far_county)  # fmt: skip
    counted = []

    def count():
        counted.append(1)
        return len(counted)

    def as_bureau():  # each request reads the user afresh
        return User.objects.get(pk=world.bureau.pk)

    assert progress.kept("roll-up", as_bureau(), [], count)[0] == 1
    assert progress.kept("roll-up", as_bureau(), [], count)[0] == 1  # kept
    with django_capture_on_commit_callbacks(execute=True):
        role_unassign(actor=None, assignment=extra)
    assert progress.kept("roll-up", as_bureau(), [], count)[0] == 2


def test_a_roll_ups_key_holds_every_value_of_a_repeated_filter_and_not_the_page():
    from django.http import QueryDict

    one = progress.query_params(QueryDict("status=active&status=proposed&page=3"))
    other = progress.query_params(QueryDict("status=proposed&format=csv"))
    assert one == [("status", "active"), ("status", "proposed")]
    assert other == [("status", "proposed")]
