"""The yearly evaluation of a region (年度结对帮扶考核评估汇总): once the pairings' yearly
evaluations are in, what the bureau issues about all of them – the summary, the grades,
each county's average, every pairing ranked by its total with its points per area, and
the pairings that failed with the areas that fell short – as a PDF and an Excel workbook
drawn from the same facts.

The facts come from five queries whatever the number of pairings (the region, its
subtree, the scorecards with their county, the assisted schools, the points per area
summed by the database): a province's two thousand pairings cost what one costs."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from schools.models import PairingMember, Region, pairing_title
from twinning.downloads import csv_cell
from twinning.pdf import page_counter_css, render_pdf
from twinning.text import join_names, labels

from .. import charts, scoring
from ..models import DocumentKind, Grade, IndicatorScore, Scorecard, ScorecardStatus
from . import periods
from .builders import Period, RegionBuilder, region_pairings

TEMPLATE = "evaluation/pdf/region_evaluation.html"
ZERO = Decimal(0)


def year_scorecards(region, start, end) -> QuerySet[Scorecard]:
    """The finalised scorecards the region's evaluation of ``start``–``end`` reports on:
    of each pairing of :func:`region_pairings`, the one whose pairing year ends within
    the period (the later one, should two), as one query the others filter by."""
    in_period = Scorecard.objects.filter(status=ScorecardStatus.FINALISED,
                                         period_end__range=(start, end))  # fmt: skip
    later = in_period.filter(pairing_id=OuterRef("pairing_id")).filter(
        Q(period_end__gt=OuterRef("period_end"))
        | Q(period_end=OuterRef("period_end"), year__gt=OuterRef("year"))
    )
    pairings = region_pairings(region, start, end).values("pk")
    return in_period.filter(pairing_id__in=pairings).exclude(Exists(later))


def _average(values: list[Decimal]) -> Decimal:
    return scoring.rounded(sum(values, ZERO) / len(values)) if values else ZERO


def _percent(part, whole) -> int:
    return round(100 * part / whole) if whole else 0


class RegionEvaluation(RegionBuilder):
    kind = DocumentKind.REGION_EVALUATION
    granularity = periods.SCHOOL_YEAR
    formats = ("pdf", "xlsx")

    def period(self, subject, period) -> Period:
        found = super().period(subject, period)
        if not year_scorecards(subject, found.start, found.end).exists():
            message = _("No pairing's scorecard of %(period)s is finalised yet: there is "
                        "nothing to evaluate.")  # fmt: skip
            label = periods.span(self.granularity, found.key).label
            raise ValidationError({"period": message % {"period": label}})
        return found

    def facts(self, document) -> dict[str, Any]:
        """Every number the document shows, ranked and summed here once, language-free
        (grades as codes, names as the records spell them, decimals as text: the same
        data give the same fingerprint whoever asks); the PDF and the workbook only lay
        them out."""
        region = document.region
        cards = year_scorecards(region, document.period_start, document.period_end)
        found, names = _read(cards)
        rows = _ranked(found, names)
        passed = sum(1 for row in rows if row["passed"])
        points, maxima = [ZERO] * len(names), [ZERO] * len(names)
        for card in found:
            for name, exact, maximum in card["areas"]:
                points[names.index(name)] += exact
                maxima[names.index(name)] += maximum
        return {
            "region": region.name,
            "level": region.level,
            "period": [document.period, str(document.period_start), str(document.period_end)],
            "maximum": str(max((card["max_points"] for card in found), default=ZERO)),
            "summary": {
                "evaluated": len(rows), "passed": passed, "failed": len(rows) - passed,
                "pass_rate": _percent(passed, len(rows)),
                "average": str(_average([card["total"] for card in found])),
            },
            "grades": [[g, sum(1 for row in rows if row["grade"] == g)] for g in Grade.values],
            "areas": names,
            # Each area's points over all the cards as a share of its maximum over them
            # (as the rankings' area averages are).
            "area_shares": [_percent(p, m) for p, m in zip(points, maxima, strict=True)],
            "counties": _counties(rows),
            "rows": rows,
        }  # fmt: skip

    def write(self, document, fmt: str, out: IO[bytes]) -> None:
        facts = self.facts(document)
        if fmt == "pdf":
            out.write(render_pdf(TEMPLATE, self.context(document, facts)))
        elif fmt == "xlsx":
            out.write(workbook(facts))
        else:
            raise ValueError(f"no {fmt} file of this kind")

    def context(self, document, facts: dict[str, Any]) -> dict[str, Any]:
        view = _view(facts)
        return {
            "document": document,
            **view,
            "county_chart": charts.county_totals_chart(
                [(c["name"] or "—", float(c["average"])) for c in view["counties"]],
                _("Average total of each county / district"), float(facts["maximum"]),
            ),
            "area_chart": charts.area_chart(
                [{"name": name, "percent": percent} for name, percent in view["areas"]],
                _("Average points of each area, as a share of its maximum"),
            ),
            "page_counter": page_counter_css(),
            "built_at": timezone.now(),
        }  # fmt: skip


# --- the facts -----------------------------------------


def _read(cards: QuerySet[Scorecard]) -> tuple[list[dict], list[str]]:
    """``cards`` with their pairing's names, county and areas (``(name, exact points,
    maximum)`` by area, in the template's order), and every area name in the templates'
    order (the columns): three queries, whatever their number."""
    county = PairingMember.objects.filter(
        pairing_id=OuterRef("pairing_id"), role=PairingMember.Role.ASSISTED
    ).order_by("id")
    # The county is the (first) assisted school's region, as activities.targets'
    # standings by county have it.
    found = list(
        cards.annotate(county=Subquery(county.values("region__name")[:1])).values(
            "id", "pairing_id", "year", "total", "grade", "passed", "pass_mark",
            "template__max_points", "programme__name", "helping_school__name", "county",
        )
    )  # fmt: skip
    assisted: dict[int, list[str]] = defaultdict(list)
    members = (
        PairingMember.objects.filter(pairing_id__in=cards.values("pairing_id"),
                                     role=PairingMember.Role.ASSISTED)
        .order_by("pairing_id", "id").values_list("pairing_id", "school__name")
    )  # fmt: skip
    for pairing_id, name in members:
        assisted[pairing_id].append(name)
    # By area, not by name: a template's two areas of one name stay two for the rule.
    # Summed by the database from the points stored at finalisation.
    sums = (
        IndicatorScore.objects.filter(scorecard_id__in=cards.values("id")).order_by()
        .values("scorecard_id", "indicator__area_id", "indicator__area__order",
                "indicator__area__name")
        .annotate(points=Sum("points"), maximum=Sum("indicator__max_points"))
        .order_by("scorecard_id", "indicator__area__order", "indicator__area_id")
    )  # fmt: skip
    areas: dict[int, list[tuple[str, Decimal, Decimal]]] = defaultdict(list)
    order: dict[str, int] = {}
    for row in sums:
        name, at = row["indicator__area__name"], row["indicator__area__order"]
        areas[row["scorecard_id"]].append((name, row["points"] or ZERO, row["maximum"] or ZERO))
        order[name] = min(order.get(name, at), at)
    cards_read = [
        {
            "card": card["id"], "pairing": card["pairing_id"], "year": card["year"],
            "helping": card["helping_school__name"], "assisted": assisted[card["pairing_id"]],
            "county": card["county"] or "", "programme": card["programme__name"],
            "total": card["total"] or ZERO, "grade": card["grade"],
            "passed": bool(card["passed"]), "pass_mark": card["pass_mark"],
            "max_points": card["template__max_points"], "areas": areas[card["id"]],
        }
        for card in found
    ]  # fmt: skip
    return cards_read, sorted(order, key=lambda name: (order[name], name))


def _ranked(cards: list[dict], names: list[str]) -> list[dict]:
    """The rows of the ranking: highest total first, a tie in the order of the pairings'
    names; each with its points per area column (rounded as a scorecard shows them; None
    where its template has no such area) and its areas short of the pass mark."""
    cards = sorted(cards, key=lambda c: (-c["total"], c["helping"], c["assisted"], c["card"]))
    rows = []
    for rank, card in enumerate(cards, 1):
        points: list[Decimal | None] = [None] * len(names)
        for name, exact, _maximum in card["areas"]:
            n = names.index(name)
            points[n] = (points[n] or ZERO) + exact
        rows.append({
            "rank": rank, "card": card["card"], "pairing": card["pairing"],
            "year": card["year"], "helping": card["helping"], "assisted": card["assisted"],
            "county": card["county"], "programme": card["programme"],
            "total": str(card["total"]), "grade": card["grade"], "passed": card["passed"],
            "areas": [None if p is None else str(scoring.rounded(p)) for p in points],
            "short": scoring.areas_short(card["areas"], card["pass_mark"], card["max_points"]),
        })  # fmt: skip
    return rows


def _counties(rows: list[dict]) -> list[dict]:
    """Per county: how many pairings were evaluated, passed and failed, the pass rate,
    the average total and the count of each grade; highest average first."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row["county"]].append(row)
    counties = []
    for name, group in groups.items():
        passed = sum(1 for row in group if row["passed"])
        counties.append({
            "name": name, "evaluated": len(group), "passed": passed,
            "failed": len(group) - passed, "pass_rate": _percent(passed, len(group)),
            "average": str(_average([Decimal(row["total"]) for row in group])),
            "grades": [sum(1 for row in group if row["grade"] == g) for g in Grade.values],
        })  # fmt: skip
    counties.sort(key=lambda c: (-Decimal(c["average"]), c["name"]))
    return counties


