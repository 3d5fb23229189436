"""The report archive's pages and API: the archive (all of it, or one region's) with its
filters, a document's page with its progress, asking for a region's document of a past
period (and the bad input that changes nothing), building one again, the downloads, the
beat's cadence and the notice when a region's document is ready."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from evaluation import tasks
from evaluation.documents import services as document_services
from evaluation.models import Document, DocumentKind, DocumentStatus
from tests.test_documents import body, card, finalise  # noqa: F401 (card: a fixture)
from twinning.models import Notification

QUARTERLY = DocumentKind.QUARTERLY_SUMMARY
MONTHLY = DocumentKind.MONTHLY_STEERING


@pytest.fixture
def today(monkeypatch):
    """Monday 7 December 2026, a working day."""
    day = dt.date(2026, 12, 7)
    monkeypatch.setattr("twinning.calendar.today", lambda: day)
    return day


def ask(client, user, **data):
    client.force_login(user)
    return client.post(reverse("evaluation:document_request"), data, HTTP_ACCEPT_LANGUAGE="en")


# --- the archive -----------------------------------------


def test_the_archive_lists_a_finalised_pairings_evaluation_for_its_readers_only(
    client, world, card, django_capture_on_commit_callbacks
):
    finalise(world, card, django_capture_on_commit_callbacks)
    document = Document.objects.get()
    url = reverse("evaluation:document_list")
    for persona in (world.bureau, world.inspector, world.coord_helping, world.coord_assisted):
        client.force_login(persona)
        html = client.get(url).content.decode()
        assert document.title in html, persona
        assert reverse("evaluation:document_download", args=[document.pk]) in html
    client.force_login(world.outsider)  # bureau, inspector and coordinator elsewhere
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert document.title not in html and "There are no documents to show yet." in html
    client.force_login(world.mentor)  # teachers read no evaluation
    assert client.get(url).status_code == 404


def test_the_archive_filters_by_kind_period_and_region(
    client, world, card, django_capture_on_commit_callbacks
):
    finalise(world, card, django_capture_on_commit_callbacks)
    document = Document.objects.get()
    client.force_login(world.bureau)
    url = reverse("evaluation:document_list")
    assert document.title in client.get(url, {"kind": "pairing_evaluation"}).content.decode()
    html = client.get(url, {"kind": QUARTERLY}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert document.title not in html and "No document matches your search." in html
    assert document.title not in client.get(url, {"period": "9"}).content.decode()
    assert document.title in client.get(url, {"region_code": world.city.code}).content.decode()
    assert document.title not in client.get(url, {"region_code": world.east.code}).content.decode()
    # A region out of scope is refused, not ignored.
    html = client.get(url, {"region_code": world.far_city.code}).content.decode()
    assert document.title not in html
    region_page = reverse("evaluation:region_documents", args=[world.city.pk])
    assert document.title in client.get(region_page).content.decode()
    region_page = reverse("evaluation:region_documents", args=[world.east.pk])
    assert document.title not in client.get(region_page).content.decode()


def test_a_document_being_built_shows_its_progress_and_its_page_polls(
    client, world, card, django_capture_on_commit_callbacks
):
    finalise(world, card, django_capture_on_commit_callbacks, build=False)
    document = Document.objects.get()
    client.force_login(world.inspector)
    html = client.get(
        reverse("evaluation:document_detail", args=[document.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    progress = reverse("evaluation:document_progress", args=[document.pk])
    assert f'data-progress="{progress}"' in html and "<progress" in html
    state = client.get(progress, HTTP_ACCEPT_LANGUAGE="en").json()
    assert state == {"running": True, "status": "queued", "status_label": "Queued", "attempts": 0}
    document_services.document_build(document.pk)
    state = client.get(progress, HTTP_ACCEPT_LANGUAGE="en").json()
    assert state["running"] is False and state["status"] == "ready"
    html = client.get(reverse("evaluation:document_detail", args=[document.pk])).content.decode()
    assert "data-progress=" not in html
    assert reverse("evaluation:document_download", args=[document.pk]) in html


# --- asking for a region's document -----------------------------------------


def test_the_bureau_asks_for_a_past_quarter_and_gets_its_document(
    client, world, active, today, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, world.bureau, region_code=world.city.code, kind=QUARTERLY,
                       period="2026-Q3")  # fmt: skip
    document = Document.objects.get(kind=QUARTERLY)
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:document_detail", args=[document.pk])
    assert document.status == DocumentStatus.READY and document.region == world.city
    assert (document.period, document.requested_by) == ("2026-Q3", world.bureau)
    client.force_login(world.inspector)
    pdf = client.get(reverse("evaluation:document_download", args=[document.pk]))
    assert pdf.status_code == 200 and body(pdf).startswith(b"%PDF-")
    xlsx = client.get(reverse("evaluation:document_download_xlsx", args=[document.pk]))
    assert load_workbook(io.BytesIO(body(xlsx))).worksheets
    # The region's bureau and inspectors are told, once each; the requester too.
    notified = set(Notification.objects.filter(key=f"document:{document.pk}")
                   .values_list("recipient__username", flat=True))  # fmt: skip
    assert notified == {"bureau", "bureau2", "inspector"}


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2026-Q4", "is not over yet"),
        ("2025-Q2", "first programme began"),
        ("2026-13", "Write the period as 2026-Q1"),
        ("next quarter", "Write the period as 2026-Q1"),
    ],
)
def test_a_bad_period_is_refused_with_a_message_and_nothing_changes(
    client, world, active, today, period, message
):
    response = ask(client, world.bureau, region_code=world.city.code, kind=QUARTERLY,
                   period=period)  # fmt: skip
    assert response.status_code == 400 and message in response.content.decode()
    assert not Document.objects.exists()


def test_a_region_out_of_scope_or_a_reader_who_is_not_bureau_is_refused(
    client, world, active, today
):
    response = ask(client, world.bureau, region_code=world.far_city.code, kind=QUARTERLY,
                   period="2026-Q3")  # fmt: skip
    assert response.status_code == 400
    assert "No region with this division code in your scope." in response.content.decode()
    response = ask(client, world.inspector, region_code=world.city.code, kind=QUARTERLY,
                   period="2026-Q3")  # fmt: skip
    assert response.status_code == 403
    # A county's bureau may not ask for its city's documents.
    assert not Document.objects.exists()


def test_a_second_request_while_one_is_built_goes_to_it_and_changes_nothing(
    client, world, active, today, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = ask(client, world.bureau, region_code=world.city.code, kind=MONTHLY,
                    period="2026-11")  # fmt: skip
    document = Document.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        second = ask(client, world.bureau2, region_code=world.city.code, kind=MONTHLY,
                     period="2026-11")  # fmt: skip
    assert first["Location"] == second["Location"]
    assert not queued and Document.objects.get() == document
    assert document.requested_by == world.bureau
    page = client.get(second["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "being built already" in page


def test_a_failed_document_is_built_again_from_its_page(
    client, world, active, today, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        ask(client, world.bureau, region_code=world.city.code, kind=MONTHLY, period="2026-11")
    document = Document.objects.get()
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.FAILED, error="boom")
    page = client.get(reverse("evaluation:document_detail", args=[document.pk])).content.decode()
    rebuild = reverse("evaluation:document_rebuild", args=[document.pk])
    assert rebuild in page and "data-confirm" in page
    client.force_login(world.inspector)  # reads it, does not issue it
    assert client.post(rebuild).status_code == 403
    client.force_login(world.bureau)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(rebuild)
    document.refresh_from_db()
    assert response.status_code == 302 and document.status == DocumentStatus.READY
    assert document.version == 1 and document.xlsx and not document.pdf
    # Asked again with nothing changed: the same version.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(rebuild)
    assert Document.objects.get() == document


# --- the cadence -----------------------------------------


def test_two_beat_runs_of_the_same_period_make_one_document_per_kind(
    world, active, today, settings, django_capture_on_commit_callbacks
):
    assert "evaluation.tasks.build_due_documents" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    with django_capture_on_commit_callbacks(execute=True):
        tasks.build_due_documents()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.build_due_documents()
    made = set(Document.objects.values_list("kind", "region__name", "period", "status"))
    # On 7 December 2026 the last month over is November; the last quarter, Q3; the
    # last half-year, the first of 2026 — before the programme began: none.
    assert made == {
        (MONTHLY, "江城市", "2026-11", "ready"),
        (QUARTERLY, "江城市", "2026-Q3", "ready"),
    }
    assert all(d.requested_by is None for d in Document.objects.all())


def test_the_dashboard_lists_the_region_documents_last_issued(
    client, world, active, today, django_capture_on_commit_callbacks
):
    client.force_login(world.inspector)
    assert 'id="documents-section"' not in client.get(reverse("dashboard")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.build_due_documents()
    html = client.get(reverse("dashboard")).content.decode()
    assert 'id="documents-section"' in html
    for document in Document.objects.all():
        assert reverse("evaluation:document_detail", args=[document.pk]) in html
    client.force_login(world.outsider)  # the bureau of another city: none of them
    html = client.get(reverse("dashboard")).content.decode()
    assert 'id="documents-section"' not in html


def test_the_beat_builds_nothing_on_a_day_off(world, active, monkeypatch):
    monkeypatch.setattr("twinning.calendar.today", lambda: dt.date(2026, 12, 6))  # Sunday
    assert tasks.build_due_documents() == 0 and not Document.objects.exists()


def test_the_service_refuses_a_kind_the_subject_cannot_have(world, active, today):
    with pytest.raises(ValidationError):
        document_services.document_request(
            actor=world.bureau, kind=QUARTERLY, subject=active, period="2026-Q3"
        )
    assert not Document.objects.exists()


# --- the API -----------------------------------------


def test_the_api_lists_asks_for_polls_and_downloads_a_document(
    client, world, active, today, django_capture_on_commit_callbacks
):
    client.force_login(world.bureau)
    url = reverse("api:document-list")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            url,
            {"region": world.city.pk, "kind": QUARTERLY, "period": "2026-Q3"},
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    created = response.json()
    assert created["status"] == "queued" and created["pdf_url"] is None
    with django_capture_on_commit_callbacks(execute=False):
        again = client.post(
            url,
            {"region": world.city.pk, "kind": QUARTERLY, "period": "2026-Q3"},
            content_type="application/json",
        )
    assert again.status_code == 409 and again.json()["document"] == created["id"]
    pdf = reverse("api:document-pdf", args=[created["id"]])
    assert client.get(pdf).status_code == 409
    document_services.document_build(created["id"])
    detail = client.get(reverse("api:document-detail", args=[created["id"]])).json()
    assert detail["status"] == "ready" and detail["pdf_url"] == pdf
    assert body(client.get(pdf)).startswith(b"%PDF-")
    assert client.get(detail["xlsx_url"]).status_code == 200
    listed = client.get(url, {"kind": QUARTERLY}).json()
    assert [row["id"] for row in listed["results"]] == [created["id"]]
    # Bad input: a period not over, a pairing kind, a region out of scope.
    city, far = world.city.pk, world.far_city.pk
    for data in ({"region": city, "kind": QUARTERLY, "period": "2026-Q4"},
                 {"region": city, "kind": "pairing_evaluation", "period": "1"},
                 {"region": far, "kind": QUARTERLY, "period": "2026-Q3"}):  # fmt: skip
        response = client.post(url, data, content_type="application/json")
        assert response.status_code == 400, data
    client.force_login(world.outsider)
    assert client.get(reverse("api:document-detail", args=[created["id"]])).status_code == 404
    assert client.get(pdf).status_code == 404
    client.force_login(world.inspector)
    response = client.post(url, {"region": world.city.pk, "kind": MONTHLY, "period": "2026-11"},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 403


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_apis_lean_representation_equals_drfs(
    world, card, language, django_capture_on_commit_callbacks
):
    from django.utils import translation
    from rest_framework.test import APIRequestFactory

    from evaluation.document_api import DocumentSerializer

    finalise(world, card, django_capture_on_commit_callbacks)
    Document.objects.create(
        kind=QUARTERLY, region=world.city, period="2026-Q3", period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 9, 30), title="季度汇总",
    )  # fmt: skip
    request = APIRequestFactory().get("/api/documents/")
    request.user = world.bureau
    serializer = DocumentSerializer(context={"request": request})
    with translation.override(language):
        for document in Document.objects.select_related("region"):
            assert serializer.to_representation(document) == dict(
                serializer.generic_representation(document)
            )
