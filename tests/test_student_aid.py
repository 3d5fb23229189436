"""Student aid (资助, DESIGN.md §3 funding/) through its services: students without ID
numbers, schemes and tiers, an application from identification through review, public
notice (working days, 调休 included), objections, approval, payment and the yearly
re-review; no double aid; who may do what; masked names; scoped reads."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from funding import selectors, services
from funding.models import (
    AidApplication,
    AidDocument,
    AidNotice,
    AidObjection,
    AidReview,
    AidScheme,
    AidStatus,
    AidStep,
    AidStepRecord,
    AidTier,
    Student,
    StudentAccessLog,
)
from funding.privacy import log_access, mask_name
from twinning import access

from .factories import Role, UserFactory, assign

TODAY = dt.date(2026, 9, 21)  # a Monday early in term 1 of 2026–2027
ID_NUMBER = "51010120100101123X"  # the shape of a resident ID (not a real one)
PDF = b"%PDF-1.4 guardian's signed form"


def published(officer, **fields):
    """A notice opened and published at once (aid is approved on a published notice)."""
    return services.aid_notice_publish(actor=officer, notice=services.aid_notice_open(**fields))


@pytest.fixture
def clock(monkeypatch):
    """``calendar.today()`` as the test sets it."""
    now = SimpleNamespace(today=TODAY)
    monkeypatch.setattr("twinning.calendar.today", lambda: now.today)
    return now


def _grant(user, role, region):
    assign(user, role, region=region)
    access.forget_scope(user)
    return user


@pytest.fixture
def aid(world, clock):
    """Aid officers (Role.AID beside the bureau role): ``officer`` and ``bureau2`` of the
    city; ``far_officer`` of the other city. ``bureau`` keeps the bureau role only. A
    per-term national grant in two tiers, a per-year school fund, winter clothing in
    kind."""
    officer = _grant(
        assign(UserFactory(username="aid_officer", full_name="周资助"), Role.BUREAU,
               region=world.city),
        Role.AID, world.city,
    )  # fmt: skip
    _grant(world.bureau2, Role.AID, world.city)
    far_officer = _grant(UserFactory(username="far_aid_officer"), Role.AID, world.far_city)
    grant = services.aid_scheme_create(
        actor=officer, region=world.city, name="国家助学金", kind="national_grant",
        form="money", period="term",
        tiers=[{"name": "一档", "amount": "1000"}, {"name": "二档", "amount": "750.50"}],
    )  # fmt: skip
    fund = services.aid_scheme_create(
        actor=officer, region=world.city, name="爱心助学基金", kind="school_fund",
        form="money", period="year", tiers=[{"name": "一档", "amount": "500"}],
    )  # fmt: skip
    clothing = services.aid_scheme_create(
        actor=officer, region=world.city, name="冬衣", kind="winter_clothing", form="in_kind",
        period="year", tiers=[{"name": "全套", "items": "棉衣一件、棉鞋一双"}],
    )  # fmt: skip
    return SimpleNamespace(
        officer=officer, far_officer=far_officer, grant=grant, fund=fund, clothing=clothing,
        tier1=grant.tiers.get(name="一档"), tier2=grant.tiers.get(name="二档"),
    )  # fmt: skip


def new_student(actor, school, name="张三丰", **fields):
    values = {"gender": "m", "grade": "3", "class_name": "三(2)班", "guardian_name": "张建国",
              "guardian_phone": "13800000000", "note": "父亲务工受伤，家庭收入微薄"}  # fmt: skip
    return services.student_create(actor=actor, school=school, name=name, **{**values, **fields})


def signed_form(name="监护人签字.pdf"):
    return SimpleUploadedFile(name, PDF)


def identify(actor, application, day=TODAY, *, steps=None, signed=True):
    """Record the identification steps (all five by default), the guardian's with its
    signed form."""
    for step in steps or AidStep.values:
        files = [signed_form()] if step == AidStep.GUARDIAN_SIGNATURE and signed else ()
        services.aid_step_record(
            actor=actor, application=application, step=step, done_on=day, files=files
        )


def apply(world, aid, student, *, scheme=None, tier=None, actor=None, term=1, year=2026):
    return services.aid_application_create(
        actor=actor or world.coord_helping, student=student, scheme=scheme or aid.grant,
        tier=tier or aid.tier1, school_year=year, term=term,
    )  # fmt: skip


def in_review(world, aid, student, **kwargs):
    application = apply(world, aid, student, **kwargs)
    actor = kwargs.get("actor") or world.coord_helping
    identify(actor, application)
    return services.aid_application_submit(actor=actor, application=application)


def refresh(application):
    return AidApplication.objects.get(pk=application.pk)


# --- students ------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "class_name", "guardian_name", "guardian_phone", "note"])
@pytest.mark.parametrize("value", [ID_NUMBER, f"身份证{ID_NUMBER.lower()}号", "510101201001011234"])
def test_an_id_number_anywhere_in_a_student_is_refused_and_nothing_is_saved(
    world, aid, field, value
):
    with pytest.raises(ValidationError) as refused:
        new_student(world.coord_helping, world.helping, **{field: value})
    assert list(refused.value.message_dict) == [field]
    assert Student.objects.count() == 0


def test_an_id_number_added_later_is_refused_and_the_student_stays_as_it_was(world, aid):
    student = new_student(world.coord_helping, world.helping)
    with pytest.raises(ValidationError) as refused:
        services.student_update(
            actor=world.coord_helping, student=student, note=f"身份证 {ID_NUMBER}"
        )
    assert "note" in refused.value.message_dict
    student.refresh_from_db()
    assert student.note == "父亲务工受伤，家庭收入微薄"


def test_a_phone_number_or_a_school_code_is_not_taken_for_an_id_number(world, aid):
    # 11 digits, 10 digits and 19 digits: none has the shape of an ID number.
    student = new_student(
        world.coord_helping, world.helping, guardian_phone="13800000000",
        note="学校标识码 3451000001，卡号 6222021234567890123",
    )  # fmt: skip
    assert student.pk is not None


@pytest.mark.parametrize("persona", ["outsider", "inspector", "mentor", "mentee", "bureau"])
def test_who_neither_coordinates_the_school_nor_handles_its_aid_cannot_record_students(
    world, aid, persona
):
    with pytest.raises(PermissionDenied):
        new_student(getattr(world, persona), world.helping)
    assert Student.objects.count() == 0


def test_the_schools_coordinator_and_the_regions_aid_officer_record_students(world, aid):
    by_coordinator = new_student(world.coord_helping, world.helping)
    by_officer = new_student(aid.officer, world.assisted, name="李四")
    assert (by_coordinator.school, by_coordinator.region) == (world.helping, world.east)
    assert (by_officer.school, by_officer.region) == (world.assisted, world.west)
    # The other school's coordinator, and an aid officer of another city, may not.
    with pytest.raises(PermissionDenied):
        new_student(world.coord_assisted, world.helping)
    with pytest.raises(PermissionDenied):
        new_student(aid.far_officer, world.helping)
    with pytest.raises(PermissionDenied):
        services.student_update(actor=world.coord_assisted, student=by_coordinator, name="改")
    assert Student.objects.count() == 2


# --- schemes ---------------------------------------------------------------------------------


def test_a_scheme_keeps_its_tiers_in_order_with_their_amounts_or_items(world, aid):
    assert [(t.name, t.amount, t.order) for t in aid.grant.tiers.all()] == [
        ("一档", Decimal("1000.00"), 1), ("二档", Decimal("750.50"), 2)
    ]  # fmt: skip
    (kind,) = aid.clothing.tiers.all()
    assert (kind.items, kind.amount) == ("棉衣一件、棉鞋一双", Decimal("0.00"))
    assert aid.grant.notice_days == 5


@pytest.mark.parametrize(
    "form,tiers",
    [
        ("money", []),
        ("money", [{"name": "一档", "amount": "100"}, {"name": "一档", "amount": "50"}]),
        ("money", [{"name": "", "amount": "100"}]),
        ("money", [{"name": "一档"}]),
        ("money", [{"name": "一档", "amount": "0"}]),
        ("money", [{"name": "一档", "amount": "-5"}]),
        ("money", [{"name": "一档", "amount": "12.345"}]),
        ("money", [{"name": "一档", "amount": "很多"}]),
        ("in_kind", [{"name": "全套", "items": ""}]),
    ],
)
def test_bad_tiers_are_refused_and_no_scheme_is_saved(world, aid, form, tiers):
    before = (AidScheme.objects.count(), AidTier.objects.count())
    with pytest.raises(ValidationError) as refused:
        services.aid_scheme_create(
            actor=aid.officer, region=world.city, name="营养改善计划", kind="nutrition",
            form=form, period="term", tiers=tiers,
        )  # fmt: skip
    assert "tiers" in refused.value.message_dict
    assert (AidScheme.objects.count(), AidTier.objects.count()) == before


@pytest.mark.parametrize("persona", ["coord_helping", "bureau", "inspector", "outsider"])
def test_only_the_regions_aid_officers_keep_its_schemes(world, aid, persona):
    user = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        services.aid_scheme_create(
            actor=user, region=world.city, name="营养改善计划", kind="nutrition",
            form="money", period="term", tiers=[{"name": "一档", "amount": "800"}],
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.aid_scheme_update(actor=user, scheme=aid.grant, name="改")
    with pytest.raises(PermissionDenied):
        services.aid_scheme_update(actor=aid.far_officer, scheme=aid.grant, is_active=False)
    aid.grant.refresh_from_db()
    assert (aid.grant.name, aid.grant.is_active) == ("国家助学金", True)


def test_a_closed_scheme_takes_no_more_applications(world, aid):
    aid.grant = services.aid_scheme_update(actor=aid.officer, scheme=aid.grant, is_active=False)
    with pytest.raises(ValidationError) as refused:
        apply(world, aid, new_student(world.coord_helping, world.helping))
    assert "scheme" in refused.value.message_dict


def test_a_tier_of_another_scheme_and_a_missing_term_are_refused(world, aid):
    student = new_student(world.coord_helping, world.helping)
    with pytest.raises(ValidationError) as refused:
        apply(world, aid, student, tier=aid.fund.tiers.get())
    assert "tier" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        apply(world, aid, student, term=None)
    assert "term" in refused.value.message_dict
    assert AidApplication.objects.count() == 0


# --- the life of an application --------------------------------------------------------------


def test_submitting_needs_all_five_steps_and_the_guardians_signed_form(world, aid, clock):
    application = apply(world, aid, new_student(world.coord_helping, world.helping))
    assert application.status == AidStatus.DRAFT
    with pytest.raises(ValidationError):
        services.aid_application_submit(actor=world.coord_helping, application=application)
    four = [s for s in AidStep.values if s != AidStep.DEMOCRATIC_REVIEW]
    identify(world.coord_helping, application, steps=four)
    with pytest.raises(ValidationError) as refused:
        services.aid_application_submit(actor=world.coord_helping, application=application)
    assert "民主评议" in " ".join(refused.value.messages)
    assert refresh(application).status == AidStatus.DRAFT


def test_the_guardians_step_without_its_signed_form_does_not_submit(world, aid):
    application = apply(world, aid, new_student(world.coord_helping, world.helping))
    identify(world.coord_helping, application, signed=False)
    assert AidStepRecord.objects.filter(application=application).count() == 5
    with pytest.raises(ValidationError) as refused:
        services.aid_application_submit(actor=world.coord_helping, application=application)
    assert "files" in refused.value.message_dict
    # A home-visit record is not the signed form either.
    services.aid_document_add(
        actor=world.coord_helping, application=application, step=AidStep.HOME_VISIT,
        files=[signed_form("家访记录.pdf")],
    )  # fmt: skip
    with pytest.raises(ValidationError):
        services.aid_application_submit(actor=world.coord_helping, application=application)
    services.aid_document_add(
        actor=world.coord_helping, application=application,
        step=AidStep.GUARDIAN_SIGNATURE, files=[signed_form()],
    )  # fmt: skip
    submitted = services.aid_application_submit(actor=world.coord_helping, application=application)
    assert submitted.status == AidStatus.REVIEW


def test_a_step_is_not_recorded_for_a_future_day_nor_with_an_id_number(world, aid, clock):
    application = apply(world, aid, new_student(world.coord_helping, world.helping))
    with pytest.raises(ValidationError) as refused:
        services.aid_step_record(
            actor=world.coord_helping, application=application, step=AidStep.HOME_VISIT,
            done_on=clock.today + dt.timedelta(days=1),
        )  # fmt: skip
    assert "done_on" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.aid_step_record(
            actor=world.coord_helping, application=application, step=AidStep.HOME_VISIT,
            done_on=clock.today, note=f"监护人身份证 {ID_NUMBER}",
        )  # fmt: skip
    assert "note" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.aid_step_record(
            actor=world.coord_helping, application=application, step=AidStep.HOME_VISIT,
            done_on=clock.today, files=[SimpleUploadedFile("x.pdf", b"not a pdf at all")],
        )  # fmt: skip
    assert "files" in refused.value.message_dict
    assert not AidStepRecord.objects.exists() and not AidDocument.objects.exists()


def test_an_application_goes_from_identification_through_notice_to_payment(world, aid, clock):
    """Two students on one notice: an upheld objection rejects one; the other is
    approved after the notice, paid within its term, and re-reviewed for next year."""
    coordinator = world.coord_helping
    a = apply(world, aid, new_student(coordinator, world.helping, name="王小明"))
    b = apply(world, aid, new_student(coordinator, world.helping, name="李小红"), tier=aid.tier2)
    for application in (a, b):
        identify(coordinator, application)
        assert (
            services.aid_application_submit(actor=coordinator, application=application).status
            == AidStatus.REVIEW
        )
    with pytest.raises(ValidationError):  # identification is closed once submitted
        services.aid_step_record(
            actor=coordinator, application=a, step=AidStep.HOME_VISIT, done_on=TODAY
        )

    # 5 working days from Monday 28 September 2026: the 28th, 29th and 30th, then
    # National Day (1–7 October) off, then the 8th and 9th.
    notice = services.aid_notice_open(
        actor=coordinator, school=world.helping, scheme=aid.grant, period="2026-1",
        starts_on=dt.date(2026, 9, 28),
    )  # fmt: skip
    assert (notice.starts_on, notice.ends_on) == (dt.date(2026, 9, 28), dt.date(2026, 10, 9))
    assert notice.published_at is None and len(notice.token) >= 40
    assert {refresh(x).status for x in (a, b)} == {AidStatus.NOTICE}
    with pytest.raises(ValidationError):  # on notice: no longer withdrawn
        services.aid_application_withdraw(actor=coordinator, application=b)
    with pytest.raises(PermissionDenied):
        services.aid_notice_publish(actor=coordinator, notice=notice)
    assert services.aid_notice_publish(actor=aid.officer, notice=notice).published_at

    # An objection to A, during the window; none outside it, none dated in the future.
    clock.today = dt.date(2026, 10, 8)
    with pytest.raises(ValidationError) as refused:
        services.aid_objection_record(
            actor=coordinator, application=a, content="家中新购轿车",
            received_on=dt.date(2026, 10, 9),
        )  # fmt: skip
    assert "received_on" in refused.value.message_dict
    clock.today = dt.date(2026, 10, 12)
    with pytest.raises(ValidationError) as refused:
        services.aid_objection_record(
            actor=coordinator,
            application=a,
            content="家中新购轿车",
            received_on=dt.date(2026, 10, 10),
        )
    assert "received_on" in refused.value.message_dict
    objection = services.aid_objection_record(
        actor=coordinator, application=a, content="家中新购轿车", received_on=dt.date(2026, 10, 8)
    )

    clock.today = dt.date(2026, 10, 9)  # the last day of the notice
    for application in (a, b):
        with pytest.raises(ValidationError) as refused:
            services.aid_application_approve(actor=aid.officer, application=application)
        assert "2026-10-09" in " ".join(refused.value.messages)

    clock.today = dt.date(2026, 10, 12)  # the notice is over; A's objection is not resolved
    with pytest.raises(ValidationError):
        services.aid_application_approve(actor=aid.officer, application=a)
    with pytest.raises(PermissionDenied):
        services.aid_objection_resolve(
            actor=coordinator, objection=objection, resolution="查实", upheld=True
        )
    services.aid_objection_resolve(
        actor=aid.officer, objection=objection, resolution="经核实确有轿车", upheld=True
    )
    a = refresh(a)
    assert (a.status, a.decided_by, a.decision_comment) == (
        AidStatus.REJECTED, aid.officer, "经核实确有轿车"
    )  # fmt: skip
    with pytest.raises(ValidationError):  # resolved once
        services.aid_objection_resolve(
            actor=aid.officer, objection=objection, resolution="再查", upheld=False
        )
    with pytest.raises(ValidationError):
        services.aid_application_approve(actor=aid.officer, application=a)

    b = services.aid_application_approve(actor=aid.officer, application=b, comment="同意")
    assert (b.status, b.decided_by, b.decision_comment) == (AidStatus.APPROVED, aid.officer, "同意")

    # Paid within term 1 (1 September 2026 – 31 January 2027), not before it, not in the
    # future, with the payment reference of aid in money; once.
    clock.today = dt.date(2026, 10, 20)
    for day in (dt.date(2026, 8, 31), dt.date(2026, 10, 21), dt.date(2027, 2, 1)):
        with pytest.raises(ValidationError) as refused:
            services.aid_application_pay(
                actor=aid.officer, application=b, paid_on=day, reference="ZZ-1"
            )
        assert "paid_on" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.aid_application_pay(actor=aid.officer, application=b, paid_on=clock.today)
    assert "reference" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.aid_application_pay(
            actor=coordinator, application=b, paid_on=clock.today, reference="ZZ-1"
        )
    assert refresh(b).status == AidStatus.APPROVED
    b = services.aid_application_pay(
        actor=aid.officer, application=b, paid_on=dt.date(2026, 10, 19), reference="ZZ-2026-7"
    )
    assert (b.status, b.paid_on, b.payment_reference) == (
        AidStatus.PAID, dt.date(2026, 10, 19), "ZZ-2026-7"
    )  # fmt: skip
    with pytest.raises(ValidationError):
        services.aid_application_pay(
            actor=aid.officer, application=b, paid_on=clock.today, reference="ZZ-again"
        )
    assert refresh(b).payment_reference == "ZZ-2026-7"


def test_aid_in_kind_is_given_without_a_payment_reference(world, aid, clock):
    application = in_review(
        world, aid, new_student(world.coord_helping, world.helping), scheme=aid.clothing,
        tier=aid.clothing.tiers.get(), term=None,
    )  # fmt: skip
    assert (application.term, application.period_key) == (None, "2026")
    published(aid.officer, 
        actor=world.coord_helping, school=world.helping, scheme=aid.clothing, period="2026",
        starts_on=TODAY,
    )  # fmt: skip
    clock.today = dt.date(2026, 10, 12)
    services.aid_application_approve(actor=aid.officer, application=application)
    given = services.aid_application_pay(
        actor=aid.officer, application=application, paid_on=clock.today
    )
    assert (given.status, given.payment_reference) == (AidStatus.PAID, "")


@pytest.mark.parametrize(
    "starts_on,notice_days,first,last",
    [
        # Friday → the weekend is skipped.
        (dt.date(2026, 11, 27), 5, dt.date(2026, 11, 27), dt.date(2026, 12, 3)),
        # A Saturday start waits for Monday.
        (dt.date(2026, 11, 28), 5, dt.date(2026, 11, 30), dt.date(2026, 12, 4)),
        # Over National Day 2026 (1–7 October off).
        (dt.date(2026, 9, 28), 5, dt.date(2026, 9, 28), dt.date(2026, 10, 9)),
        # …and onto Saturday 10 October, a make-up working day (调休).
        (dt.date(2026, 9, 29), 5, dt.date(2026, 9, 29), dt.date(2026, 10, 10)),
        # From a holiday: the 8th, 9th, 10th (Saturday, worked), 12th and 13th.
        (dt.date(2026, 10, 1), 5, dt.date(2026, 10, 8), dt.date(2026, 10, 13)),
        (dt.date(2026, 9, 29), 3, dt.date(2026, 9, 29), dt.date(2026, 10, 8)),
    ],
)
def test_a_notice_lasts_the_schemes_working_days(world, aid, starts_on, notice_days, first, last):
    if notice_days != 5:
        aid.grant = services.aid_scheme_update(
            actor=aid.officer, scheme=aid.grant, notice_days=notice_days
        )
    in_review(world, aid, new_student(world.coord_helping, world.helping))
    notice = services.aid_notice_open(
        actor=world.coord_helping, school=world.helping, scheme=aid.grant, period="2026-1",
        starts_on=starts_on,
    )  # fmt: skip
    assert (notice.starts_on, notice.ends_on) == (first, last)


def test_a_notice_needs_applications_under_review_and_starts_today_or_later(world, aid, clock):
    with pytest.raises(ValidationError):  # nothing under review yet
        services.aid_notice_open(
            actor=world.coord_helping, school=world.helping, scheme=aid.grant, period="2026-1",
            starts_on=TODAY,
        )  # fmt: skip
    in_review(world, aid, new_student(world.coord_helping, world.helping))
    with pytest.raises(ValidationError) as refused:
        services.aid_notice_open(
            actor=world.coord_helping, school=world.helping, scheme=aid.grant, period="2026-1",
            starts_on=TODAY - dt.timedelta(days=1),
        )  # fmt: skip
    assert "starts_on" in refused.value.message_dict
    with pytest.raises(PermissionDenied):  # the other school's coordinator
        services.aid_notice_open(
            actor=world.coord_assisted, school=world.helping, scheme=aid.grant,
            period="2026-1", starts_on=TODAY,
        )  # fmt: skip
    assert not AidNotice.objects.exists()


@pytest.fixture
def paid(world, aid, clock):
    """李小红's national grant for term 1 of 2026, tier 二档, paid on 19 October 2026."""
    application = in_review(
        world, aid, new_student(world.coord_helping, world.helping, name="李小红"),
        tier=aid.tier2,
    )  # fmt: skip
    published(aid.officer, 
        actor=world.coord_helping, school=world.helping, scheme=aid.grant, period="2026-1",
        starts_on=dt.date(2026, 9, 28),
    )  # fmt: skip
    clock.today = dt.date(2026, 10, 19)
    services.aid_application_approve(actor=world.bureau2, application=application)
    return services.aid_application_pay(
        actor=world.bureau2, application=application, paid_on=clock.today, reference="ZZ-1"
    )


