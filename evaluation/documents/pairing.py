"""The yearly PDF evaluation of a pairing (年度考核评估报告): a finalised scorecard as the
bureau issues it – cover, one-page summary, indicator table, charts, evidence list and
signature block – built from the stored result, never from a forecast."""

from __future__ import annotations

from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import Pairing, PairingMember, pairing_title
from twinning import access
from twinning.access import resolve_scope
from twinning.pdf import page_counter_css, render_pdf
from twinning.text import join_names

from .. import charts, selectors, services
from ..models import DocumentKind, Scorecard, ScorecardStatus, ScoreEvidence, Step
from .builders import Builder, Period

TEMPLATE = "evaluation/pdf/pairing_evaluation.html"


def _card(pairing: Pairing, period: str) -> Scorecard:
    card = (
        Scorecard.objects.select_related(
            "pairing__helping_school", "pairing__region", "programme", "template", "finalised_by"
        )
        .filter(pairing=pairing, year=int(period), status=ScorecardStatus.FINALISED)
        .first()
    )  # fmt: skip
    if card is None:
        raise ValidationError({"period": _("The scorecard of this year is not finalised.")})
    return card


def _members(pairing: Pairing) -> list[PairingMember]:
    members = PairingMember.objects.filter(pairing=pairing).select_related("school")
    return list(members.order_by("role", "id"))


class PairingEvaluation(Builder):
    kind = DocumentKind.PAIRING_EVALUATION
    subject_model = Pairing
    formats = ("pdf",)

    def period(self, subject: Pairing, period) -> Period:
        try:
            year = int(period)
        except (TypeError, ValueError):
            raise ValidationError({"period": _("Choose a pairing year.")}) from None
        card = _card(subject, str(year))
        assisted = [m.school.name for m in _members(subject)
                    if m.role == PairingMember.Role.ASSISTED]  # fmt: skip
        title = _("Yearly evaluation of %(helping)s and %(assisted)s, year %(year)s") % {
            "helping": card.pairing.helping_school.name, "assisted": join_names(assisted),
            "year": year,
        }  # fmt: skip
        return Period(str(year), card.period_start, card.period_end, title[:200])

    def may_request(self, actor, subject: Pairing) -> bool:
        # Whoever finalises the year (the programme's bureau) asks for its document.
        return access.is_pairing_bureau(resolve_scope(actor), subject)

    def facts(self, document) -> dict[str, Any]:
        card = _card(document.pairing, document.period)
        scores = list(
            card.scores.order_by("indicator_id").values_list(
                "indicator_id", "self_score", "self_note", "inspector_score",
                "inspector_comment", "override_points", "override_reason", "points",
                "inspector__full_name", "inspector__username",
            )
        )  # fmt: skip
        evidence = list(
            ScoreEvidence.objects.filter(scorecard=card)
            .order_by("id")
            .values_list("id", "name", "size")
        )
        events = list(card.events.order_by("id").values_list("step", "actor_id", "school_id", "at"))
        return {
            "programme": card.programme.name,
            "region": card.pairing.region.name,
            "schools": [(m.role, m.school.name, m.school.code) for m in _members(card.pairing)],
            "card": [card.pk, card.year, card.period_start, card.period_end, card.total,
                     card.grade, card.passed, card.pass_mark, card.finalised_at,
                     card.finalised_by_id, card.template_id],
            "scores": scores,
            "evidence": evidence,
            "events": events,
        }  # fmt: skip

    def write(self, document, fmt: str, out: IO[bytes]) -> None:
        out.write(render_pdf(TEMPLATE, self.context(document)))

    def context(self, document) -> dict[str, Any]:
        card = _card(document.pairing, document.period)
        members = _members(card.pairing)
        detail = selectors.scorecard_detail(card)
        result = detail["result"]
        events = detail["events"]

        def last(step):
            return next((e for e in reversed(events) if e.step == step), None)

        confirmations = {e.school_id: e for e in events if e.step == Step.CONFIRM}
        inspectors = sorted({s.inspector.display_name for s in detail["scores"].values()
                             if s.inspector is not None})  # fmt: skip
        evidence = [
            (indicator, file)
            for area in result.areas
            for indicator, score, _points in area.lines
            if score is not None
            for file in score.evidence.all()
        ]
        return {
            "document": document,
            "card": card,
            "pair_title": pairing_title(
                card.pairing.helping_school.name,
                [m.school.name for m in members if m.role == PairingMember.Role.ASSISTED],
            ),
            "helping": card.pairing.helping_school,
            # Each assisted school with its last confirmation of the self-assessment.
            "assisted": [
                (m.school, confirmations.get(m.school_id))
                for m in members
                if m.role == PairingMember.Role.ASSISTED
            ],  # fmt: skip
            "result": result,
            "areas_short": services.areas_short(card, result),
            "chart": charts.area_points_chart(result.areas, _("Points per area")),
            "evidence": evidence,
            "inspectors": inspectors,
            "submitted": last(Step.SUBMIT),
            "inspected": last(Step.INSPECT),
            "finalised": last(Step.FINALISE),
            "page_counter": page_counter_css(),
            "built_at": timezone.now(),
        }
