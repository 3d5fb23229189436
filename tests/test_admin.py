"""The Django admin: every page loads, scoping holds, schools import and export as CSV."""

import datetime as dt
from decimal import Decimal

import pytest
import tablib
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from schools import services
from schools.models import Goal, NeedsAssessment, School
from schools.resources import COLUMNS, SchoolResource
from twinning.models import Notification

from .factories import UserFactory

HEADER = ",".join(COLUMNS.values())


def staff(user, *codenames):
    """Make ``user`` a staff member with the given model permissions."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def superuser(db, _fast_passwords):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def filled(world, active):
    """An active pairing with a needs assessment, a goal with progress and a notification."""
    services.needs_assessment_save(
        actor=world.coord_assisted, pairing=active, school=world.assisted,
        dimension="staffing", rating=2, findings="缺英语教师",
    )  # fmt: skip
    goal = services.goal_create(
        actor=world.coord_assisted, pairing=active, school=world.assisted,
        title="培养市级骨干教师", target_value=Decimal("2"), unit="名",
        period_kind="year", school_year=2026,
    )  # fmt: skip
    services.goal_report_progress(actor=world.coord_assisted, goal=goal, value=Decimal("1"))
    Notification.objects.create(recipient=world.bureau, key="k", title="待审批")
    return active


def test_superuser_sees_every_admin_page(client, superuser, filled):
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(base).status_code == 200, base
        obj = model._default_manager.first()
        if obj is not None:
            assert client.get(f"{base}{obj.pk}/change/").status_code == 200, base
            assert client.get(f"{base}{obj.pk}/history/").status_code == 200, base
    assert client.get("/admin/schools/school/import/").status_code == 200
    assert client.get("/admin/schools/school/export/").status_code == 200


def test_staff_of_another_region_sees_none_of_jiangcheng(client, world, filled):
    outsider = staff(world.outsider, "view_school", "change_school", "view_pairing", "view_goal")
    client.force_login(outsider)

    response = client.get("/admin/schools/school/")
    assert response.status_code == 200
    listed = {school.name for school in response.context["cl"].result_list}
    assert listed == {"远方小学"}
    assert "江城" not in response.content.decode()

    for url in [
        f"/admin/schools/school/{world.helping.pk}/change/",
        f"/admin/schools/pairing/{filled.pk}/change/",
        f"/admin/schools/goal/{Goal.objects.get().pk}/change/",
    ]:
        assert client.get(url).status_code in (302, 404), url
    assert client.get(f"/admin/schools/school/{world.helping.pk}/history/").status_code == 404
    assert list(client.get("/admin/schools/pairing/").context["cl"].result_list) == []


def test_staff_in_scope_reads_and_edits_through_the_services(client, world, filled):
    bureau = staff(world.bureau, "view_school", "change_school", "view_needsassessment")
    client.force_login(bureau)
    url = f"/admin/schools/school/{world.assisted.pk}/change/"
    assert client.get(url).status_code == 200
    data = {
        "name": "西山山村小学", "code": world.assisted.code, "region": world.west.pk,
        "stage": "primary", "location": "rural", "enrolment": 321, "staff_count": 20,
        "address": "西山县山村", "contact_name": "", "contact_phone": "",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    world.assisted.refresh_from_db()
    assert world.assisted.enrolment == 321
    assert world.assisted.history.first().history_user == bureau
    # Read-only where the user may read but not change.
    needs = NeedsAssessment.objects.get()
    response = client.get(f"/admin/schools/needsassessment/{needs.pk}/change/")
    assert response.status_code == 200
    assert not response.context["has_change_permission"]


def test_users_and_role_assignments_are_for_superusers_only(client, world):
    bureau = staff(world.bureau, "view_user", "change_user", "view_roleassignment")
    client.force_login(bureau)
    assert client.get("/admin/twinning/user/").status_code == 403
    assert client.get("/admin/twinning/roleassignment/").status_code == 403


def test_superuser_assigns_a_role_through_the_service(client, superuser, world):
    client.force_login(superuser)
    response = client.post(
        "/admin/twinning/roleassignment/add/",
        {"user": world.mentor.pk, "role": "bureau", "school": world.helping.pk},
    )
    assert response.status_code == 200  # a bureau role needs a region, not a school
    assert "region" in response.context["adminform"].form.errors
    response = client.post(
        "/admin/twinning/roleassignment/add/",
        {"user": world.mentor.pk, "role": "inspector", "region": world.east.pk},
    )
    assert response.status_code == 302
    assert world.mentor.role_assignments.filter(role="inspector", region=world.east).exists()


def _import(client, csv_text: str):
    upload = SimpleUploadedFile("schools.csv", csv_text.encode("utf-8"), content_type="text/csv")
    return client.post(
        "/admin/schools/school/import/", {"resource": "0", "format": "0", "import_file": upload}
    )


def test_import_with_a_duplicate_code_names_row_and_column_and_changes_nothing(client, world):
    client.force_login(staff(world.bureau, "view_school", "add_school", "change_school"))
    before = list(School.objects.order_by("pk").values())
    response = _import(
        client,
        f"{HEADER}\n"
        "3451000101,东城第三小学,510101,primary,urban,900,55,东城县一路,,\n"
        "3451000101,东城第四小学,510101,primary,urban,700,40,东城县二路,,\n"
        "12345,东城第五小学,510101,primary,urban,500,30,,,\n"
        "3452000001,远方小学,510101,primary,urban,500,30,,,\n",
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert "confirm_form" not in response.context
    errors = {row.number: row.field_specific_errors for row in result.invalid_rows}
    # Row 2 repeats row 1's code, row 3 is malformed, row 4 is another city's school.
    assert set(errors) == {2, 3, 4}
    assert all(set(fields) == {"学校标识码"} for fields in errors.values())
    assert list(School.objects.order_by("pk").values()) == before


def test_import_creates_and_updates_schools_in_scope(world):
    dataset = tablib.Dataset(headers=list(COLUMNS))  # attribute names work as headers too
    dataset.append(
        ["3451000201", "东城第六小学", "510101", "Primary school", "rural", "", "", "", "", ""]
    )
    dataset.append(
        [world.spare.code, "东城第二小学", "510101", "primary", "urban", 999, 61, "", "", ""]
    )
    result = SchoolResource().import_data(dataset, user=world.bureau)
    assert not result.has_errors() and not result.has_validation_errors()
    created = School.objects.get(code="3451000201")
    assert (created.region, created.stage, created.location) == (world.east, "primary", "rural")
    assert created.history.first().history_user == world.bureau
    world.spare.refresh_from_db()
    assert world.spare.enrolment == 999


def test_import_refuses_a_region_outside_scope_and_keeps_nothing(world):
    dataset = tablib.Dataset(headers=list(COLUMNS.values()))
    dataset.append(["3451000301", "好学校", "510101", "primary", "urban", 1, 1, "", "", ""])
    dataset.append(["3451000302", "远学校", "520101", "primary", "urban", 1, 1, "", "", ""])
    result = SchoolResource().import_data(dataset, user=world.bureau)
    assert [row.number for row in result.invalid_rows] == [2]
    assert set(result.invalid_rows[0].field_specific_errors) == {"行政区划代码"}
    assert not School.objects.filter(code__in=["3451000301", "3451000302"]).exists()


def test_export_contains_only_visible_schools(client, world):
    client.force_login(staff(world.outsider, "view_school"))
    fields = {f"schoolresource_{name}": "on" for name in COLUMNS}
    response = client.post(
        "/admin/schools/school/export/", {"format": "0", "resource": "0", **fields}
    )
    assert response.status_code == 200
    rows = tablib.Dataset().load(response.content.decode("utf-8-sig"), format="csv")
    assert rows.headers == list(COLUMNS.values())
    assert [row[0] for row in rows] == [world.far_school.code]

    exported = SchoolResource(user=world.bureau).export()
    assert sorted(exported["学校标识码"]) == sorted(
        [world.helping.code, world.assisted.code, world.spare.code]
    )
    assert SchoolResource().export().dict == []  # no user, nothing


def test_pairing_status_cannot_be_changed_in_the_admin(client, superuser, filled):
    client.force_login(superuser)
    url = f"/admin/schools/pairing/{filled.pk}/change/"
    assert "status" not in client.get(url).context["adminform"].form.fields
    inlines = {
        f"{prefix}-{key}": "0"
        for prefix in ("members", "transitions", "leading_group", "contacts")
        for key in ("TOTAL_FORMS", "INITIAL_FORMS")
    }
    data = {"status": "concluded", "goals_summary": "三年目标", "agreement_signed_on": "2026-09-01"}
    response = client.post(url, {**data, "agreement_start": "", "agreement_end": "", **inlines})
    assert response.status_code == 302
    filled.refresh_from_db()
    assert filled.status == "active"
    assert filled.goals_summary == "三年目标"
    assert filled.agreement_signed_on == dt.date(2026, 9, 1)


def test_admin_import_previews_then_creates_on_confirm(client, world):
    client.force_login(staff(world.bureau, "view_school", "add_school", "change_school"))
    response = _import(
        client, f"{HEADER}\n3451000401,东城第七小学,510101,primary,rural,120,12,,,\n"
    )
    assert not School.objects.filter(code="3451000401").exists()  # a preview only
    confirm = response.context["confirm_form"]
    response = client.post("/admin/schools/school/process_import/", confirm.initial)
    assert response.status_code == 302
    school = School.objects.get(code="3451000401")
    assert school.history.first().history_user == world.bureau


def test_an_xlsx_export_imports_again_unchanged(world):
    data = SchoolResource(user=world.bureau).export()
    xlsx = tablib.Dataset().load(data.export("xlsx"), format="xlsx")
    result = SchoolResource().import_data(xlsx, user=world.bureau)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 3


@pytest.mark.parametrize(
    "url", ["/admin/schools/school/", "/admin/schools/pairing/", "/admin/schools/goal/"]
)
def test_changelists_run_a_fixed_number_of_queries(
    client, world, filled, url, django_assert_max_num_queries
):
    bureau = staff(world.bureau, "view_school", "view_pairing", "view_goal")
    client.force_login(bureau)
    with django_assert_max_num_queries(50) as first:
        client.get(url)
    for n in range(3):
        school = services.school_create(
            actor=world.bureau, name=f"东城新校{n}", code=f"345100090{n}", region=world.east,
            stage="primary", location="urban",
        )  # fmt: skip
        pairing = services.pairing_create(
            actor=world.bureau, programme=world.programme, helping_school=world.spare,
            assisted_schools=[school],
        )  # fmt: skip
        services.goal_create(
            actor=world.bureau, pairing=pairing, school=school, title="目标", unit="项",
            target_value=Decimal("1"), period_kind="year", school_year=2026,
        )  # fmt: skip
    # session, user, scope (assignments, subtree), count, rows, prefetched members …:
    # the same whatever the number of rows.
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(url)
    assert len(response.context["cl"].result_list) >= 4


def test_programme_rules_of_the_service_show_as_form_errors(client, superuser, world):
    client.force_login(superuser)
    data = {
        "name": "东城县一拖多", "region": world.east.pk, "start_year": 2026, "years": 3,
        "pairing_kind": "one_to_many", "reach": "within_county", "max_assisted_schools": 1,
        "funding_per_pair": "100000", "tranche_count": 3, "pass_mark": "75", "description": "",
    }  # fmt: skip
    response = client.post("/admin/schools/programme/add/", data)
    assert response.status_code == 200
    assert "max_assisted_schools" in response.context["adminform"].form.errors
    response = client.post("/admin/schools/programme/add/", {**data, "max_assisted_schools": 3})
    assert response.status_code == 302
    assert world.east.programmes.get().history.first().history_user == superuser


def test_role_inline_on_the_user_page_assigns_through_the_service(client, superuser, world):
    client.force_login(superuser)
    user = world.mentor
    response = client.get(f"/admin/twinning/user/{user.pk}/change/")
    form = response.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name != "password"}
    data.update(
        {
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "role_assignments-TOTAL_FORMS": "2",
            "role_assignments-INITIAL_FORMS": "1",
            "role_assignments-0-id": user.role_assignments.get().pk,
            "role_assignments-0-user": user.pk,
            "role_assignments-0-role": "teacher",
            "role_assignments-0-school": world.helping.pk,
            "role_assignments-1-user": user.pk,
            "role_assignments-1-role": "coordinator",
            "role_assignments-1-school": world.spare.pk,
        }
    )
    for key in ("groups", "user_permissions", "last_login"):
        data.pop(key, None)
    response = client.post(f"/admin/twinning/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    roles = set(user.role_assignments.values_list("role", "school__name"))
    assert roles == {("teacher", "江城实验小学"), ("coordinator", "东城第二小学")}


def test_moving_a_school_out_of_its_programme_shows_a_form_error(client, superuser, world, active):
    client.force_login(superuser)
    url = f"/admin/schools/school/{world.assisted.pk}/change/"
    data = {
        "name": "西山山村小学", "code": world.assisted.code, "region": world.far_county.pk,
        "stage": "primary", "location": "rural", "enrolment": 321, "staff_count": 20,
        "address": "", "contact_name": "", "contact_phone": "",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, not a crash
    assert "region" in response.context["adminform"].form.errors
    world.assisted.refresh_from_db()
    assert world.assisted.region_id == world.west.pk


def test_a_programmes_obligations_are_read_only_in_the_admin_and_scoped(client, world, active):
    # The programme's bureau keeps them on the programme's page (tests/test_programme_rules.py).
    from teachers import services as teacher_services

    teacher_services.obligations_adopt_defaults(actor=world.bureau, programme=world.programme)
    bureau = staff(world.bureau, "view_obligation", "add_obligation", "change_obligation")
    client.force_login(bureau)
    listed = client.get("/admin/teachers/obligation/").context["cl"].result_list
    assert len(listed) == 10
    assert client.get("/admin/teachers/obligation/add/").status_code == 403
    outsider = staff(world.outsider, "view_obligation", "add_obligation", "change_obligation")
    client.force_login(outsider)
    assert list(client.get("/admin/teachers/obligation/").context["cl"].result_list) == []


def test_administrators_link_a_teacher_to_the_account_they_sign_in_with(client, superuser, world):
    from teachers import services as teacher_services

    teacher = teacher_services.teacher_create(actor=None, school=world.helping, name="陈红梅")
    client.force_login(superuser)
    response = client.post(
        f"/admin/teachers/teacher/{teacher.pk}/change/", {"user": world.mentor.pk}
    )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.user == world.mentor
