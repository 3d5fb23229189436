# ruff: noqa: E501 — the demo data reads best as one record a line.
"""Load the demo world: 蜀川省 › 江城市 and three counties, 40 schools, two programmes,
pairings in every state, and one login per role.

Idempotent: every object is keyed on a stable natural key (region code, school
code, programme name in its region, helping and assisted school codes, username)
and skipped when it exists, so a second run changes nothing. Everything is
written through the services, as a person would; only timestamps that services
stamp with ``now()`` are moved into the past afterwards, so that the dashboard
shows realistic waiting times.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from schools import services
from schools.models import (
    Goal,
    NeedsAssessment,
    Pairing,
    PairingMember,
    PairingStatus,
    PairingTransition,
    Programme,
    ProgressUpdate,
    Region,
    School,
)
from twinning.apps import app_modules
from twinning.calendar import period_bounds
from twinning.models import REGION_ROLES, Role
from twinning.services import role_assign

DEFAULT_PASSWORD = "demo12345"

# --- regions -------------------------------------------------------------------
# Division codes of a fictional province (59 is no real province), so the demo can
# live beside real data and beside the benchmark's 90xxxx regions.

PROVINCE = ("590000", "蜀川省", Region.Level.PROVINCE, None)
CITY = ("590100", "江城市", Region.Level.CITY, "590000")
COUNTIES = [
    ("590102", "青山区", Region.Level.COUNTY, "590100"),
    ("590121", "临江县", Region.Level.COUNTY, "590100"),
    ("590122", "白河县", Region.Level.COUNTY, "590100"),
]
REGIONS = [PROVINCE, CITY, *COUNTIES]

# --- schools -------------------------------------------------------------------

P, J, N, S, K, V = "primary", "junior", "nine_year", "senior", "kindergarten", "vocational"
U, R = "urban", "rural"

# (county code, name, stage, location, enrolment, staff, address, contact, phone)
SCHOOL_ROWS = [
    # 青山区: the city's urban district, where most helping schools are.
    ("590102", "江城市青山区实验小学", P, U, 2460, 138, "江城市青山区人民中路 88 号", "陈晓燕", "0838-2201188"),
    ("590102", "江城市青山区东风路小学", P, U, 1980, 112, "江城市青山区东风路 126 号", "黄志明", "0838-2203126"),
    ("590102", "江城市青山区育才小学", P, U, 1720, 98, "江城市青山区育才巷 15 号", "周红梅", "0838-2205015"),
    ("590102", "江城市青山区人民路小学", P, U, 1650, 92, "江城市青山区人民北路 42 号", "吴建军", "0838-2206042"),
    ("590102", "江城市青山区北街小学", P, U, 1320, 76, "江城市青山区北街 7 号", "郑丽华", "0838-2207007"),
    ("590102", "江城市第二初级中学", J, U, 2150, 168, "江城市青山区滨江路 301 号", "何文斌", "0838-2208301"),
    ("590102", "江城市第七中学", J, U, 1880, 150, "江城市青山区学府路 66 号", "罗德明", "0838-2209066"),
    ("590102", "江城市青山区青云九年一贯制学校", N, U, 2600, 185, "江城市青山区青云大道 9 号", "谢春燕", "0838-2210009"),
    ("590102", "江城市青山区外国语学校", N, U, 2280, 170, "江城市青山区文星路 18 号", "唐雪梅", "0838-2211018"),
    ("590102", "江城市实验幼儿园", K, U, 620, 68, "江城市青山区公园路 5 号", "林佳", "0838-2212005"),
    ("590102", "江城市青山区机关幼儿园", K, U, 480, 52, "江城市青山区政府街 3 号", "许静", "0838-2213003"),
    ("590102", "江城市第一中学", S, U, 3600, 280, "江城市青山区江城大道 1 号", "邓国华", "0838-2214001"),
    ("590102", "江城市职业中学", V, U, 2100, 176, "江城市青山区工业园路 210 号", "冯建国", "0838-2215210"),
    ("590102", "江城市青山区石桥镇中心小学", P, R, 860, 52, "江城市青山区石桥镇正街 20 号", "曾庆伟", "0838-2216020"),
    # 临江县
    ("590121", "临江县实验小学", P, U, 2050, 118, "临江县城关镇滨河路 28 号", "杨建平", "0838-5201028"),
    ("590121", "临江县城关第一小学", P, U, 1560, 86, "临江县城关镇解放街 12 号", "蒋美玲", "0838-5202012"),
    ("590121", "临江县第二初级中学", J, U, 1480, 112, "临江县城关镇文庙街 36 号", "蔡志强", "0838-5203036"),
    ("590121", "临江县中学", S, U, 2800, 210, "临江县城关镇学府路 1 号", "彭光明", "0838-5204001"),
    ("590121", "临江县职业中学", V, U, 1250, 96, "临江县城关镇工业大道 88 号", "袁海军", "0838-5205088"),
    ("590121", "临江县幼儿园", K, U, 420, 40, "临江县城关镇东风街 6 号", "邱雨", "0838-5206006"),
    ("590121", "临江县柳河镇中心小学", P, R, 680, 41, "临江县柳河镇柳河街 45 号", "刘永福", "0838-5221045"),
    ("590121", "临江县柳河镇桃园村小学", P, R, 86, 7, "临江县柳河镇桃园村三组", "胡德贵", "0838-5221306"),
    ("590121", "临江县大坪乡九年一贯制学校", N, R, 760, 58, "临江县大坪乡大坪村一组", "潘文华", "0838-5232101"),
    ("590121", "临江县沙坝镇初级中学", J, R, 540, 46, "临江县沙坝镇沙坝街 18 号", "董小军", "0838-5243018"),
    ("590121", "临江县沙坝镇中心幼儿园", K, R, 210, 16, "临江县沙坝镇新街 2 号", "梁晓红", "0838-5243202"),
    ("590121", "临江县石门乡中心小学", P, R, 430, 29, "临江县石门乡石门街 9 号", "余成林", "0838-5254009"),
    ("590121", "临江县石门乡龙潭村小学", P, R, 64, 6, "临江县石门乡龙潭村五组", "高远山", "0838-5254505"),
    # 白河县
    ("590122", "白河县实验小学", P, U, 1860, 104, "白河县河阳镇新华路 17 号", "马丽娟", "0838-6201017"),
    ("590122", "白河县城南小学", P, U, 1240, 70, "白河县河阳镇南环路 55 号", "田志勇", "0838-6202055"),
    ("590122", "白河县第一初级中学", J, U, 1680, 126, "白河县河阳镇人民路 99 号", "韩建设", "0838-6203099"),
    ("590122", "白河县中学", S, U, 2450, 188, "白河县河阳镇学院路 2 号", "程立新", "0838-6204002"),
    ("590122", "白河县职业技术学校", V, U, 980, 82, "白河县河阳镇工业园区 6 号", "宋国平", "0838-6205006"),
    ("590122", "白河县幼儿园", K, U, 390, 38, "白河县河阳镇公园街 11 号", "方晓敏", "0838-6206011"),
    ("590122", "白河县双河镇中心小学", P, R, 590, 38, "白河县双河镇双河街 21 号", "魏长江", "0838-6221021"),
    ("590122", "白河县双河镇青龙村小学", P, R, 72, 6, "白河县双河镇青龙村二组", "任金华", "0838-6221202"),
    ("590122", "白河县马鞍乡九年一贯制学校", N, R, 640, 52, "白河县马鞍乡马鞍村四组", "姚红军", "0838-6232404"),
    ("590122", "白河县高峰镇初级中学", J, R, 620, 50, "白河县高峰镇高峰街 33 号", "钟世明", "0838-6243033"),
    ("590122", "白河县高峰镇中心小学", P, R, 520, 34, "白河县高峰镇高峰街 8 号", "汪晓梅", "0838-6243008"),
    ("590122", "白河县高峰镇黄泥村小学", P, R, 58, 5, "白河县高峰镇黄泥村一组", "覃德华", "0838-6243101"),
    ("590122", "白河县红岩乡中心幼儿园", K, R, 160, 12, "白河县红岩乡红岩街 4 号", "苏小芳", "0838-6254004"),
]  # fmt: skip


def _school_codes() -> dict[str, str]:
    """School name → 学校标识码: "2", the county's division code, a 3-digit number."""
    codes, counters = {}, {}
    for county, name, *_rest in SCHOOL_ROWS:
        counters[county] = counters.get(county, 0) + 1
        codes[name] = f"2{county}{counters[county]:03d}"
    return codes


