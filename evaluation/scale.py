"""The yearly evaluations of the synthetic province (``manage.py seed_scale``; see
twinning/scale.py).

Each programme's bureau copies the default template and publishes it as the programme's
own version (through the services: twenty programmes, not rows of volume). Then a
pairing year's scorecard for every evaluated pairing (active or concluded, agreement
signed: 1,221 at the default size): the latest year whose self-assessment window has
opened (earlier years, if any, finalised), else year 1, opened early. Where the funding
generator has already decided the pairing's second tranche on its first year's
evaluation (released or withheld, the score in its note), that year's scorecard is
finalised with that score, passed or failed as the tranche went, and finalised when the
tranche was released; the others are spread over the steps by :data:`STATUS_WEIGHTS`
(finalised grades by :data:`GRADE_WEIGHTS`). About four in five end up finalised, with
every grade from 优秀 to 不合格.

Written in bulk (scorecards, their indicator scores and their steps), not through the
services per row, and as consistent as the services would leave them: the automatic
indicators hold what evaluation.metrics computes from the province's records (one pass of
``metrics.compute`` over every scorecard: a few aggregate queries per metric), their
points by the indicator's rule; the inspector's manual scores (one decimal place, within
each maximum) and, where the computed points alone cannot reach the year's score, an
override with its reason, are chosen so that the total is the rounded sum of the points
and the grade follows the template's bands; pass or fail follows the programme's pass
mark. Steps are in order in time (open, submit, a confirmation per assisted school by its
coordinator, inspection by an inspector of the programme's region, finalisation by its
bureau, never the inspector; a few reopened), never in the future. The history of each
score (simple-history) is not written: the steps are the log. Reads pairings, users and
tranches from the database, so it also adds its part to a province seeded before it
existed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_DOWN, Decimal

from django.utils import timezone

from funding.models import Tranche, TrancheStatus
from schools.models import Pairing, PairingMember, Programme, Region
from twinning.models import Role, RoleAssignment, User
from twinning.scale import ScaleContext, Timer, bulk

from . import metrics, scoring, services
from .defaults import install_default_template
from .models import (
    Grade,
    Indicator,
    IndicatorScore,
    Scorecard,
    ScorecardEvent,
    ScorecardStatus,
    Step,
    Template,
)

ST = ScorecardStatus
# Where the scorecards the funding generator has not decided stand (REOPENED: finalised
# once, sent back to the inspectors).
REOPENED = "reopened"
STATUS_WEIGHTS = {ST.FINALISED: 50, ST.INSPECTED: 10, ST.SUBMITTED: 12, REOPENED: 3,
                  ST.CONFIRMING: 8, ST.OPEN: 17}  # fmt: skip
# A year that has only just begun (its window far off): mostly being self-assessed.
EARLY_WEIGHTS = {ST.OPEN: 70, ST.CONFIRMING: 15, ST.SUBMITTED: 10, ST.INSPECTED: 5}
# The total of a finalised scorecard the funding generator has not decided, by grade.
GRADE_WEIGHTS = {Grade.EXCELLENT: 15, Grade.GOOD: 50, Grade.PASS: 25, Grade.FAIL: 10}
GRADE_RANGES = {Grade.EXCELLENT: (90, 98), Grade.GOOD: (75, 89.5), Grade.PASS: (60, 74.5),
                Grade.FAIL: (42, 59.5)}  # fmt: skip
ONE = Decimal("0.1")
NOTES = ["按计划完成，佐证材料已上传。", "已完成，会议纪要和照片见附件。",
         "基本完成，部分过程记录待补充。", "完成年度任务，详见工作总结。"]  # fmt: skip
COMMENTS = ["查阅台账，情况属实。", "佐证材料较完整。", "与自评基本一致。",
            "过程记录略有欠缺，酌情扣分。"]  # fmt: skip
RAISED = "部分活动未在平台登记，经现场查阅纸质台账、签到表和照片核定得分。"
LOWERED = "平台记录与现场核查不一致，按核实的情况核定得分。"
REOPEN_REASON = "复核发现挂职天数与挂职登记表不一致，退回督导重新核定。"
EARLY = "提前开通本帮扶年度自评。"


def existing_rows() -> int:
    """The scorecards, once the archive's rows are there too (a province seeded before the
    archive existed gets its share: :func:`generate` adds what is missing)."""
    from .models import Document

    return Scorecard.objects.count() if Document.objects.exists() else 0


@dataclass
class Year:
    """A pairing year to write, and what the generator decides for it."""

    pairing: Pairing
    year: int
    status: str
    start: dt.date
    end: dt.date
    opens_on: dt.date
    template: Template
    helping: int = 0  # coordinator's user id
    assisted: list[tuple[int, int]] = field(default_factory=list)  # (school, coordinator)
    target: Decimal | None = None  # the total a finalised (or inspected) year comes to
    finalised_at: dt.datetime | None = None
    card: Scorecard | None = None


def generate(ctx: ScaleContext) -> None:
    timer = Timer(ctx.log)
    if Scorecard.objects.exists():  # seeded before the report archive: only its rows
        timer.step("documents", write_documents())
        return
    install_default_template()
    templates = _programme_templates()
    timer.step("programme templates", len(templates))
    years = _years(ctx, templates)
    if not years:
        return
    cards = write_scorecards(years)
    timer.step("scorecards", len(cards))
    scores, events = _scores_and_events(ctx, years)
    timer.step("indicator scores", scores)
    timer.step("scorecard steps", events)
    timer.step("documents", write_documents())
    counts = Counter(str(y.status) for y in years)
    grades = Counter(Scorecard.objects.filter(status=ST.FINALISED).values_list("grade", flat=True))
    ctx.log(f"  by status: {dict(counts)}; finalised by grade: {dict(grades)}")


# --- the report archive ----------------------------------------------------------------------

# Rows, not files: every document of the synthetic province names this one stand-in file
# (the archive's pages and endpoints read rows; a build is measured by bench/documents.py).
STAND_IN_PDF = "documents/scale/stand-in.pdf"
STAND_IN_XLSX = "documents/scale/stand-in.xlsx"


def write_documents() -> int:
    """A year of the archive: each finalised scorecard's PDF evaluation, and for each
    region with a programme the last twelve months' steering sheets, four quarterly
    summaries and two half-yearly circulars, all ready (built at each period's first
    working day, 06:30, by the beat)."""
    from twinning import calendar

    from .documents import periods
    from .models import Document, DocumentKind, DocumentStatus

    cards = Scorecard.objects.filter(status=ST.FINALISED).values_list(
        "pairing_id", "region_id", "year", "period_start", "period_end", "finalised_at",
        "finalised_by_id", "pairing__helping_school__name",
    )  # fmt: skip
    rows = [
        Document(
            kind=DocumentKind.PAIRING_EVALUATION,
            pairing_id=pairing,
            region_id=region,
            period=str(year),
            period_start=start,
            period_end=end,
            status=DocumentStatus.READY,
            title=f"{helping}结对帮扶第{year}年度考核评估报告",
            requested_by_id=by,
            built_at=at,
            pdf=STAND_IN_PDF,
            size=340_000,
            checksum="0" * 64,
        )  # fmt: skip
        for pairing, region, year, start, end, at, by, helping in cards
    ]
    today = calendar.today()
    cadence = [(DocumentKind.MONTHLY_STEERING, periods.MONTH, 12, ""),
               (DocumentKind.QUARTERLY_SUMMARY, periods.QUARTER, 4, "pdf"),
               (DocumentKind.HALF_YEARLY_CIRCULAR, periods.HALF_YEAR, 2, "pdf")]  # fmt: skip
    regions = Region.objects.filter(pk__in=Programme.objects.values("region_id"))
    for region_id, name in regions.values_list("id", "name"):
        for kind, granularity, count, pdf in cadence:
            span = periods.last_over(granularity, today)
            for _n in range(count):
                built = timezone.make_aware(dt.datetime.combine(
                    span.end + dt.timedelta(days=1), dt.time(6, 30)))  # fmt: skip
                rows.append(Document(
                    kind=kind, region_id=region_id, period=span.key, period_start=span.start,
                    period_end=span.end, status=DocumentStatus.READY, built_at=built,
                    title=f"{name}{DocumentKind(kind).label}（{span.key}）",
                    pdf=STAND_IN_PDF if pdf else "", size=180_000 if pdf else None,
                    checksum="0" * 64 if pdf else "",
                    xlsx=STAND_IN_XLSX if kind != DocumentKind.HALF_YEARLY_CIRCULAR else "",
                    xlsx_size=40_000 if kind != DocumentKind.HALF_YEARLY_CIRCULAR else None,
                ))  # fmt: skip
                span = periods.last_over(granularity, span.start)
    Document.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


# --- templates -------------------------------------------------------------------------------


def _programme_templates() -> dict[int, Template]:
    """Each programme's own published version, copied from the default by its bureau (the
    services' rules hold: versions numbered in turn, areas and indicators continuing)."""
    default = Template.objects.filter(programme__isnull=True, published_at__isnull=False).first()
    found = {t.programme_id: t for t in Template.objects.filter(
        programme__isnull=False, published_at__isnull=False).order_by("version")}  # fmt: skip
    keepers = _nearest(Role.BUREAU, set(Programme.objects.values_list("region_id", flat=True)))
    for programme in Programme.objects.select_related("region").order_by("id"):
        people = keepers.get(programme.region_id)
        if programme.pk in found or not people or default is None:
            continue
        actor = User.objects.get(pk=people[0])
        draft = services.template_copy(
            actor=actor, source=default, programme=programme,
            name=f"{programme.region.name}结对帮扶年度考核验收评分表",
        )  # fmt: skip
        found[programme.pk] = services.template_publish(actor=actor, template=draft)
    return found


