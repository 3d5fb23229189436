"""The demo's teachers and mentorships (``manage.py seed_demo`` calls :func:`load`
after the schools).

Two teachers a demo school (80 in all), each school's staff numbers from 01, one
honour here and there; the demo user ``teacher`` (杨丽) is the registry's 杨丽 at her
school, and ``mentor`` (周华) a senior teacher of the helping school of the active city
pairing. Four mentorships in the active pairings (周华 → 杨丽 among them) with the
term's records so far, one pair well behind; 杨丽 has her mentor's comment waiting and
周华 a record to review. Idempotent: teachers whose school and staff number exist are
left as they are, and mentorships are made once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from twinning import calendar

from . import services
from .models import Filer, Mentorship, MentorshipRecord, RecordKind, Teacher

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
    _mentorships(users, schools, admin, count)


def _the_demo_teacher(user, school, admin, count) -> None:
    if Teacher.objects.filter(user=user).exists():
        return
    services.teacher_create(
        actor=admin, school=school, user=user, name=user.full_name, gender="female",
        subjects="语文", title="third", first_employed_year=2024,
        staff_number=f"{school.code[-4:]}-09",
    )  # fmt: skip
    count("teachers", 1)


# --- mentorships and a term of records ---------------------------------------------------

# (mentor school, mentor staff no., mentee school, mentee staff no., subject, how diligent)
# Diligence is the share of weeks with the weekly records: 1.0 on track, lower behind.
PAIRS = [
    ("江城市第二初级中学", "01", "白河县高峰镇初级中学", "02", "数学", 1.0),
    ("江城市青山区青云九年一贯制学校", "01", "临江县大坪乡九年一贯制学校", "02", "英语", 0.4),
    ("江城市青山区实验小学", "01", "江城市青山区实验小学", "02", "语文", 0.8),
]


def _term_of_records():
    """The term whose records the demo shows: today's, or in the holidays the last one."""
    today = calendar.today()
    term = calendar.term_containing(today) or calendar.term_containing(
        today - dt.timedelta(days=45)
    )
    return term or calendar.term_at_or_after(today), today


def _weeks(start: dt.date, end: dt.date):
    monday = calendar.week_bounds(start)[0]
    while monday <= end:
        yield monday
        monday += dt.timedelta(days=7)


def _records_for(mentorship, until: dt.date, diligence: float, created_by) -> list:
    """A term of records up to ``until``: lesson designs and guidance most weeks, an
    observation of each other's lesson a week, a mid-term reflection; older ones signed off."""
    rows = []
    school, region = mentorship.school_id, mentorship.region_id
    for n, monday in enumerate(_weeks(mentorship.start, until)):
        skip = (n * 7) % 10 >= diligence * 10  # a steady pattern of missed weeks
        day = max(monday + dt.timedelta(days=2), mentorship.start)
        if day > until:
            break
        signed = day < until - dt.timedelta(days=14)
        common = {"mentorship": mentorship, "school_id": school, "region_id": region,
                  "created_by": created_by, "signed_off_at": timezone.now() if signed else None,
                  "signed_off_by": created_by if signed else None}  # fmt: skip
        if not skip:
            rows.append(MentorshipRecord(
                kind=RecordKind.LESSON_DESIGN, filed_by=Filer.MENTEE, date=day,
                lesson_subject=mentorship.subject, lesson_topic=f"第{n + 1}周教学设计",
                content="教学目标、重难点、教学过程与板书设计。", **common,
            ))  # fmt: skip
            rows.append(MentorshipRecord(
                kind=RecordKind.GUIDANCE, filed_by=Filer.MENTOR, date=day,
                content="针对本周教学设计逐环节指导，修改导入和练习设计。", **common,
            ))  # fmt: skip
        rows.append(MentorshipRecord(
            kind=RecordKind.OBSERVATION, filed_by=Filer.MENTEE if n % 2 else Filer.MENTOR,
            date=day, lesson_subject=mentorship.subject, lesson_class=f"{n % 6 + 1}年级(1)班",
            lesson_topic=f"第{n + 1}课", observed=MentorshipRecord.Observed.PARTNER,
            content="记录教学环节与学生反应，课后交流改进建议。", **common,
        ))  # fmt: skip
        if n == 8 and diligence >= 0.8:
            rows.append(MentorshipRecord(
                kind=RecordKind.REFLECTION, filed_by=Filer.MENTEE, date=day,
                checklist={"best": "小组合作环节学生参与度高", "improve": "提问的层次还不够清晰"},
                content="期中教学反思。", **common,
            ))  # fmt: skip
    return rows


