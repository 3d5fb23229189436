"""The calendar of exchanges: a month and a week of the activities in scope, and the
private iCalendar feed a phone subscribes to (revocable)."""

import datetime as dt
import re

import pytest
import segno
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

from activities import services
from activities.models import ActivityKind, CalendarFeed
from teachers import services as teacher_services


def at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def november(world, active):
    """Five activities on 10 November 2026, one on the 20th, one of another pairing."""
    kind = ActivityKind.objects.get(code="visit")
    day = dt.date(2026, 11, 10)
    made = []
    for n in range(5):
        activity, _ = services.activity_schedule(
            actor=world.coord_helping, pairing=active, kind=kind, title=f"十日活动{n}",
            host_school=world.assisted, place="会议室", starts_at=at(day, 8 + n),
            ends_at=at(day, 9 + n),
        )  # fmt: skip
        made.append(activity)
    later, _ = services.activity_schedule(
        actor=world.coord_helping, pairing=active, kind=kind, title="二十日讲座",
        host_school=world.helping, place="报告厅", starts_at=at(dt.date(2026, 11, 20), 14),
        ends_at=at(dt.date(2026, 11, 20), 16),
    )  # fmt: skip
    made.append(later)
    return made


def test_the_month_shows_each_days_first_activities_and_how_many_more(client, world, november):
    client.force_login(world.bureau)
    page = client.get(reverse("activities:calendar_month"), {"month": "2026-11"}).content.decode()
    assert "十日活动0" in page and "十日活动2" in page and "十日活动3" not in page
    assert "date_from=2026-11-10&amp;date_to=2026-11-10" in page  # the "2 more" link
    assert "二十日讲座" in page
    october = client.get(reverse("activities:calendar_month"), {"month": "2026-10"})
    assert "十日活动" not in october.content.decode()


def test_the_month_runs_as_many_queries_for_many_activities_as_for_few(client, world, november):
    """The month reads only what its cells show; a field left out that an activity needs
    as it is built (its status) would cost a query per activity."""
    client.force_login(world.bureau)
    url = reverse("activities:calendar_month")
    client.get(url, {"month": "2026-11"})  # warm the scope cache
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"month": "2026-11"})
    kind, active = november[0].kind, november[0].pairing
    for day in range(2, 9):
        services.activity_schedule(
            actor=world.coord_helping, pairing=active, kind=kind, title=f"加开{day}",
            host_school=world.assisted, place="会议室", starts_at=at(dt.date(2026, 11, day), 9),
            ends_at=at(dt.date(2026, 11, day), 10),
        )  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        page = client.get(url, {"month": "2026-11"}).content.decode()
    assert "加开8" in page
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_bad_month_shows_this_month(client, world, november):
    client.force_login(world.bureau)
    assert client.get(reverse("activities:calendar_month"), {"month": "2026-13"}).status_code == 200
    assert client.get(reverse("activities:calendar_week"), {"week": "nonsense"}).status_code == 200


def test_the_week_lists_every_activity_and_the_secondments(client, world, active, november):
    teacher = teacher_services.teacher_create(
        actor=world.coord_helping, school=world.helping, name="陈红梅"
    )
    services.secondment_record(
        actor=world.coord_helping, pairing=active, kind="teaching_placement", teacher=teacher,
        host_school=world.assisted, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30),
        duties="支教",
    )  # fmt: skip
    client.force_login(world.coord_assisted)
    page = client.get(reverse("activities:calendar_week"), {"week": "2026-11-11"}).content.decode()
    assert all(f"十日活动{n}" in page for n in range(5))
    assert "二十日讲座" not in page and "陈红梅" in page


def test_only_mine_keeps_the_activities_i_organise_or_join(client, world, active, november):
    client.force_login(world.coord_assisted)  # organised nothing, joined nothing
    page = client.get(reverse("activities:calendar_month"), {"month": "2026-11", "mine": "1"})
    assert "十日活动" not in page.content.decode()
    client.force_login(world.coord_helping)
    page = client.get(reverse("activities:calendar_month"), {"month": "2026-11", "mine": "1"})
    assert "十日活动0" in page.content.decode()


def test_the_month_runs_a_constant_number_of_queries(
    client, world, active, november, django_assert_num_queries
):
    client.force_login(world.bureau)
    url = reverse("activities:calendar_month") + "?month=2026-11"
    # 3 region subtree, 4 pairings reaching outside the regions, 5 counts by day, 6 the
    # ids of the first of each day, 7 those activities, 8 unread count.
    with django_assert_num_queries(8):
        client.get(url)
    kind = ActivityKind.objects.get(code="lecture")
    for n in range(6):
        day = dt.date(2026, 11, 2 + n)
        services.activity_schedule(
            actor=world.coord_helping, pairing=active, kind=kind, title=f"讲座{n}",
            host_school=world.helping, place="报告厅", starts_at=at(day, 9), ends_at=at(day, 10),
        )  # fmt: skip
    with django_assert_num_queries(8):
        page = client.get(url).content.decode()
    assert page.count("讲座") >= 6


