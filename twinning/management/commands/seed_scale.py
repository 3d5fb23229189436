"""Fill an empty database with a synthetic province, for the benchmark (``make bench``).

Every app with a ``scale`` module adds its share (see :mod:`twinning.scale`). On a
database that this command already seeded it does nothing; on one that holds any
other data it refuses and changes nothing.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from twinning.scale import ScaleContext, ScaleSize, scale_modules

DEFAULT_PASSWORD = "scale12345"


class Command(BaseCommand):
    help = (
        "Fill an empty database with a province of synthetic schools, pairings and users "
        "(by default 10 cities, 100 counties, 5,000 schools, 2,000 pairings)."
    )

    def add_arguments(self, parser):
        defaults = ScaleSize()
        parser.add_argument("--cities", type=int, default=defaults.cities)
        parser.add_argument(
            "--counties", type=int, default=defaults.counties, help="Counties per city."
        )
        parser.add_argument(
            "--schools", type=int, default=defaults.schools, help="Schools per county."
        )
        parser.add_argument("--pairings", type=int, default=defaults.pairings)
        parser.add_argument("--seed", type=int, default=defaults.seed, help="Random seed.")
        parser.add_argument(
            "--password", default=DEFAULT_PASSWORD, help="Password of every synthetic user."
        )

    def handle(self, *args, **options):
        size = ScaleSize(
            cities=options["cities"],
            counties=options["counties"],
            schools=options["schools"],
            pairings=options["pairings"],
            seed=options["seed"],
        )
        for name, value, upper in (
            ("--cities", size.cities, 99),
            ("--counties", size.counties, 99),
            ("--schools", size.schools, 999),
            ("--pairings", size.pairings, 1_000_000),
        ):
            if not 1 <= value <= upper:
                raise CommandError(f"{name} must be between 1 and {upper:,}.")

        modules = list(scale_modules())
        held = {label: module.existing_rows() for label, module in modules}
        if any(module.is_seeded() for _label, module in modules if hasattr(module, "is_seeded")):
            # A province seeded before an app had its generator gets that app's share.
            modules = [(label, module) for label, module in modules if not held[label]]
            if not modules:
                self.stdout.write(
                    "This database already holds the synthetic province; nothing to do."
                )
                return
            self.stdout.write(
                "Adding to the synthetic province: "
                + ", ".join(label for label, _m in modules)
                + "."
            )
        elif any(held.values()):
            detail = ", ".join(f"{label}: {n:,} rows" for label, n in held.items() if n)
            raise CommandError(
                f"This database already holds data ({detail}). seed_scale only fills an empty "
                "database: point DATABASE_URL at a new one (make bench uses BENCH_DATABASE_URL)."
            )

        started = time.perf_counter()
        ctx = ScaleContext(size=size, password=options["password"], log=self.stdout.write)
        self.stdout.write(
            f"Seeding {size.cities} cities × {size.counties} counties × {size.schools} schools, "
            f"{size.pairings:,} pairings …"
        )
        with transaction.atomic():
            for label, module in modules:
                self.stdout.write(f"{label}:")
                module.generate(ctx)
        if connection.vendor == "postgresql":
            # Fresh tables have no statistics yet: without them the planner guesses
            # sequential scans until autovacuum gets round to it. VACUUM also sets the
            # visibility map, without which a count by index still reads every row
            # (it cannot run inside a transaction, as in a test).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(f"Done in {time.perf_counter() - started:.0f} s.")
            + f" Every synthetic user's password is {options['password']!r}; logins:"
        )
        for role, username in ctx.made.get("users", {}).get("personas", {}).items():
            self.stdout.write(f"  {role:<20} {username}")
