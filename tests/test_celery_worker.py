"""A proposal reaches the approvers through a real Celery worker.

Under CI the broker is the Redis on 127.0.0.1; elsewhere the embedded file-system
broker. The worker runs in a thread of this process, against the committed data; the
last test's runs in a process of its own, which it kills (CI only).
"""

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection

from schools import services
from schools.tasks import notify_pairing_proposed
from tests.chat_servers import wecom  # noqa: F401 – the fixture
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
    from twinning.tasks import run_reminder

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
    reminders = Notification.objects.filter(kind="mentorship-behind", key="2026-W47")
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        run_reminder.delay("mentorship-behind")
        run_reminder.delay("mentorship-behind")  # a second beat, or a duplicate delivery
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


# --- a build killed with its worker ---------------------------------------------------------
# The worker runs in its own process (a thread cannot be killed), so it needs a database and
# a broker that another process reaches: the PostgreSQL and Redis of CI. It loads
# tests/worker_blocking_build.py, whose builder stops halfway through its PDF until told.

needs_ci_services = pytest.mark.skipif(
    "connection.vendor != 'postgresql' or not django_settings.REDIS_URL",
    reason="a worker in its own process needs the PostgreSQL and Redis of CI",
)
# This test's own queue: no other worker takes its builds, nor it theirs.
KILL_QUEUE = "test-killed-build"


def _database_url() -> str:
    db = connection.settings_dict  # the test database's, under pytest-django
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{user}:{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def _parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


@contextlib.contextmanager
def worker_process(folder: Path, gate: Path):
    """A prefork worker of one pool child in a process group of its own, taking this
    test's queue, with the blocking builder loaded; stopped (and its group killed) on
    the way out, whatever happened."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "twinning.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": django_settings.REDIS_URL,
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "TWINNING_VAR_DIR": str(folder / "var"),
        "BLOCKING_BUILD_DIR": str(gate),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "twinning", "worker", "--pool=prefork",
        "--concurrency=1", "--queues", KILL_QUEUE, "--include", "tests.worker_blocking_build",
        "--hostname", f"killed-build-{os.getpid()}@%h", "--without-gossip", "--without-mingle",
        "--without-heartbeat", "--loglevel=INFO",
    ]  # fmt: skip
    with open(folder / "worker.log", "wb") as log:
        worker = subprocess.Popen(
            command, cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            yield worker
        finally:
            (gate / "abort").touch()  # a build still waiting gives up at once
            if worker.poll() is None:
                worker.terminate()  # the warm shutdown
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait(timeout=10)
            # A pool child outliving its parent is in the same group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)


def _worker_log(folder: Path) -> str:
    return (folder / "worker.log").read_text(errors="replace")[-3000:]


@needs_ci_services
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_build_issues_nothing_and_the_redelivered_build_completes(
    world, active, tmp_path, monkeypatch
):
    from evaluation import services as evaluation_services
    from evaluation import tasks as evaluation_tasks
    from evaluation.models import Document, DocumentStatus
    from tests.test_documents import files_under, text_of
    from tests.test_evaluation import to_inspected

    card = to_inspected(world, evaluation_services.scorecard_open(pairing=active, year=1), "3")
    # Finalising asks for the year's PDF and enqueues its build on commit: caught here …
    enqueued = []
    monkeypatch.setattr(evaluation_tasks.build_document, "delay", enqueued.append)
    evaluation_services.scorecard_finalise(actor=world.bureau, scorecard=card)
    monkeypatch.undo()
    document = Document.objects.get()
    assert enqueued == [document.pk] and document.status == DocumentStatus.QUEUED

    def final_files():
        return [name for name in files_under("documents") if not name.startswith("documents/tmp/")]

    gate = tmp_path / "gate"
    gate.mkdir()
    celery_app.conf.task_always_eager = False
    with celery_app.connection_for_write() as broker:
        broker.default_channel.queue_purge(KILL_QUEUE)  # a message left by an aborted run
    with worker_process(tmp_path, gate) as worker:
        # … and sent to this test's worker.
        evaluation_tasks.build_document.apply_async(args=[document.pk], queue=KILL_QUEUE)
        first = gate / f"started-{document.pk}-1"
        assert _wait_for(first.exists, timeout=90), _worker_log(tmp_path)
        child = int(first.read_text())
        assert _parent_of(child) == worker.pid  # the pool child of this test's worker
        os.kill(child, signal.SIGKILL)

        # Killed halfway: nothing issued, whatever the redelivery has done meanwhile.
        document.refresh_from_db()
        assert document.status == DocumentStatus.BUILDING and not document.pdf
        assert final_files() == [] and files_under("documents/tmp")

        # The message comes back (late acknowledgement, rejected when its worker was
        # lost) to a new pool child, which clears the half file away and builds again.
        second = gate / f"started-{document.pk}-2"
        assert _wait_for(second.exists, timeout=60), _worker_log(tmp_path)
        assert int(second.read_text()) != child and worker.poll() is None
        document.refresh_from_db()
        assert (document.status, document.attempts) == (DocumentStatus.BUILDING, 2)
        assert files_under("documents") == list(document.temporary.values())
        assert final_files() == [] and not document.pdf

        (gate / f"release-{document.pk}-2").touch()
        assert _wait_for(
            lambda: Document.objects.get(pk=document.pk).status == DocumentStatus.READY,
            timeout=60,
        ), _worker_log(tmp_path)
    assert worker.poll() is not None

    document.refresh_from_db()
    assert document.attempts == 2 and document.temporary == {} and document.error == ""
    data = document.pdf.read()
    assert data.startswith(b"%PDF-") and b"half a document" not in data
    assert (len(data), hashlib.sha256(data).hexdigest()) == (document.size, document.checksum)
    assert "江城实验小学" in "\n".join(text_of(data))
    assert files_under("documents") == [document.pdf.name]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_coordinators_notification_reaches_the_wecom_group_through_a_real_worker(
    world, wecom, settings
):
    from twinning.models import Delivery
    from twinning.notify.services import notify, preference_set

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    robot = wecom.robot(actor=world.coord_helping, school=world.helping, name="实验小学群")
    preference_set(actor=world.coord_helping, kind="activity-tomorrow", channels=["in_app", "chat"])
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        notify(kind="activity-tomorrow", key="activity:7:2026-11-20",
               recipients=[world.coord_helping], url="/activities/7/",
               message=lambda user: ("明天有交流活动：语文同课异构", "三楼会议室"))  # fmt: skip
        assert _wait_for(lambda: len(wecom.messages()) == 1)
        assert _wait_for(lambda: Delivery.objects.get(robot=robot).status == "sent")

    (message,) = wecom.messages()
    assert message.token == robot.token
    assert "明天有交流活动：语文同课异构" in message.text
    assert message.text.endswith("/activities/7/")
    assert Notification.objects.get(recipient=world.coord_helping).in_app
