"""The money of the synthetic province (``manage.py seed_scale``; see twinning/scale.py).

A ring-fenced budget per programme (two a city) for this school year's fiscal year,
holding its approved and active pairings' funding and a tenth more; an allocation per
such pairing, in the programme's tranches, with the first released for the active
pairings and the second for those whose first school year has been evaluated (a few
withheld); and 20,000 disbursements for the default 2,000 pairings (ten a pairing,
spread over the funded ones) in every status, with their steps, receipts and the ledger
entries the services would have written: ALLOCATION, RELEASE, PAYMENT, and a REVERSAL
naming the payment it cancels for the few reversed.

The services' rules hold: approver ≠ requester; per allocation, approved and paid never
exceed what was released by the time of each approval, and released never exceeds the
allocation; per budget, allocated never exceeds its amount; a submitted request other
than a meal allowance has its receipt (rows only: every one names the same small file);
a meal allowance is 40 yuan a working day of one secondment, claimed once. Region
columns as the services fill them: an allocation's and its entries' the helping
school's region, a disbursement's and its receipts' the payee school's. Reads pairings,
teachers and secondments from the database, so it also adds its part to a province
seeded before it existed.

Then donations in kind (2.5 a pairing: 5,000 at the default size) received by the schools
of the funded pairings, and student aid (资助): two schemes a city (a per-term national
grant in two tiers, a per-year winter clothing scheme in kind), ten students a pairing
spread over the assisted schools (20,000), an application of each for this term's grant
(and for some the winter clothing) in every status with its steps, guardian's form,
notices and objections, and a log of who read their details. Money, donations and aid
are written only where the database holds none of them yet, so that a province seeded
before one existed gets it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Secondment
from schools.models import (
    Pairing,
    PairingMember,
    PairingStatus,
    PairingTransition,
    Programme,
    Region,
    School,
    pairing_title,
)
from teachers.models import Teacher
from twinning import calendar
from twinning.models import Role, RoleAssignment
from twinning.scale import ScaleContext, Timer, bulk, copy_rows

from .models import (
    CENT,
    Account,
    AidApplication,
    AidDocument,
    AidForm,
    AidKind,
    AidNotice,
    AidObjection,
    AidPeriod,
    AidScheme,
    AidStatus,
    AidStep,
    AidStepRecord,
    AidTier,
    Allocation,
    Budget,
    Disbursement,
    DisbursementStatus,
    DisbursementTransition,
    Donation,
    DonationCategory,
    DonationEvidence,
    EntryKind,
    LedgerEntry,
    PayeeKind,
    Purpose,
    Receipt,
    Student,
    StudentAccessLog,
    Tranche,
    TrancheStatus,
)
from .services import FIRST_TRANCHE_DAYS, FUNDED_STATUSES, tranche_schedule

DISBURSEMENTS_PER_PAIRING = 10
S = DisbursementStatus
# How often each status occurs where money has been released, and where it has not.
STATUS_WEIGHTS = {S.PAID: 48, S.APPROVED: 10, S.SUBMITTED: 14, S.REJECTED: 8, S.DRAFT: 18,
                  S.REVERSED: 2}  # fmt: skip
UNRELEASED_WEIGHTS = {S.SUBMITTED: 50, S.REJECTED: 15, S.DRAFT: 35}
COMMITTED = (S.APPROVED, S.PAID)
# (purpose, weight, least and most yuan, descriptions)
PURPOSES = [
    (Purpose.TRANSPORT, 35, 200, 3000, ("送教下乡交通费", "跟岗学习往返交通费", "走教交通费")),
    (Purpose.ACTIVITY, 30, 400, 6000, ("教研活动场地费", "联合教研资料印制费", "手拉手活动用车费")),
    (Purpose.EQUIPMENT, 12, 2000, 20000, ("多媒体设备采购", "图书室图书采购", "录播教室设备采购")),
    (Purpose.INSURANCE, 8, 600, 4000, ("学生研学活动意外伤害保险", "支教教师人身意外伤害保险")),
]  # fmt: skip
MEAL_DESCRIPTION = "挂职支教教师生活补助（每个工作日 40 元）"
MEAL_SHARE = 0.6  # of the secondments of funded pairings, claimed as a meal allowance
RECEIPT = ("files/scale/receipt.pdf", "application/pdf", 86_000)
REJECTIONS = ["票据不全，请补充发票后重新提交。", "超出差旅标准，请按标准重新核算。",
              "不属于帮扶经费开支范围。"]  # fmt: skip
REVERSALS = ["供应商退款，款项已退回学校账户。", "重复支付，已收回。"]

DISBURSEMENT_COLUMNS = [
    "allocation_id", "pairing_id", "school_id", "region_id", "payee_kind", "payee_teacher_id",
    "purpose", "amount", "description", "secondment_id", "period_start", "period_end",
    "working_days", "activity_id", "status", "requested_by_id", "created_at", "updated_at",
    "submitted_at", "decided_by_id", "decided_at", "decision_comment", "paid_on",
    "payment_reference", "paid_by_id", "reversal_reason",
]  # fmt: skip
LEDGER_COLUMNS = [
    "kind", "account", "amount", "budget_id", "allocation_id", "pairing_id", "region_id",
    "tranche_id", "disbursement_id", "reverses_id", "memo", "actor_id", "at",
]  # fmt: skip
TRANCHE_COLUMNS = [
    "allocation_id", "number", "amount", "due_on", "status", "evaluation_year", "note",
    "released_at", "released_by_id",
]  # fmt: skip
RECEIPT_COLUMNS = [
    "disbursement_id", "school_id", "region_id", "file", "name", "content_type", "size",
    "uploaded_by_id", "uploaded_at", "thumbnail",
]  # fmt: skip


def existing_rows() -> int:
    # Money, donations and student aid came one after another: a province that lacks any
    # of them gets that part (generate() writes only the missing ones).
    parts = [
        Budget.objects.count() + Disbursement.objects.count(),
        Donation.objects.count(),
        Student.objects.count(),
    ]
    return 0 if 0 in parts else sum(parts)


@dataclass
class Funded:
    """An approved or active pairing and what the generator decides for its money."""

    pairing_id: int
    programme_id: int
    region_id: int  # the programme's
    status: str
    signed: dt.date | None
    helping: tuple[int, int]  # (school, region)
    assisted: list[tuple[int, int]]
    title: str = ""
    allocation_id: int = 0
    amount: Decimal = Decimal(0)
    allocated_at: dt.datetime | None = None
    # (number, amount, status, evaluation year, released at)
    tranches: list[tuple] = field(default_factory=list)


@dataclass
class Claim:
    funded: Funded
    values: dict
    steps: list[tuple[str, str, int, str, dt.datetime]]  # (from, to, actor, comment, at)
    receipts: list[tuple[str, int, dt.datetime]]  # (name, uploaded by, at)


def generate(ctx: ScaleContext) -> None:
    timer = Timer(ctx.log)
    if not Budget.objects.exists():
        _money(ctx, timer)
    if not Donation.objects.exists():
        _donations(ctx, timer)
    if not Student.objects.exists():
        _student_aid(ctx, timer)


def _money(ctx: ScaleContext, timer: Timer) -> None:
    funded = _funded_pairings()
    if not funded:
        return
    keepers = _keepers({f.region_id for f in funded})
    budgets = _budgets(ctx, funded, keepers)
    timer.step("budgets", len(budgets))
    _allocations(ctx, funded, budgets, keepers)
    timer.step("allocations", len(funded))
    tranche_ids = _tranches(ctx, funded, keepers)
    timer.step("tranches", sum(len(f.tranches) for f in funded))
    claims = _claims(ctx, funded, keepers)
    ids = _write_disbursements(claims)
    timer.step("disbursements", len(ids))
    timer.step("disbursement steps", copy_rows(
        DisbursementTransition, ["disbursement_id", "from_status", "to_status", "actor_id",
                                 "comment", "at"],
        ((pk, *step) for pk, claim in zip(ids, claims, strict=True) for step in claim.steps),
    ))  # fmt: skip
    timer.step("receipts", copy_rows(
        Receipt, RECEIPT_COLUMNS,
        ((pk, claim.values["school_id"], claim.values["region_id"], RECEIPT[0], name,
          RECEIPT[1], RECEIPT[2], by, at, "")
         for pk, claim in zip(ids, claims, strict=True) for name, by, at in claim.receipts),
    ))  # fmt: skip
    timer.step("ledger entries", _ledger(funded, budgets, keepers, tranche_ids, claims, ids))


# --- what is funded, and who keeps the money --------------------------------------------------


def _funded_pairings() -> list[Funded]:
    rows = (
        Pairing.objects.filter(status__in=FUNDED_STATUSES)
        .order_by("id")
        .values_list("id", "programme_id", "region_id", "status", "agreement_signed_on")
    )
    funded = {pk: Funded(pk, programme, region, status, signed, (0, 0), [])
              for pk, programme, region, status, signed in rows}  # fmt: skip
    members = (
        PairingMember.objects.filter(pairing_id__in=list(funded))
        .order_by("id")
        .values_list("pairing_id", "school_id", "region_id", "role")
    )
    for pairing_id, school_id, region_id, role in members:
        if role == PairingMember.Role.HELPING:
            funded[pairing_id].helping = (school_id, region_id)
        else:
            funded[pairing_id].assisted.append((school_id, region_id))
    names = dict(
        School.objects.filter(
            id__in=[s for f in funded.values() for s, _r in [f.helping, *f.assisted]]
        ).values_list("id", "name")
    )
    for f in funded.values():
        f.title = pairing_title(names[f.helping[0]], [names[s] for s, _r in f.assisted])
    return [f for f in funded.values() if f.helping[0] and f.assisted]


def _keepers(region_ids: set[int]) -> dict[int, tuple[int, int]]:
    """Two bureau users of each programme region (or above it), by id: the first keeps the
    money, the second decides what the first asks for."""
    paths = dict(Region.objects.filter(id__in=region_ids).values_list("id", "path"))
    # Nearest region first: the region itself, then the ones above it.
    above = {pk: [int(p) for p in path.strip("/").split("/") if p][::-1]
             for pk, path in paths.items()}  # fmt: skip
    staff: dict[int, list[int]] = {}
    for region_id, user_id in (
        RoleAssignment.objects.filter(
            role=Role.BUREAU, region_id__in={r for ids in above.values() for r in ids}
        )
        .order_by("id")
        .values_list("region_id", "user_id")
    ):
        staff.setdefault(region_id, []).append(user_id)
    keepers = {}
    for pk, ancestors in above.items():
        # Nearest region first: the city's two bureau users, then the province's.
        people = list(dict.fromkeys(u for r in ancestors for u in staff.get(r, [])))
        if len(people) >= 2:
            keepers[pk] = (people[0], people[1])
    return keepers


# --- budgets, allocations, tranches -------------------------------------------------------------


def _budgets(ctx, funded: list[Funded], keepers) -> dict[int, Budget]:
    fiscal_year = calendar.school_year_of(timezone.localdate(ctx.now))
    programmes = Programme.objects.filter(
        id__in={f.programme_id for f in funded if f.region_id in keepers}
    ).select_related("region")
    count: dict[int, int] = {}
    for f in funded:
        count[f.programme_id] = count.get(f.programme_id, 0) + 1
    budgets = {}
    for programme in programmes.order_by("id"):
        if programme.funding_per_pair <= 0:
            continue
        pairs = count[programme.pk]
        budgets[programme.pk] = Budget(
            region_id=programme.region_id, programme=programme, fiscal_year=fiscal_year,
            source=f"{programme.region.name}财政城乡学校结对帮扶专项资金",
            amount=programme.funding_per_pair * (pairs + max(1, pairs // 10)),
            purpose=f"{programme.name}：送教下乡、挂职支教生活补助、联合教研和受援校设备购置，专款专用。",
            ring_fenced=True, created_by_id=keepers[programme.region_id][0],
        )  # fmt: skip
    bulk(Budget, list(budgets.values()))
    Budget.objects.filter(pk__in=[b.pk for b in budgets.values()]).update(
        created_at=ctx.days_ago(340)
    )
    return budgets


def _allocations(ctx, funded: list[Funded], budgets, keepers) -> None:
    rng, now = ctx.rng, ctx.now
    approved = dict(
        PairingTransition.objects.filter(
            pairing_id__in=[f.pairing_id for f in funded], to_status=PairingStatus.APPROVED
        )
        .values("pairing_id")
        .annotate(at=Min("at"))
        .values_list("pairing_id", "at")
    )
    opened = ctx.days_ago(330)
    rows = []
    funded[:] = [f for f in funded if f.programme_id in budgets]
    for f in funded:
        budget = budgets[f.programme_id]
        f.amount = budget.programme.funding_per_pair
        start = max(opened, approved.get(f.pairing_id, opened))
        f.allocated_at = _between(rng, start, now, 0.0, 0.05)
        rows.append((budget.pk, f.pairing_id, f.helping[1], f.amount, budget.created_by_id,
                     f.allocated_at))  # fmt: skip
    copy_rows(
        Allocation,
        ["budget_id", "pairing_id", "region_id", "amount", "created_by_id", "created_at"],
        rows,
    )
    ids = Allocation.objects.order_by("id").values_list("id", "pairing_id")
    for f, (pk, pairing_id) in zip(funded, ids, strict=True):
        if pairing_id != f.pairing_id:
            raise RuntimeError("allocations were read back in another order")
        f.allocation_id = pk


def _tranches(ctx, funded: list[Funded], keepers) -> dict[tuple[int, int], int]:
    """The programme's tranches of each allocation: the first released for active pairings;
    the second on the evaluation of their first school year, once it is over (one in ten
    withheld). Returns the released tranches' ids by (allocation, number)."""
    rng, now = ctx.rng, ctx.now
    this_year = calendar.school_year_of(timezone.localdate(now))
    counts = dict(
        Programme.objects.filter(id__in={f.programme_id for f in funded}).values_list(
            "id", "tranche_count"
        )
    )
    rows = []
    for f in funded:
        keeper = keepers[f.region_id][0]
        first_due = (f.signed or timezone.localdate(f.allocated_at)) + dt.timedelta(
            days=FIRST_TRANCHE_DAYS
        )
        # The school year holding the middle of the first pairing year (the evaluation's
        # evaluation.services.tranche_school_year; funding does not import it).
        evaluated = (
            calendar.school_year_of(f.signed + dt.timedelta(days=182))
            if f.status == PairingStatus.ACTIVE and f.signed
            else None
        )
        released = None
        for number, part in enumerate(tranche_schedule(f.amount, counts[f.programme_id]), 1):
            status, year, note, at = TrancheStatus.SCHEDULED, None, "", None
            if number == 1 and f.status == PairingStatus.ACTIVE:
                status, note = TrancheStatus.RELEASED, "帮扶协议已签订，首期经费拨付。"
                at = released = _between(rng, f.allocated_at, now, 0.01, 0.15)
            elif number == 2 and released and evaluated is not None and evaluated < this_year:
                year, passed = evaluated, rng.random() < 0.9
                score = rng.randint(75, 96) if passed else rng.randint(55, 74)
                note = str(score)  # as the service keeps it: in no language
                if passed:
                    status = TrancheStatus.RELEASED
                    at = _between(rng, max(released, ctx.days_ago(90)), now, 0.0, 0.3)
                else:
                    status = TrancheStatus.WITHHELD
            f.tranches.append((number, part, status, year, at))
            rows.append((f.allocation_id, number, part, first_due if number == 1 else None,
                         status, year, note, at, keeper if at else None))  # fmt: skip
    copy_rows(Tranche, TRANCHE_COLUMNS, rows)
    return {
        (allocation_id, number): pk
        for pk, allocation_id, number in Tranche.objects.filter(
            status=TrancheStatus.RELEASED
        ).values_list("id", "allocation_id", "number")
    }


