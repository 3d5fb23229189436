"""Activity pages and API: scheduling from the pairing's exchanges tab, logging with a
photo, the list and its downloads, and constant query counts."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from activities import services
from activities.models import Activity, ActivityKind, ActivityStatus, Evidence
from teachers import services as teacher_services


def photo_bytes(size=(640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def teachers(world, active):
    return (
        teacher_services.teacher_create(
            actor=world.coord_helping, school=world.helping, name="陈红梅"
        ),
        teacher_services.teacher_create(
            actor=world.coord_assisted, school=world.assisted, name="赵小燕"
        ),
    )


def schedule(world, pairing, *, title="联合教研", days_ago=2, participants=(), kind="visit"):
    start = timezone.now() - dt.timedelta(days=days_ago)
    activity, _clashes = services.activity_schedule(
        actor=world.coord_helping, pairing=pairing, kind=ActivityKind.objects.get(code=kind),
        title=title, host_school=world.assisted, place="西山山村小学", starts_at=start,
        ends_at=start + dt.timedelta(hours=3), participants=participants,
    )  # fmt: skip
    return activity


def form_data(world, teachers, **extra):
    return {
        "kind": ActivityKind.objects.get(code="lesson_delivery").pk, "title": "送教下乡",
        "host_school": world.assisted.pk, "starts_at": "2026-12-03T09:00",
        "ends_at": "2026-12-03T11:30", "place": "西山山村小学", "student_count": "40",
        "participants": [t.pk for t in teachers], **extra,
    }  # fmt: skip


def test_a_coordinator_schedules_from_the_exchanges_tab(client, world, active, teachers):
    client.force_login(world.coord_assisted)
    tab = client.get(reverse("activities:pairing_exchanges", args=[active.pk]))
    assert tab.status_code == 200
    create_url = reverse("activities:activity_create", args=[active.pk])
    assert create_url in tab.content.decode()
    form = client.get(create_url)
    assert "陈红梅" in form.content.decode() and "赵小燕" in form.content.decode()
    response = client.post(create_url, form_data(world, teachers))
    activity = Activity.objects.get()
    assert response.status_code == 302 and response.url == activity.get_absolute_url()
    assert activity.organiser == world.coord_assisted and activity.participants.count() == 2
    assert timezone.localtime(activity.starts_at).hour == 9  # Asia/Shanghai
    page = client.get(reverse("activities:pairing_exchanges", args=[active.pk])).content.decode()
    assert "送教下乡" in page


def test_a_bad_form_names_the_field_and_writes_nothing(client, world, active, teachers):
    client.force_login(world.coord_assisted)
    url = reverse("activities:activity_create", args=[active.pk])
    response = client.post(url, form_data(world, teachers, ends_at="2026-12-03T08:00"))
    assert response.status_code == 200
    assert response.context["form"].errors["ends_at"]
    assert not Activity.objects.exists()


def test_a_clash_is_shown_as_a_warning(client, world, active, teachers):
    client.force_login(world.coord_assisted)
    url = reverse("activities:activity_create", args=[active.pk])
    client.post(url, form_data(world, teachers))
    response = client.post(url, form_data(world, teachers[1:], title="集体备课"), follow=True)
    assert Activity.objects.count() == 2
    assert "赵小燕" in response.content.decode() and "送教下乡" in response.content.decode()


def test_logging_with_a_photo_shows_its_thumbnail_to_readers(client, world, active, teachers):
    activity = schedule(world, active, participants=teachers)
    client.force_login(world.coord_assisted)
    url = reverse("activities:activity_complete", args=[activity.pk])
    refused = client.post(url, {"summary": "", "evidence": []})
    assert refused.status_code == 400 and "summary" in refused.context["complete_form"].errors
    photo = SimpleUploadedFile("现场.jpg", photo_bytes(), content_type="image/jpeg")
    typo = client.post(  # extra digits: refused at the field, not a server error
        url, {"summary": "两节示范课", "student_count": "40000000000", "evidence": [photo]}
    )
    assert typo.status_code == 400 and "student_count" in typo.context["complete_form"].errors
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PLANNED and not Evidence.objects.exists()
    photo.seek(0)
    response = client.post(
        url, {"summary": "两节示范课", "student_count": "45", "evidence": [photo]}
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.COMPLETED
    evidence = Evidence.objects.get()
    client.force_login(world.mentee)  # a teacher of the pair reads it
    page = client.get(reverse("activities:activity_detail", args=[activity.pk])).content.decode()
    thumbnail_url = reverse("activities:evidence_thumbnail", args=[evidence.pk])
    assert thumbnail_url in page and "两节示范课" in page
    thumbnail = client.get(thumbnail_url)
    assert thumbnail["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(thumbnail.streaming_content))) as image:
        assert max(image.size) <= 320


def test_a_disguised_executable_is_refused_on_the_page(client, world, active):
    activity = schedule(world, active)
    client.force_login(world.coord_helping)
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 300)
    response = client.post(
        reverse("activities:activity_complete", args=[activity.pk]),
        {"summary": "好", "evidence": [fake]},
    )
    assert response.status_code == 400
    assert "photo.jpg" in str(response.context["complete_form"].errors["evidence"])
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PLANNED and not Evidence.objects.exists()


def test_a_file_is_never_served_by_its_media_url(client, world, active):
    activity = schedule(world, active)
    (evidence,) = services.evidence_add(
        actor=world.coord_helping, activity=activity,
        files=[SimpleUploadedFile("签到表.pdf", b"%PDF-1.4 sheet")],
    )  # fmt: skip
    client.force_login(world.coord_helping)
    assert client.get("/media/" + evidence.file.name).status_code == 404
    download = client.get(reverse("activities:evidence_download", args=[evidence.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 sheet"
    client.force_login(world.outsider)
    assert (
        client.get(reverse("activities:evidence_download", args=[evidence.pk])).status_code == 404
    )


def test_the_list_filters_and_downloads_as_excel(client, world, active):
    schedule(world, active, title="互访活动", kind="visit")
    lecture = schedule(world, active, title="专题讲座：双减", kind="lecture")
    services.activity_complete(
        actor=world.coord_helping, activity=lecture, summary="=HYPERLINK(1)",
        files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 a")],
    )  # fmt: skip
    client.force_login(world.bureau)
    page = client.get(reverse("activities:activity_list"), {"kind": "lecture"}).content.decode()
    assert "专题讲座：双减" in page and "互访活动" not in page
    page = client.get(reverse("activities:activity_list"), {"status": "planned"}).content.decode()
    assert "互访活动" in page and "专题讲座：双减" not in page
    response = client.get(reverse("activities:activity_export_xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    rows = [dict(zip(header, r, strict=True)) for r in rows]
    # The columns of the import (activities/resources.py), so that it loads again.
    assert header[:5] == ("帮扶学校标识码", "受援学校标识码", "结对编号", "活动类型", "标题")
    assert len(rows) == 2 and "专题讲座：双减" in [r["标题"] for r in rows]
    # A summary typed as a formula stays text in the download.
    assert "'=HYPERLINK(1)" in [r["活动总结"] for r in rows]


def fill(world, pairing, teachers, tag: str) -> None:
    """One activity of each section of the exchanges tab: to log, coming up, held."""
    schedule(world, pairing, title=f"{tag}待记录", days_ago=2, participants=teachers)
    schedule(world, pairing, title=f"{tag}将举行", days_ago=-2, participants=teachers)
    held = schedule(world, pairing, title=f"{tag}已举行", days_ago=5, participants=teachers)
    services.activity_complete(
        actor=world.coord_helping, activity=held, summary="好",
        files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 a")],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("persona", "page", "expected"),
    [
        # 3 region subtree, 4 visible pairings, 5 kinds (filter), 6 count, 7 the page
        # (kind and host school joined), 8 evidence counts, 9 unread count.
        ("bureau", lambda w: reverse("activities:activity_list"), 9),
        # 3 the coordinator's pairings, 4 kinds, 5 count, 6 page, 7 evidence counts,
        # 8 unread count.
        ("coord_helping", lambda w: reverse("activities:activity_list"), 8),
        # 3 region subtree, 4 the pairing, 5 its members, 6 the held ones' count; its
        # targets: 7 the pairing's row, 8 its programme's own targets, 9 kinds, 10 term
        # dates, 11 secondments, 12 activity counts; then rows and evidence counts of
        # each section (to log, coming up, held): 13–18, 19 this year's secondments,
        # 20 their days, 21 unread count.
        ("bureau", lambda w: reverse("activities:pairing_exchanges", args=[w.pairing.pk]), 21),
        # 3 region subtree, 4 visible pairings, 5 the pairings' member schools' codes, 6
        # the activities (kind, host school joined).
        ("bureau", lambda w: reverse("activities:activity_export_csv"), 6),
        # API: 3 region subtree, 4 visible pairings, 5 count, 6 page, 7 participants,
        # 8 evidence.
        ("bureau", lambda w: reverse("api:activity-list"), 8),
    ],
    ids=["list", "list_coordinator", "exchanges_tab", "csv", "api"],
)  # fmt: skip
def test_lists_run_a_constant_number_of_queries(
    world, active, teachers, persona, page, expected, django_assert_num_queries
):
    world.pairing = active
    client = APIClient()
    client.force_login(getattr(world, persona))
    fill(world, active, teachers, "甲")
    url = page(world)

    def body() -> str:
        response = client.get(url)
        assert response.status_code == 200
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return content.decode("utf-8-sig")

    with django_assert_num_queries(expected):
        body()
    for n in range(3):
        fill(world, active, teachers, f"乙{n}")
    with django_assert_num_queries(expected):
        text = body()
    assert text.count("乙") >= 3


def test_the_detail_page_runs_a_constant_number_of_queries(
    client, world, active, teachers, django_assert_num_queries
):
    activity = schedule(world, active, participants=teachers)
    client.force_login(world.coord_helping)
    url = reverse("activities:activity_detail", args=[activity.pk])
    # 3 the coordinator's pairings, 4 the activity, 5 its pairing, 6 members with
    # schools, 7 the resources it produced, 8 participants, 9 evidence, 10 postponements,
    # 11 unread count.
    with django_assert_num_queries(11):
        client.get(url)
    services.evidence_add(
        actor=world.coord_helping, activity=activity,
        files=[SimpleUploadedFile(f"{n}.pdf", b"%PDF-1.4 a") for n in range(3)],
    )  # fmt: skip
    with django_assert_num_queries(11):
        client.get(url)


# --- the API ------------------------------------------------------------------------------


def test_the_api_schedules_warns_of_clashes_and_logs_with_files(world, active, teachers):
    api = APIClient()
    api.force_authenticate(world.coord_helping)
    payload = {
        "pairing": active.pk, "kind": "joint_research_day", "title": "联合教研",
        "host_school": world.helping.pk, "starts_at": "2026-11-20T09:00:00+08:00",
        "ends_at": "2026-11-20T12:00:00+08:00", "online_link": "https://meeting.example.cn/1",
        "participants": [t.pk for t in teachers],
    }  # fmt: skip
    first = api.post(reverse("api:activity-list"), payload, format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["warnings"] == [] and first.json()["participants"]
    second = api.post(reverse("api:activity-list"), {**payload, "title": "第二场"}, format="json")
    assert len(second.json()["warnings"]) == 2
    pk = first.json()["id"]
    bad = api.post(reverse("api:activity-complete", args=[pk]), {"summary": "好"}, format="json")
    assert bad.status_code == 400 and "evidence" in bad.json()["errors"]
    done = api.post(
        reverse("api:activity-complete", args=[pk]),
        {"summary": "好", "evidence": [SimpleUploadedFile("p.jpg", photo_bytes())]},
        format="multipart",
    )  # fmt: skip
    assert done.status_code == 200, done.json()
    body = done.json()
    assert body["status"] == "completed" and body["evidence"][0]["thumbnail_url"]
    assert api.get(body["evidence"][0]["url"]).status_code == 200


def test_the_api_refuses_a_participant_outside_the_pairing(world, active):
    outsider = teacher_services.teacher_create(actor=world.bureau, school=world.spare, name="外校")
    api = APIClient()
    api.force_authenticate(world.coord_helping)
    response = api.post(reverse("api:activity-list"), {
        "pairing": active.pk, "kind": "visit", "title": "互访", "host_school": world.helping.pk,
        "starts_at": "2026-11-20T09:00:00+08:00", "ends_at": "2026-11-20T12:00:00+08:00",
        "place": "会议室", "participants": [outsider.pk],
    }, format="json")  # fmt: skip
    assert response.status_code == 400 and "participants" in response.json()["errors"]
    assert not Activity.objects.exists()


def test_the_kinds_are_listed_in_the_language_of_the_request(world):
    api = APIClient()
    api.force_authenticate(world.bureau)
    kinds = api.get(reverse("api:activity-kind-list"), HTTP_ACCEPT_LANGUAGE="en").json()
    by_code = {k["code"]: k for k in kinds}
    assert by_code["visit"]["name_zh"] == "互访" and by_code["visit"]["name"] == "Visit"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_lean_representations_equal_the_generic_ones(world, active, teachers, language):
    from django.utils import translation
    from rest_framework.test import APIRequestFactory

    from activities import api as activity_api
    from activities.selectors import activity_list_visible_to

    activity = schedule(world, active, participants=teachers)
    services.activity_complete(
        actor=world.coord_helping, activity=activity, summary="好",
        files=[SimpleUploadedFile("p.jpg", photo_bytes())],
    )  # fmt: skip
    request = APIRequestFactory().get("/api/")
    request.user = world.bureau
    cases = [
        (activity_api.ActivitySerializer, list(activity_list_visible_to(world.bureau))),
        (activity_api.ActivityKindSerializer, list(ActivityKind.objects.all())),
    ]
    with translation.override(language):
        for serializer_class, objects in cases:
            serializer = serializer_class(context={"request": request})
            for obj in objects:
                lean = serializer.to_representation(obj)
                # ``warnings`` is what a write adds, not an attribute of the activity.
                lean.pop("warnings", None)
                assert lean == dict(serializer.generic_representation(obj))
