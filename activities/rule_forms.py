"""The forms of a programme's exchange targets (its rules page)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from twinning.forms import PlainWidgets

from .models import ActivityKind, TargetPeriod, TargetSide, TargetSubject

MAX_MINIMUM = 1000


class TargetChangeForm(PlainWidgets, forms.Form):
    minimum = forms.IntegerField(label=_("At least"), min_value=1, max_value=MAX_MINIMUM)
    period = forms.ChoiceField(label=_("Per"), choices=TargetPeriod.choices)
    side = forms.ChoiceField(
        label=_("Counted at"), choices=TargetSide.choices,
        help_text=_("Activities count at their host school; secondment days at the school "
                    "that sends the person."),
    )  # fmt: skip


class TargetForm(TargetChangeForm):
    subject = forms.ChoiceField(label=_("What is counted"), choices=TargetSubject.choices)
    kind = forms.ModelChoiceField(
        label=_("Kind of activity"), queryset=ActivityKind.objects.none(), required=False,
        help_text=_("For a target of activities."),
    )  # fmt: skip
    field_order = ["subject", "kind", "minimum", "period", "side"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = ActivityKind.objects.filter(is_active=True)

    def clean(self):
        data = super().clean()
        subject, kind = data.get("subject"), data.get("kind")
        if subject == TargetSubject.ACTIVITY and kind is None:
            self.add_error("kind", _("Choose the kind of activity the target counts."))
        if subject == TargetSubject.SECONDMENT_DAYS:
            data["kind"] = None
        return data