# --- which years, in which status -------------------------------------------------------------


def _years(ctx: ScaleContext, templates: dict[int, Template]) -> list[Year]:
    rng = ctx.rng
    today = timezone.localdate(ctx.now)
    decided = _tranche_decisions()
    pairings = (
        Pairing.objects.filter(
            status__in=services.EVALUATED_STATUSES, agreement_signed_on__isnull=False
        )
        .exclude(pk__in=Scorecard.objects.values("pairing_id"))
        .select_related("programme")
        .order_by("id")
    )
    years: list[Year] = []
    unseen = iter(STATUS_WEIGHTS)
    unseen_grades = iter(GRADE_WEIGHTS)
    for pairing in pairings:
        template = templates.get(pairing.programme_id) or services.programme_template(
            pairing.programme
        )
        if template is None:
            continue
        due = [
            y for y in range(1, pairing.programme.years + 1)
            if services.pairing_year(pairing, y)[1]
            - dt.timedelta(days=template.opens_days_before) <= today
        ]  # fmt: skip
        last = due[-1] if due else 1
        for year in range(1, last + 1):
            start, end = services.pairing_year(pairing, year)
            entry = Year(pairing, year, ST.FINALISED, start, end,
                         end - dt.timedelta(days=template.opens_days_before), template)  # fmt: skip
            decision = decided.get((pairing.pk, services.tranche_school_year(start)))
            if decision is not None:
                # The money followed this result already: the scorecard says the same.
                entry.target, passed, entry.finalised_at = decision
                if passed != (entry.target >= pairing.programme.pass_mark):
                    entry.target = pairing.programme.pass_mark + (0 if passed else -1)
            elif year < last:
                entry.target = _grade_total(rng, next(unseen_grades, None))
            else:
                # Every step and grade at least once (a small province too), then by the
                # weights.
                weights = STATUS_WEIGHTS if due else EARLY_WEIGHTS
                entry.status = next(unseen, rng.choices(list(weights), list(weights.values()))[0])
                if entry.status == ST.FINALISED:
                    entry.target = _grade_total(rng, next(unseen_grades, None))
                elif entry.status in (ST.INSPECTED, REOPENED):
                    entry.target = _grade_total(rng)
            years.append(entry)
    _people(years)
    return [y for y in years if y.helping and y.assisted]


