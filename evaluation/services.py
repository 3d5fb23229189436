"""Every write of the evaluation app: scorecard templates and their versions, and each
pairing year's scorecard through its workflow.

Workflow (each step kept as a :class:`ScorecardEvent` with its actor, time and comment):
open → the helping school's coordinators self-assess every manual indicator (score,
note, evidence) and submit → the assisted schools' coordinators confirm (or send it
back, saying why) → an inspector of the region scores every manual indicator and may
override an automatic one with a reason, and finishes → the programme's bureau, never
an inspector who scored it, finalises: the automatic values are frozen, the total,
grade and pass or fail stored, and the money follows (funding's
``tranche_release_on_evaluation``, exactly once per finalisation, under the
scorecard's row lock). Reopening (bureau, with a reason) sends it back to inspection;
finalising again replaces the result and corrects the tranche. Each finalisation asks for
the year's PDF evaluation (evaluation.documents), built by a worker once it commits.

Refusals: someone who reads the scorecard but takes no part in it (the bureau of a
member school's county) gets ``PermissionDenied``; someone who takes part but not in
*this* step (a coordinator finalising, the inspector who scored it) a
``ValidationError`` on ``status``, as bad input is, naming the field; nothing changes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import Pairing, PairingMember, PairingStatus, Programme
from twinning import access, calendar
from twinning.access import resolve_scope
from twinning.attachments import check_uploads, delete_stored, store_uploads
from twinning.db import update_rows
from twinning.models import User

from . import metrics, scoring
from .models import (
    Area,
    DocumentKind,
    Indicator,
    IndicatorScore,
    Rule,
    Scorecard,
    ScorecardEvent,
    ScorecardStatus,
    ScoreEvidence,
    Source,
    Step,
    Template,
)

# Pairings whose years are evaluated: a concluded pairing's last year still is.
EVALUATED_STATUSES = (PairingStatus.ACTIVE, PairingStatus.CONCLUDED)
MAX_EVIDENCE = 10
TEMPLATE_FIELDS = ("name", "max_points", "band_excellent", "band_good", "band_pass",
                   "opens_days_before", "description")  # fmt: skip
INDICATOR_FIELDS = ("area", "code", "name", "criteria", "max_points", "source", "metric", "rule",
                    "target", "steps", "order", "continues")  # fmt: skip


def _text(value, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


# --- templates -----------------------------------------


def programme_template(programme: Programme) -> Template | None:
    """The version a new scorecard of ``programme`` is scored on: its latest published
    version, else the platform's default."""
    published = Template.objects.filter(published_at__isnull=False)
    return (
        published.filter(programme=programme).order_by("-version").first()
        or published.filter(programme__isnull=True).order_by("-version").first()
    )


def _require_template_manager(actor: User, template: Template) -> None:
    if template.programme_id is None or not access.can_manage_templates(
        resolve_scope(actor), template.programme
    ):
        raise PermissionDenied(_("The programme's bureau keeps its scorecard templates."))


def _draft(actor: User, template: Template) -> Template:
    """``template`` read afresh under its row lock, once the actor is known to keep it and
    it is still a draft."""
    template = (
        Template.objects.select_for_update(of=("self",))
        .select_related("programme")
        .get(pk=template.pk)
    )
    _require_template_manager(actor, template)
    _require_draft(template)
    return template


def _require_draft(template: Template) -> None:
    if template.is_published:
        raise ValidationError(
            {
                "template": _(
                    "This version is published and may be in use: it never changes. "
                    "Make a new version to change it."
                )
            }  # fmt: skip
        )


@transaction.atomic
def template_copy(*, actor: User, source: Template, programme: Programme,
                  name: str = "") -> Template:  # fmt: skip
    """A new draft version of ``programme``'s template, a copy of ``source`` (the default,
    or one of the programme's versions) whose areas and indicators continue ``source``'s."""
    if not access.can_manage_templates(resolve_scope(actor), programme):
        raise PermissionDenied(_("The programme's bureau keeps its scorecard templates."))
    source = Template.objects.get(pk=source.pk)
    if not source.is_published:
        raise ValidationError({"source": _("Copy a published version.")})
    Programme.objects.select_for_update().get(pk=programme.pk)  # versions are numbered in turn
    last = Template.objects.filter(programme=programme).order_by("-version").first()
    template = Template.objects.create(
        programme=programme, region_id=programme.region_id,
        name=(name or "").strip()[:150] or source.name, version=(last.version + 1) if last else 1,
        previous=source, created_by=actor,
        **{f: getattr(source, f) for f in TEMPLATE_FIELDS if f != "name"},
    )  # fmt: skip
    areas = {}
    for area in source.areas.all():
        areas[area.pk] = Area.objects.create(
            template=template, name=area.name, order=area.order, continues=area,
            lineage=area.lineage,
        )  # fmt: skip
    Indicator.objects.bulk_create([
        Indicator(
            template=template, area=areas[i.area_id], code=i.code, name=i.name,
            criteria=i.criteria, max_points=i.max_points, source=i.source, metric=i.metric,
            rule=i.rule, target=i.target, steps=i.steps, order=i.order, continues=i,
            lineage=i.lineage,
        )
        for i in source.indicators.all()
    ])  # fmt: skip
    return template


