"""Forms of the activity pages; the services check the rules again."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from schools.forms import PageFilterMixin
from schools.models import school_code_validator
from schools.pairing_forms import DATE_INPUT
from twinning.attachments import RESOURCE_TYPES
from twinning.forms import FilterForm, MultipleFileField, PlainWidgets, ValuesChoiceField

from . import filters
from .models import MAX_STUDENTS, Activity, ActivityKind, Grade, ResourceCategory, Secondment
from .services import MAX_EVIDENCE

RESOURCE_ACCEPT = ",".join(f".{ext}" for ext in sorted(RESOURCE_TYPES)) + ",image/*,video/*"
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class ActivityFilter(PageFilterMixin, filters.ActivityFilter):
    q = django_filters.CharFilter(label=_("Title or place"), method="filter_q")
    school_code = django_filters.CharFilter(
        method="filter_school_code", validators=[school_code_validator], label=_("School")
    )
    page_labels = {"status": _("Status"), "kind": _("Kind"), "date_from": _("From"),
                   "date_to": _("To")}  # fmt: skip

    class Meta(filters.ActivityFilter.Meta):
        fields = ["q", "kind", "status", "date_from", "date_to", "region", "region_code",
                  "school_code", "pairing", "school", "teacher"]  # fmt: skip
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("pairing", "school", "teacher"):
            self.filters[name].extra["widget"] = forms.HiddenInput
        for name in ("date_from", "date_to"):
            self.filters[name].extra["widget"] = DATE_INPUT
        self.filters["kind"].queryset = ActivityKind.objects.all()
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
        return queryset.filter(Q(title__icontains=value) | Q(place__icontains=value))

    def filter_school_code(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(pairing__members__school__code=value)


class KindField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ParticipantsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.school.name}"


class ActivityForm(PlainWidgets, forms.ModelForm):
    kind = KindField(label=_("Kind"), queryset=ActivityKind.objects.filter(is_active=True))
    starts_at = forms.DateTimeField(
        label=_("Starts"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
    )
    online_link = forms.URLField(
        label=_("Online link"), required=False, max_length=500, assume_scheme="https",
        help_text=_("For an online or synchronous class."),
    )  # fmt: skip
    participants = ParticipantsField(
        label=_("Participating teachers"), required=False, queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Teachers of either school; a teacher booked elsewhere at the same time "
                    "is pointed out."),
    )  # fmt: skip

    student_count = forms.IntegerField(
        label=_("Students taking part"), min_value=0, max_value=MAX_STUDENTS, initial=0
    )

    class Meta:
        model = Activity
        fields = ["kind", "title", "host_school", "starts_at", "ends_at", "place",
                  "online_link", "participants", "student_count", "description"]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, schools, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].help_text = format_html(
            _('The kinds in use, from the <a href="{}">list of kinds</a>.'),
            reverse("activities:kind_list"),
        )
        self.fields["host_school"].queryset = schools
        self.fields["host_school"].empty_label = None
        self.fields["participants"].queryset = teachers
        if self.instance.pk:
            self.fields["kind"].queryset = ActivityKind.objects.filter(
                Q(is_active=True) | Q(pk=self.instance.kind_id)
            )
            self.initial["participants"] = list(
                self.instance.participations.values_list("teacher_id", flat=True)
            )

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The end must be after the start."))
        return data

    def _get_validation_exclusions(self):
        # The service checks the dates (and names the field); the database constraint
        # would only repeat it as an error of the whole form.
        return super()._get_validation_exclusions() | {"ends_at"}

    def plan(self) -> dict:
        """The cleaned fields, as the services take them."""
        data = dict(self.cleaned_data)
        data["participants"] = list(data.get("participants") or [])
        return data


class CompleteForm(PlainWidgets, forms.Form):
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What happened: who took part, what was done, what comes next."),
    )  # fmt: skip
    student_count = forms.IntegerField(
        label=_("Students taking part"), min_value=0, max_value=MAX_STUDENTS, required=False
    )
    evidence = MultipleFileField(
        limit=MAX_EVIDENCE, label=_("Photos, sign-in sheets or minutes"), required=False,
        help_text=_("Photos, PDF or Office files; at least one in all."),
    )  # fmt: skip


class CancelForm(PlainWidgets, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class PostponeForm(PlainWidgets, forms.Form):
    starts_at = forms.DateTimeField(
        label=_("New start"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(
        label=_("New end"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EvidenceForm(PlainWidgets, forms.Form):
    # Prefixed: the activity's page also holds the log form, whose field has this name.
    prefix = "more"

    evidence = MultipleFileField(
        limit=MAX_EVIDENCE, label=_("Add files"),
        help_text=_("Photos, PDF or Office files."),
    )  # fmt: skip


class SecondmentFilter(PageFilterMixin, filters.SecondmentFilter):
    q = django_filters.CharFilter(label=_("Name or duties"), method="filter_q")
    page_labels = {"kind": _("Kind"), "cancelled": _("Cancelled"), "date_from": _("From"),
                   "date_to": _("To")}  # fmt: skip

    class Meta(filters.SecondmentFilter.Meta):
        fields = ["q", "kind", "date_from", "date_to", "cancelled", "region", "region_code",
                  "pairing", "teacher", "school"]  # fmt: skip
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("pairing", "teacher", "school"):
            self.filters[name].extra["widget"] = forms.HiddenInput
        for name in ("date_from", "date_to"):
            self.filters[name].extra["widget"] = DATE_INPUT

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(teacher__name__icontains=value) | Q(duties__icontains=value))


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.school.name}"


class SecondmentForm(PlainWidgets, forms.ModelForm):
    teacher = PersonField(label=_("Person"), queryset=None)
    start = forms.DateField(label=_("First day"), widget=DATE_INPUT)
    end = forms.DateField(label=_("Last day"), widget=DATE_INPUT)

    class Meta:
        model = Secondment
        fields = ["kind", "teacher", "host_school", "start", "end", "duties"]
        widgets = {"duties": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, schools, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host_school"].queryset = schools
        self.fields["host_school"].empty_label = None
        self.fields["teacher"].queryset = teachers

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The last day cannot be before the first."))
        return data

    def _get_validation_exclusions(self):
        # The service checks the dates and names the field (see ActivityForm).
        return super()._get_validation_exclusions() | {"end"}


class ConfirmDaysForm(PlainWidgets, forms.Form):
    """The working days a secondment served, as the host school confirms them."""

    days = forms.IntegerField(label=_("Working days served"), min_value=0)

    def __init__(self, *args, planned: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].help_text = _(
            "By the host school's calendar %(planned)s were planned; give the days the "
            "person actually served."
        ) % {"planned": planned}  # fmt: skip


class ResourceFilter(filters.ResourceFilter):
    q = django_filters.CharFilter(label=_("Title or description"), method="filter_q")

    class Meta(filters.ResourceFilter.Meta):
        fields = ["q", "category", "subject", "grade", "pairing", "activity"]
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("pairing", "activity"):
            self.filters[name].extra["widget"] = forms.HiddenInput
        self.filters["category"].label = _("Category")
        self.filters["grade"].label = _("Grade")
        self.filters["subject"].label = _("Subject")

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))


def _activity_label(starts_at, title) -> str:
    return f"{timezone.localtime(starts_at):%Y-%m-%d} {title}"


class ResourceForm(PlainWidgets, forms.Form):
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": RESOURCE_ACCEPT}),
        help_text=_("A document, a photo, a video (MP4, MOV) or a sound file."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=ResourceCategory.choices)
    subject = forms.CharField(label=_("Subject"), max_length=30, required=False)
    grade = forms.ChoiceField(label=_("Grade"), choices=[("", "—"), *Grade.choices],
                              required=False)  # fmt: skip
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    activity = ValuesChoiceField(
        label=_("Produced by the activity"), queryset=None, required=False,
        help_text=_("The exchange this came out of, if any."),
        label_fields=("starts_at", "title"), label_from_values=_activity_label, limit=200,
    )  # fmt: skip

    def __init__(self, *args, activities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = activities
        given = (
            self.data.get(self.add_prefix("activity"))
            if self.is_bound
            else self.initial.get("activity")
        )
        self.fields["activity"].keep = given or None


class ActivityKindForm(PlainWidgets, forms.Form):
    """A kind of activity: added with its code; changed without it (fixed once made) and
    with whether it is in use. The services check the rules (activities/services.py)."""

    code = forms.CharField(
        label=_("Code"), max_length=40,
        help_text=_("Lowercase letters, digits, “-” and “_”, e.g. joint_lesson. The API and "
                    "the exchange targets name the kind by it, so it cannot change later."),
    )  # fmt: skip
    name_zh = forms.CharField(label=_("Name in Chinese"), max_length=60)
    name_en = forms.CharField(label=_("Name in English"), max_length=80)
    order = forms.IntegerField(
        label=_("Place in the list"), min_value=0, max_value=32767, initial=100,
        help_text=_("Kinds are listed by this number, smallest first."),
    )  # fmt: skip
    is_active = forms.BooleanField(
        label=_("In use"), required=False,
        help_text=_("A kind out of use stays on past activities and is no longer offered "
                    "for new ones."),
    )  # fmt: skip

    def __init__(self, *args, kind: ActivityKind | None = None, **kwargs):
        if kind is not None:
            kwargs.setdefault(
                "initial", {name: getattr(kind, name) for name in ("name_zh", "name_en",
                                                                    "order", "is_active")}
            )  # fmt: skip
        super().__init__(*args, **kwargs)
        del self.fields["code" if kind is not None else "is_active"]
