"""Exchange activities in the API: the same selectors and services as the pages."""

from __future__ import annotations

import re

from django.core.validators import RegexValidator
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from schools import selectors as school_selectors
from schools.api import ScopedPrimaryKeyRelatedField
from schools.filters import PairingFilter
from schools.models import Pairing, School
from teachers import selectors as teacher_selectors
from teachers.models import Teacher
from twinning import access, progress
from twinning.api import (
    ERROR_RESPONSES,
    FILE_RESPONSES,
    BooleanField,
    CharField,
    IntegerField,
    LeanRepresentation,
    ModelSerializer,
    UploadSerializer,
    WebLinkField,
    iso_date,
    iso_datetime,
)
from twinning.attachments import stored_file_response
from twinning.text import labels

from . import kinds, participation, selectors, services, targets
from .filters import ActivityFilter, ResourceFilter, SecondmentFilter
from .models import (
    MAX_STUDENTS,
    Activity,
    ActivityKind,
    ActivityStatus,
    Evidence,
    Grade,
    Participation,
    Resource,
    ResourceCategory,
    Secondment,
    SecondmentKind,
    TargetPeriod,
    TargetSide,
    TargetSubject,
)


class ActivityKindSerializer(LeanRepresentation, ModelSerializer):
    name = CharField(read_only=True, help_text=_("In the language of the request."))

    class Meta:
        model = ActivityKind
        fields = ["code", "name", "name_zh", "name_en", "order", "is_active"]
        read_only_fields = fields

    def represent(self, k: ActivityKind) -> dict:
        return {"code": k.code, "name": k.name, "name_zh": k.name_zh, "name_en": k.name_en,
                "order": k.order, "is_active": k.is_active}  # fmt: skip


class EvidenceSerializer(LeanRepresentation, ModelSerializer):
    url = CharField(read_only=True, help_text=_("Download it here (signed in)."))
    thumbnail_url = CharField(
        read_only=True, allow_null=True, help_text=_("A small JPEG of a photo; null otherwise.")
    )

    class Meta:
        model = Evidence
        fields = ["id", "name", "content_type", "size", "uploaded_at", "url", "thumbnail_url"]
        read_only_fields = fields

    def represent(self, e: Evidence) -> dict:
        return {
            "id": e.pk, "name": e.name, "content_type": e.content_type, "size": e.size,
            "uploaded_at": iso_datetime(e.uploaded_at),
            "url": reverse("api:evidence-detail", args=[e.pk]),
            "thumbnail_url": reverse("activities:evidence_thumbnail", args=[e.pk])
            if e.thumbnail else None,
        }  # fmt: skip


class ActivitySerializer(LeanRepresentation, ModelSerializer):
    kind = CharField(source="kind.code", read_only=True, help_text=_("The kind's code."))
    kind_name = CharField(source="kind.name", read_only=True)
    host_school_name = CharField(source="host_school.name", read_only=True)
    status_display = CharField(source="get_status_display", read_only=True)
    participants = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text=_("Ids of the participating teachers.")
    )
    evidence = EvidenceSerializer(many=True, read_only=True)
    warnings = serializers.ListField(
        child=CharField(), read_only=True,
        help_text=_("After a write: participants booked elsewhere at the same time."),
    )  # fmt: skip

    class Meta:
        model = Activity
        fields = [
            "id", "pairing", "kind", "kind_name", "title", "host_school", "host_school_name",
            "starts_at", "ends_at", "place", "online_link", "organiser", "student_count",
            "description", "status", "status_display", "summary", "cancel_reason",
            "closed_at", "participants", "evidence", "warnings",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, a: Activity) -> dict:
        return {
            "id": a.pk, "pairing": a.pairing_id, "kind": a.kind.code, "kind_name": a.kind.name,
            "title": a.title, "host_school": a.host_school_id,
            "host_school_name": a.host_school.name, "starts_at": iso_datetime(a.starts_at),
            "ends_at": iso_datetime(a.ends_at), "place": a.place,
            "online_link": a.online_link, "organiser": a.organiser_id,
            "student_count": a.student_count, "description": a.description,
            "status": a.status, "status_display": labels(ActivityStatus)[a.status],
            "summary": a.summary, "cancel_reason": a.cancel_reason,
            "closed_at": iso_datetime(a.closed_at),
            "participants": [p.teacher_id for p in a.participations.all()],
            "evidence": [EvidenceSerializer.represent(None, e) for e in a.evidence.all()],
            "warnings": self.context.get("warnings", []),
        }  # fmt: skip