SCHOOL_CODES = _school_codes()

# --- programmes ----------------------------------------------------------------

CITY_PROGRAMME = "江城市城乡学校结对帮扶（2025—2027）"
COUNTY_PROGRAMME = "临江县城乡学校“1+N”捆绑帮扶（2025—2027）"

PROGRAMMES = [
    {
        "key": "city",
        "region": "590100",
        "by": "bureau",
        "name": CITY_PROGRAMME,
        "start_year": 2025,
        "years": 3,
        "pairing_kind": Programme.PairingKind.ONE_TO_ONE,
        "reach": Programme.Reach.CROSS_COUNTY,
        "max_assisted_schools": 1,
        "funding_per_pair": Decimal("300000.00"),
        "tranche_count": 3,
        "pass_mark": Decimal("75.00"),
        "created": dt.datetime(2025, 5, 20, 10, 0),
        "description": (
            "根据《江城市义务教育学校结对帮扶实施办法》，由青山区优质学校与临江县、白河县"
            "农村薄弱学校一对一结对，帮扶期三年。每对学校帮扶资金 30 万元，分三期拨付，"
            "每期 10 万元：首期在帮扶协议签订后 30 日内拨付，此后每期在年度考核达到 75 分"
            "及以上后拨付，专款专用。帮扶内容包括管理互通、教师互派挂职、送教下乡、"
            "同课异构、联合教研和学生“手拉手”交流。"
        ),
    },
    {
        "key": "county",
        "region": "590121",
        "by": "county",
        "name": COUNTY_PROGRAMME,
        "start_year": 2025,
        "years": 3,
        "pairing_kind": Programme.PairingKind.ONE_TO_MANY,
        "reach": Programme.Reach.WITHIN_COUNTY,
        "max_assisted_schools": 3,
        "funding_per_pair": Decimal("150000.00"),
        "tranche_count": 3,
        "pass_mark": Decimal("80.00"),
        "created": dt.datetime(2025, 6, 3, 15, 30),
        "description": (
            "县城优质学校与一至三所乡镇中心校、村小捆绑结对，实行“管理、教学、教研、考核"
            "四统一”。每个帮扶共同体经费 15 万元，分三年拨付；年度考核 80 分及以上拨付"
            "下一期经费。"
        ),
    },
]

# --- users ---------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str  # a Role value, or "admin"
    scope: str  # a region code or a school name; empty for the administrator
    label: str  # the role as shown in the logins table