@transaction.atomic
def template_update(*, actor: User, template: Template, **fields) -> Template:
    template = _draft(actor, template)
    for name in TEMPLATE_FIELDS:
        if name in fields:
            setattr(template, name, fields[name])
    template.name = _text(template.name, "name", _("Name the template."))
    template.full_clean(exclude=["programme", "region", "previous", "created_by"])
    template.save()
    return template


def _continues(item, continues, model, template: Template):
    """Set what ``item`` continues (an area or indicator of the previous version) and its
    lineage with it."""
    if continues is not None:
        if template.previous_id is None or continues.template_id != template.previous_id:
            raise ValidationError(
                {
                    "continues": _("Choose one of the previous version's %(what)s.")
                    % {"what": model._meta.verbose_name_plural}
                }  # fmt: skip
            )
        item.continues = continues
        item.lineage = continues.lineage
    elif item.continues_id is not None or item.pk is None:
        import uuid

        item.continues = None
        item.lineage = uuid.uuid4()


@transaction.atomic
def area_save(*, actor: User, template: Template, area: Area | None = None, name: str,
              order: int = 0, continues: Area | None = None) -> Area:  # fmt: skip
    template = _draft(actor, template)
    area = area or Area(template=template)
    if area.template_id != template.pk:
        raise ValidationError({"area": _("Choose an area of this template.")})
    area.name = _text(name, "name", _("Name the area."))[:100]
    area.order = order or 0
    _continues(area, continues, Area, template)
    area.save()
    return area


@transaction.atomic
def area_remove(*, actor: User, area: Area) -> None:
    _draft(actor, area.template)
    area.delete()


def _check_steps(steps, maximum: Decimal) -> list:
    try:
        parsed = sorted((Decimal(str(at)), Decimal(str(points))) for at, points in steps)
    except (TypeError, ValueError, ArithmeticError):
        raise ValidationError(
            {"steps": _("Give each threshold as a value and its points.")}
        ) from None
    if not parsed:
        raise ValidationError({"steps": _("Give at least one threshold.")})
    for at, points in parsed:
        if points < 0 or points > maximum or not at.is_finite() or not points.is_finite():
            raise ValidationError(
                {
                    "steps": _(
                        "Each threshold's points lie between 0 and the indicator's "
                        "maximum (%(max)s)."
                    )
                    % {"max": maximum}
                }  # fmt: skip
            )
    return [[str(at), str(points)] for at, points in parsed]


def _clean_indicator(indicator: Indicator) -> None:
    indicator.code = _text(indicator.code, "code", _("Number the indicator, e.g. 1.2."))[:10]
    indicator.name = _text(indicator.name, "name", _("Name the indicator."))[:200]
    if indicator.max_points is None:
        raise ValidationError({"max_points": _("Give the indicator's maximum points.")})
    indicator.max_points = scoring.parse_score(
        indicator.max_points, maximum=Decimal("999.9"), field="max_points"
    )
    if not indicator.max_points:
        raise ValidationError({"max_points": _("The maximum is more than zero.")})
    if indicator.source == Source.MANUAL:
        indicator.metric, indicator.rule, indicator.target, indicator.steps = "", "", None, []
        return
    if indicator.source != Source.AUTOMATIC:
        raise ValidationError({"source": _("Choose how the indicator is scored.")})
    if indicator.metric not in metrics.METRICS:
        raise ValidationError({"metric": _("Choose what the indicator measures.")})
    if indicator.rule == Rule.SHARE:
        if indicator.target is None or Decimal(indicator.target) <= 0:
            raise ValidationError({"target": _("Give the value that earns full points.")})
        indicator.steps = []
    elif indicator.rule == Rule.THRESHOLDS:
        indicator.steps = _check_steps(indicator.steps or [], indicator.max_points)
        indicator.target = None
    else:
        raise ValidationError({"rule": _("Choose how the value turns into points.")})