@pytest.mark.parametrize(
    "decision,new_tier", [("continue", "二档"), ("change", "一档"), ("stop", None)]
)
def test_the_yearly_re_review_continues_changes_or_stops_and_keeps_the_tiers(
    world, aid, paid, decision, new_tier
):
    tier = aid.tier1 if decision == "change" else None
    review = services.aid_review(
        actor=aid.officer, application=paid, decision=decision, tier=tier, note="家庭情况复核"
    )
    assert (review.school_year, review.previous_tier, review.decision) == (
        2027,
        aid.tier2,
        decision,
    )
    assert (review.tier.name if review.tier else None) == new_tier
    renewal = AidApplication.objects.filter(renewal_of=paid).first()
    if new_tier is None:
        assert renewal is None
    else:
        # Next year's aid, under review: it goes through a new notice.
        assert (renewal.student, renewal.scheme, renewal.tier.name) == (
            paid.student, aid.grant, new_tier
        )  # fmt: skip
        assert (renewal.school_year, renewal.term, renewal.period_key, renewal.status) == (
            2027, 1, "2027-1", AidStatus.REVIEW
        )  # fmt: skip
    # The paid aid keeps its tier; the history of tiers is the chain of reviews.
    assert refresh(paid).tier == aid.tier2
    with pytest.raises(ValidationError):
        services.aid_review(actor=aid.officer, application=paid, decision="stop")
    assert AidReview.objects.count() == 1


