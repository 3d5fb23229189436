"""Uploaded files, one way in and one way out, for every app.

In: :func:`validate_upload` reads what a file is from its content (the
maintained ``filetype`` library, by magic numbers), never from its name, and
refuses anything else or anything too large; :func:`stored_upload` gives it a
random storage name with the extension of what it really is. Out:
:func:`file_response`, called by a view only after a scoped selector has found the
record the file belongs to; media files are never served by URL.
"""

from __future__ import annotations

import io
import os
import uuid

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

IMAGE_TYPES = {"jpg", "png", "gif", "webp", "heic"}
OFFICE_TYPES = {"doc", "docx", "xls", "xlsx", "ppt", "pptx"}
DOCUMENT_TYPES = IMAGE_TYPES | OFFICE_TYPES | {"pdf"}
# A signed agreement: a scan or photo, a PDF or a Word file.
AGREEMENT_TYPES = {"pdf", "doc", "docx", "jpg", "png"}
DOCUMENTS = gettext_lazy("a photo, a PDF or an Office file (Word, Excel, PowerPoint)")
AGREEMENTS = gettext_lazy("a PDF, Word (doc, docx), JPG or PNG file")
# A pairing's shared library also holds recorded lessons (video) and their sound.
RESOURCE_TYPES = DOCUMENT_TYPES | {"mp4", "mov", "mp3", "m4a"}
RESOURCES = gettext_lazy("a document, a photo, a video (MP4, MOV) or a sound file (MP3, M4A)")
# Shown in the browser; everything else downloads.
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"}


def detect(upload) -> filetype.Type | None:
    """What the file is, by its first bytes; the upload is left at its start."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    return filetype.guess(head) if head else None


def validate_upload(
    upload, *, allowed=DOCUMENT_TYPES, expected=DOCUMENTS, max_bytes: int | None = None
) -> filetype.Type:
    """The detected type of ``upload``; ``ValidationError`` for a file that is empty, too
    large (``max_bytes``, by default settings.MAX_ATTACHMENT_BYTES) or, by its content,
    none of ``allowed``."""
    name = os.path.basename(upload.name or "")
    limit = max_bytes or settings.MAX_ATTACHMENT_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the largest allowed is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    kind = detect(upload)
    if kind is None or kind.extension not in allowed:
        raise ValidationError(
            _("“%(name)s” is not %(expected)s; the type is read from the content, not the name.")
            % {"name": name, "expected": expected}
        )
    return kind


def validate_attachment(upload, *, extensions=AGREEMENT_TYPES) -> None:
    """The rule for a single agreement field (a pairing's, a mentorship's)."""
    validate_upload(upload, allowed=set(extensions), expected=AGREEMENTS)


def stored_upload(upload, kind: filetype.Type) -> File:
    """The upload under a random name with the extension of what it is, so that no
    name a user chose reaches the storage."""
    return File(upload, name=f"{uuid.uuid4().hex}.{kind.extension}")


def agreement_filename(record) -> str:
    """The name a stored agreement downloads under: what it is and whose, with the
    extension of its content (it is stored under a random name, stored_upload)."""
    extension = record.agreement_file.name.rsplit(".", 1)[-1] if record.agreement_file else ""
    return f"{_('Signed agreement')}-{record._meta.verbose_name}-{record.pk}.{extension}"


def file_response(field_file, *, filename: str, content_type: str = "") -> FileResponse:
    """Send a stored file. The caller has found its record through a scoped selector."""
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    inline = content_type in INLINE_TYPES
    response = FileResponse(handle, as_attachment=not inline, filename=filename)
    if content_type:
        response["Content-Type"] = content_type
    return response


def stored_file_response(stored) -> FileResponse:
    """Send a :class:`twinning.models.StoredFile` under the name it was uploaded with."""
    return file_response(stored.file, filename=stored.name, content_type=stored.content_type)


def delete_stored(stored) -> None:
    """Delete a :class:`twinning.models.StoredFile` row now and its file and thumbnail
    from the storage once the transaction commits (a rollback keeps them)."""
    for field in (stored.file, stored.thumbnail):
        if field:
            transaction.on_commit(lambda f=field: f.storage.delete(f.name))
    stored.delete()


def thumbnail_response(stored) -> FileResponse:
    """Send a :class:`twinning.models.StoredFile`'s thumbnail (404 when it has none). The
    caller has found its record through a scoped selector; the browser may keep it a
    day, for this user only."""
    if not stored.thumbnail:
        raise Http404
    response = file_response(
        stored.thumbnail, filename=f"{stored.pk}.jpg", content_type="image/jpeg"
    )
    response["Cache-Control"] = "private, max-age=86400"
    return response


# --- several files of one record -----------------------------------------------------------

THUMBNAIL_SIZE = (320, 320)


def check_uploads(uploads, *, field: str, limit: int, already: int = 0, **rules) -> list:
    """``[(upload, type)]`` of ``uploads``, each checked by :func:`validate_upload`;
    ``ValidationError`` naming ``field`` when one fails or the record would then hold
    more than ``limit`` files. Nothing is stored yet."""
    uploads = list(uploads or [])
    if already + len(uploads) > limit:
        raise ValidationError({field: _("At most %(max)s files.") % {"max": limit}})
    checked = []
    for upload in uploads:
        try:
            checked.append((upload, validate_upload(upload, **rules)))
        except ValidationError as error:
            raise ValidationError({field: error.messages}) from None
    return checked


def thumbnail_of(upload, kind: filetype.Type) -> ContentFile | None:
    """A JPEG of at most :data:`THUMBNAIL_SIZE` of a photo (turned upright by its EXIF
    orientation), or None for other files and images Pillow cannot read (HEIC)."""
    if kind.extension not in IMAGE_TYPES - {"heic"}:
        return None
    from PIL import Image, ImageOps, UnidentifiedImageError

    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=80)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def store_uploads(model, checked, *, actor, **fields) -> list:
    """Create one ``model`` (a :class:`twinning.models.StoredFile`) per checked upload,
    with ``fields`` (the record it belongs to, its school and region …)."""
    stored = []
    for upload, kind in checked:
        name = os.path.basename(upload.name or "")[-200:] or kind.extension
        thumbnail = thumbnail_of(upload, kind)
        stored.append(
            model.objects.create(
                file=stored_upload(upload, kind),
                name=name,
                content_type=kind.mime,
                size=upload.size,
                uploaded_by=actor,
                **fields,
                **({"thumbnail": thumbnail} if thumbnail else {}),
            )  # fmt: skip
        )
    return stored
