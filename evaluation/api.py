"""The yearly evaluation in the API: scorecard templates with their areas and indicators,
each pairing year's scorecard through its workflow, its evidence, the inspectors' and
the bureau's queues (``/api/scorecards/?queue=inspection|finalisation``) and the
rankings. Thin wrappers over evaluation.selectors and evaluation.services, with the
pages' rules and scoping: a scorecard is read by the bureau and inspectors of its
programme's and member schools' regions and by its schools' coordinators (teachers and
everyone else: 404); whoever reads it but takes no part in it (the bureau of a member
school's county) gets 403 on every step.

Scores are strings of points with at most one decimal ("4.5"). The entries of a
self-assessment or an inspection are keyed by indicator id; their errors name each
entry's field as the pages do: ``score_<indicator id>``, ``note_<id>``,
``comment_<id>``, ``override_<id>``, ``reason_<id>`` (``indicators`` for an id that is
not one of the scorecard's), and nothing is saved when one is wrong.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from schools import selectors as school_selectors
from schools.api import ScopedPrimaryKeyRelatedField
from schools.filters import (
    InRegionFilterSet,
    region_code_filter,
    visible_programmes,
    visible_regions,
)
from schools.models import Pairing, PairingMember, Programme
from twinning import access
from twinning.access import resolve_scope
from twinning.api import (
    ERROR_RESPONSES,
    BooleanField,
    CharField,
    DecimalField,
    ErrorSerializer,
    IntegerField,
    LeanRepresentation,
    ModelSerializer,
    iso_date,
    iso_datetime,
    validation_error_detail,
)
from twinning.attachments import stored_file_response
from twinning.db import BIGINT_MAX
from twinning.filters import FilterSet, IdFilter, IntegerFilter
from twinning.text import labels

from . import metrics, scoring, selectors, services
from .models import (
    Area,
    Grade,
    Indicator,
    Rule,
    Scorecard,
    ScorecardEvent,
    ScorecardStatus,
    ScoreEvidence,
    Source,
    Step,
    Template,
)

# The pairing years a programme may have (schools.Programme.years: at most 10).
LAST_YEAR = 10
# A typed score: 0 to 999.9 points with at most one decimal (the indicator's maximum is
# checked by the service, which knows it).
SCORE = {"max_digits": 4, "decimal_places": 1, "min_value": Decimal("0")}
MAX_POINTS = {"max_digits": 4, "decimal_places": 1, "min_value": Decimal("0.1")}


def _places(value: Decimal | None, places: int) -> str | None:
    """A decimal as DRF's DecimalField writes it: ``places`` decimals, never an exponent."""
    if value is None:
        return None
    return f"{Decimal(value).quantize(Decimal(1).scaleb(-places)):f}"


class NullableDecimalField(DecimalField):
    """A decimal that may be null: JSON null, never an empty string (DRF's reads "" as
    null, which the schema's pattern refuses)."""

    def validate_empty_values(self, data):
        return serializers.Field.validate_empty_values(self, data)


class MetricLabelField(CharField):
    """The label of an indicator's metric, in the reader's language (empty for a manual
    indicator)."""

    def __init__(self, **kwargs):
        super().__init__(source="metric", read_only=True, **kwargs)

    def to_representation(self, value):
        return _metric_label(value)


class EvidenceUrlField(CharField):
    """Where an evidence file downloads (``scorecard-evidence/{id}/``)."""

    def __init__(self, **kwargs):
        super().__init__(source="pk", read_only=True, **kwargs)

    def to_representation(self, value):
        return reverse("api:scorecard-evidence-detail", args=[value])


class ThumbnailUrlField(CharField):
    """A photo's small JPEG (the page's ``evaluation:evidence_thumbnail``); null for other
    files."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        if not value.thumbnail:
            return None
        return reverse("evaluation:evidence_thumbnail", args=[value.pk])


def _points(**kwargs) -> DecimalField:
    """Points as stored on a scorecard or template (one decimal), read-only."""
    return DecimalField(max_digits=5, decimal_places=1, read_only=True, **kwargs)


def _exact(**kwargs) -> DecimalField:
    """An indicator's points before the total is rounded (six decimals), read-only."""
    return DecimalField(max_digits=12, decimal_places=6, read_only=True, **kwargs)


def _plain(**kwargs) -> CharField:
    # Plain strings where a choice set would clash in the schema with another app's of
    # the same field name (status, grade, step); the values are named in the help text.
    return CharField(read_only=True, **kwargs)


def _metric_label(key: str) -> str:
    metric = metrics.METRICS.get(key)
    return str(metric.label) if metric else ""


def _bureau_only(user, message) -> None:
    """403 before the body is read for a role that keeps no template and opens no
    scorecard (inspectors, coordinators, teachers)."""
    scope = resolve_scope(user)
    access.require(scope.is_admin or bool(scope.bureau_region_ids), str(message))


STATUSES = _("open, confirming, submitted, inspected or finalised")
GRADES = _("excellent, good, pass or fail; empty until finalised")


# --- templates, areas, indicators ------------------------------------------------------------


