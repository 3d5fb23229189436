"""Forms of the funding pages; the services check every rule again."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from schools.filters import InRegionFilterSet, region_code_filter, visible_regions
from schools.forms import PageFilterMixin
from schools.pairing_forms import DATE_INPUT
from twinning.filters import IdFilter, IntegerFilter
from twinning.forms import FilterForm, MultipleFileField, PlainWidgets

from . import filters as api_filters
from .models import (
    Budget,
    Disbursement,
    Donation,
    DonationCategory,
    LedgerEntry,
    PayeeKind,
    Purpose,
)
from .services.money import MAX_RECEIPTS

# --- lists ----------------------------------------------------------------------------------


class DisbursementFilter(PageFilterMixin, InRegionFilterSet, api_filters.DisbursementFilter):
    """The API's filters (status, purpose, pairing) with the page's search, region and
    dates."""

    q = django_filters.CharFilter(label=_("Payee or description"), method="filter_q")
    page_labels = {"status": _("Status"), "purpose": _("Purpose")}
    region = filters.ModelChoiceFilter(
        queryset=visible_regions, method="filter_region", label=_("region")
    )
    region_code = region_code_filter()
    date_from = filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("From")
    )
    date_to = filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = Disbursement
        fields = ["q", "status", "purpose", "date_from", "date_to", "region", "region_code",
                  "pairing"]  # fmt: skip
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["pairing"].extra["widget"] = forms.HiddenInput
        for name in ("date_from", "date_to"):
            self.filters[name].extra["widget"] = DATE_INPUT

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(description__icontains=value)
            | Q(payee_teacher__name__icontains=value)
            | Q(school__name__icontains=value)
            | Q(payment_reference=value)
        )


class LedgerFilter(PageFilterMixin, InRegionFilterSet, api_filters.LedgerFilter):
    """The API's filters (kind, account, pairing, budget) with the page's fiscal year,
    region and dates."""

    page_labels = {"kind": _("Kind"), "account": _("Account")}
    fiscal_year = IntegerFilter(
        field_name="budget__fiscal_year", label=_("Fiscal year"), min_value=2000, max_value=2100
    )
    region = filters.ModelChoiceFilter(
        queryset=visible_regions, method="filter_region", label=_("region")
    )
    region_code = region_code_filter()
    date_from = filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("From"))
    date_to = filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = LedgerEntry
        fields = ["kind", "account", "fiscal_year", "date_from", "date_to", "region",
                  "region_code", "pairing", "budget"]  # fmt: skip
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("pairing", "budget"):
            self.filters[name].extra["widget"] = forms.HiddenInput
        for name in ("date_from", "date_to"):
            self.filters[name].extra["widget"] = DATE_INPUT


class OverviewFilter(PlainWidgets, forms.Form):
    """The overview's programme and fiscal year (a bureau runs a few programmes)."""

    programme = forms.TypedChoiceField(label=_("Programme"), required=False, coerce=int)
    fiscal_year = forms.IntegerField(
        label=_("Fiscal year"), required=False, min_value=2000, max_value=2100
    )

    def __init__(self, *args, programmes: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("All programmes")), *programmes]


# --- budgets --------------------------------------------------------------------------------


class BudgetForm(PlainWidgets, forms.ModelForm):
    region = forms.ModelChoiceField(label=_("Region"), queryset=None, empty_label=None)
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=14, decimal_places=2)

    class Meta:
        model = Budget
        fields = ["region", "programme", "source", "fiscal_year", "amount", "purpose",
                  "ring_fenced"]  # fmt: skip
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, regions, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["programme"].queryset = programmes
        if self.instance.pk:
            # A budget stays with its region.
            del self.fields["region"]

    def _get_validation_exclusions(self):
        # The service checks the programme against the region and names the field.
        return super()._get_validation_exclusions() | {"programme", "amount"}


class AllocateForm(PlainWidgets, forms.Form):
    """Allocate to one pairing, by its number, or to all of the programme's pairings."""

    pairing = forms.IntegerField(
        label=_("Pairing number"), required=False, min_value=1, max_value=2**31 - 1,
        help_text=_("Leave empty to allocate to every approved or active pairing of the "
                    "programme that has no allocation from this budget yet."),
    )  # fmt: skip
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), required=False, max_digits=14, decimal_places=2,
        help_text=_("Leave empty for the programme's funding per pairing."),
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("amount") is not None and not data.get("pairing"):
            # An amount is one pairing's: never the default of every pairing instead.
            self.add_error("amount", _("Name the pairing this amount is for."))
        return data


# --- disbursements ----------------------------------------------------------------------------


class NamedChoiceField(forms.ModelChoiceField):
    """A choice of records, labelled by the view (a budget by its name, a secondment by
    person and dates)."""


class TeacherChoiceField(forms.ModelChoiceField):
    """A teacher of the pair, told apart from a namesake: name, school, and the staff
    number or subjects where there is one ("王芳 · 江城实验小学 · 0231")."""

    def label_from_instance(self, teacher) -> str:
        extra = teacher.staff_number or teacher.subjects
        parts = [teacher.name, teacher.school.name, *([extra] if extra else [])]
        return " · ".join(parts)


