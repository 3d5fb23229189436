"""The student aid pages: a coordinator identifies a student and applies, the notice goes
public with masked names, the aid officer approves and records the payment; who may see a
student's details, and the log of every reading."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from funding import services
from funding.models import AidApplication, AidStatus, AidStep, Student, StudentAccessLog
from funding.resources import COLUMNS
from twinning import calendar, imports
from twinning.models import Role

from .factories import UserFactory, assign

PDF = b"%PDF-1.4 signed"


@pytest.fixture
def aid_officer(world):
    """Bureau staff of the city holding the aid right."""
    return assign(assign(UserFactory(username="aid", full_name="资助办"), Role.BUREAU,
                         region=world.city), Role.AID, region=world.city)  # fmt: skip


@pytest.fixture
def scheme(world, aid_officer):
    return services.aid_scheme_create(
        actor=aid_officer, region=world.city, name="义务教育家庭经济困难学生生活补助",
        kind="national_grant", form="money", period="term", notice_days=5,
        tiers=[{"name": "一档", "amount": "625"}, {"name": "二档", "amount": "500"}],
    )  # fmt: skip


@pytest.fixture
def student(world):
    return services.student_create(
        actor=world.coord_assisted, school=world.assisted, name="张小明", gender="m",
        grade="3", class_name="三(2)班", guardian_name="张大山", guardian_phone="13900001111",
        note="父亲务工受伤",
    )  # fmt: skip


@pytest.fixture
def today(monkeypatch):
    day = dt.date(2026, 11, 16)  # a Monday
    monkeypatch.setattr(calendar, "today", lambda: day)
    return day


def identified(world, student, scheme, today):
    application = services.aid_application_create(
        actor=world.coord_assisted, student=student, scheme=scheme,
        tier=scheme.tiers.get(name="一档"), school_year=2026, term=1,
    )  # fmt: skip
    for step in AidStep.values:
        files = [SimpleUploadedFile("签字.pdf", PDF)] if step == "guardian_signature" else []
        services.aid_step_record(actor=world.coord_assisted, application=application, step=step,
                                 done_on=today, files=files)  # fmt: skip
    return services.aid_application_submit(actor=world.coord_assisted, application=application)


def test_from_identification_to_payment_through_the_pages(
    client, world, aid_officer, scheme, student, today, monkeypatch
):
    client.force_login(world.coord_assisted)
    response = client.post(
        reverse("funding:aid_apply", args=[student.pk]),
        {"scheme": scheme.pk, "tier": "一档", "school_year": "2026", "term": "1"},
    )
    application = AidApplication.objects.get()
    assert response.url == reverse("funding:aid_application_detail", args=[application.pk])
    for step in AidStep.values:
        data = {"step": step, "done_on": "2026-11-16", "note": ""}
        if step == "guardian_signature":
            data["files"] = SimpleUploadedFile("监护人签字.pdf", PDF)
        client.post(reverse("funding:aid_step", args=[application.pk]), data)
    client.post(reverse("funding:aid_submit", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == AidStatus.REVIEW
    client.post(
        reverse("funding:aid_notice_create"),
        {"school": world.assisted.pk, "scheme": scheme.pk, "period": "2026-1",
         "starts_on": "2026-11-16"},
    )  # fmt: skip
    application.refresh_from_db()
    notice = application.notice
    assert application.status == AidStatus.NOTICE
    assert (notice.starts_on, notice.ends_on) == (dt.date(2026, 11, 16), dt.date(2026, 11, 20))

    # Not public until the bureau publishes it; then masked, without contact data.
    public = reverse("funding:aid_notice_public", args=[notice.token])
    client.logout()
    assert client.get(public).status_code == 404
    client.force_login(aid_officer)
    client.post(reverse("funding:aid_notice_publish", args=[notice.pk]))
    client.logout()
    page = client.get(public).content.decode()
    assert "张*明" in page and "张小明" not in page
    assert "13900001111" not in page and "张大山" not in page

    # After the window, the aid officer approves and records the payment.
    monkeypatch.setattr(calendar, "today", lambda: dt.date(2026, 11, 23))
    client.force_login(aid_officer)
    client.post(reverse("funding:aid_approve", args=[application.pk]), {"comment": ""})
    client.post(
        reverse("funding:aid_pay", args=[application.pk]),
        {"paid_on": "2026-11-23", "reference": "ZZ-2026-031"},
    )
    application.refresh_from_db()
    assert application.status == AidStatus.PAID and application.payment_reference == "ZZ-2026-031"


def test_only_the_schools_coordinators_and_the_aid_officers_see_a_student(
    client, world, aid_officer, student
):
    url = reverse("funding:student_detail", args=[student.pk])
    for persona in (world.bureau, world.inspector, world.coord_helping, world.mentee,
                    world.outsider):  # fmt: skip
        client.force_login(persona)
        assert client.get(url).status_code == 404, persona
    for persona in (world.coord_assisted, aid_officer):
        client.force_login(persona)
        page = client.get(url).content.decode()
        assert "13900001111" in page


def test_every_reading_and_download_of_a_students_details_is_logged(
    client, world, aid_officer, scheme, student, today
):
    application = identified(world, student, scheme, today)
    client.force_login(aid_officer)
    client.get(reverse("funding:student_detail", args=[student.pk]))
    client.get(reverse("funding:aid_application_detail", args=[application.pk]))
    client.get(reverse("funding:aid_export_xlsx"))
    log = list(StudentAccessLog.objects.filter(user=aid_officer).order_by("id"))
    assert [(e.action, e.student_id) for e in log] == [
        ("view", student.pk),
        ("view", student.pk),
        ("export", student.pk),
    ]
    # The aid officers read the log; the coordinator does not.
    page = client.get(reverse("funding:aid_access_log")).content.decode()
    assert "资助办" in page
    client.force_login(world.coord_assisted)
    assert client.get(reverse("funding:aid_access_log")).status_code == 403


def _xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)


def _csv_lines(response) -> list[str]:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()


def test_the_student_download_is_the_filtered_list_in_the_import_columns_and_is_logged(
    client, world, student
):
    services.student_create(
        actor=world.coord_assisted, school=world.assisted, name="王小红", gender="f",
        grade="4", class_name="四(1)班", guardian_name="王父", guardian_phone="13900002222",
    )  # fmt: skip
    services.student_create(
        actor=world.coord_helping, school=world.helping, name="李小兵", gender="m",
        grade="3", class_name="三(1)班", guardian_name="李父", guardian_phone="13900003333",
    )  # fmt: skip
    client.force_login(world.coord_assisted)
    page = client.get(reverse("funding:student_list"), {"grade": "3"}).content.decode()
    assert "张小明" in page  # the list names students in full, so does the download
    StudentAccessLog.objects.all().delete()
    header, *rows = _xlsx_rows(client.get(reverse("funding:student_export_xlsx"), {"grade": "3"}))
    assert list(header) == list(COLUMNS.values())  # the import's columns
    assert [(r[0], r[2], r[7]) for r in rows] == [("3451000002", "张小明", "13900001111")]
    log = StudentAccessLog.objects.get()
    assert (log.user, log.student, log.action) == (world.coord_assisted, student, "export")

    # The whole list loads again and changes nothing.
    content = client.get(reverse("funding:student_export_xlsx")).content
    batch = imports.import_upload(
        actor=world.coord_assisted, kind=imports.KINDS["students"], filename="s.xlsx",
        content=content,
    )  # fmt: skip
    assert batch.status == "ready", batch.errors
    assert batch.counts == {"new": 0, "update": 0, "skip": 2, "error": 0}
    # Nobody without a part in aid downloads students.
    client.force_login(world.inspector)
    assert client.get(reverse("funding:student_export_csv")).status_code == 403


def test_the_scheme_and_notice_downloads_show_what_their_lists_show(
    client, world, aid_officer, scheme, student, today
):
    identified(world, student, scheme, today)
    notice = services.aid_notice_open(
        actor=world.coord_assisted, school=world.assisted, scheme=scheme, period="2026-1",
        starts_on=today,
    )  # fmt: skip
    client.force_login(aid_officer)
    logged = StudentAccessLog.objects.count()
    header, *rows = _xlsx_rows(client.get(reverse("funding:aid_scheme_export_xlsx")))
    with translation.override("zh-hans"):
        assert list(header) == [_("Scheme"), _("Region"), _("Kind"), _("Granted"), _("Tiers"),
                                _("Status")]  # fmt: skip
        kind = f"{scheme.get_kind_display()} · {scheme.get_form_display()}"
        assert rows == [(scheme.name, "江城市", kind, scheme.get_period_display(),
                         "一档 625.00; 二档 500.00", _("Active"))]  # fmt: skip
    header, *rows = _xlsx_rows(client.get(reverse("funding:aid_notice_export_xlsx")))
    with translation.override("zh-hans"):
        assert list(header) == [_("School"), _("Scheme"), _("Period"), _("First day"),
                                _("Last day"), _("Published")]  # fmt: skip
        assert [r[:3] + (r[3].date(), r[4].date(), r[5]) for r in rows] == [
            ("西山山村小学", scheme.name, "2026-1", notice.starts_on, notice.ends_on, _("Not yet"))
        ]
    # The list of notices names no student: nor does its download, which is not logged.
    assert not [line for line in _csv_lines(client.get(reverse("funding:aid_notice_export_csv")))
                if "张" in line]  # fmt: skip
    assert StudentAccessLog.objects.count() == logged
    client.force_login(world.outsider)  # handles aid elsewhere: nothing of 江城市
    assert len(_csv_lines(client.get(reverse("funding:aid_scheme_export_csv")))) == 1
    assert len(_csv_lines(client.get(reverse("funding:aid_notice_export_csv")))) == 1


def test_the_access_log_download_names_students_as_the_page_and_is_logged(
    client, world, aid_officer, student
):
    other = services.student_create(
        actor=world.coord_assisted, school=world.assisted, name="王小红", gender="f",
        grade="4", class_name="四(1)班", guardian_name="王父", guardian_phone="13900002222",
    )  # fmt: skip
    client.force_login(world.coord_assisted)
    client.get(reverse("funding:student_detail", args=[student.pk]))
    client.get(reverse("funding:student_detail", args=[other.pk]))
    client.force_login(aid_officer)
    page = client.get(reverse("funding:aid_access_log")).content.decode()
    assert "张小明" in page  # the log names students in full
    before = StudentAccessLog.objects.count()
    header, *rows = _xlsx_rows(
        client.get(reverse("funding:aid_access_log_export_xlsx"), {"student": student.pk})
    )
    with translation.override("zh-hans"):
        assert list(header) == [_("When"), _("Who"), _("What"), _("What was read"),
                                _("Student")]  # fmt: skip
        viewed, page_name = str(StudentAccessLog.Action.VIEW.label), _("the student's page")
        # The log as it stood: not this download's own line.
        assert [r[1:] for r in rows] == [("刘联络", viewed, page_name, "张小明")]
    # The download names a student, so it is in the log like any other download.
    new = StudentAccessLog.objects.exclude(action="view").get()
    assert (new.user, new.student, new.action) == (aid_officer, student, "export")
    assert StudentAccessLog.objects.count() == before + 1
    lines = _csv_lines(client.get(reverse("funding:aid_access_log_export_csv")))
    assert len(lines) == 1 + before + 1  # both views and the first download
    assert StudentAccessLog.objects.filter(action="export", student=other).exists()
    client.force_login(world.coord_assisted)
    assert client.get(reverse("funding:aid_access_log_export_csv")).status_code == 403


def test_the_access_log_is_searched_by_name_action_and_days(client, world, aid_officer, student):
    other = services.student_create(
        actor=world.coord_assisted, school=world.assisted, name="王小红", gender="f",
        grade="4", class_name="四(1)班", guardian_name="王父", guardian_phone="13900002222",
    )  # fmt: skip
    client.force_login(world.coord_assisted)
    client.get(reverse("funding:student_detail", args=[student.pk]))
    client.force_login(aid_officer)
    client.get(reverse("funding:student_detail", args=[other.pk]))
    url = reverse("funding:aid_access_log")

    def students(**query):
        response = client.get(url, query)
        assert response.status_code == 200
        return sorted(e.student.name for e in response.context["entries"] if e.student)

    assert students() == ["张小明", "王小红"]
    assert students(q="王小红") == ["王小红"]  # by the student's name
    assert students(q="刘联络") == ["张小明"]  # by who read it
    assert students(action="export") == []
    today = timezone.localdate()
    assert students(date_from=today.isoformat(), date_to=today.isoformat()) == ["张小明", "王小红"]
    assert students(date_to=(today - dt.timedelta(days=1)).isoformat()) == []
    page = client.get(url, {"q": "无此人"}).content.decode()
    assert 'name="q"' in page and 'value="无此人"' in page
    # The download follows the search.
    lines = _csv_lines(client.get(reverse("funding:aid_access_log_export_csv"), {"q": "王小红"}))
    assert len(lines) == 2 and "王小红" in lines[1]
    # A date that is not one changes nothing and lists nothing, with the field named.
    response = client.get(url, {"date_from": "2026-13-40"})
    assert response.context["entries"] == [] and "date_from" in response.context["filter"].errors


def test_a_student_with_an_id_number_is_refused_on_the_page(client, world):
    client.force_login(world.coord_assisted)
    response = client.post(
        reverse("funding:student_create"),
        {"school": world.assisted.pk, "name": "李四", "gender": "f", "grade": "2",
         "class_name": "二(1)班", "guardian_name": "李父", "guardian_phone": "139",
         "note": "身份证 51010220150101123X"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "id_note_error_1" in response.content.decode()
    assert not Student.objects.exists()


def test_the_aid_lists_run_a_fixed_number_of_queries(
    client, world, aid_officer, scheme, student, today, django_assert_num_queries
):
    identified(world, student, scheme, today)
    client.force_login(aid_officer)
    url = reverse("funding:aid_home")
    # 1 user, 2 role assignments, 3-4 region subtrees (bureau, aid), 5 schemes for the
    # filter, 6 count, 7 the page (student, school, scheme, tier joined), 8 the access
    # log (one insert), 9 unread count.
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200
    for name in ("王小红", "刘小兵"):
        other = services.student_create(
            actor=world.coord_assisted, school=world.assisted, name=name, gender="f",
            grade="4", class_name="四(1)班", guardian_name="家长", guardian_phone="1",
        )  # fmt: skip
        identified(world, other, scheme, today)
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200
