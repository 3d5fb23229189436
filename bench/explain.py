"""Keep the query plans of the hot pages at province scale in ``bench/plans/``.

Run by ``bench/run.py`` against the benchmark database: it opens each page in-process
as the province's bureau user, and writes ``EXPLAIN ANALYZE`` of every query the page
ran, so that a plan turning into a sequential scan shows up in review as a diff.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from twinning.models import User  # noqa: E402

PLANS = ROOT / "bench" / "plans"
PAGES = {
    "pairing-list": "/pairings/",
    "pairing-list-filtered": "/pairings/?status=active",
    "school-list": "/schools/",
    "dashboard": "/dashboard/",
    "api-pairings": "/api/pairings/",
    "activity-list": "/activities/",
    "api-activities": "/api/activities/",
}
# Numbers that change from run to run (timings, buffers) are not worth a diff.
NOISE = re.compile(r"\(actual time=[^)]*\)|Buffers: .*|Planning Time: .*|Execution Time: .*")


def main() -> None:
    # A coordinator asking for the dashboard is refused by design; no traceback for it.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    PLANS.mkdir(exist_ok=True)
    for username in ("scale-province", "scale-coordinator"):
        user = User.objects.get(username=username)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        for name, path in PAGES.items():
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            if response.status_code != 200:
                continue
            out = [f"# {path} as {username}: {len(captured)} queries\n"]
            for query in captured.captured_queries:
                sql = query["sql"]
                # The scoped reads; sessions, users and notifications are not what we tune.
                if not sql.lstrip().upper().startswith("SELECT") or "schools_" not in sql:
                    continue
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}")
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                out.append(f"\n## {sql}\n\n{NOISE.sub('', plan)}\n")
            (PLANS / f"{name}.{username}.txt").write_text("".join(out))
    print(f"query plans written to {PLANS.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
