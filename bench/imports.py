"""The import throughput of ``make bench``: 20,000 teachers, checked and then imported.

Run by ``bench/run.py`` (in the bench's environment, against the seeded province) or on
its own: ``DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=… python bench/imports.py``.
As the province's bureau it builds an Excel file of ``--rows`` new teachers spread over
the schools of the province (every column of the template filled, an honour on each
row), uploads it, lets the worker's code check it (the dry run, every row validated
and written in a rolled-back transaction), confirms it and lets the worker import it.
Every step runs inside one transaction that is rolled back at the end, so the
benchmark database is left as it was. It prints one JSON object: rows, seconds and
rows per second of the check (upload + dry run) and of the import (confirm + commit),
with the queries each took.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

# What the issue asks of an import (issue 11): at least this many rows a second,
# validation included.
TARGET_ROWS_PER_SECOND = 330


def teacher_file(codes: list[str], rows: int) -> bytes:
    from openpyxl import Workbook

    from teachers.resources import TeacherResource

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(TeacherResource.COLUMNS.values()))
    titles = ["一级教师", "二级教师", "高级教师", "三级教师"]
    for i in range(rows):
        code = codes[i % len(codes)]
        sheet.append(
            [code, "", f"测试教师{i:05d}", "女" if i % 2 else "男", "语文、数学",
             titles[i % 4], 2000 + i % 25, f"BENCH-{i:05d}", f"139{i:08d}",
             "区县级骨干教师（2021）" if i % 3 == 0 else "", "是"]
        )  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--user", default="scale-province")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from schools.selectors import school_list_visible_to
    from twinning import imports
    from twinning.models import ImportBatch, User

    user = User.objects.get(username=args.user)
    codes = list(
        school_list_visible_to(user).order_by("code").values_list("code", flat=True)[:2000]
    )
    content = teacher_file(codes, args.rows)
    kind = imports.KINDS["teachers"]
    result: dict = {"rows": args.rows, "schools": len(codes), "bytes": len(content)}
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            batch = imports.import_upload(
                actor=user, kind=kind, filename="bench-teachers.xlsx", content=content
            )
            imports.import_run(batch.pk)  # what the worker does with a long file
            seconds = time.perf_counter() - started
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.READY, batch.errors[:5]
        assert batch.counts["new"] == args.rows, batch.counts
        result["check"] = {
            "seconds": round(seconds, 2),
            "rows_per_second": round(args.rows / seconds),
            "queries": len(queries),
        }
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            imports.import_confirm(actor=user, batch=batch)
            imports.import_run(batch.pk)
            seconds = time.perf_counter() - started
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.IMPORTED, batch.errors[:5]
        result["import"] = {
            "seconds": round(seconds, 2),
            "rows_per_second": round(args.rows / seconds),
            "queries": len(queries),
        }
        transaction.set_rollback(True)  # leave the benchmark's province as it was
    result["target_rows_per_second"] = TARGET_ROWS_PER_SECOND
    result["within_target"] = all(
        result[step]["rows_per_second"] >= TARGET_ROWS_PER_SECOND for step in ("check", "import")
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