# --- disbursements ------------------------------------------------------------------------------


def _claims(ctx, funded: list[Funded], keepers) -> list[Claim]:
    rng, now = ctx.rng, ctx.now
    today = timezone.localdate(now)
    schools = {s for f in funded for s, _r in [f.helping, *f.assisted]}
    coordinators: dict[int, int] = {}
    for school_id, user_id in (
        RoleAssignment.objects.filter(role=Role.COORDINATOR, school_id__in=schools)
        .order_by("id")
        .values_list("school_id", "user_id")
    ):
        coordinators.setdefault(school_id, user_id)
    staff: dict[int, list[int]] = {}
    for school_id, teacher_id in (
        Teacher.objects.filter(school_id__in=schools, is_active=True)
        .order_by("id")
        .values_list("school_id", "id")
    ):
        staff.setdefault(school_id, []).append(teacher_id)
    secondments: dict[int, list[tuple]] = {}
    for row in (
        Secondment.objects.filter(
            pairing_id__in=[f.pairing_id for f in funded], cancelled_at__isnull=True,
            end__lt=today,
        )
        .order_by("id")
        .values_list("pairing_id", "id", "teacher_id", "home_school_id", "home_region_id",
                     "host_region__path", "start", "end")
    ):  # fmt: skip
        secondments.setdefault(row[0], []).append(row[1:])

    total = DISBURSEMENTS_PER_PAIRING * ctx.size.pairings
    claims: list[Claim] = []
    references = iter(range(1, 10_000_000))
    fiscal_year = calendar.school_year_of(today)
    for n, f in enumerate(funded):
        wanted = total // len(funded) + (1 if n < total % len(funded) else 0)
        keeper, approver = keepers[f.region_id]
        drafts = []
        for secondment in secondments.get(f.pairing_id, []):
            if len(drafts) < wanted and rng.random() < MEAL_SHARE:
                drafts.append(_meal(rng, f, secondment, now))
        while len(drafts) < wanted:
            drafts.append(_expense(rng, f, staff, now))
        drafts.sort(key=lambda d: d["created_at"])
        released = [(t[4], t[1]) for t in f.tranches if t[4] is not None]
        committed = Decimal(0)
        for values in drafts:
            status = _status(rng, values, f, released, committed)
            if status in COMMITTED:
                committed += values["amount"]
            requester = coordinators.get(values["school_id"], keeper)
            decider = approver if requester == keeper else keeper
            reference = f"PZ{fiscal_year}{next(references):07d}"
            claims.append(_lifecycle(rng, f, values, status, requester, decider, keeper,
                                     reference, now))  # fmt: skip
    return claims


