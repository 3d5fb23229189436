"""REST API of the schools app: thin DRF wrappers over the selectors and services.

Serializers check the shape of a request only. Every rule (who may act, what a
pairing may become) lives in :mod:`schools.services`, whose ``ValidationError``
and ``PermissionDenied`` the shared handler (:mod:`twinning.api`) turns into 400
and 403. Every read goes through :mod:`schools.selectors`: an object outside the
user's scope answers 404, and a related id in a request body is looked up among
the objects the user may see, so an id outside scope fails exactly like an id
that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from twinning import access
from twinning.access import resolve_scope
from twinning.api import (
    ERROR_RESPONSES,
    CharField,
    DecimalField,
    IntegerField,
    LeanRepresentation,
    ModelSerializer,
    PrimaryKeyRelatedField,
    iso_date,
    iso_datetime,
)
from twinning.filters import FilterSet, IdFilter, IntegerFilter
from twinning.text import labels

from . import selectors, services
from .filters import (
    GoalFilter,
    NeedsAssessmentFilter,
    PairingFilter,
    ProgrammeFilter,
    RegionFilter,
    SchoolFilter,
)
from .models import (
    ContactPerson,
    DayOverride,
    Goal,
    LeadingGroupMember,
    NeedsAssessment,
    NeedsDimension,
    Pairing,
    PairingMember,
    PairingStatus,
    PairingTransition,
    PeriodKind,
    Programme,
    ProgressUpdate,
    Region,
    School,
    TermDates,
    school_code_validator,
)

# --- related ids, resolved in scope ------------------------------------------------


class ScopedPrimaryKeyRelatedField(PrimaryKeyRelatedField):
    """A related id looked up only among the objects the requesting user may see.

    ``visible(user)`` is a selector. An id outside it gets DRF's "invalid pk"
    error, word for word the one a missing id gets: existence is never revealed.
    The model's empty queryset given to DRF only tells the schema the id type.
    """

    def __init__(self, model: type[Model], visible: Callable[..., QuerySet], **kwargs):
        self.visible = visible
        kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        return self.visible(self.context["request"].user)


class PairingSchoolField(PrimaryKeyRelatedField):
    """A school named as a member of a pairing; the serializer says which may be named."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", School.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        return self.root.school_choices()


def _display(source: str, label=None) -> CharField:
    return CharField(source=source, read_only=True, label=label)


# --- regions -------------------------------------------------------------------------


