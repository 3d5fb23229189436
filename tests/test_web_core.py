"""The web shell: sign-in and lockout, home per role, dashboard, my school, notifications,
language switch.

Assertions avoid English interface text (it is translated into Chinese later) except
where the English interface itself is under test: they check status codes,
templates, context, URLs, CSS classes and the Chinese names of the test data.
"""

import datetime as dt

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from schools import services as school_services
from schools.models import Pairing
from twinning.models import Delivery, Notification, Role

from .conftest import tell
from .factories import ProgrammeFactory, SchoolFactory, UserFactory, assign

LOGIN = "/accounts/login/"


def templates_of(response) -> set[str]:
    return {t.name for t in response.templates}


# --- sign-in, lockout, logout, password ---------------------------------------------


def test_login_page_is_chinese_and_loads_only_local_assets(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert 'name="viewport"' in html
    # No CDN: every stylesheet and script comes from the app's static files.
    assert "/static/css/app.css" in html and "/static/js/app.js" in html
    for marker in ('href="http', 'src="http', 'href="//', 'src="//', "@import", "fonts.googleapis"):
        assert marker not in html
    assert finders.find("css/app.css") and finders.find("js/app.js")
    assert "http" not in open(finders.find("css/app.css"), encoding="utf-8").read()


def test_login_takes_the_user_home_and_restores_their_language(client, world):
    world.bureau.language = "en"
    world.bureau.save()
    response = client.post(LOGIN, {"username": "bureau", "password": "pass-12345"})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert response.cookies["django_language"].value == "en"
    assert client.get("/").url == reverse("dashboard")


def test_login_is_locked_after_five_failures(client, world):
    for _attempt in range(4):
        response = client.post(LOGIN, {"username": "bureau", "password": "wrong"})
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
    response = client.post(LOGIN, {"username": "bureau", "password": "wrong"})
    assert response.status_code == 429
    assert "registration/locked_out.html" in templates_of(response)
    # Even the right password is refused while locked, and nobody is signed in.
    response = client.post(LOGIN, {"username": "bureau", "password": "pass-12345"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_logout_answers_post_only(client, world):
    client.force_login(world.bureau)
    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change(client, world):
    client.force_login(world.coord_helping)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pass-12345",
            "new_password1": "Xq7-jiangcheng-2026",
            "new_password2": "Xq7-jiangcheng-2026",
        },
    )
    assert response.url == reverse("password_change_done")
    assert client.get(response.url).status_code == 200
    world.coord_helping.refresh_from_db()
    assert world.coord_helping.check_password("Xq7-jiangcheng-2026")


def test_pages_need_login(client, db):
    for name in ("home", "dashboard", "my_school", "notifications", "password_change"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(LOGIN)


# --- language ---------------------------------------------------------------------


def test_language_switch_renders_english_and_is_remembered(client, world):
    client.force_login(world.bureau)
    response = client.post(reverse("language"), {"language": "en", "next": "/dashboard/"})
    assert response.status_code == 302
    assert response.url == "/dashboard/"
    response = client.get("/dashboard/")
    assert response.headers["Content-Language"] == "en"
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Dashboard" in html and "Pairings by status" in html
    world.bureau.refresh_from_db()
    assert world.bureau.language == "en"

    client.post(reverse("language"), {"language": "zh-hans", "next": "/"})
    assert client.get("/dashboard/").headers["Content-Language"] == "zh-hans"


def test_language_switch_ignores_unknown_languages(client, world):
    client.force_login(world.bureau)
    client.post(reverse("language"), {"language": "xx", "next": "/"})
    world.bureau.refresh_from_db()
    assert world.bureau.language == "zh-hans"


def test_language_switch_is_post_only(client, world):
    assert client.get(reverse("language")).status_code == 405


# --- navigation ---------------------------------------------------------------------


def test_navigation_follows_the_roles(client, world):
    client.force_login(world.bureau)
    html = client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("dashboard")}"' in html
    assert f'href="{reverse("my_school")}"' not in html
    assert f'href="{reverse("schools:pairing_list")}"' in html
    assert 'href="/api/docs/"' in html
    assert 'href="/admin/"' not in html
    assert f'action="{reverse("logout")}"' in html
    assert f'action="{reverse("language")}"' in html
    assert "王局" in html

    client.force_login(world.coord_helping)
    html = client.get(reverse("my_school")).content.decode()
    assert f'href="{reverse("my_school")}"' in html
    assert f'href="{reverse("dashboard")}"' not in html

    staff = UserFactory(username="staffer", is_staff=True)
    client.force_login(staff)
    html = client.get("/").content.decode()
    assert 'href="/admin/"' in html
    assert f'href="{reverse("schools:pairing_list")}"' not in html


def test_navigation_shows_the_unread_count(client, world):
    for n in range(3):
        tell(world.bureau, f"k{n}", f"通知{n}")
    client.force_login(world.bureau)
    response = client.get(reverse("dashboard"))
    assert response.context["unread_notifications"] == 3
    assert '<span class="count-badge"' in response.content.decode()


def test_a_long_title_with_a_line_break_is_kept_on_one_line_and_emailed(world, mailoutbox):
    """An activity's title (up to 200 characters, line breaks and all) goes into a longer
    reminder title: it is cut to fit and put on one line, so the run goes on."""
    title = "明天 09:00：" + "送教\n下乡" * 60
    sent = tell(world.bureau, "long", title)
    assert len(sent.title) == 200 and "\n" not in sent.title and sent.title.endswith("…")
    assert mailoutbox[0].subject == sent.title


def test_a_mail_server_down_keeps_the_notification_and_the_email_goes_out_when_it_is_back(
    world, monkeypatch, mailoutbox
):
    import smtplib

    from django.core.mail import EmailMessage

    send, down = EmailMessage.send, [2]

    def flaky(message, *args, **kwargs):
        if down[0]:
            down[0] -= 1
            raise smtplib.SMTPServerDisconnected("mail server down")
        return send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", flaky)
    kept = tell(world.bureau, "k", "待审批")
    assert kept.in_app and kept.read_at is None  # in the app whatever the mail server does
    email = Delivery.objects.get(recipient=world.bureau, channel="email", key="k")
    # Tried again with backoff (at once here: tasks run eagerly): down twice, then sent.
    assert (email.status, email.attempts, email.answer) == ("sent", 3, "ok")
    assert [m.subject for m in mailoutbox] == ["待审批"]
    tell(world.bureau, "k", "待审批")  # the next run of the same event sends nothing more
    assert len(mailoutbox) == 1


def test_an_email_the_mail_server_keeps_refusing_is_given_up_and_logged(
    world, monkeypatch, mailoutbox, settings
):
    import smtplib

    from django.core.mail import EmailMessage

    def refuse(message, *args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no such user")})

    monkeypatch.setattr(EmailMessage, "send", refuse)
    tell(world.bureau, "k", "待审批")
    email = Delivery.objects.get(recipient=world.bureau, channel="email")
    assert (email.status, email.attempts) == ("failed", settings.EMAIL_MAX_ATTEMPTS)
    assert "no such user" in email.answer
    assert Notification.objects.filter(recipient=world.bureau, key="k").exists()


def test_every_email_links_to_the_page_of_preferences(world, mailoutbox):
    tell(world.bureau, "k", "待审批", body="请审批", url="/pairings/1/")
    [email] = mailoutbox
    settings_url = "http://127.0.0.1:8000" + reverse("notification_settings")
    assert "请审批" in email.body and "http://127.0.0.1:8000/pairings/1/" in email.body
    assert settings_url in email.body
    assert email.extra_headers["List-Unsubscribe"] == f"<{settings_url}>"


# --- home ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "target"),
    [("bureau", "dashboard"), ("inspector", "dashboard"), ("coord_helping", "my_school")],
)
def test_home_redirects_by_role(client, world, persona, target):
    client.force_login(getattr(world, persona))
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse(target)


def test_home_sends_the_administrator_to_the_dashboard(client, world):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/").url == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


def test_teacher_home_lists_the_pairings_of_their_school(client, world, active, far_pairing):
    client.force_login(world.mentor)
    response = client.get("/")
    assert response.status_code == 200
    assert "schools/teacher_home.html" in templates_of(response)
    html = response.content.decode()
    assert reverse("schools:pairing_detail", args=[active.pk]) in html
    assert "西山山村小学" in html
    assert reverse("schools:pairing_detail", args=[far_pairing.pk]) not in html


def test_teacher_home_without_pairings_shows_an_empty_state(client, world):
    client.force_login(world.mentee)
    response = client.get("/")
    assert response.status_code == 200
    assert 'class="empty-state"' in response.content.decode()


def test_user_without_a_role_gets_a_friendly_page(client, world):
    client.force_login(UserFactory(username="newcomer"))
    response = client.get("/")
    assert response.status_code == 200
    assert "schools/no_role.html" in templates_of(response)


# --- dashboard ----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coord_helping", "mentor"])
def test_dashboard_is_forbidden_to_schools(client, world, persona):
    client.force_login(getattr(world, persona))
    assert client.get(reverse("dashboard")).status_code == 403


def test_dashboard_is_forbidden_to_a_user_without_a_role(client, world):
    client.force_login(UserFactory(username="newcomer"))
    assert client.get(reverse("dashboard")).status_code == 403


def test_dashboard_shows_counts_and_the_approval_queue(client, world, proposed):
    client.force_login(world.bureau)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    counts = dict((value, n) for value, _label, n in response.context["counts"]["by_status"])
    assert counts["proposed"] == 1 and response.context["counts"]["total"] == 1
    [row] = response.context["queue"]
    assert row["pairing"]["id"] == proposed.pk and row["days"] == 0 and not row["overdue"]
    html = response.content.decode()
    assert reverse("schools:pairing_detail", args=[proposed.pk]) in html
    assert "张联络" in html  # who proposed
    assert "江城市城乡学校结对帮扶" in html  # pairings by programme
    [entry] = response.context["by_programme"]
    assert entry["total"] == 1 and sum(entry["cells"]) == 1


def test_dashboard_flags_a_proposal_waiting_too_long(client, world, proposed, settings):
    settings.APPROVAL_WAITING_WARN_DAYS = 7
    Pairing.objects.filter(pk=proposed.pk).update(proposed_at=timezone.now() - dt.timedelta(days=8))
    client.force_login(world.bureau)
    response = client.get(reverse("dashboard"))
    [row] = response.context["queue"]
    assert row["days"] == 8 and row["overdue"]
    assert 'class="overdue"' in response.content.decode()


def test_dashboard_queue_leaves_out_what_the_user_proposed(client, world, draft):
    school_services.pairing_propose(actor=world.bureau, pairing=draft)
    client.force_login(world.bureau)
    response = client.get(reverse("dashboard"))
    assert response.context["queue"] == []
    # The count by status says 1 proposed: the page says why it is not listed …
    html = response.content.decode()
    assert response.context["split"] == {"decidable": 0, "own": 1, "elsewhere": 0}
    assert "您自己提出的" in html.split('id="proposals-elsewhere"')[1].split("</p>")[0]
    # … and the pairing's page why it offers no approval.
    page = client.get(reverse("schools:pairing_detail", args=[draft.pk])).content.decode()
    assert "由您提出" in page.split('id="unavailable"')[1].split("</section>")[0]
    assert reverse("schools:pairing_transition", args=[draft.pk, "approve"]) not in page
    client.force_login(world.bureau2)
    response = client.get(reverse("dashboard"))
    assert len(response.context["queue"]) == 1
    assert response.context["split"] == {"decidable": 1, "own": 0, "elsewhere": 0}
    assert 'id="proposals-elsewhere"' not in response.content.decode()
    page = client.get(reverse("schools:pairing_detail", args=[draft.pk])).content.decode()
    assert 'id="unavailable"' not in page
    assert reverse("schools:pairing_transition", args=[draft.pk, "approve"]) in page


def test_the_dashboard_says_which_proposals_another_regions_bureau_decides(client, world, proposed):
    # A county's bureau sees the city programme's proposal of its school, but the city's
    # bureau decides it.
    east = assign(UserFactory(username="east_bureau"), Role.BUREAU, region=world.east)
    client.force_login(east)
    response = client.get(reverse("dashboard"))
    assert response.context["split"] == {"decidable": 0, "own": 0, "elsewhere": 1}
    assert 'id="proposals-elsewhere"' in response.content.decode()
    page = client.get(reverse("schools:pairing_detail", args=[proposed.pk])).content.decode()
    assert world.city.name in page.split('id="unavailable"')[1].split("</section>")[0]


def test_inspector_sees_counts_but_no_approval_queue(client, world, proposed):
    client.force_login(world.inspector)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert response.context["counts"]["total"] == 1
    assert response.context["queue"] is None
    assert 'id="approval-queue"' not in response.content.decode()


def test_outsider_dashboard_counts_nothing_of_another_city(client, world, proposed):
    client.force_login(world.outsider)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert response.context["counts"]["total"] == 0
    assert response.context["queue"] == []
    assert response.context["by_programme"] == []
    html = response.content.decode()
    assert "江城" not in html and "西山" not in html


def test_dashboard_runs_a_constant_number_of_queries(
    client, world, proposed, django_assert_num_queries, settings
):
    settings.COMPLIANCE_CACHE_SECONDS = 0  # count the exchange targets, not the cache
    client.force_login(world.bureau)
    # (The session comes from the cache.) 1 user, 2 role assignments, 3 bureau region
    # subtree; 4 counts by programme and status; 5 approval queue rows (programme and
    # proposer joined), 6 the names of their member schools; 7 the live pairings for
    # the exchange targets (none: nothing more to count); funding: 8 the requests
    # waiting for a decision, 9 the pairings at the edge of the scope, 10-11 the totals
    # (ledger, reserved; nothing allocated: no chart); evaluation: 12 the scorecards
    # waiting for finalisation (count and first due date), 13 the region documents last
    # issued; 14 unread count (navigation); 15 the proposals split (own, elsewhere).
    with django_assert_num_queries(15):
        client.get(reverse("dashboard"))
    programme = ProgrammeFactory(name="江城市第二期", region=world.city)
    for _n in range(4):
        helping = SchoolFactory(region=world.east)
        assisted = SchoolFactory(region=world.west)
        pairing = school_services.pairing_create(
            actor=world.bureau2,
            programme=programme,
            helping_school=helping,
            assisted_schools=[assisted],
        )
        school_services.pairing_propose(actor=world.bureau2, pairing=pairing)
    with django_assert_num_queries(15):
        response = client.get(reverse("dashboard"))
    assert len(response.context["queue"]) == 5


# --- my school ----------------------------------------------------------------------


def test_my_school_shows_the_school_and_its_pairings(client, world, draft):
    tell(world.coord_helping, "k", "通知")
    client.force_login(world.coord_helping)
    response = client.get(reverse("my_school"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "江城实验小学" in html and "3451000001" in html
    assert "西山山村小学" in html  # the partner
    assert reverse("schools:pairing_detail", args=[draft.pk]) in html
    assert reverse("schools:pairing_create") in html
    assert 'class="button button-prominent"' in html
    assert response.context["unread_notifications"] == 1
    [entry] = response.context["entries"]
    assert [row["pairing"] for row in entry["pairings"]] == [draft]


def test_my_school_without_pairings_shows_an_empty_state(client, world):
    client.force_login(world.coord_helping)
    response = client.get(reverse("my_school"))
    assert response.status_code == 200
    assert 'class="empty-state"' in response.content.decode()
    assert reverse("schools:pairing_create") in response.content.decode()


def test_my_school_is_for_coordinators(client, world):
    for persona in (world.bureau, world.inspector, world.mentor):
        client.force_login(persona)
        assert client.get(reverse("my_school")).status_code == 403


# --- notifications ------------------------------------------------------------------


def _notify(user, n, url=""):
    return tell(user, f"test:{n}", f"通知{n}", body="正文", url=url)


def test_notifications_are_listed_newest_first_and_unread_highlighted(client, world):
    first = _notify(world.bureau, 1)
    second = _notify(world.bureau, 2)
    Notification.objects.filter(pk=first.pk).update(read_at=timezone.now())
    _notify(world.bureau2, 3)
    client.force_login(world.bureau)
    response = client.get(reverse("notifications"))
    assert response.status_code == 200
    assert list(response.context["page_obj"].object_list) == [second, first]
    html = response.content.decode()
    assert html.count("notification unread") == 1
    assert "通知3" not in html


def test_notifications_are_paginated(client, world):
    for n in range(30):
        _notify(world.bureau, n)
    client.force_login(world.bureau)
    response = client.get(reverse("notifications"))
    assert len(response.context["page_obj"].object_list) == 25
    assert "?page=2" in response.content.decode()
    assert len(client.get(reverse("notifications") + "?page=2").context["page_obj"]) == 5


def test_reading_a_notification_marks_it_and_follows_its_link(client, world):
    notification = _notify(world.bureau, 1, url="/schools/")
    client.force_login(world.bureau)
    url = reverse("notification_read", args=[notification.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response.url == "/schools/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_notification_never_links_off_site(client, world):
    notification = _notify(world.bureau, 1, url="https://evil.example/")
    client.force_login(world.bureau)
    response = client.post(reverse("notification_read", args=[notification.pk]))
    assert response.url == reverse("notifications")


def test_another_users_notification_answers_404(client, world):
    notification = _notify(world.bureau2, 1)
    client.force_login(world.bureau)
    response = client.post(reverse("notification_read", args=[notification.pk]))
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_read_all(client, world):
    for n in range(3):
        _notify(world.bureau, n)
    other = _notify(world.bureau2, 9)
    client.force_login(world.bureau)
    assert client.get(reverse("notifications_read_all")).status_code == 405
    response = client.post(reverse("notifications_read_all"))
    assert response.url == reverse("notifications")
    assert not world.bureau.notifications.filter(read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_notifications_run_a_constant_number_of_queries(client, world, django_assert_num_queries):
    _notify(world.bureau, 0)
    client.force_login(world.bureau)
    # (The session comes from the cache.) 1 user, 2 paginator count, 3 the page of
    # notifications; then the navigation: 4 role assignments, 5 bureau region subtree,
    # 6 unread count.
    with django_assert_num_queries(6):
        client.get(reverse("notifications"))
    for n in range(1, 40):
        _notify(world.bureau, n)
    with django_assert_num_queries(6):
        client.get(reverse("notifications"))


def test_a_missing_page_answers_the_translated_404_page(client, world):
    client.force_login(world.bureau)
    response = client.get("/pairings/987654/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and "返回首页" in page


def test_a_refused_request_is_logged_once_as_a_warning_without_a_traceback(client, world, caplog):
    import logging

    client.force_login(world.mentor)
    with caplog.at_level(logging.INFO):
        assert client.get("/notifications/defaults/").status_code == 403
    refused = [r for r in caplog.records if "/notifications/defaults/" in r.getMessage()]
    assert len(refused) == 1
    assert refused[0].levelname == "WARNING" and refused[0].exc_info is None
    # Django's records are printed by the root's handler only, not a second time.
    assert logging.getLogger("django").handlers == []
