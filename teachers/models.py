"""The teacher registry: the teachers of each school, their titles and honours.

No national ID number is stored (DESIGN.md §2). A teacher carries the region of their
school, copied on every write, so that scoped lists are one indexed filter.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from twinning import calendar
from twinning.models import ChoiceLabels, InForce, StoredFile


class Title(models.TextChoices):
    """职称, lowest first."""

    THIRD = "third", _("Third-grade teacher")
    SECOND = "second", _("Second-grade teacher")
    FIRST = "first", _("First-grade teacher")
    SENIOR = "senior", _("Senior teacher")
    PROFESSOR = "professor", _("Professor-level senior teacher")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Teacher(ChoiceLabels, models.Model):
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="teachers",
        verbose_name=_("school"),
    )  # fmt: skip
    # The school's region, copied so that a scoped list is one indexed filter.
    region = models.ForeignKey(
        "schools.Region", on_delete=models.PROTECT, related_name="+", editable=False
    )
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    subjects = models.CharField(
        _("subjects"), max_length=100, blank=True, help_text=_("e.g. 语文、数学")
    )
    title = models.CharField(
        _("professional title"), max_length=20, choices=Title.choices, blank=True
    )
    first_employed_year = models.PositiveSmallIntegerField(
        _("year of first employment"),
        null=True,
        blank=True,
        help_text=_("Years of service are counted from it."),
    )
    staff_number = models.CharField(
        _("staff number"), max_length=30, blank=True, help_text=_("Unique within the school.")
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teacher",
        verbose_name=_("user account"),
        help_text=_("A teacher who signs in sees their own mentorships and records."),
    )
    is_active = models.BooleanField(
        _("teaching here"), default=True, help_text=_("Off once the teacher has left the school.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("teacher")
        verbose_name_plural = _("teachers")
        ordering = ["school_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "staff_number"],
                condition=~Q(staff_number=""),
                name="teacher_staff_number_unique_in_school",
                violation_error_message=_("Another teacher of this school has this staff number."),
                violation_error_code="unique",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "school", "name"], name="teacher_scope_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def years_of_service(self) -> int | None:
        """Whole school years since first employment (0 in the first year)."""
        if self.first_employed_year is None:
            return None
        return max(0, calendar.school_year_of(calendar.today()) - self.first_employed_year)


class Honour(ChoiceLabels, models.Model):
    """An honour a teacher holds (骨干教师 at a level, 学科带头人, 名师, 特级教师)."""

    class Kind(models.TextChoices):
        KEY_TEACHER = "key_teacher", _("Key teacher")
        SUBJECT_LEADER = "subject_leader", _("Subject leader")
        FAMOUS_TEACHER = "famous_teacher", _("Famous teacher")
        SPECIAL_GRADE = "special_grade", _("Special-grade teacher")

    class Level(models.TextChoices):
        SCHOOL = "school", pgettext_lazy("honour level", "School")
        DISTRICT = "district", pgettext_lazy("honour level", "District or county")
        CITY = "city", pgettext_lazy("honour level", "City")
        PROVINCE = "province", pgettext_lazy("honour level", "Province")

    teacher = models.ForeignKey(
        Teacher, on_delete=models.CASCADE, related_name="honours", verbose_name=_("teacher")
    )
    kind = models.CharField(_("honour"), max_length=20, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, blank=True)
    year = models.PositiveSmallIntegerField(_("year awarded"), null=True, blank=True)

    class Meta:
        verbose_name = _("honour")
        verbose_name_plural = _("honours")
        ordering = ["teacher_id", "kind", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "kind", "level"], name="honour_once_per_teacher"
            ),
        ]

    def __str__(self) -> str:
        return str(honour_label(self.kind, self.level))


def honour_label(kind: str, level: str = "") -> str:
    """An honour as people write it: 市级骨干教师, or 学科带头人 without a level."""
    kind_label = Honour.Kind(kind).label
    if not level:
        return str(kind_label)
    # Translators: an honour at a level, e.g. 市级骨干教师 (no space in Chinese).
    return gettext("%(level)s %(kind)s") % {"level": Honour.Level(level).label, "kind": kind_label}


# --- mentorships (师徒结对) ---------------------------------------------------------------


class MentorshipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")


class Mentorship(ChoiceLabels, ConcurrentTransitionMixin, models.Model):
    """A mentor and a mentee, of one school or of two schools of one pairing.

    It carries both schools and their regions, copied on every write, so that each
    side's coordinators and bureau find it with one indexed filter. The status only
    changes through the services.
    """

    mentor = models.ForeignKey(
        Teacher, on_delete=models.PROTECT, related_name="mentorships_as_mentor",
        verbose_name=_("mentor"),
    )  # fmt: skip
    mentee = models.ForeignKey(
        Teacher, on_delete=models.PROTECT, related_name="mentorships_as_mentee",
        verbose_name=_("mentee"),
    )  # fmt: skip
    # The pairing that joins the two schools (required across schools); its programme's
    # obligations and eligibility rule apply.
    pairing = models.ForeignKey(
        "schools.Pairing", on_delete=models.PROTECT, null=True, blank=True,
        related_name="mentorships", verbose_name=_("pairing"),
    )  # fmt: skip
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+", editable=False,
        verbose_name=_("mentee's school"),
    )  # fmt: skip
    region = models.ForeignKey(
        "schools.Region", on_delete=models.PROTECT, related_name="+", editable=False
    )
    mentor_school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+", editable=False,
        verbose_name=_("mentor's school"),
    )  # fmt: skip
    mentor_region = models.ForeignKey(
        "schools.Region", on_delete=models.PROTECT, related_name="+", editable=False
    )
    subject = models.CharField(_("subject"), max_length=50)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), help_text=_("The last day of a term."))
    agreement_text = models.TextField(_("agreement (带教协议)"), blank=True)
    agreement_file = models.FileField(
        _("agreement file"), upload_to="mentorship-agreements/%Y/", blank=True
    )
    mentor_accepted_at = models.DateTimeField(_("mentor accepted"), null=True, blank=True)
    mentee_accepted_at = models.DateTimeField(_("mentee accepted"), null=True, blank=True)
    status = FSMField(
        _("status"), default=MentorshipStatus.ACTIVE, choices=MentorshipStatus.choices,
        protected=True,
    )  # fmt: skip
    closed_reason = models.TextField(_("reason"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The mentee is past the programme's eligibility rule; bureau staff let it stand.
    eligibility_override = models.TextField(_("reason for the exception"), blank=True)
    eligibility_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("exception granted by"),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["status"])

    class Meta:
        verbose_name = _("mentorship")
        verbose_name_plural = _("mentorships")
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(mentor=models.F("mentee")), name="mentorship_two_people"
            ),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="mentorship_span"),
            models.UniqueConstraint(
                fields=["mentee", "subject"], condition=Q(status="active"),
                name="mentorship_one_active_per_subject",
                violation_error_message=_(
                    "This mentee already has an active mentorship in this subject."
                ),
                violation_error_code="unique",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["region", "status"], name="mentorship_region_idx"),
            models.Index(fields=["mentor_region", "status"], name="mentorship_mregion_idx"),
            models.Index(fields=["school", "status"], name="mentorship_school_idx"),
            models.Index(fields=["mentor_school", "status"], name="mentorship_mschool_idx"),
            # The newest page of a wide scope (a province's) read off the index.
            models.Index(fields=["start", "id"], name="mentorship_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.mentee} · {self.subject}"

    @property
    def agreement_accepted(self) -> bool:
        return bool(self.mentor_accepted_at and self.mentee_accepted_at)

    @property
    def sides(self) -> tuple[tuple[str, Teacher], tuple[str, Teacher]]:
        """(side, teacher) of the mentor and of the mentee."""
        return (Filer.MENTOR, self.mentor), (Filer.MENTEE, self.mentee)

    def side_of(self, user) -> str | None:
        """Whether ``user`` is this mentorship's mentor or mentee (None: neither)."""
        if user.pk is None:
            return None
        return next((side for side, t in self.sides if t.user_id == user.pk), None)

    @staticmethod
    def accepted_field(side: str) -> str:
        """The field that records when ``side`` accepted the agreement."""
        return f"{side}_accepted_at"

    @transition(field=status, source=MentorshipStatus.ACTIVE, target=MentorshipStatus.COMPLETED)
    def complete(self) -> None: ...

    @transition(field=status, source=MentorshipStatus.ACTIVE, target=MentorshipStatus.TERMINATED)
    def terminate(self) -> None: ...


