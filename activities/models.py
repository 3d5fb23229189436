"""The exchanges of a pairing (DESIGN.md §3 activities/): what is planned, what happened,
and the evidence of it.

An activity carries its host school and that school's region, copied on every write,
and is read through its pairing's visibility (activities.selectors). Its status only
changes through the services.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from twinning import calendar
from twinning.models import ChoiceLabels, InForce, StoredFile

# The most students an activity can count (a typo of extra digits is refused, not stored).
MAX_STUDENTS = 100_000


class ActivityKind(models.Model):
    """A kind of exchange (互访, 送教 …), named in Chinese and in English: one list for
    every region, kept by administrators and the province's bureau on the list of kinds
    (/activities/kinds/, through the services). Never deleted: a kind no longer in use
    stays on past activities. The defaults come from DESIGN.md (migration 0002)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name in Chinese"), max_length=60)
    name_en = models.CharField(_("name in English"), max_length=80)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(
        _("in use"), default=True, help_text=_("Kinds no longer in use stay on past activities.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("activity kind")
        verbose_name_plural = _("activity kinds")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language."""
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    POSTPONED = "postponed", _("Postponed")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses in which an activity is still to happen.
OPEN_STATUSES = (ActivityStatus.PLANNED, ActivityStatus.POSTPONED)


class Activity(ChoiceLabels, ConcurrentTransitionMixin, models.Model):
    pairing = models.ForeignKey(
        "schools.Pairing", on_delete=models.PROTECT, related_name="activities",
        verbose_name=_("pairing"),
    )  # fmt: skip
    kind = models.ForeignKey(
        ActivityKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind")
    )
    title = models.CharField(_("title"), max_length=200)
    host_school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("host school"),
    )  # fmt: skip
    # The host school's region, copied so that roll-ups by region are one indexed filter.
    region = models.ForeignKey(
        "schools.Region", on_delete=models.PROTECT, related_name="+", editable=False
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_link = models.URLField(_("online link"), max_length=500, blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("organiser"),
    )  # fmt: skip
    participants = models.ManyToManyField(
        "teachers.Teacher", through="Participation", related_name="activities",
        verbose_name=_("participating teachers"), blank=True,
    )  # fmt: skip
    student_count = models.PositiveIntegerField(_("students taking part"), default=0)
    description = models.TextField(_("plan"), blank=True)
    status = FSMField(
        _("status"), default=ActivityStatus.PLANNED, choices=ActivityStatus.choices,
        protected=True,
    )  # fmt: skip
    summary = models.TextField(_("summary"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    closed_at = models.DateTimeField(_("logged at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("logged by"),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("scheduled by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("scheduled at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["status"])

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_span",
                violation_error_message=_("The end must be after the start."),
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["pairing", "starts_at"], name="activity_pairing_idx"),
            models.Index(fields=["region", "starts_at"], name="activity_region_idx"),
            models.Index(fields=["starts_at", "id"], name="activity_recent_idx"),
            # The list filtered by kind or by status, newest first.
            models.Index(fields=["kind", "starts_at"], name="activity_kind_idx"),
            # "How many visits were held in my region": counted from the index alone.
            models.Index(fields=["kind", "status", "region"], name="activity_kind_status_idx"),
            models.Index(fields=["status", "starts_at"], name="activity_status_idx"),
            models.Index(fields=["status", "ends_at"], name="activity_overdue_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:activity_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @transition(field=status, source=list(OPEN_STATUSES), target=ActivityStatus.COMPLETED)
    def complete(self) -> None: ...

    @transition(field=status, source=list(OPEN_STATUSES), target=ActivityStatus.CANCELLED)
    def cancel(self) -> None: ...

    @transition(field=status, source=list(OPEN_STATUSES), target=ActivityStatus.POSTPONED)
    def postpone(self) -> None: ...


class Participation(models.Model):
    """A teacher booked into an activity; carries the teacher's school, for their
    participation record and the school's counts."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="participations")
    teacher = models.ForeignKey(
        "teachers.Teacher", on_delete=models.PROTECT, related_name="participations",
        verbose_name=_("teacher"),
    )  # fmt: skip
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(fields=["activity", "teacher"], name="participation_once"),
        ]
        indexes = [models.Index(fields=["teacher", "activity"], name="participation_teacher_idx")]

    def __str__(self) -> str:
        return f"{self.teacher} · {self.activity}"


class Reschedule(models.Model):
    """The dates an activity had before it was postponed: kept, never overwritten."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="reschedules")
    previous_starts_at = models.DateTimeField(_("was to start"))
    previous_ends_at = models.DateTimeField(_("was to end"))
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("postponed by"),
    )  # fmt: skip
    at = models.DateTimeField(_("postponed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("postponement")
        verbose_name_plural = _("postponements")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.activity} · {timezone.localtime(self.previous_starts_at):%Y-%m-%d}"


class Evidence(StoredFile):
    """A photo, sign-in sheet or minutes of an activity."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="evidence")
    # The activity's host school and region, for scoped lists of files.
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")

    class Meta(StoredFile.Meta):
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")


class SecondmentKind(models.TextChoices):
    SECONDMENT = "secondment", _("Secondment (挂职)")
    TEACHING_PLACEMENT = "teaching_placement", _("Teaching placement (支教)")
    SHADOWING = "shadowing", _("Shadowing (跟岗)")


# The days served of a secondment are confirmed from this long before its last day on
# (when the reminder secondment-unconfirmed starts asking for them).
DAYS_CONFIRMABLE_BEFORE_END = dt.timedelta(days=3)


class Secondment(ChoiceLabels, models.Model):
    """A teacher or school leader working at the partner school for a stretch of days.

    It carries the home and the host school and their regions, copied on every write.
    The days served are the working days of the host school's region
    (twinning.calendar) from the start to the end, or to today while it runs.
    """

    pairing = models.ForeignKey(
        "schools.Pairing", on_delete=models.PROTECT, related_name="secondments",
        verbose_name=_("pairing"),
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=20, choices=SecondmentKind.choices)
    teacher = models.ForeignKey(
        "teachers.Teacher", on_delete=models.PROTECT, related_name="secondments",
        verbose_name=_("person"),
    )  # fmt: skip
    home_school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+", editable=False,
        verbose_name=_("home school"),
    )  # fmt: skip
    home_region = models.ForeignKey(
        "schools.Region", on_delete=models.PROTECT, related_name="+", editable=False
    )
    host_school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("host school"),
    )  # fmt: skip
    host_region = models.ForeignKey(
        "schools.Region", on_delete=models.PROTECT, related_name="+", editable=False
    )
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    duties = models.TextField(_("duties"), help_text=_("e.g. 挂职副校长，分管教学；任教五年级数学"))
    cancelled_reason = models.TextField(_("reason for cancelling"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # The working days served as the host school confirms them once the secondment ends
    # (activities.services.secondment_confirm_days); cleared when its dates change.
    days_confirmed = models.PositiveSmallIntegerField(
        _("working days confirmed"), null=True, blank=True
    )
    days_confirmed_at = models.DateTimeField(_("days confirmed at"), null=True, blank=True)
    days_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("days confirmed by"),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("recorded by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("secondment")
        verbose_name_plural = _("secondments")
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="secondment_span"),
        ]
        indexes = [
            models.Index(fields=["pairing", "start"], name="secondment_pairing_idx"),
            models.Index(fields=["teacher", "start"], name="secondment_teacher_idx"),
            models.Index(fields=["start", "id"], name="secondment_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} → {self.host_school}"

    def get_absolute_url(self) -> str:
        return reverse("activities:secondment_detail", args=[self.pk])

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def days_confirmable_from(self) -> dt.date:
        """The first day on which its days served may be confirmed."""
        return self.end - DAYS_CONFIRMABLE_BEFORE_END

    def days_served(self, on: dt.date | None = None) -> int:
        """Working days served up to ``on`` (default today), in the host school's region;
        needs ``host_region`` loaded."""
        return self.days_served_between(self.start, on or calendar.today())

    def days_served_between(self, first: dt.date, last: dt.date) -> int:
        """Working days served from ``first`` to ``last`` (a school year, a term)."""
        if self.is_cancelled:
            return 0
        start, end = max(self.start, first), min(self.end, last)
        return calendar.working_days(start, end, self.host_region.path)

    def days_planned(self) -> int:
        return calendar.working_days(self.start, self.end, self.host_region.path)


class CalendarFeed(models.Model):
    """A user's private calendar feed (iCalendar), reached by a secret URL that phone
    calendars subscribe to. Only a hash of the secret is kept: the URL is shown once,
    when it is made; a new one replaces it and removing it revokes it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)
    last_read_at = models.DateTimeField(_("last read"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)


class TargetSubject(models.TextChoices):
    ACTIVITY = "activity", _("Activities of a kind")
    SECONDMENT_DAYS = "secondment_days", _("Secondment working days")


class TargetPeriod(models.TextChoices):
    TERM = "term", _("a term")
    YEAR = "year", _("a school year")


class TargetSide(models.TextChoices):
    """Which school a target counts: activities by their host, secondments by the school
    that sends the person."""

    EITHER = "either", _("either school")
    HELPING = "helping", _("the helping school")
    ASSISTED = "assisted", _("the assisted school")


class PairingTarget(InForce):
    """A programme's own exchange target; a programme with any replaces the defaults of
    DESIGN.md (activities/targets.py) with its own set."""

    programme = models.ForeignKey(
        "schools.Programme", on_delete=models.CASCADE, related_name="exchange_targets",
        verbose_name=_("programme"),
    )  # fmt: skip
    subject = models.CharField(_("what is counted"), max_length=20, choices=TargetSubject.choices)
    kind = models.ForeignKey(
        ActivityKind, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("kind of activity"),
    )  # fmt: skip
    minimum = models.PositiveSmallIntegerField(_("at least"))
    period = models.CharField(_("per"), max_length=10, choices=TargetPeriod.choices)
    side = models.CharField(
        _("counted at"), max_length=10, choices=TargetSide.choices, default=TargetSide.EITHER
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("exchange target")
        verbose_name_plural = _("exchange targets")
        ordering = ["programme_id", "subject", "kind_id", "period"]
        constraints = [
            models.CheckConstraint(
                condition=Q(subject="activity", kind__isnull=False)
                | Q(subject="secondment_days", kind__isnull=True),
                name="target_kind_for_activities_only",
                violation_error_message=_(
                    "Name the kind for a target of activities, and none for secondment days."
                ),
            ),
            models.CheckConstraint(condition=Q(minimum__gte=1), name="target_minimum_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}: {self.subject} ≥ {self.minimum} / {self.period}"


class ResourceCategory(models.TextChoices):
    LESSON_PLAN = "lesson_plan", _("Lesson plan (教案)")
    COURSEWARE = "courseware", _("Courseware (课件)")
    RECORDED_LESSON = "recorded_lesson", _("Recorded lesson (课堂实录)")
    RESEARCH_OUTCOME = "research_outcome", _("Research outcome (研究成果)")
    OTHER = "other", _("Other")


class Grade(models.TextChoices):
    KINDERGARTEN = "k", _("Kindergarten")
    G1 = "1", _("Grade 1")
    G2 = "2", _("Grade 2")
    G3 = "3", _("Grade 3")
    G4 = "4", _("Grade 4")
    G5 = "5", _("Grade 5")
    G6 = "6", _("Grade 6")
    G7 = "7", _("Grade 7")
    G8 = "8", _("Grade 8")
    G9 = "9", _("Grade 9")
    G10 = "10", _("Grade 10")
    G11 = "11", _("Grade 11")
    G12 = "12", _("Grade 12")


class Resource(ChoiceLabels, StoredFile):
    """A file of a pairing's shared library (资源共享): lesson plans, courseware, recorded
    lessons, research outcomes. Read by the pairing's schools and the bureau above it,
    nobody else; it carries the school that shared it and that school's region."""

    pairing = models.ForeignKey(
        "schools.Pairing", on_delete=models.CASCADE, related_name="resources",
        verbose_name=_("pairing"),
    )  # fmt: skip
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("shared by")
    )
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=ResourceCategory.choices)
    subject = models.CharField(_("subject"), max_length=30, blank=True, help_text=_("e.g. 语文"))
    grade = models.CharField(_("grade"), max_length=2, choices=Grade.choices, blank=True)
    activity = models.ForeignKey(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="resources",
        verbose_name=_("produced by the activity"),
    )  # fmt: skip

    class Meta(StoredFile.Meta):
        verbose_name = _("shared resource")
        verbose_name_plural = _("shared resources")
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            models.Index(fields=["pairing", "uploaded_at"], name="resource_pairing_idx"),
            models.Index(fields=["region", "uploaded_at"], name="resource_region_idx"),
            # The newest page of a wide scope (a province's library) read off the index.
            models.Index(fields=["uploaded_at", "id"], name="resource_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.title
