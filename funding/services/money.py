"""Every write of the funding app: budgets, allocations and their tranches, disbursements
through their lifecycle, receipts, and the ledger entries all of these write.

Rules held here and nowhere else:
- money is a positive ``Decimal`` with at most two places;
- a budget never allocates more than its amount, and an allocation never approves more
  than it has released: both checked under a row lock (the budget's, the allocation's),
  so approvals running at the same time cannot overspend;
- the approver is never the requester; a rejection says why;
- a disbursement is paid once, and only after approval; a paid one is never changed: a
  reversal writes a new ledger entry;
- a meal allowance is 40 yuan (``MEAL_ALLOWANCE_PER_WORKING_DAY``) per working day served
  on a secondment (by the host region's calendar), and the same days are never claimed
  twice.
A ``ValidationError`` naming the field changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import Pairing, PairingMember, PairingStatus, Programme, Region
from twinning import access, calendar, text
from twinning.access import resolve_scope
from twinning.attachments import check_uploads, delete_stored, store_uploads
from twinning.models import User

from .. import ledger
from ..models import (
    CENT,
    COMMITTED_STATUSES,
    LIVE_STATUSES,
    Account,
    Allocation,
    Budget,
    Disbursement,
    DisbursementStatus,
    DisbursementTransition,
    EntryKind,
    LedgerEntry,
    PayeeKind,
    Purpose,
    Receipt,
    Tranche,
    TrancheStatus,
)
from ..selectors import had_a_hand_in

# Pairings that may be funded.
FUNDED_STATUSES = (PairingStatus.APPROVED, PairingStatus.ACTIVE)
# The first tranche is due within this many days of the agreement.
FIRST_TRANCHE_DAYS = 30
MAX_RECEIPTS = 20
MAX_AMOUNT = Decimal("999999999999.99")
# Purposes paid against records the system already has: no receipt is asked for.
NO_RECEIPT_PURPOSES = (Purpose.MEAL_ALLOWANCE,)
DRAFT_FIELDS = ("purpose", "payee_kind", "school", "payee_teacher", "amount", "description",
                "secondment", "period_start", "period_end", "activity", "allocation")  # fmt: skip


def meal_allowance_rate() -> Decimal:
    return Decimal(str(settings.MEAL_ALLOWANCE_PER_WORKING_DAY))


def money(value, field: str = "amount") -> Decimal:
    """``value`` as yuan: positive, at most two decimal places, not absurdly large;
    otherwise a ``ValidationError`` naming ``field``."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter an amount in yuan, e.g. 1200.50.")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("Enter an amount in yuan, e.g. 1200.50.")})
    if amount <= 0:
        raise ValidationError({field: _("The amount must be more than zero.")})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: _("Amounts are in yuan with at most two decimal places.")})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: _("This amount is too large.")})
    return amount.quantize(CENT)


def _entry(*, kind, account, amount, allocation: Allocation, actor, **fields) -> LedgerEntry:
    return LedgerEntry.objects.create(
        kind=kind, account=account, amount=amount, allocation=allocation,
        budget_id=allocation.budget_id, pairing_id=allocation.pairing_id,
        region_id=allocation.region_id, actor=actor, **fields,
    )  # fmt: skip


# --- budgets ---------------------------------------------------------------------------------

BUDGET_FIELDS = ("source", "fiscal_year", "amount", "purpose", "ring_fenced", "programme")


def _validate_budget(budget: Budget) -> None:
    budget.amount = money(budget.amount)
    if budget.ring_fenced and budget.programme_id is None:
        raise ValidationError({"programme": _("A ring-fenced budget names its programme.")})
    if budget.programme_id is not None:
        programme = Programme.objects.select_related("region").get(pk=budget.programme_id)
        region = Region.objects.get(pk=budget.region_id)
        if not programme.region.path.startswith(region.path):
            raise ValidationError(
                {"programme": _("The programme must be of the budget's region or below it.")}
            )
    budget.full_clean(exclude=["region", "programme", "created_by"])


