"""Writes of donations in kind: goods received by a school of a pairing, with evidence.
Not money, so not in the ledger; the same people who request money record them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schools.models import Pairing
from twinning import calendar
from twinning.attachments import check_uploads, delete_stored, store_uploads
from twinning.models import User

from ..models import Donation, DonationEvidence
from .money import _check_requester, _members, money

MAX_DONATION_EVIDENCE = 20
DONATION_FIELDS = ("school", "donor", "category", "items", "quantity", "unit",
                   "estimated_value", "received_on", "note")  # fmt: skip


def _validate_donation(donation: Donation, members) -> None:
    if donation.school_id not in members:
        raise ValidationError({"school": _("The receiving school must be one of the pairing's.")})
    donation.estimated_value = money(donation.estimated_value, "estimated_value")
    if donation.received_on and donation.received_on > calendar.today():
        raise ValidationError({"received_on": _("The date cannot be in the future.")})
    donation.region_id = members[donation.school_id].region_id
    donation.full_clean(exclude=["pairing", "school", "recorded_by", "region"])


@transaction.atomic
def donation_record(*, actor: User, pairing: Pairing, evidence=(), **fields) -> Donation:
    """Record a donation in kind received by a school of ``pairing``, with its evidence."""
    members = _members(pairing)
    _check_requester(actor, pairing, members)
    unknown = set(fields) - set(DONATION_FIELDS)
    if unknown:
        raise TypeError(f"not donation fields: {sorted(unknown)}")
    donation = Donation(pairing=pairing, recorded_by=actor, **fields)
    _validate_donation(donation, members)
    checked = check_uploads(evidence, field="evidence", limit=MAX_DONATION_EVIDENCE)
    donation._history_user = actor
    donation.save()
    store_uploads(DonationEvidence, checked, actor=actor, donation=donation,
                  school_id=donation.school_id, region_id=donation.region_id)  # fmt: skip
    return donation


@transaction.atomic
def donation_update(*, actor: User, donation: Donation, **fields) -> Donation:
    members = _members(donation.pairing)
    _check_requester(actor, donation.pairing, members)
    donation = Donation.objects.select_for_update().get(pk=donation.pk)
    unknown = set(fields) - set(DONATION_FIELDS)
    if unknown:
        raise TypeError(f"not donation fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(donation, name, value)
    _validate_donation(donation, members)
    donation._history_user = actor
    donation.save()
    DonationEvidence.objects.filter(donation=donation).update(
        school_id=donation.school_id, region_id=donation.region_id
    )
    return donation


@transaction.atomic
def donation_evidence_add(*, actor: User, donation: Donation, files) -> list[DonationEvidence]:
    _check_requester(actor, donation.pairing, _members(donation.pairing))
    checked = check_uploads(
        files, field="evidence", limit=MAX_DONATION_EVIDENCE, already=donation.evidence.count()
    )
    if not checked:
        raise ValidationError({"evidence": _("Choose a file.")})
    return store_uploads(DonationEvidence, checked, actor=actor, donation=donation,
                         school_id=donation.school_id, region_id=donation.region_id)  # fmt: skip


@transaction.atomic
def donation_delete(*, actor: User, donation: Donation) -> None:
    """Remove a donation recorded by mistake, with its files (the history keeps it)."""
    _check_requester(actor, donation.pairing, _members(donation.pairing))
    for file in donation.evidence.all():
        delete_stored(file)
    donation._history_user = actor
    donation.delete()
