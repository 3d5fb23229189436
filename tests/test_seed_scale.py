"""``manage.py seed_scale``: the benchmark's synthetic province, run here at a tiny size."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Exists, F, OuterRef
from django.utils import timezone

from schools.models import (
    Goal,
    NeedsAssessment,
    Pairing,
    PairingMember,
    PairingStatus,
    PairingTransition,
    Region,
    School,
)
from twinning.models import Notification, Role, RoleAssignment, User

TINY = ["--cities", "2", "--counties", "3", "--schools", "12", "--pairings", "40"]


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_scale", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, _fast_passwords):
    return seed(*TINY)


def test_seeds_a_province_of_the_asked_size(seeded):
    assert Region.objects.filter(level="province").count() == 1
    assert Region.objects.filter(level="city").count() == 2
    assert Region.objects.filter(level="county").count() == 6
    assert School.objects.count() == 72
    assert Pairing.objects.count() == 40
    # Every school has a 10-digit code under its county's division code.
    for code, county in School.objects.values_list("code", "region__code"):
        assert len(code) == 10 and code[1:7] == county


def test_pairings_cover_every_status_with_their_history(seeded):
    statuses = set(Pairing.objects.values_list("status", flat=True))
    assert statuses == set(PairingStatus.values)
    # Each pairing's transitions end in its status and start from a draft.
    for pairing in Pairing.objects.prefetch_related("transitions"):
        steps = [t.to_status for t in pairing.transitions.all()]
        assert steps[0] == "draft" and steps[-1] == pairing.status
    # Approved or later pairings have needs assessments; active ones a plan.
    paired = Pairing.objects.filter(status__in=["approved", "active", "concluded", "terminated"])
    assert not paired.annotate(n=Count("needs")).filter(n=0).exists()
    assert not Pairing.objects.filter(status="active").annotate(n=Count("goals")).filter(n=0)


def test_live_pairings_keep_the_one_school_one_pairing_rule(seeded):
    live = PairingMember.objects.filter(is_live=True)
    assert live.count() == live.values("programme", "school").distinct().count()
    members = PairingMember.objects.select_related("pairing", "school")
    for member in members:
        assert member.region_id == member.school.region_id
        assert member.is_live == (member.pairing.status in ("proposed", "approved", "active"))


def test_every_role_can_sign_in(seeded, client):
    for username in ("scale-province", "scale-city-1", "scale-inspector-1", "scale-coordinator",
                     "scale-teacher"):  # fmt: skip
        response = client.post("/accounts/login/", {"username": username, "password": "scale12345"})
        assert response.status_code == 302, username
        client.logout()
    roles = set(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    assert Notification.objects.exists()
    assert "scale-coordinator" in seeded


def test_the_coordinator_persona_sees_an_active_pairing(seeded, client):
    client.force_login(User.objects.get(username="scale-coordinator"))
    page = client.get("/pairings/?status=active")
    assert page.status_code == 200
    assert page.context["page_obj"].paginator.count >= 1


def test_second_run_does_nothing(seeded):
    before = (Pairing.objects.count(), PairingTransition.objects.count(), Goal.objects.count(),
              NeedsAssessment.objects.count(), User.objects.count())  # fmt: skip
    assert "nothing to do" in seed(*TINY)
    assert before == (Pairing.objects.count(), PairingTransition.objects.count(),
                      Goal.objects.count(), NeedsAssessment.objects.count(),
                      User.objects.count())  # fmt: skip


def test_refuses_a_database_with_other_data_and_changes_nothing(world):
    schools, users = School.objects.count(), User.objects.count()
    with pytest.raises(CommandError, match="already holds data"):
        seed(*TINY)
    assert (School.objects.count(), User.objects.count()) == (schools, users)


def test_refuses_sizes_out_of_range(db):
    with pytest.raises(CommandError, match="--schools must be between 1 and 999"):
        seed("--schools", "1000")
    assert not Region.objects.exists()


def test_every_school_gets_its_teachers_with_region_and_unique_staff_numbers(seeded):
    from teachers.models import Teacher

    assert Teacher.objects.count() == 72 * 10
    assert not Teacher.objects.exclude(region_id=F("school__region_id")).exists()
    per_school = Teacher.objects.values("school", "staff_number").annotate(n=Count("id"))
    assert {row["n"] for row in per_school} == {1}


def test_a_province_seeded_before_an_app_had_a_generator_gets_its_share(seeded):
    from activities.models import Activity, Resource, Secondment
    from teachers.models import Honour, Mentorship, MentorshipRecord, Teacher

    mentorships = Mentorship.objects.count()
    MentorshipRecord.objects.all().delete()
    Mentorship.objects.all().delete()  # as if seeded before mentorships existed
    teachers = Teacher.objects.count()
    out = seed(*TINY)
    assert "Adding to the synthetic province: teachers." in out
    assert (Teacher.objects.count(), Mentorship.objects.count()) == (teachers, mentorships)

    _clear_funding()  # its requests pay teachers and their secondments
    MentorshipRecord.objects.all().delete()
    Mentorship.objects.all().delete()
    Honour.objects.all().delete()
    Activity.objects.all().delete()  # the exchanges book teachers
    Secondment.objects.all().delete()
    Resource.objects.all().delete()
    Teacher.objects.all().delete()  # as if seeded before the teachers app existed
    before = Pairing.objects.count()
    out = seed(*TINY)
    assert "Adding to the synthetic province: teachers, activities, funding." in out
    assert Teacher.objects.count() == 720
    assert Mentorship.objects.count() == 144 == MentorshipRecord.objects.count() / 100
    assert Pairing.objects.count() == before  # nothing else is written again
    from funding.models import Disbursement

    assert Disbursement.objects.count() == 400


def test_the_benchmarks_teacher_is_a_mentee_with_records(seeded):
    from teachers.models import Teacher

    teacher = Teacher.objects.get(user__username="scale-teacher")
    mentorship = teacher.mentorships_as_mentee.get()
    assert mentorship.pairing_id is not None and mentorship.records.count() == 100


def test_the_exchanges_of_the_paired_pairings_in_every_status(seeded):
    from activities.models import Activity, ActivityStatus, Evidence, Participation

    # A hundred a pairing, spread over the pairings the bureau has paired.
    assert 3900 <= Activity.objects.count() <= 4000
    paired = Pairing.objects.filter(status__in=["approved", "active", "concluded", "terminated"])
    assert not Activity.objects.exclude(pairing__in=paired).exists()
    assert set(Activity.objects.values_list("status", flat=True)) == set(ActivityStatus.values)
    # The host school is one of the pairing's and the region is its own.
    assert not Activity.objects.exclude(region=F("host_school__region")).exists()
    # Participants are teachers of the pairing's schools.
    members = set(PairingMember.objects.values_list("pairing_id", "school_id"))
    booked = Participation.objects.values_list("activity__pairing_id", "school_id")
    assert set(booked) <= members
    assert not Participation.objects.exclude(school=F("teacher__school")).exists()
    completed = Activity.objects.filter(status=ActivityStatus.COMPLETED)
    assert Evidence.objects.count() == completed.count()


def test_secondments_never_overlap_for_one_person(seeded):
    from activities.models import Secondment

    assert Secondment.objects.count() > 0
    by_person: dict[int, list] = {}
    for teacher_id, start, end in Secondment.objects.values_list("teacher_id", "start", "end"):
        by_person.setdefault(teacher_id, []).append((start, end))
    for spans in by_person.values():
        spans.sort()
        assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert not Secondment.objects.exclude(host_region=F("host_school__region")).exists()
    assert not Secondment.objects.exclude(home_school=F("teacher__school")).exists()


def test_each_pairing_library_holds_files_of_its_own_schools(seeded):
    from activities.models import Resource

    assert Resource.objects.count() > 0
    members = set(PairingMember.objects.values_list("pairing_id", "school_id"))
    assert set(Resource.objects.values_list("pairing_id", "school_id")) <= members
    assert not Resource.objects.exclude(region=F("school__region")).exists()


def _clear_funding() -> None:
    """As if the province was seeded before the funding app had a generator. The ledger is
    append-only (the model refuses a delete, and on PostgreSQL a trigger refuses DELETE,
    though not TRUNCATE)."""
    from django.db import connection

    from funding.models import (
        Allocation,
        Budget,
        Disbursement,
        DisbursementTransition,
        LedgerEntry,
        Receipt,
        Tranche,
    )

    models = [LedgerEntry, Receipt, DisbursementTransition, Disbursement, Tranche, Allocation,
              Budget]  # fmt: skip
    tables = [connection.ops.quote_name(m._meta.db_table) for m in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE waits for no deferred foreign-key check of the seeding transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def test_the_funded_pairings_have_their_money_and_the_ledger_holds(seeded):
    from funding import ledger
    from funding.models import (
        Allocation,
        Budget,
        Disbursement,
        DisbursementStatus,
        EntryKind,
        LedgerEntry,
        Purpose,
        Receipt,
        Tranche,
        TrancheStatus,
    )

    funded = Pairing.objects.filter(status__in=["approved", "active"])
    # Ten requests a pairing, spread over the funded ones, in every status.
    assert Disbursement.objects.count() == 400
    assert set(Disbursement.objects.values_list("status", flat=True)) == set(
        DisbursementStatus.values
    )
    assert set(Disbursement.objects.values_list("pairing", flat=True)) == set(
        funded.values_list("pk", flat=True)
    )
    # One allocation per funded pairing, from its programme's ring-fenced budget.
    assert sorted(Allocation.objects.values_list("pairing", flat=True)) == sorted(
        funded.values_list("pk", flat=True)
    )
    assert not Allocation.objects.exclude(budget__programme=F("pairing__programme")).exists()
    assert not Budget.objects.filter(ring_fenced=False).exists()
    assert not Allocation.objects.exclude(region=F("pairing__helping_school__region")).exists()
    # The first tranche is released once the agreement is signed (active pairings).
    active_first = Tranche.objects.filter(number=1, allocation__pairing__status="active")
    assert active_first.exists() and not active_first.exclude(status="released").exists()
    assert not Allocation.objects.filter(
        pairing__status="approved", tranches__status=TrancheStatus.RELEASED
    ).exists()

    # Balances: paid and approved within released, released within allocated, allocated
    # within the budget.
    allocations = list(Allocation.objects.all())
    balances = ledger.allocation_balances(a.pk for a in allocations)
    for allocation in allocations:
        b = balances[allocation.pk]
        assert b.paid + b.reserved <= b.released <= b.allocated == allocation.amount
    assert sum(b.paid for b in balances.values()) > 0
    for b in ledger.budget_balances(Budget.objects.all()).values():
        assert b.allocated <= b.budget

    # Region columns as the services fill them; payees are schools of the pairing.
    members = set(PairingMember.objects.values_list("pairing_id", "school_id"))
    assert set(Disbursement.objects.values_list("pairing_id", "school_id")) <= members
    assert not Disbursement.objects.exclude(region=F("school__region")).exists()
    assert not Disbursement.objects.exclude(allocation__pairing=F("pairing")).exists()
    assert not LedgerEntry.objects.exclude(region=F("allocation__region")).exists()
    assert not Receipt.objects.exclude(region=F("disbursement__region")).exists()
    teachers = Disbursement.objects.filter(payee_teacher__isnull=False)
    assert teachers.exists() and not teachers.exclude(school=F("payee_teacher__school")).exists()

    # Nobody decides their own request; the steps end in the status; submitted requests
    # other than meal allowances have their receipt.
    assert not Disbursement.objects.filter(decided_by=F("requested_by")).exists()
    for d in Disbursement.objects.prefetch_related("transitions")[:200]:
        steps = [(t.from_status, t.to_status) for t in d.transitions.all()]
        assert steps[0] == ("", "draft") and steps[-1][1] == d.status
    sent = Disbursement.objects.exclude(status="draft").exclude(purpose=Purpose.MEAL_ALLOWANCE)
    assert not sent.filter(receipts__isnull=True).exists()
    meals = Disbursement.objects.filter(purpose=Purpose.MEAL_ALLOWANCE)
    assert meals.exists()
    for meal in meals.select_related("secondment"):
        assert (
            meal.amount == 40 * meal.working_days and meal.secondment.pairing_id == meal.pairing_id
        )
    assert not meals.exclude(payee_teacher=F("secondment__teacher")).exists()

    # The ledger: a payment per paid or reversed request, a reversal naming each reversed one.
    paid = Disbursement.objects.filter(status__in=["paid", "reversed"])
    payments = LedgerEntry.objects.filter(kind=EntryKind.PAYMENT)
    assert sorted(payments.values_list("disbursement", "amount")) == sorted(
        paid.values_list("pk", "amount")
    )
    reversals = LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).select_related("reverses")
    assert reversals.count() == Disbursement.objects.filter(status="reversed").count() > 0
    for entry in reversals:
        assert entry.reverses.disbursement_id == entry.disbursement_id
        assert entry.amount == -entry.reverses.amount
    assert LedgerEntry.objects.filter(kind=EntryKind.ALLOCATION).count() == len(allocations)


def test_student_aid_and_donations_hold_the_services_rules(seeded):
    from django.utils import timezone

    from funding.models import (
        AidApplication,
        AidDocument,
        AidNotice,
        AidObjection,
        AidScheme,
        AidStatus,
        AidStep,
        AidStepRecord,
        Donation,
        DonationEvidence,
        Student,
        StudentAccessLog,
    )
    from funding.services.aid import period_of
    from twinning import calendar

    # Two schemes a city; ten students a pairing over the assisted schools, each applying.
    assert AidScheme.objects.count() == 2 * 2
    assert Student.objects.count() == 400
    assisted = PairingMember.objects.filter(role="assisted").values_list("school_id", flat=True)
    assert set(Student.objects.values_list("school_id", flat=True)) <= set(assisted)
    applications = AidApplication.objects.all()
    assert set(applications.values_list("student", flat=True)) == set(
        Student.objects.values_list("pk", flat=True)
    )
    statuses = set(applications.values_list("status", flat=True))
    assert {AidStatus.PAID, AidStatus.NOTICE, AidStatus.DRAFT} <= statuses
    assert applications.filter(status=AidStatus.PAID).count() > applications.count() / 2

    # Region columns are the school's; schemes are of the student's city.
    for model in (Student, AidApplication, AidNotice):
        assert not model.objects.exclude(region=F("school__region")).exists(), model
    assert not applications.exclude(region=F("student__region")).exists()
    assert not StudentAccessLog.objects.exclude(region=F("student__region")).exists()
    assert not applications.exclude(school__region__parent=F("scheme__region")).exists()
    assert not applications.exclude(tier__scheme=F("scheme")).exists()

    # One holding application per student, scheme and period; its period key is its own.
    holding = applications.filter(status__in=["draft", "review", "notice", "approved", "paid"])
    keys = list(holding.values_list("student", "scheme", "period_key"))
    assert len(keys) == len(set(keys))
    for a in applications.select_related("scheme"):
        key = f"{a.school_year}-{a.term}" if a.scheme.period == "term" else str(a.school_year)
        assert a.period_key == key

    # Decided by an aid officer other than who started it; paid within the period, with
    # a reference for money; the five steps and the guardian's form past identification.
    decided = applications.filter(status__in=["approved", "paid", "rejected"])
    assert not decided.filter(decided_by__isnull=True).exists()
    assert not decided.filter(decided_by=F("created_by")).exists()
    today = calendar.today()
    for a in applications.filter(status="paid").select_related("scheme", "notice"):
        first, last = period_of(a)
        assert first <= a.paid_on <= min(last, today)
        assert a.notice.ends_on < timezone.localdate(a.decided_at) <= a.paid_on
        assert bool(a.payment_reference) == (a.scheme.form == "money")
    assert not applications.exclude(status="paid").exclude(paid_on=None).exists()
    past_draft = applications.exclude(status__in=["draft", "withdrawn"])
    steps = AidStepRecord.objects.filter(application__in=past_draft)
    assert steps.count() == 5 * past_draft.count()
    assert not steps.filter(done_on__gt=today).exists()
    forms = AidDocument.objects.filter(step=AidStep.GUARDIAN_SIGNATURE)
    assert set(past_draft.values_list("pk", flat=True)) <= set(
        forms.values_list("application", flat=True)
    )
    assert not AidDocument.objects.exclude(region=F("application__region")).exists()

    # Notices: one per school, scheme and period, holding what is on notice and after.
    notices = AidNotice.objects.all()
    assert notices.exists() and notices.filter(published_at__isnull=False).exists()
    assert notices.count() == notices.values("school", "scheme", "period_key").distinct().count()
    assert not applications.filter(status__in=["notice", "approved", "paid"], notice=None).exists()
    assert (
        not applications.exclude(notice=None)
        .exclude(
            scheme=F("notice__scheme"),
            school=F("notice__school"),
            period_key=F("notice__period_key"),
        )
        .exists()
    )
    assert len(set(notices.values_list("token", flat=True))) == notices.count()
    for objection in AidObjection.objects.select_related("notice", "application"):
        assert objection.notice_id == objection.application.notice_id
        assert objection.notice.starts_on <= objection.received_on <= objection.notice.ends_on
        if objection.upheld:
            assert objection.application.status == "rejected"
    assert not AidObjection.objects.filter(
        resolved_at=None, application__status__in=["approved", "paid"]
    ).exists()
    assert StudentAccessLog.objects.count() == 400

    # Donations in kind: 2.5 a pairing, to a school of a funded pairing.
    assert Donation.objects.count() == 100
    members = set(PairingMember.objects.values_list("pairing_id", "school_id"))
    assert set(Donation.objects.values_list("pairing_id", "school_id")) <= members
    assert not Donation.objects.exclude(region=F("school__region")).exists()
    assert not Donation.objects.exclude(pairing__status__in=["approved", "active"]).exists()
    assert not Donation.objects.filter(received_on__gt=today).exists()
    assert DonationEvidence.objects.exists()
    assert not DonationEvidence.objects.exclude(region=F("donation__region")).exists()


def test_a_province_seeded_before_student_aid_gets_it_and_keeps_its_money(seeded):
    from funding.models import (
        AidApplication,
        AidDocument,
        AidNotice,
        AidObjection,
        AidScheme,
        AidStepRecord,
        AidTier,
        Disbursement,
        Donation,
        Student,
        StudentAccessLog,
    )

    counts = (Student.objects.count(), AidApplication.objects.count())
    money = (Disbursement.objects.count(), Donation.objects.count())
    for model in (StudentAccessLog, AidObjection, AidDocument, AidStepRecord, AidApplication,
                  AidNotice, AidTier, AidScheme, Student):  # fmt: skip
        model.objects.all().delete()
    assert "Adding to the synthetic province: funding." in seed(*TINY)
    assert Student.objects.count() == counts[0] and AidApplication.objects.exists()
    assert (Disbursement.objects.count(), Donation.objects.count()) == money


def test_a_years_scorecards_in_every_step_add_up_and_agree_with_the_money(seeded):
    from decimal import Decimal

    from evaluation import scoring, services
    from evaluation.models import (
        IndicatorScore,
        Scorecard,
        ScorecardEvent,
        ScorecardStatus,
        Step,
        Template,
    )
    from funding.models import Tranche
    from twinning import calendar

    # A scorecard of each evaluated pairing, on its programme's own published version.
    evaluated = Pairing.objects.filter(status__in=["active", "concluded"])
    assert set(Scorecard.objects.values_list("pairing", flat=True)) == set(
        evaluated.values_list("pk", flat=True)
    )
    assert Template.objects.filter(programme__isnull=False, published_at__isnull=False).count() == 4
    assert not Scorecard.objects.exclude(template__programme=F("programme")).exists()
    statuses = Counter(Scorecard.objects.values_list("status", flat=True))
    assert set(statuses) == set(ScorecardStatus.values)
    # Most years are decided, and a pair's earlier years (at province scale) all are.
    assert statuses.most_common(1)[0][0] == ScorecardStatus.FINALISED
    later = Scorecard.objects.filter(pairing=OuterRef("pairing"), year__gt=OuterRef("year"))
    earlier = Scorecard.objects.filter(Exists(later))
    assert not earlier.exclude(status=ScorecardStatus.FINALISED).exists()
    grades = set(Scorecard.objects.filter(status="finalised").values_list("grade", flat=True))
    assert len(grades) >= 3
    # Region and school columns as the services fill them; the pairing year's dates.
    assert not Scorecard.objects.exclude(region=F("pairing__region")).exists()
    assert not Scorecard.objects.exclude(helping_school=F("pairing__helping_school")).exists()
    today = calendar.today()
    for card in Scorecard.objects.select_related("pairing", "template"):
        assert (card.period_start, card.period_end) == services.pairing_year(
            card.pairing, card.year
        )
        assert card.created_at.date() <= today

    # Every indicator once; automatic points by the rule; scores within the rules.
    scores = IndicatorScore.objects.select_related("indicator", "scorecard")
    assert scores.count() == sum(
        card.template.indicators.count() for card in Scorecard.objects.select_related("template")
    )
    for score in scores:
        indicator, maximum = score.indicator, score.indicator.max_points
        if indicator.is_automatic:
            assert score.auto_points == scoring.rule_points(indicator, score.value)
            assert score.self_score is None and score.inspector_score is None
        else:
            assert score.override_points is None and score.value is None
        for points in (score.self_score, score.inspector_score, score.override_points):
            assert points is None or (0 <= points <= maximum and points == points.quantize(
                Decimal("0.1")))  # fmt: skip
        assert score.override_points is None or score.override_reason
    # Past the inspection every manual indicator is scored by an inspector; before it none.
    inspected = ["inspected", "finalised"]
    manual = scores.filter(indicator__source="manual")
    assert not manual.filter(scorecard__status__in=inspected, inspector_score=None).exists()
    assert not manual.filter(scorecard__status__in=["open", "confirming"],
                             inspector_score__isnull=False).exists()  # fmt: skip
    assert not manual.filter(scorecard__status__in=["confirming", "submitted"],
                             self_score=None).exists()  # fmt: skip

    # A result: the rounded sum of the points, its grade by the bands, pass by the mark.
    results = Scorecard.objects.exclude(total=None).select_related("template")
    assert set(results.values_list("status", flat=True)) == {"finalised", "submitted"}
    assert not Scorecard.objects.filter(status="finalised", total=None).exists()
    for card in results:
        points = list(card.scores.select_related("indicator"))
        assert all(s.points == scoring.points_of(s.indicator, s) for s in points)
        assert card.total == scoring.rounded(sum(s.points for s in points))
        assert card.grade == scoring.grade_of(card.total, card.template)
        assert card.passed == (card.total >= card.pass_mark) and card.frozen_at
        assert card.finalised_by_id not in services.inspector_ids(card)

    # The steps: in time order, from opening to the status, never ahead of now.
    for card in Scorecard.objects.prefetch_related("events"):
        events = list(card.events.all())
        assert events[0].step == Step.OPEN and events[-1].to_status == card.status
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert events[-1].at <= timezone.now()
        assert all(a.to_status == b.from_status for a, b in zip(events, events[1:], strict=False))
    finalisations = ScorecardEvent.objects.filter(step=Step.FINALISE).select_related("scorecard")
    assert all(e.total == e.scorecard.total for e in finalisations)
    assert ScorecardEvent.objects.filter(step=Step.REOPEN, scorecard__status="submitted").exists()
    confirmations = ScorecardEvent.objects.filter(step=Step.CONFIRM)
    assisted = PairingMember.objects.filter(role="assisted")
    members = set(assisted.values_list("pairing_id", "school_id"))
    assert set(confirmations.values_list("scorecard__pairing_id", "school_id")) <= members

    # The money followed the result: a tranche decided on a year's evaluation says its score.
    for tranche in Tranche.objects.exclude(evaluation_year=None).select_related("allocation"):
        card = Scorecard.objects.get(pairing=tranche.allocation.pairing_id, year=1)
        assert services.tranche_school_year(card.period_start) == tranche.evaluation_year
        assert card.status == "finalised" and card.total == Decimal(tranche.note)
        assert card.passed == (tranche.status == "released")
        if card.passed:
            assert card.finalised_at == tranche.released_at


def test_a_province_seeded_before_the_evaluation_gets_its_scorecards(seeded):
    from evaluation.models import IndicatorScore, Scorecard, ScorecardEvent

    count = Scorecard.objects.count()
    ScorecardEvent.objects.all().delete()
    IndicatorScore.objects.all().delete()
    Scorecard.objects.all().delete()
    assert "Adding to the synthetic province: evaluation." in seed(*TINY)
    assert Scorecard.objects.count() == count


def test_a_year_of_the_report_archive_is_seeded_as_rows(seeded):
    from evaluation.models import Document, DocumentKind, Scorecard, ScorecardStatus

    finalised = Scorecard.objects.filter(status=ScorecardStatus.FINALISED).count()
    kinds = dict(
        Document.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    assert kinds[DocumentKind.PAIRING_EVALUATION] == finalised > 0
    regions = Document.objects.exclude(pairing__isnull=False).values("region").distinct().count()
    assert regions > 0
    assert kinds[DocumentKind.MONTHLY_STEERING] == 12 * regions
    assert kinds[DocumentKind.QUARTERLY_SUMMARY] == 4 * regions
    assert kinds[DocumentKind.HALF_YEARLY_CIRCULAR] == 2 * regions
    assert not Document.objects.exclude(status="ready").exists()


def test_a_province_seeded_before_the_archive_gets_its_rows_and_keeps_its_scorecards(seeded):
    from evaluation.models import Document, Scorecard

    cards = Scorecard.objects.count()
    made = Document.objects.count()
    Document.objects.all().delete()
    assert "Adding to the synthetic province: evaluation." in seed(*TINY)
    assert Scorecard.objects.count() == cards and Document.objects.count() == made


def test_robots_with_their_logs_preferences_and_reminder_runs_are_seeded(seeded):
    from twinning.models import ChatRobot, Delivery, NotificationPreference, ReminderRun
    from twinning.notify import reminders

    persona_school = RoleAssignment.objects.get(user__username="scale-coordinator").school_id
    assert ChatRobot.objects.filter(school_id=persona_school).exists()
    assert ChatRobot.objects.filter(region__isnull=False).exists()
    assert Delivery.objects.filter(robot__isnull=False).count() == ChatRobot.objects.count() * 40
    assert NotificationPreference.objects.exists()
    assert ReminderRun.objects.count() == len(reminders.every()) * 60
    # A province seeded before the robots existed gets them, and nothing else again.
    from twinning.models import ImportBatch

    imports = ImportBatch.objects.count()
    ChatRobot.objects.all().delete()
    ReminderRun.objects.all().delete()
    NotificationPreference.objects.all().delete()
    from twinning.models import RegionNotificationDefault

    RegionNotificationDefault.objects.all().delete()
    out = seed(*TINY)
    assert "twinning" in out and ChatRobot.objects.exists()
    assert ImportBatch.objects.count() == imports