@transaction.atomic
def budget_create(*, actor: User, region: Region, **fields) -> Budget:
    """A region's budget; its bureau makes it."""
    if not access.can_manage_region(resolve_scope(actor), region):
        raise PermissionDenied(_("Only bureau staff of the region keep its budgets."))
    unknown = set(fields) - set(BUDGET_FIELDS)
    if unknown:
        raise TypeError(f"not budget fields: {sorted(unknown)}")
    budget = Budget(region=region, created_by=actor, **fields)
    _validate_budget(budget)
    budget._history_user = actor
    budget.save()
    return budget


@transaction.atomic
def budget_update(*, actor: User, budget: Budget, **fields) -> Budget:
    """Change a budget; its amount never drops below what it has allocated."""
    access.require(access.can_manage_budget(resolve_scope(actor), budget))
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    unknown = set(fields) - set(BUDGET_FIELDS)
    if unknown:
        raise TypeError(f"not budget fields: {sorted(unknown)}")
    has_allocations = budget.allocations.exists()
    for name, value in fields.items():
        if name in ("programme", "ring_fenced") and has_allocations:
            if getattr(budget, name if name != "programme" else "programme_id") != (
                value.pk if name == "programme" and value is not None else value
            ):
                raise ValidationError(
                    {name: _("The budget has allocations; its programme stays as it is.")}
                )
        setattr(budget, name, value)
    _validate_budget(budget)
    allocated = ledger.budget_balances([budget])[budget.pk].allocated
    if budget.amount < allocated:
        raise ValidationError(
            {"amount": _("%(allocated)s yuan is already allocated from this budget.")
             % {"allocated": text.amount(allocated)}}
        )  # fmt: skip
    budget._history_user = actor
    budget.save()
    return budget


# --- allocations and tranches ------------------------------------------------------------------


def tranche_schedule(total: Decimal, count: int) -> list[Decimal]:
    """``total`` in ``count`` equal tranches; the last takes the remainder of the cents."""
    count = max(1, count)
    part = (total / count).quantize(CENT, rounding="ROUND_DOWN")
    return [part] * (count - 1) + [total - part * (count - 1)]


def _check_divisible(amount: Decimal, tranches: int) -> None:
    if amount < CENT * max(tranches, 1):
        raise ValidationError(
            {"amount": _("The amount must give each of the %(count)s tranches at least a cent.")
             % {"count": tranches}}
        )  # fmt: skip


def _first_due(pairing: Pairing) -> dt.date:
    signed = pairing.agreement_signed_on or pairing.agreement_start or calendar.today()
    return signed + dt.timedelta(days=FIRST_TRANCHE_DAYS)


def _check_allocatable(budget: Budget, pairing: Pairing, scope) -> None:
    access.require(
        access.can_manage_budget(scope, budget),
        _("Only bureau staff of the budget's region allocate it."),
    )
    if pairing.status not in FUNDED_STATUSES:
        raise ValidationError({"pairing": _("Only approved or active pairings are funded.")})
    if not pairing.region.path.startswith(budget.region.path):
        raise ValidationError({"pairing": _("The pairing is outside the budget's region.")})
    if budget.ring_fenced and pairing.programme_id != budget.programme_id:
        raise ValidationError(
            {"pairing": _("This budget is ring-fenced for %(programme)s.")
             % {"programme": budget.programme.name}}
        )  # fmt: skip


def _allocate(budget: Budget, pairing: Pairing, amount: Decimal, actor: User) -> Allocation:
    programme = pairing.programme
    allocation = Allocation.objects.create(
        budget=budget, pairing=pairing, region_id=pairing.helping_school.region_id,
        amount=amount, created_by=actor,
    )  # fmt: skip
    parts = tranche_schedule(amount, programme.tranche_count)
    Tranche.objects.bulk_create(
        Tranche(allocation=allocation, number=i, amount=part,
                due_on=_first_due(pairing) if i == 1 else None)
        for i, part in enumerate(parts, start=1)
    )  # fmt: skip
    _entry(
        kind=EntryKind.ALLOCATION, account=Account.ALLOCATED, amount=amount,
        allocation=allocation, actor=actor,
        memo=pairing.title[:200],
    )  # fmt: skip
    return allocation


