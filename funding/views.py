"""Funding pages: the overview, budgets and their allocation, the requests for money with
their approvals and payments, the ledger with its download, and the pairing's funding tab.

Thin by design: reads through :mod:`funding.selectors` (404 out of scope, 403 on a write
a read-only user may not make), writes through :mod:`funding.services`, whose
``ValidationError`` changes nothing and is shown next to the field it names.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from activities.models import Activity, Secondment
from schools import hub
from schools import selectors as school_selectors
from schools.models import PairingMember, Programme, School
from schools.views import PAGE_SIZE, _filtered, _is_filtered, _post_data
from teachers.models import Teacher
from twinning import access, progress
from twinning.attachments import stored_file_response, thumbnail_response
from twinning.downloads import table_response
from twinning.forms import add_service_errors, form_action
from twinning.paging import page_of

from . import charts, ledger, selectors, services
from .forms import (
    AllocateForm,
    BudgetForm,
    CommentForm,
    DisbursementFilter,
    DisbursementForm,
    DonationEvidenceForm,
    DonationFilter,
    DonationForm,
    LedgerFilter,
    OverviewFilter,
    PayForm,
    ReceiptForm,
    RejectForm,
    ReverseForm,
)
from .models import Allocation, Disbursement, DisbursementStatus, Donation

# The donations the funding tab shows; the list has them all.
SECTION_ROWS = 10


def _require_funding_reader(request) -> None:
    access.require(selectors.reads_funding(request.user), _("Money is not part of your role."))


def _with_balances(allocations) -> list[Allocation]:
    """A page of allocations with their pairings' schools (one query) and balances (two)."""
    members = PairingMember.objects.select_related("school")
    return ledger.with_allocation_balances(
        allocations.prefetch_related(Prefetch("pairing__members", queryset=members))
    )


def _programmes(user):
    return list(
        school_selectors.programme_list_visible_to(user)
        .order_by("name")
        .values_list("id", "name")[:200]
    )


# --- the overview ---------------------------------------------------------------------------


@login_required
@require_safe
def overview(request):
    """Budget, allocated, released, paid in the user's scope, by region (with a chart) and
    by pairing (a page of allocations)."""
    _require_funding_reader(request)
    form = OverviewFilter(request.GET or None, programmes=_programmes(request.user))
    choice = form.cleaned_data if form.is_valid() else {}
    programme_id, fiscal_year = choice.get("programme"), choice.get("fiscal_year")

    def roll_up() -> dict:
        # The totals and the by-region roll-up (and its chart, which costs more than the
        # counting) are kept a minute (twinning.progress); each pairing's and budget's
        # balance below is exact.
        rows = selectors.by_region(request.user, programme_id=programme_id, fiscal_year=fiscal_year)
        title = _("Allocated, released and paid (10,000 yuan)")
        return {
            "totals": selectors.totals_for(
                request.user, programme_id=programme_id, fiscal_year=fiscal_year
            ),
            "rows": rows,
            "chart": charts.money_chart([{"name": r["region"], **r} for r in rows], title),
        }

    kept, as_of = progress.kept(
        "funding-overview",
        request.user,
        [("programme", programme_id or ""), ("fiscal_year", fiscal_year or "")],
        roll_up,
    )
    allocations = selectors.allocation_list_visible_to(request.user).order_by("-id")
    budgets = selectors.budget_list_visible_to(request.user)
    if programme_id:
        allocations = allocations.filter(budget__programme_id=programme_id)
        budgets = budgets.filter(programme_id=programme_id)
    if fiscal_year:
        allocations = allocations.filter(budget__fiscal_year=fiscal_year)
        budgets = budgets.filter(fiscal_year=fiscal_year)
    page = page_of(request, allocations, PAGE_SIZE)
    budget_rows = ledger.with_budget_balances(budgets[:10])
    return render(
        request,
        "funding/overview.html",
        {
            "form": form,
            "totals": kept["totals"],
            "regions": kept["rows"],
            "chart": kept["chart"],
            "as_of": as_of,
            "page_obj": page,
            "allocations": _with_balances(page.object_list),
            "budgets": budget_rows,
            "can_manage_budgets": selectors.can_manage_budgets(request.user),
            "waiting": selectors.approval_queue(request.user).count(),
        },
    )