def _tranche_decisions() -> dict[tuple[int, int], tuple[Decimal, bool, dt.datetime | None]]:
    """``{(pairing, school year): (score, passed, when)}`` of the tranches the funding
    generator released or withheld on an evaluation (the score is the tranche's note)."""
    found = {}
    for pairing_id, year, status, note, at in Tranche.objects.filter(
        evaluation_year__isnull=False, status__in=[TrancheStatus.RELEASED, TrancheStatus.WITHHELD]
    ).values_list("allocation__pairing_id", "evaluation_year", "status", "note", "released_at"):
        try:
            score = scoring.rounded(Decimal(note))
        except ArithmeticError:
            continue
        found[(pairing_id, year)] = (score, status == TrancheStatus.RELEASED, at)
    return found


def _grade_total(rng, grade: str | None = None) -> Decimal:
    """A total in ``grade``'s range (by default a grade drawn by the weights)."""
    grade = grade or rng.choices(list(GRADE_WEIGHTS), list(GRADE_WEIGHTS.values()))[0]
    low, high = GRADE_RANGES[grade]
    return Decimal(rng.randint(int(low * 2), int(high * 2))) / 2


def _people(years: list[Year]) -> None:
    """Each year's coordinators: the helping school's, and each assisted school's."""
    pairing_ids = {y.pairing.pk for y in years}
    members: dict[int, list[tuple[int, str]]] = {}
    for pairing_id, school_id, role in (
        PairingMember.objects.filter(pairing_id__in=pairing_ids)
        .order_by("id")
        .values_list("pairing_id", "school_id", "role")
    ):
        members.setdefault(pairing_id, []).append((school_id, role))
    coordinators: dict[int, int] = {}
    for school_id, user_id in (
        RoleAssignment.objects.filter(
            role=Role.COORDINATOR,
            school_id__in={s for rows in members.values() for s, _r in rows},
        )
        .order_by("id")
        .values_list("school_id", "user_id")
    ):
        coordinators.setdefault(school_id, user_id)
    for y in years:
        for school_id, role in members.get(y.pairing.pk, []):
            if school_id not in coordinators:
                continue
            if role == PairingMember.Role.HELPING:
                y.helping = coordinators[school_id]
            else:
                y.assisted.append((school_id, coordinators[school_id]))


