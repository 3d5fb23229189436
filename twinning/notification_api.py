"""Notifications in the API: a person's notification centre (``/api/notifications/``),
their channels kind by kind (``/api/notification-preferences/``) and the work-chat robots
with their delivery logs (``/api/robots/``).

Thin wrappers over twinning.notify (selectors, services, preferences, chat) and
twinning.services, with the pages' rules (twinning/notification_views.py): a person
reads and marks only their own notifications (anyone else's: 404); they set the channels
of the kinds they may receive (any other kind: 404); bureau staff and coordinators
register robots (anyone else: 403 on the list and on registering), and a robot is found
only by those who manage it (404 for everyone else, on every route). A robot's token and
secret are taken once and never returned: its representation shows ``token_hint``.

Each operation's schema gives its answer; the errors it can answer are added from its
shape by ``twinning.api.add_error_responses`` (401 and 403 to every one, 404 to a path
with an id or a page, 400 to one with parameters or a body), which is what happens here.
"""

from __future__ import annotations

from django.apps import apps
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.drainage import set_override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from . import services
from .access import require, resolve_scope
from .api import CharField, IntegerField, PrimaryKeyRelatedField, iso_datetime
from .db import get_or_404
from .filters import FilterSet
from .models import Channel, ChatRobot, Delivery, Notification, NotificationPreference
from .notification_views import may_register
from .notify import chat, kinds, preferences, selectors
from .notify import services as notify_services

# --- the notification centre ----------------------------------------------------------------


def _kind_label(key: str) -> str:
    # A notification outlives a kind that is no longer registered: its key stands in.
    return str(kinds.get(key).label) if kinds.exists(key) else key


class NotificationSerializer(serializers.Serializer):
    id = IntegerField(read_only=True)
    kind = CharField(
        label=_("kind"),
        help_text=_("What it is about: a kind of notification (see notification-preferences/)."),
    )
    kind_label = CharField(label=_("kind, in words"))
    title = CharField(label=_("title"), help_text=_("In the language of the request."))
    body = CharField(label=_("message"), help_text=_("In the language of the request."))
    url = CharField(
        label=_("link"), help_text=_("Where it leads on the site (a path); empty for nowhere.")
    )
    created_at = serializers.DateTimeField(label=_("created at"))
    read_at = serializers.DateTimeField(
        allow_null=True, label=_("read at"), help_text=_("Null while it is unread.")
    )

    def to_representation(self, n: Notification) -> dict:
        return {
            "id": n.pk, "kind": n.kind, "kind_label": _kind_label(n.kind), "title": n.shown_title,
            "body": n.shown_body, "url": n.url, "created_at": iso_datetime(n.created_at),
            "read_at": iso_datetime(n.read_at),
        }  # fmt: skip


class MarkedSerializer(serializers.Serializer):
    marked = IntegerField(label=_("marked"), help_text=_("How many were unread until now."))


def _registered_kinds():
    return [(k.key, k.label) for k in kinds.every()]


class NotificationFilter(FilterSet):
    """The centre's filters: a registered kind (anything else is a 400 naming ``kind``) and
    whether it was read."""

    kind = filters.ChoiceFilter(choices=_registered_kinds, label=_("kind"))
    state = filters.ChoiceFilter(
        choices=[("unread", _("Unread")), ("read", _("Read"))], method="by_state",
        label=_("Show"),
    )  # fmt: skip

    class Meta:
        model = Notification
        fields = ["kind", "state"]

    def by_state(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value == "unread")


# Every app registers its kinds when it is ready, before the URLs (and so this module) are
# loaded: the schema lists them all.
KIND_KEYS = [k.key for k in kinds.every()]
set_override(
    NotificationFilter.base_filters["kind"], "field", {"type": "string", "enum": [*KIND_KEYS, ""]}
)


@extend_schema_view(
    list=extend_schema(
        description=_("Your notifications in the app, newest first, by kind and read or not.")
    ),
    retrieve=extend_schema(responses={200: NotificationSerializer}),
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The user's own notifications in the app; anyone else's are not found."""

    queryset = Notification.objects.none()
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    # Newest first, always: no search or reordering of its own.
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        return selectors.notification_list_for(self.request.user)

    def get_object(self):
        return get_or_404(self.get_queryset(), self.kwargs["pk"])

    def retrieve(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        request=None,
        responses={200: NotificationSerializer},
        description=_("Mark one of your notifications read (once read, it stays so)."),
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk):
        notification = services.notification_mark_read(actor=request.user,
                                                       notification=self.get_object())  # fmt: skip
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None,
        responses={200: MarkedSerializer},
        description=_("Mark every one of your notifications read."),
    )
    @action(detail=False, methods=["post"], url_path="read-all", filter_backends=[])
    def read_all(self, request):
        return Response({"marked": services.notification_mark_all_read(actor=request.user)})


# --- a person's channels ---------------------------------------------------------------------


class NotificationPreferenceSerializer(serializers.Serializer):
    kind = CharField(label=_("kind"))
    label = CharField(label=_("kind, in words"))
    group = CharField(label=_("group"), help_text=_("The heading it is listed under."))
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), label=_("channels"),
        help_text=_("Where it reaches you: in the app, by email, in the work chat, in the "
                    "daily digest."),
    )  # fmt: skip
    required = serializers.ListField(
        child=CharField(), label=_("required channels"),
        help_text=_("Channels of ``channels`` that cannot be turned off for this kind."),
    )  # fmt: skip
    # Text, not an enum: "source" names another choice set in the schema (a scorecard
    # indicator's).
    source = CharField(
        label=_("chosen by"),
        help_text=_("mine (your own choice), region (your region's default for your role) or "
                    "catalogue (the platform's default)."),
    )  # fmt: skip
    region_name = CharField(
        label=_("region"), help_text=_("The region whose default you follow; empty otherwise.")
    )

    def to_representation(self, choice: preferences.Choice) -> dict:
        return {
            "kind": choice.kind.key, "label": str(choice.kind.label),
            "group": str(choice.kind.group),
            "channels": [c for c in Channel.values if c in choice.channels],
            "required": [c for c in Channel.values if c in choice.kind.required],
            "source": choice.source, "region_name": choice.region_name,
        }  # fmt: skip


class PreferenceChoiceSerializer(serializers.Serializer):
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), label=_("channels"),
        help_text=_("Every channel you want this kind on; the required ones are added. An "
                    "email for each notification and the daily digest exclude each other."),
    )  # fmt: skip


KIND = OpenApiParameter(
    "kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=KIND_KEYS,
    description=_("A kind of notification you may receive; any other is not found."),
)  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        description=_("Every kind of notification you may receive, with the channels it "
                      "reaches you on and where that choice comes from.")
    ),
    retrieve=extend_schema(
        parameters=[KIND], responses={200: NotificationPreferenceSerializer}
    ),
    update=extend_schema(
        parameters=[KIND], request=PreferenceChoiceSerializer,
        responses={200: NotificationPreferenceSerializer},
        description=_("Choose your own channels for a kind: it no longer follows a default."),
    ),
    destroy=extend_schema(
        parameters=[KIND], responses={204: None},
        description=_("Forget your own choice: the kind follows the default again."),
    ),
)  # fmt: skip
class NotificationPreferenceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The user's channels, kind by kind: their own choice, else their region's default
    for their role, else the platform's (twinning.notify.preferences)."""

    queryset = NotificationPreference.objects.none()
    serializer_class = NotificationPreferenceSerializer
    pagination_class = None  # the catalogue: a few dozen kinds at most
    filter_backends = []
    lookup_field = "kind"

    def _kinds(self) -> list[kinds.Kind]:
        scope = resolve_scope(self.request.user)
        return kinds.for_roles(scope.roles, everything=scope.is_admin)

    def _kind(self, key: str) -> kinds.Kind:
        """A kind the user may receive; any other (or none by that name) is not found."""
        for kind in self._kinds():
            if kind.key == key:
                return kind
        raise NotFound()

    def _read(self, kind: kinds.Kind) -> Response:
        (choice,) = preferences.choices_of(self.request.user, [kind])
        return Response(self.get_serializer(choice).data)

    def list(self, request):
        choices = preferences.choices_of(request.user, self._kinds())
        return Response(self.get_serializer(choices, many=True).data)

    def retrieve(self, request, kind):
        return self._read(self._kind(kind))

    def update(self, request, kind):
        found = self._kind(kind)
        serializer = PreferenceChoiceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notify_services.preference_set(
            actor=request.user, kind=found.key, channels=serializer.validated_data["channels"]
        )
        return self._read(found)

    def destroy(self, request, kind):
        found = self._kind(kind)
        notify_services.preference_reset(actor=request.user, kind=found.key)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- work-chat robots ------------------------------------------------------------------------


class RobotSerializer(serializers.Serializer):
    id = IntegerField(read_only=True)
    name = CharField(label=_("group name"))
    platform = serializers.ChoiceField(choices=ChatRobot.Platform.choices, label=_("platform"))
    platform_display = CharField(label=_("platform, in words"))
    region = IntegerField(
        allow_null=True, label=_("region"), help_text=_("Its region; null for a school's.")
    )
    school = IntegerField(
        allow_null=True, label=_("school"), help_text=_("Its school; null for a region's.")
    )
    owner_name = CharField(label=_("for"), help_text=_("The region's or the school's name."))
    token_hint = CharField(
        label=_("webhook key"),
        help_text=_("The last characters of the key or token, to tell robots apart: the key "
                    "and the secret are never shown again."),
    )  # fmt: skip
    status = serializers.ChoiceField(choices=ChatRobot.Status.choices, label=_("status"))
    status_display = CharField(label=_("status, in words"))
    failures = IntegerField(label=_("failures in a row"))
    paused_at = serializers.DateTimeField(allow_null=True, label=_("paused at"))
    paused_reason = CharField(label=_("why it was paused"))
    created_by = IntegerField(allow_null=True, label=_("registered by"))
    created_by_name = CharField(label=_("registered by, in words"))
    created_at = serializers.DateTimeField(label=_("registered at"))

    def to_representation(self, robot: ChatRobot) -> dict:
        owner = robot.school if robot.school_id else robot.region
        return {
            "id": robot.pk, "name": robot.name, "platform": robot.platform,
            "platform_display": robot.get_platform_display(), "region": robot.region_id,
            "school": robot.school_id, "owner_name": owner.name if owner else "",
            "token_hint": robot.token_hint, "status": robot.status,
            "status_display": robot.get_status_display(), "failures": robot.failures,
            "paused_at": iso_datetime(robot.paused_at), "paused_reason": robot.paused_reason,
            "created_by": robot.created_by_id,
            "created_by_name": robot.created_by.display_name if robot.created_by else "",
            "created_at": iso_datetime(robot.created_at),
        }  # fmt: skip


class _InScope(PrimaryKeyRelatedField):
    """A region's or a school's id, looked up among those the user may see by the schools
    app's selector (named by its dotted path: the core imports no app). One outside it
    answers as a missing one does, so its existence is never revealed."""

    def __init__(self, model: str, selector: str, **kwargs):
        self.selector = selector
        kwargs.setdefault("queryset", apps.get_model(model)._default_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        return import_string(self.selector)(self.context["request"].user)


class RobotCreateSerializer(serializers.Serializer):
    name = CharField(
        max_length=100, label=_("group name"),
        help_text=_("As the group is called in 企业微信 or 钉钉, e.g. 江城实验小学结对工作群."),
    )  # fmt: skip
    platform = serializers.ChoiceField(choices=ChatRobot.Platform.choices, label=_("platform"))
    webhook = CharField(
        max_length=500, write_only=True, label=_("webhook address"),
        help_text=_("Copied from the robot's settings in the group, with its key (企业微信) or "
                    "access token (钉钉). Stored, never returned."),
    )  # fmt: skip
    secret = CharField(
        max_length=200, required=False, allow_blank=True, default="", write_only=True,
        label=_("signing secret"),
        help_text=_("钉钉 only: the signing secret (加签, it starts with SEC). Stored, never "
                    "returned."),
    )  # fmt: skip
    region = _InScope(
        "schools.Region", "schools.selectors.region_list_visible_to", required=False,
        allow_null=True, default=None, label=_("region"),
        help_text=_("A region of your bureau (or below it); give a region or a school."),
    )  # fmt: skip
    school = _InScope(
        "schools.School", "schools.selectors.school_list_visible_to", required=False,
        allow_null=True, default=None, label=_("school"),
        help_text=_("A school you coordinate, or one of your bureau's region; give a region "
                    "or a school."),
    )  # fmt: skip


class RobotTestSerializer(serializers.Serializer):
    ok = serializers.BooleanField(label=_("sent"), help_text=_("Whether the platform took it."))
    answer = CharField(label=_("answer"), help_text=_("The platform's answer, or the error."))


class DeliverySerializer(serializers.Serializer):
    id = IntegerField(read_only=True)
    kind = CharField(label=_("kind"))
    subject = CharField(label=_("Message"))
    status = serializers.ChoiceField(choices=Delivery.Status.choices, label=_("status"))
    status_display = CharField(label=_("status, in words"))
    attempts = IntegerField(label=_("attempts"))
    answer = CharField(label=_("answer"), help_text=_("The platform's last answer, or the error."))
    next_attempt_at = serializers.DateTimeField(
        allow_null=True, label=_("next attempt"), help_text=_("When a queued one is tried again.")
    )
    created_at = serializers.DateTimeField(label=_("queued at"))
    sent_at = serializers.DateTimeField(allow_null=True, label=_("sent at"))

    def to_representation(self, d: Delivery) -> dict:
        return {
            "id": d.pk, "kind": d.kind, "subject": d.subject, "status": d.status,
            "status_display": d.get_status_display(), "attempts": d.attempts,
            "answer": d.answer, "next_attempt_at": iso_datetime(d.next_attempt_at),
            "created_at": iso_datetime(d.created_at), "sent_at": iso_datetime(d.sent_at),
        }  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        description=_("The robots you manage, by name: your schools' (coordinators) and those "
                      "of your bureau's regions and of their schools (bureau staff). Anyone "
                      "else: 403.")
    ),
    retrieve=extend_schema(responses={200: RobotSerializer}),
    create=extend_schema(
        request=RobotCreateSerializer, responses={201: RobotSerializer},
        description=_("Register a group's robot for a region or a school you manage robots "
                      "of (403 for one you may not; bureau staff and coordinators only). The "
                      "webhook address is checked; send a test message to see it reach the "
                      "group."),
    ),
    destroy=extend_schema(
        responses={204: None},
        description=_("Remove the robot and its delivery log; nothing more is sent to its "
                      "group."),
    ),
)  # fmt: skip
class RobotViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Work-chat robots (企业微信 group robots, 钉钉 custom robots) the user manages."""

    queryset = ChatRobot.objects.none()
    serializer_class = RobotSerializer
    filter_backends = []

    def get_queryset(self):
        return (
            selectors.robot_list_visible_to(self.request.user)
            .select_related("created_by").order_by("name", "id")
        )  # fmt: skip

    def get_object(self):
        # The selector takes an id; a path that is not one finds nothing, as a missing id.
        pk = self.kwargs["pk"]
        if not (pk.isascii() and pk.isdigit()):
            raise NotFound()
        return selectors.robot_get_for_user(self.request.user, int(pk))

    def list(self, request):
        require(may_register(request.user),
                _("Bureau staff and school coordinators register robots."))  # fmt: skip
        return super().list(request)

    def retrieve(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        # Who may register robots is checked before the body is read.
        require(may_register(request.user),
                _("Bureau staff and school coordinators register robots."))  # fmt: skip
        serializer = RobotCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        robot = chat.robot_register(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(robot).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk):
        chat.robot_delete(actor=request.user, robot=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={200: RobotTestSerializer},
        description=_("Send a test message to the group now and log it: the platform's "
                      "answer (ok false when it refused: check the webhook address and, for "
                      "钉钉, the signing secret)."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def test(self, request, pk):
        answer = chat.robot_test(actor=request.user, robot=self.get_object())
        return Response({"ok": answer.ok, "answer": answer.text})

    @extend_schema(
        request=None, responses={200: RobotSerializer},
        description=_("Pause the robot: its messages wait in its queue until it is resumed."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def pause(self, request, pk):
        robot = chat.robot_pause(actor=request.user, robot=self.get_object())
        return Response(self.get_serializer(robot).data)

    @extend_schema(
        request=None, responses={200: RobotSerializer},
        description=_("Resume the robot, its failures forgotten: what waited is sent."),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def resume(self, request, pk):
        robot = chat.robot_resume(actor=request.user, robot=self.get_object())
        return Response(self.get_serializer(robot).data)

    @extend_schema(
        responses={200: DeliverySerializer(many=True)},
        description=_("The robot's delivery log, newest first: each message, what became of "
                      "it and the platform's last answer."),
    )  # fmt: skip
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk):
        page = self.paginate_queryset(selectors.deliveries_of(self.get_object()))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)
