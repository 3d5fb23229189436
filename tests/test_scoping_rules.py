"""Scoping rules that hinge on a pairing's state or on a school's place in the tree."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from schools import selectors, services
from schools.models import PairingMember, PairingStatus, Programme
from twinning import access
from twinning.access import forget_scope

from .factories import ProgrammeFactory, UserFactory, assign
from .factories import Role as R


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def east_bureau(world):
    return assign(UserFactory(username="east_bureau"), R.BUREAU, region=world.east)


@pytest.fixture
def west_bureau(world):
    return assign(UserFactory(username="west_bureau"), R.BUREAU, region=world.west)


# --- a school that moves county ------------------------------------------------------


def test_a_moved_school_takes_its_pairings_to_the_new_county(
    world, active, east_bureau, west_bureau
):
    assert active in selectors.pairing_list_visible_to(east_bureau)

    services.school_update(actor=world.bureau, school=world.helping, region=world.west)

    assert set(
        PairingMember.objects.filter(pairing=active).values_list("region_id", flat=True)
    ) == {world.west.pk}
    forget_scope(east_bureau)
    assert active not in selectors.pairing_list_visible_to(east_bureau)
    assert api(east_bureau).get(f"/api/pairings/{active.pk}/").status_code == 404
    assert active in selectors.pairing_list_visible_to(west_bureau)


def test_a_moved_school_takes_its_teachers_activities_and_records_along(
    world, active, east_bureau, west_bureau
):
    import datetime as dt

    from django.utils import timezone

    from activities import selectors as activity_selectors
    from activities import services as activity_services
    from activities.models import ActivityKind
    from teachers import selectors as teacher_selectors
    from teachers import services as teacher_services

    teacher = teacher_services.teacher_create(
        actor=world.coord_helping, school=world.helping, name="陈红梅", subjects="数学"
    )
    starts = timezone.make_aware(dt.datetime(2026, 12, 3, 9))
    activity, _clashes = activity_services.activity_schedule(
        actor=world.coord_helping, pairing=active, kind=ActivityKind.objects.first(),
        title="送教下乡", host_school=world.helping, place="西山山村小学", starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
    )  # fmt: skip
    assert teacher in teacher_selectors.teacher_list_visible_to(east_bureau)

    services.school_update(actor=world.bureau, school=world.helping, region=world.west)

    forget_scope(east_bureau)
    forget_scope(west_bureau)
    assert teacher not in teacher_selectors.teacher_list_visible_to(east_bureau)
    assert teacher in teacher_selectors.teacher_list_visible_to(west_bureau)
    assert activity not in activity_selectors.activity_list_visible_to(east_bureau)
    assert activity in activity_selectors.activity_list_visible_to(west_bureau)


def test_every_copy_of_a_schools_region_moves_with_it():
    """A model with both a school and a region either copies the school's region (and is
    registered, so that a move carries it) or is named here as something else."""
    from django.apps import apps

    from schools import region_copies
    from schools.models import Region, School

    # A role's place; a pairing's and a scorecard's are the programme's; a work-chat
    # robot belongs to a region or (the other one empty) a school.
    not_copies = {"twinning.RoleAssignment", "schools.Pairing", "evaluation.Scorecard",
                  "twinning.ChatRobot"}  # fmt: skip
    registered = {copy.model for copy in region_copies.registered()}
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            continue
        targets = {f.related_model for f in model._meta.concrete_fields if f.many_to_one}
        if School in targets and Region in targets:
            label = model._meta.label
            assert label in registered | not_copies, f"{label} copies a region not moved"


def test_a_school_in_a_live_within_county_pairing_cannot_move_county(world):
    programme = ProgrammeFactory(
        name="东城县校际结对", region=world.city, reach=Programme.Reach.WITHIN_COUNTY
    )
    pairing = services.pairing_create(
        actor=world.bureau,
        programme=programme,
        helping_school=world.helping,
        assisted_schools=[world.spare],
    )
    services.pairing_propose(actor=world.bureau, pairing=pairing)

    with pytest.raises(ValidationError) as error:
        services.school_update(actor=world.bureau, school=world.spare, region=world.west)
    assert "region" in error.value.message_dict
    world.spare.refresh_from_db()
    assert world.spare.region_id == world.east.pk


# --- what a draft reveals --------------------------------------------------------------


def test_naming_a_school_in_a_draft_does_not_open_its_record(client, world):
    draft = services.pairing_create(
        actor=world.coord_assisted,
        programme=world.programme,
        helping_school=world.spare,
        assisted_schools=[world.assisted],
    )
    detail = reverse("schools:school_detail", args=[world.spare.pk])
    client.force_login(world.coord_assisted)
    assert client.get(detail).status_code == 404
    assert api(world.coord_assisted).get(f"/api/schools/{world.spare.pk}/").status_code == 404

    services.pairing_propose(actor=world.coord_assisted, pairing=draft)
    assert client.get(detail).status_code == 404  # a proposal is still one school's wish

    services.pairing_approve(actor=world.bureau, pairing=draft)
    forget_scope(world.coord_assisted)
    assert client.get(detail).status_code == 200  # the bureau has paired the two schools


def test_a_coordinator_cannot_edit_their_own_school_out_of_a_draft(world, draft):
    with pytest.raises(ValidationError) as error:
        services.pairing_update(
            actor=world.coord_helping,
            pairing=draft,
            helping_school=world.spare,
            assisted_schools=[world.assisted],
        )
    assert "helping_school" in error.value.message_dict
    assert set(draft.members.values_list("school_id", flat=True)) == {
        world.helping.pk,
        world.assisted.pk,
    }


# --- teachers ---------------------------------------------------------------------------


def test_teachers_see_their_school_pairings_only_once_approved(world, draft):
    mentee_sees = lambda: set(selectors.pairing_list_visible_to(world.mentee))  # noqa: E731
    assert mentee_sees() == set()

    services.pairing_propose(actor=world.coord_helping, pairing=draft)
    assert mentee_sees() == set()
    assert api(world.mentee).get(f"/api/pairings/{draft.pk}/").status_code == 404

    services.pairing_approve(actor=world.bureau, pairing=draft)
    assert mentee_sees() == {draft}
    services.pairing_activate(
        actor=world.coord_helping, pairing=draft, agreement_signed_on=dt.date(2026, 9, 1)
    )
    assert mentee_sees() == {draft}
    assert api(world.mentee).get(f"/api/pairings/{draft.pk}/").status_code == 200


# --- the agreement's dates ---------------------------------------------------------------


def test_the_signing_date_stays_in_the_past_and_is_kept_once_active(world, active):
    for fields, field in (
        ({"agreement_signed_on": dt.date(2099, 1, 1)}, "agreement_signed_on"),
        ({"agreement_signed_on": None}, "agreement_signed_on"),
        (
            {"agreement_start": dt.date(2026, 9, 1), "agreement_end": dt.date(2026, 8, 1)},
            "agreement_end",
        ),
    ):
        with pytest.raises(ValidationError) as error:
            services.pairing_update(actor=world.coord_helping, pairing=active, **fields)
        assert field in error.value.message_dict
    active.refresh_from_db()
    assert active.status == PairingStatus.ACTIVE
    assert active.agreement_signed_on == dt.date(2026, 9, 1)


def test_the_same_dates_are_refused_through_the_api_with_the_field_named(world, active):
    response = api(world.coord_helping).patch(
        f"/api/pairings/{active.pk}/", {"agreement_signed_on": "2099-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert "agreement_signed_on" in response.json()["errors"]


def test_a_school_in_a_live_pairing_stays_in_the_programme_region(world, active):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    with pytest.raises(ValidationError) as error:
        services.school_update(actor=admin, school=world.helping, region=world.far_county)
    assert "region" in error.value.message_dict
    world.helping.refresh_from_db()
    assert world.helping.region_id == world.east.pk


def test_the_paired_statuses_of_the_access_rules_are_pairing_statuses():
    assert set(access.PAIRED_STATUSES) == {
        PairingStatus.APPROVED,
        PairingStatus.ACTIVE,
        PairingStatus.CONCLUDED,
        PairingStatus.TERMINATED,
    }


def test_partner_schools_are_named_but_not_linked_until_paired(client, world, draft):
    client.force_login(world.coord_assisted)
    page = client.get(reverse("schools:pairing_detail", args=[draft.pk])).content.decode()
    assert "江城实验小学" in page
    assert reverse("schools:school_detail", args=[world.helping.pk]) not in page
    assert reverse("schools:school_detail", args=[world.assisted.pk]) in page


def test_a_coordinator_assesses_the_partner_school_of_a_draft_through_the_api(world, draft):
    response = api(world.coord_helping).post(
        "/api/needs/",
        {"pairing": draft.pk, "school": world.assisted.pk, "dimension": "curriculum", "rating": 2},
        format="json",
    )
    assert response.status_code == 200, response.json()  # saved (create or replace)
    # A school of no visible pairing still cannot be named.
    response = api(world.coord_helping).post(
        "/api/needs/",
        {"pairing": draft.pk, "school": world.spare.pk, "dimension": "curriculum", "rating": 2},
        format="json",
    )
    assert response.status_code == 400
    assert "school" in response.json()["errors"]


def test_a_draft_whose_school_left_the_programme_region_cannot_be_proposed(world, draft):
    admin = UserFactory(username="root2", is_superuser=True, is_staff=True)
    services.school_update(actor=admin, school=world.assisted, region=world.far_county)
    with pytest.raises(ValidationError) as error:
        services.pairing_propose(actor=world.coord_helping, pairing=draft)
    assert "assisted_schools" in error.value.message_dict
    draft.refresh_from_db()
    assert draft.status == PairingStatus.DRAFT


def test_only_the_author_or_the_bureau_changes_the_schools_of_a_draft(world, draft):
    with pytest.raises(ValidationError) as error:
        services.pairing_update(
            actor=world.coord_assisted,
            pairing=draft,
            helping_school=world.spare,
            assisted_schools=[world.assisted],
        )
    assert "assisted_schools" in error.value.message_dict
    # The partner may still edit the details, sending the schools unchanged.
    services.pairing_update(
        actor=world.coord_assisted,
        pairing=draft,
        helping_school=world.helping,
        assisted_schools=[world.assisted],
        goals_summary="共建课程",
    )
    draft.refresh_from_db()
    assert draft.goals_summary == "共建课程"
    services.pairing_update(
        actor=world.bureau,
        pairing=draft,
        helping_school=world.spare,
        assisted_schools=[world.assisted],
    )
    assert draft.members.get(role="helping").school == world.spare


def test_a_refusal_without_a_reason_does_not_print_none(client, world, active):
    client.force_login(world.inspector)
    response = client.post(reverse("schools:needs_save", args=[active.pk]), {})
    assert response.status_code == 403
    assert "None" not in response.content.decode()
    response = api(world.inspector).post(f"/api/pairings/{active.pk}/conclude/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] != "None"