def _meal(rng, f: Funded, secondment: tuple, now) -> dict:
    pk, teacher_id, school_id, region_id, host_path, start, end = secondment
    days = calendar.working_days(start, end, host_path)
    rate = Decimal(str(settings.MEAL_ALLOWANCE_PER_WORKING_DAY))
    ended = timezone.make_aware(dt.datetime.combine(end, dt.time(10)))
    start_at = max(ended, _first_release(f) or f.allocated_at)
    return {
        "purpose": Purpose.MEAL_ALLOWANCE, "payee_kind": PayeeKind.TEACHER,
        "payee_teacher_id": teacher_id, "school_id": school_id, "region_id": region_id,
        "amount": (rate * days).quantize(CENT), "description": MEAL_DESCRIPTION,
        "secondment_id": pk, "period_start": start, "period_end": end, "working_days": days,
        "created_at": _between(rng, start_at, now, 0.0, 0.2),
    }  # fmt: skip


def _expense(rng, f: Funded, staff, now) -> dict:
    purpose, _w, least, most, descriptions = rng.choices(PURPOSES, [p[1] for p in PURPOSES])[0]
    school_id, region_id = rng.choice([f.helping, *f.assisted])
    teacher = None
    people = staff.get(school_id)
    if purpose == Purpose.TRANSPORT and people and rng.random() < 0.3:
        teacher = rng.choice(people)
    amount = (Decimal(rng.randint(least * 10, most * 10)) / 10).quantize(CENT)
    # Where money has been released, requests come after it; elsewhere after allocating.
    start = _first_release(f) or f.allocated_at
    return {
        "purpose": purpose, "payee_kind": PayeeKind.TEACHER if teacher else PayeeKind.SCHOOL,
        "payee_teacher_id": teacher, "school_id": school_id, "region_id": region_id,
        "amount": amount, "description": rng.choice(descriptions), "secondment_id": None,
        "period_start": None, "period_end": None, "working_days": None,
        "created_at": _between(rng, start, now, 0.0, 1.0),
    }  # fmt: skip


