"""Balances, read from the ledger (never stored beside it).

Each function is one aggregate query over many allocations, budgets or pairings (DESIGN.md:
roll-ups are aggregate queries, never a loop per row). Money approved but not yet paid is
reserved: it comes from the disbursements, since an approval moves no money.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from .models import Account, Disbursement, DisbursementStatus, LedgerEntry

ZERO = Decimal("0.00")


@dataclass
class Balance:
    allocated: Decimal = ZERO
    released: Decimal = ZERO
    paid: Decimal = ZERO
    # Approved, not yet paid.
    reserved: Decimal = ZERO
    # Of a budget: its amount (None for a pairing's or an allocation's balance).
    budget: Decimal | None = field(default=None)

    @property
    def available(self) -> Decimal:
        """Released and neither paid nor reserved: what a new approval may use."""
        return self.released - self.paid - self.reserved

    @property
    def unreleased(self) -> Decimal:
        return self.allocated - self.released

    @property
    def unallocated(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.allocated

    @property
    def spent_share(self) -> float:
        """Paid as a share of allocated, 0..1, for bars."""
        return float(self.paid / self.allocated) if self.allocated else 0.0


def _sums(entries, key: str) -> dict:
    rows = entries.values(key).annotate(
        allocated=Sum("amount", filter=Q(account=Account.ALLOCATED)),
        released=Sum("amount", filter=Q(account=Account.RELEASED)),
        paid=Sum("amount", filter=Q(account=Account.PAID)),
    )
    return {
        row[key]: Balance(
            allocated=row["allocated"] or ZERO,
            released=row["released"] or ZERO,
            paid=row["paid"] or ZERO,
        )
        for row in rows.order_by()
    }


def _reserved(disbursements, key: str) -> dict:
    rows = (
        disbursements.filter(status=DisbursementStatus.APPROVED)
        .values(key)
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row[key]: row["total"] for row in rows}


def _balances(ids: Iterable[int], key: str, disbursement_key: str = "") -> dict[int, Balance]:
    ids = list(ids)
    if not ids:
        return {}
    found = _sums(LedgerEntry.objects.filter(**{f"{key}__in": ids}), key)
    other = disbursement_key or key
    reserved = _reserved(Disbursement.objects.filter(**{f"{other}__in": ids}), other)
    for pk, total in reserved.items():
        found.setdefault(pk, Balance()).reserved = total
    return {pk: found.get(pk, Balance()) for pk in ids}


def allocation_balances(ids: Iterable[int]) -> dict[int, Balance]:
    """Balance of each allocation (two queries)."""
    return _balances(ids, "allocation_id")


def pairing_balances(ids: Iterable[int]) -> dict[int, Balance]:
    """Balance of each pairing, over all its allocations (two queries)."""
    return _balances(ids, "pairing_id")


def budget_balances(budgets) -> dict[int, Balance]:
    """Balance of each of ``budgets`` (model instances), with its amount (two queries)."""
    budgets = list(budgets)
    found = _balances([b.pk for b in budgets], "budget_id", "allocation__budget_id")
    for budget in budgets:
        found[budget.pk].budget = budget.amount
    return found


def totals(entries, disbursements) -> Balance:
    """One balance over the ``entries`` and ``disbursements`` querysets given (two
    queries): a programme's, a region's, the user's scope."""
    sums = entries.aggregate(
        allocated=Sum("amount", filter=Q(account=Account.ALLOCATED)),
        released=Sum("amount", filter=Q(account=Account.RELEASED)),
        paid=Sum("amount", filter=Q(account=Account.PAID)),
    )
    reserved = disbursements.filter(status=DisbursementStatus.APPROVED).aggregate(
        total=Sum("amount")
    )["total"]
    return Balance(
        allocated=sums["allocated"] or ZERO,
        released=sums["released"] or ZERO,
        paid=sums["paid"] or ZERO,
        reserved=reserved or ZERO,
    )


def with_allocation_balances(allocations) -> list:
    """``allocations`` as a list, each with its ``balance`` (two queries for all)."""
    allocations = list(allocations)
    balances = allocation_balances(a.pk for a in allocations)
    for allocation in allocations:
        allocation.balance = balances[allocation.pk]
    return allocations


def with_budget_balances(budgets) -> list:
    """``budgets`` as a list, each with its ``balance`` (two queries for all)."""
    budgets = list(budgets)
    balances = budget_balances(budgets)
    for budget in budgets:
        budget.balance = balances[budget.pk]
    return budgets
