import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from schools import services
from schools.models import PairingStatus

from .factories import SchoolFactory


def test_proposer_cannot_approve_their_own_proposal(world, draft):
    services.pairing_propose(actor=world.bureau, pairing=draft)
    with pytest.raises(ValidationError) as error:
        services.pairing_approve(actor=world.bureau, pairing=draft)
    assert "status" in error.value.message_dict
    approved = services.pairing_approve(actor=world.bureau2, pairing=draft)
    assert approved.status == PairingStatus.APPROVED


def test_school_cannot_join_two_live_pairings_of_one_programme(world, proposed):
    other = services.pairing_create(
        actor=world.bureau,
        programme=world.programme,
        helping_school=world.spare,
        assisted_schools=[world.assisted],
    )
    with pytest.raises(ValidationError) as error:
        services.pairing_propose(actor=world.bureau, pairing=other)
    assert "assisted_schools" in error.value.message_dict
    other.refresh_from_db()
    assert other.status == PairingStatus.DRAFT


def test_full_lifecycle_is_recorded(world, active):
    services.pairing_terminate(actor=world.bureau, pairing=active, reason="学校撤并")
    steps = [(t.from_status, t.to_status) for t in active.transitions.all()]
    assert steps == [
        ("", "draft"),
        ("draft", "proposed"),
        ("proposed", "approved"),
        ("approved", "active"),
        ("active", "terminated"),
    ]
    assert active.transitions.last().comment == "学校撤并"


def test_self_pairing_is_refused(world):
    with pytest.raises(ValidationError) as error:
        services.pairing_create(
            actor=world.bureau,
            programme=world.programme,
            helping_school=world.helping,
            assisted_schools=[world.helping],
        )
    assert "assisted_schools" in error.value.message_dict


def test_activation_needs_signing_date(world, proposed):
    services.pairing_approve(actor=world.bureau, pairing=proposed)
    with pytest.raises(ValidationError) as error:
        services.pairing_activate(actor=world.coord_helping, pairing=proposed)
    assert "agreement_signed_on" in error.value.message_dict
    services.pairing_activate(
        actor=world.coord_helping, pairing=proposed, agreement_signed_on=dt.date(2026, 9, 1)
    )


def test_school_code_must_be_ten_digits(world):
    with pytest.raises(ValidationError) as error:
        SchoolFactory.build(code="12345", region=world.east).full_clean()
    assert "code" in error.value.message_dict


def test_database_refuses_a_second_live_membership_even_without_the_service(world, proposed):
    from django.db import IntegrityError, transaction

    from schools.models import PairingMember

    other = services.pairing_create(
        actor=world.bureau,
        programme=world.programme,
        helping_school=world.spare,
        assisted_schools=[world.assisted],
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PairingMember.objects.filter(pairing=other).update(is_live=True)


def test_rejected_school_can_be_proposed_again(world, proposed):
    services.pairing_reject(actor=world.bureau, pairing=proposed, comment="帮扶校距离过远")
    again = services.pairing_create(
        actor=world.coord_assisted,
        programme=world.programme,
        helping_school=world.spare,
        assisted_schools=[world.assisted],
    )
    again = services.pairing_propose(actor=world.coord_assisted, pairing=again)
    assert again.status == PairingStatus.PROPOSED


def test_reject_and_terminate_need_text(world, proposed):
    with pytest.raises(ValidationError) as error:
        services.pairing_reject(actor=world.bureau, pairing=proposed, comment="  ")
    assert "comment" in error.value.message_dict
    proposed.refresh_from_db()
    assert proposed.status == PairingStatus.PROPOSED


def test_only_bureau_of_the_programme_region_decides(world, proposed):
    # Read-only and out-of-scope users are refused outright ...
    for user in (world.inspector, world.outsider, world.mentor):
        with pytest.raises(PermissionDenied):
            services.pairing_approve(actor=user, pairing=proposed)
    # ... a coordinator of the pairing is told why.
    with pytest.raises(ValidationError) as error:
        services.pairing_approve(actor=world.coord_assisted, pairing=proposed)
    assert "status" in error.value.message_dict
    proposed.refresh_from_db()
    assert proposed.status == PairingStatus.PROPOSED


def test_transition_not_allowed_from_current_state(world, draft):
    with pytest.raises(ValidationError) as error:
        services.pairing_approve(actor=world.bureau, pairing=draft)
    assert "status" in error.value.message_dict


def test_coordinator_cannot_pair_two_other_schools(world):
    with pytest.raises(ValidationError) as error:
        services.pairing_create(
            actor=world.coord_helping,
            programme=world.programme,
            helping_school=world.spare,
            assisted_schools=[world.assisted],
        )
    assert "helping_school" in error.value.message_dict


def test_agreement_file_of_another_type_or_too_large_is_refused(world, draft, settings):
    from django.core.files.base import ContentFile

    with pytest.raises(ValidationError) as error:
        services.pairing_update(
            actor=world.coord_helping, pairing=draft, agreement_file=ContentFile(b"x", name="a.exe")
        )
    assert "agreement_file" in error.value.message_dict
    settings.MAX_ATTACHMENT_BYTES = 10
    with pytest.raises(ValidationError):
        services.pairing_update(
            actor=world.coord_helping,
            pairing=draft,
            agreement_file=ContentFile(b"%PDF-1.4 too long", name="a.pdf"),
        )
    draft.refresh_from_db()
    assert not draft.agreement_file
