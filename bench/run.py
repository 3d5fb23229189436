"""Time the scoped list pages and endpoints on a large synthetic province.

Run from the project root: ``python bench/run.py [--cities N --counties N --schools N]``.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twinning.settings")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
)
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

# A role asked for a page it may not open (a coordinator's /dashboard/) is part of the
# table as its 403; its traceback in the log is not.
logging.getLogger("django.request").setLevel(logging.CRITICAL)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

GOAL_P95_MS = 300
URLS = ["/pairings/", "/schools/", "/dashboard/", "/api/pairings/", "/api/schools/"]


def build(cities: int, counties: int, schools_per_county: int) -> dict:
    from schools.models import (
        Pairing,
        PairingMember,
        PairingStatus,
        PairingTransition,
        Programme,
        Region,
        School,
    )
    from twinning.models import Role, RoleAssignment, User

    if Region.objects.filter(code="900000").exists():
        return _personas()
    print("building the synthetic province …", flush=True)
    province = Region.objects.create(name="基准省", code="900000", level=Region.Level.PROVINCE)
    admin = User.objects.create_superuser("bench-admin", password="bench")
    code = 9000000000
    for c in range(cities):
        city = Region.objects.create(
            name=f"基准市{c}", code=f"90{c + 1:02d}00", level="city", parent=province
        )
        programme = Programme.objects.create(
            region=city, name=f"基准市{c}结对帮扶", start_year=2026,
            pairing_kind="one_to_one", reach="cross_county",
        )  # fmt: skip
        for k in range(counties):
            county = Region.objects.create(
                name=f"基准县{c}-{k}", code=f"90{c + 1:02d}{k + 1:02d}", level="county", parent=city
            )
            batch = []
            for s in range(schools_per_county):
                code += 1
                batch.append(
                    School(
                        name=f"基准{c}-{k}-{s}小学", code=str(code), region=county,
                        stage="primary", location="rural" if s % 2 else "urban",
                    )
                )  # fmt: skip
            School.objects.bulk_create(batch)
        schools = list(School.objects.filter(region__parent=city).order_by("id"))
        statuses = list(PairingStatus.values)
        pairings, members, transitions = [], [], []
        for i in range(0, len(schools) - 1, 2):
            status = statuses[(i // 2) % len(statuses)]
            pairings.append(
                Pairing(programme=programme, region=city, helping_school=schools[i],
                        created_by=admin, status=status)
            )  # fmt: skip
        Pairing.objects.bulk_create(pairings)
        for n, pairing in enumerate(pairings):
            helping, assisted = schools[2 * n], schools[2 * n + 1]
            live = pairing.status in ("proposed", "approved", "active")
            for school, role in ((helping, "helping"), (assisted, "assisted")):
                members.append(
                    PairingMember(pairing=pairing, school=school, role=role, programme=programme,
                                  region_id=school.region_id, is_live=live)
                )  # fmt: skip
            transitions.append(
                PairingTransition(pairing=pairing, to_status=pairing.status, actor=admin)
            )
        PairingMember.objects.bulk_create(members)
        PairingTransition.objects.bulk_create(transitions)
    first_city = Region.objects.get(code="900100")
    first_school = School.objects.filter(region__parent=first_city).order_by("id").first()
    for username, role, scope in (
        ("bench-bureau", Role.BUREAU, {"region": first_city}),
        ("bench-province", Role.BUREAU, {"region": province}),
        ("bench-inspector", Role.INSPECTOR, {"region": first_city}),
        ("bench-coordinator", Role.COORDINATOR, {"school": first_school}),
    ):
        user = User.objects.create_user(username, password="bench")
        RoleAssignment.objects.create(user=user, role=role, **scope)
    return _personas()


def _personas() -> dict:
    from twinning.models import User

    names = ["bench-province", "bench-bureau", "bench-inspector", "bench-coordinator"]
    return {u.username: u for u in User.objects.filter(username__in=names)}


def measure(user, url: str, rounds: int) -> dict:
    client = Client()
    client.force_login(user)
    client.get(url)  # warm-up
    times = []
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "status": response.status_code,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "queries": len(queries),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cities", type=int, default=10)
    parser.add_argument("--counties", type=int, default=10)
    parser.add_argument("--schools", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    (ROOT / "var").mkdir(exist_ok=True)
    call_command("migrate", verbosity=0)
    personas = build(args.cities, args.counties, args.schools)

    results, failed = [], False
    print(f"{'user':<20}{'url':<18}{'status':>7}{'median ms':>11}{'p95 ms':>9}{'queries':>9}")
    for username, user in personas.items():
        for url in URLS:
            row = {"user": username, "url": url, **measure(user, url, args.rounds)}
            results.append(row)
            miss = row["p95_ms"] > GOAL_P95_MS
            failed |= miss
            print(
                f"{username:<20}{url:<18}{row['status']:>7}{row['median_ms']:>11}"
                f"{row['p95_ms']:>9}{row['queries']:>9}{'  ✗ over goal' if miss else ''}"
            )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"goal: p95 under {GOAL_P95_MS} ms — {'MISSED' if failed else 'met'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