@transaction.atomic
def indicator_save(*, actor: User, template: Template, indicator: Indicator | None = None,
                   **fields) -> Indicator:  # fmt: skip
    """Add or change an indicator of a draft template."""
    template = _draft(actor, template)
    indicator = indicator or Indicator(template=template, source=Source.MANUAL)
    if indicator.template_id != template.pk:
        raise ValidationError({"indicator": _("Choose an indicator of this template.")})
    continues = fields.pop("continues", indicator.continues)
    for name in INDICATOR_FIELDS:
        if name in fields:
            setattr(indicator, name, fields[name])
    if indicator.area_id is None or indicator.area.template_id != template.pk:
        raise ValidationError({"area": _("Choose an area of this template.")})
    indicator.order = indicator.order or 0
    _clean_indicator(indicator)
    _continues(indicator, continues, Indicator, template)
    indicator.save()
    return indicator


@transaction.atomic
def indicator_remove(*, actor: User, indicator: Indicator) -> None:
    _draft(actor, indicator.template)
    indicator.delete()


@transaction.atomic
def template_publish(*, actor: User, template: Template) -> Template:
    """Publish a draft: from now on new scorecards of its programme are scored on it.
    Refused unless its indicators total its maximum and every area holds one."""
    template = _draft(actor, template)
    indicators = list(template.indicators.select_related("area"))
    if not indicators:
        raise ValidationError({"max_points": _("Add the template's indicators first.")})
    total = sum((i.max_points for i in indicators), Decimal(0))
    if total != template.max_points:
        raise ValidationError({"max_points": _(
            "The indicators total %(total)s points; the template's maximum is %(max)s. "
            "Change the indicators or the maximum."
        ) % {"total": total, "max": template.max_points}})  # fmt: skip
    empty = template.areas.exclude(indicators__isnull=False).values_list("name", flat=True)
    if empty:
        raise ValidationError(
            {"areas": _("These areas have no indicator: %(names)s.") % {"names": "、".join(empty)}}
        )
    for indicator in indicators:
        try:
            _clean_indicator(indicator)
        except ValidationError as error:
            raise ValidationError({"indicators": [
                f"{indicator.code} {indicator.name}: {message}" for message in error.messages
            ]}) from None  # fmt: skip
    template.published_at = timezone.now()
    template.save(update_fields=["published_at"])
    return template


@transaction.atomic
def template_delete(*, actor: User, template: Template) -> None:
    template = _draft(actor, template)
    template.delete()


# --- opening the pairing years -----------------------------------------


def _plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def pairing_year(pairing: Pairing, year: int) -> tuple[dt.date, dt.date]:
    """First and last day of ``pairing``'s ``year`` (1, 2, 3 …): the pairing year runs
    from the agreement's signing date."""
    signed = pairing.agreement_signed_on
    return _plus_years(signed, year - 1), _plus_years(signed, year) - dt.timedelta(days=1)


def _year_number(signed: dt.date, on: dt.date) -> int:
    """The number of the pairing year containing ``on`` (0 before the signing)."""
    return on.year - signed.year + (1 if (on.month, on.day) >= (signed.month, signed.day) else 0)


def current_year(pairing: Pairing, on: dt.date) -> int | None:
    """The pairing year containing ``on``, within the programme's years."""
    signed = pairing.agreement_signed_on
    if signed is None or on < signed:
        return None
    year = _year_number(signed, on)
    return year if 1 <= year <= pairing.programme.years else None


def _event(card: Scorecard, step: str, actor: User | None, before: str, comment: str = "",
           **fields) -> ScorecardEvent:  # fmt: skip
    event = ScorecardEvent.objects.create(
        scorecard=card, step=step, from_status=before, to_status=card.status, actor=actor,
        comment=comment, **fields,
    )  # fmt: skip
    from .tasks import notify_scorecard_step

    transaction.on_commit(lambda: notify_scorecard_step.delay(event.pk))
    return event