def test_a_re_review_needs_paid_aid_another_tier_to_change_to_and_an_aid_officer(world, aid, paid):
    with pytest.raises(ValidationError):  # no tier
        services.aid_review(actor=aid.officer, application=paid, decision="change")
    with pytest.raises(ValidationError):  # the same tier
        services.aid_review(actor=aid.officer, application=paid, decision="change", tier=aid.tier2)
    with pytest.raises(ValidationError):  # a tier of another scheme
        services.aid_review(
            actor=aid.officer, application=paid, decision="change", tier=aid.fund.tiers.get()
        )
    with pytest.raises(PermissionDenied):
        services.aid_review(actor=world.coord_helping, application=paid, decision="continue")
    draft = apply(world, aid, new_student(world.coord_helping, world.helping, name="赵六"))
    with pytest.raises(ValidationError):
        services.aid_review(actor=aid.officer, application=draft, decision="continue")
    assert not AidReview.objects.exists()
    assert AidApplication.objects.count() == 2


# --- no double aid ----------------------------------------------------------------------------


def test_a_student_gets_one_aid_of_a_scheme_per_period(world, aid, paid):
    student = paid.student
    with pytest.raises(ValidationError) as refused:  # also once the first is paid
        apply(world, aid, student, tier=aid.tier1)
    assert "scheme" in refused.value.message_dict
    assert AidApplication.objects.filter(student=student).count() == 1
    # Another period, or another scheme, is another aid.
    assert apply(world, aid, student, term=2).period_key == "2026-2"
    assert apply(world, aid, student, scheme=aid.fund, tier=aid.fund.tiers.get()).pk


