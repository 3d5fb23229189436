"""The bureaus' reporting cadence (DESIGN.md §3 evaluation/): three documents of a region,
each from the same figures (documents.figures) of a period that is over.

- 月调度 (:class:`MonthlySteering`): the month's sheet per pairing, an Excel file for the
  steering meeting: exchanges held and planned, secondment days, mentorship records,
  money asked for and paid, and the pairings behind their targets with why;
- 季汇总 (:class:`QuarterlySummary`): the quarter per pairing against its targets, by
  county with charts, and the pairings at risk with why, as a PDF and the same numbers
  as an Excel file;
- 半年通报 (:class:`HalfYearlyCircular`): the circular the bureau issues after a half-year,
  in its own words: what was done, the pairings that did best and those behind, by
  county, and what is required next.

The facts of a document are the figures (JSON, in the document's language); every file
is written from those facts alone, so a file shows exactly what its fingerprint covers.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import IO, Any

from django.utils import translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from twinning import calendar, progress
from twinning.downloads import csv_cell
from twinning.pdf import page_counter_css, render_pdf

from ..models import DocumentKind
from . import periods
from .builders import RegionBuilder
from .figures import AT_RISK, region_figures

QUARTERLY_TEMPLATE = "evaluation/pdf/quarterly_summary.html"
CIRCULAR_TEMPLATE = "evaluation/pdf/half_yearly_circular.html"
# A chart of more counties than this shows those with the most pairings at risk: beyond
# it the bars no longer fit a page.
CHART_COUNTIES = 30
# How many pairings the circular commends.
BEST = 5
MONEY_FORMAT = "#,##0.00"


class CadenceBuilder(RegionBuilder):
    """A region's document of the cadence: its facts are the region's figures of the
    period, read once per build (the facts, then each file, of the same document)."""

    def facts(self, document) -> dict[str, Any]:
        key = (document.region_id, document.period, document.period_start, document.period_end)
        cached = getattr(document, "_cadence_facts", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        region = document.region
        # In the document's language (a pairing's title joins its schools' names as that
        # language lists them), whichever language asked for it.
        with translation.override(document.language):
            figures = region_figures(region, document.period_start, document.period_end)
        facts = {"region": region.name, "level": region.level, "period": document.period,
                 **figures}  # fmt: skip
        document._cadence_facts = (key, facts)
        return facts


# --- what the files say, in the active language -----------------------------------------


def _kind_names() -> dict[str, str]:
    from activities.models import ActivityKind

    return {kind.code: kind.name for kind in ActivityKind.objects.all()}


def _reason(line: dict, names: dict[str, str]) -> str:
    """Why a line puts its pairing at risk: the target, what was done and what was due."""
    from activities.targets import Target

    target = Target(line["subject"], line["kind"], line["minimum"], line["period"], line["side"])
    values = {"target": target.label(names), "done": line["done"],
              "required": line["required"], "expected": line["expected"]}  # fmt: skip
    if line["status"] == progress.MISSED:
        return _("%(target)s (%(done)s done of the %(required)s required; the period is "
                 "over)") % values  # fmt: skip
    return _("%(target)s (%(done)s done where %(expected)s were due by now, of the "
             "%(required)s required)") % values  # fmt: skip


def _standing_label(row: dict) -> str:
    from schools.models import PairingStatus

    if row["standing"] is None:  # no longer approved or active: no targets now
        return str(PairingStatus(row["status"]).label)
    return str(progress.STATUS_LABELS[row["standing"]])


def _yuan(value) -> str:
    """An amount as the active language writes it (grouped in English, not in Chinese)."""
    return number_format(Decimal(value), 2, force_grouping=True)


def _rows(facts: dict) -> list[dict]:
    """The pairings of ``facts`` as the files show them: numbered, with their standing's
    label, the reasons they are at risk and their money as Decimals."""
    names = _kind_names()
    rows = []
    for number, row in enumerate(facts["pairings"], 1):
        reasons = [_reason(line, names) for line in row["lagging"]]
        rows.append({
            **row, "number": number, "standing_label": _standing_label(row),
            "at_risk": row["standing"] in AT_RISK, "reasons": reasons,
            "why": _joined(reasons), "lines": list(zip(row["lagging"], reasons, strict=True)),
            **{name: Decimal(row[name]) for name in ("requested", "paid", "released",
                                                      "paid_to_date")},
        })  # fmt: skip
    return rows


def _joined(reasons: list[str]) -> str:
    """Reasons one after the other, as a sentence lists clauses (；in Chinese)."""
    text = reasons[0] if reasons else ""
    for reason in reasons[1:]:
        text = _("%(first)s; %(then)s") % {"first": text, "then": reason}
    return text


def _ok(figures: dict) -> int:
    mentorships = figures["mentorships"]
    return mentorships[progress.MET] + mentorships[progress.ON_TRACK]


def _label(granularity: str, key: str) -> str:
    return periods.span(granularity, key).label


def _built_on() -> str:
    return date_format(calendar.today(), "DATE_FORMAT")


# --- spreadsheets (openpyxl, as twinning.downloads writes lists) --------------------------


class _Book:
    """A workbook of sheets with a title row, a row of who, when and what, a bold frozen
    header and rows of numbers kept as numbers (text guarded against formulas)."""

    def __init__(self):
        from openpyxl import Workbook

        self.workbook = Workbook()
        self.workbook.remove(self.workbook.active)
        # Rows written so far per sheet (openpyxl's ``max_row`` looks at every cell).
        self.written: dict[str, int] = {}

    def sheet(self, name: str, heading: str, about: list[str], columns: list, widths: list):
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter

        sheet = self.workbook.create_sheet(_sheet_name(name))
        sheet.append([csv_cell(heading)])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([csv_cell(text) for text in about])
        sheet.append([])
        sheet.append([csv_cell(str(column)) for column in columns])
        fill = PatternFill("solid", fgColor="F0F4F8")
        for cell in sheet[4]:
            cell.font, cell.fill = Font(bold=True), fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "C5"
        self.written[sheet.title] = 4
        for index, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        return sheet

    def row(self, sheet, values: list, *, money=(), dates=(), bold=False) -> None:
        from openpyxl.styles import Font

        sheet.append([csv_cell(v) if isinstance(v, str) else v for v in values])
        row = self.written[sheet.title] = self.written[sheet.title] + 1
        for index in money:
            sheet.cell(row=row, column=index + 1).number_format = MONEY_FORMAT
        for index in dates:
            sheet.cell(row=row, column=index + 1).number_format = "yyyy-mm-dd"
        if bold:
            for index in range(len(values)):
                sheet.cell(row=row, column=index + 1).font = Font(bold=True)

    def save(self, out: IO[bytes]) -> None:
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        out.write(buffer.getvalue())


def _sheet_name(name: str) -> str:
    # Excel refuses these characters in a sheet's name, and names past 31 characters.
    for character in "[]:*?/\\":
        name = name.replace(character, " ")
    return name[:31]


def _at_risk_sheet(book: _Book, rows: list[dict], heading: str, about: list[str]) -> None:
    """One row per target a pairing is behind on or has missed, with why."""
    from activities.targets import Target

    columns = [_("No."), _("Pairing"), _("County"), _("Standing"), _("What the target asks"),
               _("Done"), _("Due by now"), _("Required"), _("Counted from"), _("Counted to"),
               _("Reason")]  # fmt: skip
    sheet = book.sheet(_("Pairings behind their targets"), heading, about, columns,
                       [6, 36, 12, 10, 36, 8, 10, 8, 11, 11, 60])  # fmt: skip
    names = _kind_names()
    number = 0
    for row in rows:
        for line, reason in row["lines"]:
            number += 1
            target = Target(line["subject"], line["kind"], line["minimum"], line["period"],
                            line["side"])  # fmt: skip
            book.row(sheet, [
                number, row["title"], row["county"], str(progress.STATUS_LABELS[line["status"]]),
                target.label(names), line["done"], line["expected"], line["required"],
                dt.date.fromisoformat(line["start"]), dt.date.fromisoformat(line["end"]), reason,
            ], dates=(8, 9))  # fmt: skip


# --- 月调度 -----------------------------------------


class MonthlySteering(CadenceBuilder):
    """The monthly steering sheet (月调度表): an Excel file of the month per pairing and a
    second sheet of the pairings behind their targets, with why."""

    kind = DocumentKind.MONTHLY_STEERING
    granularity = periods.MONTH
    formats = ("xlsx",)

    def write(self, document, fmt: str, out: IO[bytes]) -> None:
        facts = self.facts(document)
        rows = _rows(facts)
        month = _label(self.granularity, document.period)
        heading = _("%(region)s: monthly steering sheet of the school pairings, %(month)s") % {
            "region": facts["region"], "month": month}  # fmt: skip
        about = [_("Region: %(region)s") % {"region": facts["region"]},
                 _("Month: %(month)s") % {"month": month},
                 _("Built on %(day)s") % {"day": _built_on()}]  # fmt: skip
        columns = [_("No."), _("Pairing"), _("County"), _("Programme"),
                   _("Exchanges planned"), _("Exchanges held"), _("Secondment working days"),
                   _("Mentorship records filed"), _("Money requested (yuan)"),
                   _("Money paid (yuan)"), _("Standing"), _("Open problems")]  # fmt: skip
        book = _Book()
        sheet = book.sheet(str(DocumentKind(self.kind).label), heading, about, columns,
                           [6, 36, 12, 24, 10, 10, 12, 12, 14, 14, 10, 60])  # fmt: skip
        for row in rows:
            book.row(sheet, [
                row["number"], row["title"], row["county"], row["programme"],
                row["planned"], row["held"], row["secondment_days"], row["records"],
                row["requested"], row["paid"], row["standing_label"], row["why"],
            ], money=(8, 9))  # fmt: skip
        total = facts["total"]
        book.row(sheet, [
            _("Total"), _("%(count)s pairings") % {"count": total["pairings"]}, "", "",
            total["planned"], total["held"], total["secondment_days"], total["records"],
            Decimal(total["requested"]), Decimal(total["paid"]),
            _("%(count)s behind") % {"count": total["at_risk"]}, "",
        ], money=(8, 9), bold=True)  # fmt: skip
        _at_risk_sheet(book, rows, heading, about)
        book.save(out)


# --- 季汇总 -----------------------------------------


def _county_charts(counties: list[dict]) -> dict[str, str]:
    """The counties' pairings by standing and their exchanges held and planned, as SVG;
    the CHART_COUNTIES with the most pairings at risk when there are more."""
    import pygal

    from twinning import charts

    from .. import charts as evaluation_charts

    shown = sorted(counties, key=lambda c: (-c["at_risk"], -c["pairings"], c["name"]))
    shown = sorted(shown[:CHART_COUNTIES], key=lambda c: c["name"])
    if not shown:
        return {}
    standing = progress.standing_chart(
        [{"name": c["name"] or "—", **c["standings"]} for c in shown],
        _("Pairings by standing against their exchange targets, by county"),
    )
    chart = pygal.HorizontalBar(
        style=charts.style(["#c5d3e3", evaluation_charts.AREA_COLOUR]),
        legend_at_bottom=True, width=800,
        height=140 + 44 * len(shown), include_x_axis=True, show_y_guides=False,
        print_values=True, title=_("Exchanges planned and held, by county"),
        y_labels=charts.whole_ticks(max(c["planned"] for c in shown)),
        value_formatter=charts.count_label,
    )  # fmt: skip
    chart.x_labels = [c["name"] or "—" for c in reversed(shown)]
    chart.add(_("Exchanges planned"), [c["planned"] for c in reversed(shown)])
    chart.add(_("Exchanges held"), [c["held"] for c in reversed(shown)])
    return {"standing": standing, "exchanges": charts.svg(chart, "exchanges"),
            "truncated": len(counties) > CHART_COUNTIES, "limit": CHART_COUNTIES}  # fmt: skip


def _county_rows(facts: dict) -> list[dict]:
    return [{**c, "ok": _ok(c), "paid": Decimal(c["paid"]),
             "paid_to_date": Decimal(c["paid_to_date"]), "released": Decimal(c["released"])}
            for c in facts["counties"]]  # fmt: skip


class QuarterlySummary(CadenceBuilder):
    """The quarterly summary (季度汇总): the quarter per pairing against its targets, by
    county with charts, the pairings at risk with why; a PDF and an Excel file of the same
    numbers."""

    kind = DocumentKind.QUARTERLY_SUMMARY
    granularity = periods.QUARTER
    formats = ("pdf", "xlsx")

    def write(self, document, fmt: str, out: IO[bytes]) -> None:
        if fmt == "xlsx":
            self.write_xlsx(document, out)
        else:
            out.write(render_pdf(QUARTERLY_TEMPLATE, self.context(document)))

    def context(self, document) -> dict[str, Any]:
        facts = self.facts(document)
        rows = _rows(facts)
        total = facts["total"]
        return {
            "document": document,
            "facts": facts,
            "quarter": _label(self.granularity, document.period),
            "built_on": _built_on(),
            "rows": rows,
            "at_risk": [
                {
                    **row,
                    "heading": _("%(number)s. %(pairing)s (%(county)s, %(standing)s)")
                    % {
                        "number": row["number"],
                        "pairing": row["title"],
                        "county": row["county"] or "—",
                        "standing": row["standing_label"],
                    },
                }
                for row in rows
                if row["at_risk"]
            ],  # fmt: skip
            "counties": _county_rows(facts),
            "total": {
                **total,
                "ok": _ok(total),
                "paid": Decimal(total["paid"]),
                "paid_to_date": Decimal(total["paid_to_date"]),
                "released": Decimal(total["released"]),
                "under_way": sum(total["mentorships"].values()),
                "spent": _spent(total),
            },  # fmt: skip
            "charts": _county_charts(facts["counties"]),
            "page_counter": page_counter_css(),
        }

    def write_xlsx(self, document, out: IO[bytes]) -> None:
        facts = self.facts(document)
        rows = _rows(facts)
        quarter = _label(self.granularity, document.period)
        heading = _("%(region)s: quarterly summary of the school pairings, %(quarter)s") % {
            "region": facts["region"], "quarter": quarter}  # fmt: skip
        about = [_("Region: %(region)s") % {"region": facts["region"]},
                 _("Quarter: %(quarter)s") % {"quarter": quarter},
                 _("Built on %(day)s") % {"day": _built_on()}]  # fmt: skip
        figures = [_("Exchanges planned"), _("Exchanges held"), _("Targets met"),
                   _("Targets due"), _("Secondment working days"), _("Mentorship records filed"),
                   _("Active mentorships"), _("Mentorships met or on track"),
                   _("Mentorship compliance (%)"), _("Paid in the period (yuan)"),
                   _("Paid to date (yuan)"), _("Released to date (yuan)")]  # fmt: skip
        book = _Book()
        sheet = book.sheet(str(DocumentKind(self.kind).label), heading, about,
                           [_("No."), _("Pairing"), _("County"), _("Programme"), *figures,
                            _("Standing"), _("Reason")],
                           [6, 36, 12, 24, *[11] * 9, 14, 14, 14, 10, 60])  # fmt: skip

        def numbers(r) -> list:
            return [r["planned"], r["held"], r["targets_met"], r["targets_due"],
                    r["secondment_days"], r["records"], sum(r["mentorships"].values()),
                    _ok(r), r["compliance"], Decimal(r["paid"]), Decimal(r["paid_to_date"]),
                    Decimal(r["released"])]  # fmt: skip

        money = (13, 14, 15)
        for row in rows:
            book.row(sheet, [row["number"], row["title"], row["county"], row["programme"],
                             *numbers(row), row["standing_label"], row["why"]],
                     money=money)  # fmt: skip
        total = facts["total"]
        book.row(sheet, [_("Total"), _("%(count)s pairings") % {"count": total["pairings"]},
                         "", "", *numbers(total),
                         _("%(count)s behind") % {"count": total["at_risk"]}, ""],
                 money=money, bold=True)  # fmt: skip
        counties = book.sheet(_("By county"), heading, about,
                              [_("County"), _("Number of pairings"), *figures,
                               _("Pairings behind")],
                              [14, 9, *[11] * 9, 14, 14, 14, 10])  # fmt: skip
        for county in facts["counties"]:
            book.row(counties, [county["name"], county["pairings"], *numbers(county),
                                county["at_risk"]], money=(11, 12, 13))  # fmt: skip
        book.row(counties, [_("Total"), total["pairings"], *numbers(total), total["at_risk"]],
                 money=(11, 12, 13), bold=True)  # fmt: skip
        _at_risk_sheet(book, rows, heading, about)
        book.save(out)


def _spent(figures: dict) -> int | None:
    """Paid to date as a whole percentage of released to date (None: nothing released)."""
    released = Decimal(figures["released"])
    if not released:
        return None
    return round(100 * Decimal(figures["paid_to_date"]) / released)


# --- 半年通报 -----------------------------------------


def _bureau(facts: dict) -> str:
    """The issuing body: a province's department of education (教育厅), a city's or a
    county's education bureau (教育局)."""
    from schools.models import Region

    if facts["level"] == Region.Level.PROVINCE:
        return _("%(region)s Department of Education") % {"region": facts["region"]}
    return _("%(region)s Education Bureau") % {"region": facts["region"]}


