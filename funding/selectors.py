"""Scoped reads of the funding app.

A pairing's money (its allocations, tranches, disbursements, receipts and ledger) is read
by whoever reads the pairing except its teachers: the bureau and inspectors of the
programme's and the member schools' regions, and the member schools' coordinators
(twinning.access.can_read_funding). Rows carry a school's region, so a bureau's list is
one indexed filter on the table itself (activities.selectors._scope_condition). Budgets
are read by the bureau and inspectors of their region and above.
"""

from __future__ import annotations

import dataclasses

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404

from activities.selectors import _scope_condition
from schools.models import Pairing, PairingMember, Region
from schools.selectors import member_ids
from twinning import access
from twinning.access import resolve_scope
from twinning.db import get_or_404

from . import ledger
from .models import (
    Account,
    AidApplication,
    AidDocument,
    AidNotice,
    AidObjection,
    AidScheme,
    AidTier,
    Allocation,
    Budget,
    Disbursement,
    DisbursementStatus,
    DisbursementTransition,
    Donation,
    DonationEvidence,
    LedgerEntry,
    Receipt,
    Student,
    StudentAccessLog,
    Tranche,
)


def _funding_scope(user):
    """The user's scope without the teacher role, which reads no money."""
    scope = resolve_scope(user)
    if scope.teacher_school_ids:
        scope = dataclasses.replace(scope, teacher_school_ids=frozenset())
    return scope


def _in_scope(qs: QuerySet, user) -> QuerySet:
    if user is None or not user.is_authenticated:
        return qs.none()
    scope = _funding_scope(user)
    if scope.is_admin:
        return qs
    if scope.is_empty:
        return qs.none()
    return qs.filter(_scope_condition(user, scope, ("region_id",), "pairing_id"))


def can_read_funding(user, pairing: Pairing) -> bool:
    """Whether ``user`` reads ``pairing``'s money (members prefetched)."""
    school_ids, region_ids = member_ids(pairing)
    return access.can_read_funding(resolve_scope(user), pairing, school_ids, region_ids)


def can_request(user, pairing: Pairing) -> bool:
    school_ids, _regions = member_ids(pairing)
    return access.can_request_disbursements(resolve_scope(user), pairing, school_ids)


def reads_funding(user) -> bool:
    """Holds a role that reads any money at all (the menu)."""
    scope = resolve_scope(user)
    return scope.is_admin or bool(scope.read_region_ids or scope.coordinator_school_ids)


# --- budgets -------------------------------------------------------------------------------


def budget_list_visible_to(user) -> QuerySet[Budget]:
    scope = resolve_scope(user)
    qs = Budget.objects.select_related("region", "programme")
    if scope.is_admin:
        return qs
    if not scope.read_region_ids:
        return qs.none()
    return qs.filter(region_id__any_of=scope.read_region_ids)


def budget_get_for_user(user, pk, *, write: bool = False) -> Budget:
    budget = get_or_404(budget_list_visible_to(user).select_related("created_by"), pk)
    if write:
        access.require(access.can_manage_budget(resolve_scope(user), budget))
    return budget


def can_manage_budgets(user) -> bool:
    scope = resolve_scope(user)
    return scope.is_admin or bool(scope.bureau_region_ids)


def budget_regions(user) -> QuerySet[Region]:
    """Regions whose budgets ``user`` keeps (their bureau regions: a few)."""
    scope = resolve_scope(user)
    qs = Region.objects.order_by("path")
    return qs if scope.is_admin else qs.filter(id__any_of=scope.bureau_region_ids)


# --- allocations and the ledger -------------------------------------------------------------


def allocation_list_visible_to(user) -> QuerySet[Allocation]:
    return _in_scope(
        Allocation.objects.select_related(
            "budget", "pairing__programme", "pairing__helping_school"
        ),
        user,
    )


def ledger_list_visible_to(user) -> QuerySet[LedgerEntry]:
    return _in_scope(LedgerEntry.objects.select_related("actor", "budget"), user)


def tranche_get_for_user(user, pk) -> Tranche:
    """A tranche of a pairing whose money ``user`` reads, else 404."""
    allocations = allocation_list_visible_to(user).values("pk")
    return get_or_404(
        Tranche.objects.filter(allocation_id__in=allocations).select_related(
            "allocation__budget__region", "allocation__pairing"
        ),
        pk,
    )


# --- disbursements ----------------------------------------------------------------------------