class ActivityWriteSerializer(serializers.Serializer):
    kind = serializers.SlugRelatedField(
        slug_field="code", queryset=ActivityKind.objects.all(), label=_("kind"),
        help_text=_("The code of a kind of activity in use."),
    )  # fmt: skip
    title = CharField(max_length=200, label=_("title"))
    host_school = ScopedPrimaryKeyRelatedField(
        School, school_selectors.school_list_of_visible_pairings, label=_("host school"),
        help_text=_("One of the pairing's schools."),
    )  # fmt: skip
    starts_at = serializers.DateTimeField(label=_("starts"))
    ends_at = serializers.DateTimeField(label=_("ends"))
    place = CharField(max_length=200, required=False, allow_blank=True, label=_("place"))
    online_link = WebLinkField(label=_("online link"))
    participants = ScopedPrimaryKeyRelatedField(
        Teacher, teacher_selectors.teacher_list_visible_to, many=True, required=False,
        label=_("participating teachers"), help_text=_("Ids of teachers of the pairing's schools."),
    )  # fmt: skip
    student_count = IntegerField(
        min_value=0, max_value=MAX_STUDENTS, required=False, label=_("students taking part")
    )
    description = CharField(required=False, allow_blank=True, label=_("plan"))


class ActivityCreateSerializer(ActivityWriteSerializer):
    pairing = ScopedPrimaryKeyRelatedField(
        Pairing, school_selectors.pairing_list_visible_to, label=_("pairing")
    )


class ActivityUpdateSerializer(ActivityWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class CompleteSerializer(serializers.Serializer):
    summary = CharField(label=_("summary"))
    student_count = IntegerField(
        min_value=0, max_value=MAX_STUDENTS, required=False, label=_("students taking part")
    )
    evidence = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=services.MAX_EVIDENCE,
        label=_("evidence"),
        help_text=_("Files sent with the request (multipart); at least one in all, counting "
                    "those already uploaded."),
    )  # fmt: skip


class CancelSerializer(serializers.Serializer):
    reason = CharField(label=_("reason"))


class PostponeSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(label=_("new start"))
    ends_at = serializers.DateTimeField(label=_("new end"))
    reason = CharField(required=False, allow_blank=True, label=_("reason"))


def _schema(request, description):
    return extend_schema(
        request=request, responses={200: ActivitySerializer, **ERROR_RESPONSES},
        description=description,
    )  # fmt: skip