def _addressees(facts: dict) -> str:
    from schools.models import Region

    if facts["level"] == Region.Level.COUNTY:
        return _("To every paired school:")
    if facts["level"] == Region.Level.PROVINCE:
        return _("To the education bureaus of every city and every paired school:")
    return _("To the education bureaus of every county and district and every paired school:")


def _sentences(said: list[str]) -> str:
    """Sentences one after the other as a paragraph: with a space between them in English,
    none in Chinese."""
    text = said[0] if said else ""
    for sentence in said[1:]:
        # Translators: two sentences of a paragraph, one after the other.
        text = _("%(sentence)s %(next)s") % {"sentence": text, "next": sentence}
    return text


def _overview(facts: dict, half: str) -> str:
    """一、基本情况 in sentences built from the totals."""
    total = facts["total"]
    said = [
        _("In the %(period)s, %(pairings)s pairings of %(region)s, in %(counties)s counties "
          "and districts, carried on their work.") % {
            "period": half, "region": facts["region"], "pairings": total["pairings"],
            "counties": total["counties"]},
    ]  # fmt: skip
    exchanges = {"held": total["held"], "planned": total["planned"],
                 "days": total["secondment_days"]}  # fmt: skip
    if total["planned"]:
        exchanges["rate"] = round(100 * total["held"] / total["planned"])
        said.append(_("The schools held %(held)s exchanges, %(rate)s%% of the %(planned)s "
                       "scheduled, and their leaders and teachers served %(days)s working days "
                       "seconded to the partner school.") % exchanges)  # fmt: skip
    else:
        said.append(_("The schools held %(held)s exchanges, and their leaders and teachers "
                      "served %(days)s working days seconded to the partner school.")
                    % exchanges)  # fmt: skip
    mentorships = sum(total["mentorships"].values())
    if mentorships:
        said.append(_("Mentors and mentees filed %(records)s mentorship records; at the end "
                      "of the period %(ok)s of the %(mentorships)s mentorships under way met "
                      "their obligations or were on track (%(share)s%%).") % {
            "records": total["records"], "ok": _ok(total), "mentorships": mentorships,
            "share": total["compliance"]})  # fmt: skip
    else:
        said.append(_("Mentors and mentees filed %(records)s mentorship records.")
                    % {"records": total["records"]})  # fmt: skip
    money = {"requested": _yuan(total["requested"]), "paid": _yuan(total["paid"]),
             "released": _yuan(total["released"]),
             "paid_to_date": _yuan(total["paid_to_date"]), "share": _spent(total)}  # fmt: skip
    if money["share"] is not None:
        said.append(_("%(requested)s yuan of support funds was requested and %(paid)s yuan "
                      "paid in the period; by its end %(released)s yuan had been released to "
                      "the pairings, of which %(paid_to_date)s yuan (%(share)s%%) has been "
                      "paid out.") % money)  # fmt: skip
    else:
        said.append(_("%(requested)s yuan of support funds was requested and %(paid)s yuan "
                      "paid in the period.") % money)  # fmt: skip
    standings = total["standings"]
    said.append(_("Against their exchange targets, %(ok)s pairings have met them or are on "
                  "track, and %(lagging)s are behind or have missed one.") % {
        "ok": standings[progress.MET] + standings[progress.ON_TRACK],
        "lagging": total["at_risk"]})  # fmt: skip
    return _sentences(said)