def _first_release(f: Funded) -> dt.datetime | None:
    return next((t[4] for t in f.tranches if t[4] is not None), None)


def _status(rng, values, f: Funded, released, committed: Decimal) -> str:
    """A status drawn by weight that the money allows: approvals only out of what was
    released by the time of the decision, submissions only out of what is not yet
    spoken for."""
    weights = STATUS_WEIGHTS if released else UNRELEASED_WEIGHTS
    status = rng.choices(list(weights), list(weights.values()))[0]
    amount = values["amount"]
    if status in (S.APPROVED, S.PAID, S.REVERSED):
        # Released by the time of the request, so surely by the time of the decision.
        available = sum((a for at, a in released if at <= values["created_at"]), Decimal(0))
        if committed + amount > available:
            status = S.SUBMITTED
    if status != S.DRAFT and committed + amount > f.amount:
        status = S.DRAFT
    return status


def _lifecycle(rng, f, values, status, requester, decider, payer, reference, now) -> Claim:
    created = values["created_at"]
    steps = [("", S.DRAFT, requester, "", created)]
    receipts = []
    needs_receipt = values["purpose"] != Purpose.MEAL_ALLOWANCE
    if needs_receipt and (status != S.DRAFT or rng.random() < 0.5):
        receipts.append(("发票.pdf", requester, created))
    row = {**values, "allocation_id": f.allocation_id, "pairing_id": f.pairing_id,
           "activity_id": None, "status": status, "requested_by_id": requester,
           "submitted_at": None, "decided_by_id": None, "decided_at": None,
           "decision_comment": "", "paid_on": None, "payment_reference": "", "paid_by_id": None,
           "reversal_reason": ""}  # fmt: skip
    at = created
    if status != S.DRAFT:
        at = row["submitted_at"] = _between(rng, at, now, 0.0, 0.05)
        steps.append((S.DRAFT, S.SUBMITTED, requester, "", at))
    if status in (S.APPROVED, S.PAID, S.REVERSED, S.REJECTED):
        at = row["decided_at"] = _between(rng, at, now, 0.02, 0.2)
        row["decided_by_id"] = decider
        if status == S.REJECTED:
            row["decision_comment"] = rng.choice(REJECTIONS)
            steps.append((S.SUBMITTED, S.REJECTED, decider, row["decision_comment"], at))
        else:
            steps.append((S.SUBMITTED, S.APPROVED, decider, "", at))
    if status in (S.PAID, S.REVERSED):
        at = _between(rng, at, now, 0.02, 0.3)
        row.update(paid_on=timezone.localdate(at), payment_reference=reference, paid_by_id=payer)
        row["paid_at"] = at
        steps.append((S.APPROVED, S.PAID, payer, reference, at))
        if rng.random() < 0.3:
            receipts.append(("付款凭证.pdf", payer, at))
    if status == S.REVERSED:
        at = _between(rng, at, now, 0.05, 0.5)
        row["reversal_reason"] = rng.choice(REVERSALS)
        row["reversed_at"] = at
        steps.append((S.PAID, S.REVERSED, payer, row["reversal_reason"], at))
    row["updated_at"] = at
    return Claim(f, row, steps, receipts)


def _write_disbursements(claims: list[Claim]) -> list[int]:
    copy_rows(
        Disbursement,
        DISBURSEMENT_COLUMNS,
        ([claim.values[c] for c in DISBURSEMENT_COLUMNS] for claim in claims),
    )
    ids = []
    rows = Disbursement.objects.order_by("id").values_list("id", "pairing_id")
    for (pk, pairing_id), claim in zip(rows, claims, strict=True):
        if pairing_id != claim.funded.pairing_id:
            raise RuntimeError("disbursements were read back in another order")
        ids.append(pk)
    return ids


# --- the ledger ---------------------------------------------------------------------------------


def _ledger(funded, budgets, keepers, tranche_ids, claims: list[Claim], ids: list[int]) -> int:
    """What the services write: an entry per allocation, released tranche and payment; then
    a reversal of each reversed payment, naming it."""
    rows = []
    for f in funded:
        budget_id = budgets[f.programme_id].pk
        keeper = keepers[f.region_id][0]
        base = (budget_id, f.allocation_id, f.pairing_id, f.helping[1])
        memo = f.title  # as the services write them: in no language
        rows.append((EntryKind.ALLOCATION, Account.ALLOCATED, f.amount, *base, None, None, None,
                     memo[:200], keeper, f.allocated_at))  # fmt: skip
        for number, amount, status, _year, at in f.tranches:
            if status == TrancheStatus.RELEASED:
                memo = f"#{number}"
                rows.append((EntryKind.RELEASE, Account.RELEASED, amount, *base,
                              tranche_ids[(f.allocation_id, number)], None, None, memo,
                              keeper, at))  # fmt: skip
    reversed_ids = {}
    for pk, claim in zip(ids, claims, strict=True):
        v, f = claim.values, claim.funded
        if v["status"] not in (S.PAID, S.REVERSED):
            continue
        base = (budgets[f.programme_id].pk, f.allocation_id, f.pairing_id, f.helping[1])
        memo = v["payment_reference"][:200]
        rows.append((EntryKind.PAYMENT, Account.PAID, v["amount"], *base, None, pk, None, memo,
                     v["paid_by_id"], v["paid_at"]))  # fmt: skip
        if v["status"] == S.REVERSED:
            reversed_ids[pk] = claim
    written = copy_rows(LedgerEntry, LEDGER_COLUMNS, rows)
    payments = LedgerEntry.objects.filter(
        kind=EntryKind.PAYMENT, disbursement_id__in=list(reversed_ids)
    ).values_list("id", "disbursement_id", "amount")
    reversals = []
    for entry_id, disbursement_id, amount in payments:
        claim = reversed_ids[disbursement_id]
        v, f = claim.values, claim.funded
        base = (budgets[f.programme_id].pk, f.allocation_id, f.pairing_id, f.helping[1])
        reversals.append((EntryKind.REVERSAL, Account.PAID, -amount, *base, None,
                          disbursement_id, entry_id, v["reversal_reason"][:200],
                          v["paid_by_id"], v["reversed_at"]))  # fmt: skip
    return written + copy_rows(LedgerEntry, LEDGER_COLUMNS, reversals)


