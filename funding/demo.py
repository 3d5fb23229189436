"""The demo's money (``manage.py seed_demo`` calls :func:`load` after the activities).

For each demo programme a ring-fenced budget of its region for the fiscal year of this
school year, enough for every approved or active pairing at the programme's funding per
pair and one pair more; the programme allocated to its pairings in tranches, and the
first tranche released for the active ones. Then requests for money in every state
(draft, submitted, approved, rejected with a comment, paid with a reference, reversed),
with a small PDF receipt where one is needed, and a meal allowance computed from the
secondment the activities demo made for the city pair of the demo coordinators.

Everything is written through funding.services, so the rules (approver ≠ requester, no
overspending) and the ledger hold. Idempotent: a programme whose budget of the fiscal
year exists is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from activities.models import Secondment
from schools.models import Pairing, PairingMember, PairingStatus, Programme
from twinning import calendar

from . import services
from .models import Budget, Purpose

# Who keeps a programme's money, by the programme's region: the bureau user who makes
# the budget, allocates and releases it and records payments, and one who approves
# what the keeper requests (never the same person: DESIGN.md §3 funding/).
KEEPERS = {
    "590100": {"keeper": "bureau", "approver": "bureau2", "reference": "JCCZ",
               "fund": "江城市财政城乡学校结对帮扶专项资金"},
    "590121": {"keeper": "county", "approver": "bureau", "reference": "LJCZ",
               "fund": "临江县财政“1+N”捆绑帮扶专项资金"},
}  # fmt: skip
PURPOSE = (
    "用于结对学校送教下乡交通费、挂职支教教师生活补助、联合教研活动场地费和受援校教学设备购置，"
    "专款专用，年末结余按规定结转。"
)


@dataclass(frozen=True)
class Claim:
    status: str  # where the request ends: draft … reversed
    requester: str  # a demo username; "" for the programme's keeper
    purpose: str
    payee: str  # "helping", "assisted" (its first assisted school); "" for a meal allowance
    amount: str  # "" for a meal allowance: the service computes it
    description: str
    comment: str = ""  # the rejection's or the reversal's reason


# By helping school. The city pair of the demo coordinators (陈晓燕, 刘永福) asks for its
# money itself; the bureau asks for the others' (and someone else approves).
CLAIMS = {
    "江城市青山区实验小学": [
        Claim("paid", "coordinator", Purpose.TRANSPORT, "helping", "2360.00",
              "送教下乡交通费：9—10 月青山区实验小学教师赴柳河镇中心小学送教 6 次（包车往返）"),
        Claim("paid", "coordinator2", Purpose.ACTIVITY, "assisted", "1800.00",
              "教研活动场地费：联合教研“图形与几何”单元教学研讨会场地及设备租用"),
        Claim("approved", "coordinator2", Purpose.EQUIPMENT, "assisted", "36800.00",
              "多媒体设备采购：柳河镇中心小学 4 间教室交互式智能平板"),
        Claim("submitted", "coordinator", Purpose.MEAL_ALLOWANCE, "", "",
              "送教下乡支教教师生活补助（每个工作日 40 元）"),
        Claim("rejected", "coordinator", Purpose.TRANSPORT, "helping", "4860.00",
              "跟岗学习往返交通及住宿费（2 人 × 5 天）",
              comment="住宿费超出差旅标准（每人每天 300 元），请按标准重新核算后另行申请。"),
        Claim("reversed", "coordinator2", Purpose.INSURANCE, "assisted", "2400.00",
              "城乡学生“手拉手”研学活动意外伤害保险（80 人）",
              comment="活动改期，保险公司全额退保，保费已退回学校账户。"),
        Claim("draft", "coordinator", Purpose.ACTIVITY, "helping", "3200.00",
              "教学质量联测（期末）试卷印制费"),
    ],
    "江城市第二初级中学": [
        Claim("paid", "", Purpose.TRANSPORT, "helping", "1450.00",
              "送教下乡交通费：初中数学、英语示范课 3 次"),
        Claim("submitted", "", Purpose.ACTIVITY, "assisted", "2600.00",
              "教研活动场地费：初中英语同课异构研讨会"),
    ],
    "江城市青山区青云九年一贯制学校": [
        Claim("paid", "", Purpose.EQUIPMENT, "assisted", "12500.00",
              "多媒体设备采购：大坪乡九年一贯制学校录播教室摄像机及拾音设备"),
    ],
    "江城市青山区东风路小学": [
        Claim("draft", "", Purpose.TRANSPORT, "helping", "900.00",
              "送教下乡交通费（协议签订后首次送教）"),
    ],
    "临江县实验小学": [
        Claim("paid", "", Purpose.TRANSPORT, "helping", "980.00",
              "走教交通费：实验小学音体美教师到桃园村小、龙潭村小走教（11 月）"),
        Claim("submitted", "", Purpose.EQUIPMENT, "assisted", "8600.00",
              "多媒体设备采购：桃园村小教室投影及音响设备"),
    ],
}  # fmt: skip

# The steps from a draft to each status.
STEPS = {
    "draft": [],
    "submitted": ["submit"],
    "approved": ["submit", "approve"],
    "rejected": ["submit", "reject"],
    "paid": ["submit", "approve", "pay"],
    "reversed": ["submit", "approve", "pay", "reverse"],
}


def _pdf(name: str) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def load(*, users: dict, schools: dict, count: Callable[[str, int], None]) -> None:
    fiscal_year = calendar.school_year_of(calendar.today())
    programmes = (
        Programme.objects.filter(pairings__helping_school__in=schools.values())
        .select_related("region")
        .distinct()
        .order_by("id")
    )
    for programme in programmes:
        who = KEEPERS.get(programme.region.code)
        if who is None or programme.funding_per_pair <= 0:
            continue
        exists = Budget.objects.filter(
            region=programme.region, programme=programme, fiscal_year=fiscal_year,
            source=who["fund"],
        ).exists()  # fmt: skip
        if not exists:
            _fund(programme, who, fiscal_year, users, count)
    _student_aid(users, schools, count)


def _fund(programme, who: dict, fiscal_year: int, users: dict, count) -> None:
    keeper = users[who["keeper"]]
    funded = Pairing.objects.filter(
        programme=programme, status__in=services.FUNDED_STATUSES
    ).count()
    if not funded:
        return
    budget = services.budget_create(
        actor=keeper, region=programme.region, programme=programme, source=who["fund"],
        fiscal_year=fiscal_year, amount=programme.funding_per_pair * (funded + 1),
        purpose=PURPOSE, ring_fenced=True,
    )  # fmt: skip
    count("budgets", 1)
    allocations = services.budget_allocate_programme(actor=keeper, budget=budget)
    count("allocations", len(allocations))
    references = iter(range(1, 1000))
    for allocation in allocations:
        pairing = allocation.pairing
        if pairing.status == PairingStatus.ACTIVE:
            services.tranche_release(
                actor=keeper, tranche=allocation.tranches.get(number=1),
                note="帮扶协议已签订，首期经费拨付。",
            )  # fmt: skip
            count("tranches released", 1)
        made = 0
        for claim in CLAIMS.get(pairing.helping_school.name, []):
            reference = f"{who['reference']}-{fiscal_year}-{next(references):04d}"
            made += _claim(pairing, claim, who, users, reference)
        count("disbursements", made)


def _claim(pairing: Pairing, claim: Claim, who: dict, users: dict, reference: str) -> int:
    requester = users[claim.requester or who["keeper"]]
    # Whoever asked, someone else decides: the keeper, or the approver for the keeper.
    approver = users[who["approver"] if requester == users[who["keeper"]] else who["keeper"]]
    payer = users[who["keeper"]]
    fields = {"purpose": claim.purpose, "description": claim.description}
    if claim.purpose == Purpose.MEAL_ALLOWANCE:
        secondment = (
            Secondment.objects.filter(pairing=pairing, cancelled_at__isnull=True,
                                      end__lt=calendar.today())
            .order_by("start")
            .first()
        )  # fmt: skip
        if secondment is None:
            return 0  # the activities demo made none for this pair: nothing to claim
        fields.update(secondment=secondment)
        receipts = []
    else:
        members: dict[str, object] = {}
        for member in (
            PairingMember.objects.filter(pairing=pairing).select_related("school").order_by("id")
        ):
            members.setdefault(member.role, member.school)  # the first assisted school
        school = members[claim.payee]
        fields.update(payee_kind="school", school=school, amount=Decimal(claim.amount))
        receipts = [] if claim.status == "draft" else [_pdf("发票.pdf")]
    d = services.disbursement_create(actor=requester, pairing=pairing, receipts=receipts, **fields)
    for step in STEPS[claim.status]:
        if step == "submit":
            d = services.disbursement_submit(actor=requester, disbursement=d)
        elif step == "approve":
            d = services.disbursement_approve(
                actor=approver, disbursement=d, comment="经审核，票据齐全，同意支出。"
            )
        elif step == "reject":
            d = services.disbursement_reject(actor=approver, disbursement=d, comment=claim.comment)
        elif step == "pay":
            d = services.disbursement_pay(
                actor=payer, disbursement=d, paid_on=calendar.today(), reference=reference
            )
            services.receipt_add(actor=payer, disbursement=d, files=[_pdf("付款凭证.pdf")])
        elif step == "reverse":
            d = services.disbursement_reverse(actor=payer, disbursement=d, reason=claim.comment)
    return 1


# --- student aid ------------------------------------------------------------------------------

AID_SCHOOL = "临江县柳河镇中心小学"
# name, gender, grade, class, guardian, circumstances, tier, where it ends
AID_STUDENTS = [
    ("张小明", "m", "3", "三(2)班", "张大山", "父亲务工受伤，母亲照顾弟妹", "一档", "paid"),
    ("李思琪", "f", "5", "五(1)班", "李桂兰", "单亲家庭，由外婆抚养", "二档", "paid"),
    ("王浩宇", "m", "4", "四(1)班", "王德福", "家中有重病患者", "一档", "notice"),
    ("刘欣怡", "f", "2", "二(3)班", "刘春梅", "低保家庭", "二档", "notice"),
    ("陈子轩", "m", "6", "六(2)班", "陈建国", "父母外出务工，留守儿童", "二档", "draft"),
]  # fmt: skip


def _student_aid(users: dict, schools: dict, count) -> None:
    """A national grant of the city, per term in two tiers, for five students of the
    village school of the demo pair: two paid after a notice that has ended, two on a
    published notice now, one still being identified."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from .models import AidNotice, AidScheme, AidStep

    school = schools.get(AID_SCHOOL)
    officer, coordinator = users.get("aid"), users.get("coordinator2")
    if school is None or officer is None or coordinator is None:
        return
    region = school.region.parent or school.region
    if AidScheme.objects.filter(region=region, name="义务教育家庭经济困难学生生活补助").exists():
        return
    scheme = services.aid_scheme_create(
        actor=officer, region=region, name="义务教育家庭经济困难学生生活补助",
        kind="national_grant", form="money", period="term", notice_days=5,
        description="按学期发放，一档每生每学期 625 元，二档 500 元；公示五个工作日。",
        tiers=[{"name": "一档", "amount": "625"}, {"name": "二档", "amount": "500"}],
    )  # fmt: skip
    count("aid schemes", 1)
    today = calendar.today()
    year, term = calendar.school_year_of(today), calendar.term_of(today)
    first, last = calendar.period_bounds("term", year, term)
    if last < today:  # the summer: the next term's aid
        year, term = year + 1, 1
        first, last = calendar.period_bounds("term", year, term)
    made: dict[str, list] = {}
    for n, (name, gender, grade, class_name, guardian, note, tier, ends) in enumerate(
        AID_STUDENTS, start=1
    ):
        student = services.student_create(
            actor=coordinator, school=school, name=name, gender=gender, grade=grade,
            class_name=class_name, guardian_name=guardian, guardian_phone=f"139800011{n:02d}",
            note=note,
        )  # fmt: skip
        application = services.aid_application_create(
            actor=coordinator, student=student, scheme=scheme,
            tier=scheme.tiers.get(name=tier), school_year=year, term=term,
        )  # fmt: skip
        steps = AidStep.values if ends != "draft" else AidStep.values[:3]
        for step in steps:
            services.aid_step_record(
                actor=coordinator, application=application, step=step, done_on=today,
                note="班主任、家访教师核实" if step == "home_visit" else "",
                files=[_pdf("监护人签字.pdf")] if step == "guardian_signature" else [],
            )  # fmt: skip
        made.setdefault(ends, []).append(application)
    count("students", len(AID_STUDENTS))
    period = made["paid"][0].period_key
    # The first notice: opened and published today, then dated back to have ended (as the
    # demo dates its other history), so that its aid could be approved and paid.
    first_notice = _notice(coordinator, officer, school, scheme, period, made["paid"])
    ended = today - timedelta(days=14)
    starts_on = ended - timedelta(days=6)
    AidNotice.objects.filter(pk=first_notice.pk).update(
        starts_on=starts_on, ends_on=ended,
        published_at=timezone.make_aware(datetime.combine(starts_on, time(8))),
    )  # fmt: skip
    for application in made["paid"]:
        services.aid_application_approve(actor=officer, application=application)
        if first <= today:
            services.aid_application_pay(
                actor=officer, application=application, paid_on=today,
                reference=f"LJZZ-{period}-{application.pk:03d}",
            )  # fmt: skip
    # The second notice runs now.
    _notice(coordinator, officer, school, scheme, period, made["notice"])
    count("aid applications", sum(len(v) for v in made.values()))


def _notice(coordinator, officer, school, scheme, period, applications):
    """Submit ``applications`` and put them on a notice the aid officer publishes."""
    for application in applications:
        services.aid_application_submit(actor=coordinator, application=application)
    notice = services.aid_notice_open(
        actor=coordinator, school=school, scheme=scheme, period=period,
        starts_on=calendar.today(),
    )  # fmt: skip
    return services.aid_notice_publish(actor=officer, notice=notice)