def _lock_budget(budget: Budget) -> Budget:
    return (
        Budget.objects.select_for_update(of=("self",))
        .select_related("region", "programme")
        .get(pk=budget.pk)
    )


def _unallocated(budget: Budget) -> Decimal:
    return ledger.budget_balances([budget])[budget.pk].unallocated


def _pairings(ids) -> list[Pairing]:
    return list(
        Pairing.objects.filter(pk__in=ids)
        .select_related("programme", "region", "helping_school")
        .prefetch_related("members__school")
        .order_by("pk")
    )


@transaction.atomic
def allocation_create(
    *, actor: User, budget: Budget, pairing: Pairing, amount: Decimal | None = None
) -> Allocation:
    """Set aside ``amount`` (by default the programme's funding per pairing) of ``budget``
    for ``pairing``, in the programme's number of tranches."""
    scope = resolve_scope(actor)
    budget = _lock_budget(budget)
    (pairing,) = _pairings([pairing.pk])
    _check_allocatable(budget, pairing, scope)
    if Allocation.objects.filter(budget=budget, pairing=pairing).exists():
        raise ValidationError({"pairing": _("This pairing already has money from this budget.")})
    amount = money(pairing.programme.funding_per_pair if amount is None else amount)
    _check_divisible(amount, pairing.programme.tranche_count)
    left = _unallocated(budget)
    if amount > left:
        raise ValidationError(
            {"amount": _("Only %(left)s yuan of this budget is still unallocated.")
             % {"left": text.amount(left)}}
        )  # fmt: skip
    return _allocate(budget, pairing, amount, actor)


@transaction.atomic
def budget_allocate_programme(*, actor: User, budget: Budget) -> list[Allocation]:
    """Allocate the programme's funding per pairing to each of its approved and active
    pairings in the budget's region that has none from this budget yet; all or none."""
    scope = resolve_scope(actor)
    budget = _lock_budget(budget)
    access.require(access.can_manage_budget(scope, budget))
    if budget.programme_id is None:
        raise ValidationError(_("Name the budget's programme first."))
    per_pair = budget.programme.funding_per_pair
    if per_pair <= 0:
        raise ValidationError(_("The programme gives no funding per pairing."))
    _check_divisible(per_pair, budget.programme.tranche_count)
    ids = (
        Pairing.objects.filter(
            programme_id=budget.programme_id, status__in=FUNDED_STATUSES,
            region__path__startswith=budget.region.path,
        )
        .exclude(allocations__budget=budget)
        .values_list("pk", flat=True)
    )  # fmt: skip
    pairings = _pairings(list(ids))
    if not pairings:
        raise ValidationError(_("Every approved or active pairing already has its allocation."))
    needed = per_pair * len(pairings)
    left = _unallocated(budget)
    if needed > left:
        raise ValidationError(
            _("%(count)s pairings need %(needed)s yuan; only %(left)s yuan is unallocated.")
            % {"count": len(pairings), "needed": text.amount(needed), "left": text.amount(left)}
        )
    return [_allocate(budget, pairing, per_pair, actor) for pairing in pairings]


def _release(tranche: Tranche, actor: User, note: str, **fields) -> Tranche:
    tranche.status = TrancheStatus.RELEASED
    tranche.released_at = timezone.now()
    tranche.released_by = actor
    tranche.note = note[:200]
    for name, value in fields.items():
        setattr(tranche, name, value)
    tranche.save()
    _entry(
        kind=EntryKind.RELEASE, account=Account.RELEASED, amount=tranche.amount,
        allocation=tranche.allocation, tranche=tranche, actor=actor,
        memo=f"#{tranche.number}",
    )  # fmt: skip
    return tranche


