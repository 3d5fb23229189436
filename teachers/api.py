"""The teacher registry in the API: the same selectors and services as the pages."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from schools import selectors as school_selectors
from schools.api import ScopedPrimaryKeyRelatedField
from schools.models import Pairing, School
from twinning import access, progress
from twinning.api import (
    ERROR_RESPONSES,
    FILE_RESPONSES,
    CharField,
    IntegerField,
    LeanRepresentation,
    ModelSerializer,
    UploadSerializer,
    iso_date,
    iso_datetime,
)
from twinning.attachments import stored_file_response
from twinning.text import labels

from . import compliance, selectors, services
from .filters import MentorshipFilter, RecordFilter, TeacherFilter
from .models import (
    REFLECTION_QUESTIONS,
    Honour,
    Mentorship,
    MentorshipRecord,
    MentorshipStatus,
    Period,
    RecordAttachment,
    RecordComment,
    RecordKind,
    Teacher,
)


class HonourSerializer(ModelSerializer):
    year = IntegerField(
        required=False, allow_null=True, min_value=services.EARLIEST_YEAR, max_value=2100,
        label=_("year awarded"),
    )  # fmt: skip

    class Meta:
        model = Honour
        fields = ["kind", "level", "year"]
        # The set is checked as a whole by the service (an honour listed twice).
        validators = []


class TeacherSerializer(ModelSerializer):
    school = ScopedPrimaryKeyRelatedField(
        School, school_selectors.school_list_visible_to, label=_("school")
    )
    school_name = serializers.CharField(source="school.name", read_only=True)
    title_display = serializers.CharField(source="get_title_display", read_only=True)
    years_of_service = serializers.IntegerField(read_only=True, allow_null=True)
    first_employed_year = IntegerField(
        required=False, allow_null=True, min_value=services.EARLIEST_YEAR, max_value=2100,
        label=_("year of first employment"),
    )  # fmt: skip
    honours = HonourSerializer(many=True, required=False)

    class Meta:
        model = Teacher
        fields = [
            "id", "school", "school_name", "name", "gender", "subjects", "title",
            "title_display", "first_employed_year", "years_of_service", "staff_number",
            "phone", "is_active", "honours",
        ]  # fmt: skip
        # The service checks the staff number's uniqueness and names the field.
        validators = []


class TeacherUpdateSerializer(TeacherSerializer):
    """A teacher stays at their school: ``school`` cannot change."""

    school = serializers.PrimaryKeyRelatedField(read_only=True)


@extend_schema_view(
    create=extend_schema(responses={201: TeacherSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(
        request=TeacherUpdateSerializer, responses={200: TeacherSerializer, **ERROR_RESPONSES}
    ),
)
class TeacherViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Teachers in the user's scope: of their regions, or of their school and its paired
    schools. A school's coordinators and its region's bureau keep its registry. No
    national ID number is stored."""

    queryset = Teacher.objects.none()
    serializer_class = TeacherSerializer
    filterset_class = TeacherFilter
    search_fields = ["name", "subjects", "staff_number"]
    ordering_fields = ["name", "first_employed_year"]

    def get_queryset(self):
        return selectors.teacher_list_visible_to(self.request.user)

    def get_object(self):
        return selectors.teacher_get_for_user(self.request.user, self.kwargs["pk"])

    def retrieve(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        teacher = services.teacher_create(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(teacher).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        teacher = selectors.teacher_get_for_user(request.user, pk, write=True)
        serializer = TeacherUpdateSerializer(
            teacher, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        teacher = services.teacher_update(
            actor=request.user, teacher=teacher, **serializer.validated_data
        )
        return Response(self.get_serializer(teacher).data)


# --- mentorships ---------------------------------------------------------------------


class MentorshipSerializer(LeanRepresentation, ModelSerializer):
    mentor_name = CharField(source="mentor.name", read_only=True)
    mentee_name = CharField(source="mentee.name", read_only=True)
    school_name = CharField(source="mentee.school.name", read_only=True, label=_("mentee's school"))
    mentor_school_name = CharField(
        source="mentor.school.name", read_only=True, label=_("mentor's school")
    )
    status_display = CharField(source="get_status_display", read_only=True)
    has_agreement_file = serializers.BooleanField(read_only=True)

    class Meta:
        model = Mentorship
        fields = [
            "id", "mentor", "mentor_name", "mentee", "mentee_name", "school", "school_name",
            "mentor_school", "mentor_school_name", "pairing", "subject", "start", "end",
            "status", "status_display", "agreement_text", "has_agreement_file",
            "mentor_accepted_at", "mentee_accepted_at", "eligibility_override",
            "closed_reason", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, m: Mentorship) -> dict:
        return {
            "id": m.pk, "mentor": m.mentor_id, "mentor_name": m.mentor.name,
            "mentee": m.mentee_id, "mentee_name": m.mentee.name, "school": m.school_id,
            "school_name": m.mentee.school.name, "mentor_school": m.mentor_school_id,
            "mentor_school_name": m.mentor.school.name, "pairing": m.pairing_id,
            "subject": m.subject, "start": iso_date(m.start), "end": iso_date(m.end),
            "status": m.status, "status_display": labels(MentorshipStatus)[m.status],
            "agreement_text": m.agreement_text, "has_agreement_file": bool(m.agreement_file),
            "mentor_accepted_at": iso_datetime(m.mentor_accepted_at),
            "mentee_accepted_at": iso_datetime(m.mentee_accepted_at),
            "eligibility_override": m.eligibility_override, "closed_reason": m.closed_reason,
            "created_at": iso_datetime(m.created_at),
        }  # fmt: skip


class MentorshipCreateSerializer(serializers.Serializer):
    mentor = ScopedPrimaryKeyRelatedField(
        Teacher, selectors.teacher_list_visible_to, label=_("mentor")
    )
    mentee = ScopedPrimaryKeyRelatedField(
        Teacher, selectors.teacher_list_visible_to, label=_("mentee")
    )
    subject = CharField(max_length=50, label=_("subject"))
    start = serializers.DateField(label=_("start"))
    terms = IntegerField(
        min_value=1, max_value=services.mentorships.MAX_TERMS, default=1, label=_("terms"),
        help_text=_("How many terms, from the one the start falls in; it ends with the last."),
    )  # fmt: skip
    pairing = ScopedPrimaryKeyRelatedField(
        Pairing, school_selectors.pairing_list_visible_to, required=False, allow_null=True,
        default=None, label=_("pairing"),
        help_text=_("Across schools: the pairing joining them, when they share several."),
    )  # fmt: skip
    agreement_text = CharField(
        required=False, allow_blank=True, default="", label=_("agreement (带教协议)")
    )
    eligibility_override = CharField(
        required=False, allow_blank=True, default="", label=_("reason for the exception"),
        help_text=_("Bureau staff only: lets a mentee beyond the programme's rule stand."),
    )  # fmt: skip


class MentorshipUpdateSerializer(serializers.Serializer):
    subject = CharField(max_length=50, required=False, label=_("subject"))
    agreement_text = CharField(required=False, allow_blank=True, label=_("agreement (带教协议)"))


class ReasonSerializer(serializers.Serializer):
    reason = CharField(required=False, allow_blank=True, default="", label=_("reason"))


class ComplianceLineSerializer(serializers.Serializer):
    obligation = CharField(label=_("obligation"), help_text=_("A stable key of the rule."))
    label = CharField()
    kind = serializers.ChoiceField(choices=RecordKind.choices)
    filer = CharField(help_text=_("mentor, mentee, or empty for either."))
    period = serializers.ChoiceField(choices=Period.choices)
    start = serializers.DateField()
    end = serializers.DateField()
    done = IntegerField(min_value=0)
    required = IntegerField(min_value=0)
    expected = IntegerField(min_value=0)
    status = serializers.ChoiceField(choices=compliance.STATUS_CHOICES)
    status_display = CharField()


class StandingSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=compliance.STATUS_CHOICES)
    status_display = CharField()
    lines = ComplianceLineSerializer(many=True)


def standing_data(standing: compliance.Standing) -> dict:
    return {
        "status": standing.status,
        "status_display": standing.status_label,
        "lines": [
            {
                "obligation": line.rule.key, "label": line.rule.label, "kind": line.rule.kind,
                "filer": line.rule.filer, "period": line.rule.period,
                "start": iso_date(line.start), "end": iso_date(line.end), "done": line.done,
                "required": line.required, "expected": line.expected, "status": line.status,
                "status_display": line.status_label,
            }
            for line in standing.lines
        ],
    }  # fmt: skip


class RollupRowSerializer(serializers.Serializer):
    id = IntegerField(
        allow_null=True, help_text=_("The school's, county's or pairing's id (null: none).")
    )
    name = CharField()
    met = IntegerField(min_value=0)
    on_track = IntegerField(min_value=0)
    behind = IntegerField(min_value=0)
    missed = IntegerField(min_value=0)
    total = IntegerField(min_value=0)


class RollupQuerySerializer(serializers.Serializer):
    group = serializers.ChoiceField(
        choices=[("school", _("School")), ("county", _("County")), ("pairing", _("Pairing"))],
        required=False, default="school",
        help_text=_("Count by the mentee's school or county, or by pairing."),
    )  # fmt: skip


class OnSerializer(serializers.Serializer):
    on = serializers.DateField(
        required=False, label=_("on"),
        help_text=_("A day: the week, month and term containing it (default today)."),
    )  # fmt: skip


def _mentorship_schema(body, description):
    return extend_schema(
        request=body, responses={200: MentorshipSerializer, **ERROR_RESPONSES},
        description=description,
    )  # fmt: skip


@extend_schema_view(
    create=extend_schema(
        request=MentorshipCreateSerializer,
        responses={201: MentorshipSerializer, **ERROR_RESPONSES},
    ),
    partial_update=extend_schema(
        request=MentorshipUpdateSerializer,
        responses={200: MentorshipSerializer, **ERROR_RESPONSES},
    ),
)
class MentorshipViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Mentorships (师徒结对) the user may see: their own as mentor or mentee; their
    school's (coordinators); their regions' (bureau, inspectors). Coordinators of either
    school and bureau staff start and close them; the mentor and mentee each accept the
    agreement."""

    queryset = Mentorship.objects.none()
    serializer_class = MentorshipSerializer
    filterset_class = MentorshipFilter
    search_fields = ["mentor__name", "mentee__name", "subject"]
    ordering_fields = ["start", "end", "created_at"]

    def get_queryset(self):
        return selectors.mentorship_list_visible_to(self.request.user)

    def get_object(self):
        return selectors.mentorship_get_for_user(self.request.user, self.kwargs["pk"])

    def _read(self, pk, status_code=status.HTTP_200_OK) -> Response:
        mentorship = selectors.mentorship_get_for_user(self.request.user, pk)
        return Response(MentorshipSerializer(mentorship).data, status=status_code)

    def retrieve(self, request, pk):
        return self._read(pk)

    def create(self, request):
        serializer = MentorshipCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        mentorship = services.mentorship_create(actor=request.user, **serializer.validated_data)
        return self._read(mentorship.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        mentorship = selectors.mentorship_get_for_user(request.user, pk, write=True)
        serializer = MentorshipUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.mentorship_update(
            actor=request.user, mentorship=mentorship, **serializer.validated_data
        )
        return self._read(pk)

    @_mentorship_schema(None, _("The mentor or the mentee accepts the agreement."))
    @action(detail=True, methods=["post"])
    def accept(self, request, pk):
        services.mentorship_accept(actor=request.user, mentorship=self.get_object())
        return self._read(pk)

    @_mentorship_schema(ReasonSerializer, _("active → completed (coordinators, bureau)."))
    @action(detail=True, methods=["post"])
    def complete(self, request, pk):
        mentorship = selectors.mentorship_get_for_user(request.user, pk, write=True)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.mentorship_complete(
            actor=request.user, mentorship=mentorship, comment=serializer.validated_data["reason"]
        )
        return self._read(pk)

    @_mentorship_schema(
        ReasonSerializer, _("active → terminated (coordinators, bureau; reason required).")
    )
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk):
        mentorship = selectors.mentorship_get_for_user(request.user, pk, write=True)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.mentorship_terminate(actor=request.user, mentorship=mentorship,
                                      **serializer.validated_data)  # fmt: skip
        return self._read(pk)

    @extend_schema(
        parameters=[RollupQuerySerializer],
        responses={200: RollupRowSerializer(many=True), **ERROR_RESPONSES},
        description=_(
            "Active mentorships in scope (narrowed by the list's filters) by where they "
            "stand today, per school or county, worst first. At most a minute old."
        ),
    )
    @action(detail=False, methods=["get"], url_path="compliance", pagination_class=None)
    def rollup(self, request):
        query = RollupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        mentorships = self.filter_queryset(self.get_queryset())
        params = progress.query_params(request.query_params)
        rows, _as_of = selectors.compliance_rows(
            request.user, params, mentorships, query.validated_data["group"]
        )
        return Response(rows)

    @extend_schema(
        parameters=[OnSerializer],
        responses={200: StandingSerializer, **ERROR_RESPONSES},
        description=_(
            "Live compliance with the programme's obligations: done / required in the "
            "week, month and term containing ``on``; met, on track, behind, missed."
        ),
    )
    @action(detail=True, methods=["get"])
    def compliance(self, request, pk):
        mentorship = self.get_object()
        query = OnSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        standing = compliance.mentorship_standing(mentorship, query.validated_data.get("on"))
        return Response(standing_data(standing))


# --- records ----------------------------------------------------------------------------


class ChecklistSerializer(serializers.Serializer):
    """The 10 questions of the reflection checklist (seed 003); answer any of them."""

    def get_fields(self):
        return {
            key: CharField(required=False, allow_blank=True, max_length=2000, label=question)
            for key, question in REFLECTION_QUESTIONS.items()
        }


class RecordCommentSerializer(LeanRepresentation, ModelSerializer):
    author_name = CharField(source="author.display_name", read_only=True)

    class Meta:
        model = RecordComment
        fields = ["id", "author", "author_name", "author_role", "text", "created_at"]
        read_only_fields = fields

    def represent(self, c: RecordComment) -> dict:
        return {"id": c.pk, "author": c.author_id, "author_name": c.author.display_name,
                "author_role": c.author_role, "text": c.text,
                "created_at": iso_datetime(c.created_at)}  # fmt: skip


class AttachmentSerializer(LeanRepresentation, ModelSerializer):
    url = CharField(read_only=True, help_text=_("Download it here (signed in)."))

    class Meta:
        model = RecordAttachment
        fields = ["id", "name", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    def represent(self, a: RecordAttachment) -> dict:
        return {"id": a.pk, "name": a.name, "content_type": a.content_type, "size": a.size,
                "uploaded_at": iso_datetime(a.uploaded_at),
                "url": reverse("api:attachment-detail", args=[a.pk])}  # fmt: skip


class RecordSerializer(LeanRepresentation, ModelSerializer):
    kind_display = CharField(source="get_kind_display", read_only=True)
    checklist = ChecklistSerializer(read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    comments = RecordCommentSerializer(many=True, read_only=True)

    class Meta:
        model = MentorshipRecord
        fields = [
            "id", "mentorship", "kind", "kind_display", "filed_by", "date", "lesson_subject",
            "lesson_class", "lesson_topic", "observed", "content", "checklist",
            "signed_off_at", "attachments", "comments", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, r: MentorshipRecord) -> dict:
        comments = self.context.get("comments", {}).get(r.pk, [])
        return {
            "id": r.pk, "mentorship": r.mentorship_id, "kind": r.kind,
            "kind_display": labels(RecordKind)[r.kind], "filed_by": r.filed_by,
            "date": iso_date(r.date), "lesson_subject": r.lesson_subject,
            "lesson_class": r.lesson_class, "lesson_topic": r.lesson_topic,
            "observed": r.observed, "content": r.content, "checklist": r.checklist,
            "signed_off_at": iso_datetime(r.signed_off_at),
            "attachments": [AttachmentSerializer.represent(None, a) for a in r.attachments.all()],
            "comments": [RecordCommentSerializer.represent(None, c) for c in comments],
            "created_at": iso_datetime(r.created_at),
        }  # fmt: skip


class RecordWriteSerializer(serializers.Serializer):
    date = serializers.DateField(label=_("date"))
    lesson_subject = CharField(required=False, allow_blank=True, max_length=50)
    lesson_class = CharField(required=False, allow_blank=True, max_length=50)
    lesson_topic = CharField(required=False, allow_blank=True, max_length=200)
    observed = serializers.ChoiceField(
        choices=MentorshipRecord.Observed.choices, required=False, allow_blank=True
    )
    content = CharField(required=False, allow_blank=True)
    checklist = ChecklistSerializer(required=False)


class RecordCreateSerializer(RecordWriteSerializer):
    mentorship = ScopedPrimaryKeyRelatedField(
        Mentorship, selectors.mentorship_list_visible_to, label=_("mentorship")
    )
    kind = serializers.ChoiceField(choices=RecordKind.choices, label=_("kind"))


class RecordUpdateSerializer(RecordWriteSerializer):
    date = serializers.DateField(required=False, label=_("date"))


class RecordCommentWriteSerializer(serializers.Serializer):
    text = CharField(label=_("comment"))


@extend_schema_view(
    create=extend_schema(
        request=RecordCreateSerializer, responses={201: RecordSerializer, **ERROR_RESPONSES}
    ),
    partial_update=extend_schema(
        request=RecordUpdateSerializer, responses={200: RecordSerializer, **ERROR_RESPONSES}
    ),
)
class RecordViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Records of the mentorships the user may see. Only the mentor and the mentee write:
    each files and changes their own records until the mentor signs them off."""

    queryset = MentorshipRecord.objects.none()
    serializer_class = RecordSerializer
    filterset_class = RecordFilter
    search_fields = ["lesson_topic", "content"]
    ordering_fields = ["date", "created_at"]

    def get_queryset(self):
        return selectors.record_list_visible_to(self.request.user)

    def get_object(self):
        return selectors.record_get_for_user(self.request.user, self.kwargs["pk"])

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "comments": getattr(self, "_comments", {})}

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self._comments = selectors.record_timeline([r.pk for r in page])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _read(self, pk, status_code=status.HTTP_200_OK) -> Response:
        record = selectors.record_get_for_user(self.request.user, pk)
        self._comments = selectors.record_timeline([record.pk])
        return Response(self.get_serializer(record).data, status=status_code)

    def retrieve(self, request, pk):
        return self._read(pk)

    def create(self, request):
        serializer = RecordCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        record = services.record_file(actor=request.user, **serializer.validated_data)
        return self._read(record.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        record = selectors.record_get_for_user(request.user, pk, write=True)
        serializer = RecordUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.record_update(actor=request.user, record=record, **serializer.validated_data)
        return self._read(pk)

    @extend_schema(
        request=RecordCommentWriteSerializer,
        responses={200: RecordSerializer, **ERROR_RESPONSES},
        description=_("The mentor comments, the mentee answers (until sign-off)."),
    )
    @action(detail=True, methods=["post"])
    def comment(self, request, pk):
        record = self.get_object()
        access.require(  # before the body is read: a read-only user gets 403
            record.mentorship.side_of(request.user) is not None,
            _("Only the mentor and the mentee comment on records."),
        )
        serializer = RecordCommentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.record_comment(actor=request.user, record=record, **serializer.validated_data)
        return self._read(pk)

    @extend_schema(
        request=None,
        responses={200: RecordSerializer, **ERROR_RESPONSES},
        description=_("The mentor signs the record off; it is locked from then on."),
    )
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk):
        services.record_sign_off(actor=request.user, record=self.get_object())
        return self._read(pk)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={200: RecordSerializer, **ERROR_RESPONSES},
        description=_(
            "Add a file (photo, PDF, Office; the type is read from the content) to your own "
            "record, until it is signed off."
        ),
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request, pk):
        # Who may add files is checked before the body is read: a read-only user gets 403.
        record = selectors.record_get_for_user(request.user, pk, write=True)
        serializer = UploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.record_attachment_add(
            actor=request.user, record=record, files=[serializer.validated_data["file"]]
        )
        return self._read(pk)


class AttachmentViewSet(viewsets.GenericViewSet):
    """A record's file, to those who may read the record."""

    queryset = RecordAttachment.objects.none()
    serializer_class = AttachmentSerializer

    @extend_schema(responses=FILE_RESPONSES)
    def retrieve(self, request, pk):
        attachment = selectors.attachment_get_for_user(request.user, pk)
        return stored_file_response(attachment)
