"""The report archive (evaluation/documents/): the yearly PDF evaluation of a pairing,
built by Celery when its scorecard is finalised, versioned and superseded when it is
finalised again, published only whole, requeued when stuck, and read by exactly those
who read the scorecard."""

import datetime as dt
import io
import time

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from evaluation import services, tasks
from evaluation.documents import services as document_services
from evaluation.documents.pairing import PairingEvaluation
from evaluation.models import Document, DocumentKind, DocumentStatus
from tests.test_evaluation import to_inspected
from tests.test_evaluation_pages import photo


@pytest.fixture
def card(world, active):
    """Year 1 of the active pairing (signed 2026-09-01), inspected (3 points a manual
    indicator), with a photo as evidence of its first manual indicator."""
    card = services.scorecard_open(pairing=active, year=1)
    first = card.scores.filter(indicator__source="manual").order_by("indicator__code").first()
    services.scorecard_self_assess(
        actor=world.coord_helping, scorecard=card, entries={},
        uploads={first.indicator_id: [photo("听课记录.jpg")]},
    )  # fmt: skip
    return to_inspected(world, card, "3")


def finalise(world, card, capture, *, build=True):
    with capture(execute=build):
        services.scorecard_finalise(actor=world.bureau, scorecard=card)
    card.refresh_from_db()
    return card


def refinalise(world, card, capture, points="4", *, build=True):
    services.scorecard_reopen(actor=world.bureau, scorecard=card, reason="督导复核")
    entries = {s.indicator_id: {"score": points}
               for s in card.scores.filter(indicator__source="manual")}  # fmt: skip
    services.scorecard_inspect(actor=world.inspector, scorecard=card, entries=entries)
    services.scorecard_finish_inspection(actor=world.inspector, scorecard=card)
    return finalise(world, card, capture, build=build)