def _lock_tranche(tranche: Tranche) -> Tranche:
    return (
        Tranche.objects.select_for_update(of=("self",))
        .select_related("allocation__budget__region", "allocation__pairing")
        .get(pk=tranche.pk)
    )


@transaction.atomic
def tranche_release(*, actor: User, tranche: Tranche, note: str = "") -> Tranche:
    """Release the first tranche (the agreement is signed). Later tranches follow the
    evaluation: :func:`tranche_release_on_evaluation`."""
    tranche = _lock_tranche(tranche)
    access.require(access.can_manage_budget(resolve_scope(actor), tranche.allocation.budget))
    if tranche.status == TrancheStatus.RELEASED:
        raise ValidationError(_("This tranche has already been released."))
    if tranche.number != 1:
        raise ValidationError(_("Later tranches are released when the year's evaluation passes."))
    if tranche.allocation.pairing.status not in FUNDED_STATUSES:
        raise ValidationError(_("Only approved or active pairings are funded."))
    return _release(tranche, actor, note)


# A tranche released on a passing evaluation is paid within this many working days
# (seed 001 篇16: 30个工作日内拨付), by the pairing's region's calendar.
EVALUATION_PAYMENT_WORKING_DAYS = 30


@transaction.atomic
def tranche_release_on_evaluation(
    *, actor: User, pairing: Pairing, school_year: int, score: Decimal, passed: bool
) -> list[Tranche]:
    """What the evaluation of ``pairing``'s ``school_year`` does to its money: if it
    passed, the next tranche of each allocation is released, due within
    :data:`EVALUATION_PAYMENT_WORKING_DAYS` working days; if not, it is withheld (a later
    passing evaluation of the same year releases it). A tranche already released on this
    year's evaluation is never released again; if the year's result is changed to a fail
    it is *flagged* (``flagged_at``) and the bureau told, not taken back by itself, and a
    pass again clears the flag. Called by the evaluation app when a scorecard is
    finalised; safe to call twice for the same year and result."""
    from ..tasks import notify_tranche_flagged

    changed = []
    allocations = Allocation.objects.filter(pairing=pairing).select_for_update(of=("self",))
    for allocation in allocations.order_by("pk"):
        tranches = Tranche.objects.select_for_update().filter(allocation=allocation)
        tranche = tranches.filter(evaluation_year=school_year).first() or (
            tranches.filter(number__gt=1)
            .exclude(status=TrancheStatus.RELEASED)
            .filter(evaluation_year__isnull=True)
            .order_by("number")
            .first()
        )
        if tranche is None:
            continue
        # Kept in no language: the page says "evaluation of <year>" in the reader's.
        note = str(score)
        if tranche.status == TrancheStatus.RELEASED:
            flagged = None if passed else (tranche.flagged_at or timezone.now())
            if tranche.evaluation_year == school_year and flagged != tranche.flagged_at:
                tranche.flagged_at = flagged
                tranche.note = note
                tranche.save(update_fields=["flagged_at", "note"])
                changed.append(tranche)
                if flagged:
                    transaction.on_commit(lambda pk=tranche.pk: notify_tranche_flagged.delay(pk))
            continue
        if passed:
            today = calendar.today()
            _first, due = calendar.working_day_window(
                today + dt.timedelta(days=1), EVALUATION_PAYMENT_WORKING_DAYS,
                pairing.region.path,
            )  # fmt: skip
            changed.append(_release(tranche, actor, note, evaluation_year=school_year, due_on=due))
        else:
            tranche.status = TrancheStatus.WITHHELD
            tranche.evaluation_year = school_year
            tranche.note = note
            tranche.save()
            changed.append(tranche)
    return changed


# --- disbursements -----------------------------------------------------------------------------


def _members(pairing: Pairing) -> dict[int, PairingMember]:
    return {m.school_id: m for m in PairingMember.objects.filter(pairing=pairing)}


def _check_requester(actor: User, pairing: Pairing, members) -> None:
    if not access.can_request_disbursements(resolve_scope(actor), pairing, set(members)):
        raise PermissionDenied(
            _("The coordinators of the pairing's schools and its bureau request its money.")
        )