def test_a_second_application_while_the_first_is_open_is_refused(world, aid):
    student = new_student(world.coord_helping, world.helping)
    first = apply(world, aid, student)
    for actor in (world.coord_helping, aid.officer):
        with pytest.raises(ValidationError):
            apply(world, aid, student, actor=actor, tier=aid.tier2)
    identify(world.coord_helping, first)
    services.aid_application_submit(actor=world.coord_helping, application=first)
    with pytest.raises(ValidationError):
        apply(world, aid, student)
    assert AidApplication.objects.count() == 1


def test_after_a_rejection_or_a_withdrawal_the_student_may_apply_again(world, aid):
    student = new_student(world.coord_helping, world.helping)
    rejected = in_review(world, aid, student)
    with pytest.raises(ValidationError):  # a comment is required
        services.aid_application_reject(actor=aid.officer, application=rejected, comment=" ")
    services.aid_application_reject(actor=aid.officer, application=rejected, comment="不符合条件")
    withdrawn = apply(world, aid, student)
    services.aid_application_withdraw(actor=world.coord_helping, application=withdrawn)
    third = apply(world, aid, student)
    assert [refresh(x).status for x in (rejected, withdrawn, third)] == [
        AidStatus.REJECTED, AidStatus.WITHDRAWN, AidStatus.DRAFT
    ]  # fmt: skip