def _between(rng, start: dt.datetime, end: dt.datetime, low: float, high: float) -> dt.datetime:
    """A moment between ``start`` and ``end``, ``low`` to ``high`` of the way (never after
    ``end``, never before ``start``)."""
    if end <= start:
        return start
    return start + (end - start) * rng.uniform(low, high)


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _coordinators(school_ids) -> dict[int, int]:
    """The first coordinator of each school, by school id."""
    found: dict[int, int] = {}
    for school_id, user_id in (
        RoleAssignment.objects.filter(role=Role.COORDINATOR, school_id__in=list(school_ids))
        .order_by("id")
        .values_list("school_id", "user_id")
    ):
        found.setdefault(school_id, user_id)
    return found


def _copy_back(model, columns: list[str], rows: list[tuple]) -> list[int]:
    """Write ``rows`` and return their new ids, in the same order."""
    before = model.objects.order_by("-id").values_list("id", flat=True).first() or 0
    copy_rows(model, columns, rows)
    ids = list(model.objects.filter(id__gt=before).order_by("id").values_list("id", flat=True))
    if len(ids) != len(rows):
        raise RuntimeError(f"{model.__name__}: wrote {len(rows)} rows, read back {len(ids)}")
    return ids


# --- donations in kind --------------------------------------------------------------------------

DONATIONS_PER_PAIRING = 2.5
# (category, items, unit, least and most, yuan apiece)
GIFTS = [
    (DonationCategory.EQUIPMENT, "笔记本电脑", "台", 2, 20, 3500),
    (DonationCategory.EQUIPMENT, "多媒体教学一体机", "台", 1, 4, 9000),
    (DonationCategory.BOOKS, "课外读物", "册", 200, 2000, 25),
    (DonationCategory.BOOKS, "教辅资料", "套", 50, 300, 40),
    (DonationCategory.CLOTHING, "冬季校服", "套", 50, 300, 120),
    (DonationCategory.CLOTHING, "羽绒服", "件", 30, 200, 180),
    (DonationCategory.STATIONERY, "学习用品礼包", "份", 50, 400, 35),
    (DonationCategory.STATIONERY, "书包", "个", 50, 300, 60),
    (DonationCategory.SPORTS, "篮球、足球", "个", 20, 100, 90),
    (DonationCategory.SPORTS, "跳绳、毽子", "套", 50, 200, 15),
    (DonationCategory.OTHER, "净水设备", "台", 1, 3, 6000),
]  # fmt: skip
DONORS = ["{school}家长委员会", "{school}校友会", "市慈善总会", "县教育基金会", "爱心企业联合会",
          "青年志愿者协会", "新华书店", "县工商联"]  # fmt: skip
DONATION_COLUMNS = [
    "pairing_id", "school_id", "region_id", "donor", "category", "items", "quantity", "unit",
    "estimated_value", "received_on", "note", "recorded_by_id", "recorded_at",
]  # fmt: skip
DONATION_EVIDENCE_COLUMNS = [
    "donation_id", "school_id", "region_id", "file", "name", "content_type", "size",
    "uploaded_by_id", "uploaded_at", "thumbnail",
]  # fmt: skip


def _donations(ctx: ScaleContext, timer: Timer) -> None:
    """Goods received by a school of a funded pairing (mostly the assisted one), recorded
    by its coordinator or else the pairing's bureau; a photo of the handover for most."""
    rng, now = ctx.rng, ctx.now
    today = timezone.localdate(now)
    funded = _funded_pairings()
    keepers = _keepers({f.region_id for f in funded})
    funded = [f for f in funded if f.region_id in keepers]
    if not funded:
        return
    schools = {s for f in funded for s, _r in [f.helping, *f.assisted]}
    coordinators = _coordinators(schools)
    names = dict(School.objects.filter(id__in=schools).values_list("id", "name"))
    total = int(DONATIONS_PER_PAIRING * ctx.size.pairings)
    rows, evidence = [], []
    for n in range(total):
        f = funded[n % len(funded)]
        school_id, region_id = rng.choice(f.assisted) if rng.random() < 0.8 else f.helping
        category, items, unit, least, most, apiece = rng.choice(GIFTS)
        quantity = rng.randint(least, most)
        value = (Decimal(apiece * quantity) * Decimal(rng.uniform(0.8, 1.2))).quantize(CENT)
        start = _at(f.signed) if f.signed else ctx.days_ago(300)
        received = timezone.localdate(_between(rng, start, now, 0.0, 1.0))
        recorded_at = min(now, _at(received, 16) + dt.timedelta(days=rng.randint(0, 3)))
        recorder = coordinators.get(school_id, keepers[f.region_id][0])
        donor = rng.choice(DONORS).format(school=names[f.helping[0]])
        rows.append((f.pairing_id, school_id, region_id, donor[:150], category, items, quantity,
                     unit, value, min(received, today), "", recorder, recorded_at))  # fmt: skip
    ids = _copy_back(Donation, DONATION_COLUMNS, rows)
    timer.step("donations in kind", len(ids))
    for pk, row in zip(ids, rows, strict=True):
        if rng.random() < 0.6:
            evidence.append((pk, row[1], row[2], "files/scale/donation.jpg", "交接照片.jpg",
                             "image/jpeg", 230_000, row[11], row[12], ""))  # fmt: skip
    timer.step("donation evidence", copy_rows(DonationEvidence, DONATION_EVIDENCE_COLUMNS,
                                              evidence))  # fmt: skip


# --- student aid (资助) -------------------------------------------------------------------------

STUDENTS_PER_PAIRING = 10  # spread over the assisted schools: about eight each by default
CLOTHING_SHARE = 0.3  # of the students, who also apply for the winter clothing
ACCESS_LOG_PER_PAIRING = 10
OBJECTION_SHARE = 0.015  # of the applications put on notice
# (name, kind, form, period, description, tiers: (name, yuan, items, weight))
SCHEMES = [
    ("义务教育家庭经济困难学生生活补助", AidKind.NATIONAL_GRANT, AidForm.MONEY, AidPeriod.TERM,
     "按学期发放，一档每生每学期 625 元，二档 500 元；公示五个工作日。",
     [("一档", Decimal(625), "", 40), ("二档", Decimal(500), "", 60)]),
    ("冬季送温暖冬衣发放", AidKind.WINTER_CLOTHING, AidForm.IN_KIND, AidPeriod.YEAR,
     "每学年入冬前为家庭经济困难学生发放冬衣一套。",
     [("冬衣一套", Decimal(0), "棉衣、棉裤、棉鞋各一", 1)]),
]  # fmt: skip
# How a school's applications to a scheme stand: its notice is over (most), runs now, or
# has not been opened yet; and the statuses drawn for each case.
GROUPS = {"past": 80, "current": 12, "none": 8}
A = AidStatus
AID_WEIGHTS = {
    "past": {A.PAID: 84, A.APPROVED: 4, A.NOTICE: 2, A.REJECTED: 3, A.REVIEW: 2, A.DRAFT: 4,
             A.WITHDRAWN: 1},
    "current": {A.NOTICE: 86, A.REJECTED: 3, A.REVIEW: 3, A.DRAFT: 7, A.WITHDRAWN: 1},
    "none": {A.REVIEW: 45, A.DRAFT: 50, A.WITHDRAWN: 5},
}  # fmt: skip
ON_NOTICE = (A.NOTICE, A.APPROVED, A.PAID)
CIRCUMSTANCES = ["父母外出务工，留守儿童", "单亲家庭，由祖父母抚养", "低保家庭",
                 "家中有重病患者", "父亲务工受伤，母亲照顾弟妹", "脱贫户家庭",
                 "孤儿，由亲属监护", "残疾人家庭"]  # fmt: skip
