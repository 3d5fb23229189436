"""The teachers of the synthetic province (``manage.py seed_scale``; see twinning/scale.py).

Ten teachers a school (50,000 for the default 5,000 schools), with titles, years of
first employment, staff numbers and honours in realistic shares. It reads the
schools from the database, not from what the schools generator made, so that it can
also add teachers to a province seeded before this app had a generator.
"""

from __future__ import annotations

from schools.models import Region, School
from twinning.scale import PROVINCE_CODE, ScaleContext, Timer, bulk

from .models import Honour, Teacher, Title

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


def existing_rows() -> int:
    return Teacher.objects.count()


def generate(ctx: ScaleContext) -> None:
    timer = Timer(ctx.log)
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