@transaction.atomic
def scorecard_open(*, pairing: Pairing, year: int, actor: User | None = None) -> Scorecard:
    """Open ``pairing``'s scorecard of ``year`` on its programme's template, with every
    indicator to score and the automatic ones computed. Opening it again returns it."""
    # The right first: a year already opened is not handed to someone who may not open it.
    if actor is not None and not access.is_pairing_bureau(resolve_scope(actor), pairing):
        raise PermissionDenied(_("The programme's bureau opens its scorecards."))
    found = Scorecard.objects.filter(pairing=pairing, year=year).first()
    if found is not None:
        return found
    if pairing.status not in EVALUATED_STATUSES or pairing.agreement_signed_on is None:
        raise ValidationError({"pairing": _("Only an active pairing with a signed agreement "
                                            "is evaluated.")})  # fmt: skip
    programme = pairing.programme
    if not 1 <= year <= programme.years:
        raise ValidationError(
            {"year": _("The programme runs %(n)s years.") % {"n": programme.years}}
        )
    template = programme_template(programme)
    if template is None:
        raise ValidationError({"template": _("The programme has no published scorecard template.")})
    start, end = pairing_year(pairing, year)
    try:
        with transaction.atomic():
            card = Scorecard.objects.create(
                pairing=pairing, programme=programme, region_id=pairing.region_id,
                helping_school_id=pairing.helping_school_id, template=template, year=year,
                period_start=start, period_end=end,
                opens_on=end - dt.timedelta(days=template.opens_days_before), due_on=end,
            )  # fmt: skip
    except IntegrityError:  # opened at the same moment by a second run
        return Scorecard.objects.get(pairing=pairing, year=year)
    IndicatorScore.objects.bulk_create(
        [IndicatorScore(scorecard=card, indicator=i) for i in template.indicators.all()]
    )
    _event(card, Step.OPEN, actor, "")
    scorecards_refresh(Scorecard.objects.filter(pk=card.pk))
    return card


def scorecards_open_due(today: dt.date | None = None) -> int:
    """Open the scorecard of every evaluated pairing whose year's self-assessment window
    has begun (the template's ``opens_days_before`` the year's end) and that has none
    yet: the daily beat. Safe to run twice: a year is opened once (a database
    constraint). A programme without a published template is skipped until it has one."""
    today = today or calendar.today()
    pairings = (
        Pairing.objects.filter(status__in=EVALUATED_STATUSES, agreement_signed_on__isnull=False)
        .select_related("programme")
        .only(
            "id",
            "agreement_signed_on",
            "region_id",
            "helping_school_id",
            "status",
            "programme__years",
            "programme__id",
            "programme__pass_mark",
        )  # fmt: skip
    )
    opened = set(Scorecard.objects.values_list("pairing_id", "year"))
    templates: dict[int, Template | None] = {}
    count = 0
    for pairing in pairings.iterator(chunk_size=2000):
        if pairing.programme_id not in templates:
            templates[pairing.programme_id] = programme_template(pairing.programme)
        template = templates[pairing.programme_id]
        if template is None:
            continue
        # This year once its window has opened, and last year's if it never was (the
        # beat was down, the template came late).
        this = min(_year_number(pairing.agreement_signed_on, today), pairing.programme.years)
        for year in (this - 1, this):
            if year < 1 or (pairing.pk, year) in opened:
                continue
            _start, end = pairing_year(pairing, year)
            if end - dt.timedelta(days=template.opens_days_before) > today:
                continue
            scorecard_open(pairing=pairing, year=year)
            count += 1
    return count


def scorecards_refresh(scorecards) -> int:
    """Compute the automatic indicators of ``scorecards`` (those not frozen) afresh and
    store them: each metric once for all of them, then one update of the scores whose
    values changed. Returns how many scores were computed."""
    cards = scorecards.filter(frozen_at__isnull=True)
    # The scores as bare rows and their few indicators once (a province's scorecards share
    # a handful of templates): a joined indicator per score cost seconds of model building.
    scores = list(
        IndicatorScore.objects.filter(scorecard__in=cards, indicator__source=Source.AUTOMATIC).only(
            "id", "scorecard_id", "indicator_id", "value", "detail", "auto_points"
        )
    )
    if not scores:
        return 0
    indicators = Indicator.objects.in_bulk({s.indicator_id for s in scores})
    keys = {i.metric for i in indicators.values()}
    measured = metrics.compute(Scorecard.objects.filter(pk__in={s.scorecard_id for s in scores}),
                               keys)  # fmt: skip
    changed = []
    for score in scores:
        indicator = indicators[score.indicator_id]
        measure = measured.get(indicator.metric, {}).get(score.scorecard_id)
        value = measure.value if measure else None
        detail = measure.detail if measure else {}
        points = scoring.rule_points(indicator, value)
        if (value, detail, points) != (score.value, score.detail, score.auto_points):
            score.value, score.detail, score.auto_points = value, detail, points
            changed.append(score)
    # One statement for all of them (twinning.db.update_rows: bulk_update's CASE per row
    # took most of a province's refresh, in a query per batch), and only what changed: a
    # night's run finds most values as they were.
    update_rows(changed, ["value", "detail", "auto_points"])
    Scorecard.objects.filter(pk__in={s.scorecard_id for s in scores}).update(
        computed_at=timezone.now()
    )
    return len(scores)