def agenda_of(page: str) -> str:
    """The phone's agenda of a month page (the grid is the table before it)."""
    return re.search(r'<section class="calendar-agenda".*?</section>', page, re.S).group(0)


def test_the_month_is_also_an_agenda_of_only_its_busy_days_in_order(client, world, november):
    # 2 December: in the grid's last week of November, but not a day of November.
    services.activity_schedule(
        actor=world.coord_helping, pairing=november[0].pairing, kind=november[0].kind,
        title="十二月活动", host_school=world.assisted, place="会议室",
        starts_at=at(dt.date(2026, 12, 2), 9), ends_at=at(dt.date(2026, 12, 2), 10),
    )  # fmt: skip
    client.force_login(world.bureau)
    page = client.get(reverse("activities:calendar_month"), {"month": "2026-11"}).content.decode()
    assert "十二月活动" in page.split('<section class="calendar-agenda"')[0]  # in the grid
    agenda = agenda_of(page)
    assert re.findall(r"<h2><a href=\"[^\"]*\?week=([\d-]+)", agenda) == [
        "2026-11-10",
        "2026-11-20",
    ]
    shown = [november[n] for n in (0, 1, 2, 5)]  # the 10th's first three, then the 20th's
    links = re.findall(r'href="(/activities/\d+/)"', agenda)
    assert links == [reverse("activities:activity_detail", args=[a.pk]) for a in shown]
    assert "08:00–09:00" in agenda and "十日活动0" in agenda and "报告厅" in agenda
    assert "十日活动3" not in agenda and "十二月活动" not in agenda
    assert "date_from=2026-11-10&amp;date_to=2026-11-10" in agenda  # the "2 more" link


def test_an_exchange_over_several_days_shows_its_last_day_in_the_agenda(client, world, november):
    services.activity_schedule(
        actor=world.coord_helping, pairing=november[0].pairing, kind=november[0].kind,
        title="三日研修", host_school=world.assisted, place="会议室",
        starts_at=at(dt.date(2026, 11, 24), 9), ends_at=at(dt.date(2026, 11, 26), 17),
    )  # fmt: skip
    client.force_login(world.bureau)
    page = client.get(reverse("activities:calendar_month"), {"month": "2026-11"}).content.decode()
    assert "09:00–11-26 17:00" in agenda_of(page)
    assert "08:00–09:00" in agenda_of(page)  # a day's own exchange: its hours only


def test_the_agenda_of_an_empty_month_says_so(client, world, november):
    client.force_login(world.bureau)
    page = client.get(reverse("activities:calendar_month"), {"month": "2026-10"}).content.decode()
    agenda = agenda_of(page)
    with translation.override(settings.LANGUAGE_CODE):
        assert translation.gettext("No exchanges this month.") in agenda
    assert "<h2" not in agenda and "/activities/" not in agenda


# --- the feed -----------------------------------------------------------------------------


def feed_url(client) -> str:
    page = client.post(reverse("activities:calendar_feed_make")).content.decode()
    return re.search(r'value="(http[^"]+\.ics)"', page).group(1)


def test_the_feed_parses_and_holds_only_the_users_scope(
    client, world, active, november, monkeypatch
):
    monkeypatch.setattr("twinning.calendar.today", lambda: dt.date(2026, 11, 25))
    client.force_login(world.mentor)  # a teacher of the pair: reads its activities
    url = feed_url(client)
    client.logout()
    response = client.get(url)  # no session: the address is the credential
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = cal.walk("VEVENT")
    assert {str(e["summary"]) for e in events} >= {"十日活动0", "二十日讲座"}
    first = next(e for e in events if str(e["summary"]) == "十日活动0")
    assert first.decoded("dtstart") == at(dt.date(2026, 11, 10), 8)
    assert str(first["location"]) == "会议室"

    client.force_login(world.outsider)
    outsider = Calendar.from_ical(client.get(feed_url(client)).content)
    assert outsider.walk("VEVENT") == []


def test_a_full_feed_keeps_the_coming_activities_and_then_the_latest_past(
    client, world, active, monkeypatch
):
    from activities import agenda

    monkeypatch.setattr(agenda, "FEED_LIMIT", 3)
    kind = ActivityKind.objects.get(code="visit")
    today = timezone.localdate()
    days = {"上月活动": -20, "上周活动": -7, "下周活动0": 3, "下周活动1": 4}
    for title, offset in days.items():
        day = today + dt.timedelta(days=offset)
        services.activity_schedule(
            actor=world.coord_helping, pairing=active, kind=kind, title=title,
            host_school=world.assisted, place="会议室", starts_at=at(day, 9),
            ends_at=at(day, 10),
        )  # fmt: skip
    client.force_login(world.coord_helping)
    cal = Calendar.from_ical(client.get(feed_url(client)).content)
    titles = [str(e["summary"]) for e in cal.walk("VEVENT")]
    assert titles == ["上周活动", "下周活动0", "下周活动1"]  # not the older one