GRADES = {"kindergarten": ["k"], "primary": list("123456"), "junior": list("789"),
          "nine_year": list("123456789"), "senior": ["10", "11", "12"],
          "vocational": ["10", "11", "12"]}  # fmt: skip
GRADE_NAMES = {"k": "大", "1": "一", "2": "二", "3": "三", "4": "四", "5": "五",
               "6": "六", "7": "七", "8": "八", "9": "九", "10": "高一", "11": "高二",
               "12": "高三"}  # fmt: skip
STUDENT_GIVEN = "子梓浩宇轩欣怡思琪雨涵佳俊博文明杰晨曦嘉豪诗婷一诺可馨"
AID_REJECTIONS = ["家庭经济状况经核实不符合资助条件。", "材料不全，请补充后下学期重新申请。",
                  "已享受同类资助，不重复资助。"]  # fmt: skip
OBJECTIONS = ["反映该生家庭近期购置新车，经济条件较好。", "有家长反映该生父母均有稳定工作。",
              "对该生的资助档次有异议。"]  # fmt: skip
NOT_UPHELD = "经班主任再次家访核实，情况属实，维持原认定。"
UPHELD = "经核实，该生家庭经济状况已明显好转，不予资助。"
AID_FORM = ("files/scale/aid-form.pdf", "监护人签字.pdf", "application/pdf", 120_000)

STUDENT_COLUMNS = [
    "school_id", "region_id", "name", "gender", "grade", "class_name", "guardian_name",
    "guardian_phone", "note", "created_by_id", "created_at", "updated_at",
]  # fmt: skip
NOTICE_COLUMNS = [
    "scheme_id", "school_id", "region_id", "period_key", "starts_on", "ends_on", "token",
    "published_at", "published_by_id", "created_by_id", "created_at",
]  # fmt: skip
APPLICATION_COLUMNS = [
    "student_id", "school_id", "region_id", "scheme_id", "tier_id", "school_year", "term",
    "period_key", "status", "notice_id", "renewal_of_id", "decided_by_id", "decided_at",
    "decision_comment", "paid_on", "payment_reference", "created_by_id", "created_at",
    "updated_at",
]  # fmt: skip
AID_DOCUMENT_COLUMNS = [
    "application_id", "step", "school_id", "region_id", "file", "name", "content_type", "size",
    "uploaded_by_id", "uploaded_at", "thumbnail",
]  # fmt: skip
OBJECTION_COLUMNS = [
    "notice_id", "application_id", "received_on", "content", "resolution", "upheld",
    "resolved_by_id", "resolved_at", "recorded_by_id",
]  # fmt: skip


@dataclass
class AidSchool:
    pk: int
    region_id: int
    path: str  # the county's
    city_id: int
    stage: str
    coordinator: int
    students: list[int] = field(default_factory=list)  # indexes into the student rows


@dataclass
class Period:
    """The period a scheme's applications are for now, and its window of events."""

    school_year: int
    term: int | None
    key: str
    first: dt.date
    last: dt.date
    opens: dt.datetime  # identification starts a little before the period


def _student_aid(ctx: ScaleContext, timer: Timer) -> None:
    rng = ctx.rng
    schools = _aid_schools()
    officers = _aid_officers({s.city_id for s in schools})
    schools = [s for s in schools if s.city_id in officers]
    if not schools:
        ctx.log("  (no aid officer or assisted school: no student aid)")
        return
    schemes = _schemes(ctx, officers)
    timer.step("aid schemes", sum(len(v) for v in schemes.values()))
    periods = {period: _period(ctx, period) for period in AidPeriod.values}
    students = _students(ctx, schools, min(p.opens for p in periods.values()))
    student_ids = _copy_back(Student, STUDENT_COLUMNS, students)
    timer.step("students", len(student_ids))
    notices, applications, objections = [], [], []
    windows: dict[tuple[dt.date, str, int], tuple[dt.date, dt.date]] = {}
    for school in schools:
        for n, (scheme, tiers) in enumerate(schemes[school.city_id]):
            members = [i for i in school.students if n == 0 or rng.random() < CLOTHING_SHARE]
            if members:
                _group(ctx, school, scheme, tiers, periods[scheme.period], members,
                       officers[school.city_id], windows, notices, applications,
                       objections)  # fmt: skip
    notice_ids = _copy_back(AidNotice, NOTICE_COLUMNS, [n[0] for n in notices])
    timer.step("aid notices", len(notice_ids))
    for a in applications:
        a["student_id"] = student_ids[a.pop("student")]
        notice = a.pop("notice")
        a["notice_id"] = notice_ids[notice] if notice is not None else None
    ids = _copy_back(
        AidApplication, APPLICATION_COLUMNS, [tuple(a[c] for c in APPLICATION_COLUMNS)
                                              for a in applications]
    )  # fmt: skip
    timer.step("aid applications", len(ids))
    timer.step("identification steps", copy_rows(
        AidStepRecord, ["application_id", "step", "done_on", "note", "recorded_by_id",
                        "recorded_at"],
        ((pk, step, day, note, a["created_by_id"], _at(day, 17))
         for pk, a in zip(ids, applications, strict=True) for step, day, note in a["steps"]),
    ))  # fmt: skip
    timer.step("aid documents", copy_rows(
        AidDocument, AID_DOCUMENT_COLUMNS,
        ((pk, AidStep.GUARDIAN_SIGNATURE, a["school_id"], a["region_id"], *AID_FORM,
          a["created_by_id"], _at(day, 17), "")
         for pk, a in zip(ids, applications, strict=True) for step, day, _n in a["steps"]
         if step == AidStep.GUARDIAN_SIGNATURE),
    ))  # fmt: skip
    timer.step("aid objections", copy_rows(
        AidObjection, OBJECTION_COLUMNS,
        ((notice_ids[notice], ids[index], *rest) for notice, index, *rest in objections),
    ))  # fmt: skip
    timer.step("student access log", copy_rows(
        StudentAccessLog, ["user_id", "student_id", "region_id", "action", "what", "at"],
        _access_log(ctx, schools, officers, students, student_ids, ids, applications),
    ))  # fmt: skip