# --- budgets --------------------------------------------------------------------------------


@login_required
@require_safe
def budget_list(request):
    _require_funding_reader(request)
    budgets = selectors.budget_list_visible_to(request.user)
    page = page_of(request, budgets, PAGE_SIZE)
    rows = ledger.with_budget_balances(page.object_list)
    return render(
        request,
        "funding/budget_list.html",
        {"page_obj": page, "budgets": rows,
         "can_manage_budgets": selectors.can_manage_budgets(request.user)},
    )  # fmt: skip


@login_required
@require_safe
def budget_export(request, fmt: str):
    """The budgets in scope with their balances, as the list shows them."""
    _require_funding_reader(request)
    # Budgets are few (a region's fund sources a year): their balances are two queries
    # for all of them (funding.ledger), so the list is read whole.
    budgets = ledger.with_budget_balances(selectors.budget_list_visible_to(request.user))
    header = [_("Fiscal year"), _("Fund source"), _("Region"), _("Programme"), _("Purpose"),
              _("Ring-fenced"), _("Amount (yuan)"), _("Allocated"), _("Released"),
              _("Paid")]  # fmt: skip
    yes, no = _("Yes"), _("No")
    rows = (
        (
            b.fiscal_year,
            b.source,
            b.region.name,
            b.programme.name if b.programme else "",
            b.purpose,
            yes if b.ring_fenced else no,
            b.amount,
            b.balance.allocated,
            b.balance.released,
            b.balance.paid,
        )  # fmt: skip
        for b in budgets
    )
    return table_response("budgets", header, rows, fmt)


def _budget_form(request, instance=None) -> BudgetForm:
    return BudgetForm(
        _post_data(request), instance=instance, regions=selectors.budget_regions(request.user),
        programmes=Programme.objects.filter(
            region_id__in=selectors.budget_regions(request.user).values("id")
        ).order_by("name"),
    )  # fmt: skip