def disbursement_list_visible_to(user) -> QuerySet[Disbursement]:
    """Visible disbursements with their school and teacher (joined: one row each)."""
    return _in_scope(
        Disbursement.objects.select_related("school", "payee_teacher", "requested_by"), user
    )


def disbursement_get_for_user(user, pk, *, write: bool = False) -> Disbursement:
    """404 outside the user's scope; 403 on ``write`` for whoever may not request money."""
    pairings = Pairing.objects.select_related(
        "helping_school", "region", "programme"
    ).prefetch_related(Prefetch("members", queryset=PairingMember.objects.select_related("school")))
    qs = (
        disbursement_list_visible_to(user)
        .select_related("allocation__budget", "secondment__host_region", "activity", "decided_by",
                        "paid_by")
        .prefetch_related(Prefetch("pairing", queryset=pairings))
    )  # fmt: skip
    d = get_or_404(qs, pk)
    if write:
        access.require(can_request(user, d.pairing))
    return d


def disbursement_detail(d: Disbursement) -> dict:
    """What a disbursement's page shows besides itself (2 queries)."""
    return {
        "receipts": list(d.receipts.select_related("uploaded_by")),
        "steps": list(
            DisbursementTransition.objects.filter(disbursement=d).select_related("actor")
        ),
    }


def receipt_get_for_user(user, pk) -> Receipt:
    return get_or_404(
        Receipt.objects.filter(disbursement__in=disbursement_list_visible_to(user).values("pk"))
        .select_related("disbursement__pairing"),
        pk,
    )  # fmt: skip


def approval_queue(user) -> QuerySet[Disbursement]:
    """Submitted requests ``user`` may decide, longest waiting first: the programme's
    bureau (by the pairing's region), never their own."""
    scope = resolve_scope(user)
    qs = Disbursement.objects.filter(status=DisbursementStatus.SUBMITTED).select_related(
        "school", "payee_teacher", "requested_by", "pairing__helping_school"
    )
    if not scope.is_admin:
        if not scope.bureau_region_ids:
            return qs.none()
        qs = qs.filter(pairing__region_id__any_of=scope.bureau_region_ids)
    # Not the ones the user asked for, changed or submitted (services.money.had_a_hand_in).
    touched = _undecided_history(user.pk).values("id")
    return qs.exclude(requested_by=user).exclude(pk__in=touched).order_by("submitted_at", "id")


def _undecided_history(user_id: int):
    """The user's entries in requests' histories made before the decision: a draft's
    changes and the submission itself (the history keeps no status; a decided request's
    entries carry the decision's time)."""
    return Disbursement.history.filter(history_user_id=user_id, decided_at__isnull=True)


def had_a_hand_in(d: Disbursement, user_id: int) -> bool:
    """Whether the user asked for this money: requested it, or changed or submitted it
    before it was decided (its history says). Such a user never decides it
    (funding.services.money)."""
    if d.requested_by_id == user_id:
        return True
    return _undecided_history(user_id).filter(id=d.pk).exists()


def can_decide(user, d: Disbursement) -> bool:
    return access.can_decide_disbursement(
        resolve_scope(user), d.pairing, d.requested_by_id, user.pk
    ) and not had_a_hand_in(d, user.pk)


def can_pay(user, d: Disbursement) -> bool:
    return access.can_pay_disbursement(resolve_scope(user), d.pairing)


# --- donations in kind ------------------------------------------------------------------------


def donation_list_visible_to(user) -> QuerySet[Donation]:
    return _in_scope(Donation.objects.select_related("school", "recorded_by"), user)


def donation_get_for_user(user, pk, *, write: bool = False) -> Donation:
    pairings = Pairing.objects.select_related("helping_school").prefetch_related(
        Prefetch("members", queryset=PairingMember.objects.select_related("school"))
    )
    donation = get_or_404(
        donation_list_visible_to(user).prefetch_related(Prefetch("pairing", queryset=pairings)),
        pk,
    )
    if write:
        access.require(can_request(user, donation.pairing))
    return donation


def donation_evidence_get_for_user(user, pk) -> DonationEvidence:
    return get_or_404(
        DonationEvidence.objects.filter(
            donation__in=donation_list_visible_to(user).values("pk")
        ).select_related("donation"),
        pk,
    )


def donation_value(donations: QuerySet[Donation]) -> dict:
    """How many donations and their estimated value (one aggregate query)."""
    from django.db.models import Count

    found = donations.order_by().aggregate(count=Count("id"), value=Sum("estimated_value"))
    return {"count": found["count"], "value": found["value"] or ledger.ZERO}


# --- roll-ups -------------------------------------------------------------------------------


