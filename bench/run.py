"""make bench: every page and endpoint at province scale, on a real server, against a floor.

Run from the project root: ``.venv/bin/python bench/run.py`` (``make bench``). It

1. checks PostgreSQL (``BENCH_DATABASE_URL``, default the local server, database
   ``twinning_bench``), creates the database, migrates it and runs ``seed_scale``
   when it is empty;
2. keeps the plans of the hot scoped queries (``bench/explain.py`` → ``bench/plans/``);
3. starts gunicorn as production would (DEBUG off, cached templates, manifest static
   files, 4 workers; Redis cache when Redis answers) on ``bench/settings.py``, which
   adds the floor (``bench/floor.py``) and a query counter to the real URLs;
4. signs in as each role over HTTP and requests every page and endpoint at
   concurrency 1 and 8, then prints p50, p95, requests per second, queries per
   request and the p95 as a ratio to the floor's p95 at the same concurrency;
5. writes ``bench/results/latest.json`` and ``latest.md`` and the README's table.

It exits 1 when a page misses its target (see ``TARGETS``), 2 when PostgreSQL is
not there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESULTS = ROOT / "bench" / "results"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/twinning_bench"
PASSWORD = "scale12345"

# Targets at concurrency 8: the p95 within this multiple of the floor's p95 (the HTML
# floor for pages, the JSON floor for endpoints), and under CAP_MS unless the floor
# itself is too slow to allow it.
RATIO = 2.0
RATIO_LARGE_PAGE = 3.0  # ?page_size=200 against the 25-row JSON floor
CAP_MS = 150.0

# Who is measured: the personas seed_scale creates.
PERSONAS = {
    "bureau-province": "scale-province",
    "bureau-city": "scale-city-1",
    "inspector": "scale-inspector-1",
    "coordinator": "scale-coordinator",
    "teacher": "scale-teacher",
}

# Every page and endpoint, as (name, URL). {pairing}, {school}, {programme}, {region},
# {school_code} (and the {teacher}, {mentorship}, {activity}, {disbursement}, {student},
# {aid_application}, {aid_notice}, {import_batch}, {scorecard}, {template}, {document},
# {robot} of the detail pages) are filled with objects the persona can see. A page that
# answers a persona with 403 (a teacher's dashboard) is listed as refused and not timed.
PAGES = [
    ("home", "/"),
    ("dashboard", "/dashboard/"),
    ("my school", "/my-school/"),
    ("pairing list", "/pairings/"),
    ("pairing list, filtered", "/pairings/?status=active&region={region}"),
    ("pairing list, by school", "/pairings/?school_code={school_code}"),
    ("pairing detail", "/pairings/{pairing}/"),
    ("pairing plan tab", "/pairings/{pairing}/plan/"),
    ("pairing history tab", "/pairings/{pairing}/history/"),
    ("school list", "/schools/"),
    ("school list, searched", "/schools/?region={region}&stage=primary"),
    ("school detail", "/schools/{school}/"),
    ("programme list", "/programmes/"),
    ("programme detail", "/programmes/{programme}/"),
    ("programme targets tab", "/programmes/{programme}/targets/"),
    ("programme mentorship rules tab", "/programmes/{programme}/mentorship-rules/"),
    ("teacher list", "/teachers/"),
    ("teacher list, searched", "/teachers/?q=%E7%8E%8B&title=senior"),  # 王
    ("teacher list, by school", "/teachers/?school_code={school_code}"),
    ("teacher detail", "/teachers/{teacher}/"),
    ("mentorship list", "/mentorships/"),
    ("mentorship list, by school", "/mentorships/?school_code={school_code}"),
    ("mentorship detail", "/mentorships/{mentorship}/"),
    ("pairing mentorships tab", "/pairings/{pairing}/mentorships/"),
    ("review queue", "/mentorships/review/"),
    ("compliance by school", "/mentorships/compliance/"),
    ("compliance by county", "/mentorships/compliance/?group=county"),
    ("activity list", "/activities/"),
    ("activity list, filtered", "/activities/?status=completed&kind=visit"),
    ("activity list, by school", "/activities/?school_code={school_code}"),
    ("activity detail", "/activities/{activity}/"),
    ("pairing exchanges tab", "/pairings/{pairing}/exchanges/"),
    ("secondment list", "/secondments/"),
    ("exchange targets by county", "/activities/targets/"),
    ("activity kinds", "/activities/kinds/"),
    ("participation record", "/teachers/{teacher}/participation/"),
    ("resource list", "/resources/"),
    ("pairing resources tab", "/pairings/{pairing}/resources/"),
    ("calendar month", "/calendar/"),
    ("calendar week", "/calendar/week/"),
    ("term dates", "/calendar/terms/"),
    ("notifications", "/notifications/"),
    ("notifications, unread", "/notifications/?state=unread"),
    ("notification settings", "/notifications/settings/"),
    ("notification region defaults", "/notifications/defaults/"),
    ("robot list", "/notifications/robots/"),
    ("robot detail", "/notifications/robots/{robot}/"),
    ("funding overview", "/funding/"),
    ("funding overview, by programme", "/funding/?programme={programme}"),
    ("disbursement list", "/funding/disbursements/"),
    ("disbursement list, submitted", "/funding/disbursements/?status=submitted"),
    ("disbursement detail", "/funding/disbursements/{disbursement}/"),
    ("approval queue", "/funding/approvals/"),
    ("ledger", "/funding/ledger/"),
    ("budget list", "/funding/budgets/"),
    ("pairing funding tab", "/pairings/{pairing}/funding/"),
    ("donation list", "/funding/donations/"),
    # Student aid: the aid officers' pages (the province's bureau persona is one).
    ("aid applications", "/aid/"),
    ("aid applications, paid", "/aid/?status=paid"),
    ("student list", "/aid/students/"),
    ("student detail", "/aid/students/{student}/"),
    ("aid application detail", "/aid/applications/{aid_application}/"),
    ("aid notice list", "/aid/notices/"),
    ("aid notice detail", "/aid/notices/{aid_notice}/"),
    ("aid scheme list", "/aid/schemes/"),
    ("student access log", "/aid/access-log/"),
    # Imports: the history of a region's files, one file's check (its errors listed).
    ("import history", "/imports/"),
    ("import history, with errors", "/imports/?status=invalid"),
    ("import detail", "/imports/batches/{import_batch}/"),
    # The yearly evaluation: a pairing's years, the scorecards, the queues of the steps,
    # the rankings and the templates.
    ("pairing scorecards tab", "/pairings/{pairing}/evaluation/"),
    ("scorecard list", "/evaluation/scorecards/"),
    ("scorecard detail", "/evaluation/scorecards/{scorecard}/"),
    ("scorecard inspection queue", "/evaluation/inspection/"),
    ("scorecard finalisation queue", "/evaluation/finalisation/"),
    ("scorecard rankings", "/evaluation/rankings/"),
    ("scorecard template list", "/evaluation/templates/"),
    ("scorecard template detail", "/evaluation/templates/{template}/"),
    # The report archive: everything in scope, one kind, one region's, a document's page.
    ("document archive", "/evaluation/documents/"),
    ("document archive, quarterly", "/evaluation/documents/?kind=quarterly_summary"),
    ("region documents", "/evaluation/regions/{region}/documents/"),
    ("document page", "/evaluation/documents/{document}/status/"),
    ("api pairings", "/api/pairings/"),
    ("api pairings ×200", "/api/pairings/?page_size=200"),
    ("api pairing detail", "/api/pairings/{pairing}/"),
    ("api schools", "/api/schools/"),
    ("api programmes", "/api/programmes/"),
    ("api regions", "/api/regions/"),
    ("api needs", "/api/needs/"),
    ("api goals", "/api/goals/"),
    ("api teachers", "/api/teachers/"),
    ("api teachers, searched", "/api/teachers/?search=%E7%8E%8B&title=senior"),  # 王
    ("api teacher detail", "/api/teachers/{teacher}/"),
    ("api mentorships", "/api/mentorships/"),
    ("api mentorship compliance", "/api/mentorships/{mentorship}/compliance/"),
    ("api records", "/api/mentorship-records/"),
    ("api records of a mentorship", "/api/mentorship-records/?mentorship={mentorship}"),
    ("api activities", "/api/activities/"),
    ("api activities of a pairing", "/api/activities/?pairing={pairing}"),
    ("api secondments", "/api/secondments/"),
    ("api exchange targets", "/api/exchange-targets/"),
    ("api resources", "/api/resources/"),
    ("api disbursements", "/api/disbursements/"),
    ("api ledger", "/api/ledger/"),
    ("api allocations", "/api/allocations/"),
    ("api funding totals", "/api/funding-totals/"),
    ("api donations", "/api/donations/"),
    ("api students", "/api/students/"),
    ("api aid applications", "/api/aid-applications/"),
    ("api aid notices", "/api/aid-notices/"),
    ("api student access log", "/api/student-access-log/"),
    ("api imports", "/api/imports/"),
    ("api scorecards", "/api/scorecards/"),
    ("api scorecard detail", "/api/scorecards/{scorecard}/"),
    ("api scorecard rankings", "/api/scorecard-rankings/"),
    ("api scorecard templates", "/api/scorecard-templates/"),
    ("api documents", "/api/documents/"),
    ("api document detail", "/api/documents/{document}/"),
    # The notification centre and the work-chat robots.
    ("api notifications", "/api/notifications/"),
    ("api notifications, unread", "/api/notifications/?state=unread"),
    ("api notification preferences", "/api/notification-preferences/"),
    ("api robots", "/api/robots/"),
    ("api robot deliveries", "/api/robots/{robot}/deliveries/"),
]
FLOOR = {"html": "/bench/floor/", "json": "/bench/floor.json"}


# --- the database ---------------------------------------------------------------------


def ensure_database(url: str) -> None:
    """Create the benchmark database when the server answers; exit 2 when it does not."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
                print(f"created database {name}")
            # What an SSD-backed production server is tuned to (docker-compose.yml too):
            # the default 4 makes the planner prefer scanning a table to using its index.
            conn.execute(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1')
    except psycopg.OperationalError as error:
        reason = str(error).strip().splitlines()[0]
    else:
        return
    print(
        f"make bench needs PostgreSQL, and {parts.hostname}:{parts.port or 5432} did not "
        f"answer ({reason}).\n"
        "Start it (on Debian: pg_ctlcluster --skip-systemctl-redirect "
        "$(ls /etc/postgresql) main start) or point BENCH_DATABASE_URL at a server, "
        "e.g. BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/twinning_bench.",
        file=sys.stderr,
    )
    sys.exit(2)


def redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def server_env(db_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback
        "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
        # The benchmark sends far more than a person would: throttling is not measured.
        "API_THROTTLE_USER": "10000000/min",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    if redis_answers():
        env["REDIS_URL"] = "redis://127.0.0.1:6379/9"
        env["CACHE_KEY_PREFIX"] = "twinning-bench"
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


# --- the server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict, port: int, workers: int) -> subprocess.Popen:
    log = open(ROOT / "var" / "bench-gunicorn.log", "w")  # noqa: SIM115 – closed with the process
    process = subprocess.Popen(
        [
            PYTHON, "-m", "gunicorn", "bench.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--access-logfile", "-", "--log-level", "warning",
        ],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn stopped at start; see {log.name}")
        try:
            if request(port, "/healthz/").status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(process)
    sys.exit(f"gunicorn did not answer /healthz/ within 60 s; see {log.name}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


# --- the client -----------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    cookies: dict[str, str]


def request(port: int, path: str, *, cookies: dict | None = None, method="GET", form=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": "127.0.0.1", "Accept-Language": "zh-hans"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Referer"] = f"http://127.0.0.1:{port}{path}"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        jar = SimpleCookie()
        for value in response.headers.get_all("Set-Cookie") or []:
            jar.load(value)
        return Reply(
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            data,
            {k: m.value for k, m in jar.items()},
        )
    finally:
        conn.close()


def sign_in(port: int, username: str) -> dict[str, str]:
    """Sign in through the login form, as a browser would; returns the session cookies."""
    page = request(port, "/accounts/login/")
    cookies = dict(page.cookies)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    if not token:
        sys.exit("the login page has no CSRF token")
    reply = request(
        port, "/accounts/login/", cookies=cookies, method="POST",
        form={"username": username, "password": PASSWORD,
              "csrfmiddlewaretoken": token.group(1).decode()},
    )  # fmt: skip
    cookies.update(reply.cookies)
    if reply.status != 302 or "sessionid" not in cookies:
        sys.exit(f"could not sign in as {username} (HTTP {reply.status})")
    return cookies


def measure(port: int, path: str, cookies: dict, concurrency: int, total: int) -> dict:
    """``total`` requests from ``concurrency`` threads, after a warm-up round."""
    for _ in range(concurrency):
        request(port, path, cookies=cookies)
    times: list[float] = []
    statuses: set[int] = set()
    queries: list[int] = []
    lock = threading.Lock()
    remaining = [total]

    def worker():
        while True:
            with lock:
                if remaining[0] == 0:
                    return
                remaining[0] -= 1
            start = time.perf_counter()
            reply = request(port, path, cookies=cookies)
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                times.append(elapsed)
                statuses.add(reply.status)
                if "x-bench-queries" in reply.headers:
                    queries.append(int(reply.headers["x-bench-queries"]))

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    times.sort()
    return {
        "status": max(statuses),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
        "rps": round(total / wall, 1),
        "queries": int(statistics.median(queries)) if queries else None,
    }


def fill(port: int, cookies: dict) -> dict[str, str]:
    """Objects this persona can see, for the detail pages: read from its own API."""

    def first(path: str, key: str = "id") -> str | None:
        reply = request(port, path, cookies=cookies)
        if reply.status != 200:
            return None
        results = json.loads(reply.body).get("results") or []
        return str(results[0][key]) if results else None

    values = {
        "pairing": first("/api/pairings/?status=active&page_size=1"),
        "school": first("/api/schools/?page_size=1"),
        "programme": first("/api/programmes/?page_size=1"),
        "region": first("/api/regions/?level=city&page_size=1")
        or first("/api/regions/?page_size=1"),
        "school_code": first("/api/schools/?page_size=1", "code"),
        "teacher": first("/api/teachers/?page_size=1"),
        "mentorship": first("/api/mentorships/?status=active&page_size=1"),
        "activity": first("/api/activities/?status=completed&page_size=1"),
        # A paid request shows the most on its page (steps, receipts, ledger entries).
        "disbursement": first("/api/disbursements/?status=paid&page_size=1")
        or first("/api/disbursements/?page_size=1"),
        "student": first("/api/students/?page_size=1"),
        # Paid aid and a published notice show the most: steps, files, the notice's rows.
        "aid_application": first("/api/aid-applications/?status=paid&page_size=1")
        or first("/api/aid-applications/?page_size=1"),
        "aid_notice": first("/api/aid-notices/?published=true&page_size=1")
        or first("/api/aid-notices/?page_size=1"),
        "import_batch": first("/api/imports/?status=invalid&page_size=1")
        or first("/api/imports/?page_size=1"),
        # A finalised scorecard shows the most: every score, the points, the steps.
        "scorecard": first("/api/scorecards/?status=finalised&page_size=1")
        or first("/api/scorecards/?page_size=1"),
        "template": first("/api/scorecard-templates/?published=true&is_default=false&page_size=1")
        or first("/api/scorecard-templates/?page_size=1"),
        "document": first("/api/documents/?kind=quarterly_summary&page_size=1")
        or first("/api/documents/?page_size=1"),
        "robot": first("/api/robots/?page_size=1"),
    }
    return {k: v for k, v in values.items() if v is not None}


# --- the report -----------------------------------------------------------------------


def floor_kind(path: str) -> str:
    """Pages are compared with the HTML floor, endpoints with its JSON twin."""
    return "json" if path.startswith("/api/") else "html"


def target_ratio(path: str) -> float:
    return RATIO_LARGE_PAGE if "page_size=200" in path else RATIO


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({model or platform.machine()}){memory}"


def render_table(meta: dict, rows: list[dict]) -> str:
    floor = meta["floor"]
    lines = [
        f"Measured {meta['date']} on {meta['machine']}; PostgreSQL {meta['postgres']}, "
        f"gunicorn {meta['workers']} workers, cache {meta['cache']}; "
        f"{meta['size']}.",
        "",
        "Floor (one query, minimal template; measured again before each page, median of "
        "its runs), p95 in ms: "
        + ", ".join(
            f"{kind} {floor[str(c)][kind]['p95_ms']:.1f} at concurrency {c}"
            for c in meta["concurrency"]
            for kind in ("html", "json")
            if kind in floor[str(c)]
        )
        + ". Each ratio is to the floor run just before the page.",
        "",
        "| page | role | conc. | p50 ms | p95 ms | req/s | queries | p95 / floor | target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        verdict = ""
        if row["concurrency"] == max(meta["concurrency"]):
            verdict = "✓" if row["within_target"] else "✗"
        lines.append(
            f"| {row['page']} | {row['role']} | {row['concurrency']} | {row['p50_ms']} | "
            f"{row['p95_ms']} | {row['rps']} | {row['queries']} | {row['p95_ratio']:.2f} "
            f"(≤ {row['target_ratio']:g}) | {verdict} |"
        )
    lines += imports_lines(meta) + evaluation_lines(meta)
    return "\n".join(lines) + "\n"


def render_summary(meta: dict, rows: list[dict]) -> str:
    """The README's table: one line per page, one column per role, at top concurrency."""
    top = max(meta["concurrency"])
    roles = list(dict.fromkeys(r["role"] for r in rows))
    pages = list(dict.fromkeys(r["page"] for r in rows))
    cells = {(r["page"], r["role"]): r for r in rows if r["concurrency"] == top}
    floor = meta["floor"][str(top)]
    lines = [
        f"{meta['date']}, {meta['machine']}, PostgreSQL {meta['postgres']}, "
        f"{meta['workers']} gunicorn workers, {meta['size']}. Floor p95 at concurrency "
        f"{top} (median of its runs before each page): "
        + ", ".join(
            f"{floor[kind]['p95_ms']:.1f} ms ({label})"
            for kind, label in (("html", "page"), ("json", "JSON"))
            if kind in floor
        )
        + ". Each cell: p95 in ms, its ratio to the floor run just before it, ✓ within "
        "target.",
        "",
        "| page | " + " | ".join(roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for page in pages:
        row = []
        for role in roles:
            cell = cells.get((page, role))
            row.append(
                f"{cell['p95_ms']:.0f} (×{cell['p95_ratio']:.1f}) "
                f"{'✓' if cell['within_target'] else '✗'}"
                if cell
                else "—"
            )
        lines.append(f"| {page} | " + " | ".join(row) + " |")
    lines += imports_lines(meta) + evaluation_lines(meta)
    return "\n".join(lines) + "\n"


def measure_script(env: dict, script: str, what: str) -> dict:
    """One measurement of its own (``bench/<script>``: the imports' throughput, the
    province's scorecards computed at once, the heaviest document builds) in the bench's
    environment: the JSON its last line prints."""
    print(f"{what} (bench/{script}) …", flush=True)
    done = subprocess.run(
        [PYTHON, f"bench/{script}"], cwd=ROOT, env=env, check=True, capture_output=True,
        text=True,
    )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(json.dumps(result), flush=True)
    return result


def keep(name: str, result: dict, lines, *, readme: bool) -> dict:
    """A measurement of its own, kept in ``bench/results/<name>.json`` and shown in the
    README between its ``bench-<name>`` markers (even after a partial run of the pages)."""
    RESULTS.mkdir(exist_ok=True)
    result["date"] = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    result["machine"] = machine()
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
    if readme:
        update_readme("\n".join(lines({name: result})).strip() + "\n", marker=f"bench-{name}")
    return result


DOCUMENT_NAMES = {
    "pairing_evaluation": "one pairing's yearly PDF evaluation",
    "quarterly_summary": "the province's quarterly summary (PDF and Excel)",
    "region_evaluation": "the province's yearly evaluation (PDF and Excel)",
}


def documents_lines(meta: dict) -> list[str]:
    result = meta.get("documents")
    if not result:
        return []
    parts = [
        f"{DOCUMENT_NAMES[d['kind']]} {d['seconds']} s in {d['queries']} queries "
        f"({d['pdf_bytes'] / 1e3:,.0f} KB PDF; target ≤ {d['target_seconds']:g} s "
        f"{'✓' if d['within_target'] else '✗'})"
        for d in result["documents"]
    ]
    return [
        "",
        f"{result.get('date', '')}: document builds over {result['pairings']:,} pairings "
        f"(bench/documents.py, in-process as the worker builds them): " + "; ".join(parts) + ".",
    ]


def evaluation_lines(meta: dict) -> list[str]:
    result = meta.get("evaluation")
    if not result:
        return []
    small = result["small"]
    return [
        "",
        f"{result.get('date', '')}: the automatic indicators of {result['scorecards']:,} open "
        f"scorecards at once (bench/evaluation.py: services.scorecards_refresh, "
        f"{result['scores']:,} indicator scores): {result['seconds']} s in "
        f"{result['queries']} queries ({small['queries']} for {small['scorecards']:,} of "
        f"them); target ≤ {result['target_seconds']:g} s in as many queries for any number "
        f"{'✓' if result['within_target'] else '✗'}.",
    ]


def imports_lines(meta: dict) -> list[str]:
    result = meta.get("imports")
    if not result:
        return []
    check, imported = result["check"], result["import"]
    return [
        "",
        f"{result.get('date', '')}: import of {result['rows']:,} teachers as the province's "
        f"bureau (bench/imports.py, "
        f"an .xlsx of {result['bytes'] / 1e6:.1f} MB over {result['schools']:,} schools, "
        f"in-process as the worker runs it): check (upload and dry run) "
        f"{check['rows_per_second']:,} rows/s ({check['seconds']} s), import (confirm and "
        f"commit) {imported['rows_per_second']:,} rows/s ({imported['seconds']} s); target "
        f"≥ {result['target_rows_per_second']} rows/s "
        f"{'✓' if result['within_target'] else '✗'}.",
    ]


def update_readme(table: str, marker: str = "bench") -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _old, after = rest.split(end, 1)
        readme.write_text(f"{before}{start}\n{table}{end}{after}")


# --- main -----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", type=int, default=10)
    parser.add_argument("--counties", type=int, default=10, help="per city")
    parser.add_argument("--schools", type=int, default=50, help="per county")
    parser.add_argument("--pairings", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--requests", type=int, default=15, help="per client and page")
    parser.add_argument(
        "--only", default="", help="measure only pages whose name has this (a, b: either)"
    )
    parser.add_argument("--no-readme", action="store_true", help="leave README.md alone")
    args = parser.parse_args()

    (ROOT / "var").mkdir(exist_ok=True)
    db_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    ensure_database(db_url)
    env = server_env(db_url)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    manage(
        env, "seed_scale", "--cities", str(args.cities), "--counties", str(args.counties),
        "--schools", str(args.schools), "--pairings", str(args.pairings), "--password", PASSWORD,
    )  # fmt: skip
    subprocess.run([PYTHON, "bench/explain.py"], cwd=ROOT, env=env, check=True)

    port = free_port()
    server = start_server(env, port, args.workers)
    try:
        # Every worker loads its code, templates and connection before anything counts.
        for path in FLOOR.values():
            measure(port, path, {}, 2 * args.workers, 10 * args.workers)
        # The floor is measured again right before each page, at the same concurrency:
        # a shared machine drifts, and a ratio is only fair between neighbours in time.
        floor_runs: dict[str, dict[str, list]] = {
            str(c): {kind: [] for kind in FLOOR} for c in args.concurrency
        }
        rows: list[dict] = []
        refused: list[str] = []
        for role, username in PERSONAS.items():
            cookies = sign_in(port, username)
            values = fill(port, cookies)
            for name, template in PAGES:
                if args.only and not any(p.strip() in name for p in args.only.split(",")):
                    continue
                try:
                    path = template.format(**values)
                except KeyError:
                    continue  # nothing of that kind in this persona's scope
                probe = request(port, path, cookies=cookies)
                if probe.status != 200:
                    refused.append(f"{name} ({role}): {probe.status}")
                    continue
                for c in args.concurrency:
                    kind = floor_kind(path)
                    floor_now = measure(port, FLOOR[kind], {}, c, args.requests * c)
                    floor_runs[str(c)][kind].append(floor_now)
                    result = measure(port, path, cookies, c, args.requests * c)
                    limit, floor_p95 = target_ratio(path), floor_now["p95_ms"]
                    ratio = result["p95_ms"] / floor_p95
                    within = ratio <= limit and (
                        result["p95_ms"] <= CAP_MS or floor_p95 * limit > CAP_MS
                    )
                    row = {"page": name, "path": path, "role": role, "concurrency": c,
                           **result, "floor_p95_ms": floor_p95, "p95_ratio": round(ratio, 2),
                           "target_ratio": limit, "within_target": within}  # fmt: skip
                    rows.append(row)
                    print(
                        f"{name:<26}{role:<17}c={c:<3}{result['p50_ms']:>8}{result['p95_ms']:>8}"
                        f"{result['rps']:>8}{result['queries'] or '':>5}  ×{ratio:.2f}",
                        flush=True,
                    )
    finally:
        stop_server(server)
    readme = not args.no_readme
    imported = evaluated = None
    if not args.only or "import" in args.only:
        imported = keep("imports", measure_script(env, "imports.py", "import of teachers"),
                        imports_lines, readme=readme)  # fmt: skip
    if not args.only or any(word in args.only for word in ("scorecard", "evaluation")):
        evaluated = keep(
            "evaluation",
            measure_script(env, "evaluation.py", "scorecards_refresh over the province"),
            evaluation_lines, readme=readme,
        )  # fmt: skip
    if not args.only or "document" in args.only:
        keep("documents", measure_script(env, "documents.py", "document builds"),
             documents_lines, readme=readme)  # fmt: skip

    import psycopg

    with psycopg.connect(db_url) as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0].split()[0]
    meta = {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "postgres": postgres,
        "workers": args.workers,
        "cache": "Redis" if "REDIS_URL" in env else "local memory",
        "size": (
            f"{args.cities} cities × {args.counties} counties × {args.schools} schools, "
            f"{args.pairings:,} pairings"
        ),
        "concurrency": args.concurrency,
        # The median of the floor's runs, for the summary line.
        "floor": {
            c: {
                kind: {
                    key: statistics.median(run[key] for run in runs)
                    for key in ("p50_ms", "p95_ms", "rps")
                }
                for kind, runs in by_kind.items()
                if runs
            }
            for c, by_kind in floor_runs.items()
        },
        "refused": refused,
        "imports": imported,
        "evaluation": evaluated,
    }
    table = render_table(meta, rows)
    # A partial run (--only) must not stand in for the committed results.
    out = RESULTS if not args.only else ROOT / "var" / "bench-only"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(
        json.dumps({"meta": meta, "results": rows}, ensure_ascii=False, indent=1) + "\n"
    )
    (out / "latest.md").write_text(table)
    print()
    print(table)
    if refused:
        print("Not timed (the role may not open them): " + "; ".join(refused))
    missed = [
        r for r in rows if r["concurrency"] == max(args.concurrency) and not r["within_target"]
    ]
    if imported and not imported["within_target"]:
        missed.append({"page": "import of teachers", "role": "bureau-province",
                       "p95_ms": 0, "p95_ratio": 0})  # fmt: skip
    if evaluated and not evaluated["within_target"]:
        missed.append({"page": "scorecards_refresh", "role": "-", "p95_ms": 0,
                       "p95_ratio": 0})  # fmt: skip
    if not args.only and not args.no_readme:
        update_readme(render_summary(meta, rows))
    if missed:
        print(f"{len(missed)} page(s) missed the target:")
        for row in missed:
            print(f"  {row['page']} as {row['role']}: p95 {row['p95_ms']} ms, ×{row['p95_ratio']}")
        return 1
    print("Every page and endpoint is within its target.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
