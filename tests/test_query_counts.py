"""Pages and downloads that list records run a fixed number of queries, however many
records there are (DESIGN.md §6). The big lists (pairings, schools, programmes,
dashboard, notifications, API) have their own tests beside their features; these are
the remaining ones."""

import datetime as dt

import pytest
from django.urls import reverse

from schools import services
from twinning import calendar

from .factories import ProgrammeFactory, SchoolFactory

# Every signed-in page starts with: 1 user, 2 role assignments (the session comes from
# the cache); region roles add 3 the region subtree. Pages with the navigation end with
# the unread count.


def grow(world, count: int, school) -> None:
    """``count`` more approved pairings of ``school``, each in a programme of its own,
    and as many drafts of new schools in the world's programme."""
    for _n in range(count):
        services.pairing_create(
            actor=world.bureau,
            programme=world.programme,
            helping_school=SchoolFactory(region=world.east),
            assisted_schools=[SchoolFactory(region=world.west)],
        )
        programme = ProgrammeFactory(region=world.city)
        pairing = services.pairing_create(
            actor=world.bureau,
            programme=programme,
            helping_school=school,
            assisted_schools=[SchoolFactory(region=world.west)],
        )
        services.pairing_propose(actor=world.bureau, pairing=pairing)
        services.pairing_approve(actor=world.bureau2, pairing=pairing)