def test_aid_for_a_period_that_is_over_is_refused(world, aid, clock):
    student = new_student(world.coord_helping, world.helping)
    for scheme, tier, year, term in [
        (aid.fund, aid.fund.tiers.get(), 2025, None),  # 2025–2026 ended on 31 August 2026
        (aid.grant, aid.tier1, 2025, 2),  # ended on 31 July 2026
        (aid.grant, aid.tier1, 2025, 1),
    ]:
        with pytest.raises(ValidationError) as refused:
            apply(world, aid, student, scheme=scheme, tier=tier, year=year, term=term)
        assert "school_year" in refused.value.message_dict
    assert not AidApplication.objects.exists()
    clock.today = dt.date(2027, 1, 31)  # the last day of term 1 of 2026: still in it
    assert apply(world, aid, student, term=1).pk


# --- who decides --------------------------------------------------------------------------------


def test_the_approver_is_never_whoever_started_the_application(world, aid, clock):
    application = in_review(world, aid, new_student(aid.officer, world.assisted), actor=aid.officer)
    published(aid.officer, 
        actor=aid.officer, school=world.assisted, scheme=aid.grant, period="2026-1",
        starts_on=TODAY,
    )  # fmt: skip
    clock.today = dt.date(2026, 10, 12)
    with pytest.raises(PermissionDenied):
        services.aid_application_approve(actor=aid.officer, application=application)
    with pytest.raises(PermissionDenied):
        services.aid_application_reject(actor=aid.officer, application=application, comment="否")
    assert refresh(application).status == AidStatus.NOTICE
    approved = services.aid_application_approve(actor=world.bureau2, application=application)
    assert (approved.status, approved.decided_by) == (AidStatus.APPROVED, world.bureau2)


