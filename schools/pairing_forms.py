"""Forms of the pairing pages. They parse input only; the services hold the rules.

Choices come from lists the view has already loaded (the pairing's members, its
goals), so rendering the small forms of the pairing page costs no query.
"""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from twinning.attachments import AGREEMENT_TYPES, validate_attachment
from twinning.calendar import school_year_of, today
from twinning.forms import FilterForm, PlainWidgets

from . import filters
from .forms import PageFilterMixin
from .models import (
    LeadingGroupMember,
    NeedsAssessment,
    NeedsDimension,
    Pairing,
    PairingMember,
    PairingStatus,
    PeriodKind,
    Programme,
    School,
)

AGREEMENT_EXTENSIONS = sorted(AGREEMENT_TYPES)
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def school_label(school: School) -> str:
    return f"{school.name} ({school.code})"


class SchoolChoiceField(forms.TypedChoiceField):
    """A choice among schools already in memory; cleans to the School object."""

    def __init__(self, schools, **kwargs):
        self._schools = {str(s.pk): s for s in schools}
        super().__init__(
            choices=[("", "---------")] + [(str(s.pk), s.name) for s in schools],
            coerce=lambda pk: self._schools[pk],
            **kwargs,
        )


class GoalChoiceField(forms.TypedChoiceField):
    def __init__(self, goals, **kwargs):
        self._goals = {str(g.pk): g for g in goals}
        super().__init__(
            choices=[("", _("— none: a goal of its own —"))]
            + [(str(g.pk), f"{g.school_year} · {g.title}") for g in goals],
            coerce=lambda pk: self._goals[pk],
            empty_value=None,
            **kwargs,
        )


class CandidateSchoolField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return school_label(obj)


class CandidateSchoolsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return school_label(obj)


# --- list ----------------------------------------------------------------------


class PairingFilter(PageFilterMixin, filters.PairingFilter):
    """The API's pairing filters (one definition of what each means) plus a search box."""

    q = django_filters.CharFilter(label=_("School name or code"), method="filter_q")
    # Reached through links (a school's page, by id); hidden.
    school = filters.IdFilter(method="filter_school", label=_("School"), widget=forms.HiddenInput)
    page_labels = {"programme": _("Programme"), "status": _("Status")}

    class Meta(filters.PairingFilter.Meta):
        fields = ["q", *filters.PairingFilter.Meta.fields]
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A drop-down of every school of a province would be unusable.
        self.suggest_box(
            "school_code",
            label=_("School"),
            help_text=_("The 10-digit school code; type part of a name to get suggestions."),
            datalist="school-suggestions",
            endpoint=reverse_lazy("api:school-list"),
            placeholder=_("School code"),
        )

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        matching = PairingMember.objects.filter(
            Q(school__name__icontains=value) | Q(school__code__startswith=value)
        ).values("pairing_id")
        return queryset.filter(id__in=matching)


# --- create and edit -------------------------------------------------------------


class ProgrammeChoiceForm(PlainWidgets, forms.Form):
    """Step one of a new pairing: the programme (its kind decides the next form)."""

    programme = forms.TypedChoiceField(label=_("Programme"), coerce=int)

    def __init__(self, *args, programmes: list[Programme], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", "---------")] + [
            (p.pk, f"{p.name} · {p.region.name} · {p.start_year}") for p in programmes
        ]


class PairingSchoolsMixin:
    """Helping school and assisted school(s): one or several by the programme's kind."""

    def add_school_fields(self, programme: Programme, candidates) -> None:
        self.fields["helping_school"] = CandidateSchoolField(
            label=_("Helping school"), queryset=candidates
        )
        if programme.pairing_kind == Programme.PairingKind.ONE_TO_MANY:
            self.fields["assisted_schools"] = CandidateSchoolsField(
                label=_("Assisted schools"),
                queryset=candidates,
                help_text=_("Choose up to %(n)d schools.")
                % {"n": programme.allowed_assisted_schools},
                widget=forms.SelectMultiple(attrs={"size": 8}),
            )
        else:
            self.fields["assisted_schools"] = CandidateSchoolField(
                label=_("Assisted school"), queryset=candidates
            )

    def assisted_list(self) -> list[School]:
        value = self.cleaned_data["assisted_schools"]
        return [value] if isinstance(value, School) else list(value)