# --- the workflow -----------------------------------------


def _lock(card: Scorecard) -> Scorecard:
    return (
        Scorecard.objects.select_for_update(of=("self",))
        .select_related("pairing__region", "pairing__programme", "template", "programme")
        .get(pk=card.pk)
    )


def _members(card: Scorecard) -> list[PairingMember]:
    return list(PairingMember.objects.filter(pairing_id=card.pairing_id))


def _assisted_ids(members) -> set[int]:
    return {m.school_id for m in members if m.role == PairingMember.Role.ASSISTED}


def inspector_ids(card: Scorecard) -> set[int]:
    return set(
        IndicatorScore.objects.filter(scorecard=card, inspector__isnull=False).values_list(
            "inspector_id", flat=True
        )
    )


def takes_part(scope, card: Scorecard, members) -> bool:
    """Whether the user has any step of ``card`` to take: its schools' coordinators, the
    region's inspectors, the programme's bureau."""
    school_ids = {m.school_id for m in members}
    region_ids = {m.region_id for m in members}
    return (
        access.is_pairing_coordinator(scope, school_ids)
        or access.can_inspect(scope, card.pairing, region_ids)
        or access.is_pairing_bureau(scope, card.pairing)
    )


def _require_step(actor: User, card: Scorecard, members, allowed: bool, message: str) -> None:
    if allowed:
        return
    if not takes_part(resolve_scope(actor), card, members):
        raise PermissionDenied(message)
    raise ValidationError({"status": message})


def _require_status(card: Scorecard, *statuses) -> None:
    if card.status not in statuses:
        messages = {
            ScorecardStatus.FINALISED: _("This scorecard is finalised: it changes only if the "
                                         "bureau reopens it."),
            ScorecardStatus.OPEN: _("The helping school has not submitted its "
                                    "self-assessment yet."),
            ScorecardStatus.CONFIRMING: _("The self-assessment waits for the assisted "
                                          "school's confirmation."),
            ScorecardStatus.SUBMITTED: _("The scorecard is with the inspectors."),
            ScorecardStatus.INSPECTED: _("The inspection is finished: the scorecard waits for "
                                         "the bureau."),
        }  # fmt: skip
        raise ValidationError({"status": messages[card.status]})


def _scores(card: Scorecard) -> dict[int, IndicatorScore]:
    return {
        s.indicator_id: s
        for s in IndicatorScore.objects.filter(scorecard=card).select_related("indicator__area")
    }


def _label(indicator: Indicator) -> str:
    return f"{indicator.code} {indicator.name}"


@transaction.atomic
def scorecard_self_assess(*, actor: User, scorecard: Scorecard, entries: dict,
                          uploads: dict | None = None) -> Scorecard:  # fmt: skip
    """Save the helping school's self-assessment of some manual indicators: ``entries``
    maps an indicator id to ``{"score": …, "note": …}``, ``uploads`` an indicator id to
    evidence files. Every entry is checked first; an error names its indicator (the field
    ``score_<id>``, ``evidence_<id>``) and nothing is saved."""
    card = _lock(scorecard)
    members = _members(card)
    scope = resolve_scope(actor)
    _require_step(actor, card, members, access.can_self_assess(scope, card.helping_school_id),
                  _("The helping school's coordinators assess the scorecard."))  # fmt: skip
    _require_status(card, ScorecardStatus.OPEN)
    scores = _scores(card)
    uploads = uploads or {}
    errors: dict[str, list[str]] = {}
    checked_files = {}
    changed = []
    for key in set(entries) | set(uploads):
        score = scores.get(_int(key))
        if score is None or score.indicator.is_automatic:
            errors.setdefault("indicators", []).append(
                _("Only the scorecard's manual indicators are self-assessed.")
            )
            continue
        indicator = score.indicator
        entry = entries.get(key) or {}
        try:
            if "score" in entry:
                score.self_score = scoring.parse_score(
                    entry["score"], maximum=indicator.max_points, field=f"score_{indicator.pk}"
                )
            if "note" in entry:
                score.self_note = (entry["note"] or "").strip()
            if uploads.get(key):
                checked_files[indicator.pk] = check_uploads(
                    uploads[key], field=f"evidence_{indicator.pk}", limit=MAX_EVIDENCE,
                    already=score.evidence.count(),
                )  # fmt: skip
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(f"{_label(indicator)}: {m}" for m in messages)
            continue
        changed.append(score)
    if errors:
        raise ValidationError(errors)
    for score in changed:
        score.save(update_fields=["self_score", "self_note"])
    for indicator_id, checked in checked_files.items():
        store_uploads(
            ScoreEvidence, checked, actor=actor, score=scores[indicator_id], scorecard=card,
            school_id=card.helping_school_id, region_id=card.helping_school.region_id,
        )  # fmt: skip
    return card


