"""Forms of the scorecard pages. They parse input only: evaluation.services checks every
rule (a score's range and places, the evidence's content and count, who takes which
step) and its errors, keyed ``score_<indicator id>``, ``evidence_<id>``, ``override_<id>``,
``reason_<id>``, are the names of these forms' fields, so that
twinning.forms.add_service_errors puts each next to its field."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_filters import rest_framework as filters

from schools.filters import visible_programmes
from schools.models import PairingMember
from twinning.attachments import DOCUMENT_TYPES
from twinning.filters import FilterSet, IntegerFilter
from twinning.forms import FilterForm, MultipleFileField, MultipleFileInput, PlainWidgets

from .models import IndicatorScore, Scorecard, ScorecardStatus
from .services import MAX_EVIDENCE

# A phone offers its camera and photo library for image/*; PDF and Office files as well.
EVIDENCE_ACCEPT = "image/*,application/pdf," + ",".join(f".{ext}" for ext in sorted(DOCUMENT_TYPES))


# --- the list ---------------------------------------------------------------------------


class ScorecardFilter(FilterSet):
    """The scorecard list's programme, step, pairing year and a search on a member
    school's name or 10-digit code."""

    q = django_filters.CharFilter(label=_("School name or code"), method="filter_q", max_length=100)
    programme = filters.ModelChoiceFilter(queryset=visible_programmes, label=_("Programme"))
    status = filters.ChoiceFilter(
        choices=ScorecardStatus.choices, label=pgettext_lazy("scorecard", "Step")
    )
    year = IntegerFilter(field_name="year", label=_("Pairing year"), min_value=1, max_value=20)

    class Meta:
        model = Scorecard
        fields = ["q", "programme", "status", "year"]
        form = FilterForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        schools = Q(school__name__icontains=value) | Q(school__code=value)
        members = PairingMember.objects.filter(schools).values("pairing_id")
        return queryset.filter(pairing_id__in=members)


# --- the workflow's steps ------------------------------------------------------------------


class CommentForm(PlainWidgets, forms.Form):
    """An optional comment on a step (submit, confirm, finish, finalise). Several are on
    the scorecard's page: each gets its own ids (``auto_id``)."""

    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=2000,
        widget=forms.Textarea({"rows": 2}),
    )  # fmt: skip


class ReturnForm(PlainWidgets, forms.Form):
    comment = forms.CharField(
        label=_("What should the helping school change?"), max_length=2000,
        widget=forms.Textarea({"rows": 2}),
    )  # fmt: skip


class ReopenForm(PlainWidgets, forms.Form):
    reason = forms.CharField(
        label=_("Why is the scorecard reopened?"), max_length=2000,
        widget=forms.Textarea({"rows": 2}),
    )  # fmt: skip


# --- scoring ---------------------------------------------------------------------------


def _points_input(maximum) -> forms.NumberInput:
    return forms.NumberInput(
        attrs={"step": "0.1", "min": "0", "max": str(maximum), "inputmode": "decimal"}
    )


def _text(label) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=4000, widget=forms.Textarea({"rows": 2})
    )


class _ScoresForm(PlainWidgets, forms.Form):
    """One group of fields per indicator score of ``scores`` (IndicatorScore with their
    indicator), named ``<what>_<indicator id>``. Scores are typed text: the service
    parses them and says what is wrong, at the field."""

    def __init__(self, *args, scores: list[IndicatorScore], **kwargs):
        super().__init__(*args, **kwargs)
        self.scores = scores
        for score in scores:
            self.add_fields(score)

    def add_fields(self, score: IndicatorScore) -> None:
        raise NotImplementedError

    def value(self, name: str, indicator_id: int):
        return self.cleaned_data.get(f"{name}_{indicator_id}")

    def groups(self) -> list[dict]:
        """Each indicator with its bound fields, for the page's fieldsets."""
        groups = []
        for score in self.scores:
            suffix = f"_{score.indicator_id}"
            fields = [self[name] for name in self.fields if name.endswith(suffix)]
            groups.append({"score": score, "indicator": score.indicator, "fields": fields})
        return groups


class SelfAssessForm(_ScoresForm):
    """The helping school's self-assessment of the manual indicators: a score, a note and
    evidence files (several at once, from a phone's camera or photo library)."""

    def add_fields(self, score: IndicatorScore) -> None:
        i = score.indicator
        self.fields[f"score_{i.pk}"] = forms.CharField(
            label=_("Self-assessed score (at most %(max)s)") % {"max": i.max_points},
            required=False, max_length=20, widget=_points_input(i.max_points),
        )  # fmt: skip
        self.fields[f"note_{i.pk}"] = _text(_("What was done, and where the evidence shows it"))
        self.fields[f"evidence_{i.pk}"] = MultipleFileField(
            label=_("Add evidence"), required=False, limit=MAX_EVIDENCE,
            help_text=_("Photos, scans, PDF or Office files; at most %(max)s for the indicator.")
            % {"max": MAX_EVIDENCE},
            widget=MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
        )  # fmt: skip
        if not self.is_bound:
            self.initial[f"score_{i.pk}"] = score.self_score
            self.initial[f"note_{i.pk}"] = score.self_note

    def entries(self) -> dict:
        return {
            s.indicator_id: {"score": self.value("score", s.indicator_id),
                             "note": self.value("note", s.indicator_id)}
            for s in self.scores
        }  # fmt: skip

    def uploads(self) -> dict:
        return {
            s.indicator_id: self.value("evidence", s.indicator_id)
            for s in self.scores
            if self.value("evidence", s.indicator_id)
        }


class InspectForm(_ScoresForm):
    """The inspector's scores: a score and a comment for each manual indicator, and for an
    automatic one the points that replace the computed ones (empty: the computed points
    stand) with the reason."""

    def add_fields(self, score: IndicatorScore) -> None:
        i = score.indicator
        if i.is_automatic:
            self.fields[f"override_{i.pk}"] = forms.CharField(
                label=_("Points instead of the computed ones (at most %(max)s)")
                % {"max": i.max_points},
                required=False, max_length=20, widget=_points_input(i.max_points),
                help_text=_("Leave empty to keep the computed points."),
            )  # fmt: skip
            self.fields[f"reason_{i.pk}"] = _text(_("Why the computed points are replaced"))
            if not self.is_bound:
                self.initial[f"override_{i.pk}"] = score.override_points
                self.initial[f"reason_{i.pk}"] = score.override_reason
        else:
            self.fields[f"score_{i.pk}"] = forms.CharField(
                label=_("Inspector's score (at most %(max)s)") % {"max": i.max_points},
                required=False, max_length=20, widget=_points_input(i.max_points),
            )  # fmt: skip
            self.fields[f"comment_{i.pk}"] = _text(_("Inspector's comment"))
            if not self.is_bound:
                self.initial[f"score_{i.pk}"] = score.inspector_score
                self.initial[f"comment_{i.pk}"] = score.inspector_comment

    def entries(self) -> dict:
        found = {}
        for s in self.scores:
            pk = s.indicator_id
            if s.indicator.is_automatic:
                found[pk] = {"override": self.value("override", pk),
                             "reason": self.value("reason", pk)}  # fmt: skip
            else:
                found[pk] = {"score": self.value("score", pk), "comment": self.value("comment", pk)}
        return found
