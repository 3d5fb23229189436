"""Filters of the funding lists in the API (budgets, allocations, disbursements, the ledger)
and of the scope's totals."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from twinning.filters import FilterSet, IdFilter, IntegerFilter

from .models import (
    Account,
    Allocation,
    Budget,
    Disbursement,
    DisbursementStatus,
    Donation,
    DonationCategory,
    EntryKind,
    LedgerEntry,
    Purpose,
    StudentAccessLog,
)

# The fiscal years a budget may have (funding.models.Budget.fiscal_year).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def fiscal_year_filter(field_name: str = "fiscal_year") -> IntegerFilter:
    return IntegerFilter(
        field_name=field_name, min_value=FIRST_YEAR, max_value=LAST_YEAR, label=_("fiscal year")
    )


class BudgetFilter(FilterSet):
    fiscal_year = fiscal_year_filter()
    programme = IdFilter(field_name="programme", label=_("programme"))
    region = IdFilter(field_name="region", label=_("region"))

    class Meta:
        model = Budget
        fields = ["fiscal_year", "programme", "region"]


class AllocationFilter(FilterSet):
    pairing = IdFilter(field_name="pairing", label=_("pairing"))
    budget = IdFilter(field_name="budget", label=_("budget"))

    class Meta:
        model = Allocation
        fields = ["pairing", "budget"]


class DisbursementFilter(FilterSet):
    status = filters.ChoiceFilter(choices=DisbursementStatus.choices, label=_("status"))
    purpose = filters.ChoiceFilter(choices=Purpose.choices, label=_("purpose"))
    pairing = IdFilter(field_name="pairing", label=_("pairing"))

    class Meta:
        model = Disbursement
        fields = ["status", "purpose", "pairing"]


class LedgerFilter(FilterSet):
    pairing = IdFilter(field_name="pairing", label=_("pairing"))
    kind = filters.ChoiceFilter(choices=EntryKind.choices, label=_("kind"))
    account = filters.ChoiceFilter(choices=Account.choices, label=_("account"))
    budget = IdFilter(field_name="budget", label=_("budget"))

    class Meta:
        model = LedgerEntry
        fields = ["pairing", "kind", "account", "budget"]


class TotalsFilter(FilterSet):
    """The totals' parameters; funding.selectors.totals_for applies them to both the
    ledger and the approved disbursements."""

    programme = IdFilter(field_name="budget__programme", label=_("programme"))
    fiscal_year = fiscal_year_filter("budget__fiscal_year")

    class Meta:
        model = LedgerEntry
        fields = ["programme", "fiscal_year"]


class DonationFilter(FilterSet):
    category = filters.ChoiceFilter(choices=DonationCategory.choices, label=_("category"))
    pairing = IdFilter(field_name="pairing", label=_("pairing"))
    school = IdFilter(field_name="school", label=_("receiving school"))
    received_from = filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label=_("received from")
    )
    received_to = filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label=_("received until")
    )

    class Meta:
        model = Donation
        fields = ["category", "pairing", "school", "received_from", "received_to"]


class AccessLogApiFilter(FilterSet):
    """The student access log's filters (the API's; the page adds its search,
    funding.aid_forms.AccessLogFilter)."""

    student = IdFilter(field_name="student", label=_("student"))
    user = IdFilter(field_name="user", label=_("who"))
    action = filters.ChoiceFilter(choices=StudentAccessLog.Action.choices, label=_("what"))

    class Meta:
        model = StudentAccessLog
        fields = ["student", "user", "action"]
