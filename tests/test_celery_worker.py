"""A proposal reaches the approvers through a real Celery worker.

Under CI the broker is the Redis on 127.0.0.1; elsewhere the embedded file-system
broker. The worker runs in a thread of this process, against the committed data.
"""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from schools import services
from schools.tasks import notify_pairing_proposed
from twinning.celery import app as celery_app
from twinning.models import Notification


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_proposal_notifies_each_approver_once_through_a_real_worker(world, draft, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        services.pairing_propose(actor=world.coord_helping, pairing=draft, comment="请审批")
        assert _wait_for(lambda: Notification.objects.count() == 2)
        assert _wait_for(lambda: len(mail.outbox) == 2)

    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    # Both bureau users of the city may approve; the proposer, the inspector and the
    # outsider are not told.
    assert recipients == {"bureau", "bureau2"}
    assert {m.to[0] for m in mail.outbox} == {world.bureau.email, world.bureau2.email}

    # A retry or a duplicate delivery sends nothing twice.
    transition = draft.transitions.get(to_status="proposed")
    notify_pairing_proposed.apply(args=[transition.pk])
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 2


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_weekly_reminder_runs_twice_on_a_real_worker_and_reminds_once(
    world, active, settings, monkeypatch
):
    import datetime as dt

    from teachers import services as teacher_services
    from teachers.tasks import remind_mentorships_behind

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr("twinning.calendar.today", lambda: dt.date(2026, 11, 20))  # a Friday
    mentor = teacher_services.teacher_create(
        actor=None, school=world.helping, name="陈红梅", first_employed_year=2005, user=world.mentor
    )
    mentee = teacher_services.teacher_create(
        actor=None,
        school=world.assisted,
        name="赵小燕",
        first_employed_year=2024,
        user=world.mentee,
    )
    teacher_services.mentorship_create(
        actor=world.bureau, mentor=mentor, mentee=mentee, subject="语文", start=dt.date(2026, 9, 1)
    )
    celery_app.conf.task_always_eager = False
    reminders = Notification.objects.filter(key="mentorship-behind:2026-W47")
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        remind_mentorships_behind.delay()
        remind_mentorships_behind.delay()  # a second beat, or a duplicate delivery
        assert _wait_for(lambda: reminders.count() == 2)
        time.sleep(2)  # the second run has had its chance

    assert sorted(reminders.values_list("recipient__username", flat=True)) == ["mentee", "mentor"]
    titles = set(reminders.values_list("title", flat=True))
    assert len([m for m in mail.outbox if m.subject in titles]) == 2


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_long_file_is_checked_and_imported_by_a_real_worker(world, settings):
    from teachers.models import Teacher
    from twinning import imports
    from twinning.models import ImportBatch

    settings.IMPORT_BACKGROUND_ROWS = 2
    lines = "".join(f"3451000001,后台{i},BG-{i}\n" for i in range(6))
    content = ("学校标识码,姓名,工号\n" + lines).encode()
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        batch = imports.import_upload(
            actor=world.coord_helping, kind=imports.KINDS["teachers"], filename="long.csv",
            content=content,
        )  # fmt: skip
        assert batch.status == ImportBatch.Status.CHECKING
        assert _wait_for(lambda: ImportBatch.objects.get(pk=batch.pk).status == "ready")
        batch.refresh_from_db()
        assert batch.counts["new"] == 6
        assert not Teacher.objects.filter(name__startswith="后台").exists()

        batch = imports.import_confirm(actor=world.coord_helping, batch=batch)
        assert batch.status == ImportBatch.Status.IMPORTING
        assert _wait_for(lambda: ImportBatch.objects.get(pk=batch.pk).status == "imported")
    assert Teacher.objects.filter(name__startswith="后台").count() == 6
    batch.refresh_from_db()
    assert imports.progress_of(batch) == 6