class Filer(models.TextChoices):
    """Who files a record, or whom an obligation binds."""

    MENTOR = "mentor", _("Mentor")
    MENTEE = "mentee", _("Mentee")


class RecordKind(models.TextChoices):
    OBSERVATION = "observation", _("Lesson observation (听课)")
    LESSON_REVIEW = "lesson_review", _("Lesson review (评课)")
    LESSON_DESIGN = "lesson_design", _("Lesson design (教学设计)")
    REFLECTION = "reflection", _("Teaching reflection (教学反思)")
    OPEN_LESSON = "open_lesson", _("Open lesson (公开课)")
    GUIDANCE = "guidance", _("Guidance (指导)")
    READING_NOTE = "reading_note", _("Reading notes (读书笔记)")
    RESEARCH = "research", _("Research project (课题)")
    MIDTERM_EVALUATION = "midterm_evaluation", _("Mid-term evaluation (中期评估)")
    STAGE_SUMMARY = "stage_summary", _("Stage summary (阶段性总结)")


# Kinds about one lesson: they carry its subject, class and topic.
LESSON_KINDS = {RecordKind.OBSERVATION, RecordKind.LESSON_REVIEW, RecordKind.OPEN_LESSON,
                RecordKind.LESSON_DESIGN}  # fmt: skip
