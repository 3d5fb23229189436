"""The exchanges of the synthetic province (``manage.py seed_scale``; see twinning/scale.py).

200,000 activities for the default 2,000 pairings (a hundred per pairing, over the
pairings the bureau has paired: approved, active, concluded, terminated), spread over
the last school year and the coming two months, of every kind; three teachers of the
pairing's schools take part in each; the ones held are logged with an evidence file
(rows only: the benchmark reads lists, not files). Reads pairings and teachers from
the database, so that it also adds its part to a province seeded before it existed.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from schools.models import PairingMember, PairingStatus, Programme
from teachers.models import Teacher
from twinning import calendar
from twinning.models import User
from twinning.scale import ScaleContext, Timer, bulk, copy_rows

from .kinds import install_default_kinds
from .models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Evidence,
    PairingTarget,
    Participation,
    Resource,
    Secondment,
    SecondmentKind,
)

ACTIVITIES_PER_PAIRING = 100
PAIRED = (PairingStatus.APPROVED, PairingStatus.ACTIVE, PairingStatus.CONCLUDED,
          PairingStatus.TERMINATED)  # fmt: skip
TITLES = {
    "visit": "结对学校互访", "lesson_delivery": "送教下乡示范课", "joint_lesson_study": "同课异构",
    "joint_preparation": "集体备课", "lecture": "专题讲座", "joint_research_day": "联合教研",
    "research_project": "课题研究推进会", "joint_exam": "教学质量联测",
    "experience_exchange": "经验交流会", "management_report": "校长汇报",
    "student_exchange": "手拉手活动", "culture_sports": "文体联谊", "synchronous_class": "同步课堂",
}  # fmt: skip
ACTIVITY_COLUMNS = [
    "pairing_id", "kind_id", "title", "host_school_id", "region_id", "starts_at", "ends_at",
    "place", "online_link", "organiser_id", "student_count", "description", "status",
    "summary", "cancel_reason", "closed_at", "closed_by_id", "created_by_id", "created_at",
    "updated_at",
]  # fmt: skip
EVIDENCE_COLUMNS = [
    "activity_id", "school_id", "region_id", "file", "name", "content_type", "size",
    "uploaded_by_id", "uploaded_at", "thumbnail",
]  # fmt: skip


def existing_rows() -> int:
    # Shared resources are written last: a province without them gets this app's share.
    return Resource.objects.count()


def generate(ctx: ScaleContext) -> None:
    timer = Timer(ctx.log)
    members: dict[int, dict[str, list]] = {}
    for pairing_id, school_id, region_id, role in PairingMember.objects.filter(
        pairing__status__in=PAIRED
    ).values_list("pairing_id", "school_id", "region_id", "role"):
        members.setdefault(pairing_id, {"helping": [], "assisted": []})[role].append(
            (school_id, region_id)
        )
    if not members:
        return
    staff: dict[int, list[int]] = {}
    for teacher_id, school_id in Teacher.objects.order_by("id").values_list("id", "school_id"):
        staff.setdefault(school_id, []).append(teacher_id)
    install_default_kinds()
    kinds = {k.code: k.pk for k in ActivityKind.objects.all()}
    creator = User.objects.filter(username="scale-coordinator").first() or User.objects.first()
    total = ACTIVITIES_PER_PAIRING * ctx.size.pairings
    per_pairing = max(1, total // len(members))
    now = timezone.now()
    if not Activity.objects.exists():
        _activity_rows(ctx, timer, members, staff, kinds, per_pairing, creator, now)
    if not Secondment.objects.exists():
        secondments = bulk(Secondment, list(_secondments(ctx, members, staff, creator)))
        timer.step("secondments", len(secondments))
    if not PairingTarget.objects.exists():
        timer.step("programme targets", len(bulk(PairingTarget, list(_targets(kinds)))))
    timer.step("shared resources", len(bulk(Resource, list(_resources(ctx, members, creator)))))


def _targets(kinds: dict[str, int]):
    """Every programme's exchange targets as its own, one changed two months ago (lesson
    deliveries from two a term to three): the rules tab lists both versions."""
    from .targets import DEFAULTS

    today = calendar.today()
    changed = today - dt.timedelta(days=60)
    start = calendar.period_bounds("year", calendar.school_year_of(today) - 1, None)[0]
    for programme_id in Programme.objects.values_list("id", flat=True):
        for t in DEFAULTS:
            fields = {"programme_id": programme_id, "subject": t.subject,
                      "kind_id": kinds.get(t.kind), "period": t.period, "side": t.side}  # fmt: skip
            if t.kind == "lesson_delivery":
                yield PairingTarget(**fields, minimum=t.minimum, valid_from=start,
                                    valid_until=changed - dt.timedelta(days=1))  # fmt: skip
                yield PairingTarget(**fields, minimum=t.minimum + 1, valid_from=changed)
            else:
                yield PairingTarget(**fields, minimum=t.minimum, valid_from=start)


def _activity_rows(ctx, timer, members, staff, kinds, per_pairing, creator, now) -> None:
    written = copy_rows(
        Activity, ACTIVITY_COLUMNS, _activities(ctx, members, kinds, per_pairing, creator, now)
    )
    timer.step("activities", written)
    rows = list(
        Activity.objects.order_by("id").values_list(
            "id", "pairing_id", "status", "host_school_id", "region_id", "starts_at"
        )
    )
    timer.step("participations", copy_rows(
        Participation, ["activity_id", "teacher_id", "school_id"],
        _participations(rows, members, staff),
    ))  # fmt: skip
    timer.step("evidence files", copy_rows(
        Evidence, EVIDENCE_COLUMNS, _evidence(rows, creator, now)
    ))  # fmt: skip


def _activities(ctx, members, kinds, per_pairing, creator, now):
    rng = ctx.rng
    codes = list(kinds)
    for pairing_id, schools in sorted(members.items()):
        sides = schools["helping"] + schools["assisted"]
        for _n in range(per_pairing):
            code = rng.choice(codes)
            school_id, region_id = rng.choice(sides)
            start = now - dt.timedelta(days=rng.uniform(-60, 330))
            start = start.replace(minute=0, second=0, microsecond=0)
            end = start + dt.timedelta(hours=rng.choice((2, 3, 4, 8)))
            roll = rng.random()
            if end < now:
                status = (ActivityStatus.COMPLETED if roll < 0.85 else ActivityStatus.CANCELLED
                          if roll < 0.9 else ActivityStatus.POSTPONED if roll < 0.95
                          else ActivityStatus.PLANNED)  # fmt: skip
            else:
                status = ActivityStatus.POSTPONED if roll < 0.1 else ActivityStatus.PLANNED
            closed = status in (ActivityStatus.COMPLETED, ActivityStatus.CANCELLED)
            online = code == "synchronous_class"
            yield (
                pairing_id, kinds[code], TITLES.get(code, code), school_id, region_id, start, end,
                "" if online else "学校会议室", "https://class.example.cn/live" if online else "",
                creator.pk, rng.choice((0, 0, 40, 120)), "",
                status, "活动按计划举行，形成改进建议。" if status == ActivityStatus.COMPLETED
                else "", "天气原因取消。" if status == ActivityStatus.CANCELLED else "",
                end if closed else None, creator.pk if closed else None, creator.pk,
                start - dt.timedelta(days=14), now,
            )  # fmt: skip


def _participations(rows, members, staff):
    for activity_id, pairing_id, _status, _school, _region, _start in rows:
        schools = members.get(pairing_id)
        if not schools:
            continue
        chosen = []
        for side, take in (("helping", 2), ("assisted", 1)):
            for school_id, _region_id in schools[side][:1]:
                people = staff.get(school_id, [])
                if people:
                    offset = activity_id % len(people)
                    chosen += [(people[(offset + k) % len(people)], school_id)
                               for k in range(min(take, len(people)))]  # fmt: skip
        for teacher_id, school_id in dict(chosen).items():
            yield activity_id, teacher_id, school_id


def _evidence(rows, creator, now):
    for activity_id, _pairing, status, school_id, region_id, start in rows:
        if status == ActivityStatus.COMPLETED:
            yield (activity_id, school_id, region_id, "files/scale/evidence.jpg", "现场照片.jpg",
                   "image/jpeg", 245_000, creator.pk, start, "")  # fmt: skip


SECONDMENTS_PER_PAIRING = 4


def _secondments(ctx, members, staff, creator):
    """Four a pairing over the year: helping-school teachers at the assisted school (支教,
    挂职) and the other way round (跟岗), a month or two each, one person at a time."""
    rng = ctx.rng
    today = timezone.localdate()
    kinds = [SecondmentKind.TEACHING_PLACEMENT, SecondmentKind.SECONDMENT, SecondmentKind.SHADOWING]
    seconded: set[int] = set()  # one secondment a person: never two at once
    for pairing_id, schools in sorted(members.items()):
        if not schools["helping"] or not schools["assisted"]:
            continue
        helping, assisted = schools["helping"][0], schools["assisted"][0]
        for n in range(SECONDMENTS_PER_PAIRING):
            home, host = (helping, assisted) if n % 2 == 0 else (assisted, helping)
            person = next((t for t in staff.get(home[0], []) if t not in seconded), None)
            if person is None:
                continue
            seconded.add(person)
            start = today - dt.timedelta(days=300 - n * 75 + rng.randint(0, 10))
            yield Secondment(
                pairing_id=pairing_id, kind=kinds[n % 3], teacher_id=person,
                home_school_id=home[0], home_region_id=home[1], host_school_id=host[0],
                host_region_id=host[1], start=start, end=start + dt.timedelta(days=60),
                duties="支教任课，参与教研组活动。", created_by=creator,
            )  # fmt: skip


RESOURCES_PER_PAIRING = 10
CATEGORIES = ["lesson_plan", "lesson_plan", "courseware", "courseware", "recorded_lesson",
              "research_outcome"]  # fmt: skip


def _resources(ctx, members, creator):
    """Ten files a pairing's library, shared by either school (rows only)."""
    rng = ctx.rng
    now = timezone.now()
    for pairing_id, schools in sorted(members.items()):
        sides = schools["helping"] + schools["assisted"]
        for n in range(RESOURCES_PER_PAIRING):
            school_id, region_id = sides[n % len(sides)]
            category = rng.choice(CATEGORIES)
            subject = rng.choice(("语文", "数学", "英语", "科学"))
            yield Resource(
                pairing_id=pairing_id, school_id=school_id, region_id=region_id,
                title=f"{subject}{CATEGORY_TITLES[category]}{n + 1}", category=category,
                subject=subject,
                grade=str(rng.randint(1, 9)), file="files/scale/resource.pdf",
                name="resource.pdf", content_type="application/pdf", size=480_000,
                uploaded_by=creator, uploaded_at=now - dt.timedelta(days=rng.randint(0, 300)),
            )  # fmt: skip


CATEGORY_TITLES = {"lesson_plan": "教案", "courseware": "课件", "recorded_lesson": "课堂实录",
                   "research_outcome": "研究成果"}  # fmt: skip