USERS = [
    DemoUser("admin", "系统管理员", "admin", "", "administrator 系统管理员"),
    DemoUser("bureau", "王建华", Role.BUREAU, "590100", "bureau staff 教育局"),
    DemoUser("bureau2", "李敏", Role.BUREAU, "590100", "bureau staff 教育局"),
    DemoUser("county", "赵志刚", Role.BUREAU, "590121", "bureau staff 教育局"),
    DemoUser("coordinator", "陈晓燕", Role.COORDINATOR, "江城市青山区实验小学", "coordinator 学校联络员"),
    DemoUser("coordinator2", "刘永福", Role.COORDINATOR, "临江县柳河镇中心小学", "coordinator 学校联络员"),
    DemoUser("teacher", "杨丽", Role.TEACHER, "临江县柳河镇中心小学", "teacher 教师 (徒弟)"),
    DemoUser("mentor", "周华", Role.TEACHER, "江城市青山区实验小学", "teacher 教师 (师傅)"),
    DemoUser("inspector", "孙国强", Role.INSPECTOR, "590100", "inspector 督导 (read-only)"),
    # Bureau staff holding the aid right (资助): students' details and their aid.
    DemoUser("aid", "吴芳", Role.AID, "590100", "aid officer 资助专员 (bureau staff)"),
]  # fmt: skip

# --- the development plan --------------------------------------------------------


@dataclass(frozen=True)
class Task:
    kind: str  # term, quarter or month
    number: int
    title: str
    target: int
    unit: str


@dataclass(frozen=True)
class PlanGoal:
    dimension: str
    title: str
    target: int
    unit: str
    tasks: tuple[Task, ...] = ()
    helping: bool = False  # the helping school's own goal (e.g. teachers it sends)
    achieved: float = 1.0  # share of the target reached by the due date


# Index = year of the programme (0 = its first school year).
FULL_PLAN: list[list[PlanGoal]] = [
    [
        PlanGoal("planning", "修订学校三年发展规划（2025—2028）", 1, "份", (
            Task("month", 10, "完成学校现状诊断与需求调研报告", 1, "份"),
            Task("month", 12, "发展规划经教职工大会审议通过", 1, "份"),
        )),
        PlanGoal("staffing", "青年教师师徒结对", 8, "对", (
            Task("term", 1, "签订师徒结对协议并制定带教计划", 8, "对"),
            Task("term", 2, "徒弟上汇报课", 8, "节"),
        )),
        PlanGoal("staffing", "培养县级骨干教师", 3, "名", achieved=2 / 3),
        PlanGoal("staffing", "选派骨干教师到受援校挂职支教", 2, "名", helping=True),
        PlanGoal("curriculum", "开发校本课程", 3, "门", (
            Task("quarter", 2, "编写《乡土柳河》校本教材", 1, "门"),
            Task("quarter", 3, "编写《农耕劳动实践》校本教材", 1, "门"),
            Task("quarter", 4, "《竹编艺术》课程进课堂", 1, "门"),
        )),
        PlanGoal("facilities", "信息化教学覆盖率", 100, "%", (
            Task("month", 11, "教师信息技术应用能力培训", 41, "人次"),
            Task("month", 3, "建成同步课堂录播教室", 1, "间"),
        ), achieved=0.8),
        PlanGoal("students", "城乡学生“手拉手”交流活动", 4, "次", (
            Task("term", 1, "城区学生到柳河开展劳动实践", 2, "次"),
            Task("term", 2, "柳河学生进城研学", 2, "次"),
        )),
    ],
    [
        PlanGoal("staffing", "培养市级骨干教师", 2, "名", (
            Task("term", 1, "推荐参加市级骨干教师评选", 3, "名"),
            Task("term", 2, "获市级骨干教师认定", 2, "名"),
        )),
        PlanGoal("curriculum", "校本课程纳入课表并常态开课", 3, "门", (
            Task("quarter", 1, "《乡土柳河》每周 1 课时开课", 1, "门"),
            Task("quarter", 2, "《农耕劳动实践》《竹编艺术》开课", 2, "门"),
        )),
        PlanGoal("curriculum", "帮扶校送教下乡示范课", 12, "节", (
            Task("quarter", 1, "秋季送教下乡（语文、数学、英语）", 3, "节"),
            Task("quarter", 2, "冬季送教下乡（科学、音乐、美术）", 3, "节"),
            Task("quarter", 3, "春季送教下乡（同课异构）", 3, "节"),
            Task("quarter", 4, "夏季送教下乡（毕业班复习课）", 3, "节"),
        ), helping=True),
        PlanGoal("facilities", "信息化教学覆盖率", 100, "%", (
            Task("month", 10, "同步课堂开课", 16, "节"),
            Task("month", 11, "同步课堂开课", 16, "节"),
            Task("month", 12, "同步课堂开课", 16, "节"),
        )),
        PlanGoal("students", "学生课外阅读达标率", 90, "%"),
        PlanGoal("logistics", "完善食堂、宿舍、校车管理制度与台账", 3, "项", (
            Task("term", 1, "参照帮扶校修订管理制度", 3, "项"),
        )),
    ],
    [
        PlanGoal("staffing", "累计培养市级骨干教师", 4, "名"),
        PlanGoal("curriculum", "校本课程获评县级精品课程", 1, "门"),
        PlanGoal("students", "教学质量联测合格率", 95, "%", (
            Task("term", 1, "期末教学质量联测", 95, "%"),
            Task("term", 2, "学年教学质量联测", 95, "%"),
        )),
        PlanGoal("planning", "通过市级结对帮扶终期评估", 1, "项"),
    ],
]  # fmt: skip