class PairingCreateForm(PairingSchoolsMixin, forms.Form):
    goals_summary = forms.CharField(
        label=_("Aims of the pairing"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    propose_now = forms.BooleanField(
        label=_("Propose right away"),
        required=False,
        help_text=_("Send the pairing to the bureau for approval as soon as it is saved."),
    )

    def __init__(self, *args, programme: Programme, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_school_fields(programme, candidates)
        self.order_fields(["helping_school", "assisted_schools", "goals_summary", "propose_now"])


def validate_agreement_file(upload: UploadedFile) -> None:
    validate_attachment(upload)


class PairingEditForm(PairingSchoolsMixin, forms.Form):
    agreement_signed_on = forms.DateField(
        label=_("Agreement signed on"), required=False, widget=DATE_INPUT
    )
    agreement_start = forms.DateField(label=_("Agreement start"), required=False, widget=DATE_INPUT)
    agreement_end = forms.DateField(label=_("Agreement end"), required=False, widget=DATE_INPUT)
    agreement_file = forms.FileField(
        label=_("Agreement file"),
        required=False,
        help_text=_("PDF, Word, JPG or PNG."),
        # A plain input: the clearable one links to the media URL, which is not served.
        widget=forms.FileInput(attrs={"accept": ",".join(f".{e}" for e in AGREEMENT_EXTENSIONS)}),
    )
    goals_summary = forms.CharField(
        label=_("Aims of the pairing"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, pairing: Pairing, candidates=None, **kwargs):
        members = list(pairing.members.all())
        kwargs.setdefault(
            "initial",
            {
                "agreement_signed_on": pairing.agreement_signed_on,
                "agreement_start": pairing.agreement_start,
                "agreement_end": pairing.agreement_end,
                "agreement_file": pairing.agreement_file,
                "goals_summary": pairing.goals_summary,
                "helping_school": pairing.helping_school_id,
            },
        )
        super().__init__(*args, **kwargs)
        self.pairing = pairing
        self.current_assisted = [m.school for m in members if m.role == PairingMember.Role.ASSISTED]
        self.edits_schools = pairing.status == PairingStatus.DRAFT and candidates is not None
        if self.edits_schools:
            self.add_school_fields(pairing.programme, candidates)
            field = self.fields["assisted_schools"]
            self.initial["assisted_schools"] = (
                [s.pk for s in self.current_assisted]
                if isinstance(field, forms.ModelMultipleChoiceField)
                else (self.current_assisted[0].pk if self.current_assisted else None)
            )
            self.order_fields(["helping_school", "assisted_schools"])
        if pairing.agreement_file:
            self.fields["remove_agreement_file"] = forms.BooleanField(
                label=_("Remove the current agreement file"), required=False
            )
            order = [name for name in self.fields if name != "remove_agreement_file"]
            order.insert(order.index("agreement_file") + 1, "remove_agreement_file")
            self.order_fields(order)
        self.fields["agreement_file"].help_text = _("PDF, Word, JPG or PNG, at most %(limit)s.") % {
            "limit": filesizeformat(settings.MAX_ATTACHMENT_BYTES)
        }

    def clean_agreement_file(self):
        value = self.cleaned_data.get("agreement_file")
        if isinstance(value, UploadedFile):
            validate_agreement_file(value)
        return value

    def changes(self) -> dict:
        """The keyword arguments for ``services.pairing_update``: only what changed."""
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in ("agreement_signed_on", "agreement_start", "agreement_end", "goals_summary")
        }
        upload = data.get("agreement_file")
        if isinstance(upload, UploadedFile):
            fields["agreement_file"] = upload
        elif data.get("remove_agreement_file"):
            fields["agreement_file"] = ""
        if self.edits_schools:
            helping = data["helping_school"]
            assisted = self.assisted_list()
            if helping.pk != self.pairing.helping_school_id:
                fields["helping_school"] = helping
            if {s.pk for s in assisted} != {s.pk for s in self.current_assisted}:
                fields["assisted_schools"] = assisted
        return fields


# --- lifecycle -------------------------------------------------------------------


class TransitionForm(PlainWidgets, forms.Form):
    """What the transitions take. Which of them are required is the services' rule."""

    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    agreement_signed_on = forms.DateField(
        label=_("Agreement signed on"), required=False, widget=DATE_INPUT
    )


# --- needs, plan, leading group, contacts ------------------------------------------


class NeedsForm(PlainWidgets, forms.Form):
    school = forms.Field(label=_("School"))
    dimension = forms.ChoiceField(label=_("Dimension"), choices=NeedsDimension.choices)
    rating = forms.TypedChoiceField(
        label=_("Current level"), choices=NeedsAssessment.Rating.choices, coerce=int
    )
    findings = forms.CharField(
        label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    needs = forms.CharField(
        label=_("What is needed"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"] = SchoolChoiceField(schools, label=_("School"))
        self.order_fields(["school", "dimension", "rating", "findings", "needs"])


class GoalForm(PlainWidgets, forms.Form):
    school = forms.Field(label=_("School"))
    parent = forms.Field(label=_("Part of"), required=False)
    title = forms.CharField(label=_("Goal"), max_length=200)
    dimension = forms.ChoiceField(
        label=_("Dimension"), required=False, choices=[("", "---------"), *NeedsDimension.choices]
    )
    target_value = forms.DecimalField(
        label=_("Target"), max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    unit = forms.CharField(label=_("Unit"), max_length=20, help_text=_("e.g. 名, 门, %"))
    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    school_year = forms.IntegerField(
        label=_("School year"),
        min_value=2000,
        max_value=2100,
        help_text=_("The calendar year in which the school year starts."),
    )
    period_number = forms.IntegerField(
        label=_("Term, quarter or month"),
        required=False,
        min_value=1,
        max_value=12,
        help_text=_("Term 1–2, quarter 1–4 or month 1–12; empty for a whole school year."),
    )

    def __init__(self, *args, schools, goals, **kwargs):
        kwargs.setdefault(
            "initial", {"school_year": school_year_of(today()), "period_kind": "year"}
        )
        super().__init__(*args, **kwargs)
        self.fields["school"] = SchoolChoiceField(schools, label=_("School"))
        self.fields["parent"] = GoalChoiceField(goals, label=_("Part of"), required=False)
        self.order_fields(["school", "parent", "title", "dimension"])


class ProgressForm(PlainWidgets, forms.Form):
    value = forms.DecimalField(
        label=_("Achieved so far"), max_digits=10, decimal_places=2, min_value=0
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class LeadingGroupForm(PlainWidgets, forms.Form):
    school = forms.Field(label=_("School"))
    name = forms.CharField(label=_("Name"), max_length=50)
    title = forms.CharField(label=_("Job title"), max_length=80, required=False)
    position = forms.ChoiceField(label=_("Position"), choices=LeadingGroupMember.Position.choices)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"] = SchoolChoiceField(schools, label=_("School"))
        self.order_fields(["school", "name", "title", "position"])


class ContactForm(PlainWidgets, forms.Form):
    school = forms.Field(label=_("School"))
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email"), required=False)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"] = SchoolChoiceField(schools, label=_("School"))
        self.order_fields(["school", "name", "phone", "email"])
