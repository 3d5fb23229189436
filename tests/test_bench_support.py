"""Speed helpers and the benchmark's pieces: the any_of lookup, cached choice labels, and a
floor that production never routes."""

import pytest
from django.urls import Resolver404, resolve

from schools.models import Pairing, Region


def test_any_of_matches_in(world, active, far_pairing):
    ids = [world.city.pk, world.east.pk, world.west.pk]
    assert set(Region.objects.filter(id__any_of=ids)) == set(Region.objects.filter(id__in=ids))
    assert list(Pairing.objects.filter(region__any_of=[world.city.pk])) == [active]
    assert not Region.objects.filter(id__any_of=[]).exists()
    # Combined with other conditions, in subqueries too.
    inner = Region.objects.filter(id__any_of=frozenset(ids)).values("id")
    assert Pairing.objects.filter(region__in=inner).count() == 1
    assert Pairing.objects.filter(region__any_of=inner).count() == 1


@pytest.mark.parametrize("path", ["/bench/floor/", "/bench/floor.json"])
def test_the_floor_is_not_routed_in_production(path):
    with pytest.raises(Resolver404):
        resolve(path)


def test_choice_labels_follow_the_active_language_after_caching(world, active):
    from django.utils import translation

    with translation.override("en"):
        assert world.helping.get_stage_display() == "Primary school"
        assert active.get_status_display() == "Active"
    with translation.override("zh-hans"):
        assert world.helping.get_stage_display() == "小学"
        assert active.get_status_display() == "实施中"
    # A value outside the choices shows as itself, as with Django's own.
    world.helping.stage = "unknown"
    assert world.helping.get_stage_display() == "unknown"