LIGHT_PLAN: list[list[PlanGoal]] = [
    [
        PlanGoal("staffing", "选派骨干教师到受援校支教", 2, "名", helping=True),
        PlanGoal("curriculum", "开展联合教研（同课异构）", 6, "次", (
            Task("term", 1, "秋季学期联合教研", 3, "次"),
            Task("term", 2, "春季学期联合教研", 3, "次"),
        )),
        PlanGoal("facilities", "信息化教学覆盖率", 100, "%", achieved=0.85),
    ],
    [
        PlanGoal("staffing", "培养县级骨干教师", 2, "名", (
            Task("term", 2, "县级骨干教师认定", 2, "名"),
        )),
        PlanGoal("curriculum", "送教下乡示范课", 8, "节", tuple(
            Task("quarter", q, f"第 {q} 季度送教下乡", 2, "节") for q in (1, 2, 3, 4)
        ), helping=True),
        PlanGoal("students", "城乡学生“手拉手”交流活动", 2, "次"),
    ],
]  # fmt: skip

# --- needs assessments -------------------------------------------------------------

FULL_NEEDS = {
    "planning": (2, "学校三年发展规划停留在文本层面，缺少年度分解和可检查的指标；校务会议记录不完整。",
                 "在帮扶校指导下修订三年发展规划，建立学期工作台账和月调度制度。"),
    "staffing": (1, "专任教师 41 人，45 岁以上占 56%，近三年无市级骨干教师；英语、音乐、美术、科学缺专业教师，"
                    "存在一人兼教三科现象。",
                 "师徒结对培养青年教师，三年内培养市级骨干教师 2 名；通过送教下乡和跟岗学习补齐音体美、科学短板。"),
    "curriculum": (2, "国家课程开齐开足有困难，校本课程仅书法 1 门且无固定课时；集体备课流于形式。",
                   "开发校本课程 3 门（乡土文化、农耕劳动、竹编艺术），建立每周一次的学科组集体备课制度。"),
    "students": (3, "学生朴实守纪，但课外阅读量偏少；留守儿童占 47%，心理健康教育缺少专职教师。",
                 "开展城乡学生“手拉手”共读与交流，建立留守儿童成长档案，每学期心理健康讲座不少于 2 次。"),
    "facilities": (2, "有多媒体教室 6 间但设备老化；无录播教室和标准科学实验室，校园网带宽仅 100M。",
                   "建设同步课堂录播教室 1 间，信息化教学覆盖率达到 100%。"),
    "logistics": (3, "食堂和宿舍管理制度基本健全，但营养改善计划台账不规范，校车安全检查缺少记录。",
                  "参照帮扶校完善食堂、宿舍、校车管理制度和台账，每月开展一次安全检查。"),
}  # fmt: skip

LIGHT_NEEDS = {
    "planning": (3, "有三年规划，年度目标与措施对应不够。", "规划年度分解，建立月调度台账。"),
    "staffing": (2, "青年教师占比高，缺少学科带头人。", "师徒结对，每学期跟岗学习不少于 2 人次。"),
    "curriculum": (2, "校本教研活动少，课堂教学方式单一。", "每月一次联合教研，开展同课异构。"),
    "students": (3, "学生综合素质活动开展不足。", "开展城乡学生“手拉手”交流和社团活动。"),
    "facilities": (2, "功能教室不足，多媒体设备老化。", "更新多媒体设备，开通同步课堂。"),
    "logistics": (3, "后勤管理制度基本健全。", "完善食堂与安全管理台账。"),
}  # fmt: skip

# --- pairings --------------------------------------------------------------------

# A moment of a pairing's life: an absolute date (events of the programme's first
# year, long past) or a number of days before now (recent events, so that the
# dashboard's "waiting days" look the same whenever the demo is loaded).
When = dt.datetime | float


@dataclass(frozen=True)
class PairingSpec:
    programme: str  # "city" or "county"
    helping: str  # school names
    assisted: tuple[str, ...]
    status: str
    # Who creates and proposes, who approves or rejects, who activates and closes.
    by: str
    decider: str = ""
    closer: str = ""
    comment: str = ""  # rejection comment, conclusion comment or termination reason
    times: dict[str, When] = field(default_factory=dict)  # status → when it was entered
    signed_on: dt.date | None = None
    detail: str = ""  # "full", "light" or "" (no group, needs or plan)
    goals_summary: str = ""


def _year_timeline(created, proposed, approved, active) -> dict[str, When]:
    return {"draft": created, "proposed": proposed, "approved": approved, "active": active}