def best_pairings(rows: list[dict], count: int = BEST) -> list[dict]:
    """The pairings the circular commends: those not at risk that held an exchange,
    ranked by exchanges held in the period, then secondment working days, then mentorship
    records (the measure the circular states), at most ``count``."""
    candidates = [row for row in rows if not row["at_risk"] and row["held"]]
    candidates.sort(key=lambda r: (-r["held"], -r["secondment_days"], -r["records"], r["title"]))
    return candidates[:count]


def _numbered(number: int, text: str) -> str:
    return _("%(number)s. %(text)s") % {"number": number, "text": text}


class HalfYearlyCircular(CadenceBuilder):
    """The half-yearly circular (半年通报) the region's bureau issues: a PDF in its words."""

    kind = DocumentKind.HALF_YEARLY_CIRCULAR
    granularity = periods.HALF_YEAR
    formats = ("pdf",)

    def write(self, document, fmt: str, out: IO[bytes]) -> None:
        out.write(render_pdf(CIRCULAR_TEMPLATE, self.context(document)))

    def context(self, document) -> dict[str, Any]:
        facts = self.facts(document)
        rows = _rows(facts)
        half = _label(self.granularity, document.period)
        best = [
            _numbered(n, _("%(pairing)s (%(county)s): %(held)s exchanges held, %(days)s "
                           "working days of secondment, %(records)s mentorship records.") % {
                "pairing": row["title"], "county": row["county"] or "—", "held": row["held"],
                "days": row["secondment_days"], "records": row["records"]})
            for n, row in enumerate(best_pairings(rows), 1)
        ]  # fmt: skip
        lagging = sorted((row for row in rows if row["at_risk"]), key=lambda r: (
            -progress.SEVERITY[r["standing"]], r["county"], r["title"]))  # fmt: skip
        lagging = [
            _numbered(n, _("%(pairing)s (%(county)s): %(reasons)s.") % {
                "pairing": row["title"], "county": row["county"] or "—",
                "reasons": row["why"]})
            for n, row in enumerate(lagging, 1)
        ]  # fmt: skip
        total = facts["total"]
        return {
            "document": document,
            "facts": facts,
            "bureau": _bureau(facts),
            "title": _("Circular on the school pairing work of %(region)s in the %(period)s")
            % {"region": facts["region"], "period": half},
            "addressees": _addressees(facts),
            "opening": _("To keep abreast of the school pairing work, %(bureau)s has reviewed "
                         "the exchanges, secondments, mentorship and funds of every pairing in "
                         "the %(period)s from the records on the platform. The findings are "
                         "circulated as follows.") % {"bureau": _bureau(facts), "period": half},
            "overview": _overview(facts, half),
            "best": best,
            "lagging": lagging,
            "counties": _county_rows(facts),
            "total": {**total, "ok": _ok(total), "paid": Decimal(total["paid"])},
            "issued_on": _built_on(),
            "page_counter": page_counter_css(),
        }  # fmt: skip
