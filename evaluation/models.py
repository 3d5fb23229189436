"""The yearly evaluation of a pairing (年度考核验收): scorecard templates in versions, and
each pairing year's scorecard with its scores, evidence and history (DESIGN.md §3
evaluation/).

A template (areas → indicators, each with its maximum points, scored by hand or by a
metric of evaluation/metrics.py) is a draft while its bureau shapes it and is published
once its indicators total its maximum. A published version is never changed: a change
makes the next version, whose areas and indicators may say which of the previous
version's they continue (``continues``), so that a pair's years stay comparable area by
area across versions (``lineage``: the same value along a chain of continuations).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from twinning.models import ChoiceLabels, StoredFile

POINTS = {"max_digits": 5, "decimal_places": 1}
# An automatic indicator's points before the total is rounded (rounded once, at the total).
EXACT_POINTS = {"max_digits": 12, "decimal_places": 6}
ONE_PLACE = Decimal("0.1")


class Template(ChoiceLabels, models.Model):
    """A version of a programme's scorecard template (``programme`` None: the platform's
    default, loaded by a data migration, which bureaus copy and adapt)."""

    programme = models.ForeignKey(
        "schools.Programme", on_delete=models.PROTECT, null=True, blank=True,
        related_name="scorecard_templates", verbose_name=_("programme"),
    )  # fmt: skip
    # The programme's region (None for the default): scoped lists are one indexed filter.
    region = models.ForeignKey(
        "schools.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("region"),
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=150)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("previous version"),
    )  # fmt: skip
    max_points = models.DecimalField(_("maximum points"), **POINTS, default=Decimal("100.0"))
    # Grade bands: 优秀 from band_excellent, 良好 from band_good, 合格 from band_pass.
    band_excellent = models.DecimalField(_("excellent from"), **POINTS, default=Decimal("90.0"))
    band_good = models.DecimalField(_("good from"), **POINTS, default=Decimal("75.0"))
    band_pass = models.DecimalField(_("pass from"), **POINTS, default=Decimal("60.0"))
    opens_days_before = models.PositiveSmallIntegerField(
        _("self-assessment opens (days before the year ends)"), default=30
    )
    description = models.TextField(_("description"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("created by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scorecard template")
        verbose_name_plural = _("scorecard templates")
        ordering = ["programme_id", "-version", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "version"], name="template_version_once",
                condition=Q(programme__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["version"], name="default_template_version_once",
                condition=Q(programme__isnull=True),
            ),
            models.CheckConstraint(
                condition=Q(band_excellent__gte=models.F("band_good"))
                & Q(band_good__gte=models.F("band_pass")) & Q(band_pass__gte=0),
                name="template_bands_in_order",
                violation_error_message=_(
                    "The grade bands must go down from excellent to good to pass."
                ),
            ),
            models.CheckConstraint(
                condition=Q(max_points__gt=0), name="template_max_points_positive"
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return _("%(name)s (version %(version)s)") % {"name": self.name, "version": self.version}

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_default(self) -> bool:
        return self.programme_id is None


class Area(models.Model):
    """A group of indicators (学校管理, 教育教学 …)."""

    template = models.ForeignKey(
        Template, on_delete=models.CASCADE, related_name="areas", verbose_name=_("template")
    )
    name = models.CharField(_("area"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    continues = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("continues the area"),
    )  # fmt: skip
    lineage = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["template_id", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Source(models.TextChoices):
    MANUAL = "manual", _("Scored by hand, with evidence")
    AUTOMATIC = "automatic", _("Computed from the records")


class Rule(models.TextChoices):
    # points = maximum × min(1, value / target)
    SHARE = "share", _("Share of a target")
    # points = the points of the highest step the value reaches
    THRESHOLDS = "thresholds", _("Thresholds")


class Indicator(ChoiceLabels, models.Model):
    template = models.ForeignKey(
        Template, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("template")
    )
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("area")
    )
    code = models.CharField(_("number"), max_length=10, help_text=_("e.g. 1.2"))
    name = models.CharField(_("indicator"), max_length=200)
    criteria = models.TextField(_("what earns the points"), blank=True)
    max_points = models.DecimalField(_("maximum points"), **POINTS)
    source = models.CharField(_("scored"), max_length=10, choices=Source.choices)
    metric = models.CharField(_("metric"), max_length=40, blank=True)
    rule = models.CharField(_("rule"), max_length=12, choices=Rule.choices, blank=True)
    target = models.DecimalField(
        _("target"), max_digits=14, decimal_places=2, null=True, blank=True,
        help_text=_("The value that earns full points (share of a target)."),
    )  # fmt: skip
    # [[value, points], …] ascending: the points of the highest value reached.
    steps = models.JSONField(_("thresholds"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    continues = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("continues the indicator"),
    )  # fmt: skip
    lineage = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["template_id", "area__order", "area_id", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_points__gt=0), name="indicator_max_points_positive"
            ),
            models.CheckConstraint(
                condition=Q(source="manual") | (~Q(metric="") & ~Q(rule="")),
                name="automatic_indicator_has_metric_and_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_automatic(self) -> bool:
        return self.source == Source.AUTOMATIC


class ScorecardStatus(models.TextChoices):
    OPEN = "open", _("Self-assessment")
    CONFIRMING = "confirming", _("Awaiting the assisted school's confirmation")
    SUBMITTED = "submitted", _("Awaiting inspection")
    INSPECTED = "inspected", _("Awaiting finalisation")
    FINALISED = "finalised", _("Finalised")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent (优秀)")
    GOOD = "good", _("Good (良好)")
    PASS = "pass", _("Pass (合格)")
    FAIL = "fail", _("Fail (不合格)")


class Scorecard(ChoiceLabels, models.Model):
    """A pairing year's evaluation (the pairing year runs from the agreement's signing
    date). Its status only changes through evaluation.services."""

    pairing = models.ForeignKey(
        "schools.Pairing", on_delete=models.PROTECT, related_name="scorecards",
        verbose_name=_("pairing"),
    )  # fmt: skip
    programme = models.ForeignKey(
        "schools.Programme", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("programme"),
    )  # fmt: skip
    # The pairing's (the programme's) region and its helping school, for scoped lists.
    region = models.ForeignKey(
        "schools.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    helping_school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("helping school"),
    )  # fmt: skip
    template = models.ForeignKey(
        Template, on_delete=models.PROTECT, related_name="scorecards",
        verbose_name=_("template"),
    )  # fmt: skip
    year = models.PositiveSmallIntegerField(_("pairing year"))
    period_start = models.DateField(_("year starts"))
    period_end = models.DateField(_("year ends"))
    opens_on = models.DateField(_("self-assessment opens"))
    due_on = models.DateField(_("due by"))
    status = models.CharField(
        _("status"), max_length=12, choices=ScorecardStatus.choices,
        default=ScorecardStatus.OPEN, db_index=True,
    )  # fmt: skip
    # The result, stored when finalised (and replaced when finalised again).
    total = models.DecimalField(_("total"), **POINTS, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    pass_mark = models.DecimalField(_("pass mark"), **POINTS, null=True, blank=True)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("finalised by"),
    )  # fmt: skip
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The automatic values as last computed; frozen at the first finalisation (later
    # records change nothing, also after a reopening).
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    frozen_at = models.DateTimeField(_("automatic values frozen at"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "year"], name="scorecard_once_a_year"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="scorecard_period_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "status", "due_on"], name="scorecard_queue_idx"),
            models.Index(fields=["programme", "period_start"], name="scorecard_programme_idx"),
            models.Index(fields=["helping_school", "year"], name="scorecard_school_idx"),
            # The lists, newest year first: a page of 25 is read off the index.
            models.Index(fields=["-period_end", "-id"], name="scorecard_recent_idx"),
            # The rankings, highest total first: their page is read off the index too.
            models.Index(
                fields=["-total", "pairing", "year", "id"],
                name="scorecard_ranking_idx",
                condition=Q(status="finalised"),
            ),
        ]

    def __str__(self) -> str:
        return _("Evaluation of year %(year)s (%(start)s – %(end)s)") % {
            "year": self.year, "start": self.period_start, "end": self.period_end,
        }  # fmt: skip

    @property
    def is_finalised(self) -> bool:
        return self.status == ScorecardStatus.FINALISED


class IndicatorScore(models.Model):
    """One indicator of one scorecard: the automatic value (as last computed, frozen at
    finalisation), the school's self-assessment and the inspector's score."""

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="scores", verbose_name=_("scorecard")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("indicator")
    )
    # Automatic: the metric's value (None: no data) and the points the rule gives it.
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4, null=True, blank=True)
    auto_points = models.DecimalField(_("computed points"), **EXACT_POINTS, null=True, blank=True)
    detail = models.JSONField(_("how it was computed"), default=dict, blank=True)
    self_score = models.DecimalField(_("self-assessed score"), **POINTS, null=True, blank=True)
    self_note = models.TextField(_("self-assessment note"), blank=True)
    inspector_score = models.DecimalField(_("inspector's score"), **POINTS, null=True, blank=True)
    inspector_comment = models.TextField(_("inspector's comment"), blank=True)
    # An inspector may replace an automatic indicator's points, with a reason.
    override_points = models.DecimalField(_("points set by the inspector"), **POINTS, null=True,
                                          blank=True)  # fmt: skip
    override_reason = models.TextField(_("reason for the change"), blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("inspector"),
    )  # fmt: skip
    inspected_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    # The points counted in the total, stored when the scorecard is finalised.
    points = models.DecimalField(_("points"), **EXACT_POINTS, null=True, blank=True)
    # Who changed which score when (the automatic values are the system's, not kept).
    history = HistoricalRecords(excluded_fields=["value", "auto_points", "detail", "points"])

    class Meta:
        verbose_name = _("indicator score")
        verbose_name_plural = _("indicator scores")
        ordering = ["scorecard_id", "indicator__area__order", "indicator__order", "indicator_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "indicator"], name="indicator_scored_once"
            ),
            models.CheckConstraint(
                condition=Q(override_points__isnull=True) | ~Q(override_reason=""),
                name="override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard_id} · {self.indicator_id}"


class ScoreEvidence(StoredFile):
    """A file backing a self-assessed score: a photo, a scan, minutes."""

    score = models.ForeignKey(IndicatorScore, on_delete=models.CASCADE, related_name="evidence")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="+")
    # The helping school and its region, for scoped lists of files.
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("schools.Region", on_delete=models.PROTECT, related_name="+")

    class Meta(StoredFile.Meta):
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")


class Step(models.TextChoices):
    OPEN = "open", _("Opened")
    SUBMIT = "submit", _("Submitted for confirmation")
    CONFIRM = "confirm", _("Confirmed by the assisted school")
    RETURN = "return", _("Sent back to the helping school")
    INSPECT = "inspect", _("Inspection finished")
    FINALISE = "finalise", _("Finalised")
    REOPEN = "reopen", _("Reopened")


class ScorecardEvent(ChoiceLabels, models.Model):
    """A step of a scorecard's workflow: who, when, with what comment."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    from_status = models.CharField(
        _("from"), max_length=12, choices=ScorecardStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=12, choices=ScorecardStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("by"),
    )  # fmt: skip
    # The assisted school that confirmed (a one-to-many pairing has several).
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("school"),
    )  # fmt: skip
    comment = models.TextField(_("comment"), blank=True)
    # The result this finalisation gave (a reopened card keeps each one here).
    total = models.DecimalField(_("total"), **POINTS, null=True, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scorecard step")
        verbose_name_plural = _("scorecard steps")
        ordering = ["scorecard_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.scorecard_id}: {self.step}"


# --- the report archive -----------------------------------------


class DocumentKind(models.TextChoices):
    PAIRING_EVALUATION = "pairing_evaluation", _("Yearly evaluation of a pairing")
    REGION_EVALUATION = "region_evaluation", _("Yearly evaluation of a region")
    MONTHLY_STEERING = "monthly_steering", _("Monthly steering sheet")
    QUARTERLY_SUMMARY = "quarterly_summary", _("Quarterly summary")
    HALF_YEARLY_CIRCULAR = "half_yearly_circular", _("Half-yearly circular")


# Whose document it is: these kinds are a pairing's, the others a region's.
PAIRING_KINDS = (DocumentKind.PAIRING_EVALUATION,)


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    BUILDING = "building", _("Being built")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    SUPERSEDED = "superseded", _("Superseded")


def document_path(extension: str) -> str:
    """A new file's name in the archive: random, spread by month (the document's row, not
    its name, says what it is)."""
    from django.utils import timezone

    return f"documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class Document(ChoiceLabels, models.Model):
    """A generated document of the archive (evaluation.documents): one version of a kind
    of report about a subject (a pairing or a region) for a period.

    Built by a Celery task from ids (evaluation.documents.services.document_build): its
    files are written under a temporary name and published, the file in place and the
    row marked ready, only at the end. Building a period again returns the same row while
    its data are unchanged, and otherwise makes the next version and marks this one
    superseded; a version never changes once ready, and none is ever deleted (the archive
    is its own record of what was issued, by whom and when).

    ``period`` is the kind's key of the period: a pairing year's number ("1") for a
    pairing's evaluation, "2026" for a school year, "2026-03" for a month, "2026-Q1" for
    a quarter, "2026-H1" for a half-year; ``period_start``/``period_end`` are its days.
    """

    kind = models.CharField(_("kind"), max_length=24, choices=DocumentKind.choices)
    pairing = models.ForeignKey(
        "schools.Pairing", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("pairing"),
    )  # fmt: skip
    # The subject region; for a pairing's document its pairing's (the programme's)
    # region, so that a scoped list is the scorecards' filter on the same columns.
    region = models.ForeignKey(
        "schools.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    period = models.CharField(_("period"), max_length=20)
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED
    )
    title = models.CharField(_("title"), max_length=200)
    # The language it is written in: the requester's.
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    # The files get their names when they are published (document_path); blank until then.
    pdf = models.FileField(_("PDF"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True)
    xlsx = models.FileField(_("Excel"), max_length=200, blank=True)
    xlsx_size = models.PositiveBigIntegerField(_("Excel size"), null=True, blank=True)
    xlsx_checksum = models.CharField(_("Excel SHA-256"), max_length=64, blank=True)
    # SHA-256 of the facts it was (or is to be) built from: the same facts, the same document.
    fingerprint = models.CharField(_("data fingerprint"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("requested by"),
    )  # fmt: skip
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    # The last time it was handed to a worker, and the start of the last attempt: the
    # stuck-build sweep reads them.
    enqueued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("build started at"), null=True, blank=True)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    # The temporary files of the attempt under way ({"pdf": name, …}): that attempt's
    # token (only it publishes), and what the next attempt clears away if it was killed.
    temporary = models.JSONField(default=dict, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("superseded by"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-period_start", "kind", "-version", "-id"]
        constraints = [
            # One document per kind, subject, period and version …
            models.UniqueConstraint(
                fields=["kind", "pairing", "period", "version"],
                name="document_pairing_version_once", condition=Q(pairing__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["kind", "region", "period", "version"],
                name="document_region_version_once", condition=Q(pairing__isnull=True),
            ),
            # … and of those, one current (the others superseded).
            models.UniqueConstraint(
                fields=["kind", "pairing", "period"], name="document_pairing_current_once",
                condition=Q(pairing__isnull=False) & ~Q(status="superseded"),
            ),
            models.UniqueConstraint(
                fields=["kind", "region", "period"], name="document_region_current_once",
                condition=Q(pairing__isnull=True) & ~Q(status="superseded"),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=PAIRING_KINDS, pairing__isnull=False)
                | (~Q(kind__in=PAIRING_KINDS) & Q(pairing__isnull=True)),
                name="document_subject_fits_kind",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | ~Q(pdf="") | ~Q(xlsx=""),
                name="ready_document_has_a_file",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="document_period_in_order",
            ),
        ]  # fmt: skip
        indexes = [
            # A region's archive, newest period first; and the stuck-build sweep.
            models.Index(fields=["region", "kind", "-period_start"], name="document_region_idx"),
            models.Index(fields=["status", "started_at"], name="document_status_idx"),
        ]

    def __str__(self) -> str:
        return _("%(title)s (version %(version)s)") % {"title": self.title, "version": self.version}

    @property
    def is_ready(self) -> bool:
        return self.status == DocumentStatus.READY

    @property
    def is_running(self) -> bool:
        """Asked for and not built yet: queued or being built."""
        return self.status in (DocumentStatus.QUEUED, DocumentStatus.BUILDING)

    @property
    def is_downloadable(self) -> bool:
        """Ready, or superseded after it was (a superseded version that was never built
        has no file)."""
        return bool(self.pdf or self.xlsx) and self.status in (
            DocumentStatus.READY, DocumentStatus.SUPERSEDED,
        )  # fmt: skip