# Kinds only the mentor files.
MENTOR_KINDS = {RecordKind.MIDTERM_EVALUATION, RecordKind.STAGE_SUMMARY, RecordKind.GUIDANCE}

# The reflection checklist of seed 003: key → question.
REFLECTION_QUESTIONS = {
    "goals": _("Did the goals fit the curriculum standard and the learners' needs?"),
    "goals_met": _("Were the goals met?"),
    "key_points": _("Were the key and difficult points handled well?"),
    "best": _("What went best?"),
    "improve": _("What should be improved?"),
    "atmosphere": _("How was the atmosphere in class?"),
    "participation": _("Did every student take part?"),
    "pace": _("Was the pace right?"),
    "interaction": _("How did teacher and students interact?"),
    "next_time": _("What will you do differently next time?"),
}


class MentorshipRecord(ChoiceLabels, models.Model):
    """One piece of mentorship work, filed by the mentor or the mentee.

    It carries the mentee's school and region (DESIGN.md §5): the high-volume table
    is read by one indexed filter. Signed off by the mentor, it is locked.
    """

    class Observed(models.TextChoices):
        PARTNER = "partner", _("The partner's lesson")
        OTHER = "other", _("Another teacher's lesson")

    # The composite indexes below lead with each of these: no index of their own, which
    # keeps writes to the table of a million rows a year cheaper.
    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, related_name="records", verbose_name=_("mentorship"),
        db_index=False,
    )  # fmt: skip
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    region = models.ForeignKey(
        "schools.Region", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RecordKind.choices)
    filed_by = models.CharField(_("filed by"), max_length=10, choices=Filer.choices)
    date = models.DateField(_("date"))
    lesson_subject = models.CharField(_("lesson subject"), max_length=50, blank=True)
    lesson_class = models.CharField(_("class"), max_length=50, blank=True)
    lesson_topic = models.CharField(_("topic"), max_length=200, blank=True)
    observed = models.CharField(
        _("whose lesson"), max_length=10, choices=Observed.choices, blank=True,
        help_text=_("For an observation: the partner's lesson or another teacher's."),
    )  # fmt: skip
    content = models.TextField(_("content"), blank=True)
    checklist = models.JSONField(_("reflection checklist"), default=dict, blank=True)
    signed_off_at = models.DateTimeField(_("signed off"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("signed off by"),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("mentorship record")
        verbose_name_plural = _("mentorship records")
        ordering = ["-date", "-id"]
        indexes = [
            # Compliance counts a term of records of thousands of mentorships by kind,
            # filer and whose lesson: every column it reads is in this index, so
            # PostgreSQL answers from the index alone.
            models.Index(
                fields=["mentorship", "date", "kind", "filed_by", "observed"],
                name="record_count_idx",
            ),
            models.Index(fields=["region", "date"], name="record_region_idx"),
            # The newest records of a whole region first: walked backwards, filtered.
            models.Index(fields=["date", "id"], name="record_recent_idx"),
            models.Index(fields=["school", "date"], name="record_school_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.date}"

    @property
    def is_locked(self) -> bool:
        return self.signed_off_at is not None


class RecordComment(models.Model):
    """The mentor's comment on a record, or the mentee's answer."""

    record = models.ForeignKey(
        MentorshipRecord, on_delete=models.CASCADE, related_name="comments",
        verbose_name=_("record"),
    )  # fmt: skip
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("author"),
    )  # fmt: skip
    author_role = models.CharField(_("as"), max_length=10, choices=Filer.choices)
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class RecordAttachment(StoredFile):
    """A file of a record (a photo of the lesson plan, slides, a PDF)."""

    record = models.ForeignKey(
        MentorshipRecord, on_delete=models.CASCADE, related_name="attachments",
        verbose_name=_("record"),
    )  # fmt: skip
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")

    class Meta(StoredFile.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


# --- rules of a programme -----------------------------------------------------------


class Period(models.TextChoices):
    WEEK = "week", _("a week")
    MONTH = "month", _("a month")
    TERM = "term", _("a term")


class Obligation(ChoiceLabels, InForce):
    """A programme's own obligation; a programme without any follows the defaults
    (:data:`teachers.obligations.DEFAULTS`)."""

    programme = models.ForeignKey(
        "schools.Programme", on_delete=models.CASCADE, related_name="obligations",
        verbose_name=_("programme"),
    )  # fmt: skip
    kind = models.CharField(_("record kind"), max_length=20, choices=RecordKind.choices)
    filer = models.CharField(
        _("filed by"), max_length=10, choices=Filer.choices, blank=True,
        help_text=_("Empty: records of either count."),
    )  # fmt: skip
    partner_lessons_only = models.BooleanField(
        _("only the partner's lessons"), default=False,
        help_text=_("For observations: count only lessons of the mentor or mentee."),
    )  # fmt: skip
    minimum = models.PositiveSmallIntegerField(_("at least"))
    period = models.CharField(_("every"), max_length=10, choices=Period.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["programme_id", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ≥ {self.minimum} / {self.get_period_display()}"


class MentorshipPolicy(models.Model):
    """A programme's eligibility rule for mentees (default: at most 3 years of service)."""

    programme = models.OneToOneField(
        "schools.Programme", on_delete=models.CASCADE, related_name="mentorship_policy",
        verbose_name=_("programme"),
    )  # fmt: skip
    max_mentee_years = models.PositiveSmallIntegerField(
        _("most years of service of a mentee"), null=True, blank=True,
        help_text=_("Empty: any teacher may be a mentee."),
    )  # fmt: skip
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mentorship rule")
        verbose_name_plural = _("mentorship rules")

    def __str__(self) -> str:
        return str(self.programme)