def _int(key) -> int | None:
    try:
        return int(key)
    except (TypeError, ValueError):
        return None


def missing_self_assessment(card: Scorecard) -> list[Indicator]:
    return [
        s.indicator for s in _scores(card).values()
        if not s.indicator.is_automatic and s.self_score is None
    ]  # fmt: skip


def missing_inspection(card: Scorecard) -> list[Indicator]:
    return [
        s.indicator for s in _scores(card).values()
        if not s.indicator.is_automatic and s.inspector_score is None
    ]  # fmt: skip


def _refuse_missing(missing: list[Indicator], message: str) -> None:
    if missing:
        raise ValidationError({
            "status": [message + " " + "、".join(i.code for i in missing)],
            **{f"score_{i.pk}": [_("%(indicator)s: score this indicator.")
                                 % {"indicator": _label(i)}] for i in missing},
        })  # fmt: skip


@transaction.atomic
def scorecard_submit(*, actor: User, scorecard: Scorecard, comment: str = "") -> Scorecard:
    """The helping school submits its self-assessment to the assisted school(s) for
    confirmation; every manual indicator must be self-assessed (each one missing named)."""
    card = _lock(scorecard)
    members = _members(card)
    _require_step(actor, card, members,
                  access.can_self_assess(resolve_scope(actor), card.helping_school_id),
                  _("The helping school's coordinators submit the self-assessment."))  # fmt: skip
    _require_status(card, ScorecardStatus.OPEN)
    _refuse_missing(missing_self_assessment(card),
                    _("Self-assess every manual indicator first:"))  # fmt: skip
    before, card.status = card.status, ScorecardStatus.CONFIRMING
    card.save(update_fields=["status"])
    _event(card, Step.SUBMIT, actor, before, (comment or "").strip())
    scorecards_refresh(Scorecard.objects.filter(pk=card.pk))
    return card


def confirmations_due(card: Scorecard, members=None) -> set[int]:
    """The assisted schools that have not confirmed the current submission yet."""
    members = members if members is not None else _members(card)
    last_submit = card.events.filter(step=Step.SUBMIT).order_by("-at", "-id").first()
    confirmed = set(
        card.events.filter(
            step=Step.CONFIRM, id__gt=last_submit.pk if last_submit else 0
        ).values_list("school_id", flat=True)
    )
    return _assisted_ids(members) - confirmed


@transaction.atomic
def scorecard_confirm(*, actor: User, scorecard: Scorecard, comment: str = "") -> Scorecard:
    """An assisted school's coordinator confirms the self-assessment (支援学校会同受援学校);
    once every assisted school has, it goes to the inspectors."""
    card = _lock(scorecard)
    members = _members(card)
    scope = resolve_scope(actor)
    _require_step(
        actor,
        card,
        members,
        access.can_confirm_self_assessment(scope, _assisted_ids(members)),
        _("The assisted school's coordinators confirm the self-assessment."),
    )
    _require_status(card, ScorecardStatus.CONFIRMING)
    due = confirmations_due(card, members)
    mine = due if scope.is_admin else due & scope.coordinator_school_ids
    if not mine:
        raise ValidationError({"status": _("Your school has confirmed this self-assessment.")})
    before = card.status
    if not (due - set(mine)):
        card.status = ScorecardStatus.SUBMITTED
        card.submitted_at = timezone.now()
        card.save(update_fields=["status", "submitted_at"])
    for school_id in sorted(mine):
        _event(card, Step.CONFIRM, actor, before, (comment or "").strip(), school_id=school_id)
    return card