def pairing_funding(pairing: Pairing) -> dict:
    """The funding tab: allocations with their tranches and balances, the pairing's
    balance (5 queries)."""
    allocations = ledger.with_allocation_balances(
        Allocation.objects.filter(pairing=pairing)
        .select_related("budget")
        .prefetch_related(Prefetch("tranches", queryset=Tranche.objects.order_by("number")))
        .order_by("id")
    )
    return {
        "allocations": allocations,
        "balance": ledger.pairing_balances([pairing.pk])[pairing.pk],
    }


def totals_for(user, *, programme_id=None, fiscal_year=None) -> ledger.Balance:
    """The balance over everything in ``user``'s scope (two aggregate queries)."""
    entries = ledger_list_visible_to(user).select_related(None)
    disbursements = disbursement_list_visible_to(user).select_related(None)
    entries, disbursements = _narrow(entries, disbursements, programme_id, fiscal_year)
    return ledger.totals(entries, disbursements)


def _narrow(entries, disbursements, programme_id, fiscal_year):
    if programme_id:
        entries = entries.filter(budget__programme_id=programme_id)
        disbursements = disbursements.filter(allocation__budget__programme_id=programme_id)
    if fiscal_year:
        entries = entries.filter(budget__fiscal_year=fiscal_year)
        disbursements = disbursements.filter(allocation__budget__fiscal_year=fiscal_year)
    return entries, disbursements


def by_region(user, *, programme_id=None, fiscal_year=None) -> list[dict]:
    """Allocated, released and paid per region of the helping schools, in scope (one
    aggregate query and one for the region names)."""
    entries = ledger_list_visible_to(user).select_related(None)
    entries, _unused = _narrow(entries, Disbursement.objects.none(), programme_id, fiscal_year)
    rows = list(
        entries.values("region_id")
        .annotate(
            allocated=Sum("amount", filter=Q(account=Account.ALLOCATED)),
            released=Sum("amount", filter=Q(account=Account.RELEASED)),
            paid=Sum("amount", filter=Q(account=Account.PAID)),
        )
        .order_by()
    )
    names = dict(
        Region.objects.filter(id__in=[r["region_id"] for r in rows]).values_list("id", "name")
    )
    zero = ledger.ZERO
    return sorted(
        (
            {
                "region": names.get(r["region_id"], ""),
                "allocated": r["allocated"] or zero,
                "released": r["released"] or zero,
                "paid": r["paid"] or zero,
            }
            for r in rows
        ),  # fmt: skip
        key=lambda r: r["region"],
    )


# --- student aid -----------------------------------------------------------------------------
# Students' details: their school's coordinators and their region's aid officers only.


def _student_condition(user) -> Q | None:
    """None: everything (an administrator); ``Q(pk__in=[])``: nothing."""
    scope = resolve_scope(user)
    if scope.is_admin:
        return None
    condition = Q(pk__in=[])
    if scope.coordinator_school_ids:
        condition |= Q(school_id__in=scope.coordinator_school_ids)
    if scope.aid_region_ids:
        condition |= Q(region_id__any_of=scope.aid_region_ids)
    return condition


def _students_scoped(qs: QuerySet, user) -> QuerySet:
    if user is None or not user.is_authenticated:
        return qs.none()
    condition = _student_condition(user)
    return qs if condition is None else qs.filter(condition)


def handles_aid(user) -> bool:
    return access.handles_aid(resolve_scope(user))


def student_list_visible_to(user) -> QuerySet[Student]:
    return _students_scoped(Student.objects.select_related("school"), user)


def student_get_for_user(user, pk) -> Student:
    return get_or_404(student_list_visible_to(user).select_related("created_by"), pk)


def aid_application_list_visible_to(user) -> QuerySet[AidApplication]:
    return _students_scoped(
        AidApplication.objects.select_related("student", "school", "scheme", "tier"), user
    )


def aid_application_get_for_user(user, pk) -> AidApplication:
    return get_or_404(
        aid_application_list_visible_to(user).select_related(
            "scheme__region", "notice", "decided_by", "created_by", "renewal_of", "review"
        ),
        pk,
    )


def aid_document_get_for_user(user, pk) -> AidDocument:
    return get_or_404(
        AidDocument.objects.filter(
            application__in=aid_application_list_visible_to(user).values("pk")
        ).select_related("application"),
        pk,
    )


def aid_notice_list_visible_to(user) -> QuerySet[AidNotice]:
    return _students_scoped(AidNotice.objects.select_related("scheme", "school"), user)


