"""Funding: budgets, allocations in tranches, disbursements through approval and payment,
and the ledger every balance comes from (DESIGN.md §3 funding/)."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activities import services as activity_services
from funding import ledger, services
from funding.models import (
    Account,
    Budget,
    Disbursement,
    DisbursementStatus,
    EntryKind,
    LedgerEntry,
    TrancheStatus,
)
from teachers import services as teacher_services

from .conftest import RECEIPT, receipt, request_money

PDF = RECEIPT


def balance(allocation):
    return ledger.allocation_balances([allocation.pk])[allocation.pk]


# --- budgets and allocations ------------------------------------------------------------


def test_an_allocation_takes_the_programmes_tranche_schedule(world, active, allocation):
    tranches = list(allocation.tranches.order_by("number"))
    assert [t.amount for t in tranches] == [Decimal("100000.00")] * 3
    # The first within 30 days of the agreement (signed 2026-09-01), the others on evaluation.
    assert tranches[0].due_on == dt.date(2026, 10, 1)
    assert [t.due_on for t in tranches[1:]] == [None, None]
    assert balance(allocation).allocated == Decimal("300000.00")
    assert balance(allocation).released == 0


def test_uneven_amounts_split_to_the_cent(world):
    parts = services.tranche_schedule(Decimal("100000.00"), 3)
    assert parts == [Decimal("33333.33"), Decimal("33333.33"), Decimal("33333.34")]
    assert sum(parts) == Decimal("100000.00")


def test_a_budget_never_allocates_more_than_it_holds(world, active, budget):
    budget = services.budget_update(actor=world.bureau, budget=budget, amount="250000.00")
    with pytest.raises(ValidationError) as error:
        services.allocation_create(actor=world.bureau, budget=budget, pairing=active)
    assert "amount" in error.value.message_dict
    assert not active.allocations.exists()
    assert not LedgerEntry.objects.exists()


def test_a_budget_cannot_shrink_below_what_it_allocated(world, allocation, budget):
    with pytest.raises(ValidationError):
        services.budget_update(actor=world.bureau, budget=budget, amount="299999.99")
    budget.refresh_from_db()
    assert budget.amount == Decimal("1000000.00")


def test_a_ring_fenced_budget_funds_only_its_programme(world, active):
    from tests.factories import ProgrammeFactory

    other = ProgrammeFactory(name="另一个项目", region=world.city)
    budget = services.budget_create(
        actor=world.bureau, region=world.city, programme=other, source="专项",
        fiscal_year=2026, amount="500000", purpose="专款专用", ring_fenced=True,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="ring-fenced|专款"):
        services.allocation_create(actor=world.bureau, budget=budget, pairing=active)


def test_only_the_regions_bureau_keeps_budgets(world, budget, active):
    with pytest.raises(PermissionDenied):
        services.budget_create(
            actor=world.coord_helping, region=world.city, programme=world.programme,
            source="x", fiscal_year=2026, amount="1", purpose="x",
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.allocation_create(actor=world.outsider, budget=budget, pairing=active)


def test_allocating_a_programme_funds_each_pairing_once(world, active, budget):
    made = services.budget_allocate_programme(actor=world.bureau, budget=budget)
    assert [a.pairing_id for a in made] == [active.pk]
    with pytest.raises(ValidationError):
        services.budget_allocate_programme(actor=world.bureau, budget=budget)
    assert active.allocations.count() == 1


@pytest.mark.parametrize("amount", ["0", "-5", "12.345", "abc", "NaN", "1e20"])
def test_bad_amounts_are_refused_and_nothing_changes(world, active, budget, amount):
    with pytest.raises(ValidationError) as error:
        services.allocation_create(actor=world.bureau, budget=budget, pairing=active, amount=amount)
    assert "amount" in error.value.message_dict
    assert not LedgerEntry.objects.exists()


# --- tranches ---------------------------------------------------------------------------------


def test_the_first_tranche_is_released_by_the_bureau_the_rest_by_evaluation(world, allocation):
    first, second, third = allocation.tranches.order_by("number")
    with pytest.raises(ValidationError):
        services.tranche_release(actor=world.bureau, tranche=second)
    with pytest.raises(PermissionDenied):
        services.tranche_release(actor=world.coord_helping, tranche=first)
    services.tranche_release(actor=world.bureau, tranche=first)
    with pytest.raises(ValidationError):
        services.tranche_release(actor=world.bureau, tranche=first)
    assert balance(allocation).released == Decimal("100000.00")

    pairing = allocation.pairing
    # A failing evaluation withholds the next tranche; a second call changes nothing.
    for _ in range(2):
        services.tranche_release_on_evaluation(
            actor=world.bureau, pairing=pairing, school_year=2026, score=Decimal("70"),
            passed=False,
        )  # fmt: skip
    second.refresh_from_db()
    assert second.status == TrancheStatus.WITHHELD
    assert balance(allocation).released == Decimal("100000.00")
    # The year's evaluation revised to a pass releases it, once.
    for _ in range(2):
        services.tranche_release_on_evaluation(
            actor=world.bureau, pairing=pairing, school_year=2026, score=Decimal("80"),
            passed=True,
        )  # fmt: skip
    second.refresh_from_db()
    assert second.status == TrancheStatus.RELEASED
    assert balance(allocation).released == Decimal("200000.00")
    services.tranche_release_on_evaluation(
        actor=world.bureau, pairing=pairing, school_year=2027, score=Decimal("90"), passed=True
    )
    third.refresh_from_db()
    assert third.status == TrancheStatus.RELEASED and third.evaluation_year == 2027
    assert balance(allocation).released == Decimal("300000.00")


# --- disbursements --------------------------------------------------------------------------


def test_a_request_goes_from_draft_to_paid_and_the_ledger_follows(world, released):
    d = request_money(world, released.pairing)
    assert d.status == DisbursementStatus.SUBMITTED
    assert balance(released).available == Decimal("100000.00")
    d = services.disbursement_approve(actor=world.bureau, disbursement=d)
    assert balance(released).reserved == Decimal("1200.00")
    assert balance(released).available == Decimal("98800.00")
    d = services.disbursement_pay(
        actor=world.bureau2, disbursement=d, paid_on=timezone.localdate(), reference="PZ-001"
    )
    assert d.status == DisbursementStatus.PAID
    after = balance(released)
    assert (after.paid, after.reserved, after.available) == (
        Decimal("1200.00"),
        0,
        Decimal("98800.00"),
    )
    steps = [(s.from_status, s.to_status) for s in d.transitions.order_by("at", "id")]
    assert steps == [("", "draft"), ("draft", "submitted"), ("submitted", "approved"),
                     ("approved", "paid")]  # fmt: skip


def test_the_requester_never_approves_their_own_request(world, released):
    d = request_money(world, released.pairing, actor=world.bureau)
    with pytest.raises(PermissionDenied):
        services.disbursement_approve(actor=world.bureau, disbursement=d)
    d.refresh_from_db()
    assert d.status == DisbursementStatus.SUBMITTED
    services.disbursement_approve(actor=world.bureau2, disbursement=d)


def test_coordinators_and_inspectors_do_not_decide(world, released):
    d = request_money(world, released.pairing)
    for persona in (world.coord_assisted, world.inspector):
        with pytest.raises(PermissionDenied):
            services.disbursement_approve(actor=persona, disbursement=d)


def test_a_rejection_says_why(world, released):
    d = request_money(world, released.pairing)
    with pytest.raises(ValidationError) as error:
        services.disbursement_reject(actor=world.bureau, disbursement=d, comment="  ")
    assert "comment" in error.value.message_dict
    d.refresh_from_db()
    assert d.status == DisbursementStatus.SUBMITTED
    d = services.disbursement_reject(actor=world.bureau, disbursement=d, comment="发票不全")
    assert d.status == DisbursementStatus.REJECTED and d.decision_comment == "发票不全"


def test_an_unapproved_request_is_not_paid_and_a_paid_one_not_twice(world, released):
    d = request_money(world, released.pairing)
    with pytest.raises(ValidationError):
        services.disbursement_pay(
            actor=world.bureau, disbursement=d, paid_on=timezone.localdate(), reference="PZ"
        )
    services.disbursement_approve(actor=world.bureau, disbursement=d)
    services.disbursement_pay(
        actor=world.bureau, disbursement=d, paid_on=timezone.localdate(), reference="PZ-1"
    )
    with pytest.raises(ValidationError, match="already been paid|已支付"):
        services.disbursement_pay(
            actor=world.bureau, disbursement=d, paid_on=timezone.localdate(), reference="PZ-2"
        )
    assert LedgerEntry.objects.filter(kind=EntryKind.PAYMENT).count() == 1
    d.refresh_from_db()
    assert d.payment_reference == "PZ-1"


def test_approval_never_takes_more_than_was_released(world, released):
    d = request_money(world, released.pairing, amount="100000.01")
    with pytest.raises(ValidationError) as error:
        services.disbursement_approve(actor=world.bureau, disbursement=d)
    assert "amount" in error.value.message_dict
    d.refresh_from_db()
    assert d.status == DisbursementStatus.SUBMITTED


def test_a_payee_outside_the_pairing_is_refused(world, released, scene_teachers):
    with pytest.raises(ValidationError) as error:
        services.disbursement_create(
            actor=world.coord_helping, pairing=released.pairing, purpose="transport",
            payee_kind="school", school=world.spare, amount="10", receipts=[receipt()],
        )  # fmt: skip
    assert "school" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.disbursement_create(
            actor=world.coord_helping, pairing=released.pairing, purpose="transport",
            payee_kind="teacher", payee_teacher=scene_teachers.outsider, amount="10",
        )  # fmt: skip
    assert "payee_teacher" in error.value.message_dict
    assert not Disbursement.objects.exists()


def test_a_request_needs_a_receipt_before_it_is_submitted(world, released):
    d = services.disbursement_create(
        actor=world.coord_helping, pairing=released.pairing, purpose="equipment",
        payee_kind="school", school=world.assisted, amount="5000",
    )  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.disbursement_submit(actor=world.coord_helping, disbursement=d)
    assert "receipts" in error.value.message_dict
    services.receipt_add(actor=world.coord_helping, disbursement=d, files=[receipt()])
    assert services.disbursement_submit(actor=world.coord_helping, disbursement=d).status == (
        DisbursementStatus.SUBMITTED
    )


def test_a_receipt_is_checked_by_its_content(world, released):
    with pytest.raises(ValidationError) as error:
        services.disbursement_create(
            actor=world.coord_helping, pairing=released.pairing, purpose="equipment",
            payee_kind="school", school=world.assisted, amount="5000",
            receipts=[SimpleUploadedFile("发票.pdf", b"MZ\x90\x00 not a pdf")],
        )  # fmt: skip
    assert "receipts" in error.value.message_dict
    assert not Disbursement.objects.exists()


@pytest.fixture
def scene_teachers(world, active):
    from types import SimpleNamespace

    return SimpleNamespace(
        helping=teacher_services.teacher_create(
            actor=world.coord_helping, school=world.helping, name="陈红梅"
        ),
        # A teacher of a school of the city that is not in the pairing.
        outsider=teacher_services.teacher_create(
            actor=world.bureau, school=world.spare, name="东城老师"
        ),
    )


# --- the meal allowance -------------------------------------------------------------------


def test_the_meal_allowance_is_40_yuan_a_working_day_of_the_secondment(
    world, released, scene_teachers
):
    secondment = activity_services.secondment_record(
        actor=world.coord_helping, pairing=released.pairing, kind="secondment",
        teacher=scene_teachers.helping, host_school=world.assisted,
        start=dt.date(2026, 9, 28), end=dt.date(2026, 10, 10), duties="挂职副校长",
    )  # fmt: skip
    d = services.disbursement_create(
        actor=world.coord_helping, pairing=released.pairing, purpose="meal_allowance",
        secondment=secondment, amount="1",
    )  # fmt: skip
    # 28–30 Sept are working days, 1–7 Oct the National Day holiday, 8–9 Oct working days
    # and Saturday 10 Oct a make-up working day (调休): 6 working days.
    assert d.working_days == 6
    assert d.amount == Decimal("240.00")
    assert d.payee_teacher == scene_teachers.helping and d.school_id == world.helping.pk
    with pytest.raises(ValidationError, match="already claimed|已申领"):
        services.disbursement_create(
            actor=world.coord_helping, pairing=released.pairing, purpose="meal_allowance",
            secondment=secondment, period_start=dt.date(2026, 10, 9),
            period_end=dt.date(2026, 10, 9),
        )  # fmt: skip
    # Submitted without a receipt: the records are the evidence.
    assert services.disbursement_submit(actor=world.coord_helping, disbursement=d).status == (
        "submitted"
    )


# --- the ledger -------------------------------------------------------------------------------


def test_ledger_entries_are_never_changed_or_deleted(world, allocation):
    entry = LedgerEntry.objects.get()
    entry.amount = Decimal("1")
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=1)
    with pytest.raises(TypeError):
        LedgerEntry.objects.all().delete()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_database_itself_refuses_to_rewrite_the_ledger(world, allocation):
    from django.db import DatabaseError, transaction

    entry = LedgerEntry.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE funding_ledgerentry SET amount = 1 WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM funding_ledgerentry WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(  # the region and the amount at once: refused as a whole
            "UPDATE funding_ledgerentry SET region_id = %s, amount = 1 WHERE id = %s",
            [world.west.pk, entry.pk],
        )
    assert LedgerEntry.objects.get().amount == Decimal("300000.00")
    # Only where the entry is listed moves, with its helping school (region_copies).
    LedgerEntry.objects.filter(pk=entry.pk).update(region=world.west)
    assert LedgerEntry.objects.get().region == world.west


def test_a_reversal_cancels_a_payment_and_keeps_it(world, released):
    d = request_money(world, released.pairing, amount="800.00")
    services.disbursement_approve(actor=world.bureau, disbursement=d)
    services.disbursement_pay(
        actor=world.bureau, disbursement=d, paid_on=timezone.localdate(), reference="PZ-9"
    )
    with pytest.raises(ValidationError):
        services.disbursement_reverse(actor=world.bureau, disbursement=d, reason="")
    d = services.disbursement_reverse(actor=world.bureau, disbursement=d, reason="重复支付，已退回")
    assert d.status == DisbursementStatus.REVERSED
    payment, reversal = LedgerEntry.objects.filter(disbursement=d).order_by("id")
    assert reversal.reverses == payment and reversal.amount == -payment.amount
    assert balance(released).paid == 0
    assert balance(released).available == Decimal("100000.00")
    with pytest.raises(ValidationError):
        services.disbursement_reverse(actor=world.bureau, disbursement=d, reason="again")


def test_balances_are_the_sums_of_the_ledger(world, released):
    for amount in ("100.00", "250.50", "49.50"):
        d = request_money(world, released.pairing, amount=amount)
        services.disbursement_approve(actor=world.bureau, disbursement=d)
        services.disbursement_pay(
            actor=world.bureau, disbursement=d, paid_on=timezone.localdate(), reference=amount
        )
    by_account = {
        account: sum(
            LedgerEntry.objects.filter(allocation=released, account=account).values_list(
                "amount", flat=True
            ),
            Decimal("0"),
        )
        for account in Account.values
    }
    b = balance(released)
    assert (b.allocated, b.released, b.paid) == (
        by_account["allocated"],
        by_account["released"],
        by_account["paid"],
    )
    assert b.paid == Decimal("400.00")
    budget = Budget.objects.get()
    assert ledger.budget_balances([budget])[budget.pk].unallocated == Decimal("700000.00")


# --- concurrent approvals (PostgreSQL) -----------------------------------------------------------


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_parallel_approvals_never_overspend_an_allocation(world, active):
    budget = services.budget_create(
        actor=world.bureau, region=world.city, programme=world.programme, source="专项",
        fiscal_year=2026, amount="300000", purpose="结对", ring_fenced=True,
    )  # fmt: skip
    allocation = services.allocation_create(actor=world.bureau, budget=budget, pairing=active)
    services.tranche_release(actor=world.bureau, tranche=allocation.tranches.get(number=1))
    # Two requests of 60,000 each against 100,000 released: only one may be approved.
    requests = [request_money(world, active, amount="60000.00") for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(d, approver):
        try:
            barrier.wait()
            services.disbursement_approve(actor=approver, disbursement=d)
            outcomes.append("approved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=approve, args=(d, approver))
        for d, approver in zip(requests, (world.bureau, world.bureau2), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["approved", "refused"]
    assert Disbursement.objects.filter(status="approved").count() == 1
    b = balance(allocation)
    assert b.reserved == Decimal("60000.00") and b.available == Decimal("40000.00")


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_a_payment_waits_for_an_approval_of_the_same_allocation(world, active, released):
    """An approval reads the allocation's balance in two queries; a payment committed
    between them would be counted in neither and the approval could overspend. So a
    payment takes the allocation's lock first, as an approval does: while another
    transaction holds it, the payment waits (here: gives up after a short wait) and
    changes nothing."""
    from django.db.utils import OperationalError

    from funding.models import Allocation

    allocation = released
    d = services.disbursement_approve(actor=world.bureau, disbursement=request_money(world, active))
    locked, release = threading.Event(), threading.Event()

    def approving():  # another transaction holding the allocation, as an approval does
        try:
            with transaction.atomic():
                Allocation.objects.select_for_update().get(pk=allocation.pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=approving)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '300ms'")
            with pytest.raises(OperationalError):
                services.disbursement_pay(
                    actor=world.bureau2, disbursement=d, paid_on=timezone.localdate(),
                    reference="PZ-9",
                )  # fmt: skip
    finally:
        release.set()
        holder.join(timeout=10)
    d.refresh_from_db()
    assert d.status == DisbursementStatus.APPROVED
    services.disbursement_pay(actor=world.bureau2, disbursement=d, paid_on=timezone.localdate(),
                              reference="PZ-9")  # fmt: skip
    assert balance(allocation).paid == Decimal("1200.00")


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_parallel_allocations_never_overspend_a_budget(world, active):
    from schools import services as school_services
    from tests.factories import SchoolFactory

    other_helping = SchoolFactory(name="东城第三小学", region=world.east)
    other_assisted = SchoolFactory(name="西山第二小学", region=world.west)
    second = school_services.pairing_create(
        actor=world.bureau, programme=world.programme, helping_school=other_helping,
        assisted_schools=[other_assisted],
    )  # fmt: skip
    school_services.pairing_propose(actor=world.bureau, pairing=second)
    school_services.pairing_approve(actor=world.bureau2, pairing=second)
    budget = services.budget_create(
        actor=world.bureau, region=world.city, programme=world.programme, source="专项",
        fiscal_year=2026, amount="450000", purpose="结对", ring_fenced=True,
    )  # fmt: skip
    barrier = threading.Barrier(2)
    outcomes = []

    def allocate(pairing, actor):
        try:
            barrier.wait()
            services.allocation_create(actor=actor, budget=budget, pairing=pairing)
            outcomes.append("allocated")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=allocate, args=args)
        for args in ((active, world.bureau), (second, world.bureau2))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["allocated", "refused"]
    assert ledger.budget_balances([budget])[budget.pk].allocated == Decimal("300000.00")


# --- donations in kind ------------------------------------------------------------------------


def donate(world, pairing, **fields):
    values = {"school": world.assisted, "donor": "爱心企业", "category": "books",
              "items": "课外读物", "quantity": 300, "unit": "册", "estimated_value": "4500.00",
              "received_on": dt.date(2026, 11, 10), **fields}  # fmt: skip
    return services.donation_record(actor=world.coord_assisted, pairing=pairing, **values)


def test_a_donation_in_kind_is_recorded_with_its_evidence(world, active):
    from PIL import Image

    photo = SimpleUploadedFile("交接.jpg", b"")
    out = __import__("io").BytesIO()
    Image.new("RGB", (60, 40)).save(out, "JPEG")
    photo = SimpleUploadedFile("交接.jpg", out.getvalue())
    donation = donate(world, active, evidence=[photo])
    assert donation.region_id == world.west.pk
    assert donation.evidence.get().thumbnail
    assert not LedgerEntry.objects.exists()  # goods, not money


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"estimated_value": "-1"}, "estimated_value"),
        ({"estimated_value": "10.001"}, "estimated_value"),
        ({"quantity": 0}, "quantity"),
        ({"received_on": dt.date(2099, 1, 1)}, "received_on"),
    ],
)
def test_bad_donations_are_refused_and_nothing_changes(world, active, fields, field):
    with pytest.raises(ValidationError) as error:
        donate(world, active, **fields)
    assert field in error.value.message_dict
    assert not active.donations.exists()


def test_a_donation_goes_to_a_school_of_the_pairing(world, active):
    with pytest.raises(ValidationError) as error:
        donate(world, active, school=world.spare)
    assert "school" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.donation_record(
            actor=world.inspector, pairing=active, school=world.assisted, donor="x",
            category="books", items="x", quantity=1, unit="册", estimated_value="1",
            received_on=dt.date(2026, 11, 1),
        )  # fmt: skip


# --- ledger invariants, property-based ---------------------------------------------------------


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["request", "approve", "reject", "pay", "reverse"]),
        st.integers(min_value=1, max_value=6_000_000),  # cents: up to 60,000 yuan
        st.integers(min_value=0, max_value=20),  # which request the step acts on
    ),
    max_size=14,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS)
def test_whatever_happens_the_ledger_balances_and_nothing_is_overspent(world, released, operations):
    from django.db import transaction

    with transaction.atomic():
        requests: list[Disbursement] = []
        for step, cents, which in operations:
            try:
                if step == "request":
                    amount = (Decimal(cents) / 100).quantize(Decimal("0.01"))
                    requests.append(request_money(world, released.pairing, amount=str(amount)))
                    continue
                if not requests:
                    continue
                d = requests[which % len(requests)]
                if step == "approve":
                    services.disbursement_approve(actor=world.bureau, disbursement=d)
                elif step == "reject":
                    services.disbursement_reject(actor=world.bureau, disbursement=d, comment="否")
                elif step == "pay":
                    services.disbursement_pay(
                        actor=world.bureau, disbursement=d, paid_on=timezone.localdate(),
                        reference="P",
                    )  # fmt: skip
                else:
                    services.disbursement_reverse(actor=world.bureau, disbursement=d, reason="退")
            except ValidationError:
                pass  # a refused step changes nothing; the invariants below still hold
        b = balance(released)
        assert 0 <= b.paid and 0 <= b.reserved
        assert b.paid + b.reserved <= b.released <= b.allocated
        committed = Disbursement.objects.filter(allocation=released, status__in=["approved"])
        assert b.reserved == sum((d.amount for d in committed), Decimal("0"))
        paid = Disbursement.objects.filter(allocation=released, status="paid")
        assert b.paid == sum((d.amount for d in paid), Decimal("0"))
        # Every payment is in the ledger once, and every reversal cancels exactly one.
        for d in Disbursement.objects.filter(allocation=released, status="reversed"):
            amounts = sorted(e.amount for e in d.entries.all())
            assert amounts == [-d.amount, d.amount]
        transaction.set_rollback(True)


# --- notifications --------------------------------------------------------------------------------


def test_the_approvers_hear_of_a_request_and_the_requester_of_the_decision(
    world, released, django_capture_on_commit_callbacks
):
    from twinning.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        d = request_money(world, released.pairing)
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"bureau", "bureau2"}
    with django_capture_on_commit_callbacks(execute=True):
        services.disbursement_reject(actor=world.bureau, disbursement=d, comment="发票不全")
    mine = Notification.objects.filter(recipient=world.coord_helping)
    assert mine.count() == 1 and "1,200.00 元" in mine.get().title
    # A retried task sends nothing twice.
    from funding.tasks import notify_disbursement

    notify_disbursement(d.transitions.latest("at", "id").pk)
    assert mine.count() == 1


# --- found on a second reading ----------------------------------------------------------------


def test_whoever_changed_or_submitted_a_request_does_not_decide_it(world, released):
    d = services.disbursement_create(
        actor=world.coord_helping, pairing=released.pairing, purpose="transport",
        payee_kind="school", school=world.helping, amount="100", receipts=[receipt()],
    )  # fmt: skip
    # The bureau raises the coordinator's draft and submits it: someone else decides it.
    services.disbursement_update(actor=world.bureau, disbursement=d, amount=Decimal("50000"))
    services.disbursement_submit(actor=world.bureau, disbursement=d)
    with pytest.raises(PermissionDenied):
        services.disbursement_approve(actor=world.bureau, disbursement=d)
    from funding import selectors

    assert d not in selectors.approval_queue(world.bureau)
    assert d in selectors.approval_queue(world.bureau2)
    services.disbursement_approve(actor=world.bureau2, disbursement=d)


def test_whoever_only_submitted_a_request_does_not_decide_it(world, released):
    """Submitting a colleague's draft unchanged is a hand in it too: the request's page
    offers no decision, the service refuses one, the queue leaves it out."""
    from funding import selectors

    d = services.disbursement_create(
        actor=world.coord_helping, pairing=released.pairing, purpose="transport",
        payee_kind="school", school=world.helping, amount="100", receipts=[receipt()],
    )  # fmt: skip
    services.disbursement_submit(actor=world.bureau, disbursement=d)
    assert not selectors.can_decide(world.bureau, d)
    with pytest.raises(PermissionDenied):
        services.disbursement_approve(actor=world.bureau, disbursement=d)
    assert d not in selectors.approval_queue(world.bureau)
    assert selectors.can_decide(world.bureau2, d)
    services.disbursement_approve(actor=world.bureau2, disbursement=d)
    d.refresh_from_db()
    assert d.status == "approved"


def test_a_meal_allowance_is_claimed_for_days_served_only(world, released, scene_teachers):
    today = timezone.localdate()
    secondment = activity_services.secondment_record(
        actor=world.coord_helping, pairing=released.pairing, kind="secondment",
        teacher=scene_teachers.helping, host_school=world.assisted,
        start=today - dt.timedelta(days=10), end=today + dt.timedelta(days=30), duties="挂职",
    )  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.disbursement_create(
            actor=world.coord_helping, pairing=released.pairing, purpose="meal_allowance",
            secondment=secondment, period_end=today + dt.timedelta(days=5),
        )  # fmt: skip
    assert "period_end" in error.value.message_dict
    # Without a period: up to today.
    d = services.disbursement_create(
        actor=world.coord_helping, pairing=released.pairing, purpose="meal_allowance",
        secondment=secondment,
    )  # fmt: skip
    assert d.period_end == today


def test_an_allocation_too_small_for_its_tranches_is_refused(world, active, budget):
    with pytest.raises(ValidationError) as error:
        services.allocation_create(actor=world.bureau, budget=budget, pairing=active, amount="0.02")
    assert "amount" in error.value.message_dict
    assert not LedgerEntry.objects.exists()


def test_a_payment_is_not_dated_before_its_approval(world, released):
    d = request_money(world, released.pairing)
    services.disbursement_approve(actor=world.bureau, disbursement=d)
    with pytest.raises(ValidationError) as error:
        services.disbursement_pay(
            actor=world.bureau, disbursement=d,
            paid_on=timezone.localdate() - dt.timedelta(days=1), reference="PZ",
        )  # fmt: skip
    assert "paid_on" in error.value.message_dict
