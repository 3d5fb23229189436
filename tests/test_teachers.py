"""The teacher registry: who keeps it, who sees it, and the rules of a record."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from teachers import services
from teachers.models import Teacher

from .test_api import api


@pytest.fixture
def teachers(world, active):
    helping = services.teacher_create(
        actor=world.coord_helping, school=world.helping, name="陈红梅", title="senior",
        first_employed_year=2005, staff_number="JC-01",
        honours=[{"kind": "key_teacher", "level": "city", "year": 2020}],
    )  # fmt: skip
    assisted = services.teacher_create(
        actor=world.coord_assisted, school=world.assisted, name="赵小燕", first_employed_year=2024
    )
    far = services.teacher_create(actor=None, school=world.far_school, name="远方老师")
    return helping, assisted, far


def test_a_coordinator_adds_a_teacher_to_their_school_through_the_api(world, active):
    response = api(world.coord_helping).post(
        "/api/teachers/",
        {
            "school": world.helping.pk, "name": "李明", "gender": "male", "subjects": "数学",
            "title": "first", "first_employed_year": 2015, "staff_number": "JC-02",
            "honours": [{"kind": "subject_leader", "level": "district", "year": 2022}],
        },
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    teacher = Teacher.objects.get(pk=body["id"])
    assert teacher.region == world.helping.region  # copied for scoped lists
    assert body["title_display"]
    assert body["honours"] == [{"kind": "subject_leader", "level": "district", "year": 2022}]
    assert body["years_of_service"] == teacher.years_of_service >= 10


def test_years_of_service_count_whole_school_years(world, monkeypatch):
    teacher = Teacher(first_employed_year=2023)
    monkeypatch.setattr("twinning.calendar.today", lambda: dt.date(2026, 8, 31))
    assert teacher.years_of_service == 2  # school year 2025–2026
    monkeypatch.setattr("twinning.calendar.today", lambda: dt.date(2026, 9, 1))
    assert teacher.years_of_service == 3


def test_a_coordinator_keeps_only_their_own_schools_registry(world, teachers):
    helping, assisted, _far = teachers
    with pytest.raises(PermissionDenied):
        services.teacher_update(actor=world.coord_assisted, teacher=helping, phone="1")
    response = api(world.coord_assisted).post(
        "/api/teachers/", {"school": world.helping.pk, "name": "冒名"}
    )
    assert response.status_code == 403
    assert not Teacher.objects.filter(name="冒名").exists()


def test_partner_schools_see_each_others_teachers_and_no_one_else(world, teachers):
    helping, assisted, far = teachers
    names = {t["name"] for t in api(world.coord_assisted).get("/api/teachers/").json()["results"]}
    assert names == {"陈红梅", "赵小燕"}  # paired with the helping school
    assert api(world.coord_assisted).get(f"/api/teachers/{far.pk}/").status_code == 404
    assert api(world.outsider).get(f"/api/teachers/{helping.pk}/").status_code == 404
    inspector = api(world.inspector)
    assert inspector.get(f"/api/teachers/{helping.pk}/").status_code == 200
    assert inspector.patch(f"/api/teachers/{helping.pk}/", {"phone": "1"}).status_code == 403


@pytest.mark.parametrize(
    "payload, field, code",
    [
        ({"staff_number": "JC-01"}, "staff_number", "unique"),
        ({"first_employed_year": dt.date.today().year + 1}, "first_employed_year", "rule"),
        ({"honours": [{"kind": "key_teacher"}, {"kind": "key_teacher"}]}, "honours", "rule"),
        ({"name": "   "}, "name", "blank"),
    ],
)
def test_bad_records_are_refused_with_the_field_named_and_nothing_changes(
    world, teachers, payload, field, code
):
    _helping, _assisted, _far = teachers
    before = list(Teacher.objects.order_by("pk").values())
    response = api(world.coord_helping).post(
        "/api/teachers/", {"school": world.helping.pk, "name": "新人", **payload}
    )
    assert response.status_code == 400, response.content
    assert response.json()["codes"][field] == [code]
    assert list(Teacher.objects.order_by("pk").values()) == before


def test_a_teacher_stays_at_their_school(world, teachers):
    helping, _assisted, _far = teachers
    response = api(world.coord_helping).patch(
        f"/api/teachers/{helping.pk}/", {"school": world.assisted.pk, "phone": "13800000000"}
    )
    assert response.status_code == 200
    helping.refresh_from_db()
    assert helping.school == world.helping and helping.phone == "13800000000"


def test_the_list_runs_a_constant_number_of_queries(world, teachers, django_assert_num_queries):
    client = api(world.bureau)
    client.get("/api/teachers/")  # warm
    for i in range(10):
        services.teacher_create(
            actor=None, school=world.helping, name=f"老师{i}",
            honours=[{"kind": "key_teacher", "level": "school"}],
        )  # fmt: skip
    # (The scope is resolved once per user.) count, the page (with schools), their honours
    with django_assert_num_queries(3):
        assert client.get("/api/teachers/").status_code == 200


def test_no_national_id_is_stored():
    names = {f.name for f in Teacher._meta.get_fields()}
    assert not names & {"id_number", "national_id", "identity_card"}


def test_a_year_of_first_employment_before_1950_is_refused(world):
    with pytest.raises(ValidationError) as error:
        services.teacher_create(
            actor=world.coord_helping, school=world.helping, name="x", first_employed_year=1800
        )
    assert "first_employed_year" in error.value.message_dict
    assert not Teacher.objects.exists()