def _nearest(role: str, region_ids: set[int]) -> dict[int, list[int]]:
    """``{region: [user ids]}`` holding ``role`` at the region or above it, nearest first."""
    paths = dict(Region.objects.filter(id__in=region_ids).values_list("id", "path"))
    above = {pk: [int(p) for p in path.strip("/").split("/") if p][::-1]
             for pk, path in paths.items()}  # fmt: skip
    staff: dict[int, list[int]] = {}
    for region_id, user_id in (
        RoleAssignment.objects.filter(
            role=role, region_id__in={r for ancestors in above.values() for r in ancestors}
        )
        .order_by("id")
        .values_list("region_id", "user_id")
    ):
        staff.setdefault(region_id, []).append(user_id)
    return {pk: list(dict.fromkeys(u for r in ancestors for u in staff.get(r, [])))
            for pk, ancestors in above.items()}  # fmt: skip


# --- writing ---------------------------------------------------------------------------------


def write_scorecards(years: list[Year]) -> list[Scorecard]:
    """The years' scorecards as rows (status and dates; the result is written with the
    scores)."""
    cards = [
        Scorecard(
            pairing_id=y.pairing.pk,
            programme_id=y.pairing.programme_id,
            region_id=y.pairing.region_id,
            helping_school_id=y.pairing.helping_school_id,
            template=y.template,
            year=y.year,
            period_start=y.start,
            period_end=y.end,
            opens_on=y.opens_on,
            due_on=y.end,
            status=ST.SUBMITTED if y.status == REOPENED else y.status,
        )  # fmt: skip
        for y in years
    ]
    bulk(Scorecard, cards)
    for y, card in zip(years, cards, strict=True):
        y.card = card
    return cards