@pytest.mark.parametrize("persona", ["coord_helping", "coord_assisted", "bureau", "inspector"])
def test_coordinators_and_others_without_the_aid_right_cannot_decide_publish_or_pay(
    world, aid, clock, persona
):
    user = getattr(world, persona)
    application = in_review(world, aid, new_student(world.coord_helping, world.helping))
    with pytest.raises(PermissionDenied):
        services.aid_application_reject(actor=user, application=application, comment="否")
    notice = services.aid_notice_open(
        actor=world.coord_helping, school=world.helping, scheme=aid.grant, period="2026-1",
        starts_on=TODAY,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.aid_notice_publish(actor=user, notice=notice)
    assert AidNotice.objects.get().published_at is None
    services.aid_notice_publish(actor=aid.officer, notice=notice)
    objection = services.aid_objection_record(
        actor=world.coord_helping, application=application, content="有异议", received_on=TODAY
    )
    clock.today = dt.date(2026, 10, 12)
    with pytest.raises(PermissionDenied):
        services.aid_objection_resolve(
            actor=user, objection=objection, resolution="无", upheld=True
        )
    with pytest.raises(PermissionDenied):
        services.aid_application_approve(actor=user, application=application)
    services.aid_objection_resolve(
        actor=aid.officer, objection=objection, resolution="不属实", upheld=False
    )
    services.aid_application_approve(actor=aid.officer, application=application)
    with pytest.raises(PermissionDenied):
        services.aid_application_pay(
            actor=user, application=application, paid_on=clock.today, reference="ZZ"
        )
    assert refresh(application).status == AidStatus.APPROVED
    assert AidObjection.objects.get().upheld is False


# --- privacy ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,masked",
    [("张三丰", "张*丰"), ("李四", "李*"), ("欧阳娜娜", "欧**娜"), ("王", "*"), ("", "*"),
     (" 张明 ", "张*")],
)  # fmt: skip
def test_a_public_notice_masks_names(name, masked):
    assert mask_name(name) == masked