@extend_schema_view(
    create=extend_schema(
        request=ActivityCreateSerializer, responses={201: ActivitySerializer, **ERROR_RESPONSES}
    ),
    partial_update=extend_schema(
        request=ActivityUpdateSerializer, responses={200: ActivitySerializer, **ERROR_RESPONSES}
    ),
)
class ActivityViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Exchange activities of the pairings the user may see. The coordinators of either
    school and the programme's bureau schedule, change, postpone, log and cancel them."""

    queryset = Activity.objects.none()
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    search_fields = ["title", "place"]
    ordering_fields = ["starts_at", "ends_at", "created_at"]

    def get_queryset(self):
        return selectors.activity_list_visible_to(self.request.user).prefetch_related(
            Prefetch("participations", queryset=Participation.objects.only("activity", "teacher")),
            "evidence",
        )

    def get_object(self):
        return selectors.activity_get_for_user(self.request.user, self.kwargs["pk"])

    def _read(self, pk, status_code=status.HTTP_200_OK, clashes=()) -> Response:
        activity = self.get_queryset().get(pk=pk)
        context = {**self.get_serializer_context(), "warnings": [c.message for c in clashes]}
        return Response(ActivitySerializer(activity, context=context).data, status=status_code)

    def retrieve(self, request, pk):
        return self._read(self.get_object().pk)

    def create(self, request):
        serializer = ActivityCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        activity, clashes = services.activity_schedule(actor=request.user, **data)
        return self._read(activity.pk, status.HTTP_201_CREATED, clashes)

    def partial_update(self, request, pk):
        activity = selectors.activity_get_for_user(request.user, pk, write=True)
        serializer = ActivityUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        activity, clashes = services.activity_update(
            actor=request.user, activity=activity, **serializer.validated_data
        )
        return self._read(activity.pk, clashes=clashes)

    @extend_schema(
        request={"multipart/form-data": CompleteSerializer, "application/json": CompleteSerializer},
        responses={200: ActivitySerializer, **ERROR_RESPONSES},
        description=_(
            "planned or postponed → completed, once it has started: a summary, and evidence "
            "(uploaded before or sent here)."
        ),
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, JSONParser])
    def complete(self, request, pk):
        activity = selectors.activity_get_for_user(request.user, pk, write=True)
        serializer = CompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.activity_complete(
            actor=request.user, activity=activity, summary=data["summary"],
            files=data.get("evidence", []), student_count=data.get("student_count"),
        )  # fmt: skip
        return self._read(pk)

    @_schema(CancelSerializer, _("planned or postponed → cancelled (reason required)."))
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk):
        activity = selectors.activity_get_for_user(request.user, pk, write=True)
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.activity_cancel(actor=request.user, activity=activity, **serializer.validated_data)
        return self._read(pk)

    @_schema(PostponeSerializer, _("Move to new dates; the earlier ones are kept."))
    @action(detail=True, methods=["post"])
    def postpone(self, request, pk):
        activity = selectors.activity_get_for_user(request.user, pk, write=True)
        serializer = PostponeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _activity, clashes = services.activity_postpone(
            actor=request.user, activity=activity, **serializer.validated_data
        )
        return self._read(pk, clashes=clashes)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={200: ActivitySerializer, **ERROR_RESPONSES},
        description=_("Add a photo, sign-in sheet or minutes (the type is read from the content)."),
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def evidence(self, request, pk):
        # Who may add files is checked before the body is read: a read-only user gets 403.
        activity = selectors.activity_get_for_user(request.user, pk, write=True)
        serializer = UploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.evidence_add(
            actor=request.user, activity=activity, files=[serializer.validated_data["file"]]
        )
        return self._read(pk)


class KindCodeField(CharField):
    """A kind's code exactly as the schema's pattern says: no blank trimmed away, no line
    break after it (which the pattern's ``$`` lets through in Python)."""

    default_error_messages = {
        "code": _("Write the code in lowercase letters, digits, “-” and “_”, e.g. joint_lesson.")
    }

    def __init__(self, **kwargs):
        kwargs.update(max_length=40, trim_whitespace=False)
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(kinds.CODE_PATTERN, self.error_messages["code"]))

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not kinds.is_code(value):
            self.fail("code")
        return value


class ActivityKindUpdateSerializer(serializers.Serializer):
    name_zh = CharField(max_length=60, required=False, label=_("name in Chinese"))
    name_en = CharField(max_length=80, required=False, label=_("name in English"))
    order = IntegerField(
        min_value=0, max_value=32767, required=False, label=_("order"),
        help_text=_("The list is sorted by it, smallest first."),
    )  # fmt: skip
    is_active = BooleanField(
        required=False, label=_("in use"),
        help_text=_("false takes the kind out of use (refused while a programme's current "
                    "exchange target counts it); true puts it back."),
    )  # fmt: skip


class ActivityKindCreateSerializer(serializers.Serializer):
    code = KindCodeField(
        label=_("code"),
        help_text=_("Lowercase letters, digits, “-” and “_”; unique, and fixed once made."),
    )
    name_zh = CharField(max_length=60, label=_("name in Chinese"))
    name_en = CharField(max_length=80, label=_("name in English"))
    order = IntegerField(
        min_value=0, max_value=32767, required=False, default=100, label=_("order"),
        help_text=_("The list is sorted by it, smallest first."),
    )  # fmt: skip


