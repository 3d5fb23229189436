"""Forms of the student aid pages; the services check every rule again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from schools.pairing_forms import DATE_INPUT
from twinning.filters import FilterSet, IntegerFilter
from twinning.forms import FilterForm, MultipleFileField, PlainWidgets

from .filters import AccessLogApiFilter
from .models import (
    AidApplication,
    AidForm,
    AidReview,
    AidScheme,
    AidStatus,
    AidStep,
    Student,
)


class StudentFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Name or class"), method="filter_q")
    grade = filters.ChoiceFilter(choices=Student._meta.get_field("grade").choices, label=_("Grade"))

    class Meta:
        model = Student
        fields = ["q", "grade"]
        form = FilterForm

    def filter_q(self, queryset, name, value):
        from django.db.models import Q

        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(class_name__icontains=value))


class ApplicationFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Student's name"), method="filter_q")
    status = filters.ChoiceFilter(choices=AidStatus.choices, label=_("Status"))
    scheme = filters.ModelChoiceFilter(queryset=AidScheme.objects.all(), label=_("Scheme"))
    school_year = IntegerFilter(label=_("School year"), min_value=2000, max_value=2100)

    class Meta:
        model = AidApplication
        fields = ["q", "status", "scheme", "school_year"]
        form = FilterForm

    def __init__(self, *args, schemes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if schemes is not None:
            self.filters["scheme"].queryset = schemes

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(student__name__icontains=value) if value else queryset


class AccessLogFilter(AccessLogApiFilter):
    """The access log page's search: who read or whose details were read (by name), what
    was done, and the days; the API's student and user ids stay, hidden, for links."""

    q = django_filters.CharFilter(label=_("Who, or the student"), method="filter_q")
    date_from = django_filters.DateFilter(label=_("From"), method="filter_from",
                                          widget=DATE_INPUT)  # fmt: skip
    date_to = django_filters.DateFilter(label=_("To"), method="filter_to",
                                        widget=DATE_INPUT)  # fmt: skip

    class Meta(AccessLogApiFilter.Meta):
        fields = ["q", "action", "date_from", "date_to", "student", "user"]
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["action"].label = _("What")
        for name in ("student", "user"):
            self.filters[name].extra["widget"] = forms.HiddenInput

    def filter_q(self, queryset, name, value):
        from django.db.models import Q

        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(user__full_name__icontains=value) | Q(user__username__icontains=value)
            | Q(student__name__icontains=value)
        )  # fmt: skip

    # Whole days in the platform's time zone, as bounds on the indexed moment.
    def filter_from(self, queryset, name, value):
        return queryset.filter(at__gte=_day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(at__lt=_day_start(value + dt.timedelta(days=1)))


def _day_start(day):
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


class StudentForm(PlainWidgets, forms.ModelForm):
    class Meta:
        model = Student
        fields = ["school", "name", "gender", "grade", "class_name", "guardian_name",
                  "guardian_phone", "note"]  # fmt: skip
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["school"].empty_label = None
        if self.instance.pk:
            del self.fields["school"]


class TiersField(forms.CharField):
    """Tiers, one a line: a name and an amount (一档 2000) or what is given (一档 冬衣一套)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value):
        tiers = []
        for line in (super().to_python(value) or "").splitlines():
            parts = line.split(None, 1)
            if not parts:
                continue
            name, rest = parts[0], (parts[1].strip() if len(parts) > 1 else "")
            try:
                tiers.append({"name": name, "amount": Decimal(rest), "items": ""})
            except InvalidOperation:
                tiers.append({"name": name, "amount": None, "items": rest})
        return tiers


class SchemeForm(PlainWidgets, forms.ModelForm):
    region = forms.ModelChoiceField(label=_("Region"), queryset=None, empty_label=None)
    tiers = TiersField(
        label=_("Tiers"),
        help_text=_("One a line: the tier and its amount a period (一档 2000), or for aid in "
                    "kind what it gives (一档 冬衣一套)."),
    )  # fmt: skip

    class Meta:
        model = AidScheme
        fields = ["region", "name", "kind", "form", "period", "notice_days", "description",
                  "is_active"]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        if self.instance.pk:
            for name in ("region", "kind", "form", "period", "tiers"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if "tiers" in self.fields and data.get("form") == AidForm.MONEY:
            if any(t["amount"] is None for t in data.get("tiers") or []):
                self.add_error("tiers", _("Give each tier an amount in yuan."))
        return data


class ApplicationForm(PlainWidgets, forms.Form):
    scheme = forms.ModelChoiceField(label=_("Scheme"), queryset=None)
    tier = forms.CharField(label=_("Tier"), max_length=30, help_text=_("e.g. 一档"))
    school_year = forms.IntegerField(
        label=_("School year"), min_value=2000, max_value=2100,
        help_text=_("The calendar year in which the school year starts."),
    )  # fmt: skip
    term = forms.TypedChoiceField(
        label=_("Term"), required=False, coerce=int, empty_value=None,
        choices=[("", _("The whole year")), (1, _("Term 1")), (2, _("Term 2"))],
    )  # fmt: skip

    def __init__(self, *args, schemes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = schemes

    def clean(self):
        data = super().clean()
        scheme, name = data.get("scheme"), (data.get("tier") or "").strip()
        if scheme and name:
            tier = scheme.tiers.filter(name=name).first()
            if tier is None:
                names = ", ".join(t.name for t in scheme.tiers.all())
                self.add_error("tier", _("The tiers of this scheme: %(names)s.") % {"names": names})
            data["tier"] = tier
        return data


class StepForm(PlainWidgets, forms.Form):
    step = forms.ChoiceField(label=_("Step"), choices=AidStep.choices)
    done_on = forms.DateField(label=_("Done on"), widget=DATE_INPUT)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )
    files = MultipleFileField(
        label=_("Files"), required=False, limit=20,
        help_text=_("The guardian's signed form, the home-visit record, the review minutes."),
    )  # fmt: skip


class NoticeForm(PlainWidgets, forms.Form):
    school = forms.ModelChoiceField(label=_("School"), queryset=None, empty_label=None)
    scheme = forms.ModelChoiceField(label=_("Scheme"), queryset=None, empty_label=None)
    period = forms.CharField(
        label=_("Period"), max_length=10, help_text=_("2026 for a school year, 2026-1 for a term.")
    )
    starts_on = forms.DateField(label=_("First day"), widget=DATE_INPUT)

    def __init__(self, *args, schools, schemes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["scheme"].queryset = schemes


class ObjectionForm(PlainWidgets, forms.Form):
    received_on = forms.DateField(label=_("Received on"), widget=DATE_INPUT)
    content = forms.CharField(
        label=_("Objection"), max_length=4000, widget=forms.Textarea({"rows": 2})
    )


class ResolveForm(PlainWidgets, forms.Form):
    resolution = forms.CharField(
        label=_("What was found"), max_length=4000, widget=forms.Textarea({"rows": 2})
    )
    upheld = forms.BooleanField(
        label=_("The objection is upheld (the application is rejected)"), required=False
    )


class AidPayForm(PlainWidgets, forms.Form):
    paid_on = forms.DateField(label=_("Paid or given on"), widget=DATE_INPUT)
    reference = forms.CharField(
        label=_("Payment reference"), max_length=60, required=False,
        help_text=_("The voucher number (凭证号); for aid in kind, what was handed over."),
    )  # fmt: skip


class ReviewForm(PlainWidgets, forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=AidReview.Decision.choices)
    tier = forms.CharField(
        label=_("New tier"), max_length=30, required=False,
        help_text=_("Only when the tier changes."),
    )  # fmt: skip
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )
