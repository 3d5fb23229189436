"""The REST API, mounted at /api/ under the ``api`` namespace.

Routes (names are ``api:<name>``):

- ``auth/token/`` (``token``): POST username+password → token; DELETE revokes it.
- ``regions/``, ``schools/``, ``programmes/``, ``pairings/``, ``needs/``, ``goals/``
  (``<basename>-list`` / ``<basename>-detail`` and one name per action, e.g.
  ``pairing-approve``, ``goal-progress``).
- ``imports/`` (``import-list`` / ``import-detail``, ``import-confirm``, ``import-kinds``).
- ``notifications/`` (``notification-list`` / ``notification-detail``,
  ``notification-read``, ``notification-read-all``): the user's own notifications.
- ``notification-preferences/`` (``notification-preference-list`` /
  ``notification-preference-detail``, by kind): the user's channels, kind by kind.
- ``robots/`` (``robot-list`` / ``robot-detail``, ``robot-test``, ``robot-pause``,
  ``robot-resume``, ``robot-deliveries``): the work-chat robots the user manages.
- ``schema/`` (``schema``): the OpenAPI 3 document; ``docs/`` (``swagger-ui``):
  interactive documentation served from local static files only.

Each app's routes live in its own ``api_urls`` module, included here by dotted
path so that the core imports no app.
"""

from django.core.validators import RegexValidator
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from .api import CharField, ErrorSerializer, not_found
from .import_api import ImportBatchViewSet
from .notification_api import NotificationPreferenceViewSet, NotificationViewSet, RobotViewSet
from .schema import text_pattern

app_name = "api"

_imports = SimpleRouter()
_imports.include_format_suffixes = False
_imports.register("imports", ImportBatchViewSet, basename="import")

_notifications = SimpleRouter()
_notifications.include_format_suffixes = False
_notifications.register("notifications", NotificationViewSet, basename="notification")
_notifications.register(
    "notification-preferences", NotificationPreferenceViewSet, basename="notification-preference"
)
_notifications.register("robots", RobotViewSet, basename="robot")


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        read_only=True,
        label=_("token"),
        help_text=_('Send it as the header "Authorization: Token <token>".'),
    )


# What a trimmed DRF text field takes (twinning.schema), checked before the trim here.
_NOT_BLANK = RegexValidator(text_pattern(allow_blank=False, trim_whitespace=True))


class TokenRequestSerializer(AuthTokenSerializer):
    """DRF's sign-in serializer, with the schema saying what it accepts: a username and
    a password with something other than blanks in them and no NUL character (DRF
    refuses those in every text field)."""

    username = CharField(
        label=_("username"),
        trim_whitespace=False,
        write_only=True,
        validators=[_NOT_BLANK],
    )
    password = CharField(
        label=_("password"),
        style={"input_type": "password"},
        trim_whitespace=False,
        write_only=True,
        validators=[_NOT_BLANK],
    )


class TokenView(APIView):
    """API tokens: POST exchanges a username and password for one, DELETE revokes it.

    Throttled by the ``token`` rate; failed attempts also count towards the sign-in
    lockout (django-axes), as on the login page. DRF's own ``ObtainAuthToken`` has
    no DELETE and no throttle scope, hence this small view.
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    parser_classes = [JSONParser, FormParser]

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, 400: ErrorSerializer, 401: ErrorSerializer},
        auth=[],
        description=_("Exchange a username and password for your API token."),
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            codes = serializer.errors.get("non_field_errors", [])
            if any(getattr(e, "code", "") == "authorization" for e in codes):
                # Well-formed but wrong credentials: an authentication failure, not a
                # malformed request.
                raise exceptions.AuthenticationFailed(codes[0])
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        # The token row is authentication plumbing, not domain data: no service owns it.
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(
        request=None,
        responses={204: None, 403: ErrorSerializer},
        description=_("Revoke your API token; request a new one to use the API again."),
    )
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view: its starting script is a file of its own, as the pages' CSP wants.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="swagger-ui"),
    path("", include(_imports.urls)),
    path("", include(_notifications.urls)),
    # Each app mounts its own routes (by dotted path: the core imports no app).
    path("", include("schools.api_urls")),
    path("", include("teachers.api_urls")),
    path("", include("activities.api_urls")),
    path("", include("funding.api_urls")),
    path("", include("evaluation.api_urls")),
    # Last: whatever matched nothing above answers a JSON 404, not an HTML page.
    re_path(r"^(?P<unmatched>.*)$", not_found, name="not-found"),
]