def _aid_schools() -> list[AidSchool]:
    """The assisted schools of the pairings that have a coordinator, by id."""
    assisted = set(
        PairingMember.objects.filter(role=PairingMember.Role.ASSISTED).values_list(
            "school_id", flat=True
        )
    )
    coordinators = _coordinators(assisted)
    rows = (
        School.objects.filter(id__in=list(coordinators))
        .order_by("id")
        .values_list("id", "region_id", "region__path", "stage")
    )
    schools = []
    for pk, region_id, path, stage in rows:
        ancestors = [int(p) for p in path.strip("/").split("/") if p]
        city = ancestors[-2] if len(ancestors) >= 2 else ancestors[-1]
        schools.append(AidSchool(pk, region_id, path, city, stage, coordinators[pk]))
    return schools


def _aid_officers(city_ids: set[int]) -> dict[int, int]:
    """An aid officer (Role.AID) of each city or above it, nearest first, by city id."""
    paths = dict(Region.objects.filter(id__in=city_ids).values_list("id", "path"))
    above = {pk: [int(p) for p in path.strip("/").split("/") if p][::-1]
             for pk, path in paths.items()}  # fmt: skip
    staff: dict[int, int] = {}
    for region_id, user_id in (
        RoleAssignment.objects.filter(
            role=Role.AID, region_id__in={r for ids in above.values() for r in ids}
        )
        .order_by("id")
        .values_list("region_id", "user_id")
    ):
        staff.setdefault(region_id, user_id)
    officers = {}
    for pk, ancestors in above.items():
        officer = next((staff[r] for r in ancestors if r in staff), None)
        if officer is not None:
            officers[pk] = officer
    return officers


def _schemes(ctx, officers: dict[int, int]) -> dict[int, list[tuple[AidScheme, list]]]:
    """The two schemes of each city (made by its aid officer), with their tiers and the
    weights they are drawn by."""
    made = {}
    schemes, tiers = [], []
    for city_id, officer in sorted(officers.items()):
        for name, kind, form, period, description, levels in SCHEMES:
            scheme = AidScheme(region_id=city_id, name=name, kind=kind, form=form,
                               period=period, notice_days=5, description=description,
                               created_by_id=officer)  # fmt: skip
            schemes.append(scheme)
            made.setdefault(city_id, []).append((scheme, levels))
    bulk(AidScheme, schemes)
    AidScheme.objects.filter(pk__in=[s.pk for s in schemes]).update(created_at=ctx.days_ago(400))
    for entries in made.values():
        for scheme, levels in entries:
            for order, (name, amount, items, _w) in enumerate(levels, 1):
                tiers.append(AidTier(scheme=scheme, name=name, amount=amount, items=items,
                                     order=order))  # fmt: skip
    bulk(AidTier, tiers)
    by_scheme: dict[int, list] = {}
    for tier in tiers:
        by_scheme.setdefault(tier.scheme_id, []).append(tier)
    return {
        city_id: [(scheme, [(t.pk, w) for t, (*_x, w) in zip(by_scheme[scheme.pk], levels,
                                                                strict=True)])
                  for scheme, levels in entries]
        for city_id, entries in made.items()
    }  # fmt: skip


def _students(ctx, schools: list[AidSchool], before: dt.datetime) -> list[tuple]:
    """Ten students a pairing, spread evenly over the assisted schools, recorded
    ``before`` their applications."""
    from schools.scale import SURNAMES

    rng = ctx.rng
    total = STUDENTS_PER_PAIRING * ctx.size.pairings
    rows = []
    for n, school in enumerate(schools):
        wanted = total // len(schools) + (1 if n < total % len(schools) else 0)
        for _k in range(max(1, wanted)):
            surname = rng.choice(SURNAMES)
            name = surname + "".join(rng.choice(STUDENT_GIVEN) for _ in range(rng.choice((1, 2))))
            grade = rng.choice(GRADES.get(school.stage, GRADES["primary"]))
            guardian = surname + rng.choice("建国德福春梅桂兰大山秀英志强")
            created = before - dt.timedelta(days=rng.uniform(1, 300))
            school.students.append(len(rows))
            rows.append((school.pk, school.region_id, name, rng.choice("fm"), grade,
                         f"{GRADE_NAMES[grade]}({rng.randint(1, 4)})班", guardian,
                         f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
                         rng.choice(CIRCUMSTANCES), school.coordinator, created,
                         created))  # fmt: skip
    return rows


def _period(ctx, period: str) -> Period:
    """This term (or school year); in the summer, the coming one, as the services do."""
    today = timezone.localdate(ctx.now)
    year, term = calendar.school_year_of(today), calendar.term_of(today)
    first, last = calendar.period_bounds("term", year, term)
    if last < today:
        year, term = year + 1, 1
    if period == AidPeriod.YEAR:
        first, last = calendar.period_bounds("year", year, None)
        term, key = None, str(year)
    else:
        first, last = calendar.period_bounds("term", year, term)
        key = f"{year}-{term}"
    opens = min(_at(first - dt.timedelta(days=14)), ctx.now - dt.timedelta(days=7))
    return Period(year, term, key, first, last, opens)


