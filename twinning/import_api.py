"""The import API: upload a spreadsheet to check, read the check, confirm the import.

The same path as the pages (twinning.imports): a file is checked in a dry run and
kept; nothing is written until its uploader confirms a file without errors. A long
file is checked and imported by a worker: the batch says ``checking`` or
``importing`` with ``done`` of ``rows``; poll it until it says otherwise.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from . import imports
from .access import require, resolve_scope
from .api import ERROR_RESPONSES, CharField, IntegerField, iso_datetime
from .filters import ImportBatchFilter
from .models import ImportBatch


class ImportErrorSerializer(serializers.Serializer):
    row = IntegerField(
        label=_("row"), help_text=_("The row of the spreadsheet (the header is row 1); 0 for "
                                    "the file as a whole.")
    )  # fmt: skip
    column = CharField(label=_("column"), help_text=_("The column's header; empty for the row."))
    message = CharField(label=_("message"))


class ImportCountsSerializer(serializers.Serializer):
    new = IntegerField(label=_("added"))
    update = IntegerField(label=_("updated"))
    skip = IntegerField(label=_("unchanged"))
    error = IntegerField(label=_("rows with errors"))


class ImportBatchSerializer(serializers.Serializer):
    id = IntegerField(read_only=True)
    kind = CharField(label=_("records"))
    kind_name = CharField(label=_("records, in words"))
    filename = CharField(label=_("file name"))
    uploaded_by = CharField(label=_("uploaded by"))
    status = serializers.ChoiceField(choices=ImportBatch.Status.choices, label=_("status"))
    status_display = CharField(label=_("status, in words"))
    rows = IntegerField(label=_("rows"))
    done = IntegerField(
        label=_("rows done"), help_text=_("While a worker checks or imports the file.")
    )
    counts = ImportCountsSerializer(
        allow_null=True,
        label=_("counts"),
        help_text=_("What importing the file does (ready) or did (imported); null before."),
    )
    errors = ImportErrorSerializer(many=True, label=_("errors"))
    created_at = serializers.DateTimeField(label=_("uploaded at"))
    imported_at = serializers.DateTimeField(allow_null=True, label=_("imported at"))
    error_report = CharField(
        label=_("error report"), help_text=_("The errors beside their rows, as Excel.")
    )

    def to_representation(self, batch):
        request = self.context.get("request")
        report = reverse("imports:errors_xlsx", args=[batch.pk])
        return {
            "id": batch.pk,
            "kind": batch.kind,
            "kind_name": batch.kind_name,
            "filename": batch.filename,
            "uploaded_by": batch.user.display_name,
            "status": batch.status,
            "status_display": batch.get_status_display(),
            "rows": batch.rows,
            "done": imports.progress_of(batch),
            "counts": {key: batch.counts.get(key, 0) for key in ("new", "update", "skip", "error")}
            if batch.counts
            else None,
            "errors": [
                {"row": e["row"], "column": e["column"], "message": e["message"]}
                for e in batch.errors
            ],
            "created_at": iso_datetime(batch.created_at),
            "imported_at": iso_datetime(batch.imported_at) if batch.imported_at else None,
            "error_report": request.build_absolute_uri(report) if request else report,
        }


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[], label=_("records"), help_text=_("What the file holds (see imports/kinds/).")
    )
    file = serializers.FileField(
        label=_("file"), help_text=imports.FILE_HELP, allow_empty_file=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, k) for k in sorted(imports.KINDS)]


class ImportKindSerializer(serializers.Serializer):
    kind = CharField(label=_("records"))
    name = CharField(label=_("records, in words"))
    title = CharField(label=_("title"))
    matching = CharField(label=_("matching"), help_text=_("How a row finds the record it updates."))
    columns = serializers.ListField(child=CharField(), label=_("columns"))
    required = serializers.ListField(child=CharField(), label=_("required columns"))
    template = CharField(label=_("template"), help_text=_("The Excel template to fill in."))


@extend_schema_view(
    list=extend_schema(
        description=_("The imports you may look at: your own and, for bureau staff, those of "
                      "the people of their regions; newest first, without the files.")
    ),
    retrieve=extend_schema(responses={200: ImportBatchSerializer, **ERROR_RESPONSES}),
    create=extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportBatchSerializer, **ERROR_RESPONSES},
        description=_("Upload a spreadsheet (xlsx, or CSV in UTF-8 or GBK) to check. Nothing is "
                      "written: the answer lists every error by row and column, or says it is "
                      "ready to import. A long file says checking: poll it."),
    ),
)  # fmt: skip
class ImportBatchViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Spreadsheet imports of schools, teachers, students, pairings, mentorships and
    activities: upload → check (dry run) → confirm (all rows or none)."""

    queryset = ImportBatch.objects.none()
    serializer_class = ImportBatchSerializer
    filterset_class = ImportBatchFilter
    ordering_fields = ["created_at"]
    parser_classes = [MultiPartParser, JSONParser]  # a file to upload; confirm has no body

    def get_queryset(self):
        return imports.import_batch_list_visible_to(self.request.user)

    def _read(self, pk, status_code=status.HTTP_200_OK) -> Response:
        batch = imports.import_batch_get_for_user(self.request.user, pk)
        return Response(
            ImportBatchSerializer(batch, context=self.get_serializer_context()).data,
            status=status_code,
        )

    def retrieve(self, request, pk):
        return self._read(pk)

    def create(self, request):
        # A body that is not an object (JSON [] or "x") has no kind; the serializer says so.
        kind = request.data.get("kind") if hasattr(request.data, "get") else None
        # Who may import this kind is checked before the file is looked at.
        if isinstance(kind, str) and kind in imports.KINDS:
            known = imports.KINDS[kind]
            require(known.may_import(resolve_scope(request.user)), str(known.refusal))
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        batch = imports.import_upload(
            actor=request.user,
            kind=imports.KINDS[serializer.validated_data["kind"]],
            filename=upload.name or "upload",
            content=upload.read(imports.MAX_BYTES + 1),
        )
        return self._read(batch.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: ImportBatchSerializer, 202: ImportBatchSerializer, **ERROR_RESPONSES},
        description=_("Import a file that was checked without errors, all rows or none (only "
                      "its uploader, once). 200 when done (imported, or errors found as it was "
                      "written and nothing kept); 202 when a worker imports it: poll the batch."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk):
        batch = imports.import_batch_get_for_user(request.user, pk)
        batch = imports.import_confirm(actor=request.user, batch=batch)
        running = batch.status == ImportBatch.Status.IMPORTING
        return self._read(pk, status.HTTP_202_ACCEPTED if running else status.HTTP_200_OK)

    @extend_schema(
        responses={200: ImportKindSerializer(many=True)},
        description=_("The kinds of record you may import, with their columns and template."),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def kinds(self, request):
        data = []
        for kind in imports.kinds_for(resolve_scope(request.user)):
            resource = kind.resource_class()
            data.append(
                {
                    "kind": kind.key,
                    "name": str(kind.name),
                    "title": str(kind.title),
                    "matching": str(kind.matching),
                    "columns": list(resource.COLUMNS.values()),
                    "required": resource.required_headers(),
                    "template": request.build_absolute_uri(
                        reverse("imports:template", args=[kind.key])
                    ),
                }
            )
        return Response(data)
