"""The REST API, mounted at /api/ under the ``api`` namespace.

Routes (names are ``api:<name>``):

- ``auth/token/`` (``token``): POST username+password → token; DELETE revokes it.
- ``regions/``, ``schools/``, ``programmes/``, ``pairings/``, ``needs/``, ``goals/``
  (``<basename>-list`` / ``<basename>-detail`` and one name per action, e.g.
  ``pairing-approve``, ``goal-progress``).
- ``schema/`` (``schema``): the OpenAPI 3 document; ``docs/`` (``swagger-ui``):
  interactive documentation served from local static files only.

Each app's routes live in its own ``api_urls`` module, included here by dotted
path so that the core imports no app.
"""

from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from .api import ErrorSerializer, not_found

app_name = "api"


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        read_only=True,
        label=_("token"),
        help_text=_('Send it as the header "Authorization: Token <token>".'),
    )


class TokenView(APIView):
    """API tokens: POST exchanges a username and password for one, DELETE revokes it.

    Throttled by the ``token`` rate; failed attempts also count towards the sign-in
    lockout (django-axes), as on the login page. DRF's own ``ObtainAuthToken`` has
    no DELETE and no throttle scope, hence this small view.
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: TokenSerializer, 400: ErrorSerializer},
        auth=[],
        description=_("Exchange a username and password for your API token."),
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
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
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="swagger-ui"),
    # Each app mounts its own routes (by dotted path: the core imports no app).
    path("", include("schools.api_urls")),
    # Last: whatever matched nothing above answers a JSON 404, not an HTML page.
    re_path(r"^(?P<unmatched>.*)$", not_found, name="not-found"),
]
