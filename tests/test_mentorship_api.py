"""Mentorships and records through the API: the same rules as the services and pages."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from teachers import services
from teachers.models import MentorshipRecord

from .test_api import api

TODAY = dt.date(2026, 11, 18)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("twinning.calendar.today", lambda: TODAY)


@pytest.fixture
def pair(world, active):
    mentor = services.teacher_create(actor=None, school=world.helping, name="陈红梅",
                                     first_employed_year=2005, user=world.mentor)  # fmt: skip
    mentee = services.teacher_create(actor=None, school=world.assisted, name="赵小燕",
                                     first_employed_year=2024, user=world.mentee)  # fmt: skip
    return mentor, mentee


def test_a_coordinator_starts_a_mentorship_and_both_accept_it(world, pair):
    mentor, mentee = pair
    response = api(world.coord_assisted).post(
        "/api/mentorships/",
        {"mentor": mentor.pk, "mentee": mentee.pk, "subject": "语文", "start": "2026-09-01",
         "agreement_text": "每周指导一次"},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["end"], body["status"], body["mentee_name"]) == ("2027-01-31", "active", "赵小燕")
    url = f"/api/mentorships/{body['id']}/accept/"
    assert api(world.mentor).post(url).json()["mentor_accepted_at"]
    assert api(world.mentee).post(url).json()["mentee_accepted_at"]
    assert api(world.mentee).post(url).status_code == 400  # once is enough
    again = api(world.coord_assisted).post(
        "/api/mentorships/",
        {"mentor": mentor.pk, "mentee": mentee.pk, "subject": "语文", "start": "2026-09-01"},
    )  # a second active mentorship of the mentee in the subject
    assert again.status_code == 400
    assert again.json()["codes"] == {"non_field_errors": ["unique"]}


def test_an_ineligible_mentee_is_refused_with_the_field_named(world, pair):
    mentor, _mentee = pair
    senior = services.teacher_create(actor=None, school=world.assisted, name="老教师",
                                     first_employed_year=2000)  # fmt: skip
    response = api(world.coord_assisted).post(
        "/api/mentorships/",
        {"mentor": mentor.pk, "mentee": senior.pk, "subject": "语文", "start": "2026-09-01"},
    )
    assert response.status_code == 400
    assert response.json()["codes"] == {"mentee": ["rule"]}


def test_file_comment_answer_sign_off_and_the_lock(world, pair):
    mentor, mentee = pair
    mentorship = services.mentorship_create(actor=world.bureau, mentor=mentor, mentee=mentee,
                                            subject="语文", start=dt.date(2026, 9, 1))  # fmt: skip
    filed = api(world.mentee).post(
        "/api/mentorship-records/",
        {"mentorship": mentorship.pk, "kind": "reflection", "date": "2026-11-17",
         "checklist": {"goals": "符合", "best": "导入"}, "content": "反思"},
    )  # fmt: skip
    assert filed.status_code == 201, filed.content
    record = filed.json()
    assert record["filed_by"] == "mentee" and record["checklist"] == {
        "goals": "符合",
        "best": "导入",
    }
    url = f"/api/mentorship-records/{record['id']}/"
    commented = api(world.mentor).post(url + "comment/", {"text": "很好"}).json()
    assert [c["author_role"] for c in commented["comments"]] == ["mentor"]
    api(world.mentee).post(url + "comment/", {"text": "谢谢"})
    assert api(world.mentee).post(url + "sign-off/").status_code == 403
    signed = api(world.mentor).post(url + "sign-off/").json()
    assert signed["signed_off_at"] and len(signed["comments"]) == 2
    locked = api(world.mentee, language="en").patch(url, {"content": "改"})
    assert locked.status_code == 400
    assert "signed this record off" in str(locked.json()["errors"])
    assert MentorshipRecord.objects.get().content == "反思"


def test_a_record_dated_in_the_future_names_the_date(world, pair):
    mentor, mentee = pair
    mentorship = services.mentorship_create(actor=world.bureau, mentor=mentor, mentee=mentee,
                                            subject="语文", start=dt.date(2026, 9, 1))  # fmt: skip
    response = api(world.mentee).post(
        "/api/mentorship-records/",
        {"mentorship": mentorship.pk, "kind": "lesson_design", "date": "2026-11-30",
         "content": "教案"},
    )  # fmt: skip
    assert response.status_code == 400 and "date" in response.json()["errors"]
    assert not MentorshipRecord.objects.exists()


def test_files_upload_and_download_only_within_scope(world, pair):
    mentor, mentee = pair
    mentorship = services.mentorship_create(actor=world.bureau, mentor=mentor, mentee=mentee,
                                            subject="语文", start=dt.date(2026, 9, 1))  # fmt: skip
    record = services.record_file(actor=world.mentee, mentorship=mentorship,
                                  kind="lesson_design", date=TODAY, content="教案")  # fmt: skip
    url = f"/api/mentorship-records/{record.pk}/attachments/"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    uploaded = api(world.mentee).post(
        url, {"file": SimpleUploadedFile("板书.png", png)}, format="multipart"
    )
    assert uploaded.status_code == 200, uploaded.content
    attachment = uploaded.json()["attachments"][0]
    assert attachment["content_type"] == "image/png"
    disguised = api(world.mentee).post(
        url, {"file": SimpleUploadedFile("教案.pdf", b"<script>alert(1)</script>")},
        format="multipart",
    )  # fmt: skip
    assert disguised.status_code == 400 and "attachments" in disguised.json()["errors"]
    assert (
        api(world.mentor)
        .post(url, {"file": SimpleUploadedFile("x.png", png)}, format="multipart")
        .status_code
        == 403
    )  # only who filed the record adds files
    download = api(world.mentor).get(attachment["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == png
    assert api(world.outsider).get(attachment["url"]).status_code == 404
    assert api(world.coord_helping).get(attachment["url"]).status_code == 200


def test_compliance_updates_when_a_record_is_filed(world, pair):
    mentor, mentee = pair
    mentorship = services.mentorship_create(actor=world.bureau, mentor=mentor, mentee=mentee,
                                            subject="语文", start=dt.date(2026, 9, 1))  # fmt: skip
    url = f"/api/mentorships/{mentorship.pk}/compliance/"

    def design():
        lines = api(world.mentee).get(url).json()["lines"]
        return next(ln for ln in lines if ln["kind"] == "lesson_design")

    assert (design()["done"], design()["status"]) == (0, "on_track")
    services.record_file(actor=world.mentee, mentorship=mentorship, kind="lesson_design",
                         date=TODAY, content="教案")  # fmt: skip
    assert (design()["done"], design()["status"]) == (1, "met")
    last_week = api(world.mentee).get(url, {"on": "2026-11-11"}).json()
    assert last_week["status"] == "missed"


def test_the_roll_up_counts_mentorships_by_standing_per_county(world, pair):
    mentor, mentee = pair
    services.mentorship_create(actor=world.bureau, mentor=mentor, mentee=mentee,
                               subject="语文", start=dt.date(2026, 9, 1))  # fmt: skip
    rows = api(world.bureau).get("/api/mentorships/compliance/", {"group": "county"}).json()
    assert rows == [{"id": world.west.pk, "name": "西山县", "met": 0, "on_track": 0,
                     "behind": 1, "missed": 0, "total": 1}]  # fmt: skip
    assert api(world.outsider).get("/api/mentorships/compliance/").json() == []
    assert api(world.bureau).get("/api/mentorships/compliance/", {"group": "x"}).status_code == 400


def test_the_roll_up_by_pairing_names_the_pairing(world, pair, active):
    mentor, mentee = pair
    services.mentorship_create(actor=world.bureau, mentor=mentor, mentee=mentee,
                               subject="语文", start=dt.date(2026, 9, 1))  # fmt: skip
    (row,) = api(world.bureau).get("/api/mentorships/compliance/", {"group": "pairing"}).json()
    assert row["id"] == active.pk and "西山山村小学" in row["name"] and row["behind"] == 1
