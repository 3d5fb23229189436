"""The schools app's share of ``seed_scale``: a province of regions, schools,
programmes, pairings in every status (members, transitions, leading groups,
contacts, needs assessments, development plans with progress), the users of every
role, and their notifications. See :mod:`twinning.scale` for the contract.

Default size (DESIGN.md §5): 1 province, 10 cities, 100 counties, 5,000 schools,
2,000 pairings, about 15,000 users.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from twinning.calendar import period_bounds
from twinning.models import Notification, Role, RoleAssignment, User
from twinning.scale import PROVINCE_CODE, ScaleContext, Timer, bulk

from .models import (
    ContactPerson,
    Goal,
    LeadingGroupMember,
    NeedsAssessment,
    NeedsDimension,
    Pairing,
    PairingMember,
    PairingStatus,
    PairingTransition,
    Programme,
    ProgressUpdate,
    Region,
    School,
)

# --- names ---------------------------------------------------------------------------
# Place names are made of two characters from these lists; every region of the
# province gets a distinct one.
FIRST = "青白临安永长平清龙凤金石桃柳松梅丰宁新乐云华江河东西南北"
SECOND = "山河江水川阳溪源泉林田城桥湖峰州宁安丰台"
ROADS = (
    "人民路 解放路 建设路 中山路 东风路 新华路 文化路 和平路 "
    "胜利路 滨江路 学府路 育才路 光明路 朝阳路 民主路 青年路"
).split()
VILLAGES = (
    "柳河 石桥 桃园 松林 梅岭 龙泉 白沙 金鸡 凤凰 清水 "
    "黄土 杨柳 高坪 双河 大坝 新场 马鞍 三合 红岩 长滩"
).split()
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅志文玉兰春燕晓东海波宏亮"

STAGE_MIX = (
    ["primary"] * 10
    + ["junior"] * 5
    + ["nine_year"] * 2
    + ["kindergarten"] * 2
    + [
        "senior",
        "vocational",
    ]
)
# How often each status occurs among the synthetic pairings.
STATUS_WEIGHTS = {
    PairingStatus.DRAFT: 8,
    PairingStatus.PROPOSED: 10,
    PairingStatus.APPROVED: 8,
    PairingStatus.REJECTED: 6,
    PairingStatus.ACTIVE: 50,
    PairingStatus.CONCLUDED: 10,
    PairingStatus.TERMINATED: 8,
}
# The lifecycle path that leads to each status (DESIGN.md §3).
PATHS = {
    PairingStatus.DRAFT: ["draft"],
    PairingStatus.PROPOSED: ["draft", "proposed"],
    PairingStatus.APPROVED: ["draft", "proposed", "approved"],
    PairingStatus.REJECTED: ["draft", "proposed", "rejected"],
    PairingStatus.ACTIVE: ["draft", "proposed", "approved", "active"],
    PairingStatus.CONCLUDED: ["draft", "proposed", "approved", "active", "concluded"],
    PairingStatus.TERMINATED: ["draft", "proposed", "approved", "active", "terminated"],
}
LIVE = {PairingStatus.PROPOSED, PairingStatus.APPROVED, PairingStatus.ACTIVE}
PAIRED = {
    PairingStatus.APPROVED,
    PairingStatus.ACTIVE,
    PairingStatus.CONCLUDED,
    PairingStatus.TERMINATED,
}
COMMENTS = {
    "rejected": "两校均位于城区，不符合城乡结对要求，请重新选择受援校。",
    "terminated": "受援校撤并，结对关系终止。",
    "concluded": "三年帮扶期满，终期评估合格。",
}
GOALS = [
    ("staffing", "培养县级骨干教师", 3, "名", [("term", 1, 1), ("term", 2, 2)]),
    ("curriculum", "开发校本课程", 3, "门", [("quarter", 2, 1), ("quarter", 3, 1)]),
    ("facilities", "信息化教学覆盖率", 100, "%", []),
    ("students", "城乡学生“手拉手”交流活动", 4, "次", [("term", 1, 2), ("term", 2, 2)]),
]


def existing_rows() -> int:
    return Region.objects.count() + School.objects.count() + Pairing.objects.count()


def is_seeded() -> bool:
    return Region.objects.filter(code=PROVINCE_CODE).exists()


def _place_names(count: int, rng) -> list[str]:
    names = [a + b for a in FIRST for b in SECOND if a != b]
    rng.shuffle(names)
    if count > len(names):
        raise ValueError(f"at most {len(names)} regions can be named")
    return names[:count]


def _person(rng) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def generate(ctx: ScaleContext) -> None:
    size, rng, timer = ctx.size, ctx.rng, Timer(ctx.log)
    names = iter(_place_names(1 + size.cities * (1 + size.counties), rng))

    # Regions go through save(): their materialised path needs the id (110 rows).
    province = Region(name=next(names) + "省", code=PROVINCE_CODE, level=Region.Level.PROVINCE)
    province.save()
    cities, counties = [], []
    for c in range(1, size.cities + 1):
        city = Region(
            name=next(names) + "市", code=f"58{c:02d}00", level=Region.Level.CITY, parent=province
        )
        city.save()
        cities.append(city)
        for k in range(1, size.counties + 1):
            suffix = "区" if k == 1 else "县"  # the city's urban district, then counties
            county = Region(
                name=next(names) + suffix, code=f"58{c:02d}{k:02d}", level="county", parent=city
            )
            county.save()
            counties.append(county)
    timer.step("regions", 1 + len(cities) + len(counties))

    schools = bulk(School, list(_schools(counties, size.schools, rng)))
    timer.step("schools", len(schools))

    users = _users(ctx, province, cities, counties, schools)
    timer.step("users with role assignments", len(users["all"]))

    programmes = []
    for city in cities:
        programmes.append(
            Programme(
                region=city, name=f"{city.name}城乡学校结对帮扶（2024—2027）", start_year=2024,
                pairing_kind="one_to_one", reach="cross_county",
                funding_per_pair=Decimal("300000.00"), tranche_count=3,
            )
        )  # fmt: skip
        programmes.append(
            Programme(
                region=city, name=f"{city.name}县域内“一校带多校”帮扶", start_year=2025,
                pairing_kind="one_to_many", reach="within_county", max_assisted_schools=3,
                funding_per_pair=Decimal("150000.00"), tranche_count=3,
            )
        )  # fmt: skip
    bulk(Programme, programmes)
    timer.step("programmes", len(programmes))

    plan = _plan_pairings(ctx, cities, programmes, schools)
    _write_pairings(ctx, plan, users)
    timer.step("pairings with members, history, plans and notifications", len(plan))
    _personas(ctx, province, cities, plan, users)
    ctx.made.update(
        province=province, cities=cities, counties=counties, schools=schools, users=users
    )


def _schools(counties, per_county: int, rng):
    for county in counties:
        city_name = county.parent.name if county.parent_id else ""
        for n in range(1, per_county + 1):
            urban = n <= max(1, per_county * 2 // 5) or county.name.endswith("区")
            stage = rng.choice(STAGE_MIX)
            label = {
                "primary": "小学",
                "junior": "初级中学",
                "nine_year": "九年一贯制学校",
                "kindergarten": "幼儿园",
                "senior": "高级中学",
                "vocational": "职业中学",
            }[stage]
            if urban:
                name = f"{city_name}{county.name}{rng.choice(ROADS)}{label}"
            else:
                village = rng.choice(VILLAGES)
                name = f"{county.name}{village}镇" + ("中心小学" if stage == "primary" else label)
            enrolment = rng.randint(900, 3200) if urban else rng.randint(80, 900)
            yield School(
                name=f"{name}（{n}）" if n > 1 and rng.random() < 0.3 else name,
                code=f"1{county.code}{n:03d}",
                region=county,
                stage=stage,
                location="urban" if urban else "rural",
                enrolment=enrolment,
                staff_count=max(8, enrolment // 16),
                address=f"{county.name}{rng.choice(ROADS)}{rng.randint(1, 300)}号",
                contact_name=_person(rng),
                contact_phone=f"0{rng.randint(810, 899)}-{rng.randint(2000000, 8999999)}",
            )


def _users(ctx: ScaleContext, province, cities, counties, schools) -> dict:
    """A bureau user per region (the province's also an aid officer), an inspector per
    city, a coordinator and two teachers per school; usernames are stable
    (``scale-city-3``, ``coord-1580101001`` …)."""
    rng = ctx.rng
    specs: list[tuple[str, str, dict]] = [("scale-province", Role.BUREAU, {"region": province})]
    specs.append(("scale-inspector", Role.INSPECTOR, {"region": province}))
    for c, city in enumerate(cities, 1):
        specs.append((f"scale-city-{c}", Role.BUREAU, {"region": city}))
        specs.append((f"scale-city-{c}-b", Role.BUREAU, {"region": city}))
        specs.append((f"scale-inspector-{c}", Role.INSPECTOR, {"region": city}))
    for county in counties:
        specs.append((f"scale-county-{county.code}", Role.BUREAU, {"region": county}))
    for school in schools:
        specs.append((f"coord-{school.code}", Role.COORDINATOR, {"school": school}))
        for t in (1, 2):
            specs.append((f"teacher-{school.code}-{t}", Role.TEACHER, {"school": school}))
    created = bulk(
        User,
        [
            User(username=name, full_name=_person(rng), password=ctx.password_hash,
                 date_joined=ctx.days_ago(900))
            for name, _role, _scope in specs
        ],
    )  # fmt: skip
    bulk(
        RoleAssignment,
        [
            RoleAssignment(user=user, role=role, **scope)
            for user, (_name, role, scope) in zip(created, specs, strict=True)
        ],
    )
    by_name = {user.username: user for user in created}
    # The province's bureau persona also holds the aid right (student aid pages).
    RoleAssignment.objects.create(user=by_name["scale-province"], role=Role.AID, region=province)
    return {
        "all": created,
        "by_name": by_name,
        "city_bureau": {city.pk: by_name[f"scale-city-{c}"] for c, city in enumerate(cities, 1)},
        "city_bureau_b": {
            city.pk: by_name[f"scale-city-{c}-b"] for c, city in enumerate(cities, 1)
        },
        "coordinator": {school.pk: by_name[f"coord-{school.code}"] for school in schools},
        "teachers": {
            school.pk: [by_name[f"teacher-{school.code}-{t}"] for t in (1, 2)] for school in schools
        },
    }


def _plan_pairings(ctx: ScaleContext, cities, programmes, schools) -> list[dict]:
    """Which schools pair in which programme and status. Within one programme a school
    is used at most once, which keeps the one-live-pairing rule whatever the status."""
    rng, size = ctx.rng, ctx.size
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    by_city: dict[int, dict[int, dict[str, list]]] = {}
    for school in schools:
        county = by_city.setdefault(school.region.parent_id, {}).setdefault(
            school.region_id, {"urban": [], "rural": []}
        )
        county[school.location].append(school)
    per_city = [size.pairings // len(cities)] * len(cities)
    for i in range(size.pairings % len(cities)):
        per_city[i] += 1
    plan = []
    for city, wanted, (cross, within) in zip(
        cities, per_city, zip(programmes[::2], programmes[1::2], strict=True), strict=True
    ):
        county_pools = by_city.get(city.pk, {})
        one_to_many = wanted // 5
        plan += _cross_county(rng, cross, county_pools, wanted - one_to_many)
        plan += _within_county(rng, within, county_pools, one_to_many)
    if len(plan) < size.pairings:
        ctx.log(f"  (only {len(plan):,} pairings fit in {len(schools):,} schools)")
    # Every status at least once, the rest by weight, in random order.
    chosen = statuses[: len(plan)] + rng.choices(statuses, weights, k=max(0, len(plan) - 7))
    rng.shuffle(chosen)
    for entry, status in zip(plan, chosen, strict=True):
        entry["status"] = status
    return plan


def _cross_county(rng, programme, county_pools, count) -> list[dict]:
    urban = [s for pool in county_pools.values() for s in pool["urban"]]
    rural = [s for pool in county_pools.values() for s in pool["rural"]]
    rng.shuffle(urban)
    rng.shuffle(rural)
    plan = []
    for helping in urban:
        if len(plan) == count:
            break
        # The assisted school is rural and in another county.
        assisted = next((s for s in rural if s.region_id != helping.region_id), None)
        if assisted is None:
            break
        rural.remove(assisted)
        plan.append({"programme": programme, "helping": helping, "assisted": [assisted]})
    return plan


def _within_county(rng, programme, county_pools, count) -> list[dict]:
    plan = []
    pools = [
        (list(pool["urban"]), list(pool["rural"]))
        for pool in county_pools.values()
        if pool["urban"] and pool["rural"]
    ]
    for urban, rural in pools:
        rng.shuffle(urban)
        rng.shuffle(rural)
    while len(plan) < count and pools:
        urban, rural = pools[len(plan) % len(pools)]
        if not urban or not rural:
            pools.remove((urban, rural))
            continue
        helping = urban.pop()
        assisted = [rural.pop() for _ in range(min(len(rural), rng.randint(1, 3)))]
        plan.append({"programme": programme, "helping": helping, "assisted": assisted})
    return plan


def _write_pairings(ctx: ScaleContext, plan: list[dict], users: dict) -> None:
    rng = ctx.rng
    today = ctx.now.date()
    pairings = []
    for entry in plan:
        status = entry["status"]
        programme = entry["programme"]
        creator = users["coordinator"][entry["helping"].pk]
        path = PATHS[status]
        # Days before now at which each step of the path happened (newest last).
        if status == PairingStatus.PROPOSED:
            proposed = rng.uniform(0.5, 20)
            times = [proposed + rng.uniform(1, 10), proposed]
        elif status == PairingStatus.DRAFT:
            times = [rng.uniform(1, 60)]
        else:
            start = rng.uniform(120, 700)
            times = [start]
            for _step in path[1:]:
                times.append(max(0.5, times[-1] - rng.uniform(2, 60)))
        entry["times"] = dict(zip(path, times, strict=True))
        signed = None
        if "active" in path:
            signed = ctx.days_ago(entry["times"]["active"]).date()
        pairing = Pairing(
            programme=programme, region_id=programme.region_id, helping_school=entry["helping"],
            created_by=creator, status=status, agreement_signed_on=signed,
            agreement_start=signed,
            agreement_end=signed + dt.timedelta(days=3 * 365) if signed else None,
            goals_summary="以师资培养和课程建设为重点，三年内缩小两校办学差距。",
            proposed_by=creator if "proposed" in path else None,
            proposed_at=ctx.days_ago(entry["times"]["proposed"]) if "proposed" in path else None,
        )  # fmt: skip
        pairings.append(pairing)
    bulk(Pairing, pairings)
    # created_at is auto_now_add; the history goes back months, so set it afterwards.
    for pairing, entry in zip(pairings, plan, strict=True):
        pairing.created_at = ctx.days_ago(entry["times"]["draft"])
        entry["pairing"] = pairing
    Pairing.objects.bulk_update(pairings, ["created_at"], batch_size=500)

    members, transitions, group, contacts = [], [], [], []
    for entry in plan:
        pairing, status = entry["pairing"], entry["status"]
        live = status in LIVE
        schools = [(entry["helping"], PairingMember.Role.HELPING)] + [
            (s, PairingMember.Role.ASSISTED) for s in entry["assisted"]
        ]
        for school, role in schools:
            members.append(
                PairingMember(pairing=pairing, school=school, role=role,
                              programme=entry["programme"], region_id=school.region_id,
                              is_live=live)
            )  # fmt: skip
            if status in PAIRED:
                positions = ["leader", "deputy", "member"] if role == "helping" else ["leader"]
                group += [
                    LeadingGroupMember(pairing=pairing, school=school, name=_person(rng),
                                       title="校长" if p == "leader" else "副校长", position=p)
                    for p in positions
                ]  # fmt: skip
                contacts.append(
                    ContactPerson(pairing=pairing, school=school, name=school.contact_name,
                                  phone=school.contact_phone)
                )  # fmt: skip
        bureau = users["city_bureau"][entry["programme"].region_id]
        creator = pairing.created_by
        previous = ""
        for step in PATHS[status]:
            actor = (
                bureau if step in ("approved", "rejected", "concluded", "terminated") else creator
            )
            transitions.append(
                PairingTransition(pairing=pairing, from_status=previous, to_status=step,
                                  actor=actor, comment=COMMENTS.get(step, ""))
            )  # fmt: skip
            entry.setdefault("transition_at", []).append(ctx.days_ago(entry["times"][step]))
            previous = step
    bulk(PairingMember, members)
    bulk(PairingTransition, transitions)
    stamps = [at for entry in plan for at in entry["transition_at"]]
    for transition, at in zip(transitions, stamps, strict=True):
        transition.at = at
    PairingTransition.objects.bulk_update(transitions, ["at"], batch_size=500)
    bulk(LeadingGroupMember, group)
    bulk(ContactPerson, contacts)

    _needs_and_plans(ctx, plan, today)
    _notifications(ctx, plan, users)


def _needs_and_plans(ctx: ScaleContext, plan: list[dict], today: dt.date) -> None:
    rng = ctx.rng
    needs, yearly, tasks = [], [], []
    for entry in plan:
        if entry["status"] not in PAIRED:
            continue
        pairing = entry["pairing"]
        assessor = pairing.created_by
        for school in entry["assisted"]:
            for dimension in NeedsDimension.values:
                needs.append(
                    NeedsAssessment(pairing=pairing, school=school, dimension=dimension,
                                    rating=rng.randint(1, 4), assessed_by=assessor,
                                    findings="现状诊断见调研报告。", needs="制定分年度改进措施。")
                )  # fmt: skip
        if entry["status"] not in (PairingStatus.ACTIVE, PairingStatus.CONCLUDED):
            continue
        school = entry["assisted"][0]
        school_year = pairing.agreement_signed_on.year - (
            1 if pairing.agreement_signed_on.month < 9 else 0
        )
        for dimension, title, target, unit, parts in GOALS:
            goal = Goal(pairing=pairing, school=school, dimension=dimension, title=title,
                        target_value=Decimal(target), unit=unit, period_kind="year",
                        school_year=school_year, due_on=dt.date(school_year + 1, 8, 31),
                        created_by=assessor)  # fmt: skip
            yearly.append(goal)
            for kind, number, part_target in parts:
                tasks.append((goal, kind, number, part_target))
    bulk(NeedsAssessment, needs)
    bulk(Goal, yearly)
    children = []
    for parent, kind, number, part_target in tasks:
        due = _period_end(kind, parent.school_year, number)
        children.append(
            Goal(pairing=parent.pairing, school=parent.school, parent=parent,
                 dimension=parent.dimension, title=f"{parent.title}（阶段任务）",
                 target_value=Decimal(part_target), unit=parent.unit, period_kind=kind,
                 school_year=parent.school_year, period_number=number, due_on=due,
                 created_by=parent.created_by)
        )  # fmt: skip
    bulk(Goal, children)
    updates = []
    for goal in yearly + children:
        if goal.due_on > today and rng.random() < 0.5:
            continue
        achieved = (goal.target_value * Decimal(rng.randint(30, 100)) / 100).quantize(
            Decimal("0.01")
        )
        goal.current_value = achieved
        updates.append(
            ProgressUpdate(goal=goal, value=achieved, note="按计划推进。",
                           reported_by=goal.created_by)
        )  # fmt: skip
    Goal.objects.bulk_update([u.goal for u in updates], ["current_value"], batch_size=1000)
    bulk(ProgressUpdate, updates)


def _period_end(kind: str, school_year: int, number: int) -> dt.date:
    return period_bounds(kind, school_year, number)[1]


KIND = "pairing-proposed"


def _notifications(ctx: ScaleContext, plan: list[dict], users: dict) -> None:
    """What the services would have sent: each proposal to its city's bureau, each
    decision to the proposing coordinator, and the teachers' pairing news (all under the
    kind of the proposal: the volume is what the benchmark reads)."""
    rng = ctx.rng
    rows = []
    for entry in plan:
        pairing = entry["pairing"]
        url = f"/pairings/{pairing.pk}/"
        title = f"{entry['helping'].name} → {entry['assisted'][0].name}"
        if "proposed" in PATHS[entry["status"]]:
            for recipient in (
                users["city_bureau"][pairing.region_id],
                users["city_bureau_b"][pairing.region_id],
            ):
                rows.append(
                    Notification(recipient=recipient, kind=KIND,
                                 key=f"pairing-proposed:{pairing.pk}",
                                 title=f"结对待审批：{title}", url=url,
                                 body="有新的结对申请等待您审批。",
                                 read_at=None if entry["status"] == "proposed" else ctx.now)
                )  # fmt: skip
        if entry["status"] in PAIRED or entry["status"] == PairingStatus.REJECTED:
            rows.append(
                Notification(recipient=pairing.created_by, kind=KIND,
                             key=f"pairing-decided:{pairing.pk}",
                             title=f"结对已审批：{title}", url=url, body="教育局已处理结对申请。",
                             read_at=ctx.now if rng.random() < 0.7 else None)
            )  # fmt: skip
        if entry["status"] in PAIRED:
            for school in [entry["helping"], *entry["assisted"]]:
                for teacher in users["teachers"][school.pk]:
                    rows.append(
                        Notification(recipient=teacher, kind=KIND, key=f"pairing-news:{pairing.pk}",
                                     title=f"学校结对：{title}", url=url,
                                     read_at=ctx.now if rng.random() < 0.5 else None)
                    )  # fmt: skip
    bulk(Notification, rows, batch_size=5000)


def _personas(ctx: ScaleContext, province, cities, plan, users) -> None:
    """Stable logins for the benchmark: the coordinator and a teacher of the helping and
    assisted schools of the first active pairing of the first city."""
    first = next(
        e
        for e in plan
        if e["status"] == PairingStatus.ACTIVE and e["programme"].region_id == cities[0].pk
    )
    extra = [
        ("scale-coordinator", Role.COORDINATOR, {"school": first["helping"]}),
        ("scale-teacher", Role.TEACHER, {"school": first["assisted"][0]}),
    ]
    made = bulk(
        User,
        [User(username=name, full_name=_person(ctx.rng), password=ctx.password_hash)
         for name, _role, _scope in extra],
    )  # fmt: skip
    bulk(
        RoleAssignment,
        [
            RoleAssignment(user=user, role=role, **scope)
            for user, (_name, role, scope) in zip(made, extra, strict=True)
        ],
    )
    users["personas"] = {
        "bureau (province)": "scale-province",
        "bureau (city)": "scale-city-1",
        "inspector (city)": "scale-inspector-1",
        "coordinator": "scale-coordinator",
        "teacher": "scale-teacher",
    }
    ctx.made["pairing_id"] = first["pairing"].pk
