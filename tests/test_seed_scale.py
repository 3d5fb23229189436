"""``manage.py seed_scale``: the benchmark's synthetic province, run here at a tiny size."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F

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

    MentorshipRecord.objects.all().delete()
    Mentorship.objects.all().delete()
    Honour.objects.all().delete()
    Activity.objects.all().delete()  # the exchanges book teachers
    Secondment.objects.all().delete()
    Resource.objects.all().delete()
    Teacher.objects.all().delete()  # as if seeded before the teachers app existed
    before = Pairing.objects.count()
    out = seed(*TINY)
    assert "Adding to the synthetic province: teachers, activities." in out
    assert Teacher.objects.count() == 720
    assert Mentorship.objects.count() == 144 == MentorshipRecord.objects.count() / 100
    assert Pairing.objects.count() == before  # nothing else is written again


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
