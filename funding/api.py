"""Funding in the API: budgets, allocations and their tranches, disbursements through
their lifecycle, the ledger and the totals of the user's scope. The same selectors and
services as the pages; money is a string of yuan with two decimals ("1200.00")."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import utils as filter_utils
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from activities import selectors as activity_selectors
from activities.models import Activity, Secondment
from schools import selectors as school_selectors
from schools.api import ScopedPrimaryKeyRelatedField
from schools.models import Pairing, PairingMember, Programme, Region, School
from teachers import selectors as teacher_selectors
from teachers.models import Teacher
from twinning import access
from twinning.api import (
    ERROR_RESPONSES,
    BooleanField,
    CharField,
    DecimalField,
    IntegerField,
    LeanRepresentation,
    ModelSerializer,
    iso_date,
    iso_datetime,
)
from twinning.db import get_or_404
from twinning.text import labels

from . import ledger, selectors, services
from .filters import (
    FIRST_YEAR,
    LAST_YEAR,
    AllocationFilter,
    BudgetFilter,
    DisbursementFilter,
    DonationFilter,
    LedgerFilter,
    TotalsFilter,
)
from .models import (
    CENT,
    MONEY,
    Account,
    Allocation,
    Budget,
    Disbursement,
    DisbursementStatus,
    DisbursementTransition,
    Donation,
    DonationCategory,
    DonationEvidence,
    EntryKind,
    LedgerEntry,
    PayeeKind,
    Purpose,
    Receipt,
    Tranche,
    TrancheStatus,
)

ONE_CENT = Decimal("0.01")


def yuan(value: Decimal | None) -> str | None:
    """Money as DRF's DecimalField writes it: two places, never an exponent."""
    return None if value is None else f"{value.quantize(CENT):f}"


def _money(**kwargs) -> DecimalField:
    return DecimalField(**MONEY, read_only=True, **kwargs)


def _amount(**kwargs) -> DecimalField:
    """An amount sent in: a string of yuan, more than zero, at most two decimals."""
    kwargs.setdefault("label", _("amount (yuan)"))
    return DecimalField(**MONEY, min_value=ONE_CENT, **kwargs)


# --- balances --------------------------------------------------------------------------------


class BalanceSerializer(serializers.Serializer):
    """A balance read from the ledger (funding.ledger.Balance)."""

    allocated = _money(label=_("allocated"))
    released = _money(label=_("released"), help_text=_("Released in tranches."))
    paid = _money(label=_("paid"))
    reserved = _money(label=_("reserved"), help_text=_("Approved, not yet paid."))
    available = _money(
        label=_("available"),
        help_text=_("Released and neither paid nor reserved: what a new approval may use."),
    )

    @staticmethod
    def represent(b: ledger.Balance) -> dict:
        return {"allocated": yuan(b.allocated), "released": yuan(b.released),
                "paid": yuan(b.paid), "reserved": yuan(b.reserved),
                "available": yuan(b.available)}  # fmt: skip


class BudgetBalanceSerializer(serializers.Serializer):
    """A budget's balance: what it allocated, and what is left to allocate."""

    allocated = _money(label=_("allocated"))
    released = _money(label=_("released"), help_text=_("Released in tranches."))
    paid = _money(label=_("paid"))
    reserved = _money(label=_("reserved"), help_text=_("Approved, not yet paid."))
    unallocated = _money(label=_("unallocated"), help_text=_("The amount less what it allocated."))

    @staticmethod
    def represent(b: ledger.Balance) -> dict:
        return {"allocated": yuan(b.allocated), "released": yuan(b.released),
                "paid": yuan(b.paid), "reserved": yuan(b.reserved),
                "unallocated": yuan(b.unallocated)}  # fmt: skip


@extend_schema_serializer(many=False)  # the list operation answers one object, not a list
class TotalsSerializer(BalanceSerializer):
    """The balance over everything in the user's scope."""


# --- budgets ---------------------------------------------------------------------------------


class BudgetSerializer(LeanRepresentation, ModelSerializer):
    region_name = CharField(source="region.name", read_only=True)
    programme_name = CharField(source="programme.name", read_only=True, allow_null=True)
    balance = BudgetBalanceSerializer(read_only=True)

    class Meta:
        model = Budget
        fields = [
            "id", "region", "region_name", "programme", "programme_name", "source",
            "fiscal_year", "amount", "purpose", "ring_fenced", "created_at", "balance",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, b: Budget) -> dict:
        return {
            "id": b.pk, "region": b.region_id, "region_name": b.region.name,
            "programme": b.programme_id,
            "programme_name": b.programme.name if b.programme_id else None,
            "source": b.source, "fiscal_year": b.fiscal_year, "amount": yuan(b.amount),
            "purpose": b.purpose, "ring_fenced": b.ring_fenced,
            "created_at": iso_datetime(b.created_at),
            "balance": BudgetBalanceSerializer.represent(b.balance),
        }  # fmt: skip