PAIRINGS = [
    # The pair of the two demo coordinators: everything filled in.
    PairingSpec(
        "city", "江城市青山区实验小学", ("临江县柳河镇中心小学",), PairingStatus.ACTIVE,
        by="coordinator", decider="bureau", closer="coordinator",
        times=_year_timeline(
            dt.datetime(2025, 6, 9, 9, 20), dt.datetime(2025, 6, 12, 16, 5),
            dt.datetime(2025, 6, 20, 10, 40), dt.datetime(2025, 9, 5, 15, 0),
        ),
        signed_on=dt.date(2025, 9, 5), detail="full",
        goals_summary="以“管理共享、师资共育、课程共建、学生共长”为目标，三年内使柳河镇中心小学"
        "办学水平达到县域优质均衡标准。",
    ),
    PairingSpec(
        "city", "江城市第二初级中学", ("白河县高峰镇初级中学",), PairingStatus.ACTIVE,
        by="bureau", decider="bureau2", closer="bureau",
        times=_year_timeline(
            dt.datetime(2025, 6, 10, 11, 0), dt.datetime(2025, 6, 10, 11, 30),
            dt.datetime(2025, 6, 18, 9, 15), dt.datetime(2025, 9, 8, 10, 0),
        ),
        signed_on=dt.date(2025, 9, 8), detail="light",
        goals_summary="聚焦初中数学、英语薄弱学科，通过联合教研和教学质量联测提升教学质量。",
    ),
    PairingSpec(
        "city", "江城市青山区青云九年一贯制学校", ("临江县大坪乡九年一贯制学校",), PairingStatus.ACTIVE,
        by="bureau", decider="bureau2", closer="bureau",
        times=_year_timeline(
            dt.datetime(2025, 6, 11, 14, 0), dt.datetime(2025, 6, 11, 14, 20),
            dt.datetime(2025, 6, 19, 16, 30), dt.datetime(2025, 9, 10, 9, 0),
        ),
        signed_on=dt.date(2025, 9, 10), detail="light",
        goals_summary="九年一贯制学校管理模式输出，中小学段衔接教研共同体。",
    ),
    PairingSpec(
        "city", "江城市青山区东风路小学", ("白河县双河镇中心小学",), PairingStatus.APPROVED,
        by="bureau", decider="bureau2",
        times={"draft": 21.0, "proposed": 20.0, "approved": 6.0},
        goals_summary="帮扶协议待双方校长签署。",
    ),
    PairingSpec(
        "city", "江城市青山区育才小学", ("白河县高峰镇中心小学",), PairingStatus.PROPOSED,
        by="bureau", times={"draft": 13.0, "proposed": 12.0},
    ),
    PairingSpec(
        "city", "江城市第七中学", ("白河县马鞍乡九年一贯制学校",), PairingStatus.PROPOSED,
        by="bureau2", times={"draft": 9.5, "proposed": 9.0},
    ),
    PairingSpec(
        "city", "江城市实验幼儿园", ("临江县沙坝镇中心幼儿园",), PairingStatus.PROPOSED,
        by="bureau", times={"draft": 2.5, "proposed": 2.0},
        goals_summary="学前教育城乡结对：保教常规、游戏化课程、家园共育。",
    ),
    PairingSpec(
        "city", "江城市青山区人民路小学", ("临江县石门乡中心小学",), PairingStatus.REJECTED,
        by="bureau", decider="bureau2",
        comment="两校相距 160 余公里，送教下乡和跟岗交流成本过高；建议石门乡中心小学改与"
        "青山区石桥镇中心小学结对后重新申报。",
        times={"draft": 41.0, "proposed": 40.0, "rejected": 33.0},
    ),
    PairingSpec(
        "city", "江城市青山区石桥镇中心小学", ("临江县石门乡中心小学",), PairingStatus.DRAFT,
        by="bureau", times={"draft": 3.0},
        goals_summary="按市教育局意见重新组队，协议草案修改中。",
    ),
    PairingSpec(
        "city", "江城市青山区外国语学校", ("白河县城南小学",), PairingStatus.CONCLUDED,
        by="bureau", decider="bureau2", closer="bureau",
        comment="受援校已达到县域义务教育优质均衡发展标准，经市教育局评估验收，结对任务提前完成。",
        times={
            **_year_timeline(
                dt.datetime(2025, 6, 4, 9, 0), dt.datetime(2025, 6, 4, 9, 30),
                dt.datetime(2025, 6, 16, 11, 0), dt.datetime(2025, 9, 2, 10, 0),
            ),
            "concluded": 45.0,
        },
        signed_on=dt.date(2025, 9, 1), detail="light",
    ),
    PairingSpec(
        "city", "江城市职业中学", ("临江县职业中学",), PairingStatus.TERMINATED,
        by="bureau", decider="bureau2", closer="bureau2",
        comment="根据临江县职业教育资源整合方案，临江县职业中学并入临江县中学职教部，"
        "原结对关系终止，剩余帮扶经费按规定收回。",
        times={
            **_year_timeline(
                dt.datetime(2025, 6, 5, 10, 0), dt.datetime(2025, 6, 5, 10, 20),
                dt.datetime(2025, 6, 17, 15, 0), dt.datetime(2025, 9, 3, 9, 0),
            ),
            "terminated": 100.0,
        },
        signed_on=dt.date(2025, 9, 3), detail="light",
    ),
    # The county's one-to-many programme.
    PairingSpec(
        "county", "临江县实验小学", ("临江县柳河镇桃园村小学", "临江县石门乡龙潭村小学"),
        PairingStatus.ACTIVE, by="county", decider="bureau", closer="county",
        times=_year_timeline(
            dt.datetime(2025, 6, 23, 9, 0), dt.datetime(2025, 6, 24, 10, 0),
            dt.datetime(2025, 7, 2, 14, 0), dt.datetime(2025, 9, 1, 9, 0),
        ),
        signed_on=dt.date(2025, 8, 29), detail="light",
        goals_summary="“1+2”捆绑帮扶：村小教师到实验小学跟岗，实验小学教师走教音体美课程。",
    ),
    PairingSpec(
        "county", "临江县第二初级中学", ("临江县沙坝镇初级中学",), PairingStatus.PROPOSED,
        by="county", times={"draft": 6.0, "proposed": 5.0},
    ),
    PairingSpec(
        "county", "临江县幼儿园", ("临江县沙坝镇中心幼儿园",), PairingStatus.DRAFT,
        by="county", times={"draft": 1.0},
    ),
]  # fmt: skip