class StepsField(serializers.ListField):
    """An automatic indicator's thresholds: ``[[value, points], …]``, each a decimal
    string; passed on normalised ("5000", "3.5"), as the page's form writes them."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "child",
            serializers.ListField(
                child=DecimalField(max_digits=16, decimal_places=4), min_length=2, max_length=2
            ),
        )
        kwargs.setdefault("max_length", 50)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        steps = super().to_internal_value(data)
        return [[_normal(value) for value in step] for step in steps]


def _normal(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


class ScorecardIndicatorSerializer(LeanRepresentation, ModelSerializer):
    source_display = CharField(source="get_source_display", read_only=True)
    metric_label = MetricLabelField(label=_("measures"))
    rule = serializers.ChoiceField(
        choices=Rule.choices, allow_blank=True, read_only=True, label=_("rule"),
        help_text=_("Empty for a manual indicator."),
    )  # fmt: skip
    rule_display = CharField(source="get_rule_display", read_only=True)
    steps = serializers.ListField(
        child=serializers.ListField(child=CharField()), read_only=True, label=_("thresholds"),
        help_text=_("[[value, points], …] ascending: the points of the highest value reached."),
    )  # fmt: skip
    lineage = CharField(
        read_only=True,
        help_text=_("The same in every version that continues this indicator."),
    )

    class Meta:
        model = Indicator
        fields = [
            "id", "template", "area", "code", "name", "criteria", "max_points", "source",
            "source_display", "metric", "metric_label", "rule", "rule_display", "target",
            "steps", "order", "continues", "lineage",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, i: Indicator) -> dict:
        return {
            "id": i.pk, "template": i.template_id, "area": i.area_id, "code": i.code,
            "name": i.name, "criteria": i.criteria, "max_points": _places(i.max_points, 1),
            "source": i.source, "source_display": labels(Source)[i.source],
            "metric": i.metric, "metric_label": _metric_label(i.metric), "rule": i.rule,
            "rule_display": labels(Rule).get(i.rule, i.rule), "target": _places(i.target, 2),
            "steps": [[str(v) for v in step] for step in i.steps], "order": i.order,
            "continues": i.continues_id, "lineage": str(i.lineage),
        }  # fmt: skip


class ScorecardAreaSerializer(LeanRepresentation, ModelSerializer):
    lineage = CharField(
        read_only=True, help_text=_("The same in every version that continues this area.")
    )

    class Meta:
        model = Area
        fields = ["id", "template", "name", "order", "continues", "lineage"]
        read_only_fields = fields

    def represent(self, a: Area) -> dict:
        return {"id": a.pk, "template": a.template_id, "name": a.name, "order": a.order,
                "continues": a.continues_id, "lineage": str(a.lineage)}  # fmt: skip


class ScorecardAreaWithIndicatorsSerializer(ScorecardAreaSerializer):
    indicators = ScorecardIndicatorSerializer(many=True, read_only=True)

    class Meta(ScorecardAreaSerializer.Meta):
        fields = [*ScorecardAreaSerializer.Meta.fields, "indicators"]
        read_only_fields = fields

    def represent(self, a: Area) -> dict:
        line = ScorecardIndicatorSerializer()
        return {**super().represent(a),
                "indicators": [line.represent(i) for i in a.indicators.all()]}  # fmt: skip


class ScorecardTemplateSerializer(LeanRepresentation, ModelSerializer):
    programme_name = CharField(source="programme.name", read_only=True, allow_null=True)
    is_published = BooleanField(read_only=True)
    is_default = BooleanField(
        read_only=True, help_text=_("The platform's default, which bureaus copy and adapt.")
    )

    class Meta:
        model = Template
        fields = [
            "id", "programme", "programme_name", "region", "name", "version", "previous",
            "max_points", "band_excellent", "band_good", "band_pass", "opens_days_before",
            "description", "is_published", "published_at", "is_default", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, t: Template) -> dict:
        return {
            "id": t.pk, "programme": t.programme_id,
            "programme_name": t.programme.name if t.programme_id else None,
            "region": t.region_id, "name": t.name, "version": t.version,
            "previous": t.previous_id, "max_points": _places(t.max_points, 1),
            "band_excellent": _places(t.band_excellent, 1),
            "band_good": _places(t.band_good, 1), "band_pass": _places(t.band_pass, 1),
            "opens_days_before": t.opens_days_before, "description": t.description,
            "is_published": t.is_published, "published_at": iso_datetime(t.published_at),
            "is_default": t.is_default, "created_at": iso_datetime(t.created_at),
        }  # fmt: skip


TEMPLATE_ACTIONS = [
    ("edit", _("change the draft, its areas and indicators")),
    ("publish", _("publish the draft")),
    ("delete", _("throw the draft away")),
    ("copy", _("copy it into a programme as its next draft")),
]


class ScorecardTemplateDetailSerializer(ScorecardTemplateSerializer):
    """A template with its areas, each with its indicators; what its indicators total,
    whether scorecards are scored on it, and what the user may do with it."""

    total = _points(help_text=_("What the indicators total; publishing needs the maximum."))
    in_use = BooleanField(read_only=True, help_text=_("Scorecards are scored on it."))
    areas = ScorecardAreaWithIndicatorsSerializer(many=True, read_only=True)
    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=TEMPLATE_ACTIONS), read_only=True
    )

    class Meta(ScorecardTemplateSerializer.Meta):
        fields = [*ScorecardTemplateSerializer.Meta.fields, "total", "in_use", "areas", "actions"]
        read_only_fields = fields

    def represent(self, t: Template) -> dict:
        detail = selectors.template_detail(t)
        scope = resolve_scope(self.context["request"].user)
        keeps = t.programme_id is not None and access.can_manage_templates(scope, t.programme)
        if t.is_published:
            mine = ["copy"] if scope.is_admin or scope.bureau_region_ids else []
        else:
            mine = ["edit", "publish", "delete"] if keeps else []
        area = ScorecardAreaWithIndicatorsSerializer()
        return {
            **super().represent(t), "total": _places(detail["total"], 1),
            "in_use": detail["in_use"], "areas": [area.represent(a) for a in detail["areas"]],
            "actions": mine,
        }  # fmt: skip


def _visible_areas(user):
    return Area.objects.filter(template__in=selectors.template_list_visible_to(user))


def _visible_indicators(user):
    return Indicator.objects.filter(template__in=selectors.template_list_visible_to(user))


class ScorecardTemplateCopySerializer(serializers.Serializer):
    source = ScopedPrimaryKeyRelatedField(
        Template, selectors.template_list_visible_to, label=_("copy of"),
        help_text=_("A published version: the default or one of the programme's."),
    )  # fmt: skip
    programme = ScopedPrimaryKeyRelatedField(
        Programme, school_selectors.programme_list_visible_to, label=_("programme"),
        help_text=_("A programme whose bureau you are: the copy is its next version."),
    )  # fmt: skip
    name = CharField(
        max_length=150, required=False, allow_blank=True, label=_("name"),
        help_text=_("Leave out to keep the name of the version copied."),
    )  # fmt: skip


class ScorecardTemplateUpdateSerializer(serializers.Serializer):
    name = CharField(max_length=150, required=False, label=_("name"))
    max_points = DecimalField(
        max_digits=5, decimal_places=1, min_value=Decimal("0.1"), required=False,
        label=_("maximum points"),
    )  # fmt: skip
    band_excellent = DecimalField(
        max_digits=5, decimal_places=1, min_value=Decimal("0"), required=False,
        label=_("excellent from"),
    )  # fmt: skip
    band_good = DecimalField(
        max_digits=5, decimal_places=1, min_value=Decimal("0"), required=False,
        label=_("good from"),
    )  # fmt: skip
    band_pass = DecimalField(
        max_digits=5, decimal_places=1, min_value=Decimal("0"), required=False,
        label=_("pass from"),
        help_text=_("The bands go down from excellent to good to pass."),
    )  # fmt: skip
    opens_days_before = IntegerField(
        min_value=0, max_value=366, required=False,
        label=_("self-assessment opens (days before the year ends)"),
    )  # fmt: skip
    description = CharField(required=False, allow_blank=True, label=_("description"))


class ScorecardAreaWriteSerializer(serializers.Serializer):
    name = CharField(max_length=100, label=_("area"))
    order = IntegerField(
        min_value=0, max_value=32767, required=False, label=_("order"),
        help_text=_("Areas are listed from the lowest number."),
    )  # fmt: skip
    continues = ScopedPrimaryKeyRelatedField(
        Area, _visible_areas, required=False, allow_null=True, label=_("continues the area"),
        help_text=_("An area of the previous version this one carries on (null: a new one)."),
    )  # fmt: skip


class ScorecardAreaCreateSerializer(ScorecardAreaWriteSerializer):
    template = ScopedPrimaryKeyRelatedField(
        Template, selectors.template_list_visible_to, label=_("template"),
        help_text=_("A draft of a programme whose bureau you are."),
    )  # fmt: skip


class ScorecardAreaUpdateSerializer(ScorecardAreaWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class ScorecardIndicatorWriteSerializer(serializers.Serializer):
    area = ScopedPrimaryKeyRelatedField(
        Area, _visible_areas, label=_("area"), help_text=_("An area of a draft template.")
    )
    code = CharField(max_length=10, label=_("number"), help_text=_("e.g. 1.2"))
    name = CharField(max_length=200, label=_("indicator"))
    criteria = CharField(required=False, allow_blank=True, label=_("what earns the points"))
    max_points = DecimalField(**MAX_POINTS, label=_("maximum points"))
    source = serializers.ChoiceField(choices=Source.choices, label=_("scored"))
    metric = serializers.ChoiceField(
        choices=metrics.choices(), required=False, allow_blank=True, label=_("metric"),
        help_text=_("What a computed indicator measures in the pairing year's records."),
    )  # fmt: skip
    rule = serializers.ChoiceField(
        choices=Rule.choices, required=False, allow_blank=True, label=_("rule"),
        help_text=_("How a computed indicator's value turns into points."),
    )  # fmt: skip
    target = NullableDecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), required=False,
        allow_null=True, label=_("target"),
        help_text=_("Share of a target: the value that earns full points."),
    )  # fmt: skip
    steps = StepsField(
        required=False, label=_("thresholds"),
        help_text=_("Thresholds: [[value, points], …], the points of the highest value "
                    "reached."),
    )  # fmt: skip
    order = IntegerField(min_value=0, max_value=32767, required=False, label=_("order"))
    continues = ScopedPrimaryKeyRelatedField(
        Indicator, _visible_indicators, required=False, allow_null=True,
        label=_("continues the indicator"),
        help_text=_("An indicator of the previous version this one carries on."),
    )  # fmt: skip


class ScorecardIndicatorUpdateSerializer(ScorecardIndicatorWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class ScorecardTemplateFilter(FilterSet):
    programme = filters.ModelChoiceFilter(queryset=visible_programmes, label=_("programme"))
    published = filters.BooleanFilter(
        field_name="published_at", lookup_expr="isnull", exclude=True, label=_("published")
    )
    is_default = filters.BooleanFilter(
        field_name="programme", lookup_expr="isnull", label=_("the platform's default")
    )

    class Meta:
        model = Template
        fields = ["programme", "published", "is_default"]


class ScorecardAreaFilter(FilterSet):
    template = IdFilter(field_name="template", label=_("template"))

    class Meta:
        model = Area
        fields = ["template"]


class ScorecardIndicatorFilter(FilterSet):
    template = IdFilter(field_name="template", label=_("template"))
    area = IdFilter(field_name="area", label=_("area"))
    source = filters.ChoiceFilter(choices=Source.choices, label=_("scored"))

    class Meta:
        model = Indicator
        fields = ["template", "area", "source"]


@extend_schema_view(
    retrieve=extend_schema(responses={200: ScorecardTemplateDetailSerializer, **ERROR_RESPONSES}),
    list=extend_schema(
        description=_("Scorecard templates in versions: the platform's default and those of "
                      "the programmes you read (bureau staff and inspectors). A programme's "
                      "bureau copies a published version into a draft, shapes it and "
                      "publishes it; new scorecards of the programme are scored on its latest "
                      "published version."),
    ),
    create=extend_schema(
        request=ScorecardTemplateCopySerializer,
        responses={201: ScorecardTemplateDetailSerializer, **ERROR_RESPONSES},
        description=_("Copy a published version (the default, or one of the programme's) into "
                      "a programme as its next draft version; its areas and indicators "
                      "continue the copied ones."),
    ),
    partial_update=extend_schema(
        request=ScorecardTemplateUpdateSerializer,
        responses={200: ScorecardTemplateDetailSerializer, **ERROR_RESPONSES},
        description=_("Change a draft. A published version never changes (400 on "
                      "``template``): copy it to change it."),
    ),
    destroy=extend_schema(
        responses={204: None, **ERROR_RESPONSES}, description=_("Throw a draft away.")
    ),
)  # fmt: skip
class ScorecardTemplateViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Scorecard templates in versions: the platform's default and those of the programmes
    the user reads (bureau staff and inspectors). A programme's bureau copies a published
    version into a draft, shapes it and publishes it; new scorecards of the programme are
    scored on its latest published version."""

    queryset = Template.objects.none()
    serializer_class = ScorecardTemplateSerializer
    filterset_class = ScorecardTemplateFilter
    search_fields = ["name"]
    ordering_fields = ["version", "created_at", "published_at", "name"]

    def get_queryset(self):
        return selectors.template_list_visible_to(self.request.user)

    def _read(self, pk, status_code=status.HTTP_200_OK) -> Response:
        template = selectors.template_get_for_user(self.request.user, pk)
        data = ScorecardTemplateDetailSerializer(
            template, context=self.get_serializer_context()
        ).data
        return Response(data, status=status_code)

    def retrieve(self, request, pk):
        return self._read(pk)

    def create(self, request):
        _bureau_only(request.user, _("The programme's bureau keeps its scorecard templates."))
        serializer = ScorecardTemplateCopySerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        template = services.template_copy(actor=request.user, **serializer.validated_data)
        return self._read(template.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        template = selectors.template_get_for_user(request.user, pk, write=True)
        serializer = ScorecardTemplateUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.template_update(actor=request.user, template=template, **serializer.validated_data)
        return self._read(pk)

    def destroy(self, request, pk):
        template = selectors.template_get_for_user(request.user, pk, write=True)
        services.template_delete(actor=request.user, template=template)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None, responses={200: ScorecardTemplateDetailSerializer, **ERROR_RESPONSES},
        description=_("Publish a draft: refused (400 on ``max_points``, ``areas`` or "
                      "``indicators``) unless its indicators total its maximum, every area "
                      "holds one and each computed indicator has its metric and rule."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def publish(self, request, pk):
        template = selectors.template_get_for_user(request.user, pk, write=True)
        services.template_publish(actor=request.user, template=template)
        return self._read(pk)


@extend_schema_view(
    retrieve=extend_schema(responses={200: ScorecardAreaSerializer, **ERROR_RESPONSES}),
    list=extend_schema(description=_("The areas of the templates you read.")),
    create=extend_schema(
        request=ScorecardAreaCreateSerializer,
        responses={201: ScorecardAreaSerializer, **ERROR_RESPONSES},
        description=_("Add an area to a draft template."),
    ),
    partial_update=extend_schema(
        request=ScorecardAreaUpdateSerializer,
        responses={200: ScorecardAreaSerializer, **ERROR_RESPONSES},
        description=_("Change an area of a draft."),
    ),
    destroy=extend_schema(
        responses={204: None, **ERROR_RESPONSES},
        description=_("Remove an area of a draft, with its indicators."),
    ),
)  # fmt: skip
class ScorecardAreaViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The areas (学校管理, 教育教学 …) of the templates the user reads."""

    queryset = Area.objects.none()
    serializer_class = ScorecardAreaSerializer
    filterset_class = ScorecardAreaFilter
    search_fields = ["name"]
    ordering_fields = ["order", "name"]

    def get_queryset(self):
        return _visible_areas(self.request.user).order_by("template_id", "order", "id")

    def _read(self, pk, status_code=status.HTTP_200_OK) -> Response:
        area = selectors.area_get_for_user(self.request.user, pk)
        return Response(ScorecardAreaSerializer(area).data, status=status_code)

    def retrieve(self, request, pk):
        return self._read(pk)

    def create(self, request):
        _bureau_only(request.user, _("The programme's bureau keeps its scorecard templates."))
        serializer = ScorecardAreaCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        template = selectors.template_get_for_user(
            request.user, data.pop("template").pk, write=True
        )
        area = services.area_save(actor=request.user, template=template, **data)
        return self._read(area.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        area = selectors.area_get_for_user(request.user, pk, write=True)
        serializer = ScorecardAreaUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.area_save(
            actor=request.user, template=area.template, area=area,
            name=data.get("name", area.name), order=data.get("order", area.order),
            continues=data["continues"] if "continues" in data else area.continues,
        )  # fmt: skip
        return self._read(pk)

    def destroy(self, request, pk):
        area = selectors.area_get_for_user(request.user, pk, write=True)
        services.area_remove(actor=request.user, area=area)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    retrieve=extend_schema(responses={200: ScorecardIndicatorSerializer, **ERROR_RESPONSES}),
    list=extend_schema(
        description=_("The indicators of the templates you read, each with its maximum points "
                      "and how it is scored.")
    ),
    create=extend_schema(
        request=ScorecardIndicatorWriteSerializer,
        responses={201: ScorecardIndicatorSerializer, **ERROR_RESPONSES},
        description=_("Add an indicator to an area of a draft: scored by hand, or computed "
                      "from a metric by a rule (a share of a target, or thresholds)."),
    ),
    partial_update=extend_schema(
        request=ScorecardIndicatorUpdateSerializer,
        responses={200: ScorecardIndicatorSerializer, **ERROR_RESPONSES},
        description=_("Change an indicator of a draft."),
    ),
    destroy=extend_schema(
        responses={204: None, **ERROR_RESPONSES},
        description=_("Remove an indicator of a draft."),
    ),
)  # fmt: skip
class ScorecardIndicatorViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The indicators of the templates the user reads, each with its maximum points and
    how it is scored."""

    queryset = Indicator.objects.none()
    serializer_class = ScorecardIndicatorSerializer
    filterset_class = ScorecardIndicatorFilter
    search_fields = ["code", "name"]
    ordering_fields = ["order", "code"]

    def get_queryset(self):
        return _visible_indicators(self.request.user).order_by(
            "template_id", "area__order", "area_id", "order", "id"
        )

    def _read(self, pk, status_code=status.HTTP_200_OK) -> Response:
        indicator = selectors.indicator_get_for_user(self.request.user, pk)
        return Response(ScorecardIndicatorSerializer(indicator).data, status=status_code)

    def retrieve(self, request, pk):
        return self._read(pk)

    def create(self, request):
        _bureau_only(request.user, _("The programme's bureau keeps its scorecard templates."))
        serializer = ScorecardIndicatorWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        area = serializer.validated_data["area"]
        template = selectors.template_get_for_user(request.user, area.template_id, write=True)
        indicator = services.indicator_save(
            actor=request.user, template=template, **serializer.validated_data
        )
        return self._read(indicator.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        indicator = selectors.indicator_get_for_user(request.user, pk, write=True)
        serializer = ScorecardIndicatorUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        services.indicator_save(
            actor=request.user, template=indicator.template, indicator=indicator,
            **serializer.validated_data,
        )  # fmt: skip
        return self._read(pk)

    def destroy(self, request, pk):
        indicator = selectors.indicator_get_for_user(request.user, pk, write=True)
        services.indicator_remove(actor=request.user, indicator=indicator)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- scorecards --------------------------------------------------------------------------------


class ScorecardSerializer(LeanRepresentation, ModelSerializer):
    pairing_title = CharField(source="pairing.title", read_only=True)
    programme_name = CharField(source="programme.name", read_only=True)
    region_name = CharField(source="region.name", read_only=True)
    helping_school_name = CharField(source="pairing.helping_school.name", read_only=True)
    status = _plain(label=_("status"), help_text=STATUSES)
    status_display = CharField(source="get_status_display", read_only=True)
    total = _points(
        allow_null=True, label=_("total"),
        help_text=_("The result stored when finalised (null before); the detail has the "
                    "result as it stands."),
    )  # fmt: skip
    grade = _plain(label=_("grade"), help_text=GRADES)
    grade_display = CharField(source="get_grade_display", read_only=True)
    pass_mark = _points(allow_null=True, label=_("pass mark"))

    class Meta:
        model = Scorecard
        fields = [
            "id", "pairing", "pairing_title", "programme", "programme_name", "region",
            "region_name", "helping_school", "helping_school_name", "template", "year",
            "period_start", "period_end", "opens_on", "due_on", "status", "status_display",
            "total", "grade", "grade_display", "passed", "pass_mark", "submitted_at",
            "finalised_at",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, c: Scorecard) -> dict:
        return {
            "id": c.pk, "pairing": c.pairing_id, "pairing_title": c.pairing.title,
            "programme": c.programme_id, "programme_name": c.programme.name,
            "region": c.region_id, "region_name": c.region.name,
            "helping_school": c.helping_school_id,
            "helping_school_name": c.pairing.helping_school.name, "template": c.template_id,
            "year": c.year, "period_start": iso_date(c.period_start),
            "period_end": iso_date(c.period_end), "opens_on": iso_date(c.opens_on),
            "due_on": iso_date(c.due_on), "status": c.status,
            "status_display": labels(ScorecardStatus)[c.status], "total": _places(c.total, 1),
            "grade": c.grade, "grade_display": labels(Grade).get(c.grade, c.grade),
            "passed": c.passed, "pass_mark": _places(c.pass_mark, 1),
            "submitted_at": iso_datetime(c.submitted_at),
            "finalised_at": iso_datetime(c.finalised_at),
        }  # fmt: skip


class ScoreEvidenceSerializer(LeanRepresentation, ModelSerializer):
    indicator = IntegerField(source="score.indicator_id", read_only=True, label=_("indicator"))
    url = EvidenceUrlField(help_text=_("Download it here (signed in)."))
    thumbnail_url = ThumbnailUrlField(help_text=_("A small JPEG of a photo; null otherwise."))

    class Meta:
        model = ScoreEvidence
        fields = ["id", "indicator", "name", "content_type", "size", "uploaded_at", "url",
                  "thumbnail_url"]  # fmt: skip
        read_only_fields = fields

    def represent(self, e: ScoreEvidence, indicator_id: int | None = None) -> dict:
        """``indicator_id`` when the caller knows it (the scorecard's detail): no query
        for the file's score."""
        return {
            "id": e.pk,
            "indicator": indicator_id if indicator_id is not None else e.score.indicator_id,
            "name": e.name,
            "content_type": e.content_type, "size": e.size,
            "uploaded_at": iso_datetime(e.uploaded_at),
            "url": reverse("api:scorecard-evidence-detail", args=[e.pk]),
            "thumbnail_url": reverse("evaluation:evidence_thumbnail", args=[e.pk])
            if e.thumbnail else None,
        }  # fmt: skip


class ScorecardStepSerializer(LeanRepresentation, ModelSerializer):
    step = _plain(label=_("step"), help_text=_(
        "open, submit, confirm, return, inspect, finalise or reopen"))  # fmt: skip
    step_display = CharField(source="get_step_display", read_only=True)
    from_status = _plain(label=_("from"), help_text=_("Empty for the opening."))
    from_status_display = CharField(source="get_from_status_display", read_only=True)
    to_status = _plain(label=_("to"))
    to_status_display = CharField(source="get_to_status_display", read_only=True)
    actor_name = CharField(
        source="actor.display_name", read_only=True, allow_null=True, label=_("by"),
        help_text=_("Null for a step the platform took (the yearly opening)."),
    )  # fmt: skip
    school_name = CharField(
        source="school.name", read_only=True, allow_null=True,
        help_text=_("The assisted school that confirmed."),
    )  # fmt: skip
    total = _points(allow_null=True, help_text=_("The result a finalisation gave."))

    class Meta:
        model = ScorecardEvent
        fields = [
            "step", "step_display", "from_status", "from_status_display", "to_status",
            "to_status_display", "actor", "actor_name", "school", "school_name", "comment",
            "total", "at",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, e: ScorecardEvent) -> dict:
        statuses = labels(ScorecardStatus)
        return {
            "step": e.step, "step_display": labels(Step)[e.step],
            "from_status": e.from_status,
            "from_status_display": statuses.get(e.from_status, e.from_status),
            "to_status": e.to_status, "to_status_display": statuses[e.to_status],
            "actor": e.actor_id, "actor_name": e.actor.display_name if e.actor_id else None,
            "school": e.school_id, "school_name": e.school.name if e.school_id else None,
            "comment": e.comment, "total": _places(e.total, 1), "at": iso_datetime(e.at),
        }  # fmt: skip


class ScorecardLineSerializer(serializers.Serializer):
    """One indicator of a scorecard: what it asks, how it is scored, its scores and
    evidence and the points it counts as it stands."""

    indicator = IntegerField(read_only=True, help_text=_("The indicator's id: the key of entries."))
    code = CharField(read_only=True, label=_("number"))
    name = CharField(read_only=True, label=_("indicator"))
    criteria = CharField(read_only=True, label=_("what earns the points"))
    max_points = _points(label=_("maximum points"))
    source = serializers.ChoiceField(choices=Source.choices, read_only=True, label=_("scored"))
    source_display = CharField(read_only=True)
    metric = CharField(read_only=True, help_text=_("Empty for a manual indicator."))
    metric_label = CharField(read_only=True, label=_("measures"))
    unit = CharField(read_only=True, help_text=_("The metric's unit; a share is 0 to 1."))
    rule = CharField(read_only=True, help_text=_("share or thresholds; empty for a manual one."))
    target = DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True)
    steps = serializers.ListField(
        child=serializers.ListField(child=CharField()), read_only=True, label=_("thresholds")
    )
    value = DecimalField(
        max_digits=16, decimal_places=4, read_only=True, allow_null=True, label=_("value"),
        help_text=_("A computed indicator's value as last computed (frozen when finalised); "
                    "null: no data, which scores nothing."),
    )  # fmt: skip
    detail = serializers.DictField(
        read_only=True, help_text=_("How the value came about, in no language.")
    )
    explained = serializers.ListField(
        child=CharField(), read_only=True,
        help_text=_("How the value came about, in the reader's language: one line a part."),
    )  # fmt: skip
    records_url = CharField(
        read_only=True, help_text=_("The page listing the records behind the value.")
    )
    computed_points = _exact(allow_null=True, label=_("computed points"))
    self_score = _points(allow_null=True, label=_("self-assessed score"))
    self_note = CharField(read_only=True, label=_("self-assessment note"))
    inspector_score = _points(allow_null=True, label=_("inspector's score"))
    inspector_comment = CharField(read_only=True, label=_("inspector's comment"))
    override_points = _points(
        allow_null=True, label=_("points set by the inspector"),
        help_text=_("Replaces a computed indicator's points, with a reason."),
    )  # fmt: skip
    override_reason = CharField(read_only=True, label=_("reason for the change"))
    inspector = IntegerField(read_only=True, allow_null=True, label=_("inspector"))
    inspector_name = CharField(read_only=True, allow_null=True)
    inspected_at = serializers.DateTimeField(read_only=True, allow_null=True)
    points = _exact(
        label=_("points"),
        help_text=_("What it counts in the total as it stands: the inspector's score (0 until "
                    "scored), or the computed points unless overridden. Exact; only the total "
                    "is rounded."),
    )  # fmt: skip
    evidence = ScoreEvidenceSerializer(many=True, read_only=True)


class ScorecardAreaResultSerializer(serializers.Serializer):
    area = IntegerField(read_only=True)
    name = CharField(read_only=True, label=_("area"))
    lineage = CharField(read_only=True, help_text=_("The same across template versions."))
    maximum = _points(label=_("maximum points"))
    points = _points(label=_("points"), help_text=_("As it stands, rounded to one decimal."))
    percent = IntegerField(read_only=True, help_text=_("Points as a share of the maximum."))
    indicators = ScorecardLineSerializer(many=True, read_only=True)


class ScorecardResultSerializer(serializers.Serializer):
    total = _points(label=_("total"), help_text=_("As it stands: the parts' sum, rounded once."))
    maximum = _points(label=_("maximum points"))
    grade = _plain(
        label=_("grade"),
        help_text=_("excellent, good, pass or fail, by the template's bands, as it stands"),
    )
    grade_display = CharField(read_only=True)
    pass_mark = _points(label=_("pass mark"), help_text=_("The programme's."))
    passes = BooleanField(read_only=True, help_text=_("The total as it stands reaches it."))
    band_excellent = _points(label=_("excellent from"))
    band_good = _points(label=_("good from"))
    band_pass = _points(label=_("pass from"))
    areas = ScorecardAreaResultSerializer(many=True, read_only=True)


SCORECARD_ACTIONS = [
    ("self-assess", _("save self-assessed scores and notes")),
    ("evidence", _("add or remove evidence")),
    ("submit", _("submit the self-assessment")),
    ("confirm", _("confirm the self-assessment (the assisted school)")),
    ("return", _("send the self-assessment back")),
    ("inspect", _("enter inspection scores")),
    ("finish-inspection", _("finish the inspection")),
    ("finalise", _("finalise")),
    ("reopen", _("reopen")),
]


def _actions(user, card: Scorecard) -> list[str]:
    can = selectors.actions(user, card)
    found = []
    if can["self_assess"]:
        found += ["self-assess", "evidence", "submit"]
    if can["confirm"]:
        found += ["confirm", "return"]
    if can["inspect"]:
        found += ["inspect", "finish-inspection"]
    if can["finalise"]:
        found.append("finalise")
    if can["reopen"]:
        found.append("reopen")
    return found


class ScorecardDetailSerializer(ScorecardSerializer):
    """A scorecard with its result as it stands, area by area and indicator by indicator,
    what the current step still needs, its history and what the user may do now."""

    template_name = CharField(source="template.name", read_only=True)
    template_version = IntegerField(source="template.version", read_only=True)
    computed_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("When the computed values were last read.")
    )
    frozen_at = serializers.DateTimeField(
        read_only=True, allow_null=True,
        help_text=_("Computed values frozen at the first finalisation."),
    )  # fmt: skip
    result = ScorecardResultSerializer(read_only=True)
    missing = serializers.ListField(
        child=IntegerField(), read_only=True,
        help_text=_("The manual indicators (ids) the current step still needs: self-assessed "
                    "while open, scored by the inspector while awaiting inspection."),
    )  # fmt: skip
    history = ScorecardStepSerializer(many=True, read_only=True)
    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=SCORECARD_ACTIONS), read_only=True,
        help_text=_("The steps this user may take now."),
    )  # fmt: skip

    class Meta(ScorecardSerializer.Meta):
        fields = [
            *ScorecardSerializer.Meta.fields, "template_name", "template_version",
            "computed_at", "frozen_at", "result", "missing", "history", "actions",
        ]  # fmt: skip
        read_only_fields = fields

    def represent(self, c: Scorecard) -> dict:
        detail = selectors.scorecard_detail(c)
        result = detail["result"]
        total = result.total
        template = c.template
        evidence, history = ScoreEvidenceSerializer(), ScorecardStepSerializer()
        return {
            **super().represent(c), "template_name": template.name,
            "template_version": template.version, "computed_at": iso_datetime(c.computed_at),
            "frozen_at": iso_datetime(c.frozen_at),
            "result": {
                "total": _places(total, 1), "maximum": _places(result.maximum, 1),
                "grade": scoring.grade_of(total, template),
                "grade_display": labels(Grade)[scoring.grade_of(total, template)],
                "pass_mark": _places(c.programme.pass_mark, 1),
                "passes": total >= c.programme.pass_mark,
                "band_excellent": _places(template.band_excellent, 1),
                "band_good": _places(template.band_good, 1),
                "band_pass": _places(template.band_pass, 1),
                "areas": [
                    {
                        "area": area.area_id, "name": area.name, "lineage": area.lineage,
                        "maximum": _places(area.maximum, 1), "points": _places(area.rounded, 1),
                        "percent": area.percent,
                        "indicators": [_line(i, s, p, evidence) for i, s, p in area.lines],
                    }  # fmt: skip
                    for area in result.areas
                ],
            },
            "missing": [i.pk for i in selectors.missing(c, detail)],
            "history": [history.represent(e) for e in detail["events"]],
            "actions": _actions(self.context["request"].user, c),
        }  # fmt: skip


