# ruff: noqa: E501 — the demo's notes read best as one line each.
"""The demo's yearly evaluations (``manage.py seed_demo`` calls :func:`load` after the money).

A scorecard in every step, for the demo's evaluated pairings:

- 青山区实验小学 → 柳河镇中心小学 (the demo coordinators' pair): year 1 sent back once by
  the assisted school and submitted again, now waiting for ``coordinator2`` to confirm;
  year 2 opened early by the bureau, ``coordinator`` part-way through its
  self-assessment (with evidence);
- 第二初级中学 → 高峰镇初级中学, year 1: finalised by ``bureau2``, passed, its second
  tranche released;
- 青云九年一贯制学校 → 大坪乡九年一贯制学校, year 1: inspected by ``inspector``, waiting
  for the bureau (``bureau`` finalises it: they did not score it);
- 临江县实验小学 → 桃园村小学、龙潭村小学 (the county's 1+2), year 1: finalised by
  ``county``, 合格 but under the county's pass mark of 80: failed, its tranche withheld;
- 外国语学校 → 城南小学 (concluded), year 1: finalised 优秀, then reopened by ``bureau2``
  and back with ``inspector``; year 2 (its last): confirmed, waiting for inspection.

And a draft of the county programme's own template (``county`` raised the secondment
target), which no scorecard uses until it is published; then the reporting cadence's documents of
the periods just over, as the beat asks for them.

Everything goes through evaluation.services with the demo personas; the schools without
a demo coordinator self-assess and confirm through ``admin``, as the teachers demo
registers their teachers. Year 1's work was largely kept in paper ledgers (the
platform's records of it are few), so the inspector sets the points of the automatic
indicators they checked by hand, with that reason. The service-stamped times are moved
to when the steps happened (from each year's self-assessment window on; a finalisation
that releases money stays at now, with its ledger). Idempotent: a pairing year that has
a scorecard is left as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from schools.models import Pairing, Programme

from . import services
from .defaults import install_default_template
from .models import (
    IndicatorScore,
    Scorecard,
    ScorecardEvent,
    ScoreEvidence,
    Source,
    Template,
)

HALF = Decimal("0.5")

# The steps that lead to each end, in order.
PATHS = {
    "open": ["open", "self_assess"],
    "confirming": ["open", "self_assess", "submit", "return", "amend", "resubmit"],
    "submitted": ["open", "self_assess", "submit", "confirm"],
    "inspected": ["open", "self_assess", "submit", "confirm", "inspect", "finish"],
    "finalised": ["open", "self_assess", "submit", "confirm", "inspect", "finish", "finalise"],
    "reopened": ["open", "self_assess", "submit", "confirm", "inspect", "finish", "finalise",
                 "reopen"],
}  # fmt: skip


@dataclass(frozen=True)
class Card:
    helping: str  # the helping school of the evaluated pairing
    year: int
    ends: str  # a key of PATHS
    # Days after the year's self-assessment window opened at which each step of the path
    # happened (squeezed before now when the window is recent or still to come).
    days: tuple[float, ...]
    self_share: float  # the school's self-assessment, as a share of each maximum
    inspector_share: float = 0.0
    # The automatic indicators the inspector checked in the paper ledgers, as a share of
    # their maximum (0: the computed points stand).
    ledger_share: float = 0.0
    opener: str = ""  # "" for the nightly run; a bureau login for an early opening
    finaliser: str = ""
    reopener: str = ""
    partial: int = 0  # self-assess only the first n manual indicators
    money_now: bool = False  # the finalisation releases money: its time stays now


HELPING = "江城市青山区实验小学"
CARDS = [
    Card(HELPING, 1, "confirming", (0, 20, 28, 60, 100, 110), self_share=0.9),
    Card(HELPING, 2, "open", (0, 9), self_share=0.92, opener="bureau", partial=3),
    Card("江城市第二初级中学", 1, "finalised", (0, 18, 22, 30, 70, 75, 84), self_share=0.9,
         inspector_share=0.88, ledger_share=0.85, finaliser="bureau2", money_now=True),
    Card("江城市青山区青云九年一贯制学校", 1, "inspected", (0, 16, 21, 35, 95, 105),
         self_share=0.9, inspector_share=0.88, ledger_share=0.85),
    Card("临江县实验小学", 1, "finalised", (0, 14, 20, 40, 80, 85, 100), self_share=0.86,
         inspector_share=0.78, ledger_share=0.7, finaliser="county"),
    Card("江城市青山区外国语学校", 1, "reopened", (0, 11, 15, 19, 40, 42, 56, 112),
         self_share=1.0, inspector_share=1.0, ledger_share=1.0, finaliser="bureau",
         reopener="bureau2"),
    Card("江城市青山区外国语学校", 2, "submitted", (0, 6, 8, 11), self_share=0.9,
         opener="bureau"),
]  # fmt: skip

# The self-assessment notes and the inspector's comments of the default template's manual
# indicators (another template's indicators get the generic ones).
NOTES = {
    "1.1": "成立由两校校长任组长的结对帮扶工作小组；每学期制订帮扶计划，召开联席会议 2 次，会议纪要已归档。",
    "2.1": "统一两校教学常规检查标准，每月联合检查教案、作业批改；受援校建立学科教研组活动记录。",
    "2.2": "开展同课异构和同步课堂，受援校教师信息技术应用能力培训全员覆盖。",
    "2.3": "组织城乡学生“手拉手”交流 4 次，两校共同举办读书节和科技节。",
    "2.4": "受援校期末教学质量联测合格率较上学年提高 6 个百分点。",
    "3.3": "对受援校教师开展全员培训 12 场，培养校级学科骨干 5 名。",
    "3.4": "两校联合开展师德师风专题学习和师德承诺活动，无违反师德情况。",
    "4.2": "向受援校开放课件、微课资源库；指导建成科学实验室和图书室管理制度。",
    "4.3": "协助受援校制订校园“文化、绿化、美化”建设方案，完成文化长廊设计。",
    "5.2": "帮扶经费由支援学校管理，专款专用，票据齐全，未增加受援学校负担。",
}
NOTE = "按计划完成，佐证材料见附件。"
COMMENTS = ["查阅台账和会议纪要，情况属实。", "佐证材料较完整，过程记录略有欠缺。",
            "现场查看，与自评基本一致。", "部分活动缺少过程性记录，酌情扣分。"]  # fmt: skip
LEDGER = "本年度部分交流、挂职和带教活动未在平台登记，经现场查阅纸质台账、签到表和照片核定得分。"
# Metrics whose records the paper ledgers do not hold: their computed points stand.
COMPUTED = {"plan_goals", "funds_disbursed"}
# The assisted school sends the coordinators' year 1 back once, asking for evidence.
RETURNED = ("2.4", "请补充期末教学质量联测成绩对比表作为 2.4 的佐证，并按实际提高幅度重新自评。")
RESUBMITTED = "已补充联测成绩对比表，2.4 按实际情况重新自评。"
CONFIRMED = "经核对，自评情况属实，同意报送。"
INSPECTED = "已完成现场核查，请教育局审定。"
FINALISED = {True: "年度考核合格，按规定拨付下一期帮扶经费。",
             False: "年度考核未达到项目合格线，暂缓拨付下一期经费，请两校针对薄弱项目制订整改方案。"}  # fmt: skip
REOPENED = "复核发现 1.2 管理人员挂职天数与挂职登记表不一致，退回督导重新核定。"
EARLY = "提前开通本帮扶年度自评，便于学校随工作进展留存佐证。"
# A minimal PDF, as the other demos' files.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EVIDENCE = {"1.1": "联席会议纪要.pdf", "2.3": "手拉手活动照片.pdf", "2.4": "期末联测成绩对比表.pdf",
            "3.3": "教师培训签到表.pdf"}  # fmt: skip

COUNTY_PROGRAMME = "临江县城乡学校“1+N”捆绑帮扶（2025—2027）"


def load(*, users: dict, schools: dict, count: Callable[[str, int], None]) -> None:
    install_default_template()  # a database flushed since it was migrated has none
    made = 0
    for spec in CARDS:
        school = schools.get(spec.helping)
        pairing = (
            Pairing.objects.filter(
                helping_school=school,
                status__in=services.EVALUATED_STATUSES,
                agreement_signed_on__isnull=False,
            )
            .select_related("programme", "region")
            .order_by("id")
            .first()
        )
        if pairing is None or Scorecard.objects.filter(pairing=pairing, year=spec.year).exists():
            continue
        _build(spec, pairing, users)
        made += 1
    if made:
        count("scorecards", made)
    _county_draft(users, count)
    # The reporting cadence as the beat would have asked for it on the first working day
    # after each period (the worker builds them): last month's steering sheet, last
    # quarter's summary, the last half-year's circular of each region with a programme.
    from .documents import services as document_services

    asked = document_services.documents_request_due()
    if asked:
        count("documents", len(asked))


def _build(spec: Card, pairing: Pairing, users: dict) -> None:
    now = timezone.now()
    path = PATHS[spec.ends]
    _start, end = services.pairing_year(pairing, spec.year)
    template = services.programme_template(pairing.programme)
    opens = end - dt.timedelta(days=template.opens_days_before)
    window = timezone.make_aware(dt.datetime.combine(opens, dt.time(1, 30)))
    # The window's first day, or early enough for every step to have happened by now.
    first = min(window, now - dt.timedelta(days=spec.days[-1] + 1))
    times = [first + dt.timedelta(days=d) for d in spec.days]
    helping = users["coordinator"] if pairing.helping_school.name == HELPING else users["admin"]
    assisted = users["coordinator2"] if pairing.helping_school.name == HELPING else users["admin"]
    card = None
    for step, at in zip(path, times, strict=True):
        keep_now = step == "finalise" and spec.money_now
        with _dated(None if keep_now else at):
            if step == "open":
                opener = users[spec.opener] if spec.opener else None
                card = services.scorecard_open(pairing=pairing, year=spec.year, actor=opener)
                if spec.opener:
                    ScorecardEvent.objects.filter(scorecard=card).update(comment=EARLY)
            elif step == "self_assess":
                _self_assess(card, helping, spec)
            elif step in ("submit", "resubmit"):
                comment = RESUBMITTED if step == "resubmit" else ""
                services.scorecard_submit(actor=helping, scorecard=card, comment=comment)
            elif step == "return":
                services.scorecard_return(actor=assisted, scorecard=card, comment=RETURNED[1])
            elif step == "amend":
                _amend(card, helping)
            elif step == "confirm":
                services.scorecard_confirm(actor=assisted, scorecard=card, comment=CONFIRMED)
            elif step == "inspect":
                _inspect(card, users["inspector"], spec)
            elif step == "finish":
                services.scorecard_finish_inspection(
                    actor=users["inspector"], scorecard=card, comment=INSPECTED
                )
            elif step == "finalise":
                card.refresh_from_db()
                result = services.result_of(card)
                passed = result.total >= pairing.programme.pass_mark
                services.scorecard_finalise(
                    actor=users[spec.finaliser], scorecard=card, comment=FINALISED[passed]
                )
            elif step == "reopen":
                services.scorecard_reopen(
                    actor=users[spec.reopener], scorecard=card, reason=REOPENED
                )


@contextmanager
def _dated(at: dt.datetime | None):
    """Move what the services stamp with now() during the block to ``at`` (None: keep)."""
    mark = timezone.now()
    yield
    if at is None:
        return
    History = IndicatorScore.history.model
    ScorecardEvent.objects.filter(at__gte=mark).update(at=at)
    History.objects.filter(history_date__gte=mark).update(history_date=at)
    IndicatorScore.objects.filter(inspected_at__gte=mark).update(inspected_at=at)
    ScoreEvidence.objects.filter(uploaded_at__gte=mark).update(uploaded_at=at)
    for field in ("created_at", "submitted_at", "finalised_at", "frozen_at"):
        Scorecard.objects.filter(**{f"{field}__gte": mark}).update(**{field: at})


def _manual(card: Scorecard) -> list[IndicatorScore]:
    return list(
        IndicatorScore.objects.filter(scorecard=card, indicator__source=Source.MANUAL)
        .select_related("indicator")
        .order_by("indicator__area__order", "indicator__order", "indicator_id")
    )


def _points(maximum: Decimal, share: float, n: int) -> Decimal:
    """``share`` of ``maximum`` to the half point, a little up or down by indicator, so that
    a card's scores are not all alike (full marks stay full)."""
    if share >= 1:
        return maximum
    wobble = (Decimal(0), -HALF, HALF, Decimal(0), -HALF)[n % 5]
    exact = (maximum * Decimal(str(share)) / HALF).quantize(Decimal(1), ROUND_HALF_UP) * HALF
    return min(maximum, max(Decimal(0), exact + wobble))


