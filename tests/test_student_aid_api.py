"""Student aid in the API (funding/aid_api.py): the shapes, an application's life through
the endpoints, masked names on notices, the access log written by every read of a
student's details, scoping (404 outside, empty lists for whoever handles no aid), and
a constant number of queries on the lists."""

import datetime as dt

import pytest
import requests
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIRequestFactory
from schemathesis.core.transport import Response as SchemaResponse

from funding import aid_api, selectors, services
from funding.models import (
    AidApplication,
    AidNotice,
    AidObjection,
    AidStatus,
    AidStep,
    Student,
    StudentAccessLog,
)

from . import test_student_aid
from .test_api import _fresh_scope, api
from .test_student_aid import PDF, TODAY, apply, in_review, new_student, published

# The fixtures of the service tests: the calendar's day, the aid officers and schemes, and
# an application paid.
clock = test_student_aid.clock
aid = test_student_aid.aid
paid = test_student_aid.paid

STUDENT_KEYS = {
    "id", "school", "school_name", "name", "gender", "gender_display", "grade",
    "grade_display", "class_name", "guardian_name", "guardian_phone", "note", "created_by",
    "created_at", "updated_at",
}  # fmt: skip
APPLICATION_KEYS = {
    "id", "student", "student_name", "school", "school_name", "scheme", "scheme_name", "tier",
    "tier_name", "amount", "items", "school_year", "term", "period", "status",
    "status_display", "notice", "renewal_of", "decided_by", "decided_at", "decision_comment",
    "paid_on", "payment_reference", "created_by", "created_at",
}  # fmt: skip
DETAIL_KEYS = APPLICATION_KEYS | {"steps", "documents", "objections", "review", "renewal"}
NOTICE_KEYS = {
    "id", "scheme", "scheme_name", "school", "school_name", "period", "starts_on", "ends_on",
    "published", "published_at", "public_url", "created_by", "created_at",
}  # fmt: skip


def student_payload(world, **fields):
    return {
        "school": world.helping.pk, "name": "王小明", "gender": "m", "grade": "4",
        "class_name": "四(1)班", "guardian_name": "王大山", "guardian_phone": "13900000000",
        "note": "单亲家庭", **fields,
    }  # fmt: skip


def logged(user=None, **filters) -> list[tuple]:
    rows = StudentAccessLog.objects.filter(action="api", **filters)
    if user is not None:
        rows = rows.filter(user=user)
    return list(rows.order_by("id").values_list("student_id", "what"))


@pytest.fixture
def openapi(world):
    return schemathesis.openapi.from_dict(api(world.bureau).get("/api/schema/?format=json").json())


def conforms(openapi, path: str, method: str, response) -> None:
    """``response`` is what the OpenAPI schema documents for the operation (status, body)."""
    request = requests.Request(method.upper(), f"http://testserver{response.wsgi_request.path}")
    openapi[path][method].validate_response(
        SchemaResponse(
            status_code=response.status_code,
            headers={k.lower(): [v] for k, v in response.headers.items()},
            content=response.content,
            request=request.prepare(),
            elapsed=0.0,
            verify=True,
        )  # fmt: skip
    )


# --- students ---------------------------------------------------------------------------------


def test_a_coordinator_records_reads_and_changes_a_student(world, aid, openapi):
    client = api(world.coord_helping)
    created = client.post("/api/students/", student_payload(world), format="json")
    assert created.status_code == 201, created.content
    conforms(openapi, "/api/students/", "post", created)
    body = created.json()
    assert set(body) == STUDENT_KEYS
    assert (body["name"], body["school_name"], body["grade"], body["created_by"]) == (
        "王小明", "江城实验小学", "4", world.coord_helping.pk
    )  # fmt: skip
    url = f"/api/students/{body['id']}/"
    read = client.get(url)
    conforms(openapi, "/api/students/{id}/", "get", read)
    assert read.json() == body
    changed = client.patch(url, {"note": "父亲因病失去劳动能力"}, format="json")
    assert changed.status_code == 200
    conforms(openapi, "/api/students/{id}/", "patch", changed)
    assert changed.json()["note"] == "父亲因病失去劳动能力"
    assert Student.objects.get().name == "王小明"