def _line(indicator: Indicator, score, points, evidence: ScoreEvidenceSerializer) -> dict:
    metric = metrics.METRICS.get(indicator.metric)
    return {
        "indicator": indicator.pk, "code": indicator.code, "name": indicator.name,
        "criteria": indicator.criteria, "max_points": _places(indicator.max_points, 1),
        "source": indicator.source, "source_display": labels(Source)[indicator.source],
        "metric": indicator.metric, "metric_label": str(metric.label) if metric else "",
        "unit": str(metric.unit) if metric else "", "rule": indicator.rule,
        "target": _places(indicator.target, 2),
        "steps": [[str(v) for v in step] for step in indicator.steps],
        "value": _places(score.value, 4) if score else None,
        "detail": score.detail if score else {},
        "explained": [str(line) for line in getattr(indicator, "explained", [])],
        "records_url": getattr(indicator, "records_url", ""),
        "computed_points": _places(score.auto_points, 6) if score else None,
        "self_score": _places(score.self_score, 1) if score else None,
        "self_note": score.self_note if score else "",
        "inspector_score": _places(score.inspector_score, 1) if score else None,
        "inspector_comment": score.inspector_comment if score else "",
        "override_points": _places(score.override_points, 1) if score else None,
        "override_reason": score.override_reason if score else "",
        "inspector": score.inspector_id if score else None,
        "inspector_name": score.inspector.display_name if score and score.inspector_id else None,
        "inspected_at": iso_datetime(score.inspected_at) if score else None,
        "points": _places(points, 6),
        "evidence": [evidence.represent(e, indicator.pk) for e in score.evidence.all()]
        if score else [],
    }  # fmt: skip