def fetch(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    if response.streaming:  # a download's queries run as it streams
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


@pytest.mark.parametrize(
    ("persona", "page", "expected"),
    [
        # 3 the coordinator's school, 4 its pairings (programme, region, helping school
        # joined), 5 their members with schools; the home sections: 6 the user's teacher
        # record (mentorships, exchanges; none here), 7 the scorecards waiting for the
        # school; 8 unread count.
        ("coord_helping", lambda w: reverse("my_school"), 8),
        # 3 the school, 4 unread count, 5 its pairings, 6 their members with schools.
        ("coord_helping", lambda w: reverse("schools:school_detail", args=[w.helping.pk]), 6),
        # 3 the teacher's record (the mentorships section; none here), 4 the teacher's
        # school, 5 its pairings, 6 their members, then 7 unread count.
        ("mentor", lambda w: reverse("home"), 7),
        # 3 region subtree, 4 the programme, 5 paginator count, 6 counts by status,
        # 7 the programme's recent changes with their users, 8 unread count, 9 the page of
        # pairings, 10 their members with schools.
        (
            "bureau",
            lambda w: reverse("schools:programme_detail", args=[w.programme.pk]),
            10,
        ),
        # 3 region subtree, 4 the pairings, 5 their members with schools.
        ("bureau", lambda w: reverse("schools:pairing_export"), 5),
        # 3 region subtree, 4 the schools with their regions.
        ("bureau", lambda w: reverse("schools:school_export"), 4),
        # 3 region subtree, 4 the programmes with their regions.
        ("bureau", lambda w: reverse("schools:programme_export_csv"), 4),
    ],
    ids=["my_school", "school_detail", "teacher_home", "programme_detail", "pairing_csv",
         "school_csv", "programme_csv"],
)  # fmt: skip
def test_page_runs_a_constant_number_of_queries(
    client, world, active, persona, page, expected, django_assert_num_queries
):
    client.force_login(getattr(world, persona))
    url = page(world)
    with django_assert_num_queries(expected):
        fetch(client, url)
    grow(world, 4, world.helping)
    with django_assert_num_queries(expected):
        body = fetch(client, url)
    # The new rows are really there: links to five pairings, or five more CSV lines.
    assert body.count("/pairings/") >= 5 or len(body.splitlines()) >= 6


# --- the downloads of the other lists ------------------------------------------------------
# Each grows its own rows: ``add(scene, n)`` makes the n-th more.


@pytest.fixture
def scene(world, active):
    """The active pairing with money, a mentorship, a student and an aid scheme; bureau2
    holds the aid right."""
    from funding import services as funding_services
    from teachers import services as teacher_services
    from twinning.models import Role

    from .factories import assign

    s = world
    s.pairing = active
    assign(s.bureau2, Role.AID, region=s.city)
    s.budget = funding_services.budget_create(
        actor=s.bureau, region=s.city, programme=s.programme, source="专项", fiscal_year=2026,
        amount="1000000", purpose="结对帮扶",
    )  # fmt: skip
    allocation = funding_services.allocation_create(actor=s.bureau, budget=s.budget, pairing=active)
    funding_services.tranche_release(actor=s.bureau, tranche=allocation.tranches.get(number=1))
    mentor = teacher_services.teacher_create(actor=None, school=s.helping, name="陈红梅",
                                             first_employed_year=2005, user=s.mentor)  # fmt: skip
    mentee = teacher_services.teacher_create(actor=None, school=s.assisted, name="赵小燕",
                                             first_employed_year=2024, user=s.mentee)  # fmt: skip
    s.mentorship = teacher_services.mentorship_create(
        actor=s.coord_helping, mentor=mentor, mentee=mentee, subject="语文",
        start=calendar.today() - dt.timedelta(days=30),
    )  # fmt: skip
    s.student = funding_services.student_create(
        actor=s.coord_assisted, school=s.assisted, name="张小明", gender="m", grade="3",
        class_name="三(2)班", guardian_name="张父", guardian_phone="13900001111",
    )  # fmt: skip
    return s


def add_budget(s, n):
    from funding import services as funding_services

    funding_services.budget_create(
        actor=s.bureau, region=s.city, source=f"专项{n}", fiscal_year=2027, amount="1000",
        purpose="结对", ring_fenced=False,
    )  # fmt: skip


def add_request(s, n):
    from .conftest import request_money

    request_money(s, s.pairing, amount=f"{100 + n}.00")


def add_resource(s, n):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from activities import services as activity_services

    activity_services.resource_share(
        actor=s.coord_helping, pairing=s.pairing, title=f"教案{n}", category="lesson_plan",
        upload=SimpleUploadedFile("教案.pdf", b"%PDF-1.4 plan"),
    )  # fmt: skip


def add_import(s, n):
    from twinning import imports

    imports.import_upload(
        actor=s.coord_helping, kind=imports.KINDS["teachers"], filename=f"教师{n}.csv",
        content=f"学校标识码,姓名\n3451000001,老师{n}\n".encode(),
    )  # fmt: skip


def add_record(s, n):
    from teachers import services as teacher_services

    teacher_services.record_file(
        actor=s.mentee, mentorship=s.mentorship, kind="reading_note",
        date=calendar.today() - dt.timedelta(days=n), content=f"笔记{n}",
    )  # fmt: skip


def add_student(s, n):
    from funding import services as funding_services

    funding_services.student_create(
        actor=s.coord_assisted, school=s.assisted, name=f"学生{n}", gender="f", grade="4",
        class_name="四(1)班", guardian_name="家长", guardian_phone=f"1390000{n:04}",
    )  # fmt: skip


def add_scheme(s, n):
    from funding import services as funding_services

    return funding_services.aid_scheme_create(
        actor=s.bureau2, region=s.city, name=f"补助{n}", kind="national_grant", form="money",
        period="year",
        tiers=[{"name": "一档", "amount": "1250"}, {"name": "二档", "amount": "800"}],
    )  # fmt: skip


def add_notice(s, n):
    """A scheme of its own, the student's application to it under review, and its notice."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from funding import services as funding_services
    from funding.models import AidStep

    scheme = add_scheme(s, n)
    application = funding_services.aid_application_create(
        actor=s.coord_assisted, student=s.student, scheme=scheme, tier=scheme.tiers.first(),
        school_year=2026,
    )  # fmt: skip
    for step in AidStep.values:
        signed = step == "guardian_signature"
        files = [SimpleUploadedFile("签字.pdf", b"%PDF-1.4 s")] if signed else []
        funding_services.aid_step_record(
            actor=s.coord_assisted, application=application, step=step,
            done_on=calendar.today(), files=files,
        )  # fmt: skip
    funding_services.aid_application_submit(actor=s.coord_assisted, application=application)
    funding_services.aid_notice_open(
        actor=s.coord_assisted, school=s.assisted, scheme=scheme, period="2026",
        starts_on=calendar.today(),
    )  # fmt: skip


def add_reading(s, n):
    from funding.privacy import log_access

    log_access(s.coord_assisted, "view", f"读{n}", [s.student])


@pytest.mark.parametrize(
    ("persona", "name", "add", "expected"),
    [
        # 3 region subtree, 4 the budgets (region, programme joined), 5-6 their balances.
        ("bureau", "funding:budget_export_csv", add_budget, 6),
        # 3 region subtree, 4 the waiting requests (school, payee, requester, helping
        # school joined; the user's own and touched left out in a subquery).
        ("bureau", "funding:approval_queue_export_csv", add_request, 4),
        # 3 region subtree, 4 the pairings whose library the user reads, 5 the resources
        # (school, uploader joined).
        ("bureau", "activities:resource_export_csv", add_resource, 5),
        # 3 region subtree, 4 the imports (uploader joined, the files left out).
        ("bureau", "imports:history_export_csv", add_import, 4),
        # 2 the records waiting (mentee joined): the queue is the user's own, no scope.
        ("mentor", "teachers:review_queue_export_csv", add_record, 2),
        # 3 the students (school joined), 4 the access log (one insert for all).
        ("coord_assisted", "funding:student_export_csv", add_student, 4),
        # 3-4 region subtrees (bureau, aid), 5 the schemes, 6 their tiers.
        ("bureau2", "funding:aid_scheme_export_csv", add_scheme, 6),
        # 3-4 region subtrees, 5 the notices (scheme, school joined).
        ("bureau2", "funding:aid_notice_export_csv", add_notice, 5),
        # 3-4 region subtrees, 5 the students the log names, 6 the download's own lines
        # (one insert), 7 the log (user, student joined).
        ("bureau2", "funding:aid_access_log_export_csv", add_reading, 7),
    ],
    ids=["budgets", "approvals", "resources", "imports", "review_queue", "students",
         "aid_schemes", "aid_notices", "access_log"],
)  # fmt: skip
def test_download_runs_a_constant_number_of_queries(
    client, scene, persona, name, add, expected, django_assert_num_queries
):
    client.force_login(getattr(scene, persona))
    url = reverse(name)
    add(scene, 0)
    with django_assert_num_queries(expected):
        before = fetch(client, url)
    for n in range(1, 4):
        add(scene, n)
    with django_assert_num_queries(expected):
        after = fetch(client, url)
    # The new rows are really there.
    assert len(after.splitlines()) >= len(before.splitlines()) + 3


# --- pages of the same lists whose rows carry more ----------------------------------------


def add_discussed_record(s, n):
    """A record with a photo and a comment from each side."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from teachers import services as teacher_services

    photo = SimpleUploadedFile(f"板书{n}.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    record = teacher_services.record_file(
        actor=s.mentee, mentorship=s.mentorship, kind="reading_note",
        date=calendar.today() - dt.timedelta(days=n), content=f"笔记{n}", attachments=[photo],
    )  # fmt: skip
    teacher_services.record_comment(actor=s.mentor, record=record, text=f"意见{n}")
    teacher_services.record_comment(actor=s.mentee, record=record, text=f"回复{n}")


@pytest.mark.parametrize(
    ("persona", "name", "query", "add", "expected"),
    [
        # 2 paginator count, 3 the records waiting (mentee joined), 4 their files, 5 their
        # comments (authors joined); the queue is the user's own, no scope: 6 the role
        # assignments for the navigation, 7 unread count.
        ("mentor", "teachers:review_queue", {}, add_discussed_record, 7),
        # 3-4 region subtrees (bureau, aid), 5 paginator count, 6 the page of the log
        # (user, student joined), 7 unread count; searched by name.
        ("bureau2", "funding:aid_access_log", {"q": "刘"}, add_reading, 7),
    ],
    ids=["review_queue", "access_log"],
)  # fmt: skip
def test_list_page_runs_a_constant_number_of_queries(
    client, scene, persona, name, query, add, expected, django_assert_num_queries
):
    client.force_login(getattr(scene, persona))
    url = reverse(name)
    add(scene, 0)
    with django_assert_num_queries(expected):
        before = client.get(url, query)
    for n in range(1, 4):
        add(scene, n)
    with django_assert_num_queries(expected):
        after = client.get(url, query)
    shown = after.context["records"] if "records" in after.context else after.context["entries"]
    assert len(list(shown)) >= len(list(before.context.get("records") or
                                        before.context["entries"])) + 3  # fmt: skip