def _mentorships(users, schools, admin, count) -> None:
    if Mentorship.objects.exists():
        return
    term, today = _term_of_records()
    start = term.start
    teachers = {(t.school.name, t.staff_number[-2:]): t for t in Teacher.objects.select_related(
        "school").filter(school__in=list(schools.values()))}  # fmt: skip

    # The demo's own pair: 周华 (login ``mentor``) mentors 杨丽 (login ``teacher``) across
    # the schools of the active city pairing.
    helping = schools["江城市青山区实验小学"]
    mentor = Teacher.objects.filter(user=users["mentor"]).first() or services.teacher_create(
        actor=admin, school=helping, user=users["mentor"], name=users["mentor"].full_name,
        gender="female", subjects="语文", title="senior", first_employed_year=1996,
        staff_number=f"{helping.code[-4:]}-09",
        honours=[{"kind": "key_teacher", "level": "city", "year": 2018}],
    )  # fmt: skip
    mentee = Teacher.objects.get(user=users["teacher"])
    pairs = [(mentor, mentee, "语文", 0.8)]
    for mentor_school, mentor_no, mentee_school, mentee_no, subject, diligence in PAIRS:
        pairs.append((teachers[mentor_school, mentor_no], teachers[mentee_school, mentee_no],
                      subject, diligence))  # fmt: skip
    records = []
    for n, (mentor_teacher, mentee_teacher, subject, diligence) in enumerate(pairs):
        mentorship = services.mentorship_create(
            actor=admin, mentor=mentor_teacher, mentee=mentee_teacher, subject=subject,
            start=start, terms=2, eligibility_override="" if mentee_teacher.years_of_service is None
            or mentee_teacher.years_of_service <= 3 else "示范：骨干教师跨学科带教",
            agreement_text=AGREEMENT,
        )  # fmt: skip
        Mentorship.objects.filter(pk=mentorship.pk).update(
            mentor_accepted_at=timezone.now(), mentee_accepted_at=timezone.now() if n else None
        )
        records += _records_for(mentorship, min(today, term.end), diligence, admin)
        count("mentorships", 1)
    MentorshipRecord.objects.bulk_create(records, batch_size=500)
    count("mentorship records", len(records))
    _waiting_for_the_demo_teacher(users, Mentorship.objects.get(mentee=mentee), today, term)


def _waiting_for_the_demo_teacher(users, mentorship, today, term) -> None:
    """杨丽 signs in to a comment of her mentor's waiting for an answer, and 周华 to a record
    waiting for review: filed through the services, so that the notifications are real."""
    day = min(today, term.end)
    record = services.record_file(
        actor=users["teacher"], mentorship=mentorship, kind=RecordKind.OBSERVATION, date=day,
        lesson_subject="语文", lesson_class="三年级(2)班", lesson_topic="秋天的雨",
        observed=MentorshipRecord.Observed.PARTNER,
        content="师傅用图片导入，学生兴趣高；朗读指导层次清楚。",
    )  # fmt: skip
    services.record_comment(
        actor=users["mentor"], record=record,
        text="记录很细。请再想一想：如果是你来上，朗读环节会怎样安排？",
    )  # fmt: skip
    services.record_file(
        actor=users["teacher"], mentorship=mentorship, kind=RecordKind.LESSON_DESIGN, date=day,
        lesson_subject="语文", lesson_topic="《秋天的雨》第二课时",
        content="教学设计初稿，请师傅指导。",
    )  # fmt: skip


AGREEMENT = (
    "一、师傅每周至少指导徒弟一次，每月与徒弟互相听课不少于4节，每学期听徒弟的课不少于10节。\n"
    "二、徒弟每学期听师傅的课不少于15节、听课总数不少于25节，每周交一份教学设计，"
    "每学期上一节公开课，期中、期末各写一篇教学反思。\n"
    "三、师傅写中期评估和阶段性总结。"
)