def _budget_fields(form: BudgetForm) -> dict:
    data = dict(form.cleaned_data)
    data.pop("region", None)
    return data


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def budget_create(request):
    access.require(selectors.can_manage_budgets(request.user), _("Only bureau staff keep budgets."))
    form = _budget_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            budget = services.budget_create(
                actor=request.user, region=form.cleaned_data["region"], **_budget_fields(form)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The budget is saved."))
            return redirect("funding:budget_detail", budget.pk)
    return render(request, "funding/budget_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def budget_edit(request, pk: int):
    budget = selectors.budget_get_for_user(request.user, pk, write=True)
    form = _budget_form(request, instance=budget)
    if request.method == "POST" and form.is_valid():
        try:
            budget = services.budget_update(
                actor=request.user, budget=budget, **_budget_fields(form)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The budget is saved."))
            return redirect("funding:budget_detail", budget.pk)
    return render(request, "funding/budget_form.html", {"form": form, "budget": budget})


def _budget_page(request, budget, allocate_form=None):
    allocations = (
        Allocation.objects.filter(budget=budget)
        .select_related("budget", "pairing__helping_school", "pairing__programme")
        .order_by("-id")
    )
    page = page_of(request, allocations, PAGE_SIZE)
    can_manage = access.can_manage_budget(request.scope, budget)
    return render(
        request,
        "funding/budget_detail.html",
        {
            "budget": budget,
            "balance": ledger.budget_balances([budget])[budget.pk],
            "page_obj": page,
            "allocations": _with_balances(page.object_list),
            "can_manage": can_manage,
            "allocate_form": (allocate_form or AllocateForm()) if can_manage else None,
        },
        status=400 if allocate_form is not None else 200,
    )


@login_required
@require_safe
def budget_detail(request, pk: int):
    return _budget_page(request, selectors.budget_get_for_user(request.user, pk))


@login_required
@require_POST
def budget_allocate(request, pk: int):
    """Allocate to one pairing, or to every funded pairing of the programme."""
    budget = selectors.budget_get_for_user(request.user, pk, write=True)
    form = AllocateForm(request.POST)
    if form.is_valid():
        pairing_id, amount = form.cleaned_data["pairing"], form.cleaned_data["amount"]
        try:
            if pairing_id:
                pairing = school_selectors.pairing_get_for_user(request.user, pairing_id)
                services.allocation_create(
                    actor=request.user, budget=budget, pairing=pairing, amount=amount
                )
                made = 1
            else:
                made = len(services.budget_allocate_programme(actor=request.user, budget=budget))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Allocated to %(count)s pairing(s), in tranches.") % {"count": made}
            )
            return redirect("funding:budget_detail", budget.pk)
    return _budget_page(request, budget, allocate_form=form)


@login_required
@require_POST
def tranche_release(request, pk: int):
    tranche = selectors.tranche_get_for_user(request.user, pk)
    try:
        services.tranche_release(actor=request.user, tranche=tranche)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The tranche is released; the pairing may spend it."))
    return redirect("funding:pairing_funding", tranche.allocation.pairing_id)


# --- requests for money ---------------------------------------------------------------------


@login_required
@require_safe
def disbursement_list(request):
    _require_funding_reader(request)
    filterset, disbursements = _filtered(
        DisbursementFilter, request, selectors.disbursement_list_visible_to(request.user)
    )
    page = page_of(request, disbursements, PAGE_SIZE)
    return render(
        request,
        "funding/disbursement_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "disbursements": list(page.object_list),
            "is_filtered": _is_filtered(filterset),
        },
    )


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@login_required
@require_safe
def disbursement_export(request, fmt: str):
    _require_funding_reader(request)
    _filterset, disbursements = _filtered(
        DisbursementFilter, request, selectors.disbursement_list_visible_to(request.user)
    )
    header = [_("Number"), _("Requested at"), _("Purpose"), _("Payee"), _("School"),
              _("Amount (yuan)"), _("Status"), _("What it pays for"), _("Working days"),
              _("Paid on"), _("Payment reference"), _("Requested by")]  # fmt: skip
    rows = (
        (
            d.pk,
            _local(d.created_at),
            d.get_purpose_display(),
            d.payee_name,
            d.school.name,
            d.amount,
            d.get_status_display(),
            d.description,
            d.working_days or "",
            d.paid_on or "",
            d.payment_reference,
            d.requested_by.display_name,
        )  # fmt: skip
        for d in disbursements.iterator(chunk_size=1000)
    )
    return table_response("disbursements", header, rows, fmt)


@login_required
@require_safe
def approval_queue(request):
    """Requests waiting for the user's decision, longest waiting first."""
    _require_funding_reader(request)
    page = page_of(request, selectors.approval_queue(request.user), PAGE_SIZE)
    return render(
        request,
        "funding/approval_queue.html",
        {"page_obj": page, "disbursements": list(page.object_list)},
    )


@login_required
@require_safe
def approval_queue_export(request, fmt: str):
    """The requests waiting for the user's decision, as the queue lists them. Not a
    filter of the requests' download: the queue leaves out what the user asked for."""
    _require_funding_reader(request)
    header = [_("Number"), _("Pairing number"), _("Helping school"), _("Purpose"), _("Payee"),
              _("School"), _("Amount (yuan)"), _("What it pays for"), _("Submitted"),
              _("Requested by")]  # fmt: skip
    rows = (
        (
            d.pk,
            d.pairing_id,
            d.pairing.helping_school.name,
            d.get_purpose_display(),
            d.payee_name,
            d.school.name,
            d.amount,
            d.description,
            _local(d.submitted_at),
            d.requested_by.display_name,
        )  # fmt: skip
        for d in selectors.approval_queue(request.user).iterator(chunk_size=1000)
    )
    return table_response("approvals", header, rows, fmt)


def _form(request, pairing, instance=None) -> DisbursementForm:
    school_ids, _regions = school_selectors.member_ids(pairing)
    allocations = Allocation.objects.filter(pairing=pairing).select_related("budget")
    secondments = (
        Secondment.objects.filter(pairing=pairing, cancelled_at__isnull=True)
        .select_related("teacher")
        .order_by("-start")
    )
    return DisbursementForm(
        _post_data(request), request.FILES or None, instance=instance,
        allocations=allocations,
        schools=School.objects.filter(pk__in=school_ids).order_by("name"),
        teachers=Teacher.objects.filter(school_id__in=school_ids)
        .select_related("school")
        .order_by("school_id", "name"),
        secondments=secondments,
        activities=_recent_activities(pairing),
    )  # fmt: skip


def _recent_activities(pairing):
    """The pairing's last 200 activities, as a queryset a form can still filter."""
    ids = list(
        Activity.objects.filter(pairing=pairing)
        .order_by("-starts_at")
        .values_list("pk", flat=True)[:200]
    )
    return Activity.objects.filter(pk__in=ids).order_by("-starts_at")


def _label_choices(form: DisbursementForm) -> None:
    """Readable choices: a budget by its name, a secondment by person and dates."""
    form.fields["allocation"].label_from_instance = lambda a: str(a.budget)
    form.fields["secondment"].label_from_instance = lambda s: (
        f"{s.teacher.name} · {s.start:%Y-%m-%d} – {s.end:%Y-%m-%d}"
    )
    form.fields["activity"].label_from_instance = lambda a: (
        f"{timezone.localtime(a.starts_at):%Y-%m-%d} {a.title}"
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def disbursement_create(request, pk: int):
    """Request money of the pairing ``pk``."""
    pairing = school_selectors.pairing_get_for_user(request.user, pk)
    access.require(
        selectors.can_request(request.user, pairing),
        _("The coordinators of the pairing's schools and its bureau request its money."),
    )
    form = _form(request, pairing)
    _label_choices(form)
    if request.method == "POST" and form.is_valid():
        try:
            d = services.disbursement_create(
                actor=request.user, pairing=pairing, receipts=form.cleaned_data["receipts"],
                **form.values(),
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The request is saved as a draft. Submit it when it is complete.")
            )
            return redirect("funding:disbursement_detail", d.pk)
    return render(
        request, "funding/disbursement_form.html",
        {"form": form, "pairing": pairing,
         "rate": services.meal_allowance_rate()},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def disbursement_edit(request, pk: int):
    d = selectors.disbursement_get_for_user(request.user, pk, write=True)
    if d.status != DisbursementStatus.DRAFT:
        messages.error(request, _("Only a draft can be changed."))
        return redirect("funding:disbursement_detail", d.pk)
    form = _form(request, d.pairing, instance=d)
    _label_choices(form)
    if request.method == "POST" and form.is_valid():
        try:
            services.disbursement_update(actor=request.user, disbursement=d, **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The request is saved."))
            return redirect("funding:disbursement_detail", d.pk)
    return render(
        request, "funding/disbursement_form.html",
        {"form": form, "pairing": d.pairing, "disbursement": d,
         "rate": services.meal_allowance_rate()},
    )  # fmt: skip


def _detail(request, d: Disbursement, **forms):
    can_request = selectors.can_request(request.user, d.pairing)
    can_decide = selectors.can_decide(request.user, d)
    can_pay = selectors.can_pay(request.user, d)
    is_draft = d.status == DisbursementStatus.DRAFT
    context = {
        "disbursement": d,
        "pairing": d.pairing,
        "can_request": can_request,
        "is_draft": is_draft,
        "balance": ledger.allocation_balances([d.allocation_id])[d.allocation_id],
        "own_request": d.requested_by_id == request.user.pk,
        **selectors.disbursement_detail(d),
    }
    if d.status == DisbursementStatus.SUBMITTED and can_decide:
        context["approve_form"] = forms.get("approve") or CommentForm()
        context["reject_form"] = forms.get("reject") or RejectForm()
    if d.status == DisbursementStatus.APPROVED and can_pay:
        context["pay_form"] = forms.get("pay") or PayForm(initial={"paid_on": timezone.localdate()})
    if d.status == DisbursementStatus.PAID and can_pay:
        context["reverse_form"] = forms.get("reverse") or ReverseForm()
    open_statuses = (DisbursementStatus.REJECTED, DisbursementStatus.REVERSED)
    if (can_request or can_pay) and d.status not in open_statuses:
        context["receipt_form"] = forms.get("receipt") or ReceiptForm()
    return render(
        request, "funding/disbursement_detail.html", context, status=400 if forms else 200
    )


@login_required
@require_safe
def disbursement_detail(request, pk: int):
    return _detail(request, selectors.disbursement_get_for_user(request.user, pk))


def _act(request, d, form_name, form, call, success):
    return form_action(
        request, form=form, call=call, success=success, done=d.get_absolute_url(),
        again=lambda form: _detail(request, d, **{form_name: form}),
    )  # fmt: skip


@login_required
@require_POST
def disbursement_submit(request, pk: int):
    d = selectors.disbursement_get_for_user(request.user, pk, write=True)
    return _act(
        request, d, "submit", None,
        lambda: services.disbursement_submit(actor=request.user, disbursement=d),
        _("The request is submitted for approval."),
    )  # fmt: skip


@login_required
@require_POST
def disbursement_approve(request, pk: int):
    d = selectors.disbursement_get_for_user(request.user, pk)
    access.require(selectors.can_decide(request.user, d))
    return _act(
        request, d, "approve", CommentForm(request.POST),
        lambda comment: services.disbursement_approve(
            actor=request.user, disbursement=d, comment=comment
        ),
        _("The request is approved; the amount is reserved."),
    )  # fmt: skip


@login_required
@require_POST
def disbursement_reject(request, pk: int):
    d = selectors.disbursement_get_for_user(request.user, pk)
    access.require(selectors.can_decide(request.user, d))
    return _act(
        request, d, "reject", RejectForm(request.POST),
        lambda comment: services.disbursement_reject(
            actor=request.user, disbursement=d, comment=comment
        ),
        _("The request is rejected."),
    )  # fmt: skip


@login_required
@require_POST
def disbursement_pay(request, pk: int):
    d = selectors.disbursement_get_for_user(request.user, pk)
    access.require(selectors.can_pay(request.user, d))
    return _act(
        request, d, "pay", PayForm(request.POST),
        lambda paid_on, reference: services.disbursement_pay(
            actor=request.user, disbursement=d, paid_on=paid_on, reference=reference
        ),
        _("The payment is recorded in the ledger."),
    )  # fmt: skip


@login_required
@require_POST
def disbursement_reverse(request, pk: int):
    d = selectors.disbursement_get_for_user(request.user, pk)
    access.require(selectors.can_pay(request.user, d))
    return _act(
        request, d, "reverse", ReverseForm(request.POST),
        lambda reason: services.disbursement_reverse(
            actor=request.user, disbursement=d, reason=reason
        ),
        _("The payment is reversed; the ledger keeps both entries."),
    )  # fmt: skip


@login_required
@require_POST
def disbursement_delete(request, pk: int):
    d = selectors.disbursement_get_for_user(request.user, pk, write=True)
    try:
        services.disbursement_delete(actor=request.user, disbursement=d)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("funding:disbursement_detail", d.pk)
    messages.success(request, _("The draft is deleted."))
    return redirect("funding:pairing_funding", d.pairing_id)


@login_required
@require_POST
def receipt_add(request, pk: int):
    d = selectors.disbursement_get_for_user(request.user, pk)
    access.require(
        selectors.can_request(request.user, d.pairing) or selectors.can_pay(request.user, d)
    )
    form = ReceiptForm(request.POST, request.FILES)
    return _act(
        request, d, "receipt", form,
        lambda receipts: services.receipt_add(actor=request.user, disbursement=d, files=receipts),
        _("The files are added."),
    )  # fmt: skip


@login_required
@require_safe
def receipt_download(request, pk: int):
    return stored_file_response(selectors.receipt_get_for_user(request.user, pk))


@login_required
@require_safe
def receipt_thumbnail(request, pk: int):
    return thumbnail_response(selectors.receipt_get_for_user(request.user, pk))


@login_required
@require_POST
def receipt_remove(request, pk: int):
    receipt = selectors.receipt_get_for_user(request.user, pk)
    d = selectors.disbursement_get_for_user(request.user, receipt.disbursement_id, write=True)
    try:
        services.receipt_remove(actor=request.user, receipt=receipt)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The file is removed."))
    return redirect("funding:disbursement_detail", d.pk)


# --- the ledger -----------------------------------------------------------------------------


@login_required
@require_safe
def ledger_list(request):
    _require_funding_reader(request)
    filterset, entries = _filtered(
        LedgerFilter, request, selectors.ledger_list_visible_to(request.user)
    )
    page = page_of(request, entries, PAGE_SIZE)
    return render(
        request,
        "funding/ledger.html",
        {"filter": filterset, "page_obj": page, "entries": list(page.object_list),
         "is_filtered": _is_filtered(filterset)},
    )  # fmt: skip


@login_required
@require_safe
def ledger_export(request, fmt: str):
    """The ledger in scope as a spreadsheet; text that a spreadsheet would run as a formula
    is written as text (twinning.downloads)."""
    _require_funding_reader(request)
    _filterset, entries = _filtered(
        LedgerFilter, request, selectors.ledger_list_visible_to(request.user)
    )
    header = [_("Entry"), _("At"), _("Kind"), _("Account"), _("Amount (yuan)"),
              _("Budget"), _("Pairing number"), _("Request number"), _("Reverses entry"),
              _("Memo"), _("By")]  # fmt: skip
    rows = (
        (
            e.pk,
            _local(e.at),
            e.get_kind_display(),
            e.get_account_display(),
            e.amount,
            str(e.budget),
            e.pairing_id,
            e.disbursement_id or "",
            e.reverses_id or "",
            e.memo,
            e.actor.display_name,
        )  # fmt: skip
        for e in entries.iterator(chunk_size=1000)
    )
    return table_response("ledger", header, rows, fmt)


# --- the pairing's funding tab --------------------------------------------------------------


@login_required
@require_safe
def pairing_funding(request, pk: int):
    pairing = school_selectors.pairing_get_for_user(request.user, pk)
    access.require(selectors.can_read_funding(request.user, pairing))
    # The pairing's money is readable: no second scope query for its rows.
    disbursements = (
        Disbursement.objects.filter(pairing=pairing)
        .select_related("school", "payee_teacher", "requested_by")
        .order_by("-created_at", "-id")
    )
    status = request.GET.get("status")
    if status in DisbursementStatus.values:
        disbursements = disbursements.filter(status=status)
    page = page_of(request, disbursements, PAGE_SIZE)
    funding = selectors.pairing_funding(pairing)
    for allocation in funding["allocations"]:
        # Released by the bureau that holds the budget (which may be above the programme's).
        allocation.can_release = access.can_manage_budget(request.scope, allocation.budget)
    donations = Donation.objects.filter(pairing=pairing).select_related("school")
    context = hub.context(
        request, pairing, "funding", **funding, page_obj=page,
        disbursements=list(page.object_list), status=status,
        statuses=DisbursementStatus.choices,
        can_request=selectors.can_request(request.user, pairing)
        and pairing.status in services.FUNDED_STATUSES and bool(funding["allocations"]),
        can_record_donations=selectors.can_request(request.user, pairing)
        and pairing.status in services.FUNDED_STATUSES,
        donations=list(donations[:SECTION_ROWS]),
        donation_total=selectors.donation_value(donations),
    )  # fmt: skip
    return render(request, "funding/pairing_funding.html", context)


# --- donations in kind ------------------------------------------------------------------


@login_required
@require_safe
def donation_list(request):
    _require_funding_reader(request)
    filterset, donations = _filtered(
        DonationFilter, request, selectors.donation_list_visible_to(request.user)
    )
    page = page_of(request, donations, PAGE_SIZE)
    return render(
        request,
        "funding/donation_list.html",
        {"filter": filterset, "page_obj": page, "donations": list(page.object_list),
         "is_filtered": _is_filtered(filterset),
         "total": selectors.donation_value(donations)},
    )  # fmt: skip


@login_required
@require_safe
def donation_export(request, fmt: str):
    _require_funding_reader(request)
    _filterset, donations = _filtered(
        DonationFilter, request, selectors.donation_list_visible_to(request.user)
    )
    header = [_("Received on"), _("Donor"), _("Category"), _("Items"), _("Quantity"), _("Unit"),
              _("Estimated value (yuan)"), _("Receiving school"), _("Note")]  # fmt: skip
    rows = (
        (
            d.received_on,
            d.donor,
            d.get_category_display(),
            d.items,
            d.quantity,
            d.unit,
            d.estimated_value,
            d.school.name,
            d.note,
        )  # fmt: skip
        for d in donations.iterator(chunk_size=1000)
    )
    return table_response("donations", header, rows, fmt)


def _donation_form(request, pairing, instance=None) -> DonationForm:
    school_ids, _regions = school_selectors.member_ids(pairing)
    return DonationForm(
        _post_data(request), request.FILES or None, instance=instance,
        schools=School.objects.filter(pk__in=school_ids).order_by("name"),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def donation_create(request, pk: int):
    pairing = school_selectors.pairing_get_for_user(request.user, pk)
    access.require(
        selectors.can_request(request.user, pairing),
        _("The coordinators of the pairing's schools and its bureau record donations."),
    )
    form = _donation_form(request, pairing)
    if request.method == "POST" and form.is_valid():
        try:
            donation = services.donation_record(
                actor=request.user, pairing=pairing, evidence=form.cleaned_data["evidence"],
                **form.values(),
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The donation is recorded."))
            return redirect("funding:donation_detail", donation.pk)
    return render(request, "funding/donation_form.html", {"form": form, "pairing": pairing})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def donation_edit(request, pk: int):
    donation = selectors.donation_get_for_user(request.user, pk, write=True)
    form = _donation_form(request, donation.pairing, instance=donation)
    if request.method == "POST" and form.is_valid():
        try:
            services.donation_update(actor=request.user, donation=donation, **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The donation is saved."))
            return redirect("funding:donation_detail", donation.pk)
    return render(
        request, "funding/donation_form.html",
        {"form": form, "pairing": donation.pairing, "donation": donation},
    )  # fmt: skip


def _donation_page(request, donation, evidence_form=None):
    can_write = selectors.can_request(request.user, donation.pairing)
    return render(
        request,
        "funding/donation_detail.html",
        {"donation": donation, "pairing": donation.pairing, "can_write": can_write,
         "evidence": list(donation.evidence.select_related("uploaded_by")),
         "evidence_form": (evidence_form or DonationEvidenceForm()) if can_write else None},
        status=400 if evidence_form is not None else 200,
    )  # fmt: skip


@login_required
@require_safe
def donation_detail(request, pk: int):
    return _donation_page(request, selectors.donation_get_for_user(request.user, pk))


@login_required
@require_POST
def donation_evidence_add(request, pk: int):
    donation = selectors.donation_get_for_user(request.user, pk, write=True)
    form = DonationEvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.donation_evidence_add(
                actor=request.user, donation=donation, files=form.cleaned_data["evidence"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The files are added."))
            return redirect("funding:donation_detail", donation.pk)
    return _donation_page(request, donation, evidence_form=form)


@login_required
@require_POST
def donation_delete(request, pk: int):
    donation = selectors.donation_get_for_user(request.user, pk, write=True)
    services.donation_delete(actor=request.user, donation=donation)
    messages.success(request, _("The donation is deleted."))
    return redirect("funding:pairing_funding", donation.pairing_id)


@login_required
@require_safe
def donation_evidence_download(request, pk: int):
    return stored_file_response(selectors.donation_evidence_get_for_user(request.user, pk))


@login_required
@require_safe
def donation_evidence_thumbnail(request, pk: int):
    return thumbnail_response(selectors.donation_evidence_get_for_user(request.user, pk))