def aid_notice_get_for_user(user, pk) -> AidNotice:
    return get_or_404(aid_notice_list_visible_to(user).select_related("region"), pk)


def aid_notice_public(token: str) -> AidNotice:
    """A published notice, by its secret address; anything else is a 404."""
    notice = (
        AidNotice.objects.filter(published_at__isnull=False, token=token)
        .select_related("scheme", "school")
        .first()
    )
    if notice is None:
        raise Http404
    return notice


def notice_rows(notice: AidNotice) -> list[AidApplication]:
    """The applications a notice shows (rejected and withdrawn ones too: an upheld
    objection stays visible), by grade and class."""
    return list(
        AidApplication.objects.filter(notice=notice)
        .select_related("student", "tier")
        .order_by("student__grade", "student__class_name", "student__name", "id")
    )


def aid_scheme_list_visible_to(user) -> QuerySet[AidScheme]:
    """Schemes of the regions whose aid the user handles and of the regions above their
    school or region (which reach their students)."""
    scope = resolve_scope(user)
    qs = AidScheme.objects.select_related("region").prefetch_related("tiers")
    if scope.is_admin:
        return qs
    if not access.handles_aid(scope):
        return qs.none()
    return qs.filter(
        Q(region_id__any_of=scope.aid_region_ids) | Q(region_id__any_of=scope.context_region_ids)
    )


def aid_tier_list_visible_to(user) -> QuerySet[AidTier]:
    """Tiers of the schemes ``user`` reads."""
    return AidTier.objects.filter(scheme__in=aid_scheme_list_visible_to(user).values("pk"))


def aid_objection_get_for_user(user, pk) -> AidObjection:
    """An objection to an application ``user`` reads; else 404."""
    return get_or_404(
        AidObjection.objects.filter(
            application__in=aid_application_list_visible_to(user).values("pk")
        ).select_related("application"),
        pk,
    )


def aid_scheme_get_for_user(user, pk) -> AidScheme:
    return get_or_404(aid_scheme_list_visible_to(user), pk)


def can_manage_aid_in(user, region) -> bool:
    return access.can_manage_aid_in(resolve_scope(user), region)


def aid_regions(user) -> QuerySet[Region]:
    scope = resolve_scope(user)
    qs = Region.objects.order_by("path")
    return qs if scope.is_admin else qs.filter(id__any_of=scope.aid_region_ids)


def aid_schools(user) -> QuerySet:
    """Schools whose students ``user`` keeps: a coordinator's, an aid officer's region's."""
    from schools.models import School

    scope = resolve_scope(user)
    qs = School.objects.order_by("name")
    if scope.is_admin:
        return qs
    return qs.filter(
        Q(pk__in=scope.coordinator_school_ids) | Q(region_id__any_of=scope.aid_region_ids)
    )


def access_log_visible_to(user) -> QuerySet[StudentAccessLog]:
    """The log of who read students' details: the region's aid officers read it."""
    scope = resolve_scope(user)
    qs = StudentAccessLog.objects.select_related("user", "student")
    if scope.is_admin:
        return qs
    if not scope.aid_region_ids:
        return qs.none()
    return qs.filter(region_id__any_of=scope.aid_region_ids)


# --- figures of pairing years (evaluation) -------------------------------------------------------


def money_in_windows(windows: QuerySet) -> dict[int, dict]:
    """``{window row id: {"released": yuan, "paid": yuan, "donations": n,
    "donated": yuan}}``: by the end of the row's window (``pairing_id``, ``period_start``,
    ``period_end``; twinning.db.per_window), the money released to its pairing and paid
    from it (reversals netted), and the donations in kind received within the window
    with their estimated value. One query for every row."""
    from django.db.models import DecimalField, OuterRef

    from twinning.db import count_of, per_window, sum_of

    money = DecimalField(max_digits=14, decimal_places=2)
    entries = LedgerEntry.objects.filter(
        pairing_id=OuterRef("pairing_id"), at__date__lte=OuterRef("period_end")
    )
    donations = Donation.objects.filter(
        pairing_id=OuterRef("pairing_id"), received_on__gte=OuterRef("period_start"),
        received_on__lte=OuterRef("period_end"),
    )  # fmt: skip
    return per_window(
        windows,
        released=sum_of(entries.filter(account=Account.RELEASED), "amount", money),
        paid=sum_of(entries.filter(account=Account.PAID), "amount", money),
        donations=count_of(donations),
        donated=sum_of(donations, "estimated_value", money),
    )
