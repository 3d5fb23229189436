"""A pairing's shared resource library (资源共享): its schools share, its schools and its
bureau read, nobody else; files checked by content; search, filters, the activity that
produced a resource."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework.test import APIClient

from activities import selectors, services
from activities.forms import ResourceForm
from activities.models import Activity, ActivityKind, Resource

# The first bytes of an MP4 file (ftyp box): a recorded lesson, by its content.
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def share(world, pairing, who="coord_helping", **extra):
    fields = {"title": "《秋天的雨》教学设计", "category": "lesson_plan", "subject": "语文",
              "grade": "3", **extra}  # fmt: skip
    upload = fields.pop("upload", None) or SimpleUploadedFile("教案.pdf", b"%PDF-1.4 plan")
    return services.resource_share(
        actor=getattr(world, who), pairing=pairing, upload=upload, **fields
    )


@pytest.mark.parametrize("who", ["coord_helping", "coord_assisted", "mentor", "mentee"])
def test_the_schools_teachers_and_coordinators_share(world, active, who):
    resource = share(world, active, who)
    own = world.helping if who in ("coord_helping", "mentor") else world.assisted
    assert resource.school == own and resource.region == own.region


@pytest.mark.parametrize("who", ["bureau", "inspector", "outsider"])
def test_nobody_else_shares(world, active, who):
    with pytest.raises(PermissionDenied):
        share(world, active, who)
    assert not Resource.objects.exists()


@pytest.mark.parametrize(
    "who, sees",
    [("bureau", True), ("coord_helping", True), ("coord_assisted", True), ("mentor", True),
     ("mentee", True), ("inspector", False), ("outsider", False)],
)  # fmt: skip
def test_the_library_is_read_by_the_schools_and_the_bureau_only(world, active, who, sees):
    share(world, active)
    assert selectors.resource_list_visible_to(getattr(world, who)).exists() is sees


def test_a_recorded_lesson_is_taken_by_its_content_and_an_executable_is_not(
    world, active, settings
):
    video = share(world, active, category="recorded_lesson",
                  upload=SimpleUploadedFile("课堂实录.mp4", MP4))  # fmt: skip
    assert video.content_type == "video/mp4"
    with pytest.raises(ValidationError) as raised:
        share(world, active, upload=SimpleUploadedFile("课件.pptx", b"MZ\x90\x00" + b"\0" * 99))
    assert "file" in raised.value.message_dict
    settings.MAX_RESOURCE_BYTES = 50
    with pytest.raises(ValidationError):
        share(world, active, upload=SimpleUploadedFile("big.mp4", MP4))
    assert Resource.objects.count() == 1


def test_bad_fields_name_themselves_and_store_nothing(world, active):
    with pytest.raises(ValidationError) as raised:
        share(world, active, title="", category="lesson_plan")
    assert "title" in raised.value.message_dict
    assert not Resource.objects.exists()


def test_removing_is_for_the_sharer_their_coordinators_and_the_bureau(world, active):
    by_mentor = share(world, active, "mentor")
    with pytest.raises(PermissionDenied):
        services.resource_remove(actor=world.mentee, resource=by_mentor)
    with pytest.raises(PermissionDenied):
        services.resource_remove(actor=world.coord_assisted, resource=by_mentor)
    services.resource_remove(actor=world.coord_helping, resource=by_mentor)
    services.resource_remove(actor=world.bureau, resource=share(world, active, "mentee"))
    assert not Resource.objects.exists()


def test_the_tab_shares_searches_and_filters(client, world, active):
    client.force_login(world.mentee)
    url = reverse("activities:pairing_resources", args=[active.pk])
    response = client.post(url, {
        "file": SimpleUploadedFile("习题.pdf", b"%PDF-1.4 x"), "title": "三年级数学习题",
        "category": "courseware", "subject": "数学", "grade": "3",
    })  # fmt: skip
    assert response.status_code == 302
    share(world, active, title="英语绘本课件", category="courseware", subject="英语", grade="5")
    page = client.get(url, {"q": "习题"}).content.decode()
    assert "三年级数学习题" in page and "英语绘本课件" not in page
    page = client.get(url, {"grade": "5"}).content.decode()
    assert "英语绘本课件" in page and "三年级数学习题" not in page
    bad = client.post(url, {"title": "x", "category": "courseware"})
    assert bad.status_code == 400 and "file" in bad.context["form"].errors
    download = client.get(
        reverse("activities:resource_download", args=[Resource.objects.first().pk])
    )
    assert download.status_code == 200


def test_the_library_download_is_the_filtered_list_the_user_reads(client, world, active):
    share(world, active)
    share(world, active, "coord_assisted", title="英语绘本课件", category="courseware",
          subject="英语", grade="5", description="=HYPERLINK(1)")  # fmt: skip
    client.force_login(world.bureau)
    response = client.get(reverse("activities:resource_export_xlsx"), {"grade": "5"})
    header, *rows = openpyxl.load_workbook(io.BytesIO(response.content)).active.values
    with translation.override("zh-hans"):
        assert list(header) == [
            _("Resource"), _("Description"), _("Category"), _("Subject"), _("Grade"),
            _("Shared by"), _("Uploaded by"), _("Uploaded"), _("Size"), _("Pairing number"),
        ]  # fmt: skip
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    with translation.override("zh-hans"):
        assert row[_("Resource")] == "英语绘本课件" and row[_("Shared by")] == "西山山村小学"
        assert row[_("Description")] == "'=HYPERLINK(1)"  # text, not a formula
        assert (row[_("Uploaded by")], row[_("Pairing number")]) == ("刘联络", active.pk)
    csv = b"".join(client.get(reverse("activities:resource_export_csv")).streaming_content)
    assert "《秋天的雨》教学设计" in csv.decode() and "英语绘本课件" in csv.decode()
    # The inspector reads no library, nor its download.
    client.force_login(world.inspector)
    csv = b"".join(client.get(reverse("activities:resource_export_csv")).streaming_content)
    assert len(csv.decode("utf-8-sig").splitlines()) == 1


def test_the_inspector_neither_sees_the_tab_nor_reads_the_library(client, world, active):
    resource = share(world, active)
    client.force_login(world.inspector)
    page = client.get(reverse("activities:pairing_exchanges", args=[active.pk])).content.decode()
    assert "/resources/" not in page.split('<nav class="tabs"', 1)[1].split("</nav>", 1)[0]
    assert client.get(reverse("activities:pairing_resources", args=[active.pk])).status_code == 403
    url = reverse("activities:resource_download", args=[resource.pk])
    assert client.get(url).status_code == 404


def test_the_tab_links_a_resource_to_one_of_the_pairings_activities(
    client, world, active, far_pairing
):
    visit = ActivityKind.objects.get(code="visit")
    # 07:30 in Beijing is 23:30 UTC the day before: the choice shows the local date.
    start = timezone.make_aware(dt.datetime(2026, 11, 3, 7, 30))
    activity, _ = services.activity_schedule(
        actor=world.coord_helping, pairing=active, kind=visit, title="早读观摩",
        host_school=world.assisted, place="p", starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )  # fmt: skip
    client.force_login(world.coord_helping)
    url = reverse("activities:pairing_resources", args=[active.pk])
    page = client.get(url).content.decode()
    assert f'<option value="{activity.pk}">2026-11-03 早读观摩</option>' in page
    fields = {"title": "观摩记录", "category": "courseware"}
    pdf = SimpleUploadedFile("记录.pdf", b"%PDF-1.4 x")
    response = client.post(url, {**fields, "file": pdf, "activity": activity.pk})
    assert response.status_code == 302, response.context["form"].errors
    assert Resource.objects.get().activity == activity
    elsewhere = Activity.objects.create(  # an activity of a pairing the form does not offer
        pairing=far_pairing, kind=visit, title="远方活动", host_school=world.far_school,
        region=world.far_school.region, starts_at=start, ends_at=start + dt.timedelta(hours=1),
        organiser=world.outsider, created_by=world.outsider,
    )  # fmt: skip
    other = client.post(url, {**fields, "file": SimpleUploadedFile("x.pdf", b"%PDF-1.4 x"),
                              "activity": elsewhere.pk})  # fmt: skip
    assert other.status_code == 400
    assert other.context["form"].errors.as_data()["activity"][0].code == "invalid_choice"
    assert Resource.objects.count() == 1


def test_an_activity_asked_for_is_offered_even_beyond_the_newest_shown(world, active):
    visit = ActivityKind.objects.get(code="visit")
    made = []
    for day in (3, 10):
        start = timezone.make_aware(dt.datetime(2026, 11, day, 9))
        activity, _ = services.activity_schedule(
            actor=world.coord_helping, pairing=active, kind=visit, title=f"{day}日观摩",
            host_school=world.assisted, place="p", starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
        )  # fmt: skip
        made.append(activity)
    older = made[0]
    activities = Activity.objects.filter(pairing=active).order_by("-starts_at", "-id")
    form = ResourceForm(activities=activities, initial={"activity": str(older.pk)})
    form.fields["activity"].limit = 1  # only the newest is listed
    html = str(form["activity"])
    assert "10日观摩" in html
    assert f'<option value="{older.pk}" selected>2026-11-03 3日观摩</option>' in html
    plain = ResourceForm(activities=activities)
    plain.fields["activity"].limit = 1
    assert "3日观摩" not in str(plain["activity"])


def test_an_activity_lists_the_resources_it_produced(client, world, active):
    start = timezone.now() - dt.timedelta(days=1)
    activity, _ = services.activity_schedule(
        actor=world.coord_helping, pairing=active, kind=ActivityKind.objects.get(code="visit"),
        title="同课异构", host_school=world.assisted, place="p", starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
    )  # fmt: skip
    share(world, active, title="同课异构课例", activity=activity)
    client.force_login(world.coord_assisted)
    page = client.get(reverse("activities:activity_detail", args=[activity.pk])).content.decode()
    assert "同课异构课例" in page


def test_the_api_shares_by_multipart_and_serves_the_file(world, active):
    api = APIClient()
    api.force_authenticate(world.coord_assisted)
    created = api.post(reverse("api:resource-list"), {
        "pairing": active.pk, "file": SimpleUploadedFile("实录.mp4", MP4),
        "title": "课堂实录", "category": "recorded_lesson",
    }, format="multipart")  # fmt: skip
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["school"] == world.assisted.pk and body["content_type"] == "video/mp4"
    assert b"".join(api.get(body["url"]).streaming_content) == MP4
    api.force_authenticate(world.inspector)
    assert api.get(reverse("api:resource-list")).json()["count"] == 0
    assert api.get(body["url"]).status_code == 404


def test_the_tab_runs_a_constant_number_of_queries(
    client, world, active, django_assert_num_queries
):
    share(world, active)
    client.force_login(world.coord_helping)
    url = reverse("activities:pairing_resources", args=[active.pk])
    # 3 the pairing, 4 its members, 5 the library's pairings, 6 count, 7 unread count,
    # 8 the pairing's activities (the form's choice), 9 the page.
    with django_assert_num_queries(9):
        client.get(url)
    for n in range(4):
        share(world, active, title=f"资源{n}")
    with django_assert_num_queries(9):
        page = client.get(url).content.decode()
    assert page.count("资源") >= 4


def test_the_tab_offers_remove_only_where_it_is_allowed(client, world, active):
    resource = share(world, active, "mentor")
    remove = reverse("activities:resource_remove", args=[resource.pk])
    client.force_login(world.mentee)
    assert (
        remove
        not in client.get(
            reverse("activities:pairing_resources", args=[active.pk])
        ).content.decode()
    )
    client.force_login(world.coord_helping)
    assert (
        remove
        in client.get(reverse("activities:pairing_resources", args=[active.pk])).content.decode()
    )
    assert client.post(remove).status_code == 302
    assert not Resource.objects.exists()


def test_a_multipart_null_activity_is_none(world, active):
    api = APIClient()
    api.force_authenticate(world.coord_assisted)
    created = api.post(reverse("api:resource-list"), {
        "pairing": str(active.pk), "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 a"),
        "title": "教案", "category": "lesson_plan", "activity": "null",
    }, format="multipart")  # fmt: skip
    assert created.status_code == 201 and created.json()["activity"] is None
