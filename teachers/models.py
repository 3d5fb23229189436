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
from simple_history.models import HistoricalRecords

from twinning import calendar
from twinning.models import ChoiceLabels


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