def _scores_and_events(ctx: ScaleContext, years: list[Year]) -> tuple[int, int]:
    rng = ctx.rng
    indicators: dict[int, list[Indicator]] = {}
    for indicator in Indicator.objects.filter(
        template_id__in={y.template.pk for y in years}
    ).order_by("area__order", "order", "id"):
        indicators.setdefault(indicator.template_id, []).append(indicator)
    # What the records say, for every scorecard at once (a few queries per metric).
    keys = {i.metric for rows in indicators.values() for i in rows if i.is_automatic}
    measured = metrics.compute(Scorecard.objects.filter(pk__in=[y.card.pk for y in years]), keys)
    inspectors = _nearest(Role.INSPECTOR, {y.pairing.region_id for y in years})
    bureaus = _nearest(Role.BUREAU, {y.pairing.region_id for y in years})
    scores: list[IndicatorScore] = []
    events: list[ScorecardEvent] = []
    changed: list[Scorecard] = []
    for y in years:
        card = y.card
        inspector = (inspectors.get(y.pairing.region_id) or [None])[0]
        finalisers = [u for u in bureaus.get(y.pairing.region_id, []) if u != inspector]
        times = _times(rng, y, ctx.now)
        rows = [_score(card, i, measured) for i in indicators[y.template.pk]]
        inspected = y.status in (ST.INSPECTED, ST.FINALISED, REOPENED)
        if inspected:
            _inspect(rng, rows, y.target, inspector, times["inspect"])
        _self_assess(rng, rows, y.status)
        card.computed_at = ctx.now
        if y.status in (ST.FINALISED, REOPENED):
            for score in rows:
                score.points = scoring.points_of(score.indicator, score)
            card.total = scoring.rounded(sum((s.points for s in rows), Decimal(0)))
            card.grade = scoring.grade_of(card.total, y.template)
            card.pass_mark = y.pairing.programme.pass_mark
            card.passed = card.total >= card.pass_mark
            card.finalised_at = card.frozen_at = card.computed_at = times["finalise"]
            card.finalised_by_id = finalisers[0] if finalisers else None
        if "confirm" in times:
            card.submitted_at = times["confirm"]
        card.created_at = times["open"]
        events += _events(y, times, inspector, card.finalised_by_id or
                          (finalisers[0] if finalisers else None))  # fmt: skip
        scores += rows
        changed.append(card)
    bulk(IndicatorScore, scores)
    Scorecard.objects.bulk_update(
        changed,
        ["total", "grade", "pass_mark", "passed", "finalised_at", "finalised_by", "frozen_at",
         "computed_at", "submitted_at", "created_at"],
        batch_size=1000,
    )  # fmt: skip
    made = bulk(ScorecardEvent, events)
    # ``at`` is set on insert: put each step back at its time.
    for event in made:
        event.at = event._at
    ScorecardEvent.objects.bulk_update(made, ["at"], batch_size=2000)
    return len(scores), len(made)


def _score(card: Scorecard, indicator: Indicator, measured) -> IndicatorScore:
    score = IndicatorScore(scorecard=card, indicator=indicator)
    if indicator.is_automatic:
        measure = measured.get(indicator.metric, {}).get(card.pk)
        score.value = measure.value if measure else None
        score.detail = measure.detail if measure else {}
        score.auto_points = scoring.rule_points(indicator, score.value)
    return score