# --- the files -----------------------------------------


def _view(facts: dict[str, Any]) -> dict[str, Any]:
    """The facts as the PDF and the workbook show them, in the active language: numbers
    as numbers, grades as their labels, each pairing named as everywhere."""
    grade_labels = labels(Grade)
    yes, no = _("Yes"), _("No")
    rows = [
        {
            **row, "title": pairing_title(row["helping"], row["assisted"]),
            "total": Decimal(row["total"]), "grade_label": grade_labels.get(row["grade"], ""),
            "passed_label": yes if row["passed"] else no, "short_text": join_names(row["short"]),
            "areas": [None if points is None else Decimal(points) for points in row["areas"]],
        }
        for row in facts["rows"]
    ]  # fmt: skip
    evaluated = facts["summary"]["evaluated"]
    programmes = sorted({row["programme"] for row in rows})
    # The issuing body: a province's department of education (教育厅), a city's or a
    # county's education bureau (教育局).
    if facts["level"] == Region.Level.PROVINCE:
        bureau = _("%(region)s Department of Education") % {"region": facts["region"]}
    else:
        bureau = _("%(region)s Education Bureau") % {"region": facts["region"]}
    return {
        "region": facts["region"],
        "bureau": bureau,
        "period_label": periods.span(periods.SCHOOL_YEAR, facts["period"][0]).label,
        "summary": {**facts["summary"], "average": Decimal(facts["summary"]["average"])},
        "grades": [
            (grade_labels[g], count, _percent(count, evaluated)) for g, count in facts["grades"]
        ],  # fmt: skip
        "grade_labels": [grade_labels[g] for g in Grade.values],
        "areas": list(zip(facts["areas"], facts["area_shares"], strict=True)),
        "counties": [{**c, "average": Decimal(c["average"])} for c in facts["counties"]],
        "rows": rows,
        "failing": [row for row in rows if not row["passed"]],
        "programmes": programmes,
        "several_programmes": len(programmes) > 1,
    }


