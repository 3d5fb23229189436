"""Rules for uploaded files, shared by every service that accepts one."""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DOCUMENT_EXTENSIONS = ("pdf", "doc", "docx", "jpg", "jpeg", "png")


def validate_attachment(upload, *, extensions=DOCUMENT_EXTENSIONS) -> None:
    """Refuse a file of another type or larger than settings.MAX_ATTACHMENT_BYTES."""
    extension = os.path.splitext(upload.name or "")[1].lower().lstrip(".")
    if extension not in extensions:
        raise ValidationError(
            _("Upload a PDF, Word (doc, docx), JPG or PNG file; “%(name)s” is not one of them.")
            % {"name": os.path.basename(upload.name or "")}
        )
    if upload.size > settings.MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("The file is %(size)s; the largest allowed is %(limit)s.")
            % {
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.MAX_ATTACHMENT_BYTES),
            }
        )
