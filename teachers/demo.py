"""The demo's teachers (``manage.py seed_demo`` calls :func:`load` after the schools).

Two teachers a demo school (80 in all), each school's staff numbers from 01, one
honour here and there; the demo user ``teacher`` (杨丽) is the registry's 杨丽 at her
school, so that she signs in as a teacher with a record. Idempotent: a teacher whose
school and staff number exist already is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable

from . import services
from .models import Teacher

# (name, gender, subjects, title, first employed, honour kind, honour level)
STAFF = [
    ("张建国", "male", "数学", "senior", 1998, "key_teacher", "city"),
    ("李秀英", "female", "语文", "first", 2009, "", ""),
    ("王海燕", "female", "英语", "first", 2012, "key_teacher", "district"),
    ("刘志强", "male", "物理", "second", 2018, "", ""),
    ("陈静", "female", "语文", "second", 2021, "", ""),
    ("杨帆", "male", "体育", "second", 2019, "", ""),
    ("赵晓梅", "female", "数学", "third", 2024, "", ""),
    ("周文", "male", "科学", "first", 2010, "subject_leader", "district"),
]


def load(*, users: dict, schools: dict, count: Callable[[str, int], None]) -> None:
    admin = users["admin"]
    existing = set(Teacher.objects.values_list("school_id", "staff_number"))
    for index, school in enumerate(schools.values()):
        for number in (1, 2):
            name, gender, subjects, title, year, kind, level = STAFF[
                (2 * index + number) % len(STAFF)
            ]
            staff_number = f"{school.code[-4:]}-{number:02d}"
            if (school.pk, staff_number) in existing:
                continue
            services.teacher_create(
                actor=admin, school=school, name=name, gender=gender, subjects=subjects,
                title=title, first_employed_year=year, staff_number=staff_number,
                honours=[{"kind": kind, "level": level}] if kind else [],
            )  # fmt: skip
            count("teachers", 1)
    _the_demo_teacher(users["teacher"], schools["临江县柳河镇中心小学"], admin, count)


def _the_demo_teacher(user, school, admin, count) -> None:
    if Teacher.objects.filter(user=user).exists():
        return
    services.teacher_create(
        actor=admin, school=school, user=user, name=user.full_name, gender="female",
        subjects="语文", title="third", first_employed_year=2024,
        staff_number=f"{school.code[-4:]}-09",
    )  # fmt: skip
    count("teachers", 1)
