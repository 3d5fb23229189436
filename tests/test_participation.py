"""A teacher's participation record for a school year, on a page and as a one-page PDF
for title review; seen by the teacher, their coordinators and the bureau only."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from activities import participation, services
from activities.models import ActivityKind
from teachers import services as teacher_services
from teachers.models import RecordKind

TODAY = dt.date(2026, 11, 18)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("twinning.calendar.today", lambda: TODAY)


@pytest.fixture
def yang(world, active):
    """杨丽 (the mentee login): a mentee, at two exchanges, a week's secondment, an open
    lesson and a shared lesson plan this school year."""
    teacher = teacher_services.teacher_create(
        actor=world.coord_assisted, school=world.assisted, name="杨丽", user=world.mentee,
        first_employed_year=2024,
    )  # fmt: skip
    mentor = teacher_services.teacher_create(
        actor=world.coord_helping, school=world.helping, name="周华", user=world.mentor
    )
    mentorship = teacher_services.mentorship_create(
        actor=world.coord_assisted, mentor=mentor, mentee=teacher, subject="语文",
        start=dt.date(2026, 9, 1),
    )  # fmt: skip
    for kind in (RecordKind.OPEN_LESSON, RecordKind.REFLECTION, RecordKind.LESSON_DESIGN):
        teacher_services.record_file(
            actor=world.mentee, mentorship=mentorship, kind=kind, date=dt.date(2026, 10, 20),
            lesson_subject="语文", lesson_topic="秋天的雨", content="记录",
        )  # fmt: skip
    for n, code in enumerate(("lesson_delivery", "joint_research_day", "visit")):
        start = timezone.make_aware(dt.datetime(2026, 10, 12 + n, 9))
        activity, _ = services.activity_schedule(
            actor=world.coord_helping, pairing=active, kind=ActivityKind.objects.get(code=code),
            title=f"活动{n}", host_school=world.assisted, place="会议室", starts_at=start,
            ends_at=start + dt.timedelta(hours=2), participants=[teacher],
        )  # fmt: skip
        if n < 2:  # the third is still to be logged: it does not count
            services.activity_complete(
                actor=world.coord_helping, activity=activity, summary="好",
                files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 a")],
            )  # fmt: skip
    services.secondment_record(
        actor=world.coord_assisted, pairing=active, kind="shadowing", teacher=teacher,
        host_school=world.helping, start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 6),
        duties="跟岗学习",
    )  # fmt: skip
    services.resource_share(
        actor=world.mentee, pairing=active, upload=SimpleUploadedFile("教案.pdf", b"%PDF-1.4 x"),
        title="《秋天的雨》教案", category="lesson_plan",
    )  # fmt: skip
    return teacher


def test_the_record_counts_the_school_year(world, yang):
    record = participation.build(yang, 2026)
    assert len(record.mentorships) == 1 and record.mentorships[0].partner.name == "周华"
    assert record.records_total == 3 and record.open_lessons == 1
    assert [a.title for a in record.activities] == ["活动0", "活动1"]
    assert record.secondment_days == 5
    assert [r.title for r in record.resources] == ["《秋天的雨》教案"]
    last_year = participation.build(yang, 2025)
    assert last_year.records_total == 0 and not last_year.activities


def test_the_pdf_holds_the_teachers_name_and_counts(client, world, yang):
    client.force_login(world.mentee)
    response = client.get(reverse("activities:participation_pdf", args=[yang.pk]))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1  # one page to hand in
    text = reader.pages[0].extract_text()
    assert "杨丽" in text and "西山山村小学" in text and "2026–2027" in text
    assert "跟岗" in text and "活动0" in text


@pytest.mark.parametrize(
    "who, status",
    [("mentee", 200), ("coord_assisted", 200), ("bureau", 200), ("coord_helping", 403),
     ("mentor", 403), ("inspector", 403), ("outsider", 404)],
)  # fmt: skip
def test_only_the_teacher_their_coordinators_and_the_bureau_read_it(
    client, world, yang, who, status
):
    client.force_login(getattr(world, who))
    assert client.get(reverse("activities:participation", args=[yang.pk])).status_code == status
    pdf = client.get(reverse("activities:participation_pdf", args=[yang.pk]))
    assert pdf.status_code == status


def test_the_page_shows_another_year_and_ignores_a_bad_one(client, world, yang):
    client.force_login(world.mentee)
    url = reverse("activities:participation", args=[yang.pk])
    assert "活动0" in client.get(url).content.decode()
    assert "活动0" not in client.get(url, {"year": "2025"}).content.decode()
    assert client.get(url, {"year": "1999"}).context["record"].school_year == 2026


def test_the_page_runs_a_constant_number_of_queries(client, world, yang, django_assert_num_queries):
    client.force_login(world.bureau)
    url = reverse("activities:participation", args=[yang.pk])
    # 3 region subtree, 4 the teacher (school, honours prefetched: 5), 6 mentorships,
    # 7 record counts, 8 activities, 9 secondments, 10 resources, 11 unread count.
    with django_assert_num_queries(11):
        client.get(url)


def test_the_api_answers_the_counts(world, yang):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world.coord_assisted)
    body = api.get(reverse("api:participation-detail", args=[yang.pk])).json()
    assert (body["teacher_name"], body["activities"], body["secondment_days"]) == ("杨丽", 2, 5)
    assert body["open_lessons"] == 1 and body["resources_shared"] == 1
    assert (
        api.get(reverse("api:participation-detail", args=[yang.pk]), {"year": "x"}).status_code
        == 400
    )
    api.force_authenticate(world.inspector)
    assert api.get(reverse("api:participation-detail", args=[yang.pk])).status_code == 403