def test_reading_students_is_logged_in_one_insert(world, aid, django_assert_num_queries):
    students = [new_student(world.coord_helping, world.helping, name=f"学生{n}") for n in range(3)]
    with django_assert_num_queries(1):
        assert log_access(world.coord_helping, "view", "the list of students", students) == 3
    rows = StudentAccessLog.objects.order_by("student_id")
    assert [(r.user, r.student_id, r.region, r.action) for r in rows] == [
        (world.coord_helping, s.pk, world.east, "view") for s in students
    ]
    assert selectors.access_log_visible_to(aid.officer).count() == 3
    for user in (aid.far_officer, world.coord_helping, world.bureau, world.inspector):
        assert not selectors.access_log_visible_to(user).exists()


# --- scoped reads -----------------------------------------------------------------------------


def test_each_sees_the_students_in_their_care_and_nobody_else_any(world, aid, clock):
    helping = new_student(world.coord_helping, world.helping)
    assisted = new_student(world.coord_assisted, world.assisted, name="李四")
    for student in (helping, assisted):
        in_review(world, aid, student, actor=aid.officer)
    services.aid_notice_open(
        actor=world.coord_helping, school=world.helping, scheme=aid.grant, period="2026-1",
        starts_on=TODAY,
    )  # fmt: skip

    def seen(user):
        return (
            set(selectors.student_list_visible_to(user)),
            {a.student for a in selectors.aid_application_list_visible_to(user)},
            {n.school for n in selectors.aid_notice_list_visible_to(user)},
        )

    assert seen(aid.officer) == ({helping, assisted}, {helping, assisted}, {world.helping})
    assert seen(world.coord_helping) == ({helping}, {helping}, {world.helping})
    assert seen(world.coord_assisted) == ({assisted}, {assisted}, set())
    for user in (aid.far_officer, world.outsider, world.inspector, world.bureau, world.mentor,
                 world.mentee):  # fmt: skip
        assert seen(user) == (set(), set(), set()), user.username
    with pytest.raises(Exception) as missing:
        selectors.student_get_for_user(world.inspector, helping.pk)
    assert missing.typename == "Http404"
    # Schemes: whoever handles aid for students the scheme reaches.
    assert set(selectors.aid_scheme_list_visible_to(world.coord_assisted)) == {
        aid.grant, aid.fund, aid.clothing
    }  # fmt: skip
    for user in (aid.far_officer, world.outsider, world.inspector, world.bureau):
        assert not selectors.aid_scheme_list_visible_to(user).exists()


