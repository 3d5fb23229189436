"""What each kind of document is built from, and how: one :class:`Builder` per kind,
registered in the app's ``ready``. The archive (services) knows nothing of any kind; a
kind knows nothing of queues, temporary files or versions."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import Document


@dataclass(frozen=True)
class Period:
    """A kind's period of a subject: its key (``Document.period``), days and the
    document's title."""

    key: str
    start: dt.date
    end: dt.date
    title: str


class Builder:
    """One kind of document. Subclasses say whose it is, who may ask for it, the facts
    it is built from and how each of its files is written."""

    kind: str
    subject_model: type  # schools.Pairing or schools.Region
    formats: tuple[str, ...] = ("pdf",)  # and "xlsx" where the kind has a spreadsheet

    def period(self, subject, period) -> Period:
        """The period ``period`` (the kind's key, as given) of ``subject``; a
        ``ValidationError`` on ``period`` when there is no such period or its data are
        not final yet."""
        raise NotImplementedError

    def may_request(self, actor, subject) -> bool:
        raise NotImplementedError

    def region_id(self, subject) -> int:
        """The region a document of ``subject`` is filed under (its scope)."""
        return subject.region_id if hasattr(subject, "region_id") else subject.pk

    def facts(self, document: Document) -> dict[str, Any]:
        """Everything the document shows, as JSON-able values: its fingerprint is theirs."""
        raise NotImplementedError

    def write(self, document: Document, fmt: str, out: IO[bytes]) -> None:
        """Write the document's ``fmt`` file into ``out`` (in the active language)."""
        raise NotImplementedError


def fingerprint(facts: dict[str, Any]) -> str:
    encoded = json.dumps(facts, sort_keys=True, default=str, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


_builders: dict[str, Builder] = {}


def register(builder: Builder) -> None:
    _builders[builder.kind] = builder


def builder_for(kind: str) -> Builder:
    """The builder of ``kind``; a ``ValidationError`` on ``kind`` for a kind not built yet."""
    try:
        return _builders[kind]
    except KeyError:
        raise ValidationError({"kind": _("Documents of this kind are not built yet.")}) from None