def _group(ctx, school: AidSchool, scheme: AidScheme, tiers, period: Period, members,
           officer: int, windows, notices, applications, objections) -> None:  # fmt: skip
    """The applications of one school to one scheme for the period, and their notice: over
    (most are then paid), running now, or not opened yet."""
    rng, now = ctx.rng, ctx.now
    today = timezone.localdate(now)
    kind = rng.choices(list(GROUPS), list(GROUPS.values()))[0]
    statuses = [rng.choices(list(AID_WEIGHTS[kind]), list(AID_WEIGHTS[kind].values()))[0]
                for _m in members]  # fmt: skip
    notice = None
    if any(s in ON_NOTICE for s in statuses):
        if kind == "past":
            opened = _between(rng, period.opens, now, 0.3, 0.6)
        else:
            opened = min(_at(today - dt.timedelta(days=rng.randint(0, 4)), 8),
                         now - dt.timedelta(hours=1))  # fmt: skip
        key = (timezone.localdate(opened), school.path, scheme.notice_days)
        if key not in windows:
            windows[key] = calendar.working_day_window(key[0], key[2], key[1])
        starts, ends = windows[key]
        if ends >= today - dt.timedelta(days=1):
            # Not over in time to be decided: everything on it is on notice still.
            statuses = [A.NOTICE if s in ON_NOTICE else s for s in statuses]
            kind = "current"
        published = kind == "past" or rng.random() < 0.7
        published_at = _between(rng, opened, _at(starts, 8), 0.1, 0.9) if published else None
        notice = len(notices)
        notices.append(((scheme.pk, school.pk, school.region_id, period.key, starts, ends,
                         secrets.token_urlsafe(32), published_at, officer if published else None,
                         school.coordinator, opened), starts, ends))  # fmt: skip
    for student, status in zip(members, statuses, strict=True):
        tier = rng.choices([t for t, _w in tiers], [w for _t, w in tiers])[0]
        a = {"student": student, "school_id": school.pk, "region_id": school.region_id,
             "scheme_id": scheme.pk, "tier_id": tier, "school_year": period.school_year,
             "term": period.term, "period_key": period.key, "status": status, "notice": None,
             "renewal_of_id": None, "decided_by_id": None, "decided_at": None,
             "decision_comment": "", "paid_on": None, "payment_reference": "",
             "created_by_id": school.coordinator}  # fmt: skip
        _aid_lifecycle(rng, now, a, scheme, period, notice, notices, officer)
        if a["notice"] is not None and rng.random() < OBJECTION_SHARE:
            _objection(rng, now, a, notices[notice], len(applications), officer, objections)
        applications.append(a)


def _aid_lifecycle(rng, now, a: dict, scheme, period: Period, notice, notices, officer) -> None:
    """The application's dates and decisions, consistent with its notice: submitted
    before it opened if it is on it, after it if still under review."""
    status = a["status"]
    opened = notices[notice][0][10] if notice is not None else None
    ends = notices[notice][2] if notice is not None else None
    submitted = decided = None
    if status in ON_NOTICE:
        created = _between(rng, period.opens, opened, 0.0, 0.5)
        submitted = _between(rng, created, opened, 0.5, 0.95)
        a["notice"] = notice
    elif status in (A.REVIEW, A.REJECTED):
        created = _between(rng, period.opens, now, 0.0, 0.6)
        start = max(created, opened) if status == A.REVIEW and opened else created
        submitted = _between(rng, start, now, 0.05, 0.6)
        if status == A.REJECTED:
            # Decided before a notice opened that it would otherwise have been put on.
            end = opened if opened and submitted < opened else now
            decided = _between(rng, submitted, end, 0.05, 0.5)
            a["decision_comment"] = rng.choice(AID_REJECTIONS)
    else:  # draft or withdrawn
        created = _between(rng, period.opens, now, 0.1, 0.95)
    a["created_at"] = created
    # The five steps before submitting; part of them for those still being identified.
    done = 5 if submitted else rng.randint(0, 4)
    last = submitted or now
    days = sorted(timezone.localdate(_between(rng, created, last, 0.0, 1.0)) for _s in range(done))
    a["steps"] = [(step, day, "班主任、家访教师核实" if step == AidStep.HOME_VISIT else "")
                  for step, day in zip(AidStep.values, days, strict=False)]  # fmt: skip
    if status in (A.APPROVED, A.PAID):
        decided = _between(rng, _at(ends + dt.timedelta(days=1), 8), now, 0.0, 0.3)
    if status == A.PAID:
        paid = _between(rng, max(decided, _at(period.first, 8)), now, 0.05, 0.5)
        paid_on = timezone.localdate(paid)
        if period.first <= paid_on <= min(period.last, timezone.localdate(now)):
            a["paid_on"] = paid_on
            if scheme.form == AidForm.MONEY:
                number = rng.randint(0, 999_999)
                a["payment_reference"] = f"ZZ{period.key.replace('-', '')}{number:06d}"
        else:
            a["status"] = status = A.APPROVED
    if decided is not None:
        a["decided_by_id"], a["decided_at"] = officer, decided
    a["updated_at"] = max(t for t in (created, submitted, decided, now if status == A.WITHDRAWN
                                       else None) if t is not None)  # fmt: skip


def _objection(rng, now, a: dict, notice: tuple, index: int, officer: int, objections) -> None:
    """An objection received during the notice: resolved before any decision; upheld for
    some of the notices that are over, which rejects the application."""
    today = timezone.localdate(now)
    _row, starts, ends = notice
    if starts > today:
        return
    received = starts + dt.timedelta(days=rng.randint(0, (min(ends, today) - starts).days))
    content = rng.choice(OBJECTIONS)
    if a["status"] == A.NOTICE and rng.random() < 0.5:
        objections.append((a["notice"], index, received, content, "", None, None, None,
                           a["created_by_id"]))  # fmt: skip
        return
    resolved = min(now, _between(rng, _at(received, 10), a["decided_at"] or now, 0.1, 0.6))
    upheld = a["status"] in (A.APPROVED, A.PAID) and rng.random() < 0.3
    if upheld:
        a.update(status=A.REJECTED, decided_at=resolved, decision_comment=UPHELD, paid_on=None,
                 payment_reference="", updated_at=resolved)  # fmt: skip
    objections.append((a["notice"], index, received, content, UPHELD if upheld else NOT_UPHELD,
                       upheld, officer, resolved, a["created_by_id"]))  # fmt: skip


def _access_log(ctx, schools, officers, students, student_ids, application_ids, applications):
    """Who read whose details over the last three months: mostly the aid officers, also
    the coordinators; pages, downloads and the API, as funding.privacy logs them."""
    rng, now = ctx.rng, ctx.now
    by_student = {}
    for pk, a in zip(application_ids, applications, strict=True):
        by_student.setdefault(a["student_id"], pk)
    city = {s.pk: s.city_id for s in schools}
    total = ACCESS_LOG_PER_PAIRING * ctx.size.pairings
    for _n in range(total):
        index = rng.randrange(len(students))
        school_id, region_id = students[index][0], students[index][1]
        student = student_ids[index]
        if rng.random() < 0.7:
            user = officers[city[school_id]]
        else:
            user = students[index][9]
        roll = rng.random()
        if roll < 0.8:
            action = StudentAccessLog.Action.VIEW
            application = by_student.get(student)
            what = (
                _("application #%(number)s") % {"number": application}
                if application and roll < 0.4
                else _("the student's page")
                if roll < 0.6
                else _("the list of students")
            )
        elif roll < 0.9:
            action = StudentAccessLog.Action.EXPORT
            what = _("download of applications (%(format)s)") % {"format": "xlsx"}
        else:
            action, what = StudentAccessLog.Action.API, "GET /api/students/"
        since = max(students[index][10], ctx.days_ago(90))
        yield user, student, region_id, action, what[:300], _between(rng, since, now, 0.0, 1.0)
