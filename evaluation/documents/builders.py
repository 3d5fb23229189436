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
from django.db.models import Q
from django.utils.translation import gettext as _

from ..models import Document, DocumentKind
from . import periods


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


class RegionBuilder(Builder):
    """A kind about a region (its subtree) for a period of ``granularity``
    (documents.periods): the region's bureau staff (or those above) ask for it, any period
    that is over and not before the region's first programme."""

    granularity: str

    @property
    def subject_model(self):
        from schools.models import Region

        return Region

    def region_id(self, subject) -> int:
        return subject.pk

    def may_request(self, actor, subject) -> bool:
        from twinning import access

        return access.can_manage_region(access.resolve_scope(actor), subject)

    def period(self, subject, period) -> Period:
        from twinning import calendar

        found = periods.over(self.granularity, period, today=calendar.today(),
                             since=programmes_since(subject))  # fmt: skip
        title = _("%(kind)s of %(region)s, %(period)s") % {
            "kind": DocumentKind(self.kind).label, "region": subject.name, "period": found.label,
        }  # fmt: skip
        return Period(found.key, found.start, found.end, title[:200])


def programmes_since(region) -> dt.date | None:
    """The first day of the earliest programme that reaches ``region``: one of its own or
    above it (a province's programme reaches its counties), or below it (a county's is in
    its city's reports)."""
    from schools.models import Programme, Region

    ancestors = [int(p) for p in region.path.strip("/").split("/") if p]
    below = Region.objects.filter(path__startswith=region.path).values("id")
    first = (
        Programme.objects.filter(Q(region_id__in=ancestors) | Q(region_id__in=below))
        .order_by("start_year").values_list("start_year", flat=True).first()
    )  # fmt: skip
    return None if first is None else dt.date(first, 9, 1)


def region_pairings(region, start: dt.date, end: dt.date):
    """The pairings a region's document of ``start``–``end`` reports on: those of a
    programme in its subtree or with a member school in it (as its bureau reads them),
    paired by the bureau (approved or later) and whose agreement, where set, overlaps the
    period. A queryset: builders aggregate over it, never loop a query per pairing."""
    from schools.models import Pairing, PairingMember
    from schools.selectors import region_subtree_ids
    from twinning.access import PAIRED_STATUSES

    subtree = region_subtree_ids(region)
    return (
        Pairing.objects.filter(
            Q(region_id__in=subtree)
            | Q(pk__in=PairingMember.objects.filter(region_id__in=subtree).values("pairing_id")),
            status__in=PAIRED_STATUSES,
        )
        .exclude(agreement_start__gt=end)
        .exclude(agreement_end__lt=start)
    )


def fingerprint(facts: dict[str, Any]) -> str:
    encoded = json.dumps(facts, sort_keys=True, default=str, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


_builders: dict[str, Builder] = {}


def register(builder: Builder) -> None:
    _builders[builder.kind] = builder


def kinds() -> set[str]:
    """The kinds built so far (registered)."""
    return set(_builders)


def builder_for(kind: str) -> Builder:
    """The builder of ``kind``; a ``ValidationError`` on ``kind`` for a kind not built yet."""
    try:
        return _builders[kind]
    except KeyError:
        raise ValidationError({"kind": _("Documents of this kind are not built yet.")}) from None
