"""How long the report archive's documents take to build at province scale: one pairing's
yearly PDF evaluation (target ≤ 1.5 s), the province's quarterly summary of every pairing
(PDF and Excel, ≤ 60 s) and the province's yearly evaluation (PDF and Excel, ≤ 60 s).

Run by ``make bench`` (or alone: ``DATABASE_URL=… python bench/documents.py``) on the
benchmark's province. Each document is asked for and built in-process as the worker
builds it (``document_request`` then ``document_build``: the facts, every file under a
temporary name, the publishing), into a temporary media folder; the rows it made are
deleted afterwards, so the province is left as it was. A build is timed twice and the
second taken (the first warms the fonts, the calendar and the templates, as a worker that
has built anything has).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

TARGETS = {"pairing_evaluation": 1.5, "quarterly_summary": 60.0, "region_evaluation": 60.0}


def _build(kind: str, subject, period: str) -> dict:
    from django.db import connection, reset_queries

    from evaluation.documents import services
    from evaluation.models import Document

    seconds, made = [], []
    for _attempt in range(2):
        Document.objects.filter(kind=kind, period=period, **_subject(kind, subject)).delete()
        reset_queries()
        started = time.perf_counter()
        document = services.document_request(actor=None, kind=kind, subject=subject, period=period)
        built = services.document_build(document.pk)
        seconds.append(time.perf_counter() - started)
        made.append(built)
        queries = len(connection.queries)
    built = made[-1]
    pdf = built.size or 0
    for row in made:
        for field in (row.pdf, row.xlsx):
            if field:
                field.delete(save=False)
    Document.objects.filter(pk__in=[row.pk for row in made]).delete()
    return {
        "kind": kind, "period": period, "seconds": round(seconds[-1], 2),
        "first_seconds": round(seconds[0], 2), "queries": queries, "pdf_bytes": pdf,
        "xlsx_bytes": built.xlsx_size or 0, "status": built.status,
        "target_seconds": TARGETS[kind], "within_target": seconds[-1] <= TARGETS[kind],
    }  # fmt: skip


def _subject(kind, subject) -> dict:
    return (
        {"pairing": subject}
        if kind == "pairing_evaluation"
        else {"region": subject, "pairing": None}
    )


def measure() -> dict:
    from django.db.models import Count

    from evaluation.documents import periods
    from evaluation.models import Scorecard, ScorecardStatus
    from schools.models import Pairing, Region
    from twinning import calendar

    finalised = Scorecard.objects.filter(status=ScorecardStatus.FINALISED)
    card = finalised.order_by("id").first()
    province = Region.objects.get(level=Region.Level.PROVINCE)
    quarter = periods.last_over(periods.QUARTER, calendar.today()).key
    # The school year in which most yearly evaluations ended: the fullest region evaluation.
    years = finalised.values_list("period_end", flat=True).order_by("period_end")
    by_year: dict[int, int] = {}
    for end in years.iterator():
        by_year[calendar.school_year_of(end)] = by_year.get(calendar.school_year_of(end), 0) + 1
    last_over = periods.last_over(periods.SCHOOL_YEAR, calendar.today()).key
    school_year = max((y for y in by_year if y <= int(last_over)), key=by_year.get)
    results = [
        _build("pairing_evaluation", Pairing.objects.get(pk=card.pairing_id), str(card.year)),
        _build("quarterly_summary", province, quarter),
        _build("region_evaluation", province, str(school_year)),
    ]
    return {
        "pairings": Pairing.objects.aggregate(n=Count("id"))["n"],
        "documents": results,
        "within_target": all(r["within_target"] and r["status"] == "ready" for r in results),
    }


def main() -> int:
    import django

    with tempfile.TemporaryDirectory(prefix="bench-documents-") as media:
        os.environ["MEDIA_ROOT"] = media
        django.setup()
        from django.conf import settings

        settings.DEBUG = True  # the query count
        result = measure()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
