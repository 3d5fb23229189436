"""Synthetic data at province scale, for the benchmark (``manage.py seed_scale``).

Each app that owns high-volume data has a ``scale`` module with

- ``existing_rows() -> int``: how many of its rows the database already holds, and
- ``generate(ctx: ScaleContext) -> None``: bulk-write its share of the province,

and ``seed_scale`` calls them in ``INSTALLED_APPS`` order, which is the dependency
order of DESIGN.md §3 (schools before teachers before activities …). A generator
reads what earlier ones made from ``ctx.made`` and adds its own, so that no module
knows every app and the core imports none of them.

Generators write with ``bulk_create`` in batches, not through the services: a
province is millions of rows, and the services' per-object checks, history and
notifications would take hours. What they write must still satisfy every database
constraint and every rule the services enforce (one live pairing per school and
programme, members carrying their school's region …), so that the benchmark reads
data the application could have written.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from .apps import app_modules

BATCH_SIZE = 2000

# The marker the generators write first: a province with this division code. It
# tells a database seeded by seed_scale (run again: nothing to do) from one that
# holds other data (refused).
PROVINCE_CODE = "580000"


@dataclass
class ScaleSize:
    cities: int = 10
    counties: int = 10  # per city
    schools: int = 50  # per county
    pairings: int = 2000
    seed: int = 20260901


@dataclass
class ScaleContext:
    size: ScaleSize
    password: str
    log: Callable[[str], None] = print
    now: dt.datetime = field(default_factory=timezone.now)
    # What each generator made, for the ones after it: lists of ids and small maps.
    made: dict = field(default_factory=dict)
    _hash: str = ""

    def __post_init__(self) -> None:
        self.rng = random.Random(self.size.seed)

    @property
    def password_hash(self) -> str:
        """One hash for every synthetic user: hashing is slow by design."""
        if not self._hash:
            self._hash = make_password(self.password)
        return self._hash

    def days_ago(self, days: float) -> dt.datetime:
        return self.now - dt.timedelta(days=days)


def scale_modules() -> Iterator[tuple[str, ModuleType]]:
    """``(app label, scale module)`` of every installed app that has one, in order; the
    core's own share (the import history, below) last, since it needs every app's users."""
    core = None
    for config, module in app_modules("scale"):
        if config.label == "twinning":
            core = (config.label, module)
        elif hasattr(module, "generate"):
            yield config.label, module
    if core is not None:
        yield core


# --- the core's share: the import history ----------------------------------------------

# Files uploaded over the years: a few per school coordinator and bureau user.
IMPORTS_PER_USER = 4


def existing_rows() -> int:
    """The import history, once the notification channels' rows are there too (a province
    seeded before robots existed gets them: :func:`generate` adds what is missing)."""
    from .models import ChatRobot, ImportBatch

    return ImportBatch.objects.count() if ChatRobot.objects.exists() else 0


def generate(ctx: ScaleContext) -> None:
    """The core's share: the import history, and the notification channels (robots with
    their delivery logs, preferences, region defaults, the reminders' runs)."""
    from .models import ChatRobot, ImportBatch

    if not ImportBatch.objects.exists():
        _imports(ctx)
    if not ChatRobot.objects.exists():
        _channels(ctx)


def _imports(ctx: ScaleContext) -> None:
    """The import history of the province: files of every kind, most imported, some
    with errors, uploaded by its coordinators and bureau staff."""
    from .models import ImportBatch, Role, RoleAssignment

    timer = Timer(ctx.log)
    rng = ctx.rng
    uploaders = list(
        RoleAssignment.objects.filter(role__in=[Role.COORDINATOR, Role.BUREAU])
        .order_by("user_id")
        .values_list("user_id", "role")
        .distinct()
    )
    kinds = {Role.COORDINATOR: ["teachers", "students", "mentorships", "activities"],
             Role.BUREAU: ["schools", "teachers", "pairings", "activities"]}  # fmt: skip
    content = "学校标识码,姓名\n3451000001,王芳\n".encode()
    error = [{"row": 3, "column": "学校标识码", "message": "没有这个标识码的学校。"}]
    batches = []
    for user_id, role in uploaders:
        for n in range(IMPORTS_PER_USER):
            kind = rng.choice(kinds[role])
            rows = rng.choice([12, 40, 180, 650, 2400])
            failed = rng.random() < 0.2
            when = ctx.days_ago(rng.uniform(1, 700))
            batches.append(
                ImportBatch(
                    kind=kind,
                    user_id=user_id,
                    filename=f"{kind}-{n + 1}.xlsx",
                    content=content,
                    rows=rows,
                    status=ImportBatch.Status.INVALID if failed else ImportBatch.Status.IMPORTED,
                    counts={
                        "new": 0 if failed else rows,
                        "update": 0,
                        "skip": 0,
                        "error": 1 if failed else 0,
                    },
                    errors=error if failed else [],
                    imported_at=None if failed else when,
                )  # fmt: skip
            )
    made = bulk(ImportBatch, batches)
    # created_at is set on insert; spread it over the same two years.
    for batch in made:
        batch.created_at = batch.imported_at or ctx.days_ago(rng.uniform(1, 700))
    ImportBatch.objects.bulk_update(made, ["created_at"], batch_size=BATCH_SIZE)
    timer.step("import history", len(made))


# --- the core's share: notification channels ----------------------------------------------

