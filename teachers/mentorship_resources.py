"""Import and export of mentorships (师徒结对) as xlsx or CSV (django-import-export).

A row names the mentor and the mentee by their school's 10-digit code and their staff
number (工号), or, without one, their name, among the teachers of the schools the
importing user keeps and of those schools' partners; a school beyond them is an error
like an unknown code, and the user must be allowed to start the mentorship
(:func:`twinning.access.can_manage_mentorship`). A row matches the active mentorship
of the same mentor, mentee and subject and changes its agreement; otherwise it starts
one, for the terms given, through :mod:`teachers.services`. One wrong row keeps the
whole file from being written.
"""

from __future__ import annotations

import copy

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from import_export import fields, widgets

from schools.models import Pairing, School
from schools.selectors import partner_school_ids
from twinning import access
from twinning.access import resolve_scope
from twinning.resources import (
    ChoiceWidget,
    DateWidget,
    LongTextWidget,
    RequiredDateWidget,
    RequiredTextWidget,
    ScopedResource,
    TextWidget,
    cell_text,
    code_text,
    invalid,
)

from . import compliance, selectors, services
from .models import Mentorship, MentorshipStatus, Teacher
from .services.mentorships import LIVE_PAIRING_STATUSES, MAX_TERMS

# attribute → column header, in file order
COLUMNS = {
    "mentor_school": "导师学校标识码",
    "mentor": "导师姓名",
    "mentor_staff_number": "导师工号",
    "mentee_school": "徒弟学校标识码",
    "mentee": "徒弟姓名",
    "mentee_staff_number": "徒弟工号",
    "subject": "学科",
    "start": "开始日期",
    "terms": "学期数",
    "end": "结束日期",
    "pairing": "结对编号",
    "agreement_text": "带教协议",
    "eligibility_override": "破例理由",
    "status": "状态",
    "standing": "任务完成情况",
}
# Each side of a mentorship: its school, name and staff number columns.
SIDES = {
    "mentor": ("mentor_school", "mentor", "mentor_staff_number"),
    "mentee": ("mentee_school", "mentee", "mentee_staff_number"),
}


