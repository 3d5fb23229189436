"""Where the money is (DESIGN.md §3 funding/): budgets, their allocation to pairings in
tranches, disbursements with approvals, and the ledger every balance is read from.

Money is ``Decimal`` yuan with two places. The ledger is append-only: an entry is never
changed or deleted (the model refuses it, and on PostgreSQL a trigger does too); a
correction is a reversing entry. Statuses only change through funding.services.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from activities.models import Grade
from twinning import text
from twinning.models import ChoiceLabels, StoredFile

MONEY = {"max_digits": 14, "decimal_places": 2}
CENT = Decimal("0.01")


class Budget(ChoiceLabels, models.Model):
    """Money a region's bureau holds for a fiscal year, from one fund source. A ring-fenced
    budget (专款专用) funds only the pairings of its programme."""

    region = models.ForeignKey(
        "schools.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    programme = models.ForeignKey(
        "schools.Programme", on_delete=models.PROTECT, null=True, blank=True,
        related_name="budgets", verbose_name=_("programme"),
        help_text=_("Required for a ring-fenced budget: only its pairings are funded."),
    )  # fmt: skip
    source = models.CharField(
        _("fund source"), max_length=150, help_text=_("e.g. 市级财政城乡学校结对帮扶专项资金")
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    purpose = models.TextField(_("purpose"))
    ring_fenced = models.BooleanField(_("ring-fenced"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["-fiscal_year", "source", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="budget_amount_positive"),
            models.CheckConstraint(
                condition=Q(ring_fenced=False) | Q(programme__isnull=False),
                name="ring_fenced_budget_has_programme",
                violation_error_message=_("A ring-fenced budget names its programme."),
            ),
        ]
        indexes = [models.Index(fields=["region", "fiscal_year"], name="budget_region_idx")]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.source}"

    def get_absolute_url(self) -> str:
        return reverse("funding:budget_detail", args=[self.pk])


class Allocation(models.Model):
    """A budget's money set aside for one pairing, paid out in tranches."""

    budget = models.ForeignKey(
        Budget, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("budget")
    )
    pairing = models.ForeignKey(
        "schools.Pairing", on_delete=models.PROTECT, related_name="allocations",
        verbose_name=_("pairing"),
    )  # fmt: skip
    # The helping school's region, for scoped lists (DESIGN.md §5).
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("allocated by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("allocated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["budget_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "pairing"], name="allocation_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.budget} → {self.pairing_id}"


class TrancheStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    RELEASED = "released", _("Released")
    WITHHELD = "withheld", _("Withheld")


class Tranche(ChoiceLabels, models.Model):
    """A part of an allocation. The first is due within 30 days of the agreement; each
    later one is released when the evaluation of the school year before passes (the
    evaluation app calls funding.services.tranche_release_on_evaluation)."""

    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, related_name="tranches",
        verbose_name=_("allocation"),
    )  # fmt: skip
    number = models.PositiveSmallIntegerField(_("tranche"))
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    due_on = models.DateField(_("due by"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TrancheStatus.choices, default=TrancheStatus.SCHEDULED
    )
    evaluation_year = models.PositiveSmallIntegerField(
        _("released on the evaluation of school year"), null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("released by"),
    )  # fmt: skip
    # Released on a pass that a re-finalised evaluation turned into a fail: the money is
    # not taken back by itself; the bureau decides (services.money.tranche_release_on_evaluation).
    flagged_at = models.DateTimeField(_("released on a result since changed to a fail"),
                                      null=True, blank=True)  # fmt: skip

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["allocation_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["allocation", "number"], name="tranche_number_once"),
            models.UniqueConstraint(
                fields=["allocation", "evaluation_year"], name="tranche_once_per_evaluation"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tranche_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.allocation} #{self.number}"


class Purpose(models.TextChoices):
    MEAL_ALLOWANCE = "meal_allowance", _("Meal allowance for a secondment")
    TRANSPORT = "transport", _("Transport")
    INSURANCE = "insurance", _("Insurance")
    ACTIVITY = "activity", _("Activity costs")
    EQUIPMENT = "equipment", _("Equipment")
    STUDENT_AID = "student_aid", _("Student aid")


class PayeeKind(models.TextChoices):
    SCHOOL = "school", _("School")
    TEACHER = "teacher", _("Teacher")
    STUDENT = "student", _("Student")


class DisbursementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")
    REVERSED = "reversed", _("Reversed")


# Statuses whose amount is spoken for: approved (reserved) or paid.
COMMITTED_STATUSES = (DisbursementStatus.APPROVED, DisbursementStatus.PAID)
# Statuses in which a claim still counts (no second meal allowance for the same days).
LIVE_STATUSES = (
    DisbursementStatus.DRAFT, DisbursementStatus.SUBMITTED, DisbursementStatus.APPROVED,
    DisbursementStatus.PAID,
)  # fmt: skip


class Disbursement(ChoiceLabels, ConcurrentTransitionMixin, models.Model):
    """A payment out of a pairing's allocation: requested, approved by someone else,
    paid, and (if it was wrong) reversed by a ledger entry, never edited once paid."""

    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, related_name="disbursements",
        verbose_name=_("allocation"),
    )  # fmt: skip
    pairing = models.ForeignKey(
        "schools.Pairing", on_delete=models.PROTECT, related_name="disbursements",
        verbose_name=_("pairing"),
    )  # fmt: skip
    # The school paid, or the payee's school; its region for scoped lists.
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")
    payee_kind = models.CharField(_("payee"), max_length=10, choices=PayeeKind.choices)
    payee_teacher = models.ForeignKey(
        "teachers.Teacher", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("teacher paid"),
    )  # fmt: skip
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    description = models.TextField(_("what it pays for"), blank=True)
    secondment = models.ForeignKey(
        "activities.Secondment", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("secondment"),
    )  # fmt: skip
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("to"), null=True, blank=True)
    working_days = models.PositiveSmallIntegerField(_("working days"), null=True, blank=True)
    activity = models.ForeignKey(
        "activities.Activity", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("activity"),
    )  # fmt: skip
    status = FSMField(
        _("status"), default=DisbursementStatus.DRAFT, choices=DisbursementStatus.choices,
        protected=True,
    )  # fmt: skip
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("requested by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("decided by"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=60, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("recorded as paid by"),
    )  # fmt: skip
    reversal_reason = models.TextField(_("reason for reversing"), blank=True)
    history = HistoricalRecords(excluded_fields=["status"])

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_amount_positive"),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=models.F("period_start")),
                name="disbursement_period_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "created_at"], name="disbursement_region_idx"),
            models.Index(fields=["pairing", "created_at"], name="disbursement_pairing_idx"),
            models.Index(fields=["created_at", "id"], name="disbursement_recent_idx"),
            # The approval queue: submitted claims, longest waiting first.
            models.Index(fields=["status", "submitted_at"], name="disbursement_queue_idx"),
            models.Index(fields=["allocation", "status"], name="disbursement_allocation_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} · {text.money(self.amount)}"

    def get_absolute_url(self) -> str:
        return reverse("funding:disbursement_detail", args=[self.pk])

    @property
    def payee_name(self) -> str:
        if self.payee_kind == PayeeKind.TEACHER and self.payee_teacher_id:
            return self.payee_teacher.name
        return self.school.name

    @transition(field=status, source=DisbursementStatus.DRAFT, target=DisbursementStatus.SUBMITTED)
    def submit(self) -> None: ...

    @transition(
        field=status, source=DisbursementStatus.SUBMITTED, target=DisbursementStatus.APPROVED
    )
    def approve(self) -> None: ...

    @transition(
        field=status, source=DisbursementStatus.SUBMITTED, target=DisbursementStatus.REJECTED
    )
    def reject(self) -> None: ...

    @transition(field=status, source=DisbursementStatus.APPROVED, target=DisbursementStatus.PAID)
    def pay(self) -> None: ...

    @transition(field=status, source=DisbursementStatus.PAID, target=DisbursementStatus.REVERSED)
    def reverse_payment(self) -> None: ...


class DisbursementTransition(ChoiceLabels, models.Model):
    """A step of a disbursement's lifecycle: who, when, with what comment."""

    disbursement = models.ForeignKey(
        Disbursement, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(
        _("from"), max_length=10, choices=DisbursementStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=10, choices=DisbursementStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("by"),
    )  # fmt: skip
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("disbursement step")
        verbose_name_plural = _("disbursement steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.disbursement_id}: {self.from_status} → {self.to_status}"


class Receipt(StoredFile):
    """An invoice, receipt or payment slip of a disbursement."""

    disbursement = models.ForeignKey(
        Disbursement, on_delete=models.CASCADE, related_name="receipts"
    )
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")

    class Meta(StoredFile.Meta):
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")


class EntryKind(models.TextChoices):
    ALLOCATION = "allocation", _("Allocation")
    RELEASE = "release", _("Tranche released")
    PAYMENT = "payment", _("Disbursement paid")
    REVERSAL = "reversal", _("Reversal")


class Account(models.TextChoices):
    """What an entry moves: money allocated to a pairing, released to it, paid out."""

    ALLOCATED = "allocated", _("Allocated")
    RELEASED = "released", _("Released")
    PAID = "paid", _("Paid")


class LedgerQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # What an entry says is never changed; only where it is listed moves with the
        # helping school (schools.region_copies).
        if set(kwargs) == {"region"}:
            return super().update(**kwargs)
        raise TypeError("ledger entries are never changed; write a reversal")

    def delete(self):
        raise TypeError("ledger entries are never deleted; write a reversal")


class LedgerEntry(ChoiceLabels, models.Model):
    """One movement of money. Balances are sums of entries (funding.ledger); an entry is
    written once by funding.services and never changed: a reversal is a new entry with
    the opposite amount that names the entry it reverses."""

    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    account = models.CharField(_("account"), max_length=10, choices=Account.choices)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="entries")
    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="entries")
    pairing = models.ForeignKey("schools.Pairing", on_delete=models.PROTECT, related_name="+")
    # The helping school's region (as the allocation's), for scoped lists.
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")
    tranche = models.ForeignKey(
        Tranche, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    disbursement = models.ForeignKey(
        Disbursement, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by",
        verbose_name=_("reverses"),
    )  # fmt: skip
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("by"),
    )  # fmt: skip
    at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="reversal", amount__lt=0, reverses__isnull=False)
                | (~Q(kind="reversal") & Q(amount__gt=0, reverses__isnull=True)),
                name="ledger_entry_sign",
            ),
        ]
        indexes = [
            models.Index(fields=["budget", "account"], name="ledger_budget_idx"),
            models.Index(fields=["allocation", "account"], name="ledger_allocation_idx"),
            models.Index(fields=["region", "at"], name="ledger_region_idx"),
            models.Index(fields=["pairing", "at"], name="ledger_pairing_idx"),
            models.Index(fields=["at", "id"], name="ledger_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {text.money(self.amount)}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("ledger entries are never changed; write a reversal")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("ledger entries are never deleted; write a reversal")


class DonationCategory(models.TextChoices):
    EQUIPMENT = "equipment", _("Equipment")
    BOOKS = "books", _("Books")
    CLOTHING = "clothing", _("Clothing")
    STATIONERY = "stationery", _("Stationery and teaching materials")
    SPORTS = "sports", _("Sports goods")
    OTHER = "other", _("Other")


class Donation(ChoiceLabels, models.Model):
    """A donation in kind (捐赠物资) received by a school of a pairing: not money, so not in
    the ledger, but counted at its estimated value beside it."""

    pairing = models.ForeignKey(
        "schools.Pairing", on_delete=models.PROTECT, related_name="donations",
        verbose_name=_("pairing"),
    )  # fmt: skip
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("receiving school"),
    )  # fmt: skip
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")
    donor = models.CharField(_("donor"), max_length=150)
    category = models.CharField(_("category"), max_length=12, choices=DonationCategory.choices)
    items = models.CharField(_("items"), max_length=200, help_text=_("e.g. 笔记本电脑, 课外读物"))
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit = models.CharField(_("unit"), max_length=10, help_text=_("e.g. 台, 册, 件"))
    estimated_value = models.DecimalField(_("estimated value (yuan)"), **MONEY)
    received_on = models.DateField(_("received on"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("recorded by"),
    )  # fmt: skip
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("donation in kind")
        verbose_name_plural = _("donations in kind")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_value__gt=0), name="donation_value_positive"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="donation_quantity_positive"),
        ]
        indexes = [
            models.Index(fields=["region", "received_on"], name="donation_region_idx"),
            models.Index(fields=["pairing", "received_on"], name="donation_pairing_idx"),
            models.Index(fields=["received_on", "id"], name="donation_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.donor}: {self.items} × {self.quantity}"

    def get_absolute_url(self) -> str:
        return reverse("funding:donation_detail", args=[self.pk])


class DonationEvidence(StoredFile):
    """A photo of the handover, a receipt list or a letter of thanks."""

    donation = models.ForeignKey(Donation, on_delete=models.CASCADE, related_name="evidence")
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")

    class Meta(StoredFile.Meta):
        verbose_name = _("donation evidence")
        verbose_name_plural = _("donation evidence")


# --- student aid (资助) -------------------------------------------------------------------------
# A student's details are read by the coordinators of their school and by the aid officers
# (Role.AID) of their region, and every reading is logged (StudentAccessLog). No national
# ID number is ever stored. Public notices show masked names only (funding.privacy).


class Student(ChoiceLabels, models.Model):
    class Gender(models.TextChoices):
        FEMALE = "f", _("Female")
        MALE = "m", _("Male")

    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    grade = models.CharField(_("grade"), max_length=2, choices=Grade.choices)
    class_name = models.CharField(_("class"), max_length=30, help_text=_("e.g. 三(2)班"))
    guardian_name = models.CharField(_("guardian"), max_length=50)
    guardian_phone = models.CharField(_("guardian's phone"), max_length=30)
    note = models.TextField(
        _("circumstances"), blank=True,
        help_text=_("What the family's situation is; no ID numbers."),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("recorded by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["school_id", "grade", "class_name", "name", "id"]
        indexes = [
            models.Index(fields=["school", "name"], name="student_school_idx"),
            models.Index(fields=["region", "id"], name="student_region_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("funding:student_detail", args=[self.pk])


class AidKind(models.TextChoices):
    NATIONAL_GRANT = "national_grant", _("National grant (国家助学金)")
    FEE_WAIVER = "fee_waiver", _("Fee waiver (减免)")
    NUTRITION = "nutrition", _("Nutrition programme (营养改善计划)")
    SCHOOL_FUND = "school_fund", _("School aid fund (爱心助学基金)")
    WINTER_CLOTHING = "winter_clothing", _("Winter clothing (冬衣)")
    OTHER = "other", _("Other")


class AidForm(models.TextChoices):
    MONEY = "money", _("Money")
    IN_KIND = "in_kind", _("In kind")


class AidPeriod(models.TextChoices):
    TERM = "term", _("per term")
    YEAR = "year", _("per school year")


class AidScheme(ChoiceLabels, models.Model):
    """An aid a region gives: what, in money or in kind, per term or per year, in tiers."""

    region = models.ForeignKey(
        "schools.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=AidKind.choices)
    form = models.CharField(_("given as"), max_length=10, choices=AidForm.choices)
    period = models.CharField(_("granted"), max_length=10, choices=AidPeriod.choices)
    notice_days = models.PositiveSmallIntegerField(
        _("public notice (working days)"), default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )  # fmt: skip
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("open for applications"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("aid scheme")
        verbose_name_plural = _("aid schemes")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("funding:aid_scheme_detail", args=[self.pk])


class AidTier(models.Model):
    """A level of a scheme (一档, 二档 …): its amount a period, or what is given."""

    scheme = models.ForeignKey(AidScheme, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(_("tier"), max_length=30)
    amount = models.DecimalField(_("amount a period (yuan)"), **MONEY, default=Decimal("0.00"))
    items = models.CharField(_("what is given"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=1)

    class Meta:
        verbose_name = _("aid tier")
        verbose_name_plural = _("aid tiers")
        ordering = ["scheme_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "name"], name="aid_tier_name_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="aid_tier_amount"),
        ]

    def __str__(self) -> str:
        return self.name


class AidStatus(models.TextChoices):
    DRAFT = "draft", _("Identifying")
    REVIEW = "review", _("Under review")
    NOTICE = "notice", _("On public notice")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid or given")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# An application in one of these holds its period: no second one of the scheme then.
HOLDING_AID_STATUSES = ("draft", "review", "notice", "approved", "paid")


class AidStep(models.TextChoices):
    """The five steps that identify a student in need (seed 004), in order."""

    CLASS_SURVEY = "class_survey", _("Class survey (班级摸排)")
    HOME_VISIT = "home_visit", _("Home visit (家访)")
    APPLICATION = "application", _("Application (学生申请)")
    GUARDIAN_SIGNATURE = "guardian_signature", _("Guardian's signature (监护人签字)")
    DEMOCRATIC_REVIEW = "democratic_review", _("Democratic review (民主评议)")


class AidNotice(ChoiceLabels, models.Model):
    """A public notice (公示) of a school's applications to a scheme: a fixed window of
    working days in which anyone may object. Public only once the bureau publishes it,
    at an address with a secret token; it shows masked names and no contact data."""

    scheme = models.ForeignKey(
        AidScheme, on_delete=models.PROTECT, related_name="notices", verbose_name=_("scheme")
    )
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")
    period_key = models.CharField(_("period"), max_length=10)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    token = models.CharField(max_length=43, unique=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("published by"),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("opened by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["-starts_on", "-id"]
        indexes = [
            models.Index(fields=["region", "starts_on"], name="aid_notice_region_idx"),
            # The newest page of a wide scope (a province's) read off the index.
            models.Index(fields=["starts_on", "id"], name="aid_notice_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} · {self.period_key}"

    def get_absolute_url(self) -> str:
        return reverse("funding:aid_notice_detail", args=[self.pk])

    @property
    def lapsed(self) -> bool:
        """Its first day went by before it was published: its days would be short, so it
        is never published; a new notice takes its applications (services.aid)."""
        from twinning import calendar

        return self.published_at is None and calendar.today() > self.starts_on


class AidApplication(ChoiceLabels, ConcurrentTransitionMixin, models.Model):
    """A student's aid from a scheme for one period (a term: ``2026-1``, a school year:
    ``2026``), from identification through review, public notice and approval to
    payment. One per student, scheme and period (a constraint), unless rejected or
    withdrawn."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="applications",
        verbose_name=_("student"),
    )  # fmt: skip
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")
    scheme = models.ForeignKey(
        AidScheme, on_delete=models.PROTECT, related_name="applications",
        verbose_name=_("scheme"),
    )  # fmt: skip
    tier = models.ForeignKey(AidTier, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("tier"))  # fmt: skip
    school_year = models.PositiveSmallIntegerField(
        _("school year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    term = models.PositiveSmallIntegerField(
        _("term"), null=True, blank=True, choices=[(1, _("Term 1")), (2, _("Term 2"))]
    )
    period_key = models.CharField(_("period"), max_length=10, editable=False)
    status = FSMField(
        _("status"), default=AidStatus.DRAFT, choices=AidStatus.choices, protected=True
    )
    notice = models.ForeignKey(
        AidNotice, on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )
    renewal_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewal",
        verbose_name=_("renews"),
    )  # fmt: skip
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("decided by"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True)
    paid_on = models.DateField(_("paid or given on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("started by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["status"])

    class Meta:
        verbose_name = _("aid application")
        verbose_name_plural = _("aid applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "scheme", "period_key"],
                condition=Q(status__in=HOLDING_AID_STATUSES),
                name="aid_once_per_scheme_and_period",
                violation_error_message=_(
                    "This student already has this aid for this period."
                ),
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["region", "created_at"], name="aid_application_region_idx"),
            models.Index(fields=["school", "status"], name="aid_application_school_idx"),
            # A province's list, newest first: read off this index, not sorted.
            models.Index(fields=["created_at", "id"], name="aid_application_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} · {self.period_key}"

    def get_absolute_url(self) -> str:
        return reverse("funding:aid_application_detail", args=[self.pk])

    @transition(field=status, source=AidStatus.DRAFT, target=AidStatus.REVIEW)
    def submit(self) -> None: ...

    @transition(field=status, source=AidStatus.REVIEW, target=AidStatus.NOTICE)
    def put_on_notice(self) -> None: ...

    @transition(field=status, source=AidStatus.NOTICE, target=AidStatus.APPROVED)
    def approve(self) -> None: ...

    @transition(
        field=status, source=[AidStatus.REVIEW, AidStatus.NOTICE], target=AidStatus.REJECTED
    )
    def reject(self) -> None: ...

    @transition(field=status, source=AidStatus.APPROVED, target=AidStatus.PAID)
    def pay(self) -> None: ...

    @transition(
        field=status, source=[AidStatus.DRAFT, AidStatus.REVIEW], target=AidStatus.WITHDRAWN
    )
    def withdraw(self) -> None: ...


class AidStepRecord(models.Model):
    """One of the five identification steps of an application, done on a day."""

    application = models.ForeignKey(AidApplication, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("step"), max_length=20, choices=AidStep.choices)
    done_on = models.DateField(_("done on"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("recorded by"),
    )  # fmt: skip
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("identification step")
        verbose_name_plural = _("identification steps")
        constraints = [
            models.UniqueConstraint(fields=["application", "step"], name="aid_step_once"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.step}"


class AidDocument(StoredFile):
    """A file of an application: the guardian's signed form, a home-visit record …"""

    application = models.ForeignKey(
        AidApplication, on_delete=models.CASCADE, related_name="documents"
    )
    step = models.CharField(_("step"), max_length=20, choices=AidStep.choices)
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")

    class Meta(StoredFile.Meta):
        verbose_name = _("aid document")
        verbose_name_plural = _("aid documents")


class AidObjection(models.Model):
    """An objection raised during a public notice, and how it was resolved."""

    notice = models.ForeignKey(AidNotice, on_delete=models.CASCADE, related_name="objections")
    application = models.ForeignKey(
        AidApplication, on_delete=models.CASCADE, related_name="objections",
        verbose_name=_("application objected to"),
    )  # fmt: skip
    received_on = models.DateField(_("received on"))
    content = models.TextField(_("objection"))
    resolution = models.TextField(_("resolution"), blank=True)
    upheld = models.BooleanField(_("upheld"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("resolved by"),
    )  # fmt: skip
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("recorded by"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id}: {self.content[:30]}"


class AidReview(models.Model):
    """The yearly re-review (年度复核) of a student's aid: the tier may change, or the aid
    stop; kept, so that the history of tiers stays."""

    class Decision(models.TextChoices):
        CONTINUE = "continue", _("Continue at the same tier")
        CHANGE = "change", _("Continue at another tier")
        STOP = "stop", _("Stop")

    application = models.OneToOneField(
        AidApplication, on_delete=models.CASCADE, related_name="review",
        verbose_name=_("application reviewed"),
    )  # fmt: skip
    school_year = models.PositiveSmallIntegerField(_("for school year"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    previous_tier = models.ForeignKey(AidTier, on_delete=models.PROTECT, related_name="+")
    tier = models.ForeignKey(
        AidTier, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("new tier"),
    )  # fmt: skip
    note = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("reviewed by"),
    )  # fmt: skip
    reviewed_at = models.DateTimeField(_("reviewed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("yearly re-review")
        verbose_name_plural = _("yearly re-reviews")

    def __str__(self) -> str:
        return f"{self.application_id}: {self.decision}"


class StudentAccessLog(models.Model):
    """Who read or downloaded whose details, when, and what (privacy of student aid)."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        EXPORT = "export", _("Downloaded")
        API = "api", _("Read through the API")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("who"),
    )  # fmt: skip
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("student"),
    )  # fmt: skip
    # The region the details belong to, so that a region's aid officers read its log.
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("what"), max_length=10, choices=Action.choices)
    what = models.CharField(_("details"), max_length=300)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("student data access")
        verbose_name_plural = _("student data accesses")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["student", "at"], name="student_access_student_idx"),
            models.Index(fields=["region", "at"], name="student_access_region_idx"),
            models.Index(fields=["at", "id"], name="student_access_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.what}"