# --- the workflow's bodies -------------------------------------------------------------------


class SelfAssessmentEntrySerializer(serializers.Serializer):
    score = NullableDecimalField(
        **SCORE, required=False, allow_null=True, label=_("self-assessed score"),
        help_text=_("Points, at most the indicator's maximum; null clears it."),
    )  # fmt: skip
    note = CharField(required=False, allow_blank=True, label=_("self-assessment note"))


class InspectionEntrySerializer(serializers.Serializer):
    score = NullableDecimalField(
        **SCORE, required=False, allow_null=True, label=_("inspector's score"),
        help_text=_("A manual indicator's points, at most its maximum; null clears it."),
    )  # fmt: skip
    comment = CharField(required=False, allow_blank=True, label=_("inspector's comment"))
    override = NullableDecimalField(
        **SCORE, required=False, allow_null=True, label=_("points set by the inspector"),
        help_text=_("A computed indicator's points replaced, with a reason; null takes the "
                    "computed points back."),
    )  # fmt: skip
    reason = CharField(
        required=False, allow_blank=True, label=_("reason for the change"),
        help_text=_("Required with an override."),
    )  # fmt: skip


class SelfAssessmentSerializer(serializers.Serializer):
    entries = serializers.DictField(
        child=SelfAssessmentEntrySerializer(), label=_("entries"),
        help_text=_('By indicator id: {"12": {"score": "4.5", "note": "…"}}; manual '
                    "indicators only. Fields left out stay as they are."),
    )  # fmt: skip