class TermsWidget(widgets.Widget):
    """How many terms a new mentorship runs: 1 to 6 (2, 2学期); empty is none given."""

    def clean(self, value, row=None, **kwargs):
        text = code_text(value).removesuffix("学期").removesuffix("个")
        if not text:
            return None
        try:
            return forms.IntegerField(min_value=1, max_value=MAX_TERMS).clean(text)
        except ValidationError as error:
            raise invalid(error) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class MentorshipResource(ScopedResource):
    COLUMNS = COLUMNS
    REQUIRED = ("mentor_school", "mentor", "mentee_school", "mentee", "subject", "start")
    EXAMPLE = {
        "mentor_school": "1234567890",
        "mentor": "陈红梅",
        "mentor_staff_number": "T-0001",
        "mentee_school": "1234567891",
        "mentee": "赵小燕",
        "mentee_staff_number": "T-0101",
        "subject": "语文",
        "start": "2026-09-01",
        "terms": "2",
        "agreement_text": "每周听课一次，每月共同备课两次。",
    }

    # The people are found by the row's school, name and staff number together (see
    # _resolve); these columns are read there, and written by the dehydrate methods.
    mentor_school = fields.Field(column_name=COLUMNS["mentor_school"], widget=TextWidget())
    mentor = fields.Field(column_name=COLUMNS["mentor"], widget=TextWidget())
    mentor_staff_number = fields.Field(
        column_name=COLUMNS["mentor_staff_number"], widget=TextWidget()
    )
    mentee_school = fields.Field(column_name=COLUMNS["mentee_school"], widget=TextWidget())
    mentee = fields.Field(column_name=COLUMNS["mentee"], widget=TextWidget())
    mentee_staff_number = fields.Field(
        column_name=COLUMNS["mentee_staff_number"], widget=TextWidget()
    )
    pairing = fields.Field(column_name=COLUMNS["pairing"], widget=TextWidget())
    subject = fields.Field("subject", COLUMNS["subject"], RequiredTextWidget())
    start = fields.Field("start", COLUMNS["start"], RequiredDateWidget())
    terms = fields.Field("terms", COLUMNS["terms"], TermsWidget())
    end = fields.Field("end", COLUMNS["end"], DateWidget(), readonly=True)
    agreement_text = fields.Field("agreement_text", COLUMNS["agreement_text"], LongTextWidget())
    eligibility_override = fields.Field(
        "eligibility_override", COLUMNS["eligibility_override"], LongTextWidget()
    )
    status = fields.Field(
        "status", COLUMNS["status"], ChoiceWidget(MentorshipStatus), readonly=True
    )
    standing = fields.Field(column_name=COLUMNS["standing"], widget=TextWidget(), readonly=True)

    class Meta:
        model = Mentorship
        fields = tuple(COLUMNS)
        import_order = export_order = tuple(COLUMNS)
        import_id_fields = ("mentee",)
        chunk_size = 1000

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self._standings: dict = {}

    def column_notes(self) -> list[list[str]]:
        notes = super().column_notes()
        extra = {
            "mentor_staff_number": _("Needed when two teachers of the school share a name."),
            "mentee_staff_number": _("Needed when two teachers of the school share a name."),
            "terms": _("1 to %(max)s; empty is 1. Only for a mentorship the row starts.")
            % {"max": MAX_TERMS},
            "pairing": _(
                "The number of the pairing joining the two schools; needed only when they "
                "share several."
            ),
            "eligibility_override": _(
                "Bureau staff only: why a mentee beyond the programme's rule on years of "
                "service is accepted. Only for a mentorship the row starts."
            ),
        }
        for line, name in zip(notes, COLUMNS, strict=True):
            if name in extra:
                line[2] = extra[name]
        return notes

    # --- import ---------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        codes = set()
        for side in SIDES.values():
            column = COLUMNS[side[0]]
            if column in dataset.headers:
                codes |= {code_text(c) for c in dataset[column]}
        # The schools a row may name: those whose records the user keeps and their
        # partners (a mentor may come from the partner school), one query.
        kept = selectors.schools_whose_teachers_are_kept_by(self.user).values("id")
        schools = list(
            School.objects.filter(code__in=codes - {""}).filter(
                Q(id__in=kept) | Q(id__in=partner_school_ids(kept))
            )
        )
        self._schools_by_code = {school.code: school for school in schools}
        # Every teacher the file may name, with what the service reads of them.
        self._by_staff_number: dict[tuple, Teacher] = {}
        self._by_name: dict[tuple, list[Teacher]] = {}
        for teacher in Teacher.objects.filter(school__in=schools).select_related(
            "school", "region"
        ):
            if teacher.staff_number:
                self._by_staff_number[teacher.school_id, teacher.staff_number] = teacher
            self._by_name.setdefault((teacher.school_id, teacher.name), []).append(teacher)
        # The active mentorships a row may match, by mentor, mentee and subject.
        self._live: dict[tuple, Mentorship] = {
            (m.mentor_id, m.mentee_id, m.subject): m
            for m in Mentorship.objects.filter(
                status=MentorshipStatus.ACTIVE, school__in=schools, mentor_school__in=schools
            )
        }
        pairing_ids = set()
        if COLUMNS["pairing"] in dataset.headers:
            pairing_ids = {
                int(c) for c in map(code_text, dataset[COLUMNS["pairing"]]) if c.isdigit()
            }
        # Only live pairings; the service checks that the one named joins both schools.
        self._pairings = Pairing.objects.filter(
            pk__in=pairing_ids, status__in=LIVE_PAIRING_STATUSES
        ).in_bulk()
        self._row: dict = {}

    def _teacher(self, row, side: str, errors: dict) -> Teacher | None:
        """The teacher a row names on ``side``, or None with the reason in ``errors``."""
        school_column, name_column, staff_column = (COLUMNS[c] for c in SIDES[side])
        code = code_text(row.get(school_column))
        if not code:
            errors[school_column] = _("Enter the school code.")
            return None
        school = self._schools_by_code.get(code)
        if school is None:
            errors[school_column] = _(
                "No school with this code among the schools whose mentorships you start."
            )
            return None
        name = cell_text(row.get(name_column))
        staff_number = code_text(row.get(staff_column))
        if staff_number:
            teacher = self._by_staff_number.get((school.pk, staff_number))
            if teacher is None:
                errors[staff_column] = _("No teacher of this school has this staff number.")
            elif name and name != teacher.name:
                errors[name_column] = _("The teacher with this staff number is %(name)s.") % {
                    "name": teacher.name
                }
                return None
            return teacher
        if not name:
            errors[name_column] = _("Enter the teacher's name or staff number.")
            return None
        found = self._by_name.get((school.pk, name), [])
        # A namesake who has left the school does not make the name ambiguous.
        candidates = [t for t in found if t.is_active] or found
        if not candidates:
            errors[name_column] = _("No teacher of this school has this name.")
            return None
        if len(candidates) > 1:
            errors[name_column] = _(
                "Several teachers of this school are called %(name)s; give the staff number."
            ) % {"name": name}
            return None
        return candidates[0]

    def _pairing(self, row, errors: dict) -> Pairing | None:
        text = code_text(row.get(COLUMNS["pairing"]))
        if not text:
            return None
        pairing = self._pairings.get(int(text)) if text.isdigit() else None
        if pairing is None:
            errors[COLUMNS["pairing"]] = _("No approved or active pairing has this number.")
        return pairing

    def before_import_row(self, row, row_number=None, **kwargs):
        super().before_import_row(row, row_number=row_number, **kwargs)
        errors: dict[str, str] = {}
        mentor = self._teacher(row, "mentor", errors)
        mentee = self._teacher(row, "mentee", errors)
        pairing = self._pairing(row, errors)
        subject = cell_text(row.get(COLUMNS["subject"]))
        if mentor and mentee:
            stub = Mentorship(
                school_id=mentee.school_id, region_id=mentee.region_id,
                mentor_school_id=mentor.school_id, mentor_region_id=mentor.region_id,
            )  # fmt: skip
            if not access.can_manage_mentorship(resolve_scope(self.user), stub):
                errors[COLUMNS["mentee_school"]] = _(
                    "Only the schools' coordinators and their bureau start mentorships."
                )
        self._row = {"mentor": mentor, "mentee": mentee, "pairing": pairing, "errors": errors}
        if mentor and mentee and subject and not errors:
            self.refuse_repeat((mentor.pk, mentee.pk, subject), row_number, COLUMNS["subject"], _(
                "This mentor, mentee and subject are already in row %(row)s of the file."
            ))  # fmt: skip

    def get_instance(self, instance_loader, row):
        mentor, mentee = self._row.get("mentor"), self._row.get("mentee")
        if mentor is None or mentee is None:
            return None
        found = self._live.get((mentor.pk, mentee.pk, cell_text(row.get(COLUMNS["subject"]))))
        # A copy: the one loaded stays as it was, for the service to compare with.
        return copy.deepcopy(found)

    def import_instance(self, instance, row, **kwargs):
        errors = {column: [message] for column, message in self._row["errors"].items()}
        existing = instance.pk is not None
        was = (instance.start, instance.pairing_id) if existing else None
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if existing:
            # The service changes only the subject and the agreement of a mentorship.
            if instance.start is not None and instance.start != was[0]:
                errors.setdefault("start", []).append(
                    _("An active mentorship's start cannot be changed; close it and start another.")
                )
            pairing = self._row["pairing"]
            if pairing is not None and pairing.pk != was[1]:
                errors.setdefault("pairing", []).append(
                    _("An active mentorship's pairing cannot be changed.")
                )
        else:
            instance.mentor, instance.mentee = self._row["mentor"], self._row["mentee"]
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if original is None or original.pk is None or import_validation_errors:
            return False
        # As the file would carry it: line breaks and spaces as the cell reads them.
        agreement = original.agreement_text
        return instance.subject == cell_text(original.subject) and instance.agreement_text in (
            agreement,
            self.fields["agreement_text"].widget.clean(agreement),
        )

    def do_instance_save(self, instance, is_create):
        if is_create:
            mentorship = services.mentorship_create(
                actor=self.user, mentor=instance.mentor, mentee=instance.mentee,
                subject=instance.subject, start=instance.start,
                terms=getattr(instance, "terms", None) or 1,
                pairing=self._row["pairing"], agreement_text=instance.agreement_text,
                eligibility_override=getattr(instance, "eligibility_override", "") or "",
            )  # fmt: skip
            instance.pk = mentorship.pk
        else:
            loaded = self._live[instance.mentor_id, instance.mentee_id, instance.subject]
            services.mentorship_update(
                actor=self.user, mentorship=loaded, subject=instance.subject,
                agreement_text=instance.agreement_text,
            )  # fmt: skip

    # --- export ---------------------------------------------------------------------

    def export(self, queryset=None, **kwargs):
        """The mentorships of ``queryset`` (already scoped by the caller's selector; by
        default every mentorship the user may see), with their live standing."""
        if self.user is None:
            queryset = Mentorship.objects.none()
        elif queryset is None:
            queryset = selectors.mentorship_list_visible_to(self.user)
        self._standings = compliance.standings(queryset)
        return super().export(queryset, **kwargs)

    def filter_export(self, queryset, **kwargs):
        # Joined, not prefetched: the rows are streamed in one query.
        return queryset.prefetch_related(None).select_related("mentor__school", "mentee__school")

    def dehydrate_mentor_school(self, mentorship: Mentorship) -> str:
        return mentorship.mentor.school.code

    def dehydrate_mentor(self, mentorship: Mentorship) -> str:
        return mentorship.mentor.name

    def dehydrate_mentor_staff_number(self, mentorship: Mentorship) -> str:
        return mentorship.mentor.staff_number

    def dehydrate_mentee_school(self, mentorship: Mentorship) -> str:
        return mentorship.mentee.school.code

    def dehydrate_mentee(self, mentorship: Mentorship) -> str:
        return mentorship.mentee.name

    def dehydrate_mentee_staff_number(self, mentorship: Mentorship) -> str:
        return mentorship.mentee.staff_number

    def dehydrate_terms(self, mentorship: Mentorship) -> str:
        return ""  # the end says how long it runs

    def dehydrate_pairing(self, mentorship: Mentorship) -> str:
        return str(mentorship.pairing_id or "")

    def dehydrate_standing(self, mentorship: Mentorship) -> str:
        standing = self._standings.get(mentorship.pk)
        return str(standing.status_label) if standing else ""