CLOSED = (PairingStatus.CONCLUDED, PairingStatus.TERMINATED)
# The steps from draft to each status.
PATHS = {
    PairingStatus.DRAFT: [],
    PairingStatus.PROPOSED: ["propose"],
    PairingStatus.APPROVED: ["propose", "approve"],
    PairingStatus.REJECTED: ["propose", "reject"],
    PairingStatus.ACTIVE: ["propose", "approve", "activate"],
    PairingStatus.CONCLUDED: ["propose", "approve", "activate", "conclude"],
    PairingStatus.TERMINATED: ["propose", "approve", "activate", "terminate"],
}

LEADING_GROUP = [
    # (helping school?, name, job title, position)
    (True, "张卫东", "校长", "leader"),
    (False, "王德胜", "校长", "deputy"),
    (True, "陈晓燕", "教导主任", "member"),
    (True, "李春梅", "教科室主任", "member"),
    (False, "刘永福", "副校长", "member"),
    (False, "黄少华", "教导主任", "member"),
]
LIGHT_LEADING_GROUP = [
    (True, "校长", "leader"),
    (False, "校长", "deputy"),
    (True, "分管教学副校长", "member"),
    (False, "教导主任", "member"),
]


class Command(BaseCommand):
    help = (
        "Load the demo data (idempotent): 江城市 and its counties, 40 schools, two programmes, "
        "pairings in every state and one login per role. Prints the logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password of every demo user (default: {DEFAULT_PASSWORD}).",
        )
        parser.add_argument("--quiet", action="store_true", help="Print only the table of logins.")

    def handle(self, *args, password: str, quiet: bool, **options):
        if not password:
            raise CommandError("The password cannot be empty.")
        self.quiet = quiet or options.get("verbosity", 1) == 0
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.created: dict[str, int] = {}
        # One transaction: a run that fails half-way leaves nothing behind, and SQLite
        # writes everything in one go, which keeps the command fast.
        with transaction.atomic():
            self.regions = self._regions()
            self.users = self._users(password)
            self.schools = self._schools()
            self._roles()
            self.programmes = self._programmes()
            for spec in PAIRINGS:
                self._pairing(spec)
            # The apps after this one add their demo data (teachers …) in order; this
            # command imports none of them by name.
            for _config, module in app_modules("demo"):
                module.load(users=self.users, schools=self.schools, count=self._count)
        if not self.quiet:
            if self.created:
                summary = ", ".join(f"{n} {what}" for what, n in self.created.items())
                self.stdout.write(f"Demo data created: {summary}.")
            else:
                self.stdout.write("Demo data already present; nothing to create.")
        self._print_logins(password)

    # --- helpers ------------------------------------------------------------------

    def _count(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    def _at(self, when: When) -> dt.datetime:
        if isinstance(when, dt.datetime):
            return timezone.make_aware(when) if timezone.is_naive(when) else when
        return self.now - dt.timedelta(days=when)

    def _warn(self, message: str) -> None:
        self.stderr.write(self.style.WARNING(message))

    # --- regions, users, schools, roles, programmes -------------------------------

    def _regions(self) -> dict[str, Region]:
        existing = {r.code: r for r in Region.objects.filter(code__in=[r[0] for r in REGIONS])}
        for code, name, level, parent in REGIONS:
            if code not in existing:
                existing[code] = services.region_create(
                    actor=None,
                    name=name,
                    code=code,
                    level=level,
                    parent=existing[parent] if parent else None,
                )
                self._count("regions")
        return existing

    def _users(self, password: str) -> dict:
        User = get_user_model()
        existing = {
            u.username: u for u in User.objects.filter(username__in=[d.username for d in USERS])
        }
        # Hashing is deliberately slow; one hash for all demo users keeps the command
        # fast (demo accounts share one password anyway).
        hashed = None
        matches: dict[str, bool] = {}
        users = {}
        for demo in USERS:
            user = existing.get(demo.username)
            if user is None:
                hashed = hashed or make_password(password)
                user = User(
                    username=demo.username,
                    full_name=demo.full_name,
                    email=f"{demo.username}@demo.example",
                    password=hashed,
                    is_staff=demo.role == "admin",
                    is_superuser=demo.role == "admin",
                )
                user.save()
                self._count("users")
            else:
                # Keep the printed password true: a run with another --password resets it.
                if user.password not in matches:
                    matches[user.password] = check_password(password, user.password)
                if not matches[user.password]:
                    hashed = hashed or make_password(password)
                    user.password = hashed
                    user.save(update_fields=["password"])
                if demo.role == "admin" and not (user.is_staff and user.is_superuser):
                    user.is_staff = user.is_superuser = True
                    user.save(update_fields=["is_staff", "is_superuser"])
            users[demo.username] = user
        return users

    def _schools(self) -> dict[str, School]:
        by_code = {s.code: s for s in School.objects.filter(code__in=SCHOOL_CODES.values())}
        actor = self.users["admin"]
        schools = {}
        for county, name, stage, location, enrolment, staff, address, contact, phone in SCHOOL_ROWS:
            code = SCHOOL_CODES[name]
            school = by_code.get(code)
            if school is None:
                school = services.school_create(
                    actor=actor,
                    name=name,
                    code=code,
                    region=self.regions[county],
                    stage=stage,
                    location=location,
                    enrolment=enrolment,
                    staff_count=staff,
                    address=address,
                    contact_name=contact,
                    contact_phone=phone,
                )
                self._count("schools")
            schools[name] = school
        return schools

    def _roles(self) -> None:
        for demo in USERS:
            if demo.role == "admin":
                continue
            if demo.role in REGION_ROLES:
                scope = {"region": self.regions[demo.scope]}
            else:
                scope = {"school": self.schools[demo.scope]}
            user = self.users[demo.username]
            # The aid right is held by bureau staff, beside their bureau role.
            roles = [Role.BUREAU, Role.AID] if demo.role == Role.AID else [demo.role]
            # 王建华 heads the city's bureau: proposals waiting over a week reach him.
            head = demo.username == "bureau"
            for role in roles:
                if not user.role_assignments.filter(role=role, **scope).exists():
                    role_assign(actor=None, user=user, role=role, head=head and role == Role.BUREAU,
                                **scope)  # fmt: skip
                    self._count("role assignments")

    def _programmes(self) -> dict[str, Programme]:
        programmes = {}
        for spec in PROGRAMMES:
            region = self.regions[spec["region"]]
            programme = Programme.objects.filter(region=region, name=spec["name"]).first()
            if programme is None:
                fields = {k: v for k, v in spec.items() if k not in ("key", "by", "created")}
                fields["region"] = region
                programme = services.programme_create(actor=self.users[spec["by"]], **fields)
                Programme.objects.filter(pk=programme.pk).update(
                    created_at=self._at(spec["created"])
                )
                self._count("programmes")
            programmes[spec["key"]] = programme
        return programmes

    # --- pairings -----------------------------------------------------------------

    def _pairing(self, spec: PairingSpec) -> None:
        programme = self.programmes[spec.programme]
        helping = self.schools[spec.helping]
        assisted = [self.schools[name] for name in spec.assisted]
        exists = Pairing.objects.filter(
            programme=programme,
            helping_school=helping,
            members__school=assisted[0],
            members__role=PairingMember.Role.ASSISTED,
        ).exists()
        if exists:
            return
        try:
            # A savepoint per pairing: one that cannot be built (say, someone has put
            # one of its schools into another live pairing) is reported and skipped.
            with transaction.atomic():
                self._build_pairing(spec, programme, helping, assisted)
        except (ValidationError, PermissionDenied) as error:
            self._warn(f"Skipped the pairing {spec.helping} → {'、'.join(spec.assisted)}: {error}")

    def _build_pairing(self, spec: PairingSpec, programme, helping, assisted) -> None:
        users = self.users
        details = {"goals_summary": spec.goals_summary}
        if spec.signed_on:
            details["agreement_start"] = dt.date(programme.start_year, 9, 1)
            details["agreement_end"] = dt.date(programme.start_year + programme.years, 8, 31)
        pairing = services.pairing_create(
            actor=users[spec.by],
            programme=programme,
            helping_school=helping,
            assisted_schools=assisted,
            **details,
        )
        for step in PATHS[spec.status]:
            if step == "propose":
                services.pairing_propose(actor=users[spec.by], pairing=pairing)
            elif step == "approve":
                services.pairing_approve(
                    actor=users[spec.decider],
                    pairing=pairing,
                    comment="同意结对，请尽快签订帮扶协议。",
                )
            elif step == "reject":
                services.pairing_reject(
                    actor=users[spec.decider], pairing=pairing, comment=spec.comment
                )
            elif step == "activate":
                services.pairing_activate(
                    actor=users[spec.closer],
                    pairing=pairing,
                    agreement_signed_on=min(spec.signed_on, self.today),
                    comment="帮扶协议已签订，结对正式启动。",
                )
                if spec.detail:
                    # Filled in while active: a closed pairing cannot be changed. Its
                    # progress stops on the day it was closed.
                    closed = spec.times.get(spec.status) if spec.status in CLOSED else None
                    until = timezone.localdate(self._at(closed)) if closed else self.today
                    self._fill(pairing, spec, helping, assisted, min(until, self.today))
            elif step == "conclude":
                services.pairing_conclude(
                    actor=users[spec.closer], pairing=pairing, comment=spec.comment
                )
            elif step == "terminate":
                services.pairing_terminate(
                    actor=users[spec.closer], pairing=pairing, reason=spec.comment
                )
        pairing.refresh_from_db()
        self._backdate(pairing, spec)
        self._count("pairings")

    def _fill(
        self, pairing: Pairing, spec: PairingSpec, helping: School, assisted: list[School], until
    ) -> None:
        """Leading group, contacts, needs assessment and development plan of an active pairing."""
        full = spec.detail == "full"
        helping_actor = self.users["coordinator"] if full else self.users[spec.closer]
        assisted_actor = self.users["coordinator2"] if full else self.users[spec.closer]
        first = assisted[0]

        if full:
            for on_helping, name, title, position in LEADING_GROUP:
                school = helping if on_helping else first
                services.leading_group_member_add(
                    actor=helping_actor, pairing=pairing, school=school, name=name,
                    title=title, position=position,
                )  # fmt: skip
        else:
            for on_helping, title, position in LIGHT_LEADING_GROUP:
                school = helping if on_helping else first
                name = school.contact_name if position != "leader" else _principal_name(school)
                services.leading_group_member_add(
                    actor=helping_actor, pairing=pairing, school=school, name=name,
                    title=title, position=position,
                )  # fmt: skip

        for school in [helping, *assisted]:
            services.contact_add(
                actor=helping_actor,
                pairing=pairing,
                school=school,
                name=school.contact_name,
                phone=school.contact_phone,
                email=f"{school.code}@edu.jiangcheng.example",
            )

        needs = FULL_NEEDS if full else LIGHT_NEEDS
        for school in assisted:
            for dimension, (rating, findings, what) in needs.items():
                services.needs_assessment_save(
                    actor=assisted_actor, pairing=pairing, school=school, dimension=dimension,
                    rating=rating, findings=findings, needs=what,
                )  # fmt: skip
        assessed_at = self._at(spec.times["approved"]) + dt.timedelta(days=30)
        NeedsAssessment.objects.filter(pairing=pairing).update(updated_at=assessed_at)

        plan = FULL_PLAN if full else LIGHT_PLAN
        for offset, year_goals in enumerate(plan[: pairing.programme.years]):
            school_year = pairing.programme.start_year + offset
            for goal in year_goals:
                school = helping if goal.helping else first
                actor = helping_actor if goal.helping else assisted_actor
                self._goal(pairing, school, actor, goal, school_year, until)
        planned_at = self._at(spec.times["active"]) + dt.timedelta(days=10)
        Goal.objects.filter(pairing=pairing).update(created_at=min(planned_at, self.now))

    def _goal(self, pairing, school, actor, spec: PlanGoal, school_year: int, until) -> None:
        goal = services.goal_create(
            actor=actor, pairing=pairing, school=school, title=spec.title,
            target_value=Decimal(spec.target), unit=spec.unit, period_kind="year",
            school_year=school_year, dimension=spec.dimension,
        )  # fmt: skip
        self._progress(goal, actor, spec.achieved, until)
        for task in spec.tasks:
            child = services.goal_create(
                actor=actor, pairing=pairing, school=school, title=task.title,
                target_value=Decimal(task.target), unit=task.unit, period_kind=task.kind,
                school_year=school_year, period_number=task.number, dimension=spec.dimension,
                parent=goal,
            )  # fmt: skip
            self._progress(child, actor, spec.achieved, until)

    def _progress(self, goal: Goal, actor, achieved: float, until: dt.date) -> None:
        """Report progress as a school would have: done when due, partly while running."""
        start, end = period_bounds(goal.period_kind, goal.school_year, goal.period_number)
        target = goal.target_value
        reports: list[tuple[dt.date, Decimal, str]] = []
        if end < until:
            final = _share(target, achieved)
            half = _share(final, 0.5)
            if half > 0 and (end - start).days > 40:
                note = f"按计划推进，阶段性完成 {_amount(half, goal.unit)}。"
                reports.append((start + (end - start) / 2, half, note))
            if final >= target:
                note = f"已完成 {_amount(final, goal.unit)}，佐证材料已归档。"
            else:
                note = f"完成 {_amount(final, goal.unit)}，未达目标，已列入下一学年计划。"
            if final > 0:
                reports.append((end - dt.timedelta(days=3), final, note))
        elif start <= until:
            value = _share(target, achieved * (until - start).days / max((end - start).days, 1))
            if value > 0:
                note = f"截至目前完成 {_amount(value, goal.unit)}。"
                reports.append((until - dt.timedelta(days=2), value, note))
        for day, value, note in reports:
            update = services.goal_report_progress(actor=actor, goal=goal, value=value, note=note)
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(17, 30)))
            ProgressUpdate.objects.filter(pk=update.pk).update(reported_at=min(at, self.now))

    def _backdate(self, pairing: Pairing, spec: PairingSpec) -> None:
        """Move the service-stamped times to when the steps happened in the story."""
        times = {status: self._at(when) for status, when in spec.times.items()}
        for status, at in times.items():
            PairingTransition.objects.filter(pairing=pairing, to_status=status).update(at=at)
        Pairing.objects.filter(pk=pairing.pk).update(
            created_at=times["draft"],
            proposed_at=times.get("proposed"),
            updated_at=max(times.values()),
        )

    # --- output -------------------------------------------------------------------

    def _print_logins(self, password: str) -> None:
        rows = [("login", "role", "scope", "password")]
        for demo in USERS:
            if demo.role == "admin":
                scope = "everything, /admin/"
            elif demo.role in REGION_ROLES:
                scope = self.regions[demo.scope].name
            else:
                scope = self.schools[demo.scope].name
            rows.append((demo.username, demo.label, scope, password))
        widths = [max(_width(row[i]) for row in rows) for i in range(4)]
        lines = [
            "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)) for row in rows
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        self.stdout.write("\n".join(line.rstrip() for line in lines))


def _principal_name(school: School) -> str:
    # Principals of the light pairings get a plausible name of their own.
    surnames = "王李张刘陈杨黄赵吴周"
    given = ["建国", "志强", "秀英", "海燕", "国庆", "红梅", "德明", "春华"]
    n = int(school.code[-3:]) + int(school.code[3:7])
    return surnames[n % len(surnames)] + given[n % len(given)]


def _share(target: Decimal, share: float) -> Decimal:
    """Whole units of ``target`` reached at ``share`` of it (2/3 of 3 is 2, not 1.99…)."""
    exact = (target * Decimal(str(share))).quantize(Decimal("0.01"))
    return exact.quantize(Decimal("1"), rounding=ROUND_FLOOR)


def _amount(value: Decimal, unit: str) -> str:
    number = f"{value.normalize():f}"
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)