class RegionSerializer(LeanRepresentation, ModelSerializer):
    level_display = _display("get_level_display")

    class Meta:
        model = Region
        fields = ["id", "name", "code", "level", "level_display", "parent"]
        read_only_fields = fields

    def represent(self, region: Region) -> dict:
        return {
            "id": region.pk, "name": region.name, "code": region.code, "level": region.level,
            "level_display": labels(Region.Level)[region.level], "parent": region.parent_id,
        }  # fmt: skip


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Regions the user may see: those of their scope and the ones above it."""

    queryset = Region.objects.none()  # schema hint; reads go through the selectors
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "path"]

    def get_queryset(self):
        return selectors.region_list_visible_to(self.request.user)

    def get_object(self):
        return selectors.region_get_for_user(self.request.user, self.kwargs["pk"])


# --- schools -------------------------------------------------------------------------


class SchoolSerializer(LeanRepresentation, ModelSerializer):
    region = ScopedPrimaryKeyRelatedField(
        Region, selectors.region_list_visible_to, label=_("region")
    )
    region_name = _display("region.name")
    stage_display = _display("get_stage_display")
    location_display = _display("get_location_display")

    class Meta:
        model = School
        fields = [
            "id", "name", "code", "region", "region_name", "stage", "stage_display",
            "location", "location_display", "enrolment", "staff_count", "address",
            "contact_name", "contact_phone",
        ]  # fmt: skip
        # The format is checked here (and shown in the schema); uniqueness is the
        # service's to check (full_clean), with the other rules of a school.
        extra_kwargs = {"code": {"validators": [school_code_validator]}}

    def represent(self, school: School) -> dict:
        return {
            "id": school.pk, "name": school.name, "code": school.code,
            "region": school.region_id, "region_name": school.region.name,
            "stage": school.stage, "stage_display": labels(School.Stage)[school.stage],
            "location": school.location,
            "location_display": labels(School.Location)[school.location],
            "enrolment": school.enrolment, "staff_count": school.staff_count,
            "address": school.address, "contact_name": school.contact_name,
            "contact_phone": school.contact_phone,
        }  # fmt: skip


@extend_schema_view(
    create=extend_schema(responses={201: SchoolSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(responses={200: SchoolSerializer, **ERROR_RESPONSES}),
)
class SchoolViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Schools in the user's scope. Bureau staff create and edit the schools of their region."""

    queryset = School.objects.none()
    serializer_class = SchoolSerializer
    filterset_class = SchoolFilter
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "enrolment", "staff_count"]

    def get_queryset(self):
        return selectors.school_list_visible_to(self.request.user)

    def get_object(self):
        return selectors.school_get_for_user(self.request.user, self.kwargs["pk"])

    def retrieve(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        school = services.school_create(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(school).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        school = selectors.school_get_for_user(request.user, pk, write=True)
        serializer = self.get_serializer(school, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        school = services.school_update(
            actor=request.user, school=school, **serializer.validated_data
        )
        return Response(self.get_serializer(school).data)


# --- programmes ----------------------------------------------------------------------


class ProgrammeSerializer(LeanRepresentation, ModelSerializer):
    region = ScopedPrimaryKeyRelatedField(
        Region, selectors.region_list_visible_to, label=_("region")
    )
    region_name = _display("region.name")
    pairing_kind_display = _display("get_pairing_kind_display")
    reach_display = _display("get_reach_display")

    class Meta:
        model = Programme
        fields = [
            "id", "name", "region", "region_name", "start_year", "years", "pairing_kind",
            "pairing_kind_display", "reach", "reach_display", "max_assisted_schools",
            "funding_per_pair", "tranche_count", "pass_mark", "description", "is_open",
            "created_at",
        ]  # fmt: skip
        read_only_fields = ["created_at"]

    def represent(self, programme: Programme) -> dict:
        decimal = self.fields
        return {
            "id": programme.pk, "name": programme.name, "region": programme.region_id,
            "region_name": programme.region.name, "start_year": programme.start_year,
            "years": programme.years, "pairing_kind": programme.pairing_kind,
            "pairing_kind_display": labels(Programme.PairingKind)[programme.pairing_kind],
            "reach": programme.reach, "reach_display": labels(Programme.Reach)[programme.reach],
            "max_assisted_schools": programme.max_assisted_schools,
            "funding_per_pair": decimal["funding_per_pair"].to_representation(
                programme.funding_per_pair
            ),
            "tranche_count": programme.tranche_count,
            "pass_mark": decimal["pass_mark"].to_representation(programme.pass_mark),
            "description": programme.description, "is_open": programme.is_open,
            "created_at": iso_datetime(programme.created_at),
        }  # fmt: skip


@extend_schema_view(
    create=extend_schema(responses={201: ProgrammeSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(responses={200: ProgrammeSerializer, **ERROR_RESPONSES}),
)
class ProgrammeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Programmes run in the user's scope or reaching it. Bureau staff run their region's."""

    queryset = Programme.objects.none()
    serializer_class = ProgrammeSerializer
    filterset_class = ProgrammeFilter
    search_fields = ["name"]
    ordering_fields = ["name", "start_year", "created_at"]

    def get_queryset(self):
        return selectors.programme_list_visible_to(self.request.user)

    def get_object(self):
        return selectors.programme_get_for_user(self.request.user, self.kwargs["pk"])

    def retrieve(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        programme = services.programme_create(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(programme).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        programme = selectors.programme_get_for_user(request.user, pk, write=True)
        serializer = self.get_serializer(programme, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        programme = services.programme_update(
            actor=request.user, programme=programme, **serializer.validated_data
        )
        return Response(self.get_serializer(programme).data)


# --- needs assessments and goals (also nested in the pairing detail) -------------------


class NeedsAssessmentSerializer(LeanRepresentation, ModelSerializer):
    pairing = ScopedPrimaryKeyRelatedField(
        Pairing, selectors.pairing_list_visible_to, label=_("pairing")
    )
    school = ScopedPrimaryKeyRelatedField(
        School, selectors.school_list_of_visible_pairings, label=_("school")
    )
    school_name = _display("school.name")
    dimension_display = _display("get_dimension_display")
    rating_display = _display("get_rating_display")
    assessed_by_name = _display("assessed_by.display_name", label=_("by"))

    class Meta:
        model = NeedsAssessment
        fields = [
            "id", "pairing", "school", "school_name", "dimension", "dimension_display",
            "rating", "rating_display", "findings", "needs", "assessed_by_name", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["updated_at"]
        # Saving again replaces the assessment of that dimension: no uniqueness check.
        validators: list = []

    def represent(self, needs: NeedsAssessment) -> dict:
        return {
            "id": needs.pk, "pairing": needs.pairing_id, "school": needs.school_id,
            "school_name": needs.school.name, "dimension": needs.dimension,
            "dimension_display": labels(NeedsDimension)[needs.dimension],
            "rating": needs.rating,
            "rating_display": labels(NeedsAssessment.Rating)[needs.rating],
            "findings": needs.findings, "needs": needs.needs,
            "assessed_by_name": needs.assessed_by.display_name,
            "updated_at": iso_datetime(needs.updated_at),
        }  # fmt: skip


class ProgressUpdateSerializer(ModelSerializer):
    reported_by_name = _display("reported_by.display_name", label=_("by"))

    class Meta:
        model = ProgressUpdate
        fields = ["id", "value", "note", "reported_by_name", "reported_at"]
        read_only_fields = fields


class GoalSerializer(LeanRepresentation, ModelSerializer):
    pairing = ScopedPrimaryKeyRelatedField(
        Pairing, selectors.pairing_list_visible_to, label=_("pairing")
    )
    school = ScopedPrimaryKeyRelatedField(
        School, selectors.school_list_of_visible_pairings, label=_("school")
    )
    parent = ScopedPrimaryKeyRelatedField(
        Goal, selectors.goal_list_visible_to, label=_("part of"), required=False, allow_null=True
    )
    school_name = _display("school.name")
    dimension_display = _display("get_dimension_display")
    period_kind_display = _display("get_period_kind_display")
    progress_percent = IntegerField(read_only=True)

    class Meta:
        model = Goal
        fields = [
            "id", "pairing", "school", "school_name", "parent", "dimension",
            "dimension_display", "title", "target_value", "unit", "current_value",
            "progress_percent", "period_kind", "period_kind_display", "school_year",
            "period_number", "due_on", "created_at",
        ]  # fmt: skip
        read_only_fields = ["current_value", "due_on", "created_at"]

    def represent(self, goal: Goal) -> dict:
        decimal = self.fields
        return {
            "id": goal.pk, "pairing": goal.pairing_id, "school": goal.school_id,
            "school_name": goal.school.name, "parent": goal.parent_id,
            "dimension": goal.dimension,
            "dimension_display": labels(NeedsDimension).get(goal.dimension, goal.dimension),
            "title": goal.title,
            "target_value": decimal["target_value"].to_representation(goal.target_value),
            "unit": goal.unit,
            "current_value": decimal["current_value"].to_representation(goal.current_value),
            "progress_percent": goal.progress_percent, "period_kind": goal.period_kind,
            "period_kind_display": labels(PeriodKind)[goal.period_kind],
            "school_year": goal.school_year, "period_number": goal.period_number,
            "due_on": iso_date(goal.due_on), "created_at": iso_datetime(goal.created_at),
        }  # fmt: skip


class GoalDetailSerializer(GoalSerializer):
    updates = serializers.SerializerMethodField()

    class Meta(GoalSerializer.Meta):
        fields = [*GoalSerializer.Meta.fields, "updates"]

    @extend_schema_field(ProgressUpdateSerializer(many=True))
    def get_updates(self, goal: Goal):
        updates = goal.updates.select_related("reported_by")
        return ProgressUpdateSerializer(updates, many=True, context=self.context).data


# --- pairings ------------------------------------------------------------------------


class PairingMemberSerializer(ModelSerializer):
    school_name = _display("school.name")
    school_code = _display("school.code")
    role_display = _display("get_role_display")

    class Meta:
        model = PairingMember
        fields = ["school", "school_name", "school_code", "role", "role_display"]
        read_only_fields = fields


class PairingTransitionSerializer(LeanRepresentation, ModelSerializer):
    # Plain strings: the pairing's ``status`` field already documents the values, and
    # one choice set under three enum names would make the schema ambiguous.
    from_status = CharField(read_only=True, label=_("from"))
    from_status_display = _display("get_from_status_display")
    to_status = CharField(read_only=True, label=_("to"))
    to_status_display = _display("get_to_status_display")
    actor_name = _display("actor.display_name", label=_("by"))

    class Meta:
        model = PairingTransition
        fields = [
            "from_status", "from_status_display", "to_status", "to_status_display", "actor",
            "actor_name", "at", "comment",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, step: PairingTransition) -> dict:
        statuses = labels(PairingStatus)
        return {
            "from_status": step.from_status,
            "from_status_display": statuses.get(step.from_status, step.from_status),
            "to_status": step.to_status, "to_status_display": statuses[step.to_status],
            "actor": step.actor_id, "actor_name": step.actor.display_name,
            "at": iso_datetime(step.at), "comment": step.comment,
        }  # fmt: skip


class LeadingGroupMemberSerializer(LeanRepresentation, ModelSerializer):
    school_name = _display("school.name")
    position_display = _display("get_position_display")

    class Meta:
        model = LeadingGroupMember
        fields = ["id", "school", "school_name", "name", "title", "position", "position_display"]
        read_only_fields = fields

    def represent(self, member: LeadingGroupMember) -> dict:
        return {
            "id": member.pk, "school": member.school_id, "school_name": member.school.name,
            "name": member.name, "title": member.title, "position": member.position,
            "position_display": labels(LeadingGroupMember.Position)[member.position],
        }  # fmt: skip


class ContactPersonSerializer(LeanRepresentation, ModelSerializer):
    school_name = _display("school.name")

    class Meta:
        model = ContactPerson
        fields = ["id", "school", "school_name", "name", "phone", "email"]
        read_only_fields = fields

    def represent(self, contact: ContactPerson) -> dict:
        return {
            "id": contact.pk, "school": contact.school_id, "school_name": contact.school.name,
            "name": contact.name, "phone": contact.phone, "email": contact.email,
        }  # fmt: skip


class PairingSerializer(LeanRepresentation, ModelSerializer):
    """A pairing in a list: everything comes from the selector's joins and prefetch."""

    title = CharField(read_only=True)
    programme_name = _display("programme.name")
    helping_school_name = _display("helping_school.name")
    status_display = _display("get_status_display")
    kind = CharField(
        source="programme.pairing_kind",
        read_only=True,
        help_text=_("The programme's pairing kind: one_to_one or one_to_many."),
    )
    members = PairingMemberSerializer(many=True, read_only=True)

    class Meta:
        model = Pairing
        fields = [
            "id", "title", "programme", "programme_name", "kind", "region", "helping_school",
            "helping_school_name", "status", "status_display", "members",
            "agreement_signed_on", "agreement_start", "agreement_end", "proposed_at",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, pairing: Pairing) -> dict:
        return self.represent_row(selectors.pairing_row(pairing))

    def represent_row(self, row: dict) -> dict:
        """The representation of a :class:`selectors.PairingRows` row (the list endpoint)."""
        roles = labels(PairingMember.Role)  # cached per language
        return {
            "id": row["id"], "title": row["title"], "programme": row["programme_id"],
            "programme_name": row["programme"], "kind": row["kind"],
            "region": row["region_id"], "helping_school": row["helping_school_id"],
            "helping_school_name": row["helping"], "status": row["status"],
            "status_display": row["status_label"],
            "members": [
                {"school": s["id"], "school_name": s["name"], "school_code": s["code"],
                 "role": s["role"], "role_display": roles[s["role"]]}
                for s in row["schools"]
            ],
            "agreement_signed_on": iso_date(row["agreement_signed_on"]),
            "agreement_start": iso_date(row["agreement_start"]),
            "agreement_end": iso_date(row["agreement_end"]),
            "proposed_at": iso_datetime(row["proposed_at"]),
            "created_at": iso_datetime(row["created_at"]),
            "updated_at": iso_datetime(row["updated_at"]),
        }  # fmt: skip


class PairingDetailSerializer(PairingSerializer):
    """A pairing with its history, people, needs and plan, and what the user may do next."""

    has_agreement_file = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()
    transitions = serializers.SerializerMethodField()
    leading_group = serializers.SerializerMethodField()
    contacts = serializers.SerializerMethodField()
    needs = serializers.SerializerMethodField()
    goals = serializers.SerializerMethodField()

    class Meta(PairingSerializer.Meta):
        fields = [
            *PairingSerializer.Meta.fields, "goals_summary", "has_agreement_file",
            "available_actions", "transitions", "leading_group", "contacts", "needs", "goals",
        ]  # fmt: skip
        read_only_fields = fields

    def _detail(self, pairing: Pairing) -> dict:
        # One pairing_detail() (a fixed number of queries) serves all the nested lists.
        if getattr(self, "_detail_of", None) is not pairing:
            self._detail_of, self._detail_data = pairing, selectors.pairing_detail(pairing)
        return self._detail_data

    def _many(self, serializer_class, pairing: Pairing, key: str):
        return serializer_class(self._detail(pairing)[key], many=True, context=self.context).data

    def get_has_agreement_file(self, pairing: Pairing) -> bool:
        return bool(pairing.agreement_file)

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=list(services.TRANSITION_SERVICES))
        )
    )
    def get_available_actions(self, pairing: Pairing):
        return selectors.pairing_available_actions(self.context["request"].user, pairing)

    @extend_schema_field(PairingTransitionSerializer(many=True))
    def get_transitions(self, pairing: Pairing):
        return self._many(PairingTransitionSerializer, pairing, "transitions")

    @extend_schema_field(LeadingGroupMemberSerializer(many=True))
    def get_leading_group(self, pairing: Pairing):
        return self._many(LeadingGroupMemberSerializer, pairing, "leading_group")

    @extend_schema_field(ContactPersonSerializer(many=True))
    def get_contacts(self, pairing: Pairing):
        return self._many(ContactPersonSerializer, pairing, "contacts")

    @extend_schema_field(NeedsAssessmentSerializer(many=True))
    def get_needs(self, pairing: Pairing):
        return self._many(NeedsAssessmentSerializer, pairing, "needs")

    @extend_schema_field(GoalSerializer(many=True))
    def get_goals(self, pairing: Pairing):
        return self._many(GoalSerializer, pairing, "goals")


class _PairingSchoolsMixin:
    """Which schools a request may name as members of a pairing of ``programme``.

    Whoever may start a pairing in the programme may name any school of its region
    (the directory the web form offers too); anyone else only the schools they
    see, so the directory is never shown to people who cannot use it.
    """

    def _programme_for_choices(self) -> Programme | None:
        raise NotImplementedError

    def school_choices(self) -> QuerySet[School]:
        if not hasattr(self, "_school_choices"):
            user = self.context["request"].user
            programme = self._programme_for_choices()
            if programme is not None and access.can_propose_in_programme(
                resolve_scope(user), programme
            ):
                self._school_choices = selectors.programme_candidate_schools(user, programme)
            else:
                self._school_choices = selectors.school_list_visible_to(user)
        return self._school_choices


class PairingCreateSerializer(_PairingSchoolsMixin, serializers.Serializer):
    programme = ScopedPrimaryKeyRelatedField(
        Programme, selectors.programme_list_visible_to, label=_("programme")
    )
    helping_school = PairingSchoolField(label=_("helping school"))
    assisted_schools = PairingSchoolField(many=True, label=_("assisted schools"))
    goals_summary = CharField(required=False, allow_blank=True, label=_("aims of the pairing"))
    agreement_start = serializers.DateField(
        required=False, allow_null=True, label=_("agreement start")
    )
    agreement_end = serializers.DateField(required=False, allow_null=True, label=_("agreement end"))

    def _programme_for_choices(self) -> Programme | None:
        # The schools are checked against the programme the same request names; an
        # unusable programme id is reported on its own field.
        data = getattr(self, "initial_data", None)
        pk = data.get("programme") if hasattr(data, "get") else None
        try:
            return selectors.programme_get_for_user(self.context["request"].user, pk)
        except Http404:  # missing, invisible or malformed
            return None


class PairingUpdateSerializer(_PairingSchoolsMixin, serializers.Serializer):
    helping_school = PairingSchoolField(required=False, label=_("helping school"))
    assisted_schools = PairingSchoolField(many=True, required=False, label=_("assisted schools"))
    goals_summary = CharField(required=False, allow_blank=True, label=_("aims of the pairing"))
    agreement_signed_on = serializers.DateField(
        required=False, allow_null=True, label=_("agreement signed on")
    )
    agreement_start = serializers.DateField(
        required=False, allow_null=True, label=_("agreement start")
    )
    agreement_end = serializers.DateField(required=False, allow_null=True, label=_("agreement end"))

    def _programme_for_choices(self) -> Programme | None:
        return self.instance.programme if self.instance is not None else None


class CommentSerializer(serializers.Serializer):
    comment = CharField(required=False, allow_blank=True, default="", label=_("comment"))


class RejectSerializer(serializers.Serializer):
    comment = CharField(
        required=False,
        allow_blank=True,
        default="",
        label=_("comment"),
        help_text=_("Required: why the proposal is rejected."),
    )


class ActivateSerializer(CommentSerializer):
    agreement_signed_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        label=_("agreement signed on"),
        help_text=_("Required unless the pairing already records it; not in the future."),
    )


class TerminateSerializer(serializers.Serializer):
    reason = CharField(
        required=False,
        allow_blank=True,
        default="",
        label=_("reason"),
        help_text=_("Required: why the pairing ends early."),
    )


def _transition_schema(body: type[serializers.Serializer], description: str):
    return extend_schema(
        request=body,
        responses={200: PairingDetailSerializer, **ERROR_RESPONSES},
        description=description,
    )


@extend_schema_view(
    retrieve=extend_schema(responses={200: PairingDetailSerializer, 404: ERROR_RESPONSES[404]}),
    create=extend_schema(
        request=PairingCreateSerializer,
        responses={201: PairingDetailSerializer, **ERROR_RESPONSES},
    ),
    partial_update=extend_schema(
        request=PairingUpdateSerializer,
        responses={200: PairingDetailSerializer, **ERROR_RESPONSES},
    ),
)
class PairingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Pairings the user may see. Writes and transitions go through the services."""

    queryset = Pairing.objects.none()
    serializer_class = PairingSerializer
    filterset_class = PairingFilter
    search_fields = [
        "helping_school__name", "helping_school__code", "members__school__name",
        "members__school__code",
    ]  # fmt: skip
    ordering_fields = ["created_at", "proposed_at", "updated_at", "status"]

    def get_queryset(self):
        return selectors.pairing_list_visible_to(self.request.user)

    def get_object(self):
        return selectors.pairing_get_for_user(self.request.user, self.kwargs["pk"])

    def list(self, request):
        # Rows, not model instances: see selectors.PairingRows.
        rows = self.paginate_queryset(
            selectors.PairingRows(self.filter_queryset(self.get_queryset()))
        )
        serializer = PairingSerializer(context=self.get_serializer_context())
        return self.get_paginated_response([serializer.represent_row(row) for row in rows])

    def get_serializer_class(self):
        return {
            "retrieve": PairingDetailSerializer,
            "create": PairingCreateSerializer,
            "partial_update": PairingUpdateSerializer,
        }.get(self.action, PairingSerializer)

    def _detail_response(self, pk, status_code=status.HTTP_200_OK) -> Response:
        # Read back through the selector: members, history and actions as they are now.
        pairing = selectors.pairing_get_for_user(self.request.user, pk)
        data = PairingDetailSerializer(pairing, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def retrieve(self, request, pk):
        return self._detail_response(pk)

    def create(self, request):
        serializer = PairingCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        pairing = services.pairing_create(actor=request.user, **serializer.validated_data)
        return self._detail_response(pairing.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        pairing = selectors.pairing_get_for_user(request.user, pk, write=True)
        serializer = PairingUpdateSerializer(
            pairing, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        services.pairing_update(actor=request.user, pairing=pairing, **serializer.validated_data)
        return self._detail_response(pk)

    def _transition(self, request, pk, name: str, body: type[serializers.Serializer]):
        # write=True: read-only users get 403 before their request body is looked at.
        pairing = selectors.pairing_get_for_user(request.user, pk, write=True)
        serializer = body(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.TRANSITION_SERVICES[name](
            actor=request.user, pairing=pairing, **serializer.validated_data
        )
        return self._detail_response(pk)

    @_transition_schema(
        CommentSerializer, _("draft → proposed (the pairing's bureau or coordinators).")
    )
    @action(detail=True, methods=["post"])
    def propose(self, request, pk):
        return self._transition(request, pk, "propose", CommentSerializer)

    @_transition_schema(
        CommentSerializer,
        _("proposed → approved (bureau staff of the programme, not the proposer)."),
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk):
        return self._transition(request, pk, "approve", CommentSerializer)

    @_transition_schema(
        RejectSerializer,
        _("proposed → rejected (bureau staff, not the proposer; comment required)."),
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk):
        return self._transition(request, pk, "reject", RejectSerializer)

    @_transition_schema(ActivateSerializer, _("approved → active, once the agreement is signed."))
    @action(detail=True, methods=["post"])
    def activate(self, request, pk):
        return self._transition(request, pk, "activate", ActivateSerializer)

    @_transition_schema(CommentSerializer, _("active → concluded (the programme's bureau)."))
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk):
        return self._transition(request, pk, "conclude", CommentSerializer)

    @_transition_schema(
        TerminateSerializer,
        _("approved or active → terminated (the programme's bureau; reason required)."),
    )
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk):
        return self._transition(request, pk, "terminate", TerminateSerializer)


# --- needs and goals endpoints ----------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        description=_(
            "Create or replace the assessment of one dimension of one school of a pairing."
        ),
        responses={200: NeedsAssessmentSerializer, **ERROR_RESPONSES},
    ),
)
class NeedsAssessmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Needs assessments of the pairings the user may see."""

    queryset = NeedsAssessment.objects.none()
    serializer_class = NeedsAssessmentSerializer
    filterset_class = NeedsAssessmentFilter
    ordering_fields = ["updated_at", "dimension"]

    def get_queryset(self):
        return selectors.needs_list_visible_to(self.request.user)

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessment = services.needs_assessment_save(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(assessment).data)


class ProgressSerializer(serializers.Serializer):
    value = DecimalField(max_digits=10, decimal_places=2, min_value=0, label=_("achieved so far"))
    note = CharField(required=False, allow_blank=True, default="", label=_("note"))


@extend_schema_view(
    retrieve=extend_schema(responses={200: GoalDetailSerializer, 404: ERROR_RESPONSES[404]}),
    create=extend_schema(responses={201: GoalSerializer, **ERROR_RESPONSES}),
    destroy=extend_schema(responses={204: None, **ERROR_RESPONSES}),
)
class GoalViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Goals and tasks of the development plans of the pairings the user may see."""

    queryset = Goal.objects.none()
    serializer_class = GoalSerializer
    filterset_class = GoalFilter
    ordering_fields = ["due_on", "school_year", "created_at"]

    def get_queryset(self):
        return selectors.goal_list_visible_to(self.request.user)

    def get_object(self):
        return selectors.goal_get_for_user(self.request.user, self.kwargs["pk"])

    def get_serializer_class(self):
        if self.action in ("retrieve", "progress"):
            return GoalDetailSerializer
        return GoalSerializer

    def retrieve(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        goal = services.goal_create(actor=request.user, **serializer.validated_data)
        data = GoalSerializer(goal, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk):
        goal = selectors.goal_get_for_user(request.user, pk, write=True)
        services.goal_delete(actor=request.user, goal=goal)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=ProgressSerializer,
        responses={201: GoalDetailSerializer, **ERROR_RESPONSES},
        description=_("Report how much of the goal is achieved so far."),
    )
    @action(detail=True, methods=["post"])
    def progress(self, request, pk):
        goal = selectors.goal_get_for_user(request.user, pk, write=True)
        serializer = ProgressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.goal_report_progress(actor=request.user, goal=goal, **serializer.validated_data)
        return Response(self.get_serializer(self.get_object()).data, status=status.HTTP_201_CREATED)


# --- working-day exceptions ----------------------------------------------------------------


class DayOverrideSerializer(ModelSerializer):
    region = ScopedPrimaryKeyRelatedField(
        Region, selectors.region_list_visible_to, label=_("region"),
        help_text=_("Your region or one below it (bureau staff)."),
    )  # fmt: skip
    region_name = CharField(source="region.name", read_only=True)

    class Meta:
        model = DayOverride
        fields = ["id", "region", "region_name", "date", "is_working_day", "note"]
        read_only_fields = ["id"]
        # The service checks the day once per region (an update of the same day).
        validators = []


class DayOverrideFilter(FilterSet):
    year = IntegerFilter(
        field_name="date", lookup_expr="year", label=_("year"), min_value=2000, max_value=2100
    )
    region = IdFilter(field_name="region", label=_("region"))

    class Meta:
        model = DayOverride
        fields = ["year", "region"]


@extend_schema_view(
    create=extend_schema(
        responses={201: DayOverrideSerializer, **ERROR_RESPONSES},
        description=_("Record (or change) whether a region's schools work on a day."),
    ),
    destroy=extend_schema(responses={204: None, **ERROR_RESPONSES}),
)
class DayOverrideViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):  # fmt: skip
    """Working-day exceptions (a year the holiday library does not cover yet, local
    holidays, days schools closed) that hold for the user's regions; a region's bureau
    records them for it and the regions below (twinning/calendar.py reads them)."""

    queryset = DayOverride.objects.none()
    serializer_class = DayOverrideSerializer
    filterset_class = DayOverrideFilter
    ordering_fields = ["date"]

    def get_queryset(self):
        return selectors.day_override_list_visible_to(self.request.user).order_by("date", "id")

    def get_object(self):
        return selectors.day_override_get_for_user(self.request.user, self.kwargs["pk"])

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        day = services.day_override_set(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(day).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk):
        day = selectors.day_override_get_for_user(request.user, pk, write=True)
        services.day_override_remove(actor=request.user, day=day)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- term dates ---------------------------------------------------------------------------


class TermDatesSerializer(ModelSerializer):
    region = ScopedPrimaryKeyRelatedField(
        Region, selectors.region_list_visible_to, label=_("region"),
        help_text=_("Your region or one below it (bureau staff)."),
    )  # fmt: skip
    region_name = CharField(source="region.name", read_only=True)

    class Meta:
        model = TermDates
        fields = ["id", "region", "region_name", "school_year", "term", "start", "end"]
        read_only_fields = ["id"]
        # The service checks the term once per region (setting it again changes it).
        validators = []


class TermDatesFilter(FilterSet):
    school_year = IntegerFilter(
        field_name="school_year", label=_("school year"), min_value=2000, max_value=2100
    )
    region = IdFilter(field_name="region", label=_("region"))

    class Meta:
        model = TermDates
        fields = ["school_year", "region"]


@extend_schema_view(
    create=extend_schema(
        responses={201: TermDatesSerializer, **ERROR_RESPONSES},
        description=_(
            "Set (or change) a region's own dates for a term of a school year; refused for a "
            "term that is over, or dates that end before today."
        ),
    ),
    destroy=extend_schema(
        responses={204: None, **ERROR_RESPONSES},
        description=_("Remove a region's own dates for a term; refused once the term is over."),
    ),
)
class TermDatesViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):  # fmt: skip
    """Regions' own term dates that hold for the user's regions (without any, a term runs
    by default: September–January, February–July); a region's bureau sets them for it and
    the regions below (twinning/calendar.py reads them)."""

    queryset = TermDates.objects.none()
    serializer_class = TermDatesSerializer
    filterset_class = TermDatesFilter
    ordering_fields = ["school_year", "start"]

    def get_queryset(self):
        return selectors.term_dates_list_visible_to(self.request.user).order_by(
            "-school_year", "region__path", "term", "id"
        )

    def get_object(self):
        return selectors.term_dates_get_for_user(self.request.user, self.kwargs["pk"])

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dates = services.term_dates_set(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(dates).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk):
        dates = selectors.term_dates_get_for_user(request.user, pk, write=True)
        services.term_dates_remove(actor=request.user, dates=dates)
        return Response(status=status.HTTP_204_NO_CONTENT)
