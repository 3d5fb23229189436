"""A programme's own exchange targets in the API: the same selectors and services as its
*Exchange targets* tab. A change counts from today (twinning/rulebook.py): changing a
target made before today answers the successor, with a new id."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from schools import selectors as school_selectors
from schools.api import ScopedPrimaryKeyRelatedField
from schools.models import Programme
from schools.rule_api import ProgrammeRuleViewSet, rule_filter
from twinning.api import ERROR_RESPONSES, CharField, IntegerField, ModelSerializer

from . import selectors, services, targets
from .models import ActivityKind, PairingTarget, TargetPeriod, TargetSide

MAX_MINIMUM = 1000


class ProgrammeTargetSerializer(ModelSerializer):
    programme = ScopedPrimaryKeyRelatedField(
        Programme, school_selectors.programme_list_visible_to, label=_("programme")
    )
    kind = serializers.SlugRelatedField(
        slug_field="code", queryset=ActivityKind.objects.all(), allow_null=True, required=False,
        label=_("kind"), help_text=_("The code of a kind of activity in use; null for "
                                     "secondment days."),
    )  # fmt: skip
    minimum = IntegerField(min_value=1, max_value=MAX_MINIMUM, label=_("at least"))
    label = CharField(read_only=True, help_text=_("The target as a sentence, in the language "
                                                  "of the request."))  # fmt: skip

    class Meta:
        model = PairingTarget
        fields = ["id", "programme", "subject", "kind", "minimum", "period", "side",
                  "valid_from", "valid_until", "label"]  # fmt: skip
        read_only_fields = ["id", "valid_from", "valid_until", "label"]
        validators = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if "kind_names" not in self.context:  # once per request, for every row
            self.context["kind_names"] = {k.code: k.name for k in ActivityKind.objects.all()}
        data["label"] = targets.Target(
            instance.subject, instance.kind.code if instance.kind else None, instance.minimum,
            instance.period, instance.side,
        ).label(self.context["kind_names"])  # fmt: skip
        return data


class TargetChangeSerializer(serializers.Serializer):
    minimum = IntegerField(min_value=1, max_value=MAX_MINIMUM, required=False,
                           label=_("at least"))  # fmt: skip
    period = serializers.ChoiceField(TargetPeriod.choices, required=False, label=_("per"))
    side = serializers.ChoiceField(TargetSide.choices, required=False, label=_("counted at"))


@extend_schema_view(
    create=extend_schema(
        responses={201: ProgrammeTargetSerializer, **ERROR_RESPONSES},
        description=_(
            "Add a target to a programme, in force from today (its bureau). A "
            "programme on the defaults takes them as its own first."
        ),
    ),  # fmt: skip
    partial_update=extend_schema(
        request=TargetChangeSerializer,
        responses={200: ProgrammeTargetSerializer, **ERROR_RESPONSES},
        description=_(
            "Change a target's number, period or side from today on: answers the "
            "target now in force (a new id when the old one counted earlier days)."
        ),
    ),  # fmt: skip
    destroy=extend_schema(
        responses={204: None, **ERROR_RESPONSES},
        description=_("Take a target out of force from today on."),
    ),
)
class ProgrammeTargetViewSet(ProgrammeRuleViewSet):
    """The own exchange targets of the programmes the user reads, current and earlier
    (a programme without any follows the defaults: see its *Exchange targets* tab)."""

    queryset = PairingTarget.objects.none()
    serializer_class = ProgrammeTargetSerializer
    change_serializer_class = TargetChangeSerializer
    filterset_class = rule_filter(PairingTarget)

    def get_queryset(self):
        return super().get_queryset().select_related("kind")

    def get_rule(self, user, pk, write):
        return selectors.target_get_for_user(user, pk, write=write)

    def add(self, actor, programme, data):
        return services.target_add(
            actor=actor, programme=programme, kind=data.pop("kind", None), **data
        )

    def change(self, actor, rule, data):
        return services.target_change(actor=actor, target=rule, **data)

    def remove(self, actor, rule):
        services.target_remove(actor=actor, target=rule)