def test_an_id_number_is_a_400_naming_the_field_and_nothing_is_saved(world, aid, openapi):
    client = api(world.coord_helping)
    refused = client.post(
        "/api/students/", student_payload(world, note="身份证510101201001011234"), format="json"
    )
    assert refused.status_code == 400
    conforms(openapi, "/api/students/", "post", refused)
    assert refused.json()["codes"] == {"note": ["rule"]}
    assert not Student.objects.exists()
    student = new_student(world.coord_helping, world.helping)
    refused = client.patch(
        f"/api/students/{student.pk}/", {"guardian_name": "51010120100101123X"}, format="json"
    )
    assert refused.status_code == 400 and "guardian_name" in refused.json()["errors"]
    student.refresh_from_db()
    assert student.guardian_name == "张建国"


def test_values_are_taken_only_as_the_schema_writes_them(world, aid, clock):
    client = api(world.coord_helping)
    refused = client.post("/api/students/", student_payload(world, grade=4), format="json")
    assert refused.status_code == 400 and "grade" in refused.json()["errors"]
    student = new_student(world.coord_helping, world.helping)
    application = {"student": student.pk, "scheme": aid.grant.pk, "tier": aid.tier1.pk,
                   "school_year": 2026, "term": "1"}  # fmt: skip
    refused = client.post("/api/aid-applications/", application, format="json")
    assert refused.status_code == 400 and "term" in refused.json()["errors"]
    assert not AidApplication.objects.exists()
    in_review(world, aid, student)
    notice = {"school": world.helping.pk, "scheme": aid.grant.pk, "starts_on": "2026-09-28"}
    for period in ("2026-1 ", " 2026-1", "2026-1\n", "2026-3", "26-1", "2026-1-1"):
        refused = client.post("/api/aid-notices/", {**notice, "period": period}, format="json")
        assert refused.status_code == 400 and "period" in refused.json()["errors"], period
    refused = client.post(
        "/api/aid-notices/", {**notice, "period": "2026-1", "starts_on": "9999-12-31"},
        format="json",
    )  # fmt: skip
    assert refused.json()["codes"] == {"starts_on": ["rule"]}
    assert not AidNotice.objects.exists()
    opened = client.post("/api/aid-notices/", {**notice, "period": "2026-1"}, format="json")
    assert opened.json()["ends_on"] == "2026-10-09"


@pytest.mark.parametrize("persona", ["inspector", "bureau", "mentor", "mentee"])
def test_who_handles_no_aid_gets_403_on_creating_and_nothing_in_lists(world, aid, persona):
    new_student(world.coord_helping, world.helping)
    in_review(world, aid, new_student(world.coord_helping, world.helping, name="李四"))
    client = api(getattr(world, persona))
    for url in ("/api/students/", "/api/aid-applications/", "/api/aid-notices/",
                "/api/aid-schemes/"):  # fmt: skip
        assert client.post(url, {}, format="json").status_code == 403, url
    for url in ("/api/students/", "/api/aid-applications/", "/api/aid-notices/",
                "/api/aid-schemes/", "/api/student-access-log/"):  # fmt: skip
        response = client.get(url)
        assert (response.status_code, response.json()["count"]) == (200, 0), url
    assert Student.objects.count() == 2
    assert not logged(getattr(world, persona))


def test_outsiders_get_404_on_every_aid_object(world, aid, clock):
    application = in_review(world, aid, new_student(world.coord_helping, world.helping))
    notice = services.aid_notice_open(
        actor=world.coord_helping, school=world.helping, scheme=aid.grant, period="2026-1",
        starts_on=TODAY,
    )  # fmt: skip
    objection = services.aid_objection_record(
        actor=world.coord_helping, application=application, content="异议", received_on=TODAY
    )
    student = application.student
    reads = [f"/api/students/{student.pk}/", f"/api/aid-applications/{application.pk}/",
             f"/api/aid-notices/{notice.pk}/"]  # fmt: skip
    writes = [
        (f"/api/students/{student.pk}/", "patch", {"name": "改"}),
        *((f"/api/aid-applications/{application.pk}/{name}/", "post", {}) for name in (
            "steps", "documents", "submit", "withdraw", "approve", "reject", "pay", "review",
            "objections")),
        (f"/api/aid-objections/{objection.pk}/resolve/", "post",
         {"resolution": "无", "upheld": True}),
        (f"/api/aid-notices/{notice.pk}/publish/", "post", {}),
    ]  # fmt: skip
    # The other school's coordinator, the other city's aid officer, and those who handle
    # no aid at all.
    for user in (world.coord_assisted, aid.far_officer, world.outsider, world.inspector,
                 world.bureau, world.mentor):  # fmt: skip
        client = api(user)
        for url in reads:
            assert client.get(url).status_code == 404, (user.username, url)
        for url, method, data in writes:
            assert getattr(client, method)(url, data, format="json").status_code == 404, (
                user.username, url
            )  # fmt: skip
    assert api(aid.far_officer).get(f"/api/aid-schemes/{aid.grant.pk}/").status_code == 404
    assert refresh_status(application) == AidStatus.NOTICE
    assert AidObjection.objects.get().resolved_at is None
    assert AidNotice.objects.get().published_at is None
    assert not StudentAccessLog.objects.exists()