@transaction.atomic
def scorecard_return(*, actor: User, scorecard: Scorecard, comment: str) -> Scorecard:
    """An assisted school's coordinator sends the self-assessment back, saying why."""
    card = _lock(scorecard)
    members = _members(card)
    _require_step(
        actor,
        card,
        members,
        access.can_confirm_self_assessment(resolve_scope(actor), _assisted_ids(members)),
        _("The assisted school's coordinators confirm the self-assessment or send it back."),
    )
    _require_status(card, ScorecardStatus.CONFIRMING)
    comment = _text(comment, "comment", _("Say what the helping school should change."))
    before, card.status = card.status, ScorecardStatus.OPEN
    card.save(update_fields=["status"])
    _event(card, Step.RETURN, actor, before, comment)
    return card


@transaction.atomic
def scorecard_inspect(*, actor: User, scorecard: Scorecard, entries: dict) -> Scorecard:
    """An inspector's scores: ``entries`` maps an indicator id to ``{"score": …,
    "comment": …}`` for a manual indicator, or ``{"override": …, "reason": …}`` for an
    automatic one (an empty override takes the computed points back). Every entry is
    checked first; nothing is saved if one is wrong."""
    card = _lock(scorecard)
    members = _members(card)
    _require_step(
        actor,
        card,
        members,
        access.can_inspect(resolve_scope(actor), card.pairing, {m.region_id for m in members}),
        _("An inspector of the region scores the scorecard."),
    )
    _require_status(card, ScorecardStatus.SUBMITTED)
    scores = _scores(card)
    errors: dict[str, list[str]] = {}
    changed = []
    now = timezone.now()
    for key, entry in entries.items():
        score = scores.get(_int(key))
        if score is None:
            errors.setdefault("indicators", []).append(_("Score the scorecard's own indicators."))
            continue
        indicator, entry = score.indicator, entry or {}
        try:
            if indicator.is_automatic:
                if "override" in entry:
                    points = scoring.parse_score(
                        entry["override"], maximum=indicator.max_points,
                        field=f"override_{indicator.pk}",
                    )  # fmt: skip
                    reason = (entry.get("reason") or "").strip()
                    if points is not None and not reason:
                        raise ValidationError({f"reason_{indicator.pk}": _(
                            "Say why the computed points are replaced.")})  # fmt: skip
                    score.override_points = points
                    score.override_reason = reason if points is not None else ""
            else:
                if "score" in entry:
                    score.inspector_score = scoring.parse_score(
                        entry["score"], maximum=indicator.max_points,
                        field=f"score_{indicator.pk}",
                    )  # fmt: skip
                if "comment" in entry:
                    score.inspector_comment = (entry["comment"] or "").strip()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(f"{_label(indicator)}: {m}" for m in messages)
            continue
        score.inspector, score.inspected_at = actor, now
        changed.append(score)
    if errors:
        raise ValidationError(errors)
    for score in changed:
        score.save(update_fields=["inspector_score", "inspector_comment", "override_points",
                                  "override_reason", "inspector", "inspected_at"])  # fmt: skip
    return card


@transaction.atomic
def scorecard_finish_inspection(*, actor: User, scorecard: Scorecard,
                                comment: str = "") -> Scorecard:  # fmt: skip
    card = _lock(scorecard)
    members = _members(card)
    _require_step(
        actor,
        card,
        members,
        access.can_inspect(resolve_scope(actor), card.pairing, {m.region_id for m in members}),
        _("An inspector of the region finishes the inspection."),
    )
    _require_status(card, ScorecardStatus.SUBMITTED)
    _refuse_missing(missing_inspection(card), _("Score every manual indicator first:"))
    before, card.status = card.status, ScorecardStatus.INSPECTED
    card.save(update_fields=["status"])
    _event(card, Step.INSPECT, actor, before, (comment or "").strip())
    scorecards_refresh(Scorecard.objects.filter(pk=card.pk))
    return card


def _require_finaliser(actor: User, card: Scorecard, members) -> None:
    scope = resolve_scope(actor)
    if access.is_pairing_bureau(scope, card.pairing) and actor.pk in inspector_ids(card):
        message = _("Whoever scored the inspection cannot finalise the scorecard.")
    else:
        message = _("Bureau staff of the programme's region finalise scorecards.")
    _require_step(
        actor,
        card,
        members,
        access.can_finalise_scorecard(scope, card.pairing, inspector_ids(card), actor.pk),
        message,
    )


