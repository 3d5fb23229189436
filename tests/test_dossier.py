"""A pairing year's dossier (evaluation/dossier.py): one zip per finalised scorecard with
the yearly PDF as issued, the scorecard's evidence by indicator, the exchanges held in
the year with their evidence, and an index whose checksums check; read by exactly those
who read the scorecard."""

import datetime as dt
import hashlib
import io
import re
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from activities import services as activity_services
from activities.models import ActivityKind
from evaluation import services
from evaluation.dossier import _unique, safe_name
from evaluation.models import Document, DocumentStatus, ScoreEvidence
from teachers.services import teacher_create
from tests.test_documents import body, finalise
from tests.test_evaluation import to_inspected


def jpeg(name: str, colour: tuple) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def held(world, pairing, title, day, *, files, host=None, participants=(), cancel=False):
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    activity, _clashes = activity_services.activity_schedule(
        actor=world.coord_helping, pairing=pairing, kind=ActivityKind.objects.get(code="visit"),
        title=title, host_school=host or world.helping, place="会议室", starts_at=start,
        ends_at=start + dt.timedelta(hours=2), participants=list(participants),
    )  # fmt: skip
    if cancel:
        return activity_services.activity_cancel(
            actor=world.coord_helping, activity=activity, reason="下雪"
        )
    return activity_services.activity_complete(
        actor=world.coord_helping, activity=activity, summary="完成", files=files, student_count=12
    )


