"""Users, role assignments, notifications and their channels (preferences, work-chat robots,
the delivery log, the reminders' runs), and the choice-label mixin of the models."""

import functools

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
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
    chat_mention = models.BooleanField(
        _("may be @mentioned in work-chat groups"),
        default=False,
        help_text=_("A group robot's message for you names you by your phone number."),
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
    # A head of the region's bureau (负责人): a proposal waiting over a week is escalated to
    # them (schools/reminders.py). Meaningful for bureau staff only.
    head = models.BooleanField(_("head of the bureau"), default=False)
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


class Channel(models.TextChoices):
    """Where a notification reaches its recipient (twinning/notify)."""

    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Work chat")
    DIGEST = "digest", _("Daily digest")


class Notification(models.Model):
    """What was said to a person about an event: one per recipient, kind and key.

    ``kind`` is the reason (a key of the notification catalogue, twinning/notify/kinds.py)
    and ``key`` names the object and the period (``activity:12:2026-03-04``): the
    constraint makes every event and reminder reach a person at most once, however often
    a task runs. The row is kept whatever channels the person chose; ``in_app`` says
    whether the notification centre lists it, ``in_digest`` whether the daily digest
    carries it. Emails and chat messages are :class:`Delivery` rows.

    ``title`` and ``body`` are in the recipient's language when it was written (its email
    and digest); ``texts`` holds the same in every language of the platform, so that the
    centre shows it in the language the reader reads the page in (:meth:`text_in`).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=60)
    key = models.CharField(_("event key"), max_length=120)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    in_app = models.BooleanField(_("in the app"), default=True)
    in_digest = models.BooleanField(_("in the daily digest"), default=False)
    # {language code: [title, body]} for each of settings.LANGUAGES.
    texts = models.JSONField(_("in each language"), default=dict, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "key"], name="unique_notification_event"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["recipient", "kind", "-created_at"], name="notification_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def text_in(self, language: str | None = None) -> tuple[str, str]:
        """Title and body in ``language`` (by default the active one); as written for its
        recipient when it has no text in that language (written before there were)."""
        language = language or translation.get_language() or settings.LANGUAGE_CODE
        found = self.texts.get(language)
        return (found[0], found[1]) if found else (self.title, self.body)

    @property
    def shown_title(self) -> str:
        return self.text_in()[0]

    @property
    def shown_body(self) -> str:
        return self.text_in()[1]


class ChannelChoices(models.Model):
    """The four channels of one kind of notification, chosen or not."""

    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("email"), default=False)
    chat = models.BooleanField(_("work chat"), default=False)
    digest = models.BooleanField(_("daily digest"), default=False)

    class Meta:
        abstract = True

    @property
    def channels(self) -> frozenset[str]:
        return frozenset(c for c in Channel.values if getattr(self, c))


class NotificationPreference(ChannelChoices):
    """A person's own choice of channels for one kind; without one they inherit their
    region's default for their role, or the catalogue's."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=60)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="unique_preference_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}"