def test_a_cancelled_activity_is_marked_cancelled_in_the_feed(client, world, november, monkeypatch):
    monkeypatch.setattr("twinning.calendar.today", lambda: dt.date(2026, 11, 25))
    services.activity_cancel(actor=world.coord_helping, activity=november[0], reason="下雪")
    client.force_login(world.coord_helping)
    cal = Calendar.from_ical(client.get(feed_url(client)).content)
    statuses = {str(e["summary"]): str(e["status"]) for e in cal.walk("VEVENT")}
    assert statuses["十日活动0"] == "CANCELLED" and statuses["十日活动1"] == "CONFIRMED"


def test_a_revoked_or_replaced_address_answers_404(client, world, november):
    client.force_login(world.coord_helping)
    first = feed_url(client)
    second = feed_url(client)  # a new address replaces the old one
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    client.post(reverse("activities:calendar_feed_revoke"))
    assert client.get(second).status_code == 404
    assert not CalendarFeed.objects.exists()
    assert client.get("/calendar/feed/guessed-token.ics").status_code == 404


def test_only_a_hash_of_the_address_is_kept(client, world):
    client.force_login(world.coord_helping)
    url = feed_url(client)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in CalendarFeed.objects.get().token_hash
    page = client.get(reverse("activities:calendar_feed")).content.decode()
    assert token not in page  # shown once, when made


def test_the_week_runs_a_constant_number_of_queries(
    client, world, active, november, django_assert_num_queries
):
    client.force_login(world.bureau)
    url = reverse("activities:calendar_week") + "?week=2026-11-09"
    # 3 region subtree, 4 pairings reaching outside the regions, 5 counts by day, 6 the
    # ids of the first of each day, 7 those activities (kind and host school joined), 8
    # the week's secondments, 9 unread count.
    with django_assert_num_queries(9):
        client.get(url)
    kind = ActivityKind.objects.get(code="lecture")
    for n in range(5):
        day = dt.date(2026, 11, 9 + n)
        services.activity_schedule(
            actor=world.coord_helping, pairing=active, kind=kind, title=f"讲座{n}",
            host_school=world.helping, place="报告厅", starts_at=at(day, 15), ends_at=at(day, 16),
        )  # fmt: skip
    with django_assert_num_queries(9):
        page = client.get(url).content.decode()
    assert page.count("讲座") >= 5 and "江城实验小学" in page


def test_only_mine_lists_an_activity_once_however_many_take_part(client, world, active):
    chen = teacher_services.teacher_create(
        actor=world.coord_helping, school=world.helping, name="陈红梅", user=world.mentor
    )
    zhao = teacher_services.teacher_create(actor=world.bureau, school=world.assisted, name="赵")
    day = dt.date(2026, 11, 25)
    services.activity_schedule(
        actor=world.coord_helping, pairing=active, kind=ActivityKind.objects.get(code="visit"),
        title="两人同去", host_school=world.assisted, place="p", starts_at=at(day, 9),
        ends_at=at(day, 11), participants=[chen, zhao],
    )  # fmt: skip
    client.force_login(world.coord_helping)  # the organiser
    page = client.get(reverse("activities:calendar_week"), {"week": "2026-11-25", "mine": "1"})
    assert page.content.decode().count("两人同去") == 1
    client.force_login(world.mentor)  # a participant
    page = client.get(reverse("activities:calendar_week"), {"week": "2026-11-25", "mine": "1"})
    assert page.content.decode().count("两人同去") == 1


def test_the_made_address_comes_with_a_webcal_link_a_qr_code_and_a_copy_button(client, world):
    client.force_login(world.coord_helping)
    page = client.post(reverse("activities:calendar_feed_make")).content.decode()
    url = re.search(r'value="(http[^"]+\.ics)"', page).group(1)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    webcal = re.search(r'href="(webcal://[^"]+)"', page).group(1)
    assert webcal == "webcal://" + url.split("://", 1)[1] and webcal.endswith(f"/{token}.ics")
    svg = re.search(r'<svg[^>]*class="feed-qr".*?</svg>', page, re.S).group(0)
    assert 'role="img"' in svg.split(">", 1)[0] and re.search(r"<title>[^<]+</title>", svg)
    assert "style" not in svg.lower()  # neither attribute nor element: the policy refuses both
    # The code is the address's: segno draws the same modules for the same text.
    modules = re.search(r' d="([^"]+)"', segno.make_qr(url, error="m").svg_inline()).group(1)
    assert f'd="{modules}"' in svg
    assert re.search(r'<button type="button"[^>]*data-copy="feed-url"[^>]*hidden>', page)
    assert 'role="status"' in page


def test_before_an_address_is_made_there_is_no_qr_code_nor_copy_button(client, world):
    client.force_login(world.coord_helping)
    page = client.get(reverse("activities:calendar_feed")).content.decode()
    assert "feed-qr" not in page and "data-copy" not in page and "webcal://" not in page
    client.post(reverse("activities:calendar_feed_make"))
    page = client.get(reverse("activities:calendar_feed")).content.decode()  # made, not shown
    assert "feed-qr" not in page and "data-copy" not in page and "webcal://" not in page