class DisbursementForm(PlainWidgets, forms.ModelForm):
    allocation = NamedChoiceField(label=_("Paid from"), queryset=None, empty_label=None)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), required=False, max_digits=14, decimal_places=2,
        help_text=_("A meal allowance is computed from the secondment: 40 yuan a working day."),
    )  # fmt: skip
    secondment = NamedChoiceField(label=_("Secondment"), queryset=None, required=False)
    payee_teacher = TeacherChoiceField(label=_("Teacher paid"), queryset=None, required=False)
    activity = NamedChoiceField(label=_("Activity"), queryset=None, required=False)
    period_start = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    period_end = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)
    receipts = MultipleFileField(
        label=_("Receipts or invoices"), required=False, limit=MAX_RECEIPTS,
        help_text=_("Photos, PDF or Office files."),
    )  # fmt: skip

    class Meta:
        model = Disbursement
        fields = ["allocation", "purpose", "payee_kind", "school", "payee_teacher", "amount",
                  "secondment", "period_start", "period_end", "activity",
                  "description"]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, allocations, schools, teachers, secondments, activities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allocation"].queryset = allocations
        self.fields["school"].queryset = schools
        self.fields["school"].empty_label = None
        # A meal allowance pays the seconded teacher: the service fills payee and school.
        self.fields["school"].required = False
        self.fields["payee_kind"].required = False
        self.fields["payee_teacher"].queryset = teachers
        self.fields["secondment"].queryset = secondments
        self.fields["activity"].queryset = activities
        self.fields["purpose"].choices = [c for c in Purpose.choices if c[0] != Purpose.STUDENT_AID]
        self.fields["payee_kind"].choices = [
            c for c in PayeeKind.choices if c[0] != PayeeKind.STUDENT
        ]
        if self.instance.pk:
            del self.fields["receipts"]

    def _get_validation_exclusions(self):
        # The service fills and checks these (a meal allowance's amount and payee).
        return super()._get_validation_exclusions() | {"amount", "school", "period_end"}

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("receipts", None)
        return data


class CommentForm(PlainWidgets, forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )


class RejectForm(PlainWidgets, forms.Form):
    comment = forms.CharField(
        label=_("Why is it rejected?"), max_length=2000, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        # Shown beside the approval's comment box: its own ids, so each label finds its box.
        kwargs.setdefault("auto_id", "id_reject_%s")
        super().__init__(*args, **kwargs)


class PayForm(PlainWidgets, forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE_INPUT)
    reference = forms.CharField(
        label=_("Payment reference"), max_length=60, help_text=_("The voucher number (凭证号).")
    )


class ReverseForm(PlainWidgets, forms.Form):
    reason = forms.CharField(
        label=_("Why is the payment reversed?"), max_length=2000,
        widget=forms.Textarea({"rows": 2}),
    )  # fmt: skip


class ReceiptForm(PlainWidgets, forms.Form):
    # Prefixed: the request's page also holds the other forms.
    prefix = "more"

    receipts = MultipleFileField(
        label=_("Add receipts"), limit=MAX_RECEIPTS, help_text=_("Photos, PDF or Office files.")
    )


# --- donations in kind -----------------------------------------------------------------------


class DonationFilter(PageFilterMixin, InRegionFilterSet):
    q = django_filters.CharFilter(label=_("Donor or items"), method="filter_q")
    category = filters.ChoiceFilter(choices=DonationCategory.choices, label=_("Category"))
    region = filters.ModelChoiceFilter(
        queryset=visible_regions, method="filter_region", label=_("region")
    )
    region_code = region_code_filter()
    pairing = IdFilter(field_name="pairing", label=_("pairing"))
    date_from = filters.DateFilter(field_name="received_on", lookup_expr="gte", label=_("From"))
    date_to = filters.DateFilter(field_name="received_on", lookup_expr="lte", label=_("To"))

    class Meta:
        model = Donation
        fields = ["q", "category", "date_from", "date_to", "region", "region_code", "pairing"]
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["pairing"].extra["widget"] = forms.HiddenInput
        for name in ("date_from", "date_to"):
            self.filters[name].extra["widget"] = DATE_INPUT

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(donor__icontains=value) | Q(items__icontains=value))


class DonationForm(PlainWidgets, forms.ModelForm):
    estimated_value = forms.DecimalField(
        label=_("Estimated value (yuan)"), max_digits=14, decimal_places=2
    )
    received_on = forms.DateField(label=_("Received on"), widget=DATE_INPUT)
    evidence = MultipleFileField(
        label=_("Photos or documents"), required=False, limit=20,
        help_text=_("The handover, a list of the items, a letter of thanks."),
    )  # fmt: skip

    class Meta:
        model = Donation
        fields = ["school", "donor", "category", "items", "quantity", "unit",
                  "estimated_value", "received_on", "note"]  # fmt: skip
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["school"].empty_label = None
        if self.instance.pk:
            del self.fields["evidence"]

    def _get_validation_exclusions(self):
        return super()._get_validation_exclusions() | {"estimated_value"}

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("evidence", None)
        return data


class DonationEvidenceForm(PlainWidgets, forms.Form):
    prefix = "more"

    evidence = MultipleFileField(
        label=_("Add files"), limit=20, help_text=_("Photos, PDF or Office files.")
    )
