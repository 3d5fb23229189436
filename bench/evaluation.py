"""The automatic indicators of a whole province at once: ``scorecards_refresh`` over about
2,000 open scorecards, as the nightly run computes them in the self-assessment window.

Run by ``bench/run.py`` (in the bench's environment, against the seeded province) or on
its own: ``DJANGO_SETTINGS_MODULE=twinning.settings DATABASE_URL=… python
bench/evaluation.py``. Inside one transaction that is rolled back at the end (the
benchmark database is left as it was), every scorecard of the province is taken as open
(its automatic values unfrozen) and, while there are fewer than ``--scorecards``, the next
pairing year of its evaluated pairings is opened too (in bulk, as seed_scale writes them).
Then ``services.scorecards_refresh`` computes a tenth of them (twice: the first run warms
up) and then all of them. It prints one JSON object: how many
scorecards and indicator scores, the seconds (and each metric's share of them), and the
queries of both runs, which must be the same number: a few per metric, never one per
scorecard. The target is at most :data:`TARGET_SECONDS`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

TARGET_SECONDS = 10.0


def refresh(scorecards) -> dict:
    """``scorecards_refresh`` over ``scorecards``, their values cleared first so that every
    score is written (the first computation of a year; later nights write only what
    changed): seconds, queries, each metric's seconds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from evaluation import metrics, services
    from evaluation.models import IndicatorScore

    IndicatorScore.objects.filter(scorecard__in=scorecards, indicator__source="automatic").update(
        value=None, detail={}, auto_points=None
    )

    spent: dict[str, float] = {}

    def timed(metric):
        def compute(cards):
            started = time.perf_counter()
            try:
                return metric.compute(cards)
            finally:
                spent[metric.key] = round(time.perf_counter() - started, 2)

        return dataclasses.replace(metric, compute=compute)

    original = dict(metrics.METRICS)
    metrics.METRICS.update({key: timed(metric) for key, metric in original.items()})
    try:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            scores = services.scorecards_refresh(scorecards)
            seconds = time.perf_counter() - started
    finally:
        metrics.METRICS.update(original)
    return {"scores": scores, "seconds": round(seconds, 2), "queries": len(queries),
            "metrics": spent}  # fmt: skip


def measure(wanted: int) -> dict:
    from django.db import connection, transaction

    from evaluation.models import Scorecard
    from evaluation.scale import open_next_years

    with transaction.atomic():
        Scorecard.objects.update(frozen_at=None)
        have = Scorecard.objects.count()
        if have < wanted:
            have += open_next_years(wanted - have)
            if connection.vendor == "postgresql":  # as the nightly run finds them: analysed
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE evaluation_scorecard, evaluation_indicatorscore")
        ids = list(Scorecard.objects.order_by("id").values_list("id", flat=True)[:wanted])
        tenth = Scorecard.objects.filter(pk__in=ids[: max(1, len(ids) // 10)])
        refresh(tenth)  # warms up: the calendar, the plans, the caches
        small = refresh(tenth)
        full = refresh(Scorecard.objects.filter(pk__in=ids))
        transaction.set_rollback(True)  # leave the benchmark's province as it was
    return {
        "scorecards": len(ids),
        **full,
        "small": {"scorecards": max(1, len(ids) // 10), **small},
        "target_seconds": TARGET_SECONDS,
        "within_target": full["seconds"] <= TARGET_SECONDS and full["queries"] == small["queries"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scorecards", type=int, default=2000)
    args = parser.parse_args()

    import django

    django.setup()
    result = measure(args.scorecards)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
