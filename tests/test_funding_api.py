"""Funding in the API (funding/api.py): budgets, allocations, tranches, disbursements through
their lifecycle, the ledger and the totals, with the same rules and scoping as the services."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIRequestFactory

from funding import api as funding_api
from funding import ledger, selectors, services
from funding.models import (
    Allocation,
    Budget,
    Disbursement,
    DisbursementStatus,
    DisbursementTransition,
    LedgerEntry,
    Receipt,
    Tranche,
)
from schools import services as school_services
from teachers import services as teacher_services

from .conftest import RECEIPT, receipt, request_money
from .factories import SchoolFactory
from .test_api import _fresh_scope, api

PDF = RECEIPT


def transport(world, pairing, **changes):
    return {
        "pairing": pairing.pk, "purpose": "transport", "payee_kind": "school",
        "school": world.helping.pk, "amount": "1200.00", "description": "西山互访车费",
        **changes,
    }  # fmt: skip


def totals(client) -> dict:
    response = client.get("/api/funding-totals/")
    assert response.status_code == 200
    return response.json()


# --- shapes --------------------------------------------------------------------------------


def test_a_budget_is_listed_and_read_with_its_balance(world, budget, released):
    client = api(world.bureau)
    listed = client.get("/api/budgets/").json()
    assert listed["count"] == 1
    row = listed["results"][0]
    assert row == client.get(f"/api/budgets/{budget.pk}/").json()
    assert row["amount"] == "1000000.00" and row["fiscal_year"] == 2026
    assert (row["region"], row["programme"]) == (world.city.pk, world.programme.pk)
    assert row["programme_name"] == world.programme.name and row["ring_fenced"] is True
    assert row["balance"] == {
        "allocated": "300000.00", "released": "100000.00", "paid": "0.00",
        "reserved": "0.00", "unallocated": "700000.00",
    }  # fmt: skip
    assert client.get("/api/budgets/?fiscal_year=2027").json()["count"] == 0
    for bad in ("1999", "2101", "2026.5", "99999999999999999999"):
        response = client.get(f"/api/budgets/?fiscal_year={bad}")
        assert response.status_code == 400 and "fiscal_year" in response.json()["errors"]


def test_an_allocation_shows_its_tranches_and_balance(world, active, released):
    client = api(world.coord_assisted)
    listed = client.get(f"/api/allocations/?pairing={active.pk}").json()
    assert listed["count"] == 1
    row = listed["results"][0]
    assert row == client.get(f"/api/allocations/{released.pk}/").json()
    assert row["pairing"] == active.pk and row["amount"] == "300000.00"
    assert row["pairing_title"] == active.title and row["fiscal_year"] == 2026
    assert [(t["number"], t["amount"], t["status"]) for t in row["tranches"]] == [
        (1, "100000.00", "released"), (2, "100000.00", "scheduled"),
        (3, "100000.00", "scheduled"),
    ]  # fmt: skip
    assert row["tranches"][0]["due_on"] == "2026-10-01"
    assert row["tranches"][0]["released_at"] and row["tranches"][1]["released_at"] is None
    assert row["balance"] == {
        "allocated": "300000.00", "released": "100000.00", "paid": "0.00",
        "reserved": "0.00", "available": "100000.00",
    }  # fmt: skip


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_lean_representations_equal_the_generic_ones(world, active, released, language):
    d = request_money(world, active)
    services.disbursement_approve(actor=world.bureau, disbursement=d)
    services.disbursement_pay(
        actor=world.bureau, disbursement=d, paid_on=timezone.localdate(), reference="PZ-1"
    )
    services.disbursement_reverse(actor=world.bureau, disbursement=d, reason="重复支付")
    request = APIRequestFactory().get("/api/")
    request.user = world.bureau
    budgets = ledger.with_budget_balances(selectors.budget_list_visible_to(world.bureau))
    allocations = ledger.with_allocation_balances(
        funding_api._allocations(selectors.allocation_list_visible_to(world.bureau))
    )
    cases = [
        (funding_api.BudgetSerializer, budgets),
        (funding_api.AllocationSerializer, allocations),
        (funding_api.TrancheSerializer, list(Tranche.objects.all())),
        (funding_api.DisbursementSerializer, list(Disbursement.objects.all())),
        (funding_api.DisbursementDetailSerializer, list(Disbursement.objects.all())),
        (funding_api.DisbursementStepSerializer, list(DisbursementTransition.objects.all())),
        (funding_api.LedgerEntrySerializer, list(LedgerEntry.objects.all())),
    ]
    with translation.override(language):
        for serializer_class, objects in cases:
            assert objects, serializer_class
            serializer = serializer_class(context={"request": request})
            for obj in objects:
                lean = serializer.to_representation(obj)
                assert lean == dict(serializer.generic_representation(obj)), serializer_class


# --- the lifecycle -------------------------------------------------------------------------


def test_a_request_goes_from_draft_to_paid_through_the_api(world, active, released):
    coordinator, bureau = api(world.coord_helping), api(world.bureau)
    assert totals(bureau) == {
        "allocated": "300000.00", "released": "100000.00", "paid": "0.00",
        "reserved": "0.00", "available": "100000.00",
    }  # fmt: skip
    created = coordinator.post("/api/disbursements/", transport(world, active), format="json")
    assert created.status_code == 201, created.json()
    d = created.json()
    assert (d["status"], d["amount"], d["allocation"]) == ("draft", "1200.00", released.pk)
    assert d["payee_name"] == world.helping.name and d["receipts"] == []
    url = f"/api/disbursements/{d['id']}/"

    # Without a receipt it is not submitted.
    refused = coordinator.post(url + "submit/")
    assert refused.status_code == 400 and "receipts" in refused.json()["errors"]
    uploaded = coordinator.post(url + "receipts/", {"files": [receipt()]}, format="multipart")
    assert uploaded.status_code == 200, uploaded.json()
    (file,) = uploaded.json()["receipts"]
    assert file["name"] == "发票.pdf" and file["content_type"] == "application/pdf"
    assert file["url"] == reverse("funding:receipt_download", args=[file["id"]])
    assert coordinator.post(url + "submit/").json()["status"] == "submitted"

    approved = api(world.bureau2).post(url + "approve/", {"comment": "同意"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert totals(bureau)["reserved"] == "1200.00"
    assert totals(bureau)["available"] == "98800.00"

    paid = bureau.post(
        url + "pay/", {"paid_on": str(timezone.localdate()), "reference": "PZ-001"}, format="json"
    ).json()
    assert (paid["status"], paid["paid_on"], paid["payment_reference"]) == (
        "paid",
        str(timezone.localdate()),
        "PZ-001",
    )
    assert [(s["from_status"], s["to_status"]) for s in paid["steps"]] == [
        ("", "draft"), ("draft", "submitted"), ("submitted", "approved"), ("approved", "paid"),
    ]  # fmt: skip
    assert paid["steps"][2]["comment"] == "同意"
    assert paid["steps"][2]["actor_name"] == world.bureau2.display_name

    entry = bureau.get(f"/api/ledger/?pairing={active.pk}").json()["results"][0]
    assert (entry["kind"], entry["account"], entry["amount"]) == ("payment", "paid", "1200.00")
    assert entry["disbursement"] == d["id"] and entry["budget"] == released.budget_id
    assert entry["budget_source"] == "市级财政结对帮扶专项" and entry["reverses"] is None
    assert entry["actor_name"] == world.bureau.display_name
    assert totals(bureau) == {
        "allocated": "300000.00", "released": "100000.00", "paid": "1200.00",
        "reserved": "0.00", "available": "98800.00",
    }  # fmt: skip
    assert bureau.get(f"/api/allocations/{released.pk}/").json()["balance"]["paid"] == "1200.00"

    # A paid request is never changed; a reversal cancels it in the ledger.
    assert coordinator.patch(url, {"description": "改"}, format="json").status_code == 400
    reversed_ = bureau.post(url + "reverse/", {"reason": "重复支付，已退回"}, format="json")
    assert reversed_.json()["status"] == "reversed"
    reversal, payment = bureau.get("/api/ledger/").json()["results"][:2]
    assert (reversal["kind"], reversal["amount"], reversal["reverses"]) == (
        "reversal",
        "-1200.00",
        payment["id"],
    )
    assert totals(bureau)["paid"] == "0.00"


def test_the_requester_never_approves_their_own_request(world, active, released):
    bureau = api(world.bureau)
    d = bureau.post("/api/disbursements/", transport(world, active), format="json").json()
    url = f"/api/disbursements/{d['id']}/"
    bureau.post(url + "receipts/", {"files": [receipt()]}, format="multipart")
    assert bureau.post(url + "submit/").status_code == 200
    steps = DisbursementTransition.objects.count()
    response = bureau.post(url + "approve/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"]
    assert Disbursement.objects.get(pk=d["id"]).status == DisbursementStatus.SUBMITTED
    assert DisbursementTransition.objects.count() == steps
    assert api(world.bureau2).post(url + "approve/", {}, format="json").status_code == 200


def test_coordinators_and_inspectors_do_not_decide(world, active, released):
    d = request_money(world, active)
    url = f"/api/disbursements/{d.pk}/approve/"
    for persona in (world.coord_assisted, world.inspector):
        assert api(persona).post(url, {}, format="json").status_code == 403
    d.refresh_from_db()
    assert d.status == DisbursementStatus.SUBMITTED


def test_a_rejection_needs_a_comment(world, active, released):
    d = request_money(world, active)
    bureau = api(world.bureau)
    url = f"/api/disbursements/{d.pk}/reject/"
    for body in ({}, {"comment": "   "}):
        response = bureau.post(url, body, format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["comment"]
    d.refresh_from_db()
    assert d.status == DisbursementStatus.SUBMITTED
    rejected = bureau.post(url, {"comment": "发票不全"}, format="json").json()
    assert (rejected["status"], rejected["decision_comment"]) == ("rejected", "发票不全")


@pytest.mark.parametrize("amount", ["0", "-1", "1.234", "0.00", 12, "1e3", ""])
def test_bad_amounts_are_refused_naming_the_amount(world, active, released, amount):
    coordinator = api(world.coord_helping)
    response = coordinator.post(
        "/api/disbursements/", transport(world, active, amount=amount), format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["amount"]
    assert not Disbursement.objects.exists()
    budget = api(world.bureau).post(
        "/api/budgets/",
        {"region": world.city.pk, "programme": world.programme.pk, "source": "专项",
         "fiscal_year": 2027, "amount": amount, "purpose": "结对"},
        format="json",
    )  # fmt: skip
    assert budget.status_code == 400 and list(budget.json()["errors"]) == ["amount"]
    assert Budget.objects.count() == 1


def test_a_draft_is_changed_and_thrown_away_but_a_submitted_one_is_not(world, active, released):
    coordinator = api(world.coord_helping)
    d = coordinator.post("/api/disbursements/", transport(world, active), format="json").json()
    url = f"/api/disbursements/{d['id']}/"
    changed = coordinator.patch(url, {"amount": "99.50", "description": "改"}, format="json")
    assert changed.status_code == 200
    assert (changed.json()["amount"], changed.json()["description"]) == ("99.50", "改")
    assert coordinator.delete(url).status_code == 204
    assert coordinator.get(url).status_code == 404
    submitted = request_money(world, active)
    assert coordinator.delete(f"/api/disbursements/{submitted.pk}/").status_code == 400
    assert Disbursement.objects.filter(pk=submitted.pk).exists()


def test_a_meal_allowance_computes_its_own_amount(world, active, released):
    teacher = teacher_services.teacher_create(
        actor=world.coord_helping, school=world.helping, name="陈红梅"
    )
    from activities import services as activity_services

    secondment = activity_services.secondment_record(
        actor=world.coord_helping, pairing=active, kind="secondment", teacher=teacher,
        host_school=world.assisted, start=dt.date(2026, 9, 28), end=dt.date(2026, 10, 10),
        duties="挂职副校长",
    )  # fmt: skip
    response = api(world.coord_helping).post(
        "/api/disbursements/",
        {"pairing": active.pk, "purpose": "meal_allowance", "secondment": secondment.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    d = response.json()
    # 28–30 Sept, 8–9 Oct and Saturday 10 Oct (调休): 6 working days at 40 yuan.
    assert (d["working_days"], d["amount"], d["payee_kind"]) == (6, "240.00", "teacher")
    assert (d["payee_teacher"], d["payee_name"]) == (teacher.pk, "陈红梅")
    assert (d["period_start"], d["period_end"]) == ("2026-09-28", "2026-10-10")


def test_a_receipt_is_checked_by_its_content(world, active, released):
    coordinator = api(world.coord_helping)
    d = coordinator.post("/api/disbursements/", transport(world, active), format="json").json()
    url = f"/api/disbursements/{d['id']}/receipts/"
    fake = SimpleUploadedFile("发票.pdf", b"MZ\x90\x00 not a pdf")
    response = coordinator.post(url, {"files": [fake]}, format="multipart")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["files"]
    empty = coordinator.post(url, {}, format="multipart")
    assert empty.status_code == 400 and list(empty.json()["errors"]) == ["files"]
    assert not Receipt.objects.exists()


# --- budgets, allocations and tranches --------------------------------------------------------


def test_the_bureau_keeps_budgets_and_allocates_them(world, active):
    bureau = api(world.bureau)
    body = {
        "region": world.city.pk, "programme": world.programme.pk, "source": "专项资金",
        "fiscal_year": 2026, "amount": "450000.00", "purpose": "结对帮扶",
    }  # fmt: skip
    created = bureau.post("/api/budgets/", body, format="json")
    assert created.status_code == 201, created.json()
    budget = created.json()
    assert budget["ring_fenced"] is True and budget["balance"]["unallocated"] == "450000.00"
    url = f"/api/budgets/{budget['id']}/"
    assert bureau.patch(url, {"purpose": "改"}, format="json").json()["purpose"] == "改"

    made = bureau.post(url + "allocate/", {}, format="json")
    assert made.status_code == 201, made.json()
    (allocation,) = made.json()
    assert allocation["pairing"] == active.pk and allocation["amount"] == "300000.00"
    assert len(allocation["tranches"]) == 3
    assert allocation["balance"]["allocated"] == "300000.00"
    # Every pairing has its allocation now; a second one for the same pairing is refused.
    again = bureau.post(url + "allocate/", {"pairing": active.pk, "amount": "10"}, format="json")
    assert again.status_code == 400 and "pairing" in again.json()["errors"]
    alone = bureau.post(url + "allocate/", {"amount": "10.00"}, format="json")
    assert alone.status_code == 400 and "amount" in alone.json()["errors"]
    # The budget cannot shrink below what it allocated.
    shrunk = bureau.patch(url, {"amount": "299999.99"}, format="json")
    assert shrunk.status_code == 400 and "amount" in shrunk.json()["errors"]
    assert Allocation.objects.count() == 1


def test_only_the_bureau_keeps_budgets(world, budget):
    body = {"region": world.city.pk, "source": "x", "fiscal_year": 2026, "amount": "1",
            "purpose": "x", "ring_fenced": False}  # fmt: skip
    for persona in (world.inspector, world.coord_helping, world.mentor):
        assert api(persona).post("/api/budgets/", body, format="json").status_code == 403
    # Another city's bureau names a region it does not keep: no such region for them.
    refused = api(world.outsider).post("/api/budgets/", body, format="json")
    assert refused.status_code == 400 and refused.json()["codes"]["region"] == ["does_not_exist"]
    assert Budget.objects.count() == 1


def test_the_first_tranche_is_released_through_the_api(world, active, budget):
    allocation = services.allocation_create(actor=world.bureau, budget=budget, pairing=active)
    first, second, _third = allocation.tranches.order_by("number")
    assert api(world.inspector).post(f"/api/tranches/{first.pk}/release/").status_code == 403
    assert api(world.coord_helping).post(f"/api/tranches/{first.pk}/release/").status_code == 403
    bureau = api(world.bureau)
    released = bureau.post(
        f"/api/tranches/{first.pk}/release/", {"note": "协议已签"}, format="json"
    )
    assert released.status_code == 200
    assert (released.json()["status"], released.json()["note"]) == ("released", "协议已签")
    assert bureau.get(f"/api/tranches/{first.pk}/").json() == released.json()
    assert bureau.post(f"/api/tranches/{first.pk}/release/").status_code == 400
    assert bureau.post(f"/api/tranches/{second.pk}/release/").status_code == 400
    assert totals(bureau)["released"] == "100000.00"


# --- scope -------------------------------------------------------------------------------------


LISTS = ["/api/budgets/", "/api/allocations/", "/api/disbursements/", "/api/ledger/"]


def test_an_outsider_sees_nothing_and_finds_nothing(world, active, released):
    d = request_money(world, active)
    outsider = api(world.outsider)
    for url in LISTS:
        assert outsider.get(url).json()["count"] == 0, url
    assert totals(outsider)["allocated"] == "0.00"
    first = released.tranches.get(number=1)
    for url in (f"/api/budgets/{released.budget_id}/", f"/api/allocations/{released.pk}/",
                f"/api/tranches/{first.pk}/", f"/api/disbursements/{d.pk}/"):  # fmt: skip
        assert outsider.get(url).status_code == 404, url
    for action in ("approve", "reject", "pay", "reverse", "submit", "receipts"):
        response = outsider.post(f"/api/disbursements/{d.pk}/{action}/", {}, format="json")
        assert response.status_code == 404, action
    d.refresh_from_db()
    assert d.status == DisbursementStatus.SUBMITTED


def test_a_teacher_sees_nothing_of_the_money(world, active, released):
    d = request_money(world, active)
    teacher = api(world.mentor)
    for url in LISTS:
        assert teacher.get(url).json()["count"] == 0, url
    assert totals(teacher) == {
        "allocated": "0.00", "released": "0.00", "paid": "0.00", "reserved": "0.00",
        "available": "0.00",
    }  # fmt: skip
    assert teacher.get(f"/api/disbursements/{d.pk}/").status_code == 404
    assert teacher.get(f"/api/allocations/{released.pk}/").status_code == 404
    # The inspector reads everything and changes nothing.
    inspector = api(world.inspector)
    assert [inspector.get(url).json()["count"] for url in LISTS] == [1, 1, 1, 2]
    assert totals(inspector)["released"] == "100000.00"


# --- query counts ------------------------------------------------------------------------------


def grow(world, budget, n: int) -> None:
    """``n`` more funded pairings of the programme, each with its first tranche released
    and a request paid: a budget, an allocation, a disbursement and ledger entries more."""
    for i in range(n):
        pairing = school_services.pairing_create(
            actor=world.bureau, programme=world.programme,
            helping_school=SchoolFactory(region=world.east, name=f"东城附加小学{i}"),
            assisted_schools=[SchoolFactory(region=world.west, name=f"西山附加小学{i}")],
        )  # fmt: skip
        school_services.pairing_propose(actor=world.bureau, pairing=pairing)
        pairing = school_services.pairing_approve(actor=world.bureau2, pairing=pairing)
        allocation = services.allocation_create(actor=world.bureau, budget=budget, pairing=pairing)
        services.tranche_release(actor=world.bureau, tranche=allocation.tranches.get(number=1))
        d = services.disbursement_create(
            actor=world.bureau, pairing=pairing, purpose="equipment", payee_kind="school",
            school=pairing.helping_school, amount="500.00", receipts=[receipt()],
        )  # fmt: skip
        services.disbursement_submit(actor=world.bureau, disbursement=d)
        services.disbursement_approve(actor=world.bureau2, disbursement=d)
        services.budget_create(
            actor=world.bureau, region=world.city, programme=world.programme,
            source=f"附加资金{i}", fiscal_year=2027, amount="1000", purpose="结对",
        )  # fmt: skip


# The user's scope is resolved first (tests/test_api.py), so these count the endpoint's own
# queries, the same for 1 row as for 3. A pairing's money is scoped like its exchanges
# (activities.selectors._scope_condition): first one query for the pairings that reach
# outside the user's regions ("edge pairings" below).
FUNDING_LIST_QUERIES = {
    # count, page joining region and programme, the page's ledger sums, its reservations
    "/api/budgets/": 4,
    # edge pairings, count, page joining budget, pairing, programme and helping school, the
    # tranches, the pairings' members with schools, the page's ledger sums, its reservations
    "/api/allocations/": 7,
    # edge pairings, count, page joining school, teacher paid and requester
    "/api/disbursements/": 3,
    # edge pairings, count, page joining actor and budget
    "/api/ledger/": 3,
}


def _as_a_new_request(user):
    """``user`` as a request finds it: scope resolved, edge pairings not yet read (they are
    kept on the user object, which the test client reuses across requests)."""
    _fresh_scope(user)
    user.__dict__.pop("_exchange_pairing_ids", None)


@pytest.mark.parametrize("url", list(FUNDING_LIST_QUERIES))
def test_funding_lists_run_a_constant_number_of_queries(
    world, active, released, url, django_assert_num_queries
):
    request_money(world, active)
    client = api(world.bureau)

    def count_rows():
        _as_a_new_request(world.bureau)
        with django_assert_num_queries(FUNDING_LIST_QUERIES[url]):
            response = client.get(url)
        assert response.status_code == 200
        return response.json()["count"]

    rows = count_rows()
    assert rows >= 1
    grow(world, released.budget, 2)
    assert count_rows() >= rows + 2


def test_the_totals_take_three_queries_however_much_money_there_is(
    world, active, released, django_assert_num_queries
):
    client = api(world.bureau)
    for _round in range(2):
        _as_a_new_request(world.bureau)
        # edge pairings, the ledger's sums by account, the approved requests' sum
        with django_assert_num_queries(3):
            assert client.get("/api/funding-totals/?fiscal_year=2026").status_code == 200
        grow(world, released.budget, 1)
    assert totals(client)["reserved"] == "1000.00"
    by_year = client.get("/api/funding-totals/?fiscal_year=2027").json()
    assert by_year["allocated"] == "0.00"
    assert client.get("/api/funding-totals/?programme=0").status_code == 400


# --- donations in kind --------------------------------------------------------------------------


def books(world, pairing, **changes):
    return {
        "pairing": pairing.pk, "school": world.assisted.pk, "donor": "江城爱心企业",
        "category": "books", "items": "课外读物", "quantity": 300, "unit": "册",
        "estimated_value": "4500.00", "received_on": "2026-11-10", **changes,
    }  # fmt: skip


def test_a_donation_is_recorded_with_a_photo_and_listed(world, active):
    client = api(world.coord_assisted)
    response = client.post("/api/donations/", books(world, active), format="json")
    assert response.status_code == 201, response.json()
    donation = response.json()
    assert donation["estimated_value"] == "4500.00" and donation["evidence"] == []
    photo = SimpleUploadedFile("交接.pdf", PDF)
    response = client.post(
        f"/api/donations/{donation['id']}/evidence/", {"files": [photo]}, format="multipart"
    )
    assert response.status_code == 200
    assert [e["name"] for e in response.json()["evidence"]] == ["交接.pdf"]
    listed = api(world.bureau).get("/api/donations/", {"category": "books"}).json()
    assert [d["id"] for d in listed["results"]] == [donation["id"]]
    assert api(world.mentor).get("/api/donations/").json()["count"] == 0
    assert api(world.outsider).get(f"/api/donations/{donation['id']}/").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"estimated_value": "-5"}, "estimated_value"), ({"quantity": 0}, "quantity"),
     ({"received_on": "2099-01-01"}, "received_on")],
)  # fmt: skip
def test_bad_donations_are_refused_naming_the_field(world, active, changes, field):
    response = api(world.coord_assisted).post(
        "/api/donations/", books(world, active, **changes), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not active.donations.exists()


def test_the_donation_list_runs_a_constant_number_of_queries(
    world, active, django_assert_num_queries
):
    client = api(world.bureau)

    def count_rows():
        _as_a_new_request(world.bureau)
        # edge pairings, count, the page joining the school and whoever recorded it
        with django_assert_num_queries(3):
            response = client.get("/api/donations/")
        assert response.status_code == 200
        return response.json()["count"]

    def donate():
        services.donation_record(
            actor=world.coord_assisted, pairing=active, school=world.assisted, donor="企业",
            category="equipment", items="电脑", quantity=2, unit="台", estimated_value="9000",
            received_on=dt.date(2026, 11, 1),
        )  # fmt: skip

    donate()
    assert count_rows() == 1
    donate()
    donate()
    assert count_rows() == 3