def refresh_status(application) -> str:
    return AidApplication.objects.values_list("status", flat=True).get(pk=application.pk)


# --- the access log ---------------------------------------------------------------------------


def test_every_read_of_a_students_details_is_logged(world, aid, clock):
    students = [new_student(world.coord_helping, world.helping, name=n) for n in ("甲", "乙")]
    application = apply(world, aid, students[0])
    client = api(world.coord_helping)
    assert client.get("/api/students/?grade=3").json()["count"] == 2
    assert sorted(logged(world.coord_helping)) == [
        (s.pk, "GET /api/students/?grade=3") for s in students
    ]
    client.get(f"/api/students/{students[1].pk}/")
    client.get(f"/api/aid-applications/{application.pk}/")
    client.get("/api/aid-applications/")
    assert logged(world.coord_helping)[2:] == [
        (students[1].pk, f"GET /api/students/{students[1].pk}/"),
        (students[0].pk, f"GET /api/aid-applications/{application.pk}/"),
        (students[0].pk, "GET /api/aid-applications/"),
    ]
    # A notice shows masked names only: reading it is not a read of a student's details.
    in_review(world, aid, students[1])
    notice = services.aid_notice_open(
        actor=world.coord_helping, school=world.helping, scheme=aid.grant, period="2026-1",
        starts_on=TODAY,
    )  # fmt: skip
    before = StudentAccessLog.objects.count()
    assert client.get(f"/api/aid-notices/{notice.pk}/").status_code == 200
    assert client.get("/api/aid-notices/").status_code == 200
    assert StudentAccessLog.objects.count() == before

    # The region's aid officers read the log; nobody else does, not even the coordinator.
    entries = api(aid.officer).get(f"/api/student-access-log/?student={students[0].pk}").json()
    assert [(e["user"], e["user_name"], e["student"], e["action"], e["what"])
            for e in entries["results"]] == [
        (world.coord_helping.pk, "张联络", students[0].pk, "api", "GET /api/aid-applications/"),
        (world.coord_helping.pk, "张联络", students[0].pk, "api",
         f"GET /api/aid-applications/{application.pk}/"),
        (world.coord_helping.pk, "张联络", students[0].pk, "api", "GET /api/students/?grade=3"),
    ]  # fmt: skip
    for user in (world.coord_helping, aid.far_officer, world.bureau, world.inspector):
        assert api(user).get("/api/student-access-log/").json()["count"] == 0


# --- the life of an application ---------------------------------------------------------------