def _inspect(rng, rows: list[IndicatorScore], target: Decimal, inspector, at) -> None:
    """Manual scores (and overrides where needed) that make the total ``target``."""
    manual = [s for s in rows if not s.indicator.is_automatic]
    automatic = [s for s in rows if s.indicator.is_automatic]
    room = sum((s.indicator.max_points for s in manual), Decimal(0))

    def auto_sum() -> Decimal:
        return sum((scoring.points_of(s.indicator, s) for s in automatic), Decimal(0))

    # Too few computed points for the target: the inspector credits the paper ledgers,
    # fullest indicator first; too many: lowers what the records overstate.
    for score in sorted(automatic, key=lambda s: -s.indicator.max_points):
        if target - auto_sum() <= room:
            break
        score.override_points, score.override_reason = score.indicator.max_points, RAISED
    for score in sorted(automatic, key=lambda s: -(s.auto_points or 0)):
        if target - auto_sum() >= 0:
            break
        excess = auto_sum() - target
        lowered = (scoring.points_of(score.indicator, score) - excess).quantize(ONE, ROUND_DOWN)
        lowered = max(Decimal(0), lowered)
        score.override_points, score.override_reason = lowered, LOWERED
    # The manual points, to one place, such that the exact total rounds to the target.
    wanted = min(room, max(Decimal(0), (target - auto_sum()).quantize(ONE, ROUND_HALF_DOWN)))
    share = wanted / room if room else Decimal(0)
    given = Decimal(0)
    for score in manual:
        maximum = score.indicator.max_points
        points = min(maximum, (maximum * share * Decimal(str(rng.uniform(0.9, 1.1))))
                     .quantize(ONE, ROUND_DOWN))  # fmt: skip
        score.inspector_score = points
        given += points
    # Put the remainder where there is room (or take back the excess), a tenth at a time.
    rest = wanted - given
    for score in sorted(manual, key=lambda s: s.indicator.max_points - s.inspector_score,
                        reverse=rest > 0):  # fmt: skip
        if not rest:
            break
        maximum = score.indicator.max_points
        step = min(rest, maximum - score.inspector_score) if rest > 0 else max(
            rest, -score.inspector_score)  # fmt: skip
        score.inspector_score += step
        rest -= step
    for n, score in enumerate(manual):
        score.inspector_comment = COMMENTS[n % len(COMMENTS)]
    for score in [*manual, *[s for s in automatic if s.override_points is not None]]:
        score.inspector_id, score.inspected_at = inspector, at


def _self_assess(rng, rows: list[IndicatorScore], status: str) -> None:
    """The helping school's scores: a little above the inspector's where there are some;
    part of them while the scorecard is open."""
    manual = [s for s in rows if not s.indicator.is_automatic]
    if status == ST.OPEN:
        manual = manual[: rng.randint(0, len(manual))]
    for n, score in enumerate(manual):
        maximum = score.indicator.max_points
        if score.inspector_score is not None:
            points = score.inspector_score + Decimal(rng.choice((0, 0, 5, 10))) / 10
        else:
            points = maximum * Decimal(rng.randint(14, 20)) / 20
        score.self_score = min(maximum, points).quantize(ONE)
        score.self_note = NOTES[n % len(NOTES)]


# The steps of each end, in order.
PATHS = {
    ST.OPEN: ["open"],
    ST.CONFIRMING: ["open", "submit"],
    ST.SUBMITTED: ["open", "submit", "confirm"],
    ST.INSPECTED: ["open", "submit", "confirm", "inspect"],
    ST.FINALISED: ["open", "submit", "confirm", "inspect", "finalise"],
    REOPENED: ["open", "submit", "confirm", "inspect", "finalise", "reopen"],
}


def _times(rng, y: Year, now: dt.datetime) -> dict[str, dt.datetime]:
    """When each step happened: a few days to weeks apart from the window's opening (or
    earlier, once the agreement was signed, so that every step is over by now); a
    finalisation that released a tranche at the tranche's time."""
    path = PATHS[y.status]
    gaps = [dt.timedelta(days=rng.uniform(2, 25)) for _step in path[1:]]
    signed = timezone.make_aware(dt.datetime.combine(y.pairing.agreement_signed_on, dt.time(9)))
    end = y.finalised_at or now - dt.timedelta(hours=rng.uniform(2, 24 * 20))
    window = timezone.make_aware(dt.datetime.combine(y.opens_on, dt.time(1, 30)))
    start = max(signed, min(window, end - sum(gaps, dt.timedelta())))
    room = end - start
    if sum(gaps, dt.timedelta()) > room:
        gaps = [gap * (room / sum(gaps, dt.timedelta())) for gap in gaps]
    times, at = {}, start
    for step, gap in zip(path, [dt.timedelta(), *gaps], strict=True):
        at += gap
        times[step] = min(at, now)
    if y.finalised_at is not None:
        times[path[-1]] = y.finalised_at
    return times


