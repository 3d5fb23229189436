"""The mentorship pages: a teacher's home, filing, review, the pairing's tab, compliance."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from teachers import services
from teachers.models import Mentorship, MentorshipRecord

TODAY = dt.date(2026, 11, 18)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("twinning.calendar.today", lambda: TODAY)


@pytest.fixture
def mentorship(world, active):
    mentor = services.teacher_create(actor=None, school=world.helping, name="陈红梅",
                                     first_employed_year=2005, user=world.mentor)  # fmt: skip
    mentee = services.teacher_create(actor=None, school=world.assisted, name="赵小燕",
                                     first_employed_year=2024, user=world.mentee)  # fmt: skip
    return services.mentorship_create(
        actor=world.coord_helping, mentor=mentor, mentee=mentee, subject="语文",
        start=dt.date(2026, 9, 1), agreement_text="每周指导一次",
    )  # fmt: skip


def text(response) -> str:
    return response.content.decode()


def test_the_mentees_home_says_what_this_week_asks_and_links_to_filing(client, world, mentorship):
    client.force_login(world.mentee)
    page = text(client.get("/"))
    assert "赵小燕" not in page or "陈红梅" in page  # their mentor is named
    assert reverse("teachers:record_create", args=[mentorship.pk]) in page
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = text(client.get("/"))
    assert "This week: Lesson design (教学设计) 0 of 1" in page


def test_the_mentee_files_an_observation_with_a_photo(client, world, mentorship):
    client.force_login(world.mentee)
    url = reverse("teachers:record_create", args=[mentorship.pk])
    assert client.get(url).status_code == 200
    png = SimpleUploadedFile("板书.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    response = client.post(
        url,
        {"kind": "observation", "date": "2026-11-18", "lesson_subject": "语文",
         "lesson_class": "三(2)班", "lesson_topic": "秋天的雨", "observed": "partner",
         "content": "导入生动", "attachments": [png]},
    )  # fmt: skip
    assert response.status_code == 302
    record = MentorshipRecord.objects.get()
    assert record.attachments.get().content_type == "image/png"
    page = text(client.get(reverse("teachers:mentorship_detail", args=[mentorship.pk])))
    assert "秋天的雨" in page and "板书.png" in page


def test_a_future_date_is_shown_on_the_field_and_nothing_is_filed(client, world, mentorship):
    client.force_login(world.mentee)
    response = client.post(
        reverse("teachers:record_create", args=[mentorship.pk]),
        {"kind": "lesson_design", "date": "2026-12-01", "content": "教案"},
    )
    assert response.status_code == 200 and response.context["form"].errors["date"]
    assert not MentorshipRecord.objects.exists()


def test_the_mentor_reviews_comments_and_signs_off_from_the_queue(client, world, mentorship):
    photo = SimpleUploadedFile("板书.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    record = services.record_file(actor=world.mentee, mentorship=mentorship,
                                  kind="lesson_design", date=TODAY, content="教案",
                                  attachments=[photo])  # fmt: skip
    client.force_login(world.mentor)
    queue = client.get(reverse("teachers:review_queue"))
    assert list(queue.context["records"]) == [record]
    back = reverse("teachers:review_queue")
    client.post(reverse("teachers:record_comment", args=[record.pk]),
                {"text": "目标再具体些", "next": back})  # fmt: skip
    # The queue shows the comments so far (the mentee's answer too) and the photos.
    client.force_login(world.mentee)
    client.post(reverse("teachers:record_comment", args=[record.pk]), {"text": "已修改"})
    client.force_login(world.mentor)
    page = text(client.get(back))
    assert "目标再具体些" in page and "已修改" in page and "板书.png" in page
    assert page.index("目标再具体些") < page.index("已修改")
    response = client.post(reverse("teachers:record_sign_off", args=[record.pk]), {"next": back})
    assert response.url == back
    record.refresh_from_db()
    assert record.is_locked and record.comments.order_by("id").first().text == "目标再具体些"
    assert not list(client.get(back).context["records"])
    client.force_login(world.mentee)
    edit = client.get(reverse("teachers:record_edit", args=[record.pk]))
    assert edit.status_code == 302  # locked: back to the mentorship with a message


def test_the_review_download_is_the_mentors_queue_oldest_first(client, world, mentorship):
    observed = services.record_file(
        actor=world.mentee, mentorship=mentorship, kind="observation",
        date=TODAY - dt.timedelta(days=3), lesson_subject="语文", lesson_class="三(2)班",
        lesson_topic="秋天的雨", observed="partner", content="=导入生动",
    )  # fmt: skip
    signed = services.record_file(actor=world.mentee, mentorship=mentorship,
                                  kind="reflection", date=TODAY, content="反思")  # fmt: skip
    services.record_sign_off(actor=world.mentor, record=signed)
    services.record_file(actor=world.mentee, mentorship=mentorship, kind="lesson_design",
                         date=TODAY, content="教案")  # fmt: skip
    services.record_file(actor=world.mentor, mentorship=mentorship, kind="guidance",
                         date=TODAY, content="导师指导")  # fmt: skip
    client.force_login(world.mentor)
    response = client.get(reverse("teachers:review_queue_export_xlsx"))
    header, *rows = openpyxl.load_workbook(io.BytesIO(response.content)).active.values
    with translation.override("zh-hans"):
        assert list(header) == [_("Mentee"), _("What"), _("Date"), _("Lesson subject"),
                                _("Class"), _("Topic"), _("Notes")]  # fmt: skip
        observation = observed.get_kind_display()
    # Signed-off records and the mentor's own are not waiting; a formula stays text.
    assert [(r[0], r[1], r[2].date(), r[3], r[4], r[5], r[6]) for r in rows[:1]] == [
        ("赵小燕", observation, TODAY - dt.timedelta(days=3), "语文", "三(2)班", "秋天的雨",
         "'=导入生动")
    ]  # fmt: skip
    assert [r[6] for r in rows] == ["'=导入生动", "教案"]
    csv = b"".join(client.get(reverse("teachers:review_queue_export_csv")).streaming_content)
    assert "秋天的雨" in csv.decode("utf-8-sig")
    # Nothing waits for the coordinator's sign-off.
    client.force_login(world.coord_helping)
    csv = b"".join(client.get(reverse("teachers:review_queue_export_csv")).streaming_content)
    assert len(csv.decode("utf-8-sig").splitlines()) == 1


def test_a_next_that_leaves_the_site_is_ignored(client, world, mentorship):
    record = services.record_file(actor=world.mentee, mentorship=mentorship,
                                  kind="lesson_design", date=TODAY, content="教案")  # fmt: skip
    client.force_login(world.mentor)
    response = client.post(
        reverse("teachers:record_sign_off", args=[record.pk]), {"next": "//evil.example/"}
    )
    assert response.url.startswith(reverse("teachers:mentorship_detail", args=[mentorship.pk]))


def test_a_coordinator_starts_a_mentorship_from_the_pairing_tab(client, world, active):
    services.teacher_create(
        actor=None, school=world.helping, name="钱老师", first_employed_year=2000
    )
    services.teacher_create(
        actor=None, school=world.assisted, name="孙老师", first_employed_year=2025
    )
    client.force_login(world.coord_assisted)
    tab = text(client.get(reverse("teachers:pairing_mentorships", args=[active.pk])))
    start = reverse("teachers:mentorship_create") + f"?pairing={active.pk}"
    assert start in tab.replace("&amp;", "&")
    form = client.get(start).context["form"]
    names = {t.name for t in form.fields["mentor"].queryset}
    assert names == {"钱老师", "孙老师"}
    mentor = form.fields["mentor"].queryset.get(name="钱老师")
    mentee = form.fields["mentee"].queryset.get(name="孙老师")
    response = client.post(start, {"mentor": mentor.pk, "mentee": mentee.pk, "subject": "数学",
                                   "start": "2026-11-18", "terms": "2"})  # fmt: skip
    made = Mentorship.objects.get()
    assert response.url == reverse("teachers:mentorship_detail", args=[made.pk])
    assert made.pairing == active and made.end == dt.date(2027, 7, 31)
    assert "钱老师" in text(client.get(reverse("teachers:pairing_mentorships", args=[active.pk])))


def test_bureau_staff_without_a_pairing_are_sent_to_choose_one(client, world):
    client.force_login(world.bureau)
    response = client.get(reverse("teachers:mentorship_create"))
    assert response.templates[0].name == "teachers/mentorship_choose.html"


def test_the_compliance_page_rolls_up_by_school_and_county_with_a_chart(client, world, mentorship):
    client.force_login(world.bureau)
    page = client.get(reverse("teachers:compliance"))
    assert (
        page.context["rows"][0]["name"] == "西山山村小学" and page.context["rows"][0]["behind"] == 1
    )
    assert "<svg" in text(page)
    county = client.get(reverse("teachers:compliance"), {"group": "county"})
    assert county.context["rows"][0]["name"] == "西山县"
    csv = client.get(reverse("teachers:compliance"), {"format": "csv"})
    assert "西山山村小学" in b"".join(csv.streaming_content).decode("utf-8-sig")


def test_the_compliance_page_takes_a_constant_number_of_queries(
    client, world, mentorship, django_assert_max_num_queries, settings
):
    settings.COMPLIANCE_CACHE_SECONDS = 0  # count the computation, not the cache
    for n in range(200):
        mentee = services.teacher_create(actor=None, school=world.assisted, name=f"新{n}",
                                         first_employed_year=2025)  # fmt: skip
        services.mentorship_create(actor=world.bureau, mentor=mentorship.mentor, mentee=mentee,
                                   subject="语文", start=dt.date(2026, 9, 1))  # fmt: skip
    client.force_login(world.bureau)
    client.get(reverse("teachers:compliance"))
    # user, role assignments, their regions, unread count; mentorships, obligations, term
    # dates, record counts, group keys, school names: none of them per mentorship
    with django_assert_max_num_queries(10):
        page = client.get(reverse("teachers:compliance"))
    assert page.context["rows"][0]["total"] == 201


def test_the_list_shows_each_mentorships_standing_in_a_constant_number_of_queries(
    client, world, mentorship
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.coord_helping)

    def queries() -> int:
        client.get(reverse("teachers:mentorship_list"))  # warm the scope cache
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("teachers:mentorship_list"))
        return len(captured), page

    few, page = queries()
    assert [m.standing.status for m in page.context["mentorships"]] == ["behind"]
    for n in range(6):
        mentee = services.teacher_create(actor=None, school=world.assisted, name=f"新{n}",
                                         first_employed_year=2025)  # fmt: skip
        services.mentorship_create(actor=world.bureau, mentor=mentorship.mentor, mentee=mentee,
                                   subject="语文", start=dt.date(2026, 9, 1))  # fmt: skip
    many, page = queries()
    # session, user, role assignments, unread count, the user's own teacher record,
    # count, page, mentors, mentees, pairings, review count; standings: mentorships,
    # obligations, term dates, record counts. None of them per mentorship.
    assert many == few <= 16
    assert len(page.context["mentorships"]) == 7


def test_both_accept_the_agreement_on_the_page(client, world, mentorship):
    client.force_login(world.mentee)
    detail = reverse("teachers:mentorship_detail", args=[mentorship.pk])
    assert client.get(detail).context["can_accept"]
    client.post(reverse("teachers:mentorship_accept", args=[mentorship.pk]))
    assert not client.get(detail).context["can_accept"]
    mentorship.refresh_from_db()
    assert mentorship.mentee_accepted_at and not mentorship.mentor_accepted_at


def test_ending_early_without_a_reason_changes_nothing(client, world, mentorship):
    client.force_login(world.coord_helping)
    client.post(reverse("teachers:mentorship_terminate", args=[mentorship.pk]), {"reason": ""})
    mentorship.refresh_from_db()
    assert mentorship.status == "active"
    client.post(reverse("teachers:mentorship_terminate", args=[mentorship.pk]), {"reason": "调离"})
    mentorship.refresh_from_db()
    assert mentorship.status == "terminated" and mentorship.closed_reason == "调离"


def test_a_roll_up_kept_for_a_minute_is_kept_per_user(client, world, mentorship, far_pairing):
    client.force_login(world.bureau)
    assert client.get(reverse("teachers:compliance")).context["rows"]
    client.force_login(world.outsider)  # same query, another user: never the first's rows
    page = client.get(reverse("teachers:compliance"))
    assert page.context["rows"] == [] and "西山山村小学" not in text(page)


def test_the_list_filtered_by_a_school_code_finds_the_mentor_s_and_the_mentee_s_school(
    client, world, mentorship
):
    client.force_login(world.bureau)
    url = reverse("teachers:mentorship_list")
    for code in (world.helping.code, world.assisted.code):  # the mentor's, the mentee's
        page = client.get(url, {"school_code": code})
        assert list(page.context["mentorships"]) == [mentorship]
    other = text(client.get(url, {"school_code": "3451009999"}))  # no such school
    assert "陈红梅" not in other
    assert _("No mentorship matches your search.") in other
