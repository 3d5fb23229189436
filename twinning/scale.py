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
    from .models import ImportBatch

    return ImportBatch.objects.count()


def generate(ctx: ScaleContext) -> None:
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