class BudgetWriteSerializer(serializers.Serializer):
    programme = ScopedPrimaryKeyRelatedField(
        Programme, school_selectors.programme_list_visible_to, required=False,
        allow_null=True, label=_("programme"),
        help_text=_("Required for a ring-fenced budget: only its pairings are funded."),
    )  # fmt: skip
    source = CharField(max_length=150, label=_("fund source"))
    fiscal_year = IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR, label=_("fiscal year"))
    amount = _amount()
    purpose = CharField(label=_("purpose"))
    ring_fenced = BooleanField(
        required=False, default=True, label=_("ring-fenced"),
        help_text=_("Ring-fenced (专款专用): funds only the pairings of its programme."),
    )  # fmt: skip


class BudgetCreateSerializer(BudgetWriteSerializer):
    region = ScopedPrimaryKeyRelatedField(
        Region, selectors.budget_regions, label=_("region"),
        help_text=_("A region whose bureau you are."),
    )  # fmt: skip


class BudgetUpdateSerializer(BudgetWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class BudgetAllocateSerializer(serializers.Serializer):
    pairing = ScopedPrimaryKeyRelatedField(
        Pairing, school_selectors.pairing_list_visible_to, required=False, allow_null=True,
        label=_("pairing"),
        help_text=_("Allocate to this pairing; without one, to each approved or active pairing "
                    "of the programme in the budget's region that has nothing from it yet."),
    )  # fmt: skip
    amount = _amount(
        required=False,
        help_text=_("With a pairing only: how much (the programme's funding per pairing by "
                    "default)."),
    )  # fmt: skip


# --- allocations and tranches ----------------------------------------------------------------


class TrancheSerializer(LeanRepresentation, ModelSerializer):
    status_display = CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Tranche
        fields = [
            "id", "allocation", "number", "amount", "due_on", "status", "status_display",
            "evaluation_year", "note", "released_at",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, t: Tranche) -> dict:
        return {
            "id": t.pk, "allocation": t.allocation_id, "number": t.number,
            "amount": yuan(t.amount), "due_on": iso_date(t.due_on), "status": t.status,
            "status_display": labels(TrancheStatus)[t.status],
            "evaluation_year": t.evaluation_year, "note": t.note,
            "released_at": iso_datetime(t.released_at),
        }  # fmt: skip


class AllocationSerializer(LeanRepresentation, ModelSerializer):
    budget_source = CharField(source="budget.source", read_only=True)
    fiscal_year = IntegerField(source="budget.fiscal_year", read_only=True)
    pairing_title = CharField(source="pairing.title", read_only=True)
    tranches = TrancheSerializer(many=True, read_only=True)
    balance = BalanceSerializer(read_only=True)

    class Meta:
        model = Allocation
        fields = [
            "id", "budget", "budget_source", "fiscal_year", "pairing", "pairing_title",
            "amount", "created_at", "tranches", "balance",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, a: Allocation) -> dict:
        return {
            "id": a.pk, "budget": a.budget_id, "budget_source": a.budget.source,
            "fiscal_year": a.budget.fiscal_year, "pairing": a.pairing_id,
            "pairing_title": a.pairing.title, "amount": yuan(a.amount),
            "created_at": iso_datetime(a.created_at),
            "tranches": [TrancheSerializer.represent(None, t) for t in a.tranches.all()],
            "balance": BalanceSerializer.represent(a.balance),
        }  # fmt: skip


def _allocations(queryset):
    """Allocations ready to be written: tranches in order, the pairing's schools (its
    title), each one query for the whole page."""
    return queryset.prefetch_related(
        Prefetch("tranches", queryset=Tranche.objects.order_by("number")),
        Prefetch("pairing__members", queryset=PairingMember.objects.select_related("school")),
    )


class TrancheReleaseSerializer(serializers.Serializer):
    note = CharField(max_length=200, required=False, allow_blank=True, label=_("note"))


# --- disbursements ---------------------------------------------------------------------------


class ReceiptSerializer(LeanRepresentation, ModelSerializer):
    url = CharField(read_only=True, help_text=_("Download it here (signed in)."))

    class Meta:
        model = Receipt
        fields = ["id", "name", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    def represent(self, r: Receipt) -> dict:
        return {
            "id": r.pk, "name": r.name, "content_type": r.content_type, "size": r.size,
            "uploaded_at": iso_datetime(r.uploaded_at),
            "url": reverse("funding:receipt_download", args=[r.pk]),
        }  # fmt: skip


class DisbursementStepSerializer(LeanRepresentation, ModelSerializer):
    # Plain strings: the disbursement's ``status`` already documents the values.
    from_status = CharField(read_only=True, label=_("from"), help_text=_("Empty for the draft."))
    from_status_display = CharField(source="get_from_status_display", read_only=True)
    to_status = CharField(read_only=True, label=_("to"))
    to_status_display = CharField(source="get_to_status_display", read_only=True)
    actor_name = CharField(source="actor.display_name", read_only=True, label=_("by"))

    class Meta:
        model = DisbursementTransition
        fields = [
            "from_status", "from_status_display", "to_status", "to_status_display", "actor",
            "actor_name", "comment", "at",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, step: DisbursementTransition) -> dict:
        statuses = labels(DisbursementStatus)
        return {
            "from_status": step.from_status,
            "from_status_display": statuses.get(step.from_status, step.from_status),
            "to_status": step.to_status, "to_status_display": statuses[step.to_status],
            "actor": step.actor_id, "actor_name": step.actor.display_name,
            "comment": step.comment, "at": iso_datetime(step.at),
        }  # fmt: skip


class DisbursementSerializer(LeanRepresentation, ModelSerializer):
    purpose_display = CharField(source="get_purpose_display", read_only=True)
    payee_kind_display = CharField(source="get_payee_kind_display", read_only=True)
    school_name = CharField(source="school.name", read_only=True)
    payee_name = CharField(read_only=True, help_text=_("The teacher paid, else the school."))
    status_display = CharField(source="get_status_display", read_only=True)
    requested_by_name = CharField(source="requested_by.display_name", read_only=True)

    class Meta:
        model = Disbursement
        fields = [
            "id", "pairing", "allocation", "purpose", "purpose_display", "payee_kind",
            "payee_kind_display", "school", "school_name", "payee_teacher", "payee_name",
            "amount", "description", "secondment", "period_start", "period_end",
            "working_days", "activity", "status", "status_display", "requested_by",
            "requested_by_name", "created_at", "submitted_at", "decided_by", "decided_at",
            "decision_comment", "paid_on", "payment_reference", "reversal_reason",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, d: Disbursement) -> dict:
        return {
            "id": d.pk, "pairing": d.pairing_id, "allocation": d.allocation_id,
            "purpose": d.purpose, "purpose_display": labels(Purpose)[d.purpose],
            "payee_kind": d.payee_kind, "payee_kind_display": labels(PayeeKind)[d.payee_kind],
            "school": d.school_id, "school_name": d.school.name,
            "payee_teacher": d.payee_teacher_id, "payee_name": d.payee_name,
            "amount": yuan(d.amount), "description": d.description,
            "secondment": d.secondment_id, "period_start": iso_date(d.period_start),
            "period_end": iso_date(d.period_end), "working_days": d.working_days,
            "activity": d.activity_id, "status": d.status,
            "status_display": labels(DisbursementStatus)[d.status],
            "requested_by": d.requested_by_id,
            "requested_by_name": d.requested_by.display_name,
            "created_at": iso_datetime(d.created_at),
            "submitted_at": iso_datetime(d.submitted_at), "decided_by": d.decided_by_id,
            "decided_at": iso_datetime(d.decided_at), "decision_comment": d.decision_comment,
            "paid_on": iso_date(d.paid_on), "payment_reference": d.payment_reference,
            "reversal_reason": d.reversal_reason,
        }  # fmt: skip


class DisbursementDetailSerializer(DisbursementSerializer):
    """A disbursement with its receipts and the steps of its lifecycle."""

    receipts = ReceiptSerializer(many=True, read_only=True)
    steps = DisbursementStepSerializer(many=True, read_only=True, source="transitions")

    class Meta(DisbursementSerializer.Meta):
        fields = [*DisbursementSerializer.Meta.fields, "receipts", "steps"]
        read_only_fields = fields

    def represent(self, d: Disbursement) -> dict:
        detail = selectors.disbursement_detail(d)
        return {
            **super().represent(d),
            "receipts": [ReceiptSerializer.represent(None, r) for r in detail["receipts"]],
            "steps": [DisbursementStepSerializer.represent(None, s) for s in detail["steps"]],
        }


# Student aid has its own pages and lifecycle: it is not requested here.
REQUEST_PURPOSES = [(v, label) for v, label in Purpose.choices if v != Purpose.STUDENT_AID]
REQUEST_PAYEES = [(v, label) for v, label in PayeeKind.choices if v != PayeeKind.STUDENT]


class DisbursementWriteSerializer(serializers.Serializer):
    allocation = ScopedPrimaryKeyRelatedField(
        Allocation, selectors.allocation_list_visible_to, required=False, allow_null=True,
        label=_("allocation"),
        help_text=_("One of the pairing's allocations; may be left out when it has only one."),
    )  # fmt: skip
    purpose = serializers.ChoiceField(choices=REQUEST_PURPOSES, label=_("purpose"))
    payee_kind = serializers.ChoiceField(
        choices=REQUEST_PAYEES, required=False, label=_("payee"),
        help_text=_("The school by default; a meal allowance pays the seconded teacher."),
    )  # fmt: skip
    school = ScopedPrimaryKeyRelatedField(
        School, school_selectors.school_list_of_visible_pairings, required=False,
        allow_null=True, label=_("school"), help_text=_("The school paid: one of the pairing's."),
    )  # fmt: skip
    payee_teacher = ScopedPrimaryKeyRelatedField(
        Teacher, teacher_selectors.teacher_list_visible_to, required=False, allow_null=True,
        label=_("teacher paid"), help_text=_("A teacher of the pairing's schools."),
    )  # fmt: skip
    amount = _amount(
        required=False,
        help_text=_("Yuan with at most two decimals; a meal allowance computes its own "
                    "(40 yuan a working day)."),
    )  # fmt: skip
    description = CharField(required=False, allow_blank=True, label=_("what it pays for"))
    secondment = ScopedPrimaryKeyRelatedField(
        Secondment, activity_selectors.secondment_list_visible_to, required=False,
        allow_null=True, label=_("secondment"),
        help_text=_("For a meal allowance: the secondment served."),
    )  # fmt: skip
    period_start = serializers.DateField(
        required=False, allow_null=True, label=_("first day"),
        help_text=_("For a meal allowance: the first day claimed (the secondment's by default)."),
    )  # fmt: skip
    period_end = serializers.DateField(
        required=False, allow_null=True, label=_("last day"),
        help_text=_("For a meal allowance: the last day claimed (the secondment's by default)."),
    )  # fmt: skip
    activity = ScopedPrimaryKeyRelatedField(
        Activity, activity_selectors.activity_list_visible_to, required=False, allow_null=True,
        label=_("activity"), help_text=_("An activity of the pairing the money is for."),
    )  # fmt: skip


class DisbursementCreateSerializer(DisbursementWriteSerializer):
    pairing = ScopedPrimaryKeyRelatedField(
        Pairing, school_selectors.pairing_list_visible_to, label=_("pairing")
    )


class DisbursementUpdateSerializer(DisbursementWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class DisbursementApproveSerializer(serializers.Serializer):
    comment = CharField(required=False, allow_blank=True, default="", label=_("comment"))


class DisbursementRejectSerializer(serializers.Serializer):
    comment = CharField(label=_("comment"), help_text=_("Why the request is rejected."))


class DisbursementPaySerializer(serializers.Serializer):
    paid_on = serializers.DateField(label=_("paid on"), help_text=_("Not in the future."))
    reference = CharField(
        max_length=60, label=_("payment reference"), help_text=_("The voucher number (凭证号).")
    )


class DisbursementReverseSerializer(serializers.Serializer):
    reason = CharField(label=_("reason for reversing"))


class ReceiptUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(), min_length=1, max_length=services.MAX_RECEIPTS,
        label=_("receipts"),
        help_text=_("Invoices, receipts or payment slips (PDF or photos; the type is read from "
                    "the content)."),
    )  # fmt: skip


# --- the ledger --------------------------------------------------------------------------------


class LedgerEntrySerializer(LeanRepresentation, ModelSerializer):
    kind_display = CharField(source="get_kind_display", read_only=True)
    account_display = CharField(source="get_account_display", read_only=True)
    budget_source = CharField(source="budget.source", read_only=True)
    actor_name = CharField(source="actor.display_name", read_only=True, label=_("by"))

    class Meta:
        model = LedgerEntry
        fields = [
            "id", "kind", "kind_display", "account", "account_display", "amount", "budget",
            "budget_source", "allocation", "pairing", "tranche", "disbursement", "reverses",
            "memo", "actor", "actor_name", "at",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, e: LedgerEntry) -> dict:
        return {
            "id": e.pk, "kind": e.kind, "kind_display": labels(EntryKind)[e.kind],
            "account": e.account, "account_display": labels(Account)[e.account],
            "amount": yuan(e.amount), "budget": e.budget_id, "budget_source": e.budget.source,
            "allocation": e.allocation_id, "pairing": e.pairing_id, "tranche": e.tranche_id,
            "disbursement": e.disbursement_id, "reverses": e.reverses_id, "memo": e.memo,
            "actor": e.actor_id, "actor_name": e.actor.display_name, "at": iso_datetime(e.at),
        }  # fmt: skip


# --- views -------------------------------------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(responses={200: BudgetSerializer, **ERROR_RESPONSES}),
    create=extend_schema(
        request=BudgetCreateSerializer, responses={201: BudgetSerializer, **ERROR_RESPONSES},
        description=_("A budget of your bureau's region (a fund source for a fiscal year)."),
    ),
    partial_update=extend_schema(
        request=BudgetUpdateSerializer, responses={200: BudgetSerializer, **ERROR_RESPONSES},
        description=_("Change a budget; its amount never drops below what it has allocated, "
                      "and its programme stays once it has allocations."),
    ),
)  # fmt: skip
class BudgetViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Budgets of the user's regions (bureau staff and inspectors) with their balances.
    A region's bureau keeps them and allocates them to pairings."""

    queryset = Budget.objects.none()
    serializer_class = BudgetSerializer
    filterset_class = BudgetFilter
    search_fields = ["source", "purpose"]
    ordering_fields = ["fiscal_year", "amount", "created_at"]

    def get_queryset(self):
        return selectors.budget_list_visible_to(self.request.user)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            self.get_serializer(ledger.with_budget_balances(page), many=True).data
        )

    def _read(self, pk, status_code=status.HTTP_200_OK) -> Response:
        budget = selectors.budget_get_for_user(self.request.user, pk)
        data = BudgetSerializer(ledger.with_budget_balances([budget])[0]).data
        return Response(data, status=status_code)

    def retrieve(self, request, pk):
        return self._read(pk)

    def create(self, request):
        # Who may keep budgets is checked before the body is read: a read-only user gets 403.
        access.require(
            selectors.can_manage_budgets(request.user),
            _("Only bureau staff keep budgets."),
        )
        serializer = BudgetCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        budget = services.budget_create(actor=request.user, **serializer.validated_data)
        return self._read(budget.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        budget = selectors.budget_get_for_user(request.user, pk, write=True)
        serializer = BudgetUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        services.budget_update(actor=request.user, budget=budget, **serializer.validated_data)
        return self._read(pk)

    @extend_schema(
        request=BudgetAllocateSerializer,
        responses={201: AllocationSerializer(many=True), **ERROR_RESPONSES},
        description=_("Allocate the budget: to one pairing, or to every pairing of its "
                      "programme that has nothing from it yet (all or none). Answers the "
                      "allocations made, each in the programme's tranches."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def allocate(self, request, pk):
        budget = selectors.budget_get_for_user(request.user, pk, write=True)
        serializer = BudgetAllocateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        pairing, amount = (serializer.validated_data.get(k) for k in ("pairing", "amount"))
        if pairing is not None:
            made = [
                services.allocation_create(
                    actor=request.user, budget=budget, pairing=pairing, amount=amount
                )
            ]
        elif amount is not None:
            raise ValidationError({"amount": _("Name the pairing this amount is for.")})
        else:
            made = services.budget_allocate_programme(actor=request.user, budget=budget)
        allocations = _allocations(selectors.allocation_list_visible_to(request.user)).filter(
            pk__in=[a.pk for a in made]
        )
        return Response(
            AllocationSerializer(
                ledger.with_allocation_balances(allocations.order_by("pk")), many=True
            ).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema_view(
    retrieve=extend_schema(responses={200: AllocationSerializer, **ERROR_RESPONSES})
)
class AllocationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Money of budgets set aside for the pairings the user reads the money of, with the
    tranches it is paid in and the balance. Made through ``budgets/{id}/allocate/``."""

    queryset = Allocation.objects.none()
    serializer_class = AllocationSerializer
    filterset_class = AllocationFilter
    ordering_fields = ["created_at", "amount"]

    def get_queryset(self):
        return _allocations(selectors.allocation_list_visible_to(self.request.user))

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            self.get_serializer(ledger.with_allocation_balances(page), many=True).data
        )

    def retrieve(self, request, pk):
        allocation = get_or_404(self.get_queryset(), pk)
        return Response(self.get_serializer(ledger.with_allocation_balances([allocation])[0]).data)


class TrancheViewSet(viewsets.GenericViewSet):
    """A tranche of an allocation. The bureau releases the first once the agreement is
    signed; each later one is released when the year's evaluation passes."""

    queryset = Tranche.objects.none()
    serializer_class = TrancheSerializer
    filter_backends: list = []

    @extend_schema(responses={200: TrancheSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, pk):
        return Response(TrancheSerializer(selectors.tranche_get_for_user(request.user, pk)).data)

    @extend_schema(
        request=TrancheReleaseSerializer, responses={200: TrancheSerializer, **ERROR_RESPONSES},
        description=_("scheduled → released, for the first tranche (the budget's bureau); "
                      "the money can then be approved."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def release(self, request, pk):
        tranche = selectors.tranche_get_for_user(request.user, pk)
        serializer = TrancheReleaseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.tranche_release(actor=request.user, tranche=tranche, **serializer.validated_data)
        return Response(TrancheSerializer(selectors.tranche_get_for_user(request.user, pk)).data)


def _schema(request, description):
    return extend_schema(
        request=request, responses={200: DisbursementDetailSerializer, **ERROR_RESPONSES},
        description=description,
    )  # fmt: skip


@extend_schema_view(
    retrieve=extend_schema(responses={200: DisbursementDetailSerializer, **ERROR_RESPONSES}),
    create=extend_schema(
        request=DisbursementCreateSerializer,
        responses={201: DisbursementDetailSerializer, **ERROR_RESPONSES},
        description=_("A draft request for money of a pairing (its coordinators and bureau); "
                      "attach receipts, then submit it."),
    ),
    partial_update=extend_schema(
        request=DisbursementUpdateSerializer,
        responses={200: DisbursementDetailSerializer, **ERROR_RESPONSES},
        description=_("Change a draft."),
    ),
    destroy=extend_schema(
        responses={204: None, **ERROR_RESPONSES},
        description=_("Throw a draft away, with its receipts."),
    ),
)  # fmt: skip
class DisbursementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Requests for money of the pairings the user reads the money of: draft → submitted →
    approved | rejected → paid (→ reversed). The pairing's coordinators and bureau request;
    the programme's bureau decides (never the requester) and records the payment."""

    queryset = Disbursement.objects.none()
    serializer_class = DisbursementSerializer
    filterset_class = DisbursementFilter
    search_fields = ["description", "school__name", "payee_teacher__name"]
    ordering_fields = ["created_at", "submitted_at", "amount"]

    def get_queryset(self):
        return selectors.disbursement_list_visible_to(self.request.user)

    def _read(self, pk, status_code=status.HTTP_200_OK) -> Response:
        d = selectors.disbursement_get_for_user(self.request.user, pk)
        data = DisbursementDetailSerializer(d, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def retrieve(self, request, pk):
        return self._read(pk)

    def create(self, request):
        serializer = DisbursementCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        d = services.disbursement_create(actor=request.user, **serializer.validated_data)
        return self._read(d.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        d = selectors.disbursement_get_for_user(request.user, pk, write=True)
        serializer = DisbursementUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        services.disbursement_update(
            actor=request.user, disbursement=d, **serializer.validated_data
        )
        return self._read(pk)

    def destroy(self, request, pk):
        d = selectors.disbursement_get_for_user(request.user, pk, write=True)
        services.disbursement_delete(actor=request.user, disbursement=d)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _step(self, request, pk, service, body=None) -> Response:
        # write=True: whoever may not even request the pairing's money (inspectors) gets
        # 403 before the body is looked at; the service checks the step's own right.
        d = selectors.disbursement_get_for_user(request.user, pk, write=True)
        data = {}
        if body is not None:
            serializer = body(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        service(actor=request.user, disbursement=d, **data)
        return self._read(pk)

    @_schema(
        None,
        _("draft → submitted, for the bureau's approval: receipts attached (not for a meal "
          "allowance), the amount within the allocation."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def submit(self, request, pk):
        return self._step(request, pk, services.disbursement_submit)

    @_schema(
        DisbursementApproveSerializer,
        _("submitted → approved (the programme's bureau, never the requester): the amount is "
          "reserved from the released money."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def approve(self, request, pk):
        return self._step(request, pk, services.disbursement_approve, DisbursementApproveSerializer)

    @_schema(
        DisbursementRejectSerializer,
        _("submitted → rejected (the programme's bureau, never the requester; a comment is "
          "required)."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def reject(self, request, pk):
        return self._step(request, pk, services.disbursement_reject, DisbursementRejectSerializer)

    @_schema(
        DisbursementPaySerializer,
        _("approved → paid, once (the programme's bureau): the payment is written to the "
          "ledger."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def pay(self, request, pk):
        return self._step(request, pk, services.disbursement_pay, DisbursementPaySerializer)

    @_schema(
        DisbursementReverseSerializer,
        _("paid → reversed (the programme's bureau, reason required): a reversing entry "
          "cancels the payment in the ledger."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk):
        return self._step(request, pk, services.disbursement_reverse, DisbursementReverseSerializer)

    @_schema(
        {"multipart/form-data": ReceiptUploadSerializer},
        _("Attach receipts to a request that is not closed (a payment slip may come after "
          "the payment)."),
    )  # fmt: skip
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def receipts(self, request, pk):
        # Who may add files is checked before the body is read: a read-only user gets 403.
        d = selectors.disbursement_get_for_user(request.user, pk, write=True)
        serializer = ReceiptUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.receipt_add(
                actor=request.user, disbursement=d, files=serializer.validated_data["files"]
            )
        except ValidationError as error:
            # The service names its files "receipts"; here they were sent as "files".
            if hasattr(error, "error_dict") and "receipts" in error.error_dict:
                error.error_dict["files"] = error.error_dict.pop("receipts")
            raise
        return self._read(pk)


class LedgerViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every movement of money in the user's scope, newest first: allocations, releases,
    payments and reversals. Entries are never changed; a correction is a reversal."""

    queryset = LedgerEntry.objects.none()
    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerFilter
    ordering_fields = ["at", "amount"]

    def get_queryset(self):
        return selectors.ledger_list_visible_to(self.request.user)


class FundingTotalsViewSet(viewsets.GenericViewSet):
    """Allocated, released, paid, reserved and available over everything in the user's
    scope."""

    queryset = LedgerEntry.objects.none()
    serializer_class = TotalsSerializer
    filterset_class = TotalsFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = None

    @extend_schema(
        responses={200: TotalsSerializer, **ERROR_RESPONSES},
        description=_("One object, not a list: the balance of the user's scope, of one "
                      "programme or fiscal year if asked."),
    )  # fmt: skip
    def list(self, request):
        filterset = DjangoFilterBackend().get_filterset(request, self.get_queryset(), self)
        if not filterset.is_valid():
            raise filter_utils.translate_validation(filterset.errors)
        asked = filterset.form.cleaned_data
        totals = selectors.totals_for(
            request.user, programme_id=asked.get("programme"),
            fiscal_year=asked.get("fiscal_year"),
        )  # fmt: skip
        return Response(TotalsSerializer(totals).data)


# --- donations in kind -----------------------------------------------------------------------


class DonationEvidenceSerializer(LeanRepresentation, ModelSerializer):
    url = CharField(read_only=True, help_text=_("Download it here (signed in)."))

    class Meta:
        model = DonationEvidence
        fields = ["id", "name", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    def represent(self, e: DonationEvidence) -> dict:
        return {
            "id": e.pk, "name": e.name, "content_type": e.content_type, "size": e.size,
            "uploaded_at": iso_datetime(e.uploaded_at),
            "url": reverse("funding:donation_evidence_download", args=[e.pk]),
        }  # fmt: skip


class DonationSerializer(LeanRepresentation, ModelSerializer):
    estimated_value = _money(label=_("estimated value (yuan)"))
    school_name = CharField(read_only=True, label=_("receiving school"))

    class Meta:
        model = Donation
        fields = ["id", "pairing", "school", "school_name", "donor", "category", "items",
                  "quantity", "unit", "estimated_value", "received_on", "note",
                  "recorded_at"]  # fmt: skip
        read_only_fields = fields

    def represent(self, d: Donation) -> dict:
        return {
            "id": d.pk, "pairing": d.pairing_id, "school": d.school_id,
            "school_name": d.school.name, "donor": d.donor, "category": d.category,
            "items": d.items, "quantity": d.quantity, "unit": d.unit,
            "estimated_value": yuan(d.estimated_value), "received_on": iso_date(d.received_on),
            "note": d.note, "recorded_at": iso_datetime(d.recorded_at),
        }  # fmt: skip


class DonationDetailSerializer(DonationSerializer):
    evidence = DonationEvidenceSerializer(many=True, read_only=True)

    class Meta(DonationSerializer.Meta):
        fields = [*DonationSerializer.Meta.fields, "evidence"]
        read_only_fields = fields

    def represent(self, d: Donation) -> dict:
        evidence = DonationEvidenceSerializer()
        return {
            **super().represent(d),
            "evidence": [evidence.represent(e) for e in d.evidence.all()],
        }


class DonationWriteSerializer(serializers.Serializer):
    school = ScopedPrimaryKeyRelatedField(
        School, school_selectors.school_list_of_visible_pairings, label=_("receiving school"),
        help_text=_("One of the pairing's schools."),
    )  # fmt: skip
    donor = CharField(max_length=150, label=_("donor"))
    category = serializers.ChoiceField(choices=DonationCategory.choices, label=_("category"))
    items = CharField(max_length=200, label=_("items"))
    quantity = IntegerField(min_value=1, max_value=2**31 - 1, label=_("quantity"))
    unit = CharField(max_length=10, label=_("unit"))
    estimated_value = _amount(label=_("estimated value (yuan)"))
    received_on = serializers.DateField(label=_("received on"), help_text=_("Not in the future."))
    note = CharField(required=False, allow_blank=True, label=_("note"))


class DonationCreateSerializer(DonationWriteSerializer):
    pairing = ScopedPrimaryKeyRelatedField(
        Pairing, school_selectors.pairing_list_visible_to, label=_("pairing")
    )


class DonationUpdateSerializer(DonationWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class DonationEvidenceUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(), min_length=1, max_length=services.MAX_DONATION_EVIDENCE,
        label=_("files"), help_text=_("Photos of the handover, lists of items, letters."),
    )  # fmt: skip


@extend_schema_view(
    retrieve=extend_schema(responses={200: DonationDetailSerializer, **ERROR_RESPONSES}),
    create=extend_schema(
        request=DonationCreateSerializer,
        responses={201: DonationDetailSerializer, **ERROR_RESPONSES},
        description=_("Record a donation in kind received by a school of a pairing (its "
                      "coordinators and bureau)."),
    ),
    partial_update=extend_schema(
        request=DonationUpdateSerializer,
        responses={200: DonationDetailSerializer, **ERROR_RESPONSES},
    ),
    destroy=extend_schema(
        responses={204: None, **ERROR_RESPONSES},
        description=_("Remove a donation recorded by mistake, with its files."),
    ),
)  # fmt: skip
class DonationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Donations in kind (equipment, books, clothing …) received by the schools of the
    pairings whose money the user reads. Not money: they stay out of the ledger."""

    queryset = Donation.objects.none()
    serializer_class = DonationSerializer
    filterset_class = DonationFilter
    search_fields = ["donor", "items"]
    ordering_fields = ["received_on", "estimated_value"]

    def get_queryset(self):
        return selectors.donation_list_visible_to(self.request.user)

    def _read(self, pk, status_code=status.HTTP_200_OK) -> Response:
        donation = selectors.donation_get_for_user(self.request.user, pk)
        data = DonationDetailSerializer(donation, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def retrieve(self, request, pk):
        return self._read(pk)

    def create(self, request):
        serializer = DonationCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        donation = services.donation_record(actor=request.user, **serializer.validated_data)
        return self._read(donation.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        donation = selectors.donation_get_for_user(request.user, pk, write=True)
        serializer = DonationUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        services.donation_update(actor=request.user, donation=donation, **serializer.validated_data)
        return self._read(pk)

    def destroy(self, request, pk):
        donation = selectors.donation_get_for_user(request.user, pk, write=True)
        services.donation_delete(actor=request.user, donation=donation)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request={"multipart/form-data": DonationEvidenceUploadSerializer},
        responses={200: DonationDetailSerializer, **ERROR_RESPONSES},
        description=_("Add photos or documents to a donation."),
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def evidence(self, request, pk):
        donation = selectors.donation_get_for_user(request.user, pk, write=True)
        serializer = DonationEvidenceUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.donation_evidence_add(
                actor=request.user, donation=donation, files=serializer.validated_data["files"]
            )
        except ValidationError as error:
            # The service names its files "evidence"; here they were sent as "files".
            if hasattr(error, "error_dict") and "evidence" in error.error_dict:
                error.error_dict["files"] = error.error_dict.pop("evidence")
            raise
        return self._read(pk)