ROBOT_SHARE = 0.4  # of the schools with a coordinator; every county's bureau has one
DELIVERIES_PER_ROBOT = 40  # its log: a few months of messages
PREFERENCE_SHARE = 0.1  # of the users, who chose for two kinds


def _channels(ctx: ScaleContext) -> None:
    from .models import (
        ChatRobot,
        Delivery,
        NotificationPreference,
        RegionNotificationDefault,
        ReminderRun,
        Role,
        RoleAssignment,
        User,
    )
    from .notify import kinds, reminders

    timer = Timer(ctx.log)
    rng = ctx.rng
    persona = set(
        RoleAssignment.objects.filter(user__username="scale-coordinator").values_list(
            "school_id", flat=True
        )
    )
    coordinators = RoleAssignment.objects.filter(role=Role.COORDINATOR)
    schools = sorted(set(coordinators.values_list("school_id", flat=True)))
    counties = sorted(
        set(RoleAssignment.objects.filter(role=Role.BUREAU).values_list("region_id", flat=True))
    )
    robots = []
    for school_id in schools:
        if school_id in persona or rng.random() < ROBOT_SHARE:
            robots.append((None, school_id))
    robots += [(region_id, None) for region_id in counties]
    made = bulk(ChatRobot, [
        ChatRobot(
            name=f"结对工作群 {n + 1}", platform=rng.choice(["wecom", "dingtalk"]),
            region_id=region_id, school_id=school_id, token=f"{rng.getrandbits(128):032x}",
            secret=f"SEC{rng.getrandbits(192):048x}",
            status="paused" if rng.random() < 0.02 else "active",
        )
        for n, (region_id, school_id) in enumerate(robots)
    ])  # fmt: skip
    timer.step("work-chat robots", len(made))
    from django.db import connection

    # COPY reads JSON as text; bulk_create takes the value.
    no_mentions = "[]" if connection.vendor == "postgresql" else []
    kind_keys = [k.key for k in kinds.every()]
    columns = ["channel", "robot_id", "kind", "key", "subject", "text", "url", "mentions",
               "status", "attempts", "answer", "created_at", "sent_at"]  # fmt: skip

    def rows():
        for robot in made:
            for n in range(DELIVERIES_PER_ROBOT):
                when = ctx.days_ago(rng.uniform(0, 120))
                failed = rng.random() < 0.03
                yield (
                    "chat", robot.pk, rng.choice(kind_keys), f"scale:{robot.pk}:{n}",
                    "明天 09:00 送教下乡：语文示范课", "【结对帮扶】明天 09:00 送教下乡",
                    "/activities/", no_mentions, "failed" if failed else "sent",
                    1 + failed * 5, "HTTP 500" if failed else "0 ok", when,
                    None if failed else when,
                )  # fmt: skip

    count = copy_rows(Delivery, columns, rows())
    timer.step("robot deliveries", count)
    users = list(User.objects.filter(username__startswith="scale-").values_list("id", flat=True))
    preferences = []
    for user_id in users:
        if rng.random() < PREFERENCE_SHARE:
            for kind in rng.sample(kind_keys, 2):
                preferences.append(NotificationPreference(
                    user_id=user_id, kind=kind, in_app=True, email=False,
                    digest=rng.random() < 0.5, chat=rng.random() < 0.5,
                ))  # fmt: skip
    bulk(NotificationPreference, preferences)
    defaults = [
        RegionNotificationDefault(
            region_id=region_id, role=Role.COORDINATOR, kind=kind, in_app=True, chat=True
        )  # fmt: skip
        for region_id in counties[:: max(1, len(counties) // 20)]
        for kind in ("activity-tomorrow", "activity-not-logged")
    ]
    bulk(RegionNotificationDefault, defaults)
    timer.step("preferences and region defaults", len(preferences) + len(defaults))
    runs = [
        ReminderRun(
            reminder=reminder.key, sent=rng.randint(0, 400), finished_at=ctx.days_ago(day)
        )  # fmt: skip
        for reminder in reminders.every()
        for day in range(60)
    ]
    made_runs = bulk(ReminderRun, runs)
    for run in made_runs:  # started_at is set on insert
        run.started_at = run.finished_at - dt.timedelta(seconds=rng.uniform(1, 90))
    ReminderRun.objects.bulk_update(made_runs, ["started_at"], batch_size=BATCH_SIZE)
    timer.step("reminder runs", len(runs))


def bulk(model, objects: list, *, batch_size: int = BATCH_SIZE) -> list:
    """``bulk_create`` in batches; returns the objects with their ids set."""
    return model.objects.bulk_create(objects, batch_size=batch_size)


class Timer:
    """Logs how long each generator step took (the command promises minutes, not hours)."""

    def __init__(self, log: Callable[[str], None]):
        self.log = log
        self.started = time.perf_counter()

    def step(self, what: str, count: int) -> None:
        self.log(f"  {what}: {count:,} ({time.perf_counter() - self.started:.1f} s)")


def copy_rows(model, columns: list[str], rows) -> int:
    """Write ``rows`` (tuples in ``columns`` order) into ``model``'s table: PostgreSQL's
    COPY, about ten times faster than ``bulk_create`` for the millions of rows of a
    province; ``bulk_create`` elsewhere. Returns how many rows were written."""
    from django.db import connection

    written = 0
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
        return written
    batch = []
    for row in rows:
        batch.append(model(**dict(zip(columns, row, strict=True))))
        if len(batch) >= BATCH_SIZE:
            written += len(model.objects.bulk_create(batch))
            batch = []
    return written + len(model.objects.bulk_create(batch))