class InspectionSerializer(serializers.Serializer):
    entries = serializers.DictField(
        child=InspectionEntrySerializer(), label=_("entries"),
        help_text=_('By indicator id: {"12": {"score": "4", "comment": "…"}} for a manual '
                    'indicator, {"13": {"override": "6", "reason": "…"}} for a computed one. '
                    "Fields left out stay as they are."),
    )  # fmt: skip


class ScorecardCommentSerializer(serializers.Serializer):
    comment = CharField(required=False, allow_blank=True, default="", label=_("comment"))


class ScorecardReturnSerializer(serializers.Serializer):
    comment = CharField(label=_("comment"), help_text=_("What the helping school should change."))


class ScorecardReopenSerializer(serializers.Serializer):
    reason = CharField(label=_("reason"), help_text=_("Why the scorecard is reopened."))


class ScorecardOpenSerializer(serializers.Serializer):
    pairing = ScopedPrimaryKeyRelatedField(
        Pairing, school_selectors.pairing_list_visible_to, label=_("pairing"),
        help_text=_("An active (or concluded) pairing with a signed agreement."),
    )  # fmt: skip
    year = IntegerField(
        min_value=1, max_value=LAST_YEAR, label=_("pairing year"),
        help_text=_("1, 2, 3 …: the pairing year runs from the agreement's signing date."),
    )  # fmt: skip