def _meal_allowance(d: Disbursement) -> None:
    """Fill the amount of a meal allowance from its secondment's working days."""
    secondment = d.secondment
    if secondment is None:
        raise ValidationError({"secondment": _("Choose the secondment the allowance is for.")})
    if secondment.pairing_id != d.pairing_id or secondment.is_cancelled:
        raise ValidationError({"secondment": _("Choose a secondment of this pairing.")})
    today = calendar.today()
    d.period_start = d.period_start or secondment.start
    d.period_end = d.period_end or min(secondment.end, today)
    if d.period_end > today:
        raise ValidationError(
            {"period_end": _("An allowance is claimed for days served, up to today.")}
        )
    if d.period_start > d.period_end:
        raise ValidationError({"period_end": _("The period cannot end before it starts.")})
    if d.period_start < secondment.start or d.period_end > secondment.end:
        raise ValidationError(
            {"period_start": _("The period must lie within the secondment (%(start)s – %(end)s).")
             % {"start": secondment.start, "end": secondment.end}}
        )  # fmt: skip
    days = secondment.days_served_between(d.period_start, d.period_end)
    if days == 0:
        raise ValidationError({"period_start": _("No working day falls in this period.")})
    overlapping = (
        Disbursement.objects.filter(
            secondment=secondment, status__in=LIVE_STATUSES,
            period_start__lte=d.period_end, period_end__gte=d.period_start,
        )
        .exclude(pk=d.pk)
        .first()
    )  # fmt: skip
    if overlapping is not None:
        raise ValidationError(
            {"period_start": _("These days are already claimed (%(start)s – %(end)s).")
             % {"start": overlapping.period_start, "end": overlapping.period_end}}
        )  # fmt: skip
    d.working_days = days
    d.amount = meal_allowance_rate() * days
    d.payee_kind = PayeeKind.TEACHER
    d.payee_teacher = secondment.teacher
    d.school_id = secondment.home_school_id


def _validate(d: Disbursement, members) -> None:
    errors: dict[str, list[str]] = {}
    if d.purpose not in Purpose.values:
        raise ValidationError({"purpose": _("Choose what the money is for.")})
    if d.purpose == Purpose.STUDENT_AID or d.payee_kind == PayeeKind.STUDENT:
        raise ValidationError({"purpose": _("Student aid is paid through the student aid pages.")})
    if d.purpose == Purpose.MEAL_ALLOWANCE:
        _meal_allowance(d)
    else:
        d.secondment = None
        d.working_days = None
        d.amount = money(d.amount)
    if d.allocation_id is None or d.allocation.pairing_id != d.pairing_id:
        errors.setdefault("allocation", []).append(_("Choose an allocation of this pairing."))
    if d.payee_kind == PayeeKind.TEACHER:
        teacher = d.payee_teacher
        if teacher is None:
            errors.setdefault("payee_teacher", []).append(_("Choose the teacher to be paid."))
        elif teacher.school_id not in members:
            errors.setdefault("payee_teacher", []).append(
                _("The payee must be a teacher of the pairing's schools.")
            )
        else:
            d.school_id = teacher.school_id
    elif d.payee_kind == PayeeKind.SCHOOL:
        d.payee_teacher = None
    else:
        errors.setdefault("payee_kind", []).append(_("Choose who is paid."))
    if d.school_id not in members:
        errors.setdefault("school", []).append(_("The payee must be one of the pairing's schools."))
    if d.activity_id is not None and d.activity.pairing_id != d.pairing_id:
        errors.setdefault("activity", []).append(_("Choose an activity of this pairing."))
    if errors:
        raise ValidationError(errors)
    d.region_id = members[d.school_id].region_id
    d.full_clean(
        exclude=["allocation", "pairing", "school", "payee_teacher", "secondment", "activity",
                 "requested_by", "decided_by", "paid_by", "status", "region"]
    )  # fmt: skip