def tranche_school_year(period_start: dt.date) -> int:
    """The school year whose evaluation is that of the pairing year from ``period_start``,
    for the funding tranche it decides: the one holding the middle of the pairing year (a
    year signed on 29 August is mostly the school year that begins three days later)."""
    return calendar.school_year_of(period_start + dt.timedelta(days=182))


def result_of(card: Scorecard) -> scoring.Result:
    scores = _scores(card)
    indicators = [s.indicator for s in sorted(
        scores.values(), key=lambda s: (s.indicator.area.order, s.indicator.area_id,
                                        s.indicator.order, s.indicator_id))]  # fmt: skip
    return scoring.result(card.template, indicators, scores)


@transaction.atomic
def scorecard_finalise(*, actor: User, scorecard: Scorecard, comment: str = "") -> Scorecard:
    """Finalise: freeze the automatic values (the first time), store each indicator's
    points, the total, grade and pass or fail, and let the money follow. Under the
    scorecard's row lock, so two finalisations at the same moment finalise (and call
    funding) once: the second finds it finalised."""
    from funding import services as funding_services

    from .documents import services as document_services

    card = _lock(scorecard)
    members = _members(card)
    _require_finaliser(actor, card, members)
    _require_status(card, ScorecardStatus.INSPECTED)
    now = timezone.now()
    if card.frozen_at is None:
        scorecards_refresh(Scorecard.objects.filter(pk=card.pk))
        card.frozen_at = now
    result = result_of(card)
    for area in result.areas:
        for _indicator, score, points in area.lines:
            score.points = points
            score.save(update_fields=["points"])
    card.total = result.total
    card.grade = scoring.grade_of(card.total, card.template)
    # A year finalised again (after a reopening) keeps the mark it was first judged by:
    # a pass mark the bureau changed since holds for years finalised from then on.
    if card.pass_mark is None:
        card.pass_mark = card.programme.pass_mark
    card.passed = card.total >= card.pass_mark
    before, card.status = card.status, ScorecardStatus.FINALISED
    card.finalised_at, card.finalised_by = now, actor
    card.save(update_fields=["total", "grade", "pass_mark", "passed", "status", "finalised_at",
                             "finalised_by", "frozen_at"])  # fmt: skip
    _event(card, Step.FINALISE, actor, before, (comment or "").strip(), total=card.total)
    funding_services.tranche_release_on_evaluation(
        actor=actor, pairing=card.pairing, school_year=tranche_school_year(card.period_start),
        score=card.total, passed=card.passed,
    )  # fmt: skip
    # The year's PDF evaluation, built once this commits; finalised again after a
    # reopening, it is the next version and the one before is superseded.
    document_services.document_request(
        actor=actor, kind=DocumentKind.PAIRING_EVALUATION, subject=card.pairing,
        period=card.year,
    )  # fmt: skip
    return card


@transaction.atomic
def scorecard_reopen(*, actor: User, scorecard: Scorecard, reason: str) -> Scorecard:
    """Send a finalised scorecard back to inspection, saying why (bureau). Its result
    stands until it is finalised again, which replaces it; the automatic values stay
    frozen."""
    card = _lock(scorecard)
    members = _members(card)
    _require_step(actor, card, members, access.is_pairing_bureau(resolve_scope(actor),
                                                                 card.pairing),
                  _("Bureau staff of the programme's region reopen scorecards."))  # fmt: skip
    _require_status(card, ScorecardStatus.FINALISED)
    reason = _text(reason, "reason", _("Say why the scorecard is reopened."))
    before, card.status = card.status, ScorecardStatus.SUBMITTED
    card.save(update_fields=["status"])
    _event(card, Step.REOPEN, actor, before, reason)
    return card


@transaction.atomic
def evidence_remove(*, actor: User, evidence: ScoreEvidence) -> None:
    card = _lock(evidence.scorecard)
    members = _members(card)
    _require_step(
        actor,
        card,
        members,
        access.can_self_assess(resolve_scope(actor), card.helping_school_id),
        _("The helping school's coordinators keep the self-assessment's evidence."),
    )
    _require_status(card, ScorecardStatus.OPEN)
    delete_stored(evidence)


def areas_short(card: Scorecard, result: scoring.Result | None = None) -> list[str]:
    """The areas of a finalised scorecard below the pass mark's share of their points
    (``result``: its result when the caller has it already)."""
    if card.pass_mark is None:
        return []
    areas = (result or result_of(card)).areas
    return scoring.areas_short([(a.name, a.points, a.maximum) for a in areas], card.pass_mark,
                               card.template.max_points)  # fmt: skip
