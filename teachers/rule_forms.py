"""The forms of a programme's mentorship rules (its page's tab)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from twinning.forms import PlainWidgets

from .models import Filer, Period, RecordKind

MAX_MINIMUM = 1000


class ObligationChangeForm(PlainWidgets, forms.Form):
    minimum = forms.IntegerField(label=_("At least"), min_value=1, max_value=MAX_MINIMUM)
    period = forms.ChoiceField(label=_("Every"), choices=Period.choices)


class ObligationForm(ObligationChangeForm):
    kind = forms.ChoiceField(label=_("Record kind"), choices=RecordKind.choices)
    filer = forms.ChoiceField(
        label=_("Filed by"), choices=[("", _("Mentor or mentee")), *Filer.choices],
        required=False,
    )  # fmt: skip
    partner_lessons_only = forms.BooleanField(
        label=_("Only the partner's lessons"), required=False,
        help_text=_("For observations: count only lessons of the mentor or mentee."),
    )  # fmt: skip
    field_order = ["kind", "filer", "partner_lessons_only", "minimum", "period"]

    def clean(self):
        data = super().clean()
        if data.get("kind") != RecordKind.OBSERVATION:
            data["partner_lessons_only"] = False
        return data


class PolicyForm(PlainWidgets, forms.Form):
    max_mentee_years = forms.IntegerField(
        label=_("Most years of service of a mentee"), min_value=0, max_value=60, required=False,
        help_text=_("Empty: any teacher may be a mentee. Asked when a mentorship is made; "
                    "mentorships already made stay."),
    )  # fmt: skip
