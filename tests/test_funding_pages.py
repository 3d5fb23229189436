"""The funding pages: a coordinator requests money with a receipt, the bureau approves it
and records the payment, the ledger and the overview follow; what each role sees."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from activities import services as activity_services
from funding import services
from funding.models import Disbursement, DisbursementStatus, LedgerEntry
from teachers import services as teacher_services

PDF = b"%PDF-1.4 receipt"


@pytest.fixture
def funded(world, active):
    """The pairing with 300,000 allocated and the first 100,000 released."""
    budget = services.budget_create(
        actor=world.bureau, region=world.city, programme=world.programme,
        source="市级财政结对帮扶专项", fiscal_year=2026, amount="1000000", purpose="结对帮扶",
    )  # fmt: skip
    allocation = services.allocation_create(actor=world.bureau, budget=budget, pairing=active)
    services.tranche_release(actor=world.bureau, tranche=allocation.tranches.get(number=1))
    return allocation


def claim(world, pairing, amount="500.00", description="送教下乡交通费", actor=None):
    d = services.disbursement_create(
        actor=actor or world.coord_helping, pairing=pairing, purpose="transport",
        payee_kind="school", school=world.helping, amount=amount, description=description,
        receipts=[SimpleUploadedFile("车票.pdf", PDF)],
    )  # fmt: skip
    return services.disbursement_submit(actor=actor or world.coord_helping, disbursement=d)


def test_a_request_goes_through_the_pages_from_draft_to_paid(client, world, active, funded):
    client.force_login(world.coord_helping)
    tab = client.get(reverse("funding:pairing_funding", args=[active.pk]))
    assert tab.status_code == 200
    assert "100000.00" in tab.content.decode().replace(",", "")
    response = client.post(
        reverse("funding:disbursement_create", args=[active.pk]),
        {"allocation": funded.pk, "purpose": "transport", "payee_kind": "school",
         "school": world.helping.pk, "amount": "860.50", "description": "送教下乡租车",
         "receipts": [SimpleUploadedFile("发票.pdf", PDF)]},
    )  # fmt: skip
    d = Disbursement.objects.get()
    assert response.url == reverse("funding:disbursement_detail", args=[d.pk])
    assert d.status == DisbursementStatus.DRAFT and d.receipts.count() == 1
    client.post(reverse("funding:disbursement_submit", args=[d.pk]))
    d.refresh_from_db()
    assert d.status == DisbursementStatus.SUBMITTED

    client.force_login(world.bureau)
    queue = client.get(reverse("funding:approval_queue")).content.decode()
    assert reverse("funding:disbursement_detail", args=[d.pk]) in queue
    client.post(reverse("funding:disbursement_approve", args=[d.pk]), {"comment": "同意"})
    client.post(
        reverse("funding:disbursement_pay", args=[d.pk]),
        {"paid_on": str(timezone.localdate()), "reference": "PZ-2026-118"},
    )
    d.refresh_from_db()
    assert d.status == DisbursementStatus.PAID and d.payment_reference == "PZ-2026-118"
    ledger = client.get(reverse("funding:ledger")).content.decode()
    assert "PZ-2026-118" in ledger
    overview = client.get(reverse("funding:overview")).content.decode()
    assert "860.50" in overview
    assert "<svg" in overview  # the chart by region


def test_a_meal_allowance_is_computed_on_the_page(client, world, active, funded):
    teacher = teacher_services.teacher_create(actor=world.coord_helping, school=world.helping,
                                              name="陈红梅")  # fmt: skip
    secondment = activity_services.secondment_record(
        actor=world.coord_helping, pairing=active, kind="secondment", teacher=teacher,
        host_school=world.assisted, start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 13),
        duties="挂职",
    )  # fmt: skip
    client.force_login(world.coord_helping)
    client.post(
        reverse("funding:disbursement_create", args=[active.pk]),
        {"allocation": funded.pk, "purpose": "meal_allowance", "payee_kind": "teacher",
         "school": world.helping.pk, "secondment": secondment.pk},
    )  # fmt: skip
    d = Disbursement.objects.get()
    # Two working weeks in 西山县: 10 days × 40 yuan.
    assert (d.working_days, d.amount, d.payee_teacher) == (10, Decimal("400.00"), teacher)


def test_namesakes_of_the_pair_are_told_apart_in_the_payee_list(client, world, active, funded):
    from teachers import services as teacher_services

    for school, number in ((world.helping, "0231"), (world.assisted, "")):
        teacher_services.teacher_create(actor=world.coord_helping if school == world.helping
                                        else world.coord_assisted, school=school, name="王芳",
                                        staff_number=number, subjects="语文")  # fmt: skip
    client.force_login(world.coord_helping)
    form = client.get(reverse("funding:disbursement_create", args=[active.pk])).context["form"]
    labels = [label for _value, label in form.fields["payee_teacher"].choices if "王芳" in label]
    assert sorted(labels) == sorted([f"王芳 · {world.helping.name} · 0231",
                                     f"王芳 · {world.assisted.name} · 语文"])  # fmt: skip


def test_a_rejection_without_a_comment_is_refused_and_changes_nothing(client, world, funded):
    d = claim(world, funded.pairing)
    client.force_login(world.bureau)
    response = client.post(reverse("funding:disbursement_reject", args=[d.pk]), {"comment": ""})
    assert response.status_code == 400
    d.refresh_from_db()
    assert d.status == DisbursementStatus.SUBMITTED


def test_bad_amounts_are_shown_next_to_the_field(client, world, active, funded):
    client.force_login(world.coord_helping)
    for amount in ("0", "-3", "12.345"):
        response = client.post(
            reverse("funding:disbursement_create", args=[active.pk]),
            {"allocation": funded.pk, "purpose": "transport", "payee_kind": "school",
             "school": world.helping.pk, "amount": amount},
        )  # fmt: skip
        assert response.status_code == 200
        assert "id_amount_error_1" in response.content.decode()
    assert not Disbursement.objects.exists()


def test_the_requester_sees_no_approve_button_on_their_own_request(client, world, funded):
    d = claim(world, funded.pairing, actor=world.bureau)
    client.force_login(world.bureau)
    page = client.get(reverse("funding:disbursement_detail", args=[d.pk])).content.decode()
    assert reverse("funding:disbursement_approve", args=[d.pk]) not in page
    assert client.post(reverse("funding:disbursement_approve", args=[d.pk])).status_code == 403
    assert d.pk not in [x.pk for x in client.get(reverse("funding:approval_queue")).context[
        "disbursements"]]  # fmt: skip
    client.force_login(world.bureau2)
    page = client.get(reverse("funding:disbursement_detail", args=[d.pk])).content.decode()
    assert reverse("funding:disbursement_approve", args=[d.pk]) in page


def test_teachers_see_no_money(client, world, active, funded):
    d = claim(world, funded.pairing)
    client.force_login(world.mentor)
    hub = client.get(reverse("schools:pairing_detail", args=[active.pk])).content.decode()
    assert reverse("funding:pairing_funding", args=[active.pk]) not in hub
    assert client.get(reverse("funding:pairing_funding", args=[active.pk])).status_code == 403
    assert client.get(reverse("funding:disbursement_detail", args=[d.pk])).status_code == 404
    assert client.get(reverse("funding:overview")).status_code == 403


def test_the_ledger_download_is_safe_to_open(client, world, funded):
    d = claim(world, funded.pairing, description='=HYPERLINK("http://x")')
    services.disbursement_approve(actor=world.bureau, disbursement=d)
    services.disbursement_pay(
        actor=world.bureau, disbursement=d, paid_on=timezone.localdate(), reference="=1+1"
    )
    services.disbursement_reverse(actor=world.bureau, disbursement=d, reason="重复支付")
    client.force_login(world.bureau)
    response = client.get(reverse("funding:ledger_export_xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + LedgerEntry.objects.count()
    cells = [c for row in rows[1:] for c in row if isinstance(c, str)]
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]
    amounts = sorted(row[4] for row in rows[1:])
    assert amounts[0] == -500  # the reversal, a number Excel can add up
    csv = b"".join(client.get(reverse("funding:disbursement_export_csv")).streaming_content)
    assert b"'=HYPERLINK" in csv


def _xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)


def test_the_budget_download_holds_the_budgets_in_scope_with_their_balances(client, world, funded):
    d = claim(world, funded.pairing)
    services.disbursement_approve(actor=world.bureau, disbursement=d)
    services.disbursement_pay(
        actor=world.bureau, disbursement=d, paid_on=timezone.localdate(), reference="P1"
    )
    services.budget_create(
        actor=world.outsider, region=world.far_city, programme=world.far_programme,
        source="远方市专项", fiscal_year=2026, amount="5000", purpose="结对",
    )  # fmt: skip
    client.force_login(world.inspector)
    header, *rows = _xlsx_rows(client.get(reverse("funding:budget_export_xlsx")))
    with translation.override("zh-hans"):
        assert list(header) == [
            _("Fiscal year"), _("Fund source"), _("Region"), _("Programme"), _("Purpose"),
            _("Ring-fenced"), _("Amount (yuan)"), _("Allocated"), _("Released"), _("Paid"),
        ]  # fmt: skip
        assert rows == [
            (2026, "市级财政结对帮扶专项", "江城市", "江城市城乡学校结对帮扶", "结对帮扶", _("Yes"),
             1000000, 300000, 100000, 500),
        ]  # fmt: skip
    client.force_login(world.outsider)
    csv = b"".join(client.get(reverse("funding:budget_export_csv")).streaming_content).decode()
    assert "远方市专项" in csv and "市级财政" not in csv
    client.force_login(world.mentor)
    assert client.get(reverse("funding:budget_export_csv")).status_code == 403


def test_the_approval_download_is_the_users_queue(client, world, funded):
    theirs = claim(world, funded.pairing, amount="320.00", description="送教车费")
    own = claim(world, funded.pairing, amount="700.00", actor=world.bureau)
    services.disbursement_create(
        actor=world.coord_helping, pairing=funded.pairing, purpose="transport",
        payee_kind="school", school=world.helping, amount="90", description="草稿",
    )  # fmt: skip
    client.force_login(world.bureau)
    header, *rows = _xlsx_rows(client.get(reverse("funding:approval_queue_export_xlsx")))
    with translation.override("zh-hans"):
        assert list(header) == [
            _("Number"), _("Pairing number"), _("Helping school"), _("Purpose"), _("Payee"),
            _("School"), _("Amount (yuan)"), _("What it pays for"), _("Submitted"),
            _("Requested by"),
        ]  # fmt: skip
    # Not the bureau's own request (a colleague decides it), not a draft.
    assert [(r[0], r[1], r[2], r[6], r[7], r[9]) for r in rows] == [
        (theirs.pk, funded.pairing_id, "江城实验小学", 320, "送教车费", "张联络")
    ]
    client.force_login(world.bureau2)
    csv = b"".join(
        client.get(reverse("funding:approval_queue_export_csv")).streaming_content
    ).decode("utf-8-sig")
    assert [line.split(",")[0] for line in csv.splitlines()[1:]] == [str(theirs.pk), str(own.pk)]
    # A coordinator decides nothing: an empty queue.
    client.force_login(world.coord_helping)
    response = client.get(reverse("funding:approval_queue_export_csv"))
    assert len(b"".join(response.streaming_content).decode("utf-8-sig").splitlines()) == 1


def test_the_bureau_keeps_budgets_and_allocates_the_programme(client, world, active):
    client.force_login(world.bureau)
    response = client.post(
        reverse("funding:budget_create"),
        {"region": world.city.pk, "programme": world.programme.pk, "source": "市级专项",
         "fiscal_year": 2026, "amount": "600000", "purpose": "结对帮扶", "ring_fenced": "on"},
    )  # fmt: skip
    budget = world.programme.budgets.get()
    assert response.url == reverse("funding:budget_detail", args=[budget.pk])
    # An amount without its pairing is refused (never the default for every pairing).
    refused = client.post(reverse("funding:budget_allocate", args=[budget.pk]),
                          {"amount": "50000"})  # fmt: skip
    assert refused.status_code == 400 and "请指定该金额分配给哪个结对。" in refused.content.decode()
    assert not active.allocations.exists()
    client.post(reverse("funding:budget_allocate", args=[budget.pk]), {})
    assert active.allocations.get().amount == Decimal("300000.00")
    again = client.post(reverse("funding:budget_allocate", args=[budget.pk]), {})
    assert again.status_code == 400
    assert active.allocations.count() == 1
    client.force_login(world.coord_helping)
    assert client.get(reverse("funding:budget_create")).status_code == 403


@pytest.mark.parametrize(
    ("persona", "name", "expected"),
    [
        # 3 region subtree, 4 paginator count, 5 the page of requests (school, teacher,
        # requester joined), 6 unread count, plus the pairing edges of the scope (7).
        ("bureau", "funding:disbursement_list", 7),
        # 3 region subtree, 4 the pairing edges, 5 count, 6 the page (actor, budget joined),
        # 7 unread count.
        ("bureau", "funding:ledger", 7),
        # 3 region subtree, 4 count, 5 the page of waiting requests, 6 unread count.
        ("bureau", "funding:approval_queue", 6),
        # 3 region subtree, 4 programmes, 5 pairing edges, 6-7 totals, 8 by region, 9
        # region names, 10 count, 11 waiting, 12 budgets, 13-14 their balances, 15 the
        # page of allocations, 16 their members, 17-18 their balances, 19 unread count.
        ("bureau", "funding:overview", 19),
    ],
)
def test_funding_lists_run_a_fixed_number_of_queries(
    client, world, active, funded, persona, name, expected, django_assert_num_queries, settings
):
    settings.COMPLIANCE_CACHE_SECONDS = 0  # count the overview's roll-up, not the cache
    claim(world, active)
    client.force_login(getattr(world, persona))
    url = reverse(name)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    for n in range(3):
        d = claim(world, active, amount=f"{100 + n}.00")
        services.disbursement_approve(actor=world.bureau2, disbursement=d)
        services.disbursement_pay(
            actor=world.bureau2, disbursement=d, paid_on=timezone.localdate(), reference=f"P{n}"
        )
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


def test_the_funding_tab_runs_a_fixed_number_of_queries(
    client, world, active, funded, django_assert_num_queries
):
    claim(world, active)
    client.force_login(world.coord_helping)
    url = reverse("funding:pairing_funding", args=[active.pk])
    response = client.get(url)
    assert response.status_code == 200
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for n in range(3):
        claim(world, active, amount=f"{10 + n}.00")
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    assert len(second) == len(first)


def test_a_coordinator_records_a_donation_and_the_tab_counts_its_value(
    client, world, active, funded
):
    client.force_login(world.coord_assisted)
    response = client.post(
        reverse("funding:donation_create", args=[active.pk]),
        {"school": world.assisted.pk, "donor": "江城爱心企业", "category": "clothing",
         "items": "冬季校服", "quantity": "120", "unit": "套", "estimated_value": "18000",
         "received_on": "2026-11-15"},
    )  # fmt: skip
    donation = active.donations.get()
    assert response.url == reverse("funding:donation_detail", args=[donation.pk])
    tab = client.get(reverse("funding:pairing_funding", args=[active.pk])).content.decode()
    # Digits grouped as the language groups them (zh: 1,8000.00; en: 18,000.00).
    assert "冬季校服" in tab and "18000.00" in tab.replace(",", "")
    listing = client.get(reverse("funding:donation_list"), {"q": "校服"})
    assert listing.context["total"]["value"] == Decimal("18000.00")
    client.force_login(world.mentor)
    assert client.get(reverse("funding:donation_detail", args=[donation.pk])).status_code == 404


def test_the_dashboard_shows_the_money_and_what_waits(client, world, active, funded):
    claim(world, active)
    client.force_login(world.bureau)
    page = client.get(reverse("dashboard")).content.decode()
    assert reverse("funding:approval_queue") in page
    assert "300000.00" in page.replace(",", "")


def test_a_request_names_the_activity_it_pays_for(client, world, active, funded):
    from activities import services as activity_services
    from activities.models import ActivityKind

    start = timezone.now() - dt.timedelta(days=3)
    activity, _clashes = activity_services.activity_schedule(
        actor=world.coord_helping, pairing=active, kind=ActivityKind.objects.get(code="visit"),
        title="互访", host_school=world.assisted, place="会议室", starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
    )  # fmt: skip
    client.force_login(world.coord_helping)
    client.post(
        reverse("funding:disbursement_create", args=[active.pk]),
        {"allocation": funded.pk, "purpose": "activity", "payee_kind": "school",
         "school": world.helping.pk, "amount": "300", "activity": activity.pk},
    )  # fmt: skip
    assert Disbursement.objects.get().activity == activity


def test_the_overviews_totals_are_at_most_a_minute_old_and_each_pairing_is_exact(
    client, world, active, funded, settings
):
    settings.COMPLIANCE_CACHE_SECONDS = 60
    client.force_login(world.bureau)
    before = client.get(reverse("funding:overview"))
    assert before.context["totals"].paid == 0 and before.context["as_of"] is not None
    d = claim(world, active, amount="860.50")
    services.disbursement_approve(actor=world.bureau, disbursement=d, comment="同意")
    services.disbursement_pay(actor=world.bureau, disbursement=d, paid_on=timezone.localdate(),
                              reference="PZ-2026-119")  # fmt: skip
    kept = client.get(reverse("funding:overview"))
    assert kept.context["totals"].paid == 0  # the roll-up counted a moment ago
    assert kept.context["allocations"][0].balance.paid == Decimal("860.50")  # exact
    settings.COMPLIANCE_CACHE_SECONDS = 0
    fresh = client.get(reverse("funding:overview"))
    assert fresh.context["totals"].paid == Decimal("860.50")


def test_the_overview_says_how_old_its_totals_may_be(client, world, funded, settings):
    client.force_login(world.bureau)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    settings.COMPLIANCE_CACHE_SECONDS = 300
    page = client.get(reverse("funding:overview")).content.decode()
    assert "at most 5 minutes old" in page
    settings.COMPLIANCE_CACHE_SECONDS = 60
    assert "at most a minute old" in client.get(reverse("funding:overview")).content.decode()
    settings.COMPLIANCE_CACHE_SECONDS = 0  # counted on every request: nothing to say
    assert "Counted at" not in client.get(reverse("funding:overview")).content.decode()
