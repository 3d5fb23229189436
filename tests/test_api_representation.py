"""The API's hand-written representations (twinning.api.LeanRepresentation) say exactly
what DRF's generic one says, so the OpenAPI schema built from the declared fields stays
true; plus the API's region_code filter."""

import pytest
from django.utils import translation
from rest_framework.test import APIRequestFactory

from schools import api as school_api
from schools import selectors, services
from schools.models import (
    ContactPerson,
    Goal,
    LeadingGroupMember,
    NeedsAssessment,
    PairingTransition,
)

from .test_api import api, plan  # noqa: F401 – the fixture


def _context(user):
    request = APIRequestFactory().get("/api/")
    request.user = user
    return {"request": request}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_lean_representations_equal_the_generic_ones(world, active, plan, language):  # noqa: F811
    services.leading_group_member_add(
        actor=world.bureau, pairing=active, school=world.helping, name="陈校长", position="leader"
    )
    services.contact_add(
        actor=world.bureau, pairing=active, school=world.assisted, name="刘老师", phone="0838-1"
    )
    services_goal_task = plan["task"]
    cases = [
        (school_api.RegionSerializer, list(selectors.region_list_visible_to(world.bureau))),
        (school_api.SchoolSerializer, list(selectors.school_list_visible_to(world.bureau))),
        (school_api.ProgrammeSerializer, list(selectors.programme_list_visible_to(world.bureau))),
        (school_api.PairingSerializer, list(selectors.pairing_list_visible_to(world.bureau))),
        (school_api.PairingDetailSerializer, [active]),
        (school_api.NeedsAssessmentSerializer, list(NeedsAssessment.objects.all())),
        (school_api.GoalSerializer, list(Goal.objects.all())),
        (school_api.PairingTransitionSerializer, list(PairingTransition.objects.all())),
        (school_api.LeadingGroupMemberSerializer, list(LeadingGroupMember.objects.all())),
        (school_api.ContactPersonSerializer, list(ContactPerson.objects.all())),
    ]
    assert services_goal_task.parent_id is not None
    with translation.override(language):
        for serializer_class, objects in cases:
            assert objects, serializer_class
            serializer = serializer_class(context=_context(world.bureau))
            for obj in objects:
                lean = serializer.to_representation(obj)
                generic = serializer.generic_representation(obj)
                assert lean == dict(generic), serializer_class.__name__


def test_region_code_filters_the_api_lists_like_region(world, active):
    bureau = api(world.bureau)
    by_code = bureau.get(f"/api/pairings/?region_code={world.west.code}").json()
    assert [p["id"] for p in by_code["results"]] == [active.pk]
    schools = bureau.get(f"/api/schools/?region_code={world.west.code}").json()["results"]
    assert {s["id"] for s in schools} == {world.assisted.pk}
    assert bureau.get(f"/api/programmes/?region_code={world.city.code}").json()["count"] == 1
    # A code outside the scope answers like an unknown one: 400 naming the parameter.
    for code in (world.far_county.code, "999999"):
        response = bureau.get(f"/api/pairings/?region_code={code}")
        assert response.status_code == 400
        assert "region_code" in response.json()["errors"]


def test_a_row_read_from_the_database_equals_the_row_of_the_loaded_pairing(
    world, active, proposed_pairing_of_other_schools
):
    visible = selectors.pairing_list_visible_to(world.bureau)
    rows = selectors.PairingRows(visible)[0:10]
    assert len(rows) == 2
    with_proposer = visible.select_related("proposed_by")[0:10]
    assert rows == [selectors.pairing_row(pairing) for pairing in with_proposer]
    assert rows[0]["proposed_by"]


def test_the_api_list_answers_the_rows_as_the_detail_does(world, active):
    bureau = api(world.bureau)
    listed = bureau.get("/api/pairings/").json()["results"][0]
    detail = bureau.get(f"/api/pairings/{active.pk}/").json()
    assert listed == {key: detail[key] for key in listed}


@pytest.fixture
def proposed_pairing_of_other_schools(world):
    from schools import services

    from .factories import ProgrammeFactory, SchoolFactory

    programme = ProgrammeFactory(
        region=world.city, pairing_kind="one_to_many", max_assisted_schools=3
    )
    pairing = services.pairing_create(
        actor=world.bureau, programme=programme,
        helping_school=SchoolFactory(region=world.east),
        assisted_schools=[SchoolFactory(region=world.west), SchoolFactory(region=world.west)],
    )  # fmt: skip
    services.pairing_propose(actor=world.bureau, pairing=pairing)
    return pairing