def _self_assess(card: Scorecard, actor, spec: Card) -> None:
    scores = _manual(card)
    if spec.partial:
        scores = scores[: spec.partial]
    entries = {
        s.indicator_id: {
            "score": _points(s.indicator.max_points, spec.self_share, n),
            "note": NOTES.get(s.indicator.code, NOTE),
        }
        for n, s in enumerate(scores)
    }
    uploads = {
        s.indicator_id: [SimpleUploadedFile(EVIDENCE[s.indicator.code], PDF, "application/pdf")]
        for s in scores
        if s.indicator.code in EVIDENCE and s.indicator.code != RETURNED[0]
    }
    services.scorecard_self_assess(actor=actor, scorecard=card, entries=entries, uploads=uploads)


def _amend(card: Scorecard, actor) -> None:
    """What the assisted school asked for: the evidence of 2.4, and its score put right."""
    score = next((s for s in _manual(card) if s.indicator.code == RETURNED[0]), None)
    if score is None:
        return
    services.scorecard_self_assess(
        actor=actor, scorecard=card,
        entries={score.indicator_id: {"score": score.self_score - 1 if score.self_score >= 1
                                      else score.self_score, "note": NOTES[RETURNED[0]]}},
        uploads={score.indicator_id: [SimpleUploadedFile(EVIDENCE[RETURNED[0]], PDF,
                                                         "application/pdf")]},
    )  # fmt: skip


