"""Student aid (资助) in the API: students, aid schemes with their tiers, applications from
identification through review, public notice, approval and payment to the yearly
re-review, objections, notices, and the log of who read students' details. The same
selectors and services as the pages (funding/aid_views.py).

Privacy: only the coordinators of a student's school and the aid officers of its region
get any student's rows; every answer that shows a student's details writes the access log
(funding.privacy.log_access, one insert per request); a notice shows masked names only.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.validators import RegexValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from activities.models import Grade
from schools.api import ScopedPrimaryKeyRelatedField
from schools.models import Region, School
from twinning import access
from twinning.access import resolve_scope
from twinning.api import (
    ERROR_RESPONSES,
    BooleanField,
    CharField,
    DecimalField,
    IntegerField,
    LeanRepresentation,
    ModelSerializer,
    iso_date,
    iso_datetime,
)
from twinning.filters import FilterSet, IdFilter, IntegerFilter
from twinning.text import labels

from . import selectors, services
from .api import yuan
from .filters import AccessLogApiFilter
from .models import (
    MONEY,
    AidApplication,
    AidDocument,
    AidForm,
    AidKind,
    AidNotice,
    AidObjection,
    AidPeriod,
    AidReview,
    AidScheme,
    AidStatus,
    AidStep,
    AidStepRecord,
    AidTier,
    Student,
    StudentAccessLog,
)
from .privacy import log_access, mask_name
from .services.aid import MAX_DOCUMENTS


class TextChoiceField(serializers.ChoiceField):
    """A choice sent as a JSON string: DRF's own also takes 3 for "3" (a grade), which the
    schema, a string enum, does not admit."""

    default_error_messages = {"not_a_string": _("Send text (a JSON string).")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


def _what(request) -> str:
    """What was read, for the access log: the request as it was made."""
    return f"{request.method} {request.get_full_path()}"


def _log(request, students) -> None:
    log_access(request.user, StudentAccessLog.Action.API, _what(request), students)


# --- filters --------------------------------------------------------------------------------


class StudentApiFilter(FilterSet):
    school = IdFilter(field_name="school", label=_("school"))
    grade = filters.ChoiceFilter(choices=Grade.choices, label=_("grade"))

    class Meta:
        model = Student
        fields = ["school", "grade"]


class AidSchemeApiFilter(FilterSet):
    region = IdFilter(field_name="region", label=_("region"))
    kind = filters.ChoiceFilter(choices=AidKind.choices, label=_("kind"))
    form = filters.ChoiceFilter(choices=AidForm.choices, label=_("given as"))
    period = filters.ChoiceFilter(choices=AidPeriod.choices, label=_("granted"))
    is_active = filters.BooleanFilter(field_name="is_active", label=_("open for applications"))

    class Meta:
        model = AidScheme
        fields = ["region", "kind", "form", "period", "is_active"]


class AidApplicationApiFilter(FilterSet):
    status = filters.ChoiceFilter(choices=AidStatus.choices, label=_("status"))
    scheme = IdFilter(field_name="scheme", label=_("scheme"))
    school_year = IntegerFilter(
        field_name="school_year", min_value=2000, max_value=2100, label=_("school year"),
        help_text=_("2026 for 2026–2027."),
    )  # fmt: skip
    student = IdFilter(field_name="student", label=_("student"))
    school = IdFilter(field_name="school", label=_("school"))

    class Meta:
        model = AidApplication
        fields = ["status", "scheme", "school_year", "student", "school"]


class AidNoticeApiFilter(FilterSet):
    scheme = IdFilter(field_name="scheme", label=_("scheme"))
    school = IdFilter(field_name="school", label=_("school"))
    published = filters.BooleanFilter(
        field_name="published_at", lookup_expr="isnull", exclude=True, label=_("published")
    )

    class Meta:
        model = AidNotice
        fields = ["scheme", "school", "published"]


# --- students ---------------------------------------------------------------------------------


class StudentSerializer(LeanRepresentation, ModelSerializer):
    school_name = CharField(source="school.name", read_only=True)
    gender_display = CharField(source="get_gender_display", read_only=True)
    grade_display = CharField(source="get_grade_display", read_only=True)

    class Meta:
        model = Student
        fields = [
            "id", "school", "school_name", "name", "gender", "gender_display", "grade",
            "grade_display", "class_name", "guardian_name", "guardian_phone", "note",
            "created_by", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, s: Student) -> dict:
        return {
            "id": s.pk, "school": s.school_id, "school_name": s.school.name, "name": s.name,
            "gender": s.gender, "gender_display": labels(Student.Gender)[s.gender],
            "grade": s.grade, "grade_display": labels(Grade)[s.grade],
            "class_name": s.class_name, "guardian_name": s.guardian_name,
            "guardian_phone": s.guardian_phone, "note": s.note, "created_by": s.created_by_id,
            "created_at": iso_datetime(s.created_at), "updated_at": iso_datetime(s.updated_at),
        }  # fmt: skip


NO_ID_NUMBERS = _("No ID numbers (身份证号): text that contains one is refused.")


class StudentWriteSerializer(serializers.Serializer):
    name = CharField(max_length=50, label=_("name"), help_text=NO_ID_NUMBERS)
    gender = TextChoiceField(choices=Student.Gender.choices, label=_("gender"))
    grade = TextChoiceField(choices=Grade.choices, label=_("grade"))
    class_name = CharField(max_length=30, label=_("class"), help_text=_("e.g. 三(2)班"))
    guardian_name = CharField(max_length=50, label=_("guardian"))
    guardian_phone = CharField(max_length=30, label=_("guardian's phone"))
    note = CharField(
        required=False, allow_blank=True, label=_("circumstances"),
        help_text=_("What the family's situation is; no ID numbers."),
    )  # fmt: skip


class StudentCreateSerializer(StudentWriteSerializer):
    school = ScopedPrimaryKeyRelatedField(
        School, selectors.aid_schools, label=_("school"),
        help_text=_("A school whose students you keep (yours, or one of your aid region's)."),
    )  # fmt: skip


class StudentUpdateSerializer(StudentWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


def _require_aid(user) -> None:
    # Checked before the body is read: whoever handles no aid at all gets 403.
    access.require(
        selectors.handles_aid(user),
        _("Student aid is handled by the schools' coordinators and the aid officers."),
    )


@extend_schema_view(
    list=extend_schema(
        description=_("Students in your care, names in full: their school's coordinators and "
                      "their region's aid officers get rows, nobody else. Each read is logged.")
    ),
    retrieve=extend_schema(responses={200: StudentSerializer, **ERROR_RESPONSES}),
    create=extend_schema(
        request=StudentCreateSerializer, responses={201: StudentSerializer, **ERROR_RESPONSES},
        description=_("Record a student of a school whose students you keep."),
    ),
    partial_update=extend_schema(
        request=StudentUpdateSerializer, responses={200: StudentSerializer, **ERROR_RESPONSES}
    ),
)  # fmt: skip
class StudentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Students (资助对象) of the schools whose students the user keeps. Every answer that
    shows a student's details is written to the access log."""

    queryset = Student.objects.none()
    serializer_class = StudentSerializer
    filterset_class = StudentApiFilter
    search_fields = ["name", "class_name"]
    ordering_fields = ["name", "grade", "created_at"]

    def get_queryset(self):
        return selectors.student_list_visible_to(self.request.user)

    def list(self, request):
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        _log(request, rows)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def _read(self, pk, status_code=status.HTTP_200_OK) -> Response:
        student = selectors.student_get_for_user(self.request.user, pk)
        _log(self.request, [student])
        return Response(self.get_serializer(student).data, status=status_code)

    def retrieve(self, request, pk):
        return self._read(pk)

    def create(self, request):
        _require_aid(request.user)
        serializer = StudentCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        student = services.student_create(actor=request.user, **serializer.validated_data)
        return self._read(student.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        student = selectors.student_get_for_user(request.user, pk)
        serializer = StudentUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.student_update(actor=request.user, student=student, **serializer.validated_data)
        return self._read(pk)


# --- schemes ------------------------------------------------------------------------------------


class AidTierSerializer(LeanRepresentation, ModelSerializer):
    class Meta:
        model = AidTier
        fields = ["id", "name", "amount", "items", "order"]
        read_only_fields = fields

    def represent(self, t: AidTier) -> dict:
        return {"id": t.pk, "name": t.name, "amount": yuan(t.amount), "items": t.items,
                "order": t.order}  # fmt: skip


class AidSchemeSerializer(LeanRepresentation, ModelSerializer):
    region_name = CharField(source="region.name", read_only=True)
    kind_display = CharField(source="get_kind_display", read_only=True)
    form_display = CharField(source="get_form_display", read_only=True)
    period_display = CharField(source="get_period_display", read_only=True)
    tiers = AidTierSerializer(many=True, read_only=True)

    class Meta:
        model = AidScheme
        fields = [
            "id", "region", "region_name", "name", "kind", "kind_display", "form",
            "form_display", "period", "period_display", "notice_days", "description",
            "is_active", "created_by", "created_at", "tiers",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, s: AidScheme) -> dict:
        return {
            "id": s.pk, "region": s.region_id, "region_name": s.region.name, "name": s.name,
            "kind": s.kind, "kind_display": labels(AidKind)[s.kind], "form": s.form,
            "form_display": labels(AidForm)[s.form], "period": s.period,
            "period_display": labels(AidPeriod)[s.period], "notice_days": s.notice_days,
            "description": s.description, "is_active": s.is_active,
            "created_by": s.created_by_id, "created_at": iso_datetime(s.created_at),
            "tiers": [AidTierSerializer.represent(None, t) for t in s.tiers.all()],
        }  # fmt: skip


class AidTierWriteSerializer(serializers.Serializer):
    name = CharField(
        max_length=30, label=_("tier"), help_text=_("e.g. 一档; unique in the scheme.")
    )
    amount = DecimalField(
        **MONEY, min_value=Decimal("0.01"), required=False, label=_("amount a period (yuan)"),
        help_text=_("For aid in money (required there)."),
    )  # fmt: skip
    items = CharField(
        max_length=100, required=False, allow_blank=True, label=_("what is given"),
        help_text=_("For aid in kind (required there)."),
    )  # fmt: skip


class AidSchemeCreateSerializer(serializers.Serializer):
    region = ScopedPrimaryKeyRelatedField(
        Region, selectors.aid_regions, label=_("region"),
        help_text=_("A region whose student aid you handle."),
    )  # fmt: skip
    name = CharField(max_length=100, label=_("name"))
    kind = TextChoiceField(choices=AidKind.choices, label=_("kind"))
    form = TextChoiceField(choices=AidForm.choices, label=_("given as"))
    period = TextChoiceField(choices=AidPeriod.choices, label=_("granted"))
    notice_days = IntegerField(
        min_value=1, max_value=30, required=False, label=_("public notice (working days)"),
        help_text=_("5 by default."),
    )  # fmt: skip
    description = CharField(required=False, allow_blank=True, label=_("description"))
    is_active = BooleanField(required=False, label=_("open for applications"))
    tiers = AidTierWriteSerializer(
        many=True, min_length=1, max_length=20, label=_("tiers"), help_text=_("In order.")
    )


class AidSchemeUpdateSerializer(serializers.Serializer):
    """What changes once a scheme exists (its tiers stay: applications name them)."""

    name = CharField(max_length=100, required=False, label=_("name"))
    notice_days = IntegerField(
        min_value=1, max_value=30, required=False, label=_("public notice (working days)")
    )
    description = CharField(required=False, allow_blank=True, label=_("description"))
    is_active = BooleanField(required=False, label=_("open for applications"))


@extend_schema_view(
    retrieve=extend_schema(responses={200: AidSchemeSerializer, **ERROR_RESPONSES}),
    create=extend_schema(
        request=AidSchemeCreateSerializer,
        responses={201: AidSchemeSerializer, **ERROR_RESPONSES},
        description=_("A scheme of a region whose aid you handle, with its tiers."),
    ),
    partial_update=extend_schema(
        request=AidSchemeUpdateSerializer,
        responses={200: AidSchemeSerializer, **ERROR_RESPONSES},
        description=_("Rename, describe, open or close a scheme, or change its notice days."),
    ),
)
class AidSchemeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Aid schemes (国家助学金, 减免, 营养改善计划 …) with their tiers: read by whoever handles
    aid for students they reach; kept by the region's aid officers."""

    queryset = AidScheme.objects.none()
    serializer_class = AidSchemeSerializer
    filterset_class = AidSchemeApiFilter
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return selectors.aid_scheme_list_visible_to(self.request.user)

    def _read(self, pk, status_code=status.HTTP_200_OK) -> Response:
        scheme = selectors.aid_scheme_get_for_user(self.request.user, pk)
        return Response(self.get_serializer(scheme).data, status=status_code)

    def retrieve(self, request, pk):
        return self._read(pk)

    def create(self, request):
        scope = resolve_scope(request.user)
        access.require(
            scope.is_admin or bool(scope.aid_region_ids),
            _("Only the region's aid officers keep its aid schemes."),
        )
        serializer = AidSchemeCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        tiers = [dict(t) for t in data.pop("tiers")]
        scheme = services.aid_scheme_create(actor=request.user, tiers=tiers, **data)
        return self._read(scheme.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        scheme = selectors.aid_scheme_get_for_user(request.user, pk)
        access.require(
            access.can_manage_aid_of(resolve_scope(request.user), scheme.region_id),
            _("Only the region's aid officers keep its aid schemes."),
        )
        serializer = AidSchemeUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.aid_scheme_update(actor=request.user, scheme=scheme, **serializer.validated_data)
        return self._read(pk)


# --- applications -------------------------------------------------------------------------------


class AidApplicationSerializer(LeanRepresentation, ModelSerializer):
    student_name = CharField(source="student.name", read_only=True)
    school_name = CharField(source="school.name", read_only=True)
    scheme_name = CharField(source="scheme.name", read_only=True)
    tier_name = CharField(source="tier.name", read_only=True)
    amount = DecimalField(
        **MONEY, source="tier.amount", read_only=True, label=_("amount a period (yuan)"),
        help_text=_("The tier's; 0.00 for aid in kind."),
    )  # fmt: skip
    items = CharField(source="tier.items", read_only=True, label=_("what is given"))
    period = CharField(
        source="period_key", read_only=True, label=_("period"),
        help_text=_("A term (2026-1) or a school year (2026)."),
    )  # fmt: skip
    status_display = CharField(source="get_status_display", read_only=True)

    class Meta:
        model = AidApplication
        fields = [
            "id", "student", "student_name", "school", "school_name", "scheme", "scheme_name",
            "tier", "tier_name", "amount", "items", "school_year", "term", "period", "status",
            "status_display", "notice", "renewal_of", "decided_by", "decided_at",
            "decision_comment", "paid_on", "payment_reference", "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, a: AidApplication) -> dict:
        return {
            "id": a.pk, "student": a.student_id, "student_name": a.student.name,
            "school": a.school_id, "school_name": a.school.name, "scheme": a.scheme_id,
            "scheme_name": a.scheme.name, "tier": a.tier_id, "tier_name": a.tier.name,
            "amount": yuan(a.tier.amount), "items": a.tier.items,
            "school_year": a.school_year, "term": a.term, "period": a.period_key,
            "status": a.status, "status_display": labels(AidStatus)[a.status],
            "notice": a.notice_id, "renewal_of": a.renewal_of_id,
            "decided_by": a.decided_by_id, "decided_at": iso_datetime(a.decided_at),
            "decision_comment": a.decision_comment, "paid_on": iso_date(a.paid_on),
            "payment_reference": a.payment_reference, "created_by": a.created_by_id,
            "created_at": iso_datetime(a.created_at),
        }  # fmt: skip


class AidStepSerializer(LeanRepresentation, ModelSerializer):
    step_display = CharField(source="get_step_display", read_only=True)

    class Meta:
        model = AidStepRecord
        fields = ["step", "step_display", "done_on", "note", "recorded_by", "recorded_at"]
        read_only_fields = fields

    def represent(self, r: AidStepRecord) -> dict:
        return {"step": r.step, "step_display": labels(AidStep)[r.step],
                "done_on": iso_date(r.done_on), "note": r.note, "recorded_by": r.recorded_by_id,
                "recorded_at": iso_datetime(r.recorded_at)}  # fmt: skip


class AidDocumentSerializer(LeanRepresentation, ModelSerializer):
    url = CharField(read_only=True, help_text=_("Download it here (signed in; logged)."))

    class Meta:
        model = AidDocument
        fields = ["id", "name", "step", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    def represent(self, d: AidDocument) -> dict:
        return {"id": d.pk, "name": d.name, "step": d.step, "content_type": d.content_type,
                "size": d.size, "uploaded_at": iso_datetime(d.uploaded_at),
                "url": reverse("funding:aid_document", args=[d.pk])}  # fmt: skip


class AidObjectionSerializer(LeanRepresentation, ModelSerializer):
    class Meta:
        model = AidObjection
        fields = [
            "id", "notice", "received_on", "content", "recorded_by", "resolution", "upheld",
            "resolved_by", "resolved_at",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, o: AidObjection) -> dict:
        return {
            "id": o.pk, "notice": o.notice_id, "received_on": iso_date(o.received_on),
            "content": o.content, "recorded_by": o.recorded_by_id, "resolution": o.resolution,
            "upheld": o.upheld, "resolved_by": o.resolved_by_id,
            "resolved_at": iso_datetime(o.resolved_at),
        }  # fmt: skip


class AidReviewSerializer(LeanRepresentation, ModelSerializer):
    decision_display = CharField(source="get_decision_display", read_only=True)

    class Meta:
        model = AidReview
        fields = [
            "school_year", "decision", "decision_display", "previous_tier", "tier", "note",
            "reviewed_by", "reviewed_at",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, r: AidReview) -> dict:
        return {
            "school_year": r.school_year, "decision": r.decision,
            "decision_display": labels(AidReview.Decision)[r.decision],
            "previous_tier": r.previous_tier_id, "tier": r.tier_id, "note": r.note,
            "reviewed_by": r.reviewed_by_id, "reviewed_at": iso_datetime(r.reviewed_at),
        }  # fmt: skip


class AidApplicationDetailSerializer(AidApplicationSerializer):
    """An application with its identification steps, documents, objections, the yearly
    re-review of it and next year's application that renews it."""

    steps = AidStepSerializer(many=True, read_only=True)
    documents = AidDocumentSerializer(many=True, read_only=True)
    objections = AidObjectionSerializer(many=True, read_only=True)
    review = AidReviewSerializer(
        read_only=True, allow_null=True, help_text=_("The yearly re-review; null until done.")
    )
    renewal = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, label=_("renewed by"),
        help_text=_("Next year's application that continues this aid, if any."),
    )  # fmt: skip

    class Meta(AidApplicationSerializer.Meta):
        fields = [
            *AidApplicationSerializer.Meta.fields, "steps", "documents", "objections",
            "review", "renewal",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, a: AidApplication) -> dict:
        review = getattr(a, "review", None)
        renewal = getattr(a, "renewal", None)
        return {
            **super().represent(a),
            "steps": [AidStepSerializer.represent(None, r) for r in a.steps.all()],
            "documents": [AidDocumentSerializer.represent(None, d) for d in a.documents.all()],
            "objections": [AidObjectionSerializer.represent(None, o) for o in a.objections.all()],
            "review": AidReviewSerializer.represent(None, review) if review else None,
            "renewal": renewal.pk if renewal else None,
        }  # fmt: skip


class AidApplicationCreateSerializer(serializers.Serializer):
    student = ScopedPrimaryKeyRelatedField(Student, selectors.student_list_visible_to,
                                           label=_("student"))  # fmt: skip
    scheme = ScopedPrimaryKeyRelatedField(
        AidScheme, selectors.aid_scheme_list_visible_to, label=_("scheme"),
        help_text=_("An open scheme of the student's region or a region above it."),
    )  # fmt: skip
    tier = ScopedPrimaryKeyRelatedField(
        AidTier,
        selectors.aid_tier_list_visible_to,
        label=_("tier"),
        help_text=_("A tier of the scheme."),
    )
    school_year = IntegerField(
        min_value=2000, max_value=2100, label=_("school year"),
        help_text=_("2026 for 2026–2027; a period that is over is refused."),
    )  # fmt: skip
    term = IntegerField(
        min_value=1, max_value=2, required=False, allow_null=True, label=_("term"),
        help_text=_("For a scheme granted per term; ignored for one granted per year."),
    )  # fmt: skip


class AidStepWriteSerializer(serializers.Serializer):
    step = TextChoiceField(choices=AidStep.choices, label=_("step"))
    done_on = serializers.DateField(label=_("done on"), help_text=_("Not a future day."))
    note = CharField(required=False, allow_blank=True, label=_("note"), help_text=NO_ID_NUMBERS)


class AidDocumentUploadSerializer(serializers.Serializer):
    step = TextChoiceField(choices=AidStep.choices, label=_("step"))
    files = serializers.ListField(
        child=serializers.FileField(), min_length=1, max_length=MAX_DOCUMENTS,
        label=_("files"),
        help_text=_("The signed form, a home-visit record … (PDF or photos; the type is read "
                    "from the content)."),
    )  # fmt: skip


class AidApproveSerializer(serializers.Serializer):
    comment = CharField(required=False, allow_blank=True, default="", label=_("comment"))


class AidRejectSerializer(serializers.Serializer):
    comment = CharField(label=_("comment"), help_text=_("Why the application is rejected."))


class AidPaySerializer(serializers.Serializer):
    paid_on = serializers.DateField(
        label=_("paid or given on"), help_text=_("Within the aid's period; not in the future.")
    )
    reference = CharField(
        max_length=60, required=False, allow_blank=True, default="",
        label=_("payment reference"), help_text=_("凭证号; required for aid in money."),
    )  # fmt: skip


class AidReviewWriteSerializer(serializers.Serializer):
    decision = TextChoiceField(choices=AidReview.Decision.choices, label=_("decision"))
    tier = ScopedPrimaryKeyRelatedField(
        AidTier, selectors.aid_tier_list_visible_to, required=False, allow_null=True,
        label=_("new tier"),
        help_text=_("For a change of tier: another tier of the same scheme."),
    )  # fmt: skip
    note = CharField(required=False, allow_blank=True, default="", label=_("note"))


class AidObjectionWriteSerializer(serializers.Serializer):
    content = CharField(label=_("objection"))
    received_on = serializers.DateField(label=_("received on"), help_text=_("A day of the notice."))


class AidResolveSerializer(serializers.Serializer):
    resolution = CharField(label=_("resolution"), help_text=_("What was found."))
    upheld = BooleanField(
        label=_("upheld"), help_text=_("An upheld objection rejects the application.")
    )


def _application_schema(request, description):
    return extend_schema(
        request=request, responses={200: AidApplicationDetailSerializer, **ERROR_RESPONSES},
        description=description,
    )  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        description=_("Applications of the students in your care (names in full; each read "
                      "is logged).")
    ),
    retrieve=extend_schema(responses={200: AidApplicationDetailSerializer, **ERROR_RESPONSES}),
    create=extend_schema(
        request=AidApplicationCreateSerializer,
        responses={201: AidApplicationDetailSerializer, **ERROR_RESPONSES},
        description=_("Start a student's application to a scheme for a period (one per "
                      "student, scheme and period); record its five steps, then submit it."),
    ),
)  # fmt: skip
class AidApplicationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Aid applications: identifying (five steps) → under review → on public notice →
    approved → paid | rejected | withdrawn. The school's coordinators and the region's
    aid officers keep them; an aid officer other than whoever started one decides it and
    records the payment, then re-reviews it every year."""

    queryset = AidApplication.objects.none()
    serializer_class = AidApplicationSerializer
    filterset_class = AidApplicationApiFilter
    search_fields = ["student__name"]
    ordering_fields = ["created_at", "school_year"]

    def get_queryset(self):
        return selectors.aid_application_list_visible_to(self.request.user)

    def list(self, request):
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        _log(request, [a.student for a in rows])
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def _read(self, pk, status_code=status.HTTP_200_OK) -> Response:
        application = selectors.aid_application_get_for_user(self.request.user, pk)
        _log(self.request, [application.student])
        data = AidApplicationDetailSerializer(application, context=self.get_serializer_context())
        return Response(data.data, status=status_code)

    def retrieve(self, request, pk):
        return self._read(pk)

    def create(self, request):
        _require_aid(request.user)
        serializer = AidApplicationCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        application = services.aid_application_create(
            actor=request.user, **serializer.validated_data
        )
        return self._read(application.pk, status.HTTP_201_CREATED)

    def _step(self, request, pk, service, body=None, *, allowed=None, refusal=None) -> Response:
        # Who may take the step is checked before the body is read (403); the service
        # checks it again, with the rules of the step.
        application = selectors.aid_application_get_for_user(request.user, pk)
        if allowed is not None:
            access.require(allowed(resolve_scope(request.user), application), refusal)
        data = {}
        if body is not None:
            serializer = body(data=request.data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        service(actor=request.user, application=application, **data)
        return self._read(pk)

    def _decides(self, scope, application) -> bool:
        return access.can_decide_aid(scope, application, self.request.user.pk)

    @staticmethod
    def _manages(scope, application) -> bool:
        return access.can_manage_aid_of(scope, application.region_id)

    @_application_schema(
        AidStepWriteSerializer,
        _("Record (or correct) one of the five identification steps of an application being "
          "identified; its files go to documents/."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def steps(self, request, pk):
        return self._step(request, pk, services.aid_step_record, AidStepWriteSerializer)

    @_application_schema(
        {"multipart/form-data": AidDocumentUploadSerializer},
        _("Attach files to a step: the guardian's signed form, a home-visit record …"),
    )  # fmt: skip
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def documents(self, request, pk):
        return self._step(request, pk, services.aid_document_add, AidDocumentUploadSerializer)

    @_application_schema(
        None,
        _("identifying → under review, once the five steps are recorded and the guardian's "
          "signed form is attached."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def submit(self, request, pk):
        return self._step(request, pk, services.aid_application_submit)

    @_application_schema(None, _("identifying or under review → withdrawn."))
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk):
        return self._step(request, pk, services.aid_application_withdraw)

    @_application_schema(
        AidApproveSerializer,
        _("on notice → approved, after the notice and once its objections are resolved: an "
          "aid officer of the region, never whoever started the application."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def approve(self, request, pk):
        return self._step(
            request, pk, services.aid_application_approve, AidApproveSerializer,
            allowed=self._decides,
            refusal=_("An aid officer of the region other than whoever started the "
                      "application decides it."),
        )  # fmt: skip

    @_application_schema(
        AidRejectSerializer,
        _("under review or on notice → rejected (comment required): an aid officer of the "
          "region, never whoever started the application."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def reject(self, request, pk):
        return self._step(
            request, pk, services.aid_application_reject, AidRejectSerializer,
            allowed=self._decides,
            refusal=_("An aid officer of the region other than whoever started the "
                      "application decides it."),
        )  # fmt: skip

    @_application_schema(
        AidPaySerializer,
        _("approved → paid or given, once, within the aid's period (the region's aid "
          "officers)."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def pay(self, request, pk):
        return self._step(
            request, pk, services.aid_application_pay, AidPaySerializer,
            allowed=self._manages, refusal=_("The region's aid officers record aid paid."),
        )  # fmt: skip

    @_application_schema(
        AidReviewWriteSerializer,
        _("The yearly re-review of paid aid: continue (same tier), change tier or stop. "
          "Continuing starts next year's application, under review, for a new notice."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def review(self, request, pk):
        return self._step(
            request, pk, services.aid_review, AidReviewWriteSerializer,
            allowed=self._manages, refusal=_("The region's aid officers re-review student aid."),
        )  # fmt: skip

    @_application_schema(
        AidObjectionWriteSerializer,
        _("Record an objection received during the application's public notice; the aid "
          "officers resolve it at aid-objections/{id}/resolve/."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def objections(self, request, pk):
        return self._step(request, pk, services.aid_objection_record, AidObjectionWriteSerializer)


class AidObjectionViewSet(viewsets.GenericViewSet):
    """Objections to applications on public notice (recorded through
    aid-applications/{id}/objections/)."""

    queryset = AidObjection.objects.none()
    serializer_class = AidObjectionSerializer
    filter_backends: list = []

    @_application_schema(
        AidResolveSerializer,
        _("Say how the objection was looked into (the region's aid officers); an upheld one "
          "rejects the application. Answers the application."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk):
        objection = selectors.aid_objection_get_for_user(request.user, pk)
        access.require(
            access.can_manage_aid_of(resolve_scope(request.user), objection.application.region_id),
            _("The region's aid officers resolve objections."),
        )
        serializer = AidResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.aid_objection_resolve(
            actor=request.user, objection=objection, **serializer.validated_data
        )
        application = selectors.aid_application_get_for_user(request.user, objection.application_id)
        _log(request, [application.student])
        return Response(AidApplicationDetailSerializer(application).data)


# --- public notices -------------------------------------------------------------------------------


class AidNoticeRowSerializer(serializers.Serializer):
    """An application as a notice shows it: a masked name, no contact data."""

    application = IntegerField(read_only=True)
    name = CharField(read_only=True, help_text=_("Masked: 张*明."))
    grade = CharField(read_only=True)
    grade_display = CharField(read_only=True)
    tier = IntegerField(read_only=True)
    tier_name = CharField(read_only=True)
    amount = DecimalField(**MONEY, read_only=True, label=_("amount a period (yuan)"))
    items = CharField(read_only=True, label=_("what is given"))
    status = serializers.ChoiceField(choices=AidStatus.choices, read_only=True)
    status_display = CharField(read_only=True)

    @staticmethod
    def represent(a: AidApplication) -> dict:
        return {
            "application": a.pk, "name": mask_name(a.student.name), "grade": a.student.grade,
            "grade_display": labels(Grade)[a.student.grade], "tier": a.tier_id,
            "tier_name": a.tier.name, "amount": yuan(a.tier.amount), "items": a.tier.items,
            "status": a.status, "status_display": labels(AidStatus)[a.status],
        }  # fmt: skip


class AidNoticeSerializer(LeanRepresentation, ModelSerializer):
    scheme_name = CharField(source="scheme.name", read_only=True)
    school_name = CharField(source="school.name", read_only=True)
    period = CharField(source="period_key", read_only=True, label=_("period"))
    published = serializers.SerializerMethodField(label=_("published"))
    public_url = serializers.SerializerMethodField(
        label=_("public address"),
        help_text=_("The public page (masked names), a path on this site; null until the aid "
                    "officers publish the notice."),
    )  # fmt: skip

    class Meta:
        model = AidNotice
        fields = [
            "id", "scheme", "scheme_name", "school", "school_name", "period", "starts_on",
            "ends_on", "published", "published_at", "public_url", "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_published(self, n: AidNotice) -> bool:
        return n.published_at is not None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_public_url(self, n: AidNotice) -> str | None:
        if n.published_at is None:
            return None
        return reverse("funding:aid_notice_public", args=[n.token])

    def represent(self, n: AidNotice) -> dict:
        return {
            "id": n.pk, "scheme": n.scheme_id, "scheme_name": n.scheme.name,
            "school": n.school_id, "school_name": n.school.name, "period": n.period_key,
            "starts_on": iso_date(n.starts_on), "ends_on": iso_date(n.ends_on),
            "published": self.get_published(n), "published_at": iso_datetime(n.published_at),
            "public_url": self.get_public_url(n), "created_by": n.created_by_id,
            "created_at": iso_datetime(n.created_at),
        }  # fmt: skip


class AidNoticeDetailSerializer(AidNoticeSerializer):
    applications = serializers.SerializerMethodField(
        help_text=_("The applications on notice, by grade and class: masked names only.")
    )

    class Meta(AidNoticeSerializer.Meta):
        fields = [*AidNoticeSerializer.Meta.fields, "applications"]
        read_only_fields = fields

    @extend_schema_field(AidNoticeRowSerializer(many=True))
    def get_applications(self, n: AidNotice) -> list[dict]:
        return [AidNoticeRowSerializer.represent(a) for a in selectors.notice_rows(n)]

    def represent(self, n: AidNotice) -> dict:
        return {**super().represent(n), "applications": self.get_applications(n)}


class PeriodField(CharField):
    """A period key exactly as the schema's pattern says: no blank trimmed away, no line
    break after it (which the pattern's ``$`` lets through in Python)."""

    PATTERN = r"^[0-9]{4}(-[12])?$"
    default_error_messages = {"period": _("Write a school year (2026) or a term (2026-1).")}

    def __init__(self, **kwargs):
        kwargs.update(max_length=7, trim_whitespace=False)
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(self.PATTERN, self.error_messages["period"]))

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not re.fullmatch(self.PATTERN, value):
            self.fail("period")
        return value


class AidNoticeCreateSerializer(serializers.Serializer):
    school = ScopedPrimaryKeyRelatedField(
        School, selectors.aid_schools, label=_("school"),
        help_text=_("A school whose students you keep."),
    )  # fmt: skip
    scheme = ScopedPrimaryKeyRelatedField(
        AidScheme, selectors.aid_scheme_list_visible_to, label=_("scheme")
    )
    period = PeriodField(
        label=_("period"),
        help_text=_("A term (2026-1) of a per-term scheme, a school year (2026) of a per-year "
                    "one: every application of it under review goes on notice."),
    )  # fmt: skip
    starts_on = serializers.DateField(
        label=_("first day"),
        help_text=_("Today or later; the notice starts on the first working day from it and "
                    "lasts the scheme's working days."),
    )  # fmt: skip

    def validate_starts_on(self, value):
        # A notice counts working days forward from here: keep it within the calendar's
        # years, so the count never runs past the last date there is.
        if value.year > 2100:
            raise serializers.ValidationError(_("A notice starts today or later."), code="rule")
        return value


@extend_schema_view(
    retrieve=extend_schema(responses={200: AidNoticeDetailSerializer, **ERROR_RESPONSES}),
    create=extend_schema(
        request=AidNoticeCreateSerializer,
        responses={201: AidNoticeDetailSerializer, **ERROR_RESPONSES},
        description=_("Put a school's applications to a scheme for a period that are under "
                      "review on public notice (公示) for the scheme's working days."),
    ),
)  # fmt: skip
class AidNoticeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Public notices (公示) of the schools whose students the user keeps: their window,
    the applications on them with masked names, and once the aid officers publish one,
    its public address."""

    queryset = AidNotice.objects.none()
    serializer_class = AidNoticeSerializer
    filterset_class = AidNoticeApiFilter
    ordering_fields = ["starts_on", "created_at"]

    def get_queryset(self):
        return selectors.aid_notice_list_visible_to(self.request.user)

    def _read(self, pk, status_code=status.HTTP_200_OK) -> Response:
        notice = selectors.aid_notice_get_for_user(self.request.user, pk)
        return Response(AidNoticeDetailSerializer(notice).data, status=status_code)

    def retrieve(self, request, pk):
        return self._read(pk)

    def create(self, request):
        _require_aid(request.user)
        serializer = AidNoticeCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        notice = services.aid_notice_open(actor=request.user, **serializer.validated_data)
        return self._read(notice.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=None, responses={200: AidNoticeDetailSerializer, **ERROR_RESPONSES},
        description=_("Make the notice's page public (the region's aid officers)."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def publish(self, request, pk):
        notice = selectors.aid_notice_get_for_user(request.user, pk)
        access.require(
            access.can_manage_aid_of(resolve_scope(request.user), notice.region_id),
            _("The region's aid officers publish its notices."),
        )
        services.aid_notice_publish(actor=request.user, notice=notice)
        return self._read(pk)


# --- who read what ------------------------------------------------------------------------------


class StudentAccessLogSerializer(LeanRepresentation, ModelSerializer):
    user_name = CharField(source="user.display_name", read_only=True, label=_("who"))
    action_display = CharField(source="get_action_display", read_only=True)

    class Meta:
        model = StudentAccessLog
        fields = ["id", "user", "user_name", "student", "action", "action_display", "what", "at"]
        read_only_fields = fields

    def represent(self, e: StudentAccessLog) -> dict:
        return {
            "id": e.pk, "user": e.user_id, "user_name": e.user.display_name,
            "student": e.student_id, "action": e.action,
            "action_display": labels(StudentAccessLog.Action)[e.action], "what": e.what,
            "at": iso_datetime(e.at),
        }  # fmt: skip


class StudentAccessLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who read or downloaded which student's details, when and what, newest first: for
    the aid officers of the students' regions (everyone else gets an empty list)."""

    queryset = StudentAccessLog.objects.none()
    serializer_class = StudentAccessLogSerializer
    filterset_class = AccessLogApiFilter
    ordering_fields = ["at"]

    def get_queryset(self):
        return selectors.access_log_visible_to(self.request.user)