@extend_schema_view(
    create=extend_schema(
        request=ActivityKindCreateSerializer,
        responses={201: ActivityKindSerializer, **ERROR_RESPONSES},
        description=_("Add a kind, in use (administrators and the province's bureau)."),
    ),
    partial_update=extend_schema(
        request=ActivityKindUpdateSerializer,
        responses={200: ActivityKindSerializer, **ERROR_RESPONSES},
        description=_(
            "Rename, reorder, take out of use or back into use (administrators and "
            "the province's bureau). A kind is never deleted."
        ),
    ),
)
class ActivityKindViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The kinds of activity, in the list's order: one list for every region, named by
    code. Everyone reads it; administrators and the province's bureau add and change
    kinds (here, or on the list of kinds, /activities/kinds/)."""

    queryset = ActivityKind.objects.none()
    serializer_class = ActivityKindSerializer
    pagination_class = None
    filter_backends: list = []
    lookup_field = "code"
    lookup_value_regex = "[a-z0-9_-]+"

    def get_queryset(self):
        return ActivityKind.objects.all()

    def _require_keeper(self) -> None:
        # Checked before the body is read: one who may not change the list gets 403.
        access.require(
            access.can_manage_activity_kinds(access.resolve_scope(self.request.user)),
            _("Administrators and the province's bureau keep the list of activity kinds."),
        )

    def create(self, request):
        self._require_keeper()
        serializer = ActivityKindCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kind = services.activity_kind_create(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(kind).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, code):
        kind = selectors.activity_kind_get(code=code)
        self._require_keeper()
        serializer = ActivityKindUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        kind = services.activity_kind_update(
            actor=request.user, kind=kind, **serializer.validated_data
        )
        return Response(self.get_serializer(kind).data)


class EvidenceViewSet(viewsets.GenericViewSet):
    """An activity's file, to those who may read the activity."""

    queryset = Evidence.objects.none()
    serializer_class = EvidenceSerializer

    @extend_schema(responses=FILE_RESPONSES)
    def retrieve(self, request, pk):
        evidence = selectors.evidence_get_for_user(request.user, pk)
        return stored_file_response(evidence)

    @extend_schema(
        request=None, responses={204: None, **ERROR_RESPONSES},
        description=_("Remove a file; a completed activity keeps at least one."),
    )  # fmt: skip
    def destroy(self, request, pk):
        evidence = selectors.evidence_get_for_user(request.user, pk)
        selectors.activity_get_for_user(request.user, evidence.activity_id, write=True)
        services.evidence_remove(actor=request.user, evidence=evidence)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- secondments ---------------------------------------------------------------------------


class SecondmentSerializer(LeanRepresentation, ModelSerializer):
    kind_display = CharField(source="get_kind_display", read_only=True)
    teacher_name = CharField(source="teacher.name", read_only=True)
    home_school_name = CharField(source="home_school.name", read_only=True)
    host_school_name = CharField(source="host_school.name", read_only=True)
    days_served = IntegerField(
        source="served", read_only=True,
        help_text=_("Working days served so far, by the host school's calendar."),
    )  # fmt: skip
    days_planned = IntegerField(
        source="planned", read_only=True, help_text=_("Working days from the first to the last.")
    )
    days_confirmed = IntegerField(
        read_only=True, allow_null=True,
        help_text=_("Working days served as the host school confirmed them; null until then, "
                    "and again once the dates change."),
    )  # fmt: skip

    class Meta:
        model = Secondment
        fields = [
            "id", "pairing", "kind", "kind_display", "teacher", "teacher_name", "home_school",
            "home_school_name", "host_school", "host_school_name", "start", "end", "duties",
            "days_served", "days_planned", "days_confirmed", "days_confirmed_at",
            "cancelled_at", "cancelled_reason",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, s: Secondment) -> dict:
        return {
            "id": s.pk, "pairing": s.pairing_id, "kind": s.kind,
            "kind_display": labels(SecondmentKind)[s.kind], "teacher": s.teacher_id,
            "teacher_name": s.teacher.name, "home_school": s.home_school_id,
            "home_school_name": s.home_school.name, "host_school": s.host_school_id,
            "host_school_name": s.host_school.name, "start": iso_date(s.start),
            "end": iso_date(s.end), "duties": s.duties, "days_served": s.served,
            "days_planned": s.planned, "days_confirmed": s.days_confirmed,
            "days_confirmed_at": iso_datetime(s.days_confirmed_at),
            "cancelled_at": iso_datetime(s.cancelled_at),
            "cancelled_reason": s.cancelled_reason,
        }  # fmt: skip


class SecondmentWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SecondmentKind.choices, label=_("kind"))
    teacher = ScopedPrimaryKeyRelatedField(
        Teacher, teacher_selectors.teacher_list_visible_to, label=_("person"),
        help_text=_("Id of a teacher of one of the pairing's schools."),
    )  # fmt: skip
    host_school = ScopedPrimaryKeyRelatedField(
        School, school_selectors.school_list_of_visible_pairings, label=_("host school"),
        help_text=_("The partner school."),
    )  # fmt: skip
    start = serializers.DateField(label=_("first day"))
    end = serializers.DateField(label=_("last day"))
    duties = CharField(label=_("duties"))


