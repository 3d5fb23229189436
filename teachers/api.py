"""The teacher registry in the API: the same selectors and services as the pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from schools import selectors as school_selectors
from schools.api import ScopedPrimaryKeyRelatedField
from schools.models import School
from twinning.api import ERROR_RESPONSES, IntegerField, ModelSerializer

from . import selectors, services
from .filters import TeacherFilter
from .models import Honour, Teacher


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
