"""A pairing year's dossier (年度档案): what an auditor asks for about one finalised
scorecard, in one zip.

- the yearly PDF evaluation as issued (the ready version of the year's document; the
  index says so when there is none);
- the scorecard's evidence files, a folder per indicator code, under their original
  names;
- the exchanges the pair held in the pairing year (logged as completed, started within
  ``period_start``–``period_end``: what the scorecard's exchange indicator counts),
  listed in a spreadsheet, and their evidence files, a folder per exchange;
- an index (a text file, written last) listing every file with its size and SHA-256,
  so that each copy handed on can be checked.

Everything sits in one folder named after the dossier, so that unzipping spills nothing.
The caller has found the scorecard through a scoped selector: whoever reads a scorecard
reads its evidence, its pairing's documents and its pairing's exchanges (the exchanges'
rule is the pairing's, which reaches every reader of its scorecards).

Memory stays bounded: files are copied from the storage into the archive in chunks, and
the archive is spooled to a temporary file once it outgrows ``SPOOL_BYTES``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import re
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from typing import IO

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from schools.models import PairingMember
from twinning.downloads import csv_cell
from twinning.text import join_names

from . import selectors
from .models import DocumentStatus, Scorecard, ScoreEvidence

# In memory up to this size, then in a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024
CHUNK = 1 << 16
# Longest name of a file or folder inside the dossier (Windows' paths are short).
NAME_LIMIT = 100
# Characters no file name may carry on Windows or elsewhere, and control characters.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
# Photos, PDFs and Office files are compressed already: stored, not deflated again.
_TEXT_TYPES = ("text/", "application/json", "application/xml")


@dataclass(frozen=True)
class Entry:
    """A file of the dossier: where it is (below the dossier's folder), what it is."""

    path: str
    size: int
    sha256: str
    what: str


def safe_name(name: str, limit: int = NAME_LIMIT) -> str:
    """``name`` as one safe component of a path: no separators or characters a file
    system refuses, no leading or trailing dots and spaces, at most ``limit`` characters
    (the extension kept)."""
    cleaned = _UNSAFE.sub("_", name or "").strip(" .")
    if len(cleaned) > limit:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and stem and len(extension) <= 10:
            cleaned = stem[: limit - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            cleaned = cleaned[:limit].rstrip(" .")
    return cleaned or "_"


def _unique(path: str, taken: set[str]) -> str:
    """``path``, or ``name (2).ext`` … when it is taken (compared as Windows does, without
    case); the result is taken from then on."""
    stem, extension = os.path.splitext(path)
    found, n = path, 2
    while found.lower() in taken:
        found, n = f"{stem} ({n}){extension}", n + 1
    taken.add(found.lower())
    return found


def _zip_time(moment: dt.datetime | None) -> tuple:
    local = timezone.localtime(moment or timezone.now())
    return max(local.timetuple()[:6], (1980, 1, 1, 0, 0, 0))


class _Archive:
    """A zip being written below one folder, keeping the entries for the index."""

    def __init__(self, out: IO[bytes], root: str):
        self.zip = zipfile.ZipFile(out, "w", allowZip64=True)
        self.root = root
        self.taken: set[str] = set()
        self.entries: list[Entry] = []
        self.missing: list[tuple[str, str]] = []

    def _info(self, path: str, moment, deflate: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(f"{self.root}/{path}", date_time=_zip_time(moment))
        info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        return info

    def add_bytes(self, path: str, data: bytes, what: str, *, listed: bool = True) -> str:
        path = _unique(path, self.taken)
        self.zip.writestr(self._info(path, None, True), data)
        if listed:
            self.entries.append(Entry(path, len(data), hashlib.sha256(data).hexdigest(), what))
        return path

    def add_stored(self, path: str, field_file, what: str, *, moment=None, size=None,
                   content_type: str = "") -> str | None:  # fmt: skip
        """Copy a stored file in (chunk by chunk, hashed on the way); None, and noted as
        missing, when the storage no longer has it. ``size``, the recorded one, lets the
        zip choose its format up front (ZIP64 only for a file that needs it, which some
        older unzip tools cannot read)."""
        try:
            handle = field_file.storage.open(field_file.name, "rb")
        except OSError:
            self.missing.append((path, what))
            return None
        path = _unique(path, self.taken)
        info = self._info(path, moment, content_type.startswith(_TEXT_TYPES))
        info.file_size = size or 0
        sha, written = hashlib.sha256(), 0
        with handle, self.zip.open(info, "w", force_zip64=size is None) as out:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                sha.update(chunk)
                written += len(chunk)
                out.write(chunk)
        self.entries.append(Entry(path, written, sha.hexdigest(), what))
        return path

    def close(self) -> None:
        self.zip.close()


# --- what goes in ---------------------------------------------------------------------------


def dossier_title(card: Scorecard) -> str:
    """The dossier's name (its folder's and its file's): the pair and the year. The
    card's pairing has its members prefetched (:func:`with_members`)."""
    return _("%(pairing)s, year %(year)s, dossier") % {
        "pairing": card.pairing.title, "year": card.year,
    }  # fmt: skip


def dossier_filename(card: Scorecard) -> str:
    return f"{safe_name(dossier_title(card), 150)}.zip"


def with_members(card: Scorecard) -> Scorecard:
    """The card's pairing with its members and their schools, for its title (one query)."""
    prefetch_related_objects(
        [card.pairing], Prefetch("members", queryset=PairingMember.objects.select_related("school"))
    )
    return card


def _evaluation(archive: _Archive, card: Scorecard) -> list[str]:
    """The ready version of the year's PDF evaluation; what the index says of it."""
    versions = selectors.scorecard_documents(card)
    ready = next((d for d in versions if d.status == DocumentStatus.READY and d.pdf), None)
    lines = []
    if ready is None:
        current = next((d for d in versions if d.status != DocumentStatus.SUPERSEDED), None)
        if current is None:
            lines.append(_("No yearly evaluation PDF of this year has been built."))
        else:
            lines.append(
                _("The yearly evaluation PDF of this year is not ready (%(status)s): it is "
                  "not in this dossier. Download the dossier again once the scorecard's page "
                  "shows it ready.") % {"status": current.get_status_display()}
            )  # fmt: skip
        return lines
    name = safe_name(f"{ready.title}-v{ready.version}.pdf")
    what = _("Yearly evaluation (PDF), version %(version)s") % {"version": ready.version}
    path = archive.add_stored(name, ready.pdf, what, moment=ready.built_at, size=ready.size,
                              content_type="application/pdf")  # fmt: skip
    if path is None:
        return [_("The yearly evaluation PDF is missing from the file store.")]
    built = timezone.localtime(ready.built_at).strftime("%Y-%m-%d %H:%M") if ready.built_at else ""
    lines.append(_("Yearly evaluation: %(path)s (version %(version)s, built %(built)s).") % {
        "path": path, "version": ready.version, "built": built,
    })  # fmt: skip
    if ready.checksum and archive.entries[-1].sha256 != ready.checksum:
        lines.append(_("Its SHA-256 differs from the one recorded when it was issued (%(sha)s).")
                     % {"sha": ready.checksum})  # fmt: skip
    if any(d.status == DocumentStatus.SUPERSEDED for d in versions):
        lines.append(_("Earlier, superseded versions are not in the dossier; they stay in the "
                       "archive."))  # fmt: skip
    return lines


def _score_evidence(archive: _Archive, card: Scorecard) -> int:
    folder = safe_name(_("Evidence of the scores"))
    files = (
        ScoreEvidence.objects.filter(scorecard=card)
        .select_related("score__indicator")
        .order_by("score__indicator__area__order", "score__indicator__order",
                  "score__indicator_id", "uploaded_at", "id")
    )  # fmt: skip
    count = 0
    for evidence in files.iterator(chunk_size=200):
        indicator = evidence.score.indicator
        what = _("Evidence of indicator %(indicator)s") % {"indicator": indicator}
        path = f"{folder}/{safe_name(indicator.code)}/{safe_name(evidence.name)}"
        if archive.add_stored(path, evidence.file, what, moment=evidence.uploaded_at,
                              size=evidence.size, content_type=evidence.content_type):  # fmt: skip
            count += 1
    return count


def _exchanges(card: Scorecard):
    """The exchanges of the card's pairing held in its year, oldest first, with their
    kinds and host schools."""
    from activities.models import Activity, ActivityStatus

    return (
        Activity.objects.filter(
            pairing_id=card.pairing_id, status=ActivityStatus.COMPLETED,
            starts_at__date__gte=card.period_start, starts_at__date__lte=card.period_end,
        )
        .select_related("kind", "host_school")
        .order_by("starts_at", "id")
    )  # fmt: skip


def _exchange_files(archive: _Archive, activities: list) -> dict[int, list[str]]:
    """Each exchange's evidence copied in, a folder per exchange (date and title):
    ``{activity id: [paths]}``."""
    from activities.models import Evidence

    folder = safe_name(_("Evidence of the exchanges"))
    folders, taken = {}, set()
    for activity in activities:
        day = timezone.localtime(activity.starts_at).date().isoformat()
        name = safe_name(f"{day} {activity.title}", 60)
        folders[activity.pk] = _unique(f"{folder}/{name}", taken)
    titles = {a.pk: a.title for a in activities}
    paths = defaultdict(list)
    files = Evidence.objects.filter(activity_id__in=list(folders)).order_by(
        "activity_id", "uploaded_at", "id"
    )
    for evidence in files.iterator(chunk_size=200):
        what = _("Evidence of the exchange “%(title)s”") % {"title": titles[evidence.activity_id]}
        path = archive.add_stored(
            f"{folders[evidence.activity_id]}/{safe_name(evidence.name)}", evidence.file, what,
            moment=evidence.uploaded_at, size=evidence.size, content_type=evidence.content_type,
        )  # fmt: skip
        if path:
            paths[evidence.activity_id].append(path)
    return paths


def _exchange_sheet(activities: list, paths: dict[int, list[str]]) -> bytes:
    """The list of exchanges as a workbook: one row each, the evidence by its path in the
    dossier. Every text cell through csv_cell (no cell runs as a formula)."""
    from activities.models import Activity, Participation

    schools, teachers = defaultdict(set), defaultdict(int)
    rows = Participation.objects.filter(activity_id__in=[a.pk for a in activities]).values_list(
        "activity_id", "school__name"
    )
    for activity_id, school in rows.iterator(chunk_size=1000):
        schools[activity_id].add(school)
        teachers[activity_id] += 1
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(safe_name(_("Exchanges"), 31))
    sheet.freeze_panes = "A2"
    kind = str(capfirst(Activity._meta.get_field("kind").verbose_name))
    header = [_("Starts"), _("Ends"), kind, _("Title"), _("Host school"),
              _("Schools taking part"), _("Teachers taking part"), _("Students taking part"),
              _("Evidence files")]  # fmt: skip
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    heading = []
    for value in header:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for a in activities:
        taking_part = [a.host_school.name] + sorted(schools[a.pk] - {a.host_school.name})
        files = WriteOnlyCell(sheet, value=csv_cell("\n".join(paths.get(a.pk, []))))
        files.alignment = wrap
        sheet.append([
            timezone.localtime(a.starts_at).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(a.ends_at).strftime("%Y-%m-%d %H:%M"),
            csv_cell(a.kind.name), csv_cell(a.title), csv_cell(a.host_school.name),
            csv_cell(join_names(taking_part)), teachers[a.pk] or None, a.student_count or None,
            files,
        ])  # fmt: skip
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _index(card: Scorecard, archive: _Archive, notes: list[str], *, reader) -> bytes:
    """The index: the year's result, the notes, then every file (tab-separated: SHA-256,
    bytes, path, what it is). UTF-8 with a byte-order mark and CRLF lines, so that the
    Notepad of an older Windows reads the Chinese."""

    def local(moment):
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"

    finaliser = card.finalised_by.display_name if card.finalised_by else "—"
    lines = [
        dossier_title(card),
        "",
        _("Programme: %(name)s") % {"name": card.programme.name},
        _("Pairing year: %(start)s – %(end)s") % {
            "start": f"{card.period_start:%Y-%m-%d}", "end": f"{card.period_end:%Y-%m-%d}",
        },
        _("Result: %(total)s points, %(grade)s (pass mark %(mark)s)") % {
            "total": card.total, "grade": card.get_grade_display(), "mark": card.pass_mark,
        },
        _("Finalised %(at)s by %(by)s") % {"at": local(card.finalised_at), "by": finaliser},
        _("Compiled %(at)s for %(by)s") % {"at": local(timezone.now()),
                                           "by": getattr(reader, "display_name", "—")},
        "",
        *notes,
    ]  # fmt: skip
    if archive.missing:
        lines += ["", _("Missing from the file store (not in the dossier):")]
        lines += [f"- {path} ({what})" for path, what in archive.missing]
    lines += ["", _("Files (SHA-256, bytes, path, what it is):"), ""]
    lines += ["\t".join(("SHA-256", _("Bytes"), _("Path"), _("What it is")))]
    lines += [f"{e.sha256}\t{e.size}\t{e.path}\t{e.what}" for e in archive.entries]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def dossier_build(card: Scorecard, *, reader=None) -> IO[bytes]:
    """The dossier of ``card`` (finalised; found through a scoped selector, with its
    pairing's members prefetched) as a zip in a temporary file, at its start. The caller
    closes it (a file response does, once sent)."""
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    archive = _Archive(out, safe_name(dossier_title(card), 150))
    try:
        notes = _evaluation(archive, card)
        evidence = _score_evidence(archive, card)
        notes.append(_("Evidence of the scores: %(n)s files, a folder per indicator.")
                     % {"n": evidence})  # fmt: skip
        activities = list(_exchanges(card))
        paths = _exchange_files(archive, activities)
        sheet = safe_name(_("Exchanges of the pairing year")) + ".xlsx"
        sheet = archive.add_bytes(sheet, _exchange_sheet(activities, paths),
                                  _("List of the exchanges held in the pairing year"))  # fmt: skip
        notes.append(
            _("Exchanges held in the pairing year (logged as completed): %(n)s, listed in "
              "%(sheet)s, with %(files)s evidence files.") % {
                "n": len(activities), "sheet": sheet,
                "files": sum(len(p) for p in paths.values()),
            }
        )  # fmt: skip
        index = _index(card, archive, notes, reader=reader)
        archive.add_bytes(safe_name(_("Contents")) + ".txt", index, "", listed=False)
        archive.close()
    except BaseException:
        with contextlib.suppress(Exception):
            archive.zip.close()  # or it would, when collected, into the closed file
        out.close()
        raise
    out.seek(0)
    return out
