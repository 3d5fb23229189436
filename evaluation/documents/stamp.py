"""The 已作废 ("Superseded") stamp on every page of a superseded version.

Stamped when it is downloaded, over the stored file, rather than by building the old
version again with the stamp: the old version's data are gone by then (the scorecard was
finalised again, which is what superseded it), so a rebuild could not reproduce what was
issued; and rewriting the stored file at superseding time would be one more write that
can fail halfway and would change the checksum recorded for the issued file. The stored
bytes stay exactly those issued (their SHA-256 still checks), and the stamp cannot be
missing from a copy handed out after superseding.
"""

from __future__ import annotations

import io

from django.utils import timezone

from twinning.pdf import render_pdf

from ..models import Document

TEMPLATE = "evaluation/pdf/superseded_stamp.html"


def stamp_page(document: Document):
    """A transparent A4 page with the stamp (rendered in the active language, with the
    version that replaced ``document`` and when)."""
    from pypdf import PdfReader

    newer = document.superseded_by
    pdf = render_pdf(TEMPLATE, {
        "document": document, "newer": newer,
        "at": timezone.localtime(document.superseded_at) if document.superseded_at else None,
    })  # fmt: skip
    return PdfReader(io.BytesIO(pdf)).pages[0]


def stamped(document: Document) -> bytes:
    """The stored PDF of ``document`` with the stamp over every page."""
    from pypdf import PdfReader, PdfWriter, Transformation

    stamp = stamp_page(document)
    with document.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    writer = PdfWriter(clone_from=reader)
    for page in writer.pages:
        # A page of another size gets the stamp scaled to it.
        sx = float(page.mediabox.width) / float(stamp.mediabox.width)
        sy = float(page.mediabox.height) / float(stamp.mediabox.height)
        page.merge_transformed_page(stamp, Transformation().scale(sx, sy), over=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