@pytest.fixture
def card(world, active):
    """Year 1 of the active pairing (2026-09-01 – 2027-08-31), inspected: two photos of the
    same name as evidence of its first manual indicator and one of its second; an exchange
    held in the year with a teacher of the assisted school, with two files; a cancelled
    one and one held before the pairing year, which the dossier leaves out."""
    card = services.scorecard_open(pairing=active, year=1)
    first, second = card.scores.filter(indicator__source="manual").order_by("indicator__code")[:2]
    services.scorecard_self_assess(
        actor=world.coord_helping, scorecard=card, entries={},
        uploads={first.indicator_id: [jpeg("听课记录.jpg", (200, 0, 0)),
                                      jpeg("听课记录.jpg", (0, 200, 0))],
                 second.indicator_id: [jpeg("../制度/汇编.jpg", (0, 0, 200))]},
    )  # fmt: skip
    teacher = teacher_create(actor=None, school=world.assisted, name="赵小燕",
                             first_employed_year=2024)  # fmt: skip
    held(world, active, "送教下乡：三年级语文", dt.date(2026, 10, 12),
         files=[jpeg("签到表.jpg", (9, 9, 9)),
                SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 minutes")],
         participants=[teacher])  # fmt: skip
    held(world, active, "取消的互访", dt.date(2026, 11, 2), files=[], cancel=True)
    return to_inspected(world, card, "3")


def dossier(client, user, card, **headers):
    client.force_login(user)
    return client.get(reverse("evaluation:scorecard_dossier", args=[card.pk]), **headers)


def opened(response) -> tuple[zipfile.ZipFile, str]:
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert archive.testzip() is None
    roots = {name.split("/", 1)[0] for name in archive.namelist()}
    assert len(roots) == 1  # one folder: unzipping spills nothing
    return archive, roots.pop()


INDEX_LINE = re.compile(r"^([0-9a-f]{64})\t(\d+)\t([^\t]+)\t(.*)$")


def index_of(archive, root) -> tuple[str, dict[str, tuple[str, int]]]:
    (name,) = [n for n in archive.namelist() if n.endswith(".txt") and n.count("/") == 1]
    text = archive.read(name).decode("utf-8-sig")
    listed = {}
    for line in text.splitlines():
        match = INDEX_LINE.match(line)
        if match:
            listed[f"{root}/{match[3]}"] = (match[1], int(match[2]))
    return text, listed


def test_the_dossier_holds_the_pdf_the_evidence_the_exchanges_and_an_index_that_checks(
    client, world, card, django_capture_on_commit_callbacks
):
    card = finalise(world, card, django_capture_on_commit_callbacks)
    document = Document.objects.get()
    assert document.status == DocumentStatus.READY
    response = dossier(client, world.coord_assisted, card, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''" in disposition
    assert ".zip" in disposition
    archive, root = opened(response)
    assert "year 1" in root and "江城实验小学" in root
    names = archive.namelist()

    # The PDF as issued.
    (pdf,) = [n for n in names if n.endswith(".pdf") and n.count("/") == 1]
    assert archive.read(pdf) == document.pdf.read()

    # The evidence by indicator code, under the names they were uploaded with; the second
    # file of the same name is numbered, a name with a path loses its separators.
    files = ScoreEvidence.objects.select_related("score__indicator").order_by("id")
    first, again, other = files
    code = first.score.indicator.code
    folder = f"{root}/Evidence of the scores"
    assert archive.read(f"{folder}/{code}/听课记录.jpg") == first.file.read()
    assert archive.read(f"{folder}/{code}/听课记录 (2).jpg") == again.file.read()
    stored_other = other.file.read()
    (path,) = [n for n in names if n.startswith(f"{folder}/{other.score.indicator.code}/")]
    assert path.endswith("汇编.jpg") and ".." not in path.split("/")
    assert archive.read(path) == stored_other

    # The exchanges held in the year, in a sheet, with their evidence beside it.
    (sheet,) = [n for n in names if n.endswith(".xlsx")]
    rows = list(openpyxl.load_workbook(io.BytesIO(archive.read(sheet))).active.values)
    assert rows[0][:4] == ("Starts", "Ends", "Kind", "Title")
    assert len(rows) == 2  # the cancelled exchange is not one held
    row = rows[1]
    assert row[0] == "2026-10-12 09:00" and row[3] == "送教下乡：三年级语文"
    assert row[5] == "江城实验小学, 西山山村小学" and row[6] == 1 and row[7] == 12
    listed_files = row[8].split("\n")
    assert len(listed_files) == 2 and all(f"{root}/{p}" in names for p in listed_files)
    minutes = next(p for p in listed_files if p.endswith("纪要.pdf"))
    assert minutes.startswith("Evidence of the exchanges/2026-10-12 送教下乡：三年级语文/")
    assert archive.read(f"{root}/{minutes}") == b"%PDF-1.4 minutes"

    # The index lists every other file with its size and SHA-256, which check.
    text, listed = index_of(archive, root)
    assert set(listed) == {n for n in names if not n.endswith(".txt")}
    assert len(listed) == 7  # the PDF, 3 + 2 evidence files, the sheet
    for name, (sha, size) in listed.items():
        data = archive.read(name)
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (sha, size), name
    assert listed[pdf][0] == document.checksum
    assert "Result: " in text and str(card.total) in text and "pass mark 75" in text
    assert "Exchanges held in the pairing year (logged as completed): 1" in text
    assert "not ready" not in text and "Missing" not in text


def test_without_a_ready_pdf_the_index_says_so_and_a_missing_file_is_noted(
    client, world, card, django_capture_on_commit_callbacks
):
    card = finalise(world, card, django_capture_on_commit_callbacks, build=False)
    assert Document.objects.get().status == DocumentStatus.QUEUED
    lost = ScoreEvidence.objects.order_by("id").first()
    lost.file.storage.delete(lost.file.name)
    response = dossier(client, world.inspector, card, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    archive, root = opened(response)
    assert not [n for n in archive.namelist() if n.endswith(".pdf") and n.count("/") == 1]
    text, listed = index_of(archive, root)
    assert "The yearly evaluation PDF of this year is not ready (Queued)" in text
    assert "Missing from the file store" in text and "听课记录.jpg" in text
    assert len(listed) == 5  # 2 + 2 evidence files, the sheet


def test_the_dossier_is_read_by_exactly_those_who_read_the_scorecard(
    client, world, card, django_capture_on_commit_callbacks
):
    card = finalise(world, card, django_capture_on_commit_callbacks, build=False)
    link = reverse("evaluation:scorecard_dossier", args=[card.pk])
    for persona in (world.bureau, world.inspector, world.coord_helping, world.coord_assisted):
        response = dossier(client, persona, card)
        assert response.status_code == 200, persona
        assert body(response)[:2] == b"PK"
        page = client.get(reverse("evaluation:scorecard_detail", args=[card.pk]))
        assert link in page.content.decode()
    for persona in (world.mentor, world.mentee, world.outsider):
        assert dossier(client, persona, card).status_code == 404, persona


def test_a_scorecard_not_finalised_has_no_dossier(client, world, card):
    response = dossier(client, world.bureau, card, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "once the scorecard is finalised" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    page = client.get(reverse("evaluation:scorecard_detail", args=[card.pk])).content.decode()
    assert reverse("evaluation:scorecard_dossier", args=[card.pk]) not in page
    assert dossier(client, world.outsider, card).status_code == 404


def test_names_in_the_dossier_are_safe_and_never_clash():
    assert safe_name("../../etc/passwd") == "_.._etc_passwd"
    assert safe_name('a:b*c?"d<e>f|g\\h/i\n') == "a_b_c_d_e_f_g_h_i_"
    assert safe_name(" .. ") == "_" and safe_name("") == "_"
    long = safe_name("长" * 300 + ".jpeg")
    assert len(long) == 100 and long.endswith("长.jpeg")
    taken = set()
    paths = ("a/照片.jpg", "a/照片.JPG", "a/照片.jpg", "b/照片.jpg")
    assert [_unique(p, taken) for p in paths] == [
        "a/照片.jpg", "a/照片 (2).JPG", "a/照片 (3).jpg", "b/照片.jpg",
    ]  # fmt: skip