class ConfirmDaysSerializer(serializers.Serializer):
    days = IntegerField(
        min_value=0, label=_("days"),
        help_text=_("Working days served, from 0 to the days planned."),
    )  # fmt: skip


class SecondmentCreateSerializer(SecondmentWriteSerializer):
    pairing = ScopedPrimaryKeyRelatedField(
        Pairing, school_selectors.pairing_list_visible_to, label=_("pairing")
    )


class SecondmentUpdateSerializer(SecondmentWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


@extend_schema_view(
    create=extend_schema(
        request=SecondmentCreateSerializer,
        responses={201: SecondmentSerializer, **ERROR_RESPONSES},
    ),
    partial_update=extend_schema(
        request=SecondmentUpdateSerializer,
        responses={200: SecondmentSerializer, **ERROR_RESPONSES},
    ),
)
class SecondmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Secondments (挂职, 支教, 跟岗) of the pairings the user may see, with the working
    days served. The coordinators of either school and the programme's bureau record,
    change and cancel them; one person is never seconded twice at once. The host school's
    coordinators and the programme's bureau confirm the days served."""

    queryset = Secondment.objects.none()
    serializer_class = SecondmentSerializer
    filterset_class = SecondmentFilter
    search_fields = ["teacher__name", "duties"]
    ordering_fields = ["start", "end"]

    def get_queryset(self):
        return selectors.secondment_list_visible_to(self.request.user)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            self.get_serializer(selectors.with_days(page), many=True).data
        )

    def _read(self, pk, status_code=status.HTTP_200_OK) -> Response:
        secondment = selectors.secondment_get_for_user(self.request.user, pk)
        return Response(
            self.get_serializer(selectors.with_days([secondment])[0]).data, status=status_code
        )

    def retrieve(self, request, pk):
        return self._read(pk)

    def create(self, request):
        serializer = SecondmentCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        secondment = services.secondment_record(actor=request.user, **serializer.validated_data)
        return self._read(secondment.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        secondment = selectors.secondment_get_for_user(request.user, pk, write=True)
        serializer = SecondmentUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        services.secondment_update(
            actor=request.user, secondment=secondment, **serializer.validated_data
        )
        return self._read(pk)

    @extend_schema(
        request=CancelSerializer, responses={200: SecondmentSerializer, **ERROR_RESPONSES},
        description=_("A secondment that did not take place (reason required)."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk):
        secondment = selectors.secondment_get_for_user(request.user, pk, write=True)
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.secondment_cancel(
            actor=request.user, secondment=secondment, **serializer.validated_data
        )
        return self._read(pk)

    @extend_schema(
        request=ConfirmDaysSerializer, responses={200: SecondmentSerializer, **ERROR_RESPONSES},
        description=_("The working days served, confirmed by the host school's coordinators or "
                      "the pairing's bureau from three days before the last day; again to "
                      "correct them. Not for a cancelled secondment."),
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="confirm-days")
    def confirm_days(self, request, pk):
        secondment = selectors.secondment_get_for_user(request.user, pk)
        # Who may confirm is checked before the body is read: a read-only user gets 403.
        access.require(
            services.can_confirm_days(request.user, secondment),
            _("The host school's coordinators and the pairing's bureau confirm the days served."),
        )
        serializer = ConfirmDaysSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.secondment_confirm_days(
            actor=request.user, secondment=secondment, **serializer.validated_data
        )
        return self._read(pk)


# --- exchange targets -----------------------------------------------------------------------


class TargetSerializer(serializers.Serializer):
    subject = serializers.ChoiceField(choices=TargetSubject.choices, read_only=True)
    kind = CharField(read_only=True, allow_null=True, help_text=_("The kind's code, or null."))
    minimum = IntegerField(read_only=True)
    period = serializers.ChoiceField(choices=TargetPeriod.choices, read_only=True)
    side = serializers.ChoiceField(choices=TargetSide.choices, read_only=True)


class TargetLineSerializer(serializers.Serializer):
    target = TargetSerializer(read_only=True)
    label = CharField(read_only=True)
    start = serializers.DateField(read_only=True)
    end = serializers.DateField(read_only=True)
    done = IntegerField(read_only=True)
    required = IntegerField(read_only=True)
    expected = IntegerField(read_only=True, help_text=_("What should be done by today."))
    status = serializers.ChoiceField(choices=progress.STATUS_CHOICES, read_only=True)
    status_label = CharField(read_only=True)


class TargetStandingSerializer(serializers.Serializer):
    pairing = IntegerField(source="pairing_id", read_only=True)
    status = serializers.ChoiceField(choices=progress.STATUS_CHOICES, read_only=True)
    status_label = CharField(read_only=True)
    lines = TargetLineSerializer(many=True, read_only=True)


class TargetRollupSerializer(serializers.Serializer):
    id = IntegerField(read_only=True, allow_null=True, help_text=_("The county's id."))
    name = CharField(read_only=True)
    met = IntegerField(read_only=True)
    on_track = IntegerField(read_only=True)
    behind = IntegerField(read_only=True)
    missed = IntegerField(read_only=True)
    total = IntegerField(read_only=True)


class ExchangeTargetViewSet(viewsets.GenericViewSet):
    """Where approved and active pairings stand against their exchange targets this term
    and school year: by county (the list; the pairing list's filters apply), or one
    pairing's lines (by the pairing's id)."""

    queryset = Pairing.objects.none()
    serializer_class = TargetStandingSerializer
    filterset_class = PairingFilter
    pagination_class = None

    def get_queryset(self):
        return school_selectors.pairing_list_visible_to(self.request.user)

    @extend_schema(
        responses={200: TargetRollupSerializer(many=True), **ERROR_RESPONSES},
        description=_("Pairings by standing, per county (the assisted school's), worst "
                      "first; at most a minute old."),
    )  # fmt: skip
    def list(self, request):
        pairings = self.filter_queryset(self.get_queryset())
        params = progress.query_params(request.query_params)
        rows, _as_of = progress.kept(
            "exchange-targets-api", request.user, params, lambda: targets.rollup(pairings)
        )
        return Response(TargetRollupSerializer(rows, many=True).data)

    @extend_schema(responses={200: TargetStandingSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, pk):
        pairing = school_selectors.pairing_get_for_user(request.user, pk)
        return Response(TargetStandingSerializer(targets.pairing_standing(pairing)).data)


# --- the shared resource library -------------------------------------------------------------


class ResourceSerializer(LeanRepresentation, ModelSerializer):
    category_display = CharField(source="get_category_display", read_only=True)
    school_name = CharField(source="school.name", read_only=True)
    url = CharField(read_only=True, help_text=_("Download it here (signed in)."))

    class Meta:
        model = Resource
        fields = [
            "id", "pairing", "title", "description", "category", "category_display",
            "subject", "grade", "activity", "school", "school_name", "name", "content_type",
            "size", "uploaded_by", "uploaded_at", "url",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, r: Resource) -> dict:
        return {
            "id": r.pk, "pairing": r.pairing_id, "title": r.title,
            "description": r.description, "category": r.category,
            "category_display": labels(ResourceCategory)[r.category], "subject": r.subject,
            "grade": r.grade, "activity": r.activity_id, "school": r.school_id,
            "school_name": r.school.name, "name": r.name, "content_type": r.content_type,
            "size": r.size, "uploaded_by": r.uploaded_by_id,
            "uploaded_at": iso_datetime(r.uploaded_at),
            "url": reverse("api:resource-file", args=[r.pk]),
        }  # fmt: skip


class FormIdField(ScopedPrimaryKeyRelatedField):
    """A scoped id sent in a multipart form, where every value is text: digits, or
    ``null`` (or nothing) for none."""

    def run_validation(self, data=serializers.empty):
        if self.allow_null and data in ("null", ""):
            data = None
        return super().run_validation(data)

    def to_internal_value(self, data):
        if isinstance(data, str) and re.fullmatch(r"-?[0-9]{1,20}", data):
            if abs(int(data)) >= 2**63:  # no id is that large
                self.fail("does_not_exist", pk_value=data)
            data = int(data)
        return super().to_internal_value(data)


class ResourceUploadSerializer(serializers.Serializer):
    pairing = FormIdField(Pairing, school_selectors.pairing_list_visible_to, label=_("pairing"))
    file = serializers.FileField(label=_("file"))
    title = CharField(max_length=200, label=_("title"))
    category = serializers.ChoiceField(choices=ResourceCategory.choices, label=_("category"))
    subject = CharField(max_length=30, required=False, allow_blank=True, label=_("subject"))
    grade = serializers.ChoiceField(
        choices=Grade.choices, required=False, allow_blank=True, label=_("grade")
    )
    description = CharField(required=False, allow_blank=True, label=_("description"))
    activity = FormIdField(
        Activity, selectors.activity_list_visible_to, required=False, allow_null=True,
        label=_("produced by the activity"),
    )  # fmt: skip


@extend_schema_view(
    create=extend_schema(
        request={"multipart/form-data": ResourceUploadSerializer},
        responses={201: ResourceSerializer, **ERROR_RESPONSES},
        description=_("Share a file with the pairing (its schools' teachers and coordinators)."),
    ),
    destroy=extend_schema(
        responses={204: None, **ERROR_RESPONSES},
        description=_("Remove it: whoever shared it, their school's coordinators, the bureau."),
    ),
)
class ResourceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):  # fmt: skip
    """The shared libraries (资源共享) of the pairings whose schools the user belongs to or
    whose bureau they are; inspectors and everyone else see none."""

    queryset = Resource.objects.none()
    serializer_class = ResourceSerializer
    filterset_class = ResourceFilter
    search_fields = ["title", "description"]
    ordering_fields = ["uploaded_at", "title"]

    def get_queryset(self):
        return selectors.resource_list_visible_to(self.request.user)

    def get_object(self):
        return selectors.resource_get_for_user(self.request.user, self.kwargs["pk"])

    # A file comes as multipart; the rest of the API speaks JSON.
    parser_classes = [MultiPartParser, JSONParser]

    def create(self, request):
        serializer = ResourceUploadSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        resource = services.resource_share(
            actor=request.user, pairing=data.pop("pairing"), upload=data.pop("file"), **data
        )
        return Response(
            ResourceSerializer(resource, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def destroy(self, request, pk):
        services.resource_remove(actor=request.user, resource=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=FILE_RESPONSES)
    @action(detail=True, methods=["get"])
    def file(self, request, pk):
        resource = self.get_object()
        return stored_file_response(resource)


# --- a teacher's participation record --------------------------------------------------------


class CountSerializer(serializers.Serializer):
    label = CharField(read_only=True)
    count = IntegerField(read_only=True)


class ParticipationSerializer(serializers.Serializer):
    teacher = IntegerField(read_only=True)
    teacher_name = CharField(read_only=True)
    school_name = CharField(read_only=True)
    school_year = IntegerField(read_only=True, help_text=_("2026 for 2026–2027."))
    mentorships = IntegerField(read_only=True)
    records = IntegerField(read_only=True, help_text=_("Mentorship records the teacher filed."))
    records_by_kind = CountSerializer(many=True, read_only=True)
    open_lessons = IntegerField(read_only=True)
    activities = IntegerField(read_only=True, help_text=_("Completed exchanges taken part in."))
    activities_by_kind = CountSerializer(many=True, read_only=True)
    secondment_days = IntegerField(read_only=True)
    resources_shared = IntegerField(read_only=True)


class ParticipationQuerySerializer(serializers.Serializer):
    year = IntegerField(
        required=False, min_value=2000, max_value=2100,
        help_text=_("The school year (its first calendar year); this one by default."),
    )  # fmt: skip


class ParticipationViewSet(viewsets.GenericViewSet):
    """A teacher's participation record for a school year (for title review): to the
    teacher, their school's coordinators and their region's bureau. The PDF is at
    /teachers/{id}/participation.pdf."""

    queryset = Teacher.objects.none()
    serializer_class = ParticipationSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        parameters=[ParticipationQuerySerializer],
        responses={200: ParticipationSerializer, **ERROR_RESPONSES},
    )
    def retrieve(self, request, pk):
        teacher = teacher_selectors.teacher_get_for_user(request.user, pk)
        access.require(participation.can_read(request.user, teacher))
        query = ParticipationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or participation.year_choices()[0]
        record = participation.build(teacher, year)
        return Response({
            "teacher": teacher.pk, "teacher_name": teacher.name,
            "school_name": teacher.school.name, "school_year": year,
            "mentorships": len(record.mentorships), "records": record.records_total,
            "records_by_kind": [{"label": label, "count": n}
                                for label, n, _kind in record.record_counts],
            "open_lessons": record.open_lessons, "activities": len(record.activities),
            "activities_by_kind": [{"label": k, "count": n} for k, n in record.activity_counts],
            "secondment_days": record.secondment_days,
            "resources_shared": len(record.resources),
        })  # fmt: skip
