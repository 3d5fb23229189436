"""Regions, schools, programmes, pairings, needs assessments and development plans."""

from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from twinning.models import ChoiceLabels
from twinning.text import join_names

# ASCII digits only (``\d`` would also take full-width and other scripts' digits).
REGION_CODE_PATTERN = r"^[0-9]{6,12}$"
school_code_validator = RegexValidator(
    r"^[0-9]{10}$", _("A school code (学校标识码) is exactly 10 digits."), code="school_code"
)


class Region(ChoiceLabels, models.Model):
    """A node of the administrative tree: province → city → county/district.

    ``path`` is a materialised path ("/1/4/9/") so that "this region and everything
    below it" is one indexed prefix filter.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County / district")

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("division code"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(REGION_CODE_PATTERN, _("A division code is 6 to 12 digits."))],
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent region"),
    )
    path = models.CharField(max_length=255, editable=False, db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        parent_path = self.parent.path if self.parent_id else "/"
        path = f"{parent_path}{self.pk}/"
        if path != self.path:
            self.path = path
            type(self).objects.filter(pk=self.pk).update(path=path)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2


class School(ChoiceLabels, models.Model):
    class Stage(models.TextChoices):
        KINDERGARTEN = "kindergarten", _("Kindergarten")
        PRIMARY = "primary", _("Primary school")
        JUNIOR = "junior", _("Junior secondary school")
        NINE_YEAR = "nine_year", _("Nine-year school")
        SENIOR = "senior", _("Senior secondary school")
        VOCATIONAL = "vocational", _("Vocational school")

    class Location(models.TextChoices):
        URBAN = "urban", _("Urban")
        RURAL = "rural", _("Rural")

    name = models.CharField(_("name"), max_length=120)
    code = models.CharField(
        _("school code"),
        max_length=10,
        unique=True,
        validators=[school_code_validator],
        help_text=_("学校标识码: 10 digits."),
        error_messages={"unique": _("A school with this school code already exists.")},
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="schools", verbose_name=_("region")
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    location = models.CharField(_("urban or rural"), max_length=10, choices=Location.choices)
    enrolment = models.PositiveIntegerField(_("enrolment"), default=0)
    staff_count = models.PositiveIntegerField(_("staff count"), default=0)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["region__path", "name"]
        constraints = [
            models.CheckConstraint(
                name="school_code_is_ten_digits",
                condition=Q(code__regex=r"^[0-9]{10}$"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Programme(ChoiceLabels, models.Model):
    """A bureau's twinning programme: the rules every pairing in it follows."""

    class PairingKind(models.TextChoices):
        ONE_TO_ONE = "one_to_one", _("One to one")
        ONE_TO_MANY = "one_to_many", _("One to many")

    class Reach(models.TextChoices):
        WITHIN_COUNTY = "within_county", _("Within a county")
        CROSS_COUNTY = "cross_county", _("Across counties")

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=150)
    start_year = models.PositiveIntegerField(
        _("first school year"),
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The calendar year in which the first school year starts."),
    )
    years = models.PositiveSmallIntegerField(
        _("duration in years"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    pairing_kind = models.CharField(_("pairing kind"), max_length=20, choices=PairingKind.choices)
    reach = models.CharField(_("reach"), max_length=20, choices=Reach.choices)
    max_assisted_schools = models.PositiveSmallIntegerField(
        _("most assisted schools per pairing"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("Only used by one-to-many programmes."),
    )
    funding_per_pair = models.DecimalField(
        _("funding per pairing (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    tranche_count = models.PositiveSmallIntegerField(
        _("number of tranches"), default=3, validators=[MinValueValidator(1)]
    )
    pass_mark = models.DecimalField(
        _("pass mark"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("75.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    description = models.TextField(_("description"), blank=True)
    is_open = models.BooleanField(_("open for proposals"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-start_year", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def allowed_assisted_schools(self) -> int:
        return 1 if self.pairing_kind == self.PairingKind.ONE_TO_ONE else self.max_assisted_schools


def pairing_title(helping: str, assisted: Iterable[str], separator: str | None = None) -> str:
    """How a pairing is named everywhere: 帮扶校 → 受援校、受援校 (… before any assisted
    school). ``separator`` saves looking the list separator up again for every row."""
    names = list(assisted)
    joined = join_names(names) if separator is None else separator.join(names)
    return f"{helping} → {joined or '…'}"


class PairingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ACTIVE = "active", _("Active")
    CONCLUDED = "concluded", _("Concluded")
    TERMINATED = "terminated", _("Terminated")


# A school belongs to at most one pairing in these states per programme.
LIVE_STATUSES = (PairingStatus.PROPOSED, PairingStatus.APPROVED, PairingStatus.ACTIVE)


class Pairing(ChoiceLabels, ConcurrentTransitionMixin, models.Model):
    """A helping school (帮扶校) and one or more assisted schools (受援校) in a programme.

    The status only changes through the services, which check who may act and
    record a :class:`PairingTransition`; the FSM field refuses direct assignment.
    """

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="pairings", verbose_name=_("programme")
    )
    # Denormalised from the programme so that scoped lists are one indexed filter.
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    helping_school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", verbose_name=_("helping school")
    )
    status = FSMField(
        _("status"),
        default=PairingStatus.DRAFT,
        choices=PairingStatus.choices,
        protected=True,
        db_index=True,
    )
    agreement_signed_on = models.DateField(_("agreement signed on"), null=True, blank=True)
    agreement_start = models.DateField(_("agreement start"), null=True, blank=True)
    agreement_end = models.DateField(_("agreement end"), null=True, blank=True)
    agreement_file = models.FileField(_("agreement file"), upload_to="agreements/%Y/", blank=True)
    goals_summary = models.TextField(_("aims of the pairing"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["status"])

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["region", "status"], name="pairing_region_status_idx"),
            # The lists' order: a page of 25 is read off this index, not sorted.
            models.Index(fields=["-created_at", "-id"], name="pairing_created_idx"),
            # The approval queue: proposals, longest waiting first.
            models.Index(fields=["status", "proposed_at", "id"], name="pairing_queue_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="agreement_dates_in_order",
                condition=Q(agreement_start__isnull=True)
                | Q(agreement_end__isnull=True)
                | Q(agreement_end__gte=models.F("agreement_start")),
                violation_error_message=_("The agreement cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        assisted = (
            m.school.name for m in self.members.all() if m.role == PairingMember.Role.ASSISTED
        )
        return pairing_title(self.helping_school.name, assisted)

    # Transitions: the graph of DESIGN.md §3. Rights and comments are checked by
    # schools.services, which is the only caller.
    @transition(field=status, source=PairingStatus.DRAFT, target=PairingStatus.PROPOSED)
    def propose(self) -> None: ...

    @transition(field=status, source=PairingStatus.PROPOSED, target=PairingStatus.APPROVED)
    def approve(self) -> None: ...

    @transition(field=status, source=PairingStatus.PROPOSED, target=PairingStatus.REJECTED)
    def reject(self) -> None: ...

    @transition(field=status, source=PairingStatus.APPROVED, target=PairingStatus.ACTIVE)
    def activate(self) -> None: ...

    @transition(field=status, source=PairingStatus.ACTIVE, target=PairingStatus.CONCLUDED)
    def conclude(self) -> None: ...

    @transition(
        field=status,
        source=[PairingStatus.APPROVED, PairingStatus.ACTIVE],
        target=PairingStatus.TERMINATED,
    )
    def terminate(self) -> None: ...


class PairingMember(ChoiceLabels, models.Model):
    """A school's place in a pairing.

    ``programme``, ``region`` and ``is_live`` are copies kept by the services: the
    partial unique constraint on them is what stops a school from being in two
    live (proposed, approved or active) pairings of one programme, even when two
    proposals race.
    """

    class Role(models.TextChoices):
        HELPING = "helping", _("Helping school")
        ASSISTED = "assisted", _("Assisted school")

    pairing = models.ForeignKey(
        Pairing, on_delete=models.CASCADE, related_name="members", verbose_name=_("pairing")
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="pairing_memberships",
        verbose_name=_("school"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    is_live = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("pairing member")
        verbose_name_plural = _("pairing members")
        ordering = ["role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "school"], name="school_once_per_pairing"),
            models.UniqueConstraint(
                fields=["programme", "school"],
                condition=Q(is_live=True),
                name="one_live_pairing_per_school_and_programme",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "pairing"], name="member_region_idx"),
            models.Index(fields=["school", "pairing"], name="member_school_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.school} ({self.get_role_display()})"


class PairingTransition(ChoiceLabels, models.Model):
    """One step of a pairing's lifecycle: who moved it, when, and why."""

    pairing = models.ForeignKey(
        Pairing, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("pairing")
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=PairingStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=PairingStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pairing transition")
        verbose_name_plural = _("pairing transitions")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class LeadingGroupMember(ChoiceLabels, models.Model):
    """A member of the pairing's leading group (领导小组)."""

    class Position(models.TextChoices):
        LEADER = "leader", _("Group leader")
        DEPUTY = "deputy", _("Deputy leader")
        MEMBER = "member", _("Member")

    pairing = models.ForeignKey(
        Pairing, on_delete=models.CASCADE, related_name="leading_group", verbose_name=_("pairing")
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("job title"), max_length=80, blank=True)
    position = models.CharField(_("position"), max_length=10, choices=Position.choices)

    class Meta:
        verbose_name = _("leading group member")
        verbose_name_plural = _("leading group members")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class ContactPerson(models.Model):
    pairing = models.ForeignKey(
        Pairing, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("pairing")
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class NeedsDimension(models.TextChoices):
    PLANNING = "planning", _("Development planning")
    STAFFING = "staffing", _("Teaching staff")
    CURRICULUM = "curriculum", _("Curriculum")
    STUDENTS = "students", _("Student development")
    FACILITIES = "facilities", _("Facilities")
    LOGISTICS = "logistics", _("Logistics management")


class NeedsAssessment(ChoiceLabels, models.Model):
    """One of the six dimensions of a school's needs, as assessed for a pairing."""

    class Rating(models.IntegerChoices):
        VERY_WEAK = 1, _("Very weak")
        WEAK = 2, _("Weak")
        ADEQUATE = 3, _("Adequate")
        GOOD = 4, _("Good")
        STRONG = 5, _("Strong")

    pairing = models.ForeignKey(
        Pairing, on_delete=models.CASCADE, related_name="needs", verbose_name=_("pairing")
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    dimension = models.CharField(_("dimension"), max_length=20, choices=NeedsDimension.choices)
    rating = models.PositiveSmallIntegerField(_("current level"), choices=Rating.choices)
    findings = models.TextField(_("findings"), blank=True)
    needs = models.TextField(_("what is needed"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")
        ordering = ["school_id", "dimension"]
        indexes = [models.Index(fields=["school", "dimension"], name="needs_order_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "school", "dimension"], name="one_assessment_per_dimension"
            ),
            models.CheckConstraint(name="rating_1_to_5", condition=Q(rating__gte=1, rating__lte=5)),
        ]

    def __str__(self) -> str:
        return f"{self.school} · {self.get_dimension_display()}"


class PeriodKind(models.TextChoices):
    YEAR = "year", _("School year")
    TERM = "term", _("Term")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")


class Goal(ChoiceLabels, models.Model):
    """A measurable target of the development plan for one period.

    Yearly goals are broken into term, quarter or month tasks through ``parent``.
    ``current_value`` is the latest reported progress, kept by the services.
    """

    pairing = models.ForeignKey(
        Pairing, on_delete=models.CASCADE, related_name="goals", verbose_name=_("pairing")
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    dimension = models.CharField(
        _("dimension"), max_length=20, choices=NeedsDimension.choices, blank=True
    )
    title = models.CharField(_("goal"), max_length=200)
    target_value = models.DecimalField(
        _("target"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit = models.CharField(_("unit"), max_length=20, help_text=_("e.g. 名, 门, %"))
    current_value = models.DecimalField(
        _("achieved so far"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    school_year = models.PositiveIntegerField(
        _("school year"), help_text=_("The calendar year in which the school year starts.")
    )
    period_number = models.PositiveSmallIntegerField(
        _("term, quarter or month"),
        null=True,
        blank=True,
        help_text=_("Term 1–2, quarter 1–4 or month 1–12; empty for a whole school year."),
    )
    due_on = models.DateField(_("due on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["school_year", "due_on", "id"]
        # The lists' order: a page is read off this index, not sorted.
        indexes = [models.Index(fields=["school_year", "due_on", "id"], name="goal_order_idx")]
        constraints = [
            models.CheckConstraint(name="goal_target_positive", condition=Q(target_value__gt=0)),
            models.CheckConstraint(
                name="goal_period_number_fits_kind",
                condition=Q(period_kind="year", period_number__isnull=True)
                | Q(period_kind="term", period_number__gte=1, period_number__lte=2)
                | Q(period_kind="quarter", period_number__gte=1, period_number__lte=4)
                | Q(period_kind="month", period_number__gte=1, period_number__lte=12),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def progress_percent(self) -> int:
        if not self.target_value:
            return 0
        return min(100, int(self.current_value * 100 / self.target_value))


class ProgressUpdate(models.Model):
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="updates", verbose_name=_("goal")
    )
    value = models.DecimalField(
        _("achieved so far"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    note = models.TextField(_("note"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.goal}: {self.value}"


class TermDates(models.Model):
    """A region's own dates for a term of a school year (twinning/calendar.py reads them).

    They hold for the region and every region below it that does not set its own;
    without any, a term runs by default (September–January, February–July).
    """

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="term_dates", verbose_name=_("region")
    )
    school_year = models.PositiveSmallIntegerField(
        _("school year"), help_text=_("The year the school year starts in: 2026 for 2026–2027.")
    )
    term = models.PositiveSmallIntegerField(_("term"), choices=[(1, _("Term 1")), (2, _("Term 2"))])
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("term dates")
        verbose_name_plural = _("term dates")
        ordering = ["region__path", "school_year", "term"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "school_year", "term"], name="term_dates_once_per_region"
            ),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="term_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.school_year} · {self.term}"


class DayOverride(models.Model):
    """A day that is, for a region and every region below it, a working day or not,
    whatever the national schedule says (twinning/calendar.py reads them): a year the
    holiday library does not cover yet, a local holiday, a day schools closed for snow.
    The nearest region's own entry wins."""

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="day_overrides", verbose_name=_("region")
    )
    date = models.DateField(_("date"))
    is_working_day = models.BooleanField(
        _("working day"), help_text=_("Ticked: schools work that day; unticked: they do not.")
    )
    note = models.CharField(_("note"), max_length=100, help_text=_("e.g. 2027年春节, 暴雪停课"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("working-day exception")
        verbose_name_plural = _("working-day exceptions")
        ordering = ["region__path", "date"]
        constraints = [
            models.UniqueConstraint(fields=["region", "date"], name="day_override_once_per_region"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.date:%Y-%m-%d}"