def test_an_application_goes_through_its_life_in_the_api(world, aid, clock, openapi):
    coordinator, officer = api(world.coord_helping), api(aid.officer)
    student = coordinator.post("/api/students/", student_payload(world), format="json").json()
    created = coordinator.post(
        "/api/aid-applications/",
        {"student": student["id"], "scheme": aid.grant.pk, "tier": aid.tier1.pk,
         "school_year": 2026, "term": 1},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    conforms(openapi, "/api/aid-applications/", "post", created)
    body = created.json()
    assert set(body) == DETAIL_KEYS
    assert (body["status"], body["period"], body["amount"], body["student_name"]) == (
        "draft", "2026-1", "1000.00", "王小明"
    )  # fmt: skip
    url = f"/api/aid-applications/{body['id']}/"
    for step in AidStep.values:
        recorded = coordinator.post(
            url + "steps/", {"step": step, "done_on": "2026-09-21", "note": "已完成"},
            format="json",
        )  # fmt: skip
        assert recorded.status_code == 200, recorded.content
    conforms(openapi, "/api/aid-applications/{id}/steps/", "post", recorded)
    assert [s["step"] for s in recorded.json()["steps"]] == AidStep.values
    # Five steps, but no signed form yet.
    refused = coordinator.post(url + "submit/")
    assert refused.status_code == 400 and "files" in refused.json()["errors"]
    conforms(openapi, "/api/aid-applications/{id}/submit/", "post", refused)
    attached = coordinator.post(
        url + "documents/",
        {"step": "guardian_signature", "files": [SimpleUploadedFile("监护人签字.pdf", PDF)]},
        format="multipart",
    )  # fmt: skip
    assert attached.status_code == 200, attached.content
    conforms(openapi, "/api/aid-applications/{id}/documents/", "post", attached)
    (document,) = attached.json()["documents"]
    assert (document["name"], document["step"], document["content_type"]) == (
        "监护人签字.pdf", "guardian_signature", "application/pdf"
    )  # fmt: skip
    assert coordinator.post(url + "submit/").json()["status"] == "review"

    opened = coordinator.post(
        "/api/aid-notices/",
        {"school": world.helping.pk, "scheme": aid.grant.pk, "period": "2026-1",
         "starts_on": "2026-09-28"},
        format="json",
    )  # fmt: skip
    assert opened.status_code == 201, opened.content
    conforms(openapi, "/api/aid-notices/", "post", opened)
    notice = opened.json()
    assert set(notice) == NOTICE_KEYS | {"applications"}
    assert (notice["starts_on"], notice["ends_on"]) == ("2026-09-28", "2026-10-09")
    assert (notice["published"], notice["public_url"]) == (False, None)
    # Masked names, the tier and its amount; never the name, the guardian or a phone.
    (row,) = notice["applications"]
    assert {k: v for k, v in row.items() if not k.endswith("_display")} == {
        "application": body["id"], "name": "王*明", "grade": "4", "tier": aid.tier1.pk,
        "tier_name": "一档", "amount": "1000.00", "items": "", "status": "notice",
    }  # fmt: skip
    assert row["grade_display"] and row["status_display"]
    text = opened.content.decode()
    assert "王小明" not in text and "王大山" not in text and "13900000000" not in text
    notice_url = f"/api/aid-notices/{notice['id']}/"
    assert coordinator.post(notice_url + "publish/").status_code == 403
    published = officer.post(notice_url + "publish/")
    assert published.status_code == 200
    conforms(openapi, "/api/aid-notices/{id}/publish/", "post", published)
    token = AidNotice.objects.get().token
    assert published.json()["published"] is True
    assert published.json()["public_url"] == reverse("funding:aid_notice_public", args=[token])
    assert coordinator.get(notice_url).json()["public_url"] == published.json()["public_url"]

    clock.today = dt.date(2026, 10, 8)
    objected = coordinator.post(
        url + "objections/", {"content": "家中经营商铺", "received_on": "2026-10-08"},
        format="json",
    )  # fmt: skip
    assert objected.status_code == 200, objected.content
    (objection,) = objected.json()["objections"]
    assert (objection["upheld"], objection["resolved_at"]) == (None, None)
    clock.today = dt.date(2026, 10, 12)
    refused = officer.post(url + "approve/", {}, format="json")
    assert refused.status_code == 400  # the objection is not resolved
    resolve_url = f"/api/aid-objections/{objection['id']}/resolve/"
    assert (
        coordinator.post(
            resolve_url, {"resolution": "不属实", "upheld": False}, format="json"
        ).status_code
        == 403
    )
    resolved = officer.post(
        resolve_url, {"resolution": "商铺已转让", "upheld": False}, format="json"
    )
    assert resolved.status_code == 200, resolved.content
    conforms(openapi, "/api/aid-objections/{id}/resolve/", "post", resolved)
    assert resolved.json()["status"] == "notice"
    assert resolved.json()["objections"][0]["upheld"] is False

    approved = officer.post(url + "approve/", {"comment": "同意"}, format="json")
    assert approved.status_code == 200, approved.content
    assert (approved.json()["status"], approved.json()["decided_by"]) == (
        "approved",
        aid.officer.pk,
    )
    paid_response = officer.post(
        url + "pay/", {"paid_on": "2026-10-12", "reference": "ZZ-2026-1"}, format="json"
    )
    assert paid_response.json()["status"] == "paid"
    again = officer.post(url + "pay/", {"paid_on": "2026-10-12", "reference": "ZZ"}, format="json")
    assert again.status_code == 400
    reviewed = officer.post(
        url + "review/", {"decision": "change", "tier": aid.tier2.pk, "note": "家境好转"},
        format="json",
    )  # fmt: skip
    assert reviewed.status_code == 200, reviewed.content
    conforms(openapi, "/api/aid-applications/{id}/review/", "post", reviewed)
    review = reviewed.json()["review"]
    assert (review["school_year"], review["decision"], review["previous_tier"], review["tier"]) == (
        2027, "change", aid.tier1.pk, aid.tier2.pk
    )  # fmt: skip
    renewal = coordinator.get(f"/api/aid-applications/{reviewed.json()['renewal']}/").json()
    assert (renewal["status"], renewal["period"], renewal["tier"], renewal["renewal_of"]) == (
        "review", "2027-1", aid.tier2.pk, body["id"]
    )  # fmt: skip


def test_an_upheld_objection_rejects_the_application_in_the_api(world, aid, clock):
    application = in_review(world, aid, new_student(world.coord_helping, world.helping))
    services.aid_notice_open(
        actor=world.coord_helping, school=world.helping, scheme=aid.grant, period="2026-1",
        starts_on=TODAY,
    )  # fmt: skip
    objection = services.aid_objection_record(
        actor=world.coord_helping, application=application, content="虚报", received_on=TODAY
    )
    response = api(world.bureau2).post(
        f"/api/aid-objections/{objection.pk}/resolve/",
        {"resolution": "查实虚报", "upheld": True},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decision_comment"]) == (
        "rejected", "查实虚报"
    )  # fmt: skip


def test_whoever_started_an_application_and_coordinators_do_not_decide_it(world, aid, clock):
    application = in_review(world, aid, new_student(aid.officer, world.helping), actor=aid.officer)
    published(aid.officer, 
        actor=aid.officer, school=world.helping, scheme=aid.grant, period="2026-1",
        starts_on=TODAY,
    )  # fmt: skip
    clock.today = dt.date(2026, 10, 12)
    url = f"/api/aid-applications/{application.pk}/"
    for user in (aid.officer, world.coord_helping):
        client = api(user)
        assert client.post(url + "approve/", {}, format="json").status_code == 403
        assert client.post(url + "reject/", {"comment": "否"}, format="json").status_code == 403
    coordinator = api(world.coord_helping)
    assert (
        coordinator.post(
            url + "pay/", {"paid_on": "2026-10-12", "reference": "Z"}, format="json"
        ).status_code
        == 403
    )
    assert coordinator.post(url + "review/", {"decision": "stop"}, format="json").status_code == 403
    assert refresh_status(application) == AidStatus.NOTICE
    approved = api(world.bureau2).post(url + "approve/", {}, format="json")
    assert approved.json()["status"] == "approved"


def test_schemes_are_kept_by_the_aid_officers_in_the_api(world, aid, openapi):
    payload = {
        "region": world.city.pk, "name": "营养改善计划", "kind": "nutrition", "form": "money",
        "period": "term", "tiers": [{"name": "一档", "amount": "800.00"},
                                    {"name": "二档", "amount": "400.00"}],
    }  # fmt: skip
    assert (
        api(world.coord_helping).post("/api/aid-schemes/", payload, format="json").status_code
        == 403
    )
    created = api(aid.officer).post("/api/aid-schemes/", payload, format="json")
    assert created.status_code == 201, created.content
    conforms(openapi, "/api/aid-schemes/", "post", created)
    body = created.json()
    assert [(t["name"], t["amount"], t["order"]) for t in body["tiers"]] == [
        ("一档", "800.00", 1), ("二档", "400.00", 2)
    ]  # fmt: skip
    assert (body["notice_days"], body["is_active"], body["kind"]) == (5, True, "nutrition")
    refused = api(aid.officer).post(
        "/api/aid-schemes/", {**payload, "name": "重复档", "tiers": [{"name": "一档"}]},
        format="json",
    )  # fmt: skip
    assert refused.status_code == 400 and refused.json()["codes"] == {"tiers": ["rule"]}
    url = f"/api/aid-schemes/{body['id']}/"
    # A coordinator reads the schemes that reach their school, and changes none.
    assert api(world.coord_helping).get(url).status_code == 200
    assert (
        api(world.coord_helping).patch(url, {"is_active": False}, format="json").status_code == 403
    )
    changed = api(aid.officer).patch(url, {"is_active": False, "notice_days": 7}, format="json")
    assert (changed.json()["is_active"], changed.json()["notice_days"]) == (False, 7)
    conforms(openapi, "/api/aid-schemes/{id}/", "patch", changed)


def test_the_application_list_filters_and_refuses_bad_parameters(world, aid, clock):
    first = in_review(world, aid, new_student(world.coord_helping, world.helping))
    other = apply(world, aid, new_student(world.coord_helping, world.helping, name="李四"),
                  scheme=aid.fund, tier=aid.fund.tiers.get(), term=None)  # fmt: skip
    client = api(aid.officer)

    def ids(query):
        response = client.get(f"/api/aid-applications/?{query}")
        assert response.status_code == 200, response.content
        return {a["id"] for a in response.json()["results"]}

    assert ids("status=review") == {first.pk}
    assert ids(f"scheme={aid.fund.pk}") == {other.pk}
    assert ids("school_year=2026") == {first.pk, other.pk}
    assert ids("school_year=2027") == set()
    assert ids("search=李四") == {other.pk}
    for query in ("status=paid_twice", "school_year=1999", "school_year=2026.5",
                  "scheme=40761545792629800960", "scheme=0"):  # fmt: skip
        response = client.get(f"/api/aid-applications/?{query}")
        assert response.status_code == 400, query
        assert query.split("=")[0] in response.json()["errors"]


# --- representations and query counts -------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_lean_representations_equal_the_generic_ones(world, aid, paid, language):
    services.aid_review(actor=world.bureau2, application=paid, decision="continue")
    services.aid_notice_publish(actor=world.bureau2, notice=paid.notice)
    api(world.coord_helping).get(f"/api/aid-applications/{paid.pk}/")  # a log entry
    request = APIRequestFactory().get("/api/")
    request.user = aid.officer
    applications = list(selectors.aid_application_list_visible_to(aid.officer))
    cases = [
        (aid_api.StudentSerializer, list(selectors.student_list_visible_to(aid.officer))),
        (aid_api.AidSchemeSerializer, list(selectors.aid_scheme_list_visible_to(aid.officer))),
        (aid_api.AidApplicationSerializer, applications),
        (aid_api.AidApplicationDetailSerializer, applications),
        (aid_api.AidNoticeSerializer, list(selectors.aid_notice_list_visible_to(aid.officer))),
        (aid_api.AidNoticeDetailSerializer, list(AidNotice.objects.all())),
        (aid_api.StudentAccessLogSerializer, list(selectors.access_log_visible_to(aid.officer))),
    ]
    assert any(a.documents.exists() for a in applications)
    assert any(hasattr(a, "review") for a in applications)
    with translation.override(language):
        for serializer_class, objects in cases:
            assert objects, serializer_class
            serializer = serializer_class(context={"request": request})
            for obj in objects:
                lean = serializer.to_representation(obj)
                assert lean == dict(serializer.generic_representation(obj)), serializer_class


# Queries of each list, after the user's scope is resolved: count, page, and for lists
# that show students' names, the access log's one insert.
LIST_QUERIES = {
    "/api/students/": 3,  # count, page joining the school, the log's insert
    "/api/aid-applications/": 3,  # count, page joining student, school, scheme, tier; log
    "/api/aid-schemes/": 3,  # count, page joining the region, the tiers
    "/api/aid-notices/": 2,  # count, page joining scheme and school
    "/api/student-access-log/": 2,  # count, page joining user and student
}


def _grow(world, aid, names):
    """An application under review and a notice for each of ``names`` (a school each, so
    that each notice is its own)."""
    from .factories import SchoolFactory

    for name in names:
        school = SchoolFactory(region=world.west)
        student = new_student(aid.officer, school, name=name)
        in_review(world, aid, student, actor=aid.officer)
        services.aid_notice_open(
            actor=aid.officer, school=school, scheme=aid.grant, period="2026-1", starts_on=TODAY
        )
        services.aid_scheme_create(
            actor=aid.officer, region=world.west, name=f"{name}助学金", kind="other",
            form="money", period="year", tiers=[{"name": "一档", "amount": "100"},
                                                {"name": "二档", "amount": "50"}],
        )  # fmt: skip


@pytest.mark.parametrize("url", list(LIST_QUERIES))
def test_aid_lists_run_a_constant_number_of_queries(
    world, aid, clock, url, django_assert_num_queries
):
    client = api(world.bureau2)

    def count_rows():
        _fresh_scope(world.bureau2)
        with django_assert_num_queries(LIST_QUERIES[url]):
            response = client.get(url)
        assert response.status_code == 200
        return response.json()["count"]

    _grow(world, aid, ["甲"])
    if url == "/api/student-access-log/":
        api(aid.officer).get("/api/students/")
    rows = count_rows()
    _grow(world, aid, ["乙", "丙"])
    if url == "/api/student-access-log/":
        api(aid.officer).get("/api/students/")
    assert count_rows() >= rows + 2