def _events(y: Year, times: dict, inspector, bureau) -> list[ScorecardEvent]:
    status = {"open": ST.OPEN, "submit": ST.CONFIRMING, "confirm": ST.SUBMITTED,
              "inspect": ST.INSPECTED, "finalise": ST.FINALISED,
              "reopen": ST.SUBMITTED}  # fmt: skip
    before = ""
    events = []
    early = times["open"].date() < y.opens_on
    for step in PATHS[y.status]:
        common = {"scorecard": y.card, "from_status": before, "to_status": status[step]}
        if step == "open":
            events.append(ScorecardEvent(step=Step.OPEN, actor_id=bureau if early else None,
                                         comment=EARLY if early else "", **common))  # fmt: skip
        elif step == "submit":
            events.append(ScorecardEvent(step=Step.SUBMIT, actor_id=y.helping, **common))
        elif step == "confirm":
            # Each assisted school confirms; the last one's sends it to the inspectors.
            for n, (school_id, user_id) in enumerate(y.assisted):
                last = n == len(y.assisted) - 1
                events.append(ScorecardEvent(
                    step=Step.CONFIRM, actor_id=user_id, school_id=school_id,
                    **{**common, "to_status": ST.SUBMITTED if last else ST.CONFIRMING},
                ))  # fmt: skip
        elif step == "inspect":
            events.append(ScorecardEvent(step=Step.INSPECT, actor_id=inspector, **common))
        elif step == "finalise":
            events.append(ScorecardEvent(step=Step.FINALISE, actor_id=bureau,
                                         total=y.card.total, **common))  # fmt: skip
        elif step == "reopen":
            events.append(ScorecardEvent(step=Step.REOPEN, actor_id=bureau,
                                         comment=REOPEN_REASON, **common))  # fmt: skip
        before = status[step]
        for event in events:
            if not hasattr(event, "_at"):
                event._at = times[step]
    return events


def open_next_years(limit: int) -> int:
    """Open the next pairing year of up to ``limit`` evaluated pairings (those with a year
    left in their programme), in bulk, as the nightly run would in that year's window:
    open, every indicator to score, nothing computed yet. For bench/evaluation.py, which
    needs more open scorecards than the province holds at once."""
    latest: dict[int, int] = {}
    for pairing_id, year in Scorecard.objects.order_by("year").values_list("pairing_id", "year"):
        latest[pairing_id] = year
    pairings = (
        Pairing.objects.filter(pk__in=list(latest), status__in=services.EVALUATED_STATUSES)
        .select_related("programme")
        .order_by("id")
    )
    templates: dict[int, Template | None] = {}
    years = []
    for pairing in pairings:
        year = latest[pairing.pk] + 1
        if year > pairing.programme.years or len(years) >= limit:
            continue
        if pairing.programme_id not in templates:
            templates[pairing.programme_id] = services.programme_template(pairing.programme)
        template = templates[pairing.programme_id]
        if template is None:
            continue
        start, end = services.pairing_year(pairing, year)
        opens_on = end - dt.timedelta(days=template.opens_days_before)
        years.append(Year(pairing, year, ST.OPEN, start, end, opens_on, template))
    cards = write_scorecards(years)
    indicators: dict[int, list[int]] = {}
    for pk, template_id in Indicator.objects.filter(
        template_id__in={y.template.pk for y in years}
    ).values_list("pk", "template_id"):
        indicators.setdefault(template_id, []).append(pk)
    bulk(IndicatorScore, [IndicatorScore(scorecard=card, indicator_id=i)
                          for card in cards for i in indicators[card.template_id]])  # fmt: skip
    return len(cards)