def _inspect(card: Scorecard, inspector, spec: Card) -> None:
    entries = {}
    scores = IndicatorScore.objects.filter(scorecard=card).select_related("indicator")
    for n, score in enumerate(scores.order_by("indicator__area__order", "indicator__order")):
        indicator = score.indicator
        if not indicator.is_automatic:
            entries[indicator.pk] = {
                "score": _points(indicator.max_points, spec.inspector_share, n),
                "comment": COMMENTS[n % len(COMMENTS)],
            }
        elif spec.ledger_share and indicator.metric not in COMPUTED:
            checked = _points(indicator.max_points, spec.ledger_share, n)
            computed = score.auto_points or Decimal(0)
            if checked > computed:
                entries[indicator.pk] = {"override": checked, "reason": LEDGER}
    services.scorecard_inspect(actor=inspector, scorecard=card, entries=entries)


def _county_draft(users: dict, count) -> None:
    """The county's own version in the making: the default copied, one target raised."""
    bureau = users.get("county")
    template = Template.objects.filter(programme__isnull=True, published_at__isnull=False).first()
    programme = Programme.objects.filter(name=COUNTY_PROGRAMME).first()
    if bureau is None or template is None or programme is None:
        return
    if Template.objects.filter(programme=programme).exists():
        return
    draft = services.template_copy(
        actor=bureau, source=template, programme=programme,
        name="临江县“1+N”捆绑帮扶年度考核评分表（2026 修订稿）",
    )  # fmt: skip
    services.template_update(
        actor=bureau, template=draft,
        description="在市默认评分表基础上修订：县域内学校距离近，管理人员互派挂职提高到每学年不少于 15 个工作日。"
        "修订稿经县教育局局务会审定后发布，自 2026—2027 帮扶年度起使用。",
    )  # fmt: skip
    secondment = draft.indicators.filter(metric="secondment_days").first()
    if secondment is not None:
        services.indicator_save(
            actor=bureau, template=draft, indicator=secondment, target=Decimal("15"),
            criteria="每学年互派管理人员到对口学校挂职，参与决策与管理（全年不少于15个工作日）。",
        )  # fmt: skip
    count("scorecard templates", 1)