def _step(d: Disbursement, actor: User, before: str, comment: str = "") -> None:
    DisbursementTransition.objects.create(
        disbursement=d, from_status=before, to_status=d.status, actor=actor, comment=comment
    )


@transaction.atomic
def disbursement_create(
    *, actor: User, pairing: Pairing, receipts=(), allocation: Allocation | None = None, **fields
) -> Disbursement:
    """A draft request for money of ``pairing`` (from its only allocation unless one is
    named), with its receipts."""
    members = _members(pairing)
    _check_requester(actor, pairing, members)
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise TypeError(f"not disbursement fields: {sorted(unknown)}")
    if pairing.status not in FUNDED_STATUSES:
        raise ValidationError(_("Money is requested for approved or active pairings only."))
    if allocation is None:
        allocations = list(Allocation.objects.filter(pairing=pairing)[:2])
        if not allocations:
            raise ValidationError(_("This pairing has no money allocated yet."))
        if len(allocations) == 1:
            allocation = allocations[0]
    d = Disbursement(pairing=pairing, allocation=allocation, requested_by=actor, **fields)
    if d.payee_kind is None or d.payee_kind == "":
        d.payee_kind = PayeeKind.SCHOOL
    _validate(d, members)
    checked = check_uploads(receipts, field="receipts", limit=MAX_RECEIPTS)
    d._history_user = actor
    d.save()
    _step(d, actor, "")
    store_uploads(Receipt, checked, actor=actor, disbursement=d, school_id=d.school_id,
                  region_id=d.region_id)  # fmt: skip
    return d


def _lock_allocation_of(d: Disbursement) -> Allocation:
    """The row of the allocation ``d`` draws on, locked. Approvals, payments and reversals
    of its requests take it first, one at a time: an approval reads the allocation's
    balance in two queries (the ledger, then the approved requests), and a payment
    committed between them would be in neither."""
    allocation_id = Disbursement.objects.filter(pk=d.pk).values("allocation_id")
    return Allocation.objects.select_for_update().get(pk=Subquery(allocation_id))


def _locked(d: Disbursement) -> Disbursement:
    return (
        Disbursement.objects.select_for_update(of=("self",))
        .select_related("pairing__region", "allocation", "secondment__host_region")
        .get(pk=d.pk)
    )


def _require(d: Disbursement, status: str, message: str) -> None:
    if d.status != status:
        raise ValidationError(message % {"status": d.get_status_display().lower()})


