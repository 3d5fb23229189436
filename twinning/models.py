"""Users, role assignments, in-app notifications, and the choice-label mixin of the models."""

import functools

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


@functools.cache
def _choice_labels(field) -> dict:
    # The labels stay lazy: they are translated when shown, in the language of the moment.
    return dict(make_hashable(field.flatchoices))


class ChoiceLabels:
    """A model mixin: ``get_<field>_display()`` looks its label up in a dict built once per
    field. Django's own builds the dict of every choice on each call (about 30 µs: a list
    page calling it for two fields of 25 rows spends 1.5 ms there)."""

    def _get_FIELD_display(self, field):  # noqa: N802 – Django's name, overridden
        value = getattr(self, field.attname)
        label = _choice_labels(field).get(make_hashable(value), value)
        return force_str(label, strings_only=True)


class User(ChoiceLabels, AbstractUser):
    """A person who signs in. Rights come from their role assignments, never from here."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="zh-hans",
        help_text=_("Language of emails and notifications sent to this user."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username


class Role(models.TextChoices):
    BUREAU = "bureau", _("Bureau staff")
    COORDINATOR = "coordinator", _("School coordinator")
    TEACHER = "teacher", _("Teacher")
    INSPECTOR = "inspector", _("Inspector")
    # The right to handle student aid (资助): bureau staff of a region who see students'
    # details and decide their aid. Held beside the bureau role, never instead of it.
    AID = "aid", _("Student aid officer")


# Which scope each role carries: a region, a school, or the person themselves.
REGION_ROLES = (Role.BUREAU, Role.INSPECTOR, Role.AID)
SCHOOL_ROLES = (Role.COORDINATOR, Role.TEACHER)


class RoleAssignment(ChoiceLabels, models.Model):
    """``(user, role, scope)``. A user's rights are the union of their assignments.

    Bureau staff and inspectors are scoped to a region (and everything below it);
    coordinators to a school; teachers to themselves, with their school recorded
    so that they can read what concerns it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    # Lazy references: the scope objects live in the schools app, which depends on
    # this one; only the database relation points upwards, no code import does.
    region = models.ForeignKey(
        "schools.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("region"),
    )
    school = models.ForeignKey(
        "schools.School",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("school"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                name="role_scope_matches_role",
                condition=(
                    Q(role__in=REGION_ROLES, region__isnull=False, school__isnull=True)
                    | Q(role__in=SCHOOL_ROLES, region__isnull=True, school__isnull=False)
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region", "school"], name="unique_role_assignment"
            ),
        ]

    def __str__(self) -> str:
        scope = self.region or self.school
        return f"{self.user} · {self.get_role_display()} · {scope}"


class Notification(models.Model):
    """An in-app message. ``key`` makes sending idempotent: one per recipient and event."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    key = models.CharField(_("event key"), max_length=120)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="unique_notification_key")
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.title


class ImportBatch(models.Model):
    """An uploaded spreadsheet, checked in a dry run before anything is written.

    The file is kept with its check so that the user confirms exactly what they
    previewed, and so that the import history says who loaded what, when.
    """

    class Status(models.TextChoices):
        CHECKING = "checking", _("Being checked")
        INVALID = "invalid", _("Has errors")
        READY = "ready", _("Ready to import")
        IMPORTING = "importing", _("Being imported")
        IMPORTED = "imported", _("Imported")

    kind = models.CharField(_("kind"), max_length=30)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="import_batches",
        verbose_name=_("user"),
    )
    filename = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(_("file"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    # {"new": n, "update": n, "skip": n, "error": n}
    counts = models.JSONField(_("counts"), default=dict)
    # [{"row": 3, "column": "工号", "message": "…"}], row 0 for the file as a whole
    errors = models.JSONField(_("errors"), default=list)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "kind", "-created_at"], name="import_user_idx"),
            # A bureau's history (everyone in its regions) read newest first off the index.
            models.Index(fields=["created_at", "id"], name="import_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def kind_name(self) -> str:
        """What the file holds (teachers, schools …), as its kind registered it."""
        from .imports import KINDS

        kind = KINDS.get(self.kind)
        return str(kind.name) if kind else self.kind


def stored_file_path(instance, filename: str) -> str:
    # The name is already random (twinning.attachments.stored_upload); spread by month.
    return f"files/{timezone.now():%Y/%m}/{filename}"


class StoredFile(models.Model):
    """An uploaded file of some record; each app's attachment models extend it. The
    file is checked and named by twinning/attachments.py and only ever served by a
    view that found its record through a scoped selector."""

    file = models.FileField(_("file"), upload_to=stored_file_path)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("uploaded by"),
    )  # fmt: skip
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # A small JPEG of a photo, made on upload (twinning.attachments.thumbnail_of).
    thumbnail = models.FileField(_("thumbnail"), upload_to=stored_file_path, blank=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
