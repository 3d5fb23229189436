"""Forms of the mentorship pages. They parse input only; the services hold the rules."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from schools.forms import PageFilterMixin
from schools.models import School, school_code_validator
from schools.pairing_forms import DATE_INPUT
from twinning import calendar
from twinning.forms import FilterForm, MultipleFileField, PlainWidgets

from . import filters
from .models import (
    LESSON_KINDS,
    REFLECTION_QUESTIONS,
    Filer,
    MentorshipRecord,
    RecordKind,
    Teacher,
)
from .services.mentorships import MAX_TERMS
from .services.records import MAX_ATTACHMENTS, MENTEE_ONLY, MENTOR_ONLY


class MentorshipFilter(PageFilterMixin, filters.MentorshipFilter):
    q = django_filters.CharFilter(label=_("Mentor, mentee or subject"), method="filter_q")
    school_code = django_filters.CharFilter(
        method="filter_school_code", validators=[school_code_validator], label=_("School")
    )
    page_labels = {"status": _("Status")}

    class Meta(filters.MentorshipFilter.Meta):
        fields = ["q", "status", "region", "region_code", "school_code", "school", "pairing"]
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("school", "pairing"):
            self.filters[name].extra["widget"] = forms.HiddenInput
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
        return queryset.filter(
            Q(mentor__name__icontains=value)
            | Q(mentee__name__icontains=value)
            | Q(subject__icontains=value)
        )

    def filter_school_code(self, queryset, name, value):
        if not value:
            return queryset
        # The school's id first: an OR of two indexed columns is read off both indexes,
        # where an OR across two joins to the school table scanned every mentorship.
        school_id = School.objects.filter(code=value).values_list("pk", flat=True).first()
        if school_id is None:
            return queryset.none()
        return queryset.filter(Q(school_id=school_id) | Q(mentor_school_id=school_id))


class TeacherChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, teacher: Teacher) -> str:
        years = teacher.years_of_service
        service = _("%(years)s years of service") % {"years": years} if years is not None else ""
        return " · ".join(p for p in (teacher.name, teacher.school.name, teacher.subjects,
                                      str(service)) if p)  # fmt: skip


class MentorshipForm(PlainWidgets, forms.Form):
    mentor = TeacherChoiceField(queryset=Teacher.objects.none(), label=_("Mentor"))
    mentee = TeacherChoiceField(queryset=Teacher.objects.none(), label=_("Mentee"))
    subject = forms.CharField(label=_("Subject"), max_length=50)
    start = forms.DateField(
        label=_("Start"), widget=DATE_INPUT,
        help_text=_("It runs to the end of a term."),
    )  # fmt: skip
    terms = forms.TypedChoiceField(
        label=_("Length"), coerce=int, initial=1,
        choices=[(n, _("%(n)s term(s)") % {"n": n}) for n in range(1, MAX_TERMS + 1)],
    )  # fmt: skip
    agreement_text = forms.CharField(
        label=_("Agreement (带教协议)"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the mentor and the mentee undertake; each of them accepts it."),
    )  # fmt: skip
    agreement_file = forms.FileField(
        label=_("Signed agreement"), required=False,
        help_text=_("Optional: a scan or photo, PDF or Word file."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.doc,.docx,.jpg,.png,image/*"}),
    )  # fmt: skip
    eligibility_override = forms.CharField(
        label=_("Reason for an exception"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bureau staff only: when the mentee is beyond the programme's rule on "
                    "years of service."),
    )  # fmt: skip

    def __init__(self, *args, teachers, can_grant: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = teachers
        self.fields["mentee"].queryset = teachers
        self.fields["start"].initial = calendar.today()
        if not can_grant:
            del self.fields["eligibility_override"]


def kinds_for(side: str) -> list[tuple[str, str]]:
    excluded = MENTEE_ONLY if side == Filer.MENTOR else MENTOR_ONLY
    return [(value, label) for value, label in RecordKind.choices if value not in excluded]


class RecordForm(PlainWidgets, forms.Form):
    """A record as the mentor or the mentee files it; short enough for a phone."""

    kind = forms.ChoiceField(label=_("What"))
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    lesson_subject = forms.CharField(label=_("Lesson subject"), max_length=50, required=False)
    lesson_class = forms.CharField(
        label=_("Class"), max_length=50, required=False,
        help_text=_("e.g. 三(2)班. Required for an observation."),
    )  # fmt: skip
    lesson_topic = forms.CharField(label=_("Topic"), max_length=200, required=False,
                                   help_text=_("Required for an observation."))  # fmt: skip
    observed = forms.ChoiceField(
        label=_("Whose lesson"), required=False,
        choices=[("", "---------"), *MentorshipRecord.Observed.choices],
        help_text=_("Required for an observation."),
    )  # fmt: skip
    content = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachments = MultipleFileField(
        limit=MAX_ATTACHMENTS, label=_("Photos or files"), required=False,
        help_text=_("Photos, PDF or Office files; up to %(max)s.") % {"max": MAX_ATTACHMENTS},
    )  # fmt: skip

    def __init__(self, *args, side: str, mentorship, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds_for(side)
        self.fields["date"].initial = calendar.today()
        self.fields["lesson_subject"].initial = mentorship.subject
        self.fields["date"].widget.attrs.update(
            {"min": mentorship.start.isoformat(), "max": min(mentorship.end,
                                                              calendar.today()).isoformat()}
        )  # fmt: skip
        for key, question in REFLECTION_QUESTIONS.items():
            self.fields[f"q_{key}"] = forms.CharField(
                label=question, required=False, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )  # fmt: skip
        if record is not None:
            del self.fields["kind"]
            del self.fields["attachments"]

    @property
    def checklist_fields(self):
        return [self[f"q_{key}"] for key in REFLECTION_QUESTIONS]

    @property
    def main_fields(self):
        return [f for f in self.visible_fields() if not f.name.startswith("q_")]

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["checklist"] = {
            key: data.pop(f"q_{key}") for key in REFLECTION_QUESTIONS if data.get(f"q_{key}")
        }
        for key in REFLECTION_QUESTIONS:
            data.pop(f"q_{key}", None)
        return data

    @classmethod
    def initial_for(cls, record: MentorshipRecord) -> dict:
        initial = forms.model_to_dict(
            record, fields=["date", "lesson_subject", "lesson_class", "lesson_topic",
                            "observed", "content"],
        )  # fmt: skip
        initial.update({f"q_{k}": v for k, v in (record.checklist or {}).items()})
        return initial


class CommentForm(PlainWidgets, forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(PlainWidgets, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


LESSON_KIND_VALUES = sorted(str(k) for k in LESSON_KINDS)