class RegionNotificationDefault(ChannelChoices):
    """A region's bureau's default channels of one kind for one role: everyone of that role
    in the region (and below it, unless a nearer region says otherwise) inherits it until
    they choose for themselves."""

    region = models.ForeignKey(
        "schools.Region",
        on_delete=models.CASCADE,
        related_name="notification_defaults",
        verbose_name=_("region"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    kind = models.CharField(_("kind"), max_length=60)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("changed by"),
    )  # fmt: skip
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("region notification default")
        verbose_name_plural = _("region notification defaults")
        constraints = [
            models.UniqueConstraint(fields=["region", "role", "kind"], name="unique_region_default")
        ]

    def __str__(self) -> str:
        return f"{self.region} · {self.role} · {self.kind}"


class ChatRobot(ChoiceLabels, models.Model):
    """A work-chat group's robot (企业微信 group robot, 钉钉 custom robot), registered by the
    bureau of a region or the coordinator of a school. Its token and secret are written
    once and never shown again (pages show the last four characters of the token)."""

    class Platform(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot (企业微信)")
        DINGTALK = "dingtalk", _("DingTalk custom robot (钉钉)")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    name = models.CharField(_("group name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    region = models.ForeignKey(
        "schools.Region", on_delete=models.CASCADE, null=True, blank=True,
        related_name="chat_robots", verbose_name=_("region"),
    )  # fmt: skip
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, null=True, blank=True,
        related_name="chat_robots", verbose_name=_("school"),
    )  # fmt: skip
    # The webhook's key (企业微信) or access token (钉钉), and 钉钉's signing secret.
    token = models.CharField(_("webhook key or access token"), max_length=200)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    # Failed sends in a row: a robot that reaches ROBOT_PAUSE_AFTER_FAILURES is paused.
    failures = models.PositiveSmallIntegerField(_("failures in a row"), default=0)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_reason = models.TextField(_("why it was paused"), blank=True)
    # Held by the worker sending the robot's queue (twinning/notify/chat.py): one at a time,
    # so the rate limit is counted by one; it lapses by itself if that worker dies.
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("registered by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("work-chat robot")
        verbose_name_plural = _("work-chat robots")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                name="robot_has_one_owner",
                condition=(
                    Q(region__isnull=False, school__isnull=True)
                    | Q(region__isnull=True, school__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def token_hint(self) -> str:
        """What pages show of the token: enough to tell two robots apart, no more."""
        return f"…{self.token[-4:]}" if len(self.token) > 8 else "…"


class Delivery(models.Model):
    """One email or one chat message, and what became of it: the delivery log.

    An email carries one notification to its recipient; a chat message carries one event
    to a robot's group (with the @mentions of everyone in it who chose the group). Each
    is unique per recipient (or robot), kind and key, as notifications are."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        FOLDED = "folded", _("Sent in a summary")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="deliveries", verbose_name=_("recipient"),
    )  # fmt: skip
    robot = models.ForeignKey(
        ChatRobot, on_delete=models.CASCADE, null=True, blank=True,
        related_name="deliveries", verbose_name=_("robot"),
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=60)
    key = models.CharField(_("event key"), max_length=120)
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    mentions = models.JSONField(_("mentioned phones"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The last answer of the server (or the error), with any token or secret taken out.
    answer = models.TextField(_("answer"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    folded_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="folded",
        verbose_name=_("summary"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["robot", "kind", "key"], condition=Q(robot__isnull=False),
                name="unique_robot_delivery",
            ),
            models.UniqueConstraint(
                fields=["recipient", "channel", "kind", "key"],
                condition=Q(recipient__isnull=False), name="unique_person_delivery",
            ),
            models.CheckConstraint(
                name="delivery_has_one_addressee",
                condition=(
                    Q(recipient__isnull=False, robot__isnull=True)
                    | Q(recipient__isnull=True, robot__isnull=False)
                ),
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["robot", "status", "created_at"], name="delivery_queue_idx"),
            models.Index(fields=["robot", "sent_at"], name="delivery_window_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return self.subject


class ReminderRun(models.Model):
    """One run of a reminder of the catalogue (twinning/notify/reminders.py): when, and
    how many notifications it gave (new ones; a second run the same day gives none)."""

    reminder = models.CharField(_("reminder"), max_length=60)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    sent = models.PositiveIntegerField(_("sent"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("reminder run")
        verbose_name_plural = _("reminder runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["reminder", "-started_at"], name="reminder_run_idx")]

    def __str__(self) -> str:
        return f"{self.reminder} {self.started_at:%Y-%m-%d %H:%M}"


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


class InForceQuerySet(models.QuerySet):
    def current(self):
        return self.filter(valid_until__isnull=True)


class InForce(models.Model):
    """A rule of a programme that is changed by retiring it and adding its successor, so
    that a period already closed is still counted by the rules it had
    (twinning/rulebook.py)."""

    valid_from = models.DateField(_("in force from"), default=timezone.localdate)
    valid_until = models.DateField(_("in force until"), null=True, blank=True)

    objects = InForceQuerySet.as_manager()

    class Meta:
        abstract = True
