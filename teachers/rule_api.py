"""A programme's mentorship rules in the API: its own obligations and its mentee
eligibility rule, through the same selectors and services as its *Mentorship rules* tab.
A change counts from today (twinning/rulebook.py): changing an obligation made before
today answers the successor, with a new id."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from schools import selectors as school_selectors
from schools.api import ScopedPrimaryKeyRelatedField
from schools.models import Programme
from schools.rule_api import ProgrammeRuleViewSet, rule_filter
from twinning.api import ERROR_RESPONSES, BooleanField, CharField, IntegerField, ModelSerializer

from . import rules, selectors, services
from .models import Filer, Obligation, Period

MAX_MINIMUM = 1000


class ObligationSerializer(ModelSerializer):
    programme = ScopedPrimaryKeyRelatedField(
        Programme, school_selectors.programme_list_visible_to, label=_("programme")
    )
    filer = serializers.ChoiceField(
        [("", _("Mentor or mentee")), *Filer.choices], required=False, allow_blank=True,
        label=_("filed by"), help_text=_("Empty: records of either count."),
    )  # fmt: skip
    partner_lessons_only = BooleanField(required=False, label=_("only the partner's lessons"))
    minimum = IntegerField(min_value=1, max_value=MAX_MINIMUM, label=_("at least"))
    label = CharField(read_only=True, help_text=_("The obligation as a sentence, in the "
                                                  "language of the request."))  # fmt: skip

    class Meta:
        model = Obligation
        fields = ["id", "programme", "kind", "filer", "partner_lessons_only", "minimum",
                  "period", "valid_from", "valid_until", "label"]  # fmt: skip
        read_only_fields = ["id", "valid_from", "valid_until", "label"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["label"] = rules.Rule(
            instance.kind, instance.filer, instance.minimum, instance.period,
            instance.partner_lessons_only,
        ).label  # fmt: skip
        return data


class ObligationChangeSerializer(serializers.Serializer):
    minimum = IntegerField(min_value=1, max_value=MAX_MINIMUM, required=False,
                           label=_("at least"))  # fmt: skip
    period = serializers.ChoiceField(Period.choices, required=False, label=_("every"))


@extend_schema_view(
    create=extend_schema(
        responses={201: ObligationSerializer, **ERROR_RESPONSES},
        description=_(
            "Add an obligation to a programme's mentorships, in force from today "
            "(its bureau). A programme on the defaults takes them as its own first."
        ),
    ),  # fmt: skip
    partial_update=extend_schema(
        request=ObligationChangeSerializer,
        responses={200: ObligationSerializer, **ERROR_RESPONSES},
        description=_(
            "Change an obligation's number or period from today on: answers the "
            "one now in force (a new id when the old one counted earlier days)."
        ),
    ),  # fmt: skip
    destroy=extend_schema(
        responses={204: None, **ERROR_RESPONSES},
        description=_("Take an obligation out of force from today on."),
    ),
)
class ObligationViewSet(ProgrammeRuleViewSet):
    """The own obligations of the programmes the user reads, current and earlier (a
    programme without any follows the defaults: see its *Mentorship rules* tab)."""

    queryset = Obligation.objects.none()
    serializer_class = ObligationSerializer
    change_serializer_class = ObligationChangeSerializer
    filterset_class = rule_filter(Obligation)

    def get_rule(self, user, pk, write):
        return selectors.obligation_get_for_user(user, pk, write=write)

    def add(self, actor, programme, data):
        data.setdefault("filer", "")
        data.setdefault("partner_lessons_only", False)
        return services.obligation_add(actor=actor, programme=programme, **data)

    def change(self, actor, rule, data):
        return services.obligation_change(actor=actor, obligation=rule, **data)

    def remove(self, actor, rule):
        services.obligation_remove(actor=actor, obligation=rule)


class EligibilitySerializer(serializers.Serializer):
    programme = IntegerField(read_only=True, label=_("programme"))
    max_mentee_years = IntegerField(
        min_value=0, max_value=60, allow_null=True, label=_("most years of service of a mentee"),
        help_text=_("null: any teacher may be a mentee. Asked when a mentorship is made."),
    )  # fmt: skip


@extend_schema_view(
    retrieve=extend_schema(responses={200: EligibilitySerializer, **ERROR_RESPONSES}),
    update=extend_schema(
        request=EligibilitySerializer,
        responses={200: EligibilitySerializer, **ERROR_RESPONSES},
        description=_("Set the programme's rule (its bureau)."),
    ),
)
class EligibilityViewSet(viewsets.GenericViewSet):
    """Who may be a mentee in a programme's mentorships, by the programme's id."""

    queryset = Programme.objects.none()
    serializer_class = EligibilitySerializer
    http_method_names = ["get", "put", "head", "options"]

    def _answer(self, programme: Programme) -> Response:
        return Response({"programme": programme.pk,
                         "max_mentee_years": rules.max_mentee_years(programme.pk)})  # fmt: skip

    def retrieve(self, request, pk):
        return self._answer(school_selectors.programme_get_for_user(request.user, pk))

    def update(self, request, pk):
        programme = school_selectors.programme_get_for_user(request.user, pk, write=True)
        serializer = EligibilitySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.mentorship_policy_set(
            actor=request.user, programme=programme,
            max_mentee_years=serializer.validated_data["max_mentee_years"],
        )  # fmt: skip
        return self._answer(programme)
