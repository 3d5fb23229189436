"""``manage.py seed_demo``: the demo world, with a login for every role, loaded idempotently."""

import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import F

from evaluation.models import IndicatorScore, Scorecard, ScorecardEvent, ScoreEvidence, Template
from schools import selectors
from schools.models import (
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
from twinning.models import Role, RoleAssignment, User

MODELS = [
    Region, School, Programme, Pairing, PairingMember, PairingTransition, LeadingGroupMember,
    ContactPerson, NeedsAssessment, Goal, ProgressUpdate, User, RoleAssignment, Template,
    Scorecard, IndicatorScore, ScorecardEvent, ScoreEvidence,
]  # fmt: skip

LOGINS = {
    # username: (role, scope)
    "bureau": (Role.BUREAU, "江城市"),
    "bureau2": (Role.BUREAU, "江城市"),
    "county": (Role.BUREAU, "临江县"),
    "coordinator": (Role.COORDINATOR, "江城市青山区实验小学"),
    "coordinator2": (Role.COORDINATOR, "临江县柳河镇中心小学"),
    "teacher": (Role.TEACHER, "临江县柳河镇中心小学"),
    "inspector": (Role.INSPECTOR, "江城市"),
}


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def first_output(db, _fast_passwords):
    return seed()


def test_second_run_creates_nothing(first_output):
    before = counts()
    output = seed()
    assert counts() == before
    assert "nothing to create" in output


def test_first_run_builds_the_city_with_forty_schools(first_output):
    city = Region.objects.get(name="江城市")
    assert city.parent.name == "蜀川省"
    assert sorted(city.children.values_list("name", flat=True)) == ["临江县", "白河县", "青山区"]
    schools = School.objects.filter(region__parent=city)
    assert schools.count() == 40
    codes = list(schools.values_list("code", flat=True))
    assert len(set(codes)) == 40
    assert all(re.fullmatch(r"\d{10}", code) for code in codes)
    assert set(schools.values_list("stage", flat=True)) == set(School.Stage.values)
    assert set(schools.values_list("location", flat=True)) == set(School.Location.values)
    assert not schools.filter(address="").exists()
    assert not schools.filter(contact_phone="").exists()


def test_every_role_has_a_login_with_its_assignment(first_output):
    for username, (role, scope) in LOGINS.items():
        user = User.objects.get(username=username)
        assignments = [
            (a.role, str(a.region or a.school))
            for a in user.role_assignments.select_related("region", "school")
        ]
        assert assignments == [(role, scope)], username
        assert user.check_password("demo12345")
        assert not user.is_staff
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password("demo12345")


def test_the_two_programmes(first_output):
    city = Programme.objects.get(name="江城市城乡学校结对帮扶（2025—2027）")
    assert (city.region.name, city.pairing_kind, city.reach) == (
        "江城市",
        "one_to_one",
        "cross_county",
    )
    assert (city.funding_per_pair, city.tranche_count, city.pass_mark) == (300000, 3, 75)
    county = Programme.objects.exclude(pk=city.pk).get()
    assert (county.region.name, county.pairing_kind, county.reach) == (
        "临江县",
        "one_to_many",
        "within_county",
    )


def test_pairings_are_in_every_state(first_output):
    assert set(Pairing.objects.values_list("status", flat=True)) == set(PairingStatus.values)
    for status in (PairingStatus.REJECTED, PairingStatus.TERMINATED):
        pairing = Pairing.objects.get(status=status)
        assert pairing.transitions.get(to_status=status).comment


def test_proposals_have_waited_for_days(first_output):
    waiting = [
        selectors.waiting_days(p.proposed_at) for p in Pairing.objects.filter(status="proposed")
    ]
    assert max(waiting) > settings.APPROVAL_WAITING_WARN_DAYS
    assert min(waiting) < settings.APPROVAL_WAITING_WARN_DAYS


def test_whoever_proposed_cannot_approve_but_the_other_bureau_user_can(first_output):
    bureau, bureau2 = User.objects.get(username="bureau"), User.objects.get(username="bureau2")
    mine = Pairing.objects.filter(status="proposed", proposed_by=bureau)
    assert mine.exists()
    assert not set(selectors.pairing_approval_queue(bureau)) & set(mine)
    assert set(mine) <= set(selectors.pairing_approval_queue(bureau2))


def test_the_coordinators_active_pairing_is_filled_in(first_output):
    coordinator = User.objects.get(username="coordinator")
    coordinator2 = User.objects.get(username="coordinator2")
    school = coordinator.role_assignments.get().school
    pairing = Pairing.objects.get(helping_school=school, status=PairingStatus.ACTIVE)
    assisted = pairing.members.get(role="assisted").school
    assert assisted == coordinator2.role_assignments.get().school
    assert pairing.leading_group.filter(position="leader").exists()
    assert pairing.contacts.count() == 2
    dimensions = set(pairing.needs.filter(school=assisted).values_list("dimension", flat=True))
    assert dimensions == set(NeedsDimension.values)
    yearly = pairing.goals.filter(period_kind="year")
    assert yearly.filter(title="培养市级骨干教师", target_value=2, unit="名").exists()
    assert yearly.filter(children__period_kind="term").exists()
    assert pairing.goals.filter(period_kind="quarter").exists()
    assert pairing.goals.filter(period_kind="month").exists()
    assert ProgressUpdate.objects.filter(goal__pairing=pairing).exists()
    assert pairing.agreement_signed_on is not None


def test_output_lists_every_login_with_its_password(first_output):
    for username in ["admin", *LOGINS]:
        assert re.search(rf"^{username}\s.*demo12345$", first_output, re.MULTILINE), username


def test_password_option_sets_and_prints_another_password(first_output):
    output = seed("--password", "another-pass-7")
    assert "another-pass-7" in output
    assert User.objects.get(username="teacher").check_password("another-pass-7")


def test_quiet_prints_only_the_logins(first_output):
    output = seed("--quiet")
    assert "Demo data" not in output
    assert re.search(r"^coordinator2\s", output, re.MULTILINE)


def test_the_demo_has_teachers_and_the_teacher_login_is_one_of_them(db):
    from io import StringIO

    from django.core.management import call_command

    from teachers.models import Mentorship, MentorshipRecord, Teacher

    call_command("seed_demo", "--quiet", stdout=StringIO())
    assert Teacher.objects.count() >= 60
    assert Teacher.objects.get(user__username="teacher").school.name == "临江县柳河镇中心小学"
    counts = (Teacher.objects.count(), Mentorship.objects.count(), MentorshipRecord.objects.count())
    call_command("seed_demo", "--quiet", stdout=StringIO())  # idempotent
    assert (Teacher.objects.count(), Mentorship.objects.count(),
            MentorshipRecord.objects.count()) == counts == (82, 4, counts[2])  # fmt: skip


def test_the_demo_teacher_is_a_mentee_with_a_comment_waiting_and_a_pair_behind(db, client):
    from io import StringIO

    from django.core.management import call_command

    from teachers import compliance
    from teachers.models import Mentorship

    call_command("seed_demo", "--quiet", stdout=StringIO())
    mine = Mentorship.objects.get(mentee__user__username="teacher")
    assert mine.mentor.user.username == "mentor"
    assert mine.records.filter(comments__author__username="mentor").exists()
    client.force_login(mine.mentee.user)
    home = client.get("/").content.decode()
    assert "请再想一想" in home  # her mentor's comment waits for her answer
    client.force_login(mine.mentor.user)
    assert client.get("/mentorships/review/").context["records"]
    standings = compliance.standings(Mentorship.objects.all())
    assert {s.status for s in standings.values()} & {"behind", "missed"}


def test_the_demo_has_a_term_of_exchanges_logged_with_photos(first_output):
    from activities.models import Activity, ActivityStatus, Evidence

    statuses = set(Activity.objects.values_list("status", flat=True))
    assert statuses == set(ActivityStatus.values)
    held = Activity.objects.filter(status=ActivityStatus.COMPLETED)
    assert held.exists() and not held.filter(evidence__isnull=True).exists()
    assert Evidence.objects.exclude(thumbnail="").exists()  # photos, with thumbnails
    before = Activity.objects.count()
    seed()
    assert Activity.objects.count() == before


def test_the_demo_has_money_in_every_state_and_the_ledger_balances(first_output):
    from funding import ledger
    from funding.models import (
        Allocation,
        Budget,
        Disbursement,
        DisbursementStatus,
        EntryKind,
        LedgerEntry,
        Purpose,
    )

    budget = Budget.objects.get(programme__name="江城市城乡学校结对帮扶（2025—2027）")
    assert budget.ring_fenced and budget.region.name == "江城市"
    funded = Pairing.objects.filter(programme=budget.programme, status__in=["approved", "active"])
    assert set(budget.allocations.values_list("pairing", flat=True)) == set(
        funded.values_list("pk", flat=True)
    )
    assert set(Disbursement.objects.values_list("status", flat=True)) == set(
        DisbursementStatus.values
    )
    rejected = Disbursement.objects.get(status=DisbursementStatus.REJECTED)
    assert rejected.decision_comment
    assert not Disbursement.objects.filter(status="paid", payment_reference="").exists()
    assert not Disbursement.objects.filter(decided_by=F("requested_by")).exists()
    reversal = LedgerEntry.objects.get(kind=EntryKind.REVERSAL)
    assert reversal.reverses.disbursement.status == DisbursementStatus.REVERSED
    # Paid or submitted claims other than meal allowances carry their receipt.
    receipted = Disbursement.objects.exclude(status="draft").exclude(purpose=Purpose.MEAL_ALLOWANCE)
    assert not receipted.filter(receipts__isnull=True).exists()
    meal = Disbursement.objects.get(purpose=Purpose.MEAL_ALLOWANCE)
    assert meal.secondment_id and meal.amount == 40 * meal.working_days > 0
    assert "送教下乡交通费" in " ".join(Disbursement.objects.values_list("description", flat=True))

    balances = ledger.allocation_balances(Allocation.objects.values_list("pk", flat=True))
    for allocation in Allocation.objects.all():
        b = balances[allocation.pk]
        assert b.paid + b.reserved <= b.released <= b.allocated == allocation.amount
    assert any(b.paid > 0 for b in balances.values())
    for budget in Budget.objects.all():
        assert ledger.budget_balances([budget])[budget.pk].unallocated >= 0

    before = (Budget.objects.count(), Disbursement.objects.count(), LedgerEntry.objects.count())
    seed()
    assert before == (Budget.objects.count(), Disbursement.objects.count(),
                      LedgerEntry.objects.count())  # fmt: skip


def test_the_demo_has_student_aid_in_every_stage_and_an_aid_officer(first_output):
    from funding.models import AidApplication, AidNotice, AidStatus
    from twinning.models import Role, RoleAssignment

    statuses = set(AidApplication.objects.values_list("status", flat=True))
    assert {AidStatus.DRAFT, AidStatus.NOTICE, AidStatus.PAID} <= statuses
    assert AidNotice.objects.filter(published_at__isnull=False).count() == 2
    roles = set(RoleAssignment.objects.filter(user__username="aid").values_list("role", flat=True))
    assert roles == {Role.BUREAU, Role.AID}


def test_the_demo_has_a_scorecard_in_every_step_and_each_persona_a_step_to_take(first_output):
    from evaluation import scoring, services
    from evaluation import selectors as evaluation_selectors
    from evaluation.models import Step
    from funding.models import Tranche

    cards = {(c.pairing.helping_school.name, c.year): c for c in Scorecard.objects.select_related(
        "pairing__helping_school", "template")}  # fmt: skip
    statuses = {c.status for c in cards.values()}
    assert statuses == {"open", "confirming", "submitted", "inspected", "finalised"}
    # The money followed the results: a pass released the next tranche, a fail withheld it.
    finalised = [c for c in cards.values() if c.status == "finalised"]
    assert {c.passed for c in finalised} == {True, False}
    for card in finalised:
        tranche = Tranche.objects.get(allocation__pairing=card.pairing, number=2)
        assert tranche.status == ("released" if card.passed else "withheld")
        assert tranche.evaluation_year is not None
    # A failing grade above 不合格 under the county's pass mark of 80, and a reopened one.
    failed = next(c for c in finalised if not c.passed)
    assert failed.grade == "pass" and failed.pass_mark == 80
    reopened = Scorecard.objects.get(events__step=Step.REOPEN)
    assert reopened.status == "submitted" and reopened.total is not None
    assert reopened.events.get(step=Step.REOPEN).comment
    returned = Scorecard.objects.get(events__step=Step.RETURN)
    assert returned.status == "confirming" and returned.events.filter(step=Step.SUBMIT).count() == 2
    # Results add up; finalised by bureau staff who did not score them.
    for card in Scorecard.objects.exclude(total=None).select_related("template"):
        points = list(card.scores.select_related("indicator"))
        assert card.total == scoring.rounded(sum(s.points for s in points))
        assert card.grade == scoring.grade_of(card.total, card.template)
        finalisers = set(card.events.filter(step=Step.FINALISE).values_list("actor", flat=True))
        assert finalisers and not finalisers & services.inspector_ids(card)
    assert ScoreEvidence.objects.filter(scorecard__pairing__helping_school__name=
                                        "江城市青山区实验小学").exists()  # fmt: skip
    # The steps are dated in order, none ahead of now; self-assessments have notes.
    for card in Scorecard.objects.prefetch_related("events"):
        times = [e.at for e in card.events.all()]
        assert times == sorted(times) and card.created_at <= times[0]
    assert not IndicatorScore.objects.filter(self_score__isnull=False, self_note="").exists()

    # Each persona's login has its step to take.
    def doable(username: str) -> set[str]:
        user = User.objects.get(username=username)
        return {action for card in evaluation_selectors.scorecard_list_visible_to(user)
                for action, allowed in evaluation_selectors.actions(user, card).items()
                if allowed and action != "bureau"}  # fmt: skip

    assert "self_assess" in doable("coordinator")
    assert "confirm" in doable("coordinator2")
    assert "inspect" in doable("inspector")
    assert "finalise" in doable("bureau")
    inspector = User.objects.get(username="inspector")
    assert evaluation_selectors.inspection_queue(inspector).count() == 2
    bureau = User.objects.get(username="bureau")
    assert evaluation_selectors.finalisation_queue(bureau).exists()
    # A draft of the county programme's own version, which no scorecard uses yet.
    draft = Template.objects.get(programme__name="临江县城乡学校“1+N”捆绑帮扶（2025—2027）")
    assert not draft.is_published and not draft.scorecards.exists()
    assert draft.indicators.get(metric="secondment_days").target == 15