@transaction.atomic
def disbursement_update(*, actor: User, disbursement: Disbursement, **fields) -> Disbursement:
    """Change a draft."""
    d = _locked(disbursement)
    members = _members(d.pairing)
    _check_requester(actor, d.pairing, members)
    _require(d, DisbursementStatus.DRAFT, _("This request is %(status)s; only drafts change."))
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise TypeError(f"not disbursement fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(d, name, value)
    if d.purpose == Purpose.MEAL_ALLOWANCE and ("secondment" in fields):
        # A new secondment brings its own period unless one is given.
        d.period_start = fields.get("period_start")
        d.period_end = fields.get("period_end")
    _validate(d, members)
    d._history_user = actor
    d.save()
    Receipt.objects.filter(disbursement=d).update(school_id=d.school_id, region_id=d.region_id)
    return d


@transaction.atomic
def disbursement_delete(*, actor: User, disbursement: Disbursement) -> None:
    """Throw a draft away, with its receipts."""
    d = _locked(disbursement)
    _check_requester(actor, d.pairing, _members(d.pairing))
    _require(d, DisbursementStatus.DRAFT, _("This request is %(status)s; only drafts are deleted."))
    for receipt in d.receipts.all():
        delete_stored(receipt)
    d.delete()


def _committed(allocation: Allocation, exclude: int | None = None) -> Decimal:
    return Disbursement.objects.filter(
        allocation=allocation, status__in=COMMITTED_STATUSES
    ).exclude(pk=exclude).aggregate(total=Sum("amount"))["total"] or Decimal("0")


@transaction.atomic
def disbursement_submit(*, actor: User, disbursement: Disbursement) -> Disbursement:
    """draft → submitted, for the bureau's approval. Receipts are required (not for a
    meal allowance, computed from the secondment); the amount must fit the allocation."""
    d = _locked(disbursement)
    members = _members(d.pairing)
    _check_requester(actor, d.pairing, members)
    _require(d, DisbursementStatus.DRAFT, _("This request is %(status)s; it cannot be submitted."))
    if d.purpose == Purpose.MEAL_ALLOWANCE:
        _validate(d, members)  # the calendar may have changed since the draft
        d.save()
    elif not d.receipts.exists():
        raise ValidationError({"receipts": _("Attach the receipt or invoice first.")})
    left = d.allocation.amount - _committed(d.allocation)
    if d.amount > left:
        raise ValidationError(
            {"amount": _("Only %(left)s yuan of the allocation is not yet spoken for.")
             % {"left": text.amount(left)}}
        )  # fmt: skip
    before = d.status
    d.submit()
    d.submitted_at = timezone.now()
    d._history_user = actor
    d.save()
    _step(d, actor, before)
    _notify_on_commit(d)
    return d


def _check_decider(actor: User, d: Disbursement) -> None:
    scope = resolve_scope(actor)
    if access.is_pairing_bureau(scope, d.pairing) and had_a_hand_in(d, actor.pk):
        raise PermissionDenied(
            _("Someone other than whoever asked for, changed or submitted a request decides it.")
        )
    access.require(
        access.can_decide_disbursement(scope, d.pairing, d.requested_by_id, actor.pk),
        _("Only the programme's bureau staff decide requests for money."),
    )


@transaction.atomic
def disbursement_approve(
    *, actor: User, disbursement: Disbursement, comment: str = ""
) -> Disbursement:
    """submitted → approved: the amount is reserved from what the allocation has released.
    The allocation's row is locked first, so two approvals never both take the last yuan."""
    d = Disbursement.objects.select_related("pairing__region").get(pk=disbursement.pk)
    _check_decider(actor, d)
    allocation = _lock_allocation_of(d)
    d = _locked(d)
    _require(
        d, DisbursementStatus.SUBMITTED, _("This request is %(status)s; it cannot be approved.")
    )
    balance = ledger.allocation_balances([allocation.pk])[allocation.pk]
    if d.amount > balance.available:
        raise ValidationError(
            {"amount": _("Only %(left)s yuan of the released money is still available.")
             % {"left": text.amount(balance.available)}}
        )  # fmt: skip
    before = d.status
    d.approve()
    d.decided_by, d.decided_at, d.decision_comment = actor, timezone.now(), comment.strip()
    d._history_user = actor
    d.save()
    _step(d, actor, before, comment.strip())
    _notify_on_commit(d)
    return d


@transaction.atomic
def disbursement_reject(*, actor: User, disbursement: Disbursement, comment: str) -> Disbursement:
    """submitted → rejected, saying why."""
    d = _locked(disbursement)
    _check_decider(actor, d)
    _require(
        d, DisbursementStatus.SUBMITTED, _("This request is %(status)s; it cannot be rejected.")
    )
    if not (comment or "").strip():
        raise ValidationError({"comment": _("Say why the request is rejected.")})
    before = d.status
    d.reject()
    d.decided_by, d.decided_at, d.decision_comment = actor, timezone.now(), comment.strip()
    d._history_user = actor
    d.save()
    _step(d, actor, before, comment.strip())
    _notify_on_commit(d)
    return d


@transaction.atomic
def disbursement_pay(
    *, actor: User, disbursement: Disbursement, paid_on: dt.date, reference: str
) -> Disbursement:
    """approved → paid, once: writes the payment to the ledger."""
    _lock_allocation_of(disbursement)
    d = _locked(disbursement)
    access.require(
        access.can_pay_disbursement(resolve_scope(actor), d.pairing),
        _("Only the programme's bureau staff record payments."),
    )
    if d.status == DisbursementStatus.PAID:
        raise ValidationError(_("This request has already been paid."))
    _require(
        d,
        DisbursementStatus.APPROVED,
        _("This request is %(status)s; only approved ones are paid."),
    )
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": _("Give the payment reference (凭证号).")})
    if paid_on is None:
        raise ValidationError({"paid_on": _("Give the date of payment.")})
    if paid_on > calendar.today():
        raise ValidationError({"paid_on": _("The payment date cannot be in the future.")})
    if d.decided_at and paid_on < timezone.localdate(d.decided_at):
        raise ValidationError({"paid_on": _("The payment cannot be dated before the approval.")})
    before = d.status
    d.pay()
    d.paid_on, d.payment_reference, d.paid_by = paid_on, reference[:60], actor
    d._history_user = actor
    d.save()
    _entry(
        kind=EntryKind.PAYMENT, account=Account.PAID, amount=d.amount, allocation=d.allocation,
        disbursement=d, actor=actor,
        memo=reference[:200],
    )  # fmt: skip
    _step(d, actor, before, reference)
    _notify_on_commit(d)
    return d


@transaction.atomic
def disbursement_reverse(*, actor: User, disbursement: Disbursement, reason: str) -> Disbursement:
    """paid → reversed: the money came back or was paid in error. The payment stays in
    the ledger; a reversing entry cancels it."""
    _lock_allocation_of(disbursement)
    d = _locked(disbursement)
    access.require(
        access.can_pay_disbursement(resolve_scope(actor), d.pairing),
        _("Only the programme's bureau staff reverse payments."),
    )
    _require(
        d, DisbursementStatus.PAID, _("This request is %(status)s; only paid ones are reversed.")
    )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the payment is reversed.")})
    payment = LedgerEntry.objects.get(disbursement=d, kind=EntryKind.PAYMENT)
    before = d.status
    d.reverse_payment()
    d.reversal_reason = reason.strip()
    d._history_user = actor
    d.save()
    _entry(
        kind=EntryKind.REVERSAL, account=payment.account, amount=-payment.amount,
        allocation=d.allocation, disbursement=d, reverses=payment, actor=actor,
        memo=reason.strip()[:200],
    )  # fmt: skip
    _step(d, actor, before, reason.strip())
    return d


@transaction.atomic
def receipt_add(*, actor: User, disbursement: Disbursement, files) -> list[Receipt]:
    """Attach receipts to a request that is not closed (a payment slip may come after
    payment)."""
    d = _locked(disbursement)
    scope = resolve_scope(actor)
    members = _members(d.pairing)
    if not (
        access.can_request_disbursements(scope, d.pairing, set(members))
        or access.can_pay_disbursement(scope, d.pairing)
    ):
        raise PermissionDenied(_("Only the people who handle this request add receipts."))
    if d.status in (DisbursementStatus.REJECTED, DisbursementStatus.REVERSED):
        raise ValidationError(_("This request is closed."))
    checked = check_uploads(files, field="receipts", limit=MAX_RECEIPTS, already=d.receipts.count())
    if not checked:
        raise ValidationError({"receipts": _("Choose a file.")})
    return store_uploads(Receipt, checked, actor=actor, disbursement=d, school_id=d.school_id,
                         region_id=d.region_id)  # fmt: skip


@transaction.atomic
def receipt_remove(*, actor: User, receipt: Receipt) -> None:
    """Take a receipt off a draft."""
    d = _locked(receipt.disbursement)
    _check_requester(actor, d.pairing, _members(d.pairing))
    _require(d, DisbursementStatus.DRAFT, _("This request is %(status)s; its receipts stay."))
    delete_stored(receipt)
    receipt.delete()


def _notify_on_commit(d: Disbursement) -> None:
    step_id = d.transitions.latest("at", "id").pk

    def enqueue():
        from ..tasks import notify_disbursement

        notify_disbursement.delay(step_id)

    transaction.on_commit(enqueue)
