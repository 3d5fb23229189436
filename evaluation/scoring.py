"""The scorecard's arithmetic, in one place.

- An automatic indicator's points come from its rule: *share of a target*, maximum ×
  min(1, value / target); *thresholds*, the points of the highest step the value
  reaches. No value (no data) scores 0. An inspector's override, with its reason,
  replaces them.
- A manual indicator counts the inspector's score (0 until scored).
- Points are kept exact and the total is rounded half-up to one decimal place once, at
  the total; so the total never exceeds the template's maximum and is the sum of the
  parts, rounded.
- The grade follows the template's bands (优秀 ≥ 90, 良好 ≥ 75, 合格 ≥ 60 by default);
  pass or fail follows the programme's pass mark (75 by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import ONE_PLACE, Grade, Indicator, IndicatorScore, Rule, Template

ZERO = Decimal("0")
EXACT = Decimal("0.000001")


def rule_points(indicator: Indicator, value: Decimal | None) -> Decimal | None:
    """The points ``indicator``'s rule gives ``value`` (None: no data)."""
    if value is None:
        return None
    maximum = indicator.max_points
    if indicator.rule == Rule.SHARE:
        target = indicator.target or ZERO
        if target <= 0:
            return maximum if value > 0 else ZERO
        share = min(Decimal(1), max(ZERO, Decimal(value)) / target)
        return (maximum * share).quantize(EXACT)
    if indicator.rule == Rule.THRESHOLDS:
        reached = [Decimal(str(points)) for at, points in indicator.steps
                   if Decimal(value) >= Decimal(str(at))]  # fmt: skip
        return min(maximum, max(reached)) if reached else ZERO
    return None


def points_of(indicator: Indicator, score: IndicatorScore) -> Decimal:
    """The points ``score`` counts in the total, as it stands."""
    if indicator.is_automatic:
        if score.override_points is not None:
            return score.override_points
        return score.auto_points if score.auto_points is not None else ZERO
    return score.inspector_score if score.inspector_score is not None else ZERO


def rounded(points: Decimal) -> Decimal:
    return Decimal(points).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def grade_of(total: Decimal, template: Template) -> str:
    if total >= template.band_excellent:
        return Grade.EXCELLENT
    if total >= template.band_good:
        return Grade.GOOD
    if total >= template.band_pass:
        return Grade.PASS
    return Grade.FAIL


def areas_short(areas, pass_mark: Decimal | None, max_points: Decimal) -> list[str]:
    """The names of ``areas`` (``(name, points, maximum)``, in order) whose points fall
    below the pass mark's share of their maximum: the share of the template's
    ``max_points`` the programme's ``pass_mark`` asks of the whole, asked of each area
    (None: no pass mark, nothing is short). The one statement of the rule, for one
    scorecard's result and for a region's aggregate sums alike."""
    if pass_mark is None or not max_points:
        return []
    share = pass_mark / max_points
    return [name for name, points, maximum in areas if maximum and points / maximum < share]


@dataclass
class AreaResult:
    area_id: int
    name: str
    lineage: str
    maximum: Decimal
    points: Decimal = ZERO
    lines: list = field(default_factory=list)

    @property
    def rounded(self) -> Decimal:
        return rounded(self.points)

    @property
    def percent(self) -> int:
        return round(100 * self.points / self.maximum) if self.maximum else 0


@dataclass
class Result:
    maximum: Decimal
    areas: list[AreaResult]
    exact: Decimal

    @property
    def total(self) -> Decimal:
        return rounded(self.exact)


def result(template: Template, indicators, scores: dict[int, IndicatorScore]) -> Result:
    """The scorecard's points per area and in total, from ``indicators`` (with their
    ``area`` loaded) and ``scores`` by indicator id."""
    areas: dict[int, AreaResult] = {}
    for indicator in indicators:
        area = areas.get(indicator.area_id)
        if area is None:
            area = areas[indicator.area_id] = AreaResult(
                indicator.area_id, indicator.area.name, str(indicator.area.lineage), ZERO
            )
        area.maximum += indicator.max_points
        score = scores.get(indicator.pk)
        points = points_of(indicator, score) if score else ZERO
        area.points += points
        area.lines.append((indicator, score, points))
    exact = sum((a.points for a in areas.values()), ZERO)
    return Result(template.max_points, list(areas.values()), exact)


# --- input ----------------------------------------------------------------------------------


def parse_score(raw, *, maximum: Decimal, field: str) -> Decimal | None:
    """A typed score as points: a number from 0 to ``maximum`` with at most one decimal
    place (None for an empty entry); otherwise a ``ValidationError`` naming ``field``."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number of points, e.g. 4.5.")}) from None
    if not value.is_finite():
        raise ValidationError({field: _("Enter a number of points, e.g. 4.5.")})
    if value < 0:
        raise ValidationError({field: _("Points cannot be negative.")})
    if value > maximum:
        raise ValidationError(
            {field: _("At most %(max)s points for this indicator.") % {"max": maximum}}
        )
    if value != value.quantize(ONE_PLACE):
        raise ValidationError({field: _("Points have at most one decimal place.")})
    return value.quantize(ONE_PLACE)