class ScoreEvidenceUploadSerializer(serializers.Serializer):
    # Multipart: every value is text, so DRF's own integer field (which reads "12").
    indicator = serializers.IntegerField(
        min_value=1, max_value=BIGINT_MAX, label=_("indicator"),
        help_text=_("The id of one of the scorecard's manual indicators."),
    )  # fmt: skip
    files = serializers.ListField(
        child=serializers.FileField(), min_length=1, max_length=services.MAX_EVIDENCE,
        label=_("evidence files"),
        help_text=_("Photos, scans, minutes (a photo, a PDF or an Office file; the type is "
                    "read from the content). An indicator keeps at most maxItems files in "
                    "all."),
    )  # fmt: skip


def _entry_errors(errors) -> dict:
    """The body's errors with each entry's named as the service names them:
    ``entries → "12" → score`` becomes ``score_12`` (the codes kept)."""
    entries = errors.get("entries")
    if not isinstance(entries, dict):
        return errors
    flat = {k: v for k, v in errors.items() if k != "entries"}
    for key, fields in entries.items():
        if not isinstance(fields, dict):
            flat[f"entry_{key}"] = fields
            continue
        for name, messages in fields.items():
            flat[f"entry_{key}" if name == "non_field_errors" else f"{name}_{key}"] = messages
    return flat