# --- the workbook -----------------------------------------


def workbook(facts: dict[str, Any]) -> bytes:
    """The ranking, the counties and the failing pairings, a sheet each, in the active
    language: header rows bold and frozen, numbers as numbers, text guarded against
    formulas (twinning.downloads' house style)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    view = _view(facts)
    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], lines, formats: dict[int, str]):
        # A sheet's name is at most 31 characters, none of []:*?/\ (Excel's rule).
        found = book.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", title)[:31])
        found.freeze_panes = "A2"
        heading = []
        for value in header:
            cell = WriteOnlyCell(found, value=csv_cell(value))
            cell.font = bold
            heading.append(cell)
        found.append(heading)
        for line in lines:
            cells = []
            for n, value in enumerate(line):
                cell = WriteOnlyCell(found, value=csv_cell(value) if isinstance(value, str)
                                     else value)  # fmt: skip
                if n in formats and value is not None:
                    cell.number_format = formats[n]
                cells.append(cell)
            found.append(cells)

    areas = [name for name, _share in view["areas"]]
    one_place = "0.0"
    sheet(
        _("Ranking"),
        [_("Rank"), _("Pairing"), _("Helping school"), _("Assisted schools"),
         _("County / district"), _("Programme"), _("Pairing year"), _("Total score"),
         pgettext("scorecard", "Grade"), _("Passed"), *areas],
        (
            [row["rank"], row["title"], row["helping"], join_names(row["assisted"]),
             row["county"], row["programme"], row["year"], row["total"], row["grade_label"],
             row["passed_label"], *row["areas"]]
            for row in view["rows"]
        ),
        {7: one_place, **{10 + n: one_place for n in range(len(areas))}},
    )  # fmt: skip
    sheet(
        _("By county"),
        [_("County / district"), _("Pairings evaluated"), _("Number passed"), _("Number failed"),
         _("Pass rate"), _("Average total"), *view["grade_labels"]],
        (
            [c["name"], c["evaluated"], c["passed"], c["failed"], c["passed"] / c["evaluated"],
             c["average"], *c["grades"]]
            for c in view["counties"]
        ),
        {4: "0%", 5: one_place},
    )  # fmt: skip
    sheet(
        _("Pairings that failed"),
        [_("Rank"), _("Pairing"), _("County / district"), _("Programme"), _("Total score"),
         pgettext("scorecard", "Grade"), _("Areas that fell short")],
        (
            [row["rank"], row["title"], row["county"], row["programme"], row["total"],
             row["grade_label"], row["short_text"]]
            for row in view["failing"]
        ),
        {4: one_place},
    )  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
