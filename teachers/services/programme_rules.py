"""A programme's mentorship rules: its obligations and its mentee eligibility rule, kept by
the programme's bureau on the programme's page.

Obligations are dated (twinning/rulebook.py): a change counts from today, and weeks,
months and terms already over keep the obligations they had. A programme without own
obligations follows the defaults (teachers/rules.py); its first change makes the defaults
its own, so that changing one obligation keeps the others.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schools.models import Programme
from twinning import access, rulebook
from twinning.access import resolve_scope
from twinning.models import User

from .. import rules
from ..models import MentorshipPolicy, Obligation

OBLIGATION_CHANGE_FIELDS = ("minimum", "period")


def _programme_locked(actor: User, programme: Programme) -> Programme:
    access.require(access.can_manage_programme(resolve_scope(actor), programme))
    return Programme.objects.select_for_update().get(pk=programme.pk)


def _adopt_defaults(actor: User, programme: Programme) -> None:
    if Obligation.objects.current().filter(programme=programme).exists():
        return
    for rule in rules.DEFAULTS:
        rulebook.add(
            Obligation(programme=programme, kind=rule.kind, filer=rule.filer,
                       partner_lessons_only=rule.partner_lessons_only, minimum=rule.minimum,
                       period=rule.period),
            actor=actor,
        )  # fmt: skip


def _refuse_twin(obligation: Obligation) -> None:
    twin = Obligation.objects.current().filter(
        programme=obligation.programme_id, kind=obligation.kind, filer=obligation.filer,
        partner_lessons_only=obligation.partner_lessons_only, period=obligation.period,
    ).exclude(pk=obligation.pk)  # fmt: skip
    if twin.exists():
        raise ValidationError(
            {"minimum": _("The programme already has this obligation: change its number "
                          "instead.")}
        )  # fmt: skip


@transaction.atomic
def obligation_add(
    *, actor: User, programme: Programme, kind: str, filer: str, partner_lessons_only: bool,
    minimum: int, period: str,
) -> Obligation:  # fmt: skip
    """Add an obligation to a programme's mentorships, in force from today."""
    programme = _programme_locked(actor, programme)
    obligation = Obligation(programme=programme, kind=kind, filer=filer, minimum=minimum,
                            partner_lessons_only=partner_lessons_only, period=period)  # fmt: skip
    obligation.full_clean()
    _adopt_defaults(actor, programme)
    _refuse_twin(obligation)
    return rulebook.add(obligation, actor=actor)


@transaction.atomic
def obligation_change(*, actor: User, obligation: Obligation, **fields) -> Obligation:
    """Change an obligation's number or period from today on; returns the one now in force."""
    _programme_locked(actor, obligation.programme)
    changes = {name: fields[name] for name in OBLIGATION_CHANGE_FIELDS if name in fields}
    probe = Obligation(
        pk=obligation.pk, programme_id=obligation.programme_id, kind=obligation.kind,
        filer=obligation.filer, partner_lessons_only=obligation.partner_lessons_only,
        minimum=changes.get("minimum", obligation.minimum),
        period=changes.get("period", obligation.period),
    )  # fmt: skip
    _refuse_twin(probe)
    return rulebook.change(obligation, actor=actor, **changes)


@transaction.atomic
def obligation_remove(*, actor: User, obligation: Obligation) -> None:
    """Take an obligation out of force from today on."""
    _programme_locked(actor, obligation.programme)
    rulebook.retire(obligation, actor=actor)


@transaction.atomic
def obligations_adopt_defaults(*, actor: User, programme: Programme) -> None:
    _adopt_defaults(actor, _programme_locked(actor, programme))


@transaction.atomic
def mentorship_policy_set(
    *, actor: User, programme: Programme, max_mentee_years: int | None
) -> MentorshipPolicy:
    """Set how many years of service a programme's mentees may have (None: any). It is
    asked when a mentorship is made: mentorships already made stay."""
    programme = _programme_locked(actor, programme)
    policy = MentorshipPolicy.objects.filter(programme=programme).first() or MentorshipPolicy(
        programme=programme
    )
    if policy.pk and policy.max_mentee_years == max_mentee_years:
        return policy  # nothing changes: no history row
    policy.max_mentee_years = max_mentee_years
    policy.full_clean()
    policy._history_user = actor
    policy.save()
    return policy
