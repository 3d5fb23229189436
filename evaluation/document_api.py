"""The report archive in the API (``/api/documents/``): the documents the user reads
(filtered like the archive's page), a document's status, its files, and a request to
build a region's document of a past period. Thin wrappers over evaluation.selectors and
evaluation.documents.services, with the pages' rules: a pairing's document is read by
whoever reads its scorecard, a region's by that region's bureau staff and inspectors and
those above (everyone else: 404, the files too); bureau staff ask for their region's."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from schools import selectors as school_selectors
from schools.api import ScopedPrimaryKeyRelatedField
from schools.models import Region
from twinning import access
from twinning.api import (
    ERROR_RESPONSES,
    CharField,
    ErrorSerializer,
    LeanRepresentation,
    ModelSerializer,
    iso_date,
    iso_datetime,
    validation_error_detail,
)
from twinning.text import labels

from . import selectors
from .document_forms import DocumentFilter, region_kind_choices
from .document_views import file_of
from .documents import services
from .models import Document, DocumentKind, DocumentStatus


class DocumentSerializer(LeanRepresentation, ModelSerializer):
    kind_display = CharField(source="get_kind_display", read_only=True)
    status_display = CharField(source="get_status_display", read_only=True)
    region_name = CharField(source="region.name", read_only=True)
    pdf_url = serializers.SerializerMethodField(
        help_text=_("Download the PDF here (signed in); null while there is none.")
    )
    xlsx_url = serializers.SerializerMethodField(
        help_text=_("Download the Excel file here (signed in); null for a kind without one or "
                    "while there is none.")
    )  # fmt: skip

    class Meta:
        model = Document
        fields = [
            "id", "kind", "kind_display", "pairing", "region", "region_name", "period",
            "period_start", "period_end", "version", "status", "status_display", "title",
            "language", "size", "checksum", "xlsx_size", "xlsx_checksum", "fingerprint",
            "requested_by", "requested_at", "built_at", "attempts", "superseded_at",
            "superseded_by", "pdf_url", "xlsx_url",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, d: Document) -> dict:
        return {
            "id": d.pk, "kind": d.kind, "kind_display": labels(DocumentKind)[d.kind],
            "pairing": d.pairing_id, "region": d.region_id, "region_name": d.region.name,
            "period": d.period, "period_start": iso_date(d.period_start),
            "period_end": iso_date(d.period_end), "version": d.version, "status": d.status,
            "status_display": labels(DocumentStatus)[d.status], "title": d.title,
            "language": d.language, "size": d.size, "checksum": d.checksum,
            "xlsx_size": d.xlsx_size, "xlsx_checksum": d.xlsx_checksum,
            "fingerprint": d.fingerprint, "requested_by": d.requested_by_id,
            "requested_at": iso_datetime(d.requested_at), "built_at": iso_datetime(d.built_at),
            "attempts": d.attempts, "superseded_at": iso_datetime(d.superseded_at),
            "superseded_by": d.superseded_by_id, "pdf_url": self.get_pdf_url(d),
            "xlsx_url": self.get_xlsx_url(d),
        }  # fmt: skip

    def get_pdf_url(self, document) -> str | None:
        if not (document.is_downloadable and document.pdf):
            return None
        return reverse("api:document-pdf", args=[document.pk])

    def get_xlsx_url(self, document) -> str | None:
        if not (document.is_downloadable and document.xlsx):
            return None
        return reverse("api:document-xlsx", args=[document.pk])


class DocumentRequestSerializer(serializers.Serializer):
    region = ScopedPrimaryKeyRelatedField(
        Region, school_selectors.region_list_visible_to,
        help_text=_("Id of your region or of one below it."),
    )  # fmt: skip
    kind = serializers.ChoiceField(
        choices=[(v, label) for v, label in DocumentKind.choices if v != "pairing_evaluation"],
        help_text=_("A region's kind; the yearly evaluation of a pairing is built when its "
                    "scorecard is finalised."),
    )  # fmt: skip
    period = serializers.CharField(
        max_length=20,
        help_text=_("The period's key: 2026-03 (a month: the monthly steering sheet), 2026-Q1 "
                    "(the quarterly summary), 2026-H1 (the half-yearly circular), 2026 (the "
                    "school year 2026–2027: the region's yearly evaluation). It must be over."),
    )  # fmt: skip

    def validate_kind(self, kind):
        if kind not in dict(region_kind_choices()):
            raise serializers.ValidationError(_("Documents of this kind are not built yet."))
        return kind


RUNNING = OpenApiResponse(
    ErrorSerializer,
    description=_("That period's document is being built: nothing changed; ``document`` is "
                  "its id."),
)  # fmt: skip
FILE = {(200, "*/*"): OpenApiTypes.BINARY, 404: ErrorSerializer, 409: ErrorSerializer}


@extend_schema_view(
    list=extend_schema(
        description=_("The documents you read, newest period first: a pairing's yearly "
                      "evaluation (read by whoever reads its scorecard) and a region's reports "
                      "(read by its bureau staff and inspectors and those above)."),
    ),
    retrieve=extend_schema(
        responses={200: DocumentSerializer, **ERROR_RESPONSES},
        description=_("A document and its status: queued → building → ready, or failed; "
                      "superseded once a later version is built."),
    ),
    create=extend_schema(
        request=DocumentRequestSerializer,
        responses={202: DocumentSerializer, 200: DocumentSerializer, 409: RUNNING,
                   **ERROR_RESPONSES},
        description=_("Ask for a region's document of a period that is over (bureau staff of "
                      "the region or above it). 202: it is being built (poll its status); 200: "
                      "nothing changed since its ready version, which is returned; 409: it is "
                      "being built already."),
    ),
)  # fmt: skip
class DocumentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Document.objects.none()
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    ordering_fields = ["period_start", "requested_at", "built_at"]
    search_fields = ["title"]

    def get_queryset(self):
        return selectors.document_list_visible_to(self.request.user).select_related("region")

    def retrieve(self, request, pk):
        document = selectors.document_get_for_user(request.user, pk)
        return Response(self.get_serializer(document).data)

    def create(self, request):
        access.require(services.may_ask_for_documents(request.user),
                       _("Only bureau staff ask for documents."))  # fmt: skip
        serializer = DocumentRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            document = services.document_request(
                actor=request.user, kind=data["kind"], subject=data["region"],
                period=data["period"], refuse_running=True,
            )  # fmt: skip
        except services.DocumentRunning as running:
            return Response(
                {"detail": running.messages[0], "document": running.document.pk},
                status=status.HTTP_409_CONFLICT,
            )
        except ValidationError as error:
            raise exceptions.ValidationError(validation_error_detail(error)) from None
        ready = document.status == DocumentStatus.READY
        return Response(
            self.get_serializer(document).data,
            status=status.HTTP_200_OK if ready else status.HTTP_202_ACCEPTED,
        )

    def _file(self, pk, fmt):
        document = selectors.document_get_for_user(self.request.user, pk)
        if not document.is_downloadable:
            return Response(
                {"detail": str(_("This document has no file yet: it is %(status)s.")
                               % {"status": document.get_status_display()})},
                status=status.HTTP_409_CONFLICT,
            )  # fmt: skip
        response = file_of(document, fmt)
        if response is None:
            raise exceptions.NotFound(_("This kind of document has no such file."))
        return response

    @extend_schema(
        responses=FILE,
        description=_("The PDF (a superseded version stamped 已作废 on every page); 409 while "
                      "the document is being built or failed."),
    )  # fmt: skip
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk):
        return self._file(pk, "pdf")

    @extend_schema(
        responses=FILE,
        description=_("The Excel file of the kinds that have one; 409 while the document is "
                      "being built or failed."),
    )  # fmt: skip
    @action(detail=True, methods=["get"])
    def xlsx(self, request, pk):
        return self._file(pk, "xlsx")