def _read_body(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    if not serializer.is_valid():
        raise exceptions.ValidationError(_entry_errors(serializer.errors))
    return serializer.validated_data


def _renamed(error: ValidationError, names: dict[str, str]) -> exceptions.ValidationError:
    """A service's error with some fields renamed to the request's (``evidence_12`` →
    ``files``), each message keeping its code (``rule`` when it has none)."""
    detail = validation_error_detail(error)
    out: dict[str, list[ErrorDetail]] = {}
    for field, messages in detail.items():
        name = next((new for old, new in names.items() if field.startswith(old)), field)
        out.setdefault(name, []).extend(messages)
    return exceptions.ValidationError(out)


class ScorecardRankingFilter(InRegionFilterSet):
    """What the rankings are narrowed to (and the scorecard list with them)."""

    programme = filters.ModelChoiceFilter(queryset=visible_programmes, label=_("programme"))
    year = IntegerFilter(field_name="year", min_value=1, max_value=LAST_YEAR,
                         label=_("pairing year"))  # fmt: skip
    grade = filters.ChoiceFilter(choices=Grade.choices, label=_("grade"))
    region = filters.ModelChoiceFilter(
        queryset=visible_regions, method="filter_region", label=_("region"),
        help_text=_("Id of a region: scorecards of its programmes or with a member school in "
                    "it (or in any region below it)."),
    )  # fmt: skip
    region_code = region_code_filter()

    class Meta:
        model = Scorecard
        fields = ["programme", "year", "grade", "region", "region_code"]

    def filter_region(self, queryset, name, region):
        """The programme's region or a member school's in ``region`` (or below it)."""
        if not region:
            return queryset
        members = PairingMember.objects.filter(region__path__startswith=region.path)
        return queryset.filter(
            Q(region__path__startswith=region.path) | Q(pairing_id__in=members.values("pairing_id"))
        )


class ScorecardFilter(ScorecardRankingFilter):
    pairing = IdFilter(field_name="pairing", label=_("pairing"))
    status = filters.ChoiceFilter(choices=ScorecardStatus.choices, label=_("status"))
    queue = filters.ChoiceFilter(
        method="filter_queue", label=_("queue"),
        choices=[("inspection", _("waiting for an inspection you may score")),
                 ("finalisation", _("inspected, waiting for your bureau to finalise"))],
        help_text=_("inspection: awaiting inspection in your regions as inspector; "
                    "finalisation: inspected, of the programmes your bureau keeps. Oldest due "
                    "first."),
    )  # fmt: skip

    class Meta:
        model = Scorecard
        fields = ["programme", "pairing", "status", "year", "grade", "region", "region_code",
                  "queue"]  # fmt: skip

    def filter_queue(self, queryset, name, value):
        """The queue's own selector (evaluation.selectors), as a subquery of the list."""
        if not value:
            return queryset
        user = getattr(self.request, "user", None)
        queue = {"inspection": selectors.inspection_queue,
                 "finalisation": selectors.finalisation_queue}[value](user)  # fmt: skip
        return queryset.filter(pk__in=queue.order_by().values("pk")).order_by("due_on", "id")


class RankedAreaSerializer(serializers.Serializer):
    name = CharField(read_only=True, label=_("area"))
    points = _points(label=_("points"))
    maximum = _points(label=_("maximum points"))


class ScorecardRankingSerializer(ScorecardSerializer):
    """A finalised scorecard in the ranking: its place, its change from the pairing's year
    before and its points per area."""

    rank = IntegerField(read_only=True, help_text=_("1 for the highest total in the list."))
    change = DecimalField(
        max_digits=5, decimal_places=1, read_only=True, allow_null=True,
        help_text=_("The total less the pairing's total of the year before (null: none)."),
    )  # fmt: skip
    areas = RankedAreaSerializer(many=True, read_only=True)

    class Meta(ScorecardSerializer.Meta):
        fields = [*ScorecardSerializer.Meta.fields, "rank", "change", "areas"]
        read_only_fields = fields

    def represent(self, c: Scorecard) -> dict:
        return {
            **super().represent(c), "rank": c.rank, "change": _places(c.change, 1),
            "areas": [{"name": a["name"], "points": _places(a["points"], 1),
                       "maximum": _places(a["maximum"], 1)} for a in c.areas],
        }  # fmt: skip


def _taking_part(user, pk) -> Scorecard:
    """The scorecard ``pk``, once ``user`` is known to take part in it: whoever only reads
    it gets 403 before the body is looked at; the service checks the step's own right."""
    card = selectors.scorecard_get_for_user(user, pk)
    members = list(PairingMember.objects.filter(pairing_id=card.pairing_id))
    access.require(
        services.takes_part(resolve_scope(user), card, members),
        str(_("Only the pairing's coordinators, the region's inspectors and the programme's "
              "bureau take part in its evaluation.")),
    )  # fmt: skip
    return card


def _schema(request, description):
    return extend_schema(
        request=request, responses={200: ScorecardDetailSerializer, **ERROR_RESPONSES},
        description=description,
    )  # fmt: skip


@extend_schema_view(
    retrieve=extend_schema(responses={200: ScorecardDetailSerializer, **ERROR_RESPONSES}),
    list=extend_schema(
        description=_(
            "The yearly scorecards of the pairings you read: open → the helping "
            "school self-assesses and submits → the assisted school confirms (or "
            "sends it back) → an inspector scores and finishes → the programme's "
            "bureau, never an inspector who scored it, finalises, and the money "
            "follows; the bureau reopens a finalised one with a reason. "
            "queue=inspection and queue=finalisation are the inspectors' and the "
            "bureau's queues, oldest due first."
        ),
    ),
    create=extend_schema(
        request=ScorecardOpenSerializer,
        responses={
            201: ScorecardDetailSerializer,
            200: ScorecardDetailSerializer,
            **ERROR_RESPONSES,
        },
        description=_(
            "Open a pairing year's scorecard (the programme's bureau; the daily run "
            "opens each year when its self-assessment window begins). 201 when opened "
            "now, 200 when it was already open."
        ),
    ),  # fmt: skip
)
class ScorecardViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The yearly scorecards (年度考核验收) of the pairings the user reads: open → the helping
    school self-assesses and submits → the assisted school confirms (or sends it back) →
    an inspector scores and finishes → the programme's bureau, never an inspector who
    scored it, finalises (and the money follows); a finalised one is reopened by the
    bureau with a reason. ``?queue=inspection`` and ``?queue=finalisation`` are the
    inspectors' and the bureau's queues."""

    queryset = Scorecard.objects.none()
    serializer_class = ScorecardSerializer
    filterset_class = ScorecardFilter
    search_fields = [
        "helping_school__name", "helping_school__code", "pairing__members__school__name",
        "pairing__members__school__code",
    ]  # fmt: skip
    ordering_fields = ["due_on", "period_end", "year", "total", "finalised_at"]

    def get_queryset(self):
        return selectors.with_pairing(selectors.scorecard_list_visible_to(self.request.user))

    def _read(self, pk, status_code=status.HTTP_200_OK) -> Response:
        card = selectors.scorecard_get_for_user(self.request.user, pk)
        # The pairing's title names its schools: one query for all of them.
        prefetch_related_objects(
            [card.pairing],
            Prefetch("members", queryset=PairingMember.objects.select_related("school")),
        )
        data = ScorecardDetailSerializer(card, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def retrieve(self, request, pk):
        return self._read(pk)

    def create(self, request):
        _bureau_only(request.user, _("The programme's bureau opens its scorecards."))
        serializer = ScorecardOpenSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        pairing, year = serializer.validated_data["pairing"], serializer.validated_data["year"]
        opened = selectors.scorecard_list_visible_to(request.user).filter(
            pairing=pairing, year=year
        )
        existed = opened.exists()
        card = services.scorecard_open(actor=request.user, pairing=pairing, year=year)
        return self._read(card.pk, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def _step(self, request, pk, service, body=None, entries=False) -> Response:
        card = _taking_part(request.user, pk)
        data = dict(_read_body(body, request)) if body is not None else {}
        if entries:
            data["entries"] = {key: dict(entry) for key, entry in data["entries"].items()}
        service(actor=request.user, scorecard=card, **data)
        return self._read(pk)

    @_schema(
        SelfAssessmentSerializer,
        _("The helping school's coordinators save self-assessed scores and notes of manual "
          "indicators while the scorecard is open. Every entry is checked first; an error "
          "names its field (score_<indicator id> …) and nothing is saved."),
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="self-assess")
    def self_assess(self, request, pk):
        return self._step(request, pk, services.scorecard_self_assess, SelfAssessmentSerializer,
                          entries=True)  # fmt: skip

    @_schema(
        {"multipart/form-data": ScoreEvidenceUploadSerializer},
        _("Add evidence files to a manual indicator while the scorecard is open (the helping "
          "school's coordinators)."),
    )  # fmt: skip
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def evidence(self, request, pk):
        card = _taking_part(request.user, pk)
        serializer = ScoreEvidenceUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        indicator = serializer.validated_data["indicator"]
        try:
            services.scorecard_self_assess(
                actor=request.user, scorecard=card, entries={},
                uploads={indicator: serializer.validated_data["files"]},
            )  # fmt: skip
        except ValidationError as error:
            # The service names the files evidence_<id> and a stranger id "indicators".
            raise _renamed(error, {"evidence_": "files", "indicators": "indicator"}) from None
        return self._read(pk)

    @_schema(
        ScorecardCommentSerializer,
        _("open → confirming: the helping school submits its self-assessment to the assisted "
          "school(s); refused (400 naming each score_<id>) while a manual indicator is "
          "unscored."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def submit(self, request, pk):
        return self._step(request, pk, services.scorecard_submit, ScorecardCommentSerializer)

    @_schema(
        ScorecardCommentSerializer,
        _("An assisted school's coordinator confirms the self-assessment; once every assisted "
          "school has, confirming → submitted (awaiting inspection)."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk):
        return self._step(request, pk, services.scorecard_confirm, ScorecardCommentSerializer)

    @_schema(
        ScorecardReturnSerializer,
        _("confirming → open: an assisted school's coordinator sends the self-assessment "
          "back, saying why."),
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def send_back(self, request, pk):
        return self._step(request, pk, services.scorecard_return, ScorecardReturnSerializer)

    @_schema(
        InspectionSerializer,
        _("An inspector of the region scores manual indicators and may replace a computed "
          "one's points with a reason, while the scorecard awaits inspection. Every entry is "
          "checked first; nothing is saved if one is wrong."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def inspect(self, request, pk):
        return self._step(request, pk, services.scorecard_inspect, InspectionSerializer,
                          entries=True)  # fmt: skip

    @_schema(
        ScorecardCommentSerializer,
        _("submitted → inspected: refused (400 naming each score_<id>) while a manual "
          "indicator is unscored."),
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="finish-inspection")
    def finish_inspection(self, request, pk):
        return self._step(
            request, pk, services.scorecard_finish_inspection, ScorecardCommentSerializer
        )

    @_schema(
        ScorecardCommentSerializer,
        _("inspected → finalised (the programme's bureau, never an inspector who scored it): "
          "the computed values are frozen, the total, grade and pass or fail stored, and the "
          "next tranche released or withheld."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def finalise(self, request, pk):
        return self._step(request, pk, services.scorecard_finalise, ScorecardCommentSerializer)

    @_schema(
        ScorecardReopenSerializer,
        _("finalised → submitted (the programme's bureau, with a reason): inspected and "
          "finalised again, which replaces the result and corrects the tranche."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk):
        return self._step(request, pk, services.scorecard_reopen, ScorecardReopenSerializer)


class ScorecardEvidenceViewSet(viewsets.GenericViewSet):
    """A scorecard's evidence file, to those who read the scorecard."""

    queryset = ScoreEvidence.objects.none()
    serializer_class = ScoreEvidenceSerializer
    filter_backends: list = []

    @extend_schema(
        responses={(200, "*/*"): OpenApiTypes.BINARY, 404: ErrorSerializer},
        description=_("The file as uploaded, in its own type (a photo, a PDF, an Office file)."),
    )
    def retrieve(self, request, pk):
        return stored_file_response(selectors.evidence_get_for_user(request.user, pk))

    @extend_schema(
        request=None, responses={204: None, **ERROR_RESPONSES},
        description=_("Remove a file while the scorecard is open (the helping school's "
                      "coordinators)."),
    )  # fmt: skip
    def destroy(self, request, pk):
        evidence = selectors.evidence_get_for_user(request.user, pk)
        _taking_part(request.user, evidence.scorecard_id)
        services.evidence_remove(actor=request.user, evidence=evidence)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        description=_("The finalised scorecards you read, ranked by total (highest first; a "
                      "tie in the order of the pairings) within the programme, region, pairing "
                      "year and grade asked for, each with its change from the pairing's year "
                      "before and its points per area."),
    ),
)  # fmt: skip
class ScorecardRankingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The finalised scorecards the user reads, ranked by total (highest first; a tie in
    the order of the pairings), within the programme, region, pairing year and grade
    asked for; each with its change from the pairing's year before and its points per
    area."""

    queryset = Scorecard.objects.none()
    serializer_class = ScorecardRankingSerializer
    filterset_class = ScorecardRankingFilter
    # The rank is the place in this order: no search or reordering of its own.
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        return selectors.ranked_rows(selectors.scorecard_list_visible_to(self.request.user))

    def list(self, request):
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = selectors.ranked(rows, self.paginator.page.start_index() if rows else 1)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)
