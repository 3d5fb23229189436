"""The demo's exchanges (``manage.py seed_demo`` calls :func:`load` after the teachers).

A term of activities for each active pairing, written through the services so that every
rule holds: the ones held so far logged with a summary, a photo and a sign-in sheet;
one held but not logged yet, one cancelled, one postponed and a few coming up (one
tomorrow). The city pair of the demo coordinators (陈晓燕 and 刘永福) keeps up its
exchanges; the other pairs hold fewer. Idempotent: a pairing with activities is left
as it is.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from schools.models import Pairing, PairingStatus
from teachers.models import Teacher
from twinning import calendar

from . import services
from .kinds import install_default_kinds
from .models import Activity, ActivityKind

# (kind, title, weeks after the term started, host: "helping" or "assisted")
TERM = [
    ("management_report", "校长赴结对校作办学情况汇报", 1, "assisted"),
    ("visit", "结对学校互访：管理经验交流", 2, "helping"),
    ("lesson_delivery", "送教下乡：三年级语文示范课", 4, "assisted"),
    ("joint_research_day", "联合教研：小学数学“图形与几何”单元教学", 6, "helping"),
    ("experience_exchange", "班主任工作经验交流会", 8, "assisted"),
    ("lesson_delivery", "送教下乡：英语绘本阅读示范课", 10, "assisted"),
    ("joint_lesson_study", "同课异构：《秋天的雨》", 12, "helping"),
    ("experience_exchange", "教学常规管理经验交流会", 14, "assisted"),
]
SUMMARY = "活动按计划举行，双方教师参与研讨，形成改进建议并已落实到下阶段计划。"
# The city pair holds every activity; the others every second one.
DILIGENT = "江城市青山区实验小学"


def _photo(seed: int) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 640), (70 + seed * 20 % 120, 120, 160))
    draw = ImageDraw.Draw(image)
    for n in range(6):  # a few shapes, so that thumbnails tell photos apart
        x = 80 + n * 140
        draw.rectangle([x, 380 - seed * 9 % 120, x + 90, 560], fill=(240, 200 - n * 20, 90))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return SimpleUploadedFile(f"活动照片{seed}.jpg", out.getvalue(), content_type="image/jpeg")


def _sign_in_sheet() -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile("签到表.pdf", body, content_type="application/pdf")


def load(*, users: dict, schools: dict, count: Callable[[str, int], None]) -> None:
    pairings = (
        Pairing.objects.filter(status=PairingStatus.ACTIVE, helping_school__in=schools.values())
        .select_related("helping_school")
        .prefetch_related("members__school")
        .order_by("id")
    )
    install_default_kinds()  # a database flushed since it was migrated has none
    kinds = {k.code: k for k in ActivityKind.objects.all()}
    term = calendar.term_containing(calendar.today()) or calendar.term_at_or_after(
        calendar.today() - dt.timedelta(days=150)
    )
    for pairing in pairings:
        if Activity.objects.filter(pairing=pairing).exists():
            continue
        diligent = pairing.helping_school.name == DILIGENT
        organiser = users["coordinator"] if diligent else users["bureau"]
        made = _term(pairing, term.start, kinds, organiser, diligent)
        count("activities", made)
        if diligent:
            count("secondments", _secondments(pairing, organiser, term.start))
            count("shared resources", _resources(pairing, users))


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _term(pairing, start: dt.date, kinds, organiser, diligent: bool) -> int:
    members = {m.role: m.school for m in pairing.members.all()}
    host_of = {"helping": pairing.helping_school, "assisted": members["assisted"]}
    people = list(
        Teacher.objects.filter(school__in=host_of.values(), is_active=True).order_by("id")[:4]
    )
    now = timezone.now()
    made = 0

    def schedule(kind, title, day, host, hours=(9, 12)):
        nonlocal made
        activity, _ = services.activity_schedule(
            actor=organiser, pairing=pairing, kind=kinds[kind], title=title,
            host_school=host_of[host], starts_at=_at(day, hours[0]), ends_at=_at(day, hours[1]),
            place=f"{host_of[host].name} 会议室", participants=people, student_count=0,
        )  # fmt: skip
        made += 1
        return activity

    held = []
    for n, (kind, title, weeks, host) in enumerate(TERM):
        day = calendar.week_bounds(start + dt.timedelta(weeks=weeks))[0] + dt.timedelta(days=2)
        if _at(day, 12) >= now - dt.timedelta(days=3):
            break
        if not diligent and n % 2:
            continue
        held.append(schedule(kind, title, day, host))
    for n, activity in enumerate(held[:-1]):
        services.activity_complete(
            actor=organiser, activity=activity, summary=SUMMARY,
            files=[_photo(n + activity.pairing_id), _sign_in_sheet()],
            student_count=40 if activity.kind.code == "lesson_delivery" else 0,
        )  # fmt: skip
    # The last one held is still to be logged; one more was cancelled.
    cancelled = schedule("culture_sports", "手拉手文体联谊活动", now.date() - dt.timedelta(days=9),
                         "helping", (14, 17))  # fmt: skip
    services.activity_cancel(actor=organiser, activity=cancelled, reason="遇强降雨，改期另行安排。")
    tomorrow = now.date() + dt.timedelta(days=1)
    schedule("joint_preparation", "集体备课：期末复习课设计", tomorrow, "helping", (14, 16))
    schedule("lecture", "专题讲座：作业设计与“双减”", tomorrow + dt.timedelta(days=7), "assisted")
    postponed = schedule(
        "joint_exam", "教学质量联测（期末）", tomorrow + dt.timedelta(days=14), "helping", (8, 11)
    )
    services.activity_postpone(
        actor=organiser, activity=postponed, starts_at=_at(tomorrow + dt.timedelta(days=21), 8),
        ends_at=_at(tomorrow + dt.timedelta(days=21), 11), reason="与区统考时间冲突。",
    )  # fmt: skip
    return made


def _secondments(pairing, organiser, start: dt.date) -> int:
    """The diligent pair's secondments: a helping-school teacher teaching at the assisted
    school for the first half of the term (across the National Day week), and an
    assisted-school teacher shadowing at the helping school for two weeks now."""
    members = {m.role: m.school for m in pairing.members.all()}
    helping, assisted = pairing.helping_school, members["assisted"]
    giver = Teacher.objects.filter(school=helping, is_active=True, user__isnull=True).first()
    taker = Teacher.objects.filter(school=assisted, is_active=True, user__isnull=True).first()
    today = calendar.today()
    made = 0
    if giver is not None:
        services.secondment_record(
            actor=organiser, pairing=pairing, kind="teaching_placement", teacher=giver,
            host_school=assisted, start=start, end=start + dt.timedelta(weeks=8),
            duties="支教五年级数学，参与学校教研组活动。",
        )  # fmt: skip
        made += 1
    if taker is not None:
        monday = calendar.week_bounds(today)[0]
        services.secondment_record(
            actor=organiser, pairing=pairing, kind="shadowing", teacher=taker,
            host_school=helping, start=monday - dt.timedelta(days=7),
            end=monday + dt.timedelta(days=4), duties="跟岗学习教学管理与课堂教学。",
        )  # fmt: skip
        made += 1
    return made


def _resources(pairing, users) -> int:
    """A few files of the diligent pair's library, shared by its two coordinators; the
    lesson plan comes out of its first lesson delivery."""
    delivery = (
        Activity.objects.filter(pairing=pairing, kind__code="lesson_delivery")
        .order_by("starts_at")
        .first()
    )
    shared = [
        (users["coordinator"], _sign_in_sheet(), "《秋天的雨》教学设计", "lesson_plan", "语文", "3",
         delivery),
        (users["coordinator"], _photo(7), "示范课板书", "courseware", "语文", "3", delivery),
        (users["coordinator2"], _sign_in_sheet(), "乡村小学阅读课题开题报告", "research_outcome",
         "语文", "", None),
    ]  # fmt: skip
    for actor, upload, title, category, subject, grade, activity in shared:
        services.resource_share(
            actor=actor, pairing=pairing, upload=upload, title=title, category=category,
            subject=subject, grade=grade, activity=activity,
        )  # fmt: skip
    return len(shared)