def test_aid_is_approved_only_on_a_notice_published_before_it_started(world, aid, clock):
    application = in_review(world, aid, new_student(world.coord_helping, world.helping))
    notice = services.aid_notice_open(
        actor=world.coord_helping, school=world.helping, scheme=aid.grant, period="2026-1",
        starts_on=TODAY,
    )  # fmt: skip
    clock.today = dt.date(2026, 10, 12)  # the notice is over, and was never public
    with pytest.raises(ValidationError, match="not been published|未发布"):
        services.aid_application_approve(actor=aid.officer, application=application)
    with pytest.raises(ValidationError):  # too late to publish it now
        services.aid_notice_publish(actor=aid.officer, notice=notice)
    assert refresh(application).status == AidStatus.NOTICE


def test_a_lapsed_notice_says_so_and_a_new_one_takes_its_applications(world, aid, clock, client):
    application = in_review(world, aid, new_student(world.coord_helping, world.helping))
    lapsed = services.aid_notice_open(
        actor=world.coord_helping, school=world.helping, scheme=aid.grant, period="2026-1",
        starts_on=TODAY,
    )  # fmt: skip
    clock.today = dt.date(2026, 10, 12)  # its first day went by unpublished
    client.force_login(aid.officer)
    page = client.post(f"/aid/notices/{lapsed.pk}/publish/", follow=True)
    assert page.status_code == 200  # not a server error: the page says why
    text = page.content.decode()
    assert "该公示未发布即已开始" in text and "重新发起公示" in text
    assert AidNotice.objects.get(pk=lapsed.pk).published_at is None

    renewed = services.aid_notice_open(
        actor=world.coord_helping, school=world.helping, scheme=aid.grant, period="2026-1",
        starts_on=clock.today,
    )  # fmt: skip
    assert refresh(application).notice == renewed
    assert refresh(application).status == AidStatus.NOTICE
    assert not AidNotice.objects.filter(pk=lapsed.pk).exists()  # never public: gone
    assert services.aid_notice_publish(actor=aid.officer, notice=renewed).published_at