def text_of(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def files_under(folder: str) -> list[str]:
    """Every stored file below ``folder`` of the media storage."""
    found = []
    try:
        dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return found
    found += [f"{folder}/{name}" for name in files]
    for name in dirs:
        found += files_under(f"{folder}/{name}")
    return found


# --- the document -----------------------------------------


def test_finalising_builds_the_yearly_pdf_with_both_schools_the_total_grade_and_page_count(
    world, card, django_capture_on_commit_callbacks
):
    started = time.perf_counter()
    card = finalise(world, card, django_capture_on_commit_callbacks)
    elapsed = time.perf_counter() - started
    document = Document.objects.get()
    assert document.status == DocumentStatus.READY and document.version == 1
    assert document.kind == DocumentKind.PAIRING_EVALUATION and document.pairing == card.pairing
    assert document.region_id == card.region_id and document.requested_by == world.bureau
    assert document.pdf.name.startswith(f"documents/{timezone.now():%Y/%m}/")
    data = document.pdf.read()
    assert len(data) == document.size and len(document.checksum) == 64
    pages = text_of(data)
    text = "\n".join(pages)
    assert "江城实验小学" in text and "西山山村小学" in text
    assert str(card.total) in text and card.get_grade_display() in text
    # The bureau reads Chinese: the footer counts the pages in Chinese, on every page.
    assert all(f"第 {n} 页 / 共 {len(pages)} 页" in page for n, page in enumerate(pages, 1))
    assert "听课记录.jpg" in text  # the evidence list
    assert "孙督导" in text and "王局" in text  # the signature block
    # The CJK fonts are embedded as subsets, and the whole stays small and quick.
    fonts = {font.get_object()["/BaseFont"] for page in PdfReader(io.BytesIO(data)).pages
             for font in page["/Resources"]["/Font"].values()}  # fmt: skip
    assert fonts and all("+" in name and "CJK" in name for name in fonts)
    assert len(data) < 600_000 and elapsed < 30


def test_the_pdf_is_written_in_the_requesters_language(
    world, card, django_capture_on_commit_callbacks
):
    world.bureau.language = "en"
    world.bureau.save(update_fields=["language"])
    finalise(world, card, django_capture_on_commit_callbacks)
    pages = text_of(Document.objects.get().pdf.read())
    assert all(f"Page {n} of {len(pages)}" in page for n, page in enumerate(pages, 1))
    assert "Yearly evaluation of a school pairing" in pages[0]


def test_refinalising_makes_version_2_and_version_1_downloads_stamped_superseded(
    client, world, card, django_capture_on_commit_callbacks
):
    finalise(world, card, django_capture_on_commit_callbacks)
    first = Document.objects.get()
    issued = first.pdf.read()
    refinalise(world, card, django_capture_on_commit_callbacks)
    first.refresh_from_db()
    second = Document.objects.exclude(pk=first.pk).get()
    assert (second.version, second.status) == (2, DocumentStatus.READY)
    assert first.status == DocumentStatus.SUPERSEDED and first.superseded_by == second
    assert first.superseded_at is not None
    # The issued file is kept as it was.
    assert first.pdf.read() == issued
    client.force_login(world.coord_assisted)
    old = client.get(reverse("evaluation:document_download", args=[first.pk]))
    assert old.status_code == 200 and old["Content-Type"] == "application/pdf"
    stamped = text_of(body(old))
    assert len(stamped) == len(text_of(issued))
    assert all("已作废" in page and "由第 2 版取代" in page for page in stamped)
    new = client.get(reverse("evaluation:document_download", args=[second.pk]))
    assert not any("取代" in page for page in text_of(body(new)))
    # The scorecard's page lists both versions, the old one marked.
    html = client.get(reverse("evaluation:scorecard_detail", args=[card.pk])).content.decode()
    assert 'id="documents"' in html and "badge-document-superseded" in html
    assert reverse("evaluation:document_download", args=[first.pk]) in html
    assert reverse("evaluation:document_download", args=[second.pk]) in html


def test_asking_for_the_same_document_twice_never_makes_a_second_row(
    world, card, django_capture_on_commit_callbacks
):
    finalise(world, card, django_capture_on_commit_callbacks)
    document = Document.objects.get()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = document_services.document_request(
            actor=world.bureau, kind=DocumentKind.PAIRING_EVALUATION, subject=card.pairing,
            period=1,
        )  # fmt: skip
    assert again == document and callbacks == [] and Document.objects.count() == 1
    # The database refuses a second row of the same version, and a second current one.
    for version in (1, 2):
        with pytest.raises(IntegrityError), transaction.atomic():
            Document.objects.create(
                kind=document.kind, pairing=document.pairing, region=document.region,
                period="1", period_start=document.period_start,
                period_end=document.period_end, version=version, title="重复",
            )  # fmt: skip


def test_only_the_programmes_bureau_asks_for_a_document_of_a_finalised_year(world, card):
    from django.core.exceptions import PermissionDenied, ValidationError

    ask = document_services.document_request
    with pytest.raises(PermissionDenied):
        ask(actor=world.inspector, kind=DocumentKind.PAIRING_EVALUATION, subject=card.pairing,
            period=1)  # fmt: skip
    with pytest.raises(ValidationError) as error:
        ask(actor=world.bureau, kind=DocumentKind.PAIRING_EVALUATION, subject=card.pairing,
            period=1)  # fmt: skip
    assert "period" in error.value.message_dict  # inspected, not finalised
    with pytest.raises(ValidationError) as error:
        ask(actor=world.bureau, kind=DocumentKind.QUARTERLY_SUMMARY, subject=card.pairing,
            period="2026-Q3")  # fmt: skip
    assert "subject" in error.value.message_dict  # a region's kind, not a pairing's
    assert not Document.objects.exists()


# --- building safely -----------------------------------------


def test_a_build_that_fails_halfway_leaves_nothing_ready_and_the_retry_completes_it(
    world, card, django_capture_on_commit_callbacks, monkeypatch
):
    finalise(world, card, django_capture_on_commit_callbacks, build=False)
    document = Document.objects.get()
    assert document.status == DocumentStatus.QUEUED
    written = []

    def half_then_fail(self, document, fmt, out):
        out.write(b"%PDF-1.7\n% half a document")
        written.append(files_under("documents/tmp"))
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(PairingEvaluation, "write", half_then_fail)
    with pytest.raises(RuntimeError):
        document_services.document_build(document.pk)
    document.refresh_from_db()
    assert len(written) == 1 and len(written[0]) == 1  # the temporary file was there
    assert document.status == DocumentStatus.FAILED and "renderer crashed" in document.error
    assert not document.pdf and files_under("documents") == []
    monkeypatch.undo()
    tasks.build_document.delay(document.pk)  # the task's retry
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY and document.attempts == 2
    assert files_under("documents") == [document.pdf.name]


def test_a_worker_killed_mid_build_leaves_no_ready_half_file_and_the_redelivery_builds_it(
    world, card, django_capture_on_commit_callbacks, monkeypatch
):
    finalise(world, card, django_capture_on_commit_callbacks, build=False)
    document = Document.objects.get()

    def killed(self, document, fmt, out):
        out.write(b"%PDF-1.7\n% the worker is killed here")
        raise SystemExit  # nothing of the build's own clean-up runs, as under SIGKILL

    monkeypatch.setattr(PairingEvaluation, "write", killed)
    with pytest.raises(SystemExit):
        document_services.document_build(document.pk)
    document.refresh_from_db()
    left = list(document.temporary.values())
    assert document.status == DocumentStatus.BUILDING and not document.pdf
    assert files_under("documents") == left  # only the temporary file, never a final one
    monkeypatch.undo()
    document_services.document_build(document.pk)  # the redelivered task
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY and document.temporary == {}
    assert files_under("documents") == [document.pdf.name]  # the half file cleared away
    # A second delivery of a built document changes nothing.
    assert document_services.document_build(document.pk).pdf.name == document.pdf.name


def test_the_sweep_requeues_builds_stuck_past_the_limit_and_leaves_recent_ones(
    world, card, django_capture_on_commit_callbacks, monkeypatch, settings
):
    finalise(world, card, django_capture_on_commit_callbacks, build=False)
    stuck = Document.objects.get()
    recent = Document.objects.create(
        kind=stuck.kind, pairing=stuck.pairing, region=stuck.region, period="2",
        period_start=dt.date(2027, 9, 1), period_end=dt.date(2028, 8, 31), title="第二年",
        status=DocumentStatus.BUILDING, started_at=timezone.now() - dt.timedelta(minutes=5),
    )  # fmt: skip
    limit = settings.DOCUMENT_BUILD_STUCK_MINUTES
    Document.objects.filter(pk=stuck.pk).update(
        status=DocumentStatus.BUILDING, attempts=1,
        started_at=timezone.now() - dt.timedelta(minutes=limit + 1),
    )  # fmt: skip
    sent = []
    monkeypatch.setattr(tasks.build_document, "delay", lambda pk: sent.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stuck_documents.delay().get() == 1
    assert sent == [stuck.pk]
    stuck.refresh_from_db()
    recent.refresh_from_db()
    assert stuck.status == DocumentStatus.QUEUED and recent.status == DocumentStatus.BUILDING
    # Requeued, it is built.
    monkeypatch.undo()
    tasks.build_document.delay(stuck.pk)
    stuck.refresh_from_db()
    assert stuck.status == DocumentStatus.READY


def test_the_beat_runs_the_sweep(settings):
    entries = {e["task"]: e for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "evaluation.tasks.requeue_stuck_documents" in entries
    assert tasks.build_document.acks_late and tasks.build_document.reject_on_worker_lost


# --- who reads it -----------------------------------------


def test_the_document_is_read_by_exactly_those_who_read_the_scorecard(
    client, world, card, django_capture_on_commit_callbacks
):
    finalise(world, card, django_capture_on_commit_callbacks)
    document = Document.objects.get()
    download = reverse("evaluation:document_download", args=[document.pk])
    page = reverse("evaluation:scorecard_detail", args=[card.pk])
    for persona in (world.bureau, world.inspector, world.coord_helping, world.coord_assisted):
        client.force_login(persona)
        response = client.get(download)
        assert response.status_code == 200, persona
        assert body(response).startswith(b"%PDF-")
        html = client.get(page).content.decode()
        assert 'id="documents"' in html and download in html
    for persona in (world.mentor, world.mentee, world.outsider):
        client.force_login(persona)
        assert client.get(download).status_code == 404, persona
        assert client.get(page).status_code == 404, persona


def test_a_document_not_built_yet_or_failed_says_so_instead_of_a_file(
    client, world, card, django_capture_on_commit_callbacks
):
    finalise(world, card, django_capture_on_commit_callbacks, build=False)
    document = Document.objects.get()
    download = reverse("evaluation:document_download", args=[document.pk])
    client.force_login(world.coord_helping)
    response = client.get(download, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 202
    assert "is being built" in response.content.decode()
    html = client.get(reverse("evaluation:scorecard_detail", args=[card.pk])).content.decode()
    assert "badge-document-queued" in html
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.FAILED, error="boom")
    response = client.get(download, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409 and "could not be built" in response.content.decode()
    assert "boom" not in response.content.decode()


def test_the_scorecard_page_reads_its_documents_in_one_query(
    client, world, card, django_capture_on_commit_callbacks, django_assert_num_queries
):
    finalise(world, card, django_capture_on_commit_callbacks)
    client.force_login(world.bureau)
    page = reverse("evaluation:scorecard_detail", args=[card.pk])
    # 1 user, 2 role assignments, 3 region subtree; 4 the scorecard (pairing, programme,
    # template, finaliser joined), 5 the pairing's members with schools; 6 the scores with
    # their inspectors, 7 their evidence, 8 the indicators with areas, 9 the kinds of
    # activity (a metric's link), 10 the history; 11 the members again (the actions);
    # 12 the versions of the year's document, with what superseded them (the new query);
    # 13 unread count.
    with django_assert_num_queries(13):
        assert client.get(page).status_code == 200
    refinalise(world, card, django_capture_on_commit_callbacks, build=False)
    assert Document.objects.count() == 2
    with django_assert_num_queries(13):
        html = client.get(page).content.decode()
    # Version 1 to download, version 2 being built (with a link saying so).
    assert (
        html.count('href="/evaluation/documents/')
        - html.count(
            'href="/evaluation/documents/"'  # the menu's link to the archive
        )
        == 2
    )
    assert "badge-document-superseded" in html and "badge-document-queued" in html
