"""The teachers and mentorships of the synthetic province (``manage.py seed_scale``; see
twinning/scale.py).

Ten teachers a school (50,000 for the default 5,000 schools), with titles, years of
first employment, staff numbers and honours in realistic shares; two mentorships a
school (10,000), across the schools of each approved or active pairing and within
schools; a hundred records a mentorship (1,000,000) over the school year so far, of
every kind, most of the older ones signed off. It reads schools, pairings and
teachers from the database, not from what earlier generators made, so that it can
also add its part to a province seeded before it existed: teachers when there are
none, mentorships when there are none.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from schools.models import PairingMember, PairingStatus, Programme, Region, School
from twinning import calendar
from twinning.models import User
from twinning.scale import PROVINCE_CODE, ScaleContext, Timer, bulk, copy_rows

from .models import (
    Filer,
    Honour,
    Mentorship,
    MentorshipRecord,
    MentorshipStatus,
    Obligation,
    RecordKind,
    Teacher,
    Title,
)

TEACHERS_PER_SCHOOL = 10
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅燕鹏辉晨欣宇浩然"
SUBJECTS = [
    "语文",
    "数学",
    "英语",
    "物理",
    "化学",
    "生物",
    "道德与法治",
    "历史",
    "地理",
    "音乐",
    "美术",
    "体育",
    "信息科技",
    "科学",
]  # noqa: E501
# Shares of the titles, lowest first (most rural teachers hold the lower titles).
TITLE_WEIGHTS = [
    (Title.THIRD, 8),
    (Title.SECOND, 35),
    (Title.FIRST, 38),
    (Title.SENIOR, 18),
    (Title.PROFESSOR, 1),
]  # noqa: E501


MENTORSHIPS_PER_SCHOOL = 2
RECORDS_PER_MENTORSHIP = 100
# (kind, filed by, weight): roughly what a term of real records looks like.
RECORD_MIX = [
    (RecordKind.OBSERVATION, Filer.MENTEE, 25), (RecordKind.OBSERVATION, Filer.MENTOR, 12),
    (RecordKind.LESSON_DESIGN, Filer.MENTEE, 18), (RecordKind.GUIDANCE, Filer.MENTOR, 16),
    (RecordKind.LESSON_REVIEW, Filer.MENTEE, 8), (RecordKind.READING_NOTE, Filer.MENTEE, 6),
    (RecordKind.REFLECTION, Filer.MENTEE, 5), (RecordKind.OPEN_LESSON, Filer.MENTEE, 3),
    (RecordKind.RESEARCH, Filer.MENTOR, 3), (RecordKind.MIDTERM_EVALUATION, Filer.MENTOR, 2),
    (RecordKind.STAGE_SUMMARY, Filer.MENTOR, 2),
]  # fmt: skip


def existing_rows() -> int:
    # Mentorships are written last: a province without them gets this app's share.
    return Mentorship.objects.count()


def generate(ctx: ScaleContext) -> None:
    timer = Timer(ctx.log)
    if not Teacher.objects.exists():
        _teachers(ctx, timer)
    if not Obligation.objects.exists():
        timer.step("programme obligations", len(bulk(Obligation, list(_obligations()))))
    _mentorships(ctx, timer)


def _obligations():
    """Every programme's obligations as its own, one changed two months ago (lesson
    designs from one a week to two): the rules tab lists both versions."""
    from .rules import DEFAULTS

    today = calendar.today()
    changed = today - dt.timedelta(days=60)
    start = calendar.period_bounds("year", calendar.school_year_of(today) - 1, None)[0]
    for programme_id in Programme.objects.values_list("id", flat=True):
        for rule in DEFAULTS:
            fields = {"programme_id": programme_id, "kind": rule.kind, "filer": rule.filer,
                      "partner_lessons_only": rule.partner_lessons_only,
                      "period": rule.period}  # fmt: skip
            if rule.kind == "lesson_design":
                yield Obligation(**fields, minimum=rule.minimum, valid_from=start,
                                 valid_until=changed - dt.timedelta(days=1))  # fmt: skip
                yield Obligation(**fields, minimum=rule.minimum + 1, valid_from=changed)
            else:
                yield Obligation(**fields, minimum=rule.minimum, valid_from=start)


def _teachers(ctx: ScaleContext, timer: Timer) -> None:
    rng = ctx.rng
    province = Region.objects.get(code=PROVINCE_CODE)
    schools = School.objects.filter(region__path__startswith=province.path).values_list(
        "id", "region_id"
    )
    titles = [title for title, weight in TITLE_WEIGHTS for _ in range(weight)]
    teachers = []
    for school_id, region_id in schools.order_by("id"):
        for number in range(1, TEACHERS_PER_SCHOOL + 1):
            teachers.append(
                Teacher(
                    school_id=school_id,
                    region_id=region_id,
                    name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
                    gender=rng.choice(("female", "female", "male")),
                    subjects="、".join(rng.sample(SUBJECTS, rng.choice((1, 1, 2)))),
                    title=rng.choice(titles),
                    first_employed_year=rng.randint(1988, 2025),
                    staff_number=f"T{school_id:06d}{number:02d}",
                    phone=f"139{rng.randint(0, 99_999_999):08d}",
                )
            )
    teachers = bulk(Teacher, teachers)
    timer.step("teachers", len(teachers))
    honours = []
    for teacher in teachers:
        if rng.random() < 0.15:
            level = rng.choice([level for level, _ in Honour.Level.choices])
            honours.append(Honour(teacher=teacher, kind=Honour.Kind.KEY_TEACHER, level=level))
        if rng.random() < 0.03:
            honours.append(Honour(teacher=teacher, kind=Honour.Kind.SUBJECT_LEADER, level="city"))
    timer.step("honours", len(bulk(Honour, honours)))
    ctx.made["teacher_ids"] = [teacher.pk for teacher in teachers[:1]]


def _mentorships(ctx: ScaleContext, timer: Timer) -> None:
    today = calendar.today()
    term = calendar.term_containing(today) or calendar.term_at_or_after(today)
    start = min(term.start, today)
    end = calendar.term_at_or_after(term.end + dt.timedelta(days=1)).end
    creator = User.objects.filter(username="scale-province").first() or User.objects.first()
    staff: dict[int, list[tuple]] = {}
    for row in Teacher.objects.order_by("school_id", "id").values_list(
        "id", "school_id", "region_id", "subjects"
    ):
        staff.setdefault(row[1], []).append(row)
    pairs: list[tuple] = []  # (mentor row, mentee row, pairing id)
    used: set[int] = set()

    def add(mentor, mentee, pairing_id):
        if mentee[0] in used or mentor[0] == mentee[0]:
            return
        used.add(mentee[0])
        pairs.append((mentor, mentee, pairing_id))

    # The benchmark's teacher is a mentee across the schools of the first pairing.
    persona = User.objects.filter(username="scale-teacher").first()
    members: dict[int, dict] = {}
    for pairing_id, school_id, role in PairingMember.objects.filter(
        pairing__status__in=(PairingStatus.APPROVED, PairingStatus.ACTIVE)
    ).values_list("pairing_id", "school_id", "role"):
        members.setdefault(pairing_id, {"helping": [], "assisted": []})[role].append(school_id)
    home = persona.role_assignments.values_list("school_id", flat=True).first() if persona else None
    # The schools generator says which pairing the persona belongs to; a province seeded
    # earlier is asked.
    persona_pairing = ctx.made.get("pairing_id") or next(
        (pid for pid, m in sorted(members.items()) if home in m["assisted"]), None
    )
    if persona is not None and persona_pairing in members:
        helping = members[persona_pairing]["helping"][0]
        mentee = staff[home][-1]
        Teacher.objects.filter(pk=mentee[0]).update(user=persona)
        add(staff[helping][0], mentee, persona_pairing)
    for pairing_id, schools in sorted(members.items()):
        for helping in schools["helping"][:1]:
            for n, assisted in enumerate(schools["assisted"]):
                add(staff[helping][n % 3], staff[assisted][-1 - n % 3], pairing_id)
    target = MENTORSHIPS_PER_SCHOOL * len(staff)
    for rows in staff.values():
        if len(pairs) >= target:
            break
        for n in range(MENTORSHIPS_PER_SCHOOL):
            add(rows[n], rows[-1 - n - 3], None)
    now = timezone.now()
    mentorships = bulk(
        Mentorship,
        [
            Mentorship(
                mentor_id=mentor[0], mentee_id=mentee[0], pairing_id=pairing_id,
                school_id=mentee[1], region_id=mentee[2], mentor_school_id=mentor[1],
                mentor_region_id=mentor[2], subject=mentee[3].split("、")[0], start=start,
                end=end, agreement_text="带教协议：每周指导一次，每月互相听课四节。",
                mentor_accepted_at=now, mentee_accepted_at=now, created_by=creator,
                status=MentorshipStatus.ACTIVE if n % 20 else MentorshipStatus.COMPLETED,
            )
            for n, (mentor, mentee, pairing_id) in enumerate(pairs[:target])
        ],
    )  # fmt: skip
    timer.step("mentorships", len(mentorships))
    timer.step("mentorship records", copy_rows(
        MentorshipRecord, RECORD_COLUMNS, _records(ctx, mentorships, start, today, creator, now)
    ))  # fmt: skip


RECORD_COLUMNS = [
    "mentorship_id", "school_id", "region_id", "kind", "filed_by", "date", "lesson_subject",
    "lesson_class", "lesson_topic", "observed", "content", "checklist", "signed_off_at",
    "signed_off_by_id", "created_by_id", "created_at", "updated_at",
]  # fmt: skip


def _records(ctx, mentorships, start, today, creator, now):
    """A hundred records a mentorship between its start and today, as rows for COPY."""
    rng = ctx.rng
    mix = [(kind, filer) for kind, filer, weight in RECORD_MIX for _ in range(weight)]
    days = max((today - start).days, 0)
    two_weeks_ago = today - dt.timedelta(days=14)
    for mentorship in mentorships:
        for _n in range(RECORDS_PER_MENTORSHIP):
            kind, filer = rng.choice(mix)
            day = start + dt.timedelta(days=rng.randint(0, days))
            lesson = kind in (RecordKind.OBSERVATION, RecordKind.LESSON_REVIEW,
                              RecordKind.OPEN_LESSON, RecordKind.LESSON_DESIGN)  # fmt: skip
            signed = day < two_weeks_ago and rng.random() < 0.8
            yield (
                mentorship.pk, mentorship.school_id, mentorship.region_id, kind, filer, day,
                mentorship.subject if lesson else "",
                f"{rng.randint(1, 6)}年级({rng.randint(1, 8)})班" if lesson else "",
                f"第{rng.randint(1, 30)}课" if lesson else "",
                ("partner" if rng.random() < 0.7 else "other")
                if kind == RecordKind.OBSERVATION else "",
                "听课记录与评析：教学目标明确，学生参与度高，建议加强当堂检测。", "{}",
                now if signed else None, creator.pk if signed else None, creator.pk, now, now,
            )  # fmt: skip
