"""A programme's mentorship rules: its obligations and its mentee eligibility rule, kept by
the programme's bureau (the admin writes through these)."""

from __future__ import annotations

from django.db import transaction

from twinning import access
from twinning.access import resolve_scope
from twinning.models import User

from ..models import MentorshipPolicy, Obligation


@transaction.atomic
def obligation_save(*, actor: User, obligation: Obligation) -> Obligation:
    """Add or change one of a programme's own obligations. Once a programme has any, they
    replace the defaults for all its mentorships."""
    access.require(access.can_manage_programme(resolve_scope(actor), obligation.programme))
    obligation.full_clean()
    obligation.save()
    return obligation


@transaction.atomic
def obligation_delete(*, actor: User, obligation: Obligation) -> None:
    access.require(access.can_manage_programme(resolve_scope(actor), obligation.programme))
    obligation.delete()


@transaction.atomic
def mentorship_policy_save(*, actor: User, policy: MentorshipPolicy) -> MentorshipPolicy:
    """Set how many years of service a programme's mentees may have (empty: any)."""
    access.require(access.can_manage_programme(resolve_scope(actor), policy.programme))
    policy.full_clean()
    policy.save()
    return policy
