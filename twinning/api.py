"""Shared API plumbing: pagination and the one error format.

Every error answers ``{"detail": "..."}``; a validation failure (400) adds ``errors``,
the messages by field (or ``non_field_errors``) in the user's language, and ``codes``,
the same fields with a code per message that does not change with the language.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.http import Http404, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler

from . import paging
from .schema import decimal_shape


class ErrorSerializer(serializers.Serializer):
    """The one error format, for the OpenAPI schema."""

    detail = serializers.CharField()
    errors = serializers.DictField(
        required=False,
        help_text=gettext_lazy(
            "Messages by field name (or non_field_errors), in the user's language; only on 400."
        ),
    )
    codes = serializers.DictField(
        required=False,
        help_text=gettext_lazy(
            "The same fields with a code for each message, the same in every language "
            "(required, invalid, does_not_exist, invalid_choice, max_value …); only on 400."
        ),
    )


ERROR_RESPONSES = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
# A stored file's download (twinning.attachments.file_response): its bytes, or 404.
FILE_RESPONSES = {(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ErrorSerializer}


class DecimalField(serializers.DecimalField):
    """A decimal as the schema describes it (``twinning.schema``): a string of ASCII
    digits with at most ``decimal_places`` after the point and an optional minus. DRF's
    own also takes JSON numbers, exponents, ``+1`` and ``1.``, none of which the schema
    admits; the bounds are then checked by DRF with its messages and codes."""

    default_error_messages = {
        "format": gettext_lazy(
            'Write the number as a string of digits, e.g. "12.50", with at most '
            "%(places)s digits after the point."
        ),
    }

    def to_internal_value(self, data):
        shape = decimal_shape(self.max_digits, self.decimal_places)
        if not isinstance(data, str) or not shape.fullmatch(data):
            self.fail("format", places=self.decimal_places)
        return super().to_internal_value(data)


# Bodies are JSON, and each field takes the JSON type the schema gives it. DRF's own
# fields also take "5" for an integer, 5 for a text, "yes" for a boolean; a client
# generated from the schema never sends those, and accepting them hides its bugs.


class CharField(serializers.CharField):
    default_error_messages = {"not_a_string": gettext_lazy("Send text (a JSON string).")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


# A web address the API takes: http(s), a host name with a top-level domain, an optional
# port and path of printable ASCII (at most three labels before the top-level domain,
# so the host stays within the 253 characters DNS allows). Narrower than Django's
# URLValidator, which accepts everything it matches, so the schema's pattern is exactly
# what is taken.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
WEB_LINK = (
    rf"^$|^https?://{_LABEL}(?:\.{_LABEL}){{0,2}}\.[A-Za-z]{{2,24}}(?::[0-9]{{1,5}})?(?:/[!-~]*)?$"
)


class WebLinkField(CharField):
    """An optional http(s) link (an online class, a meeting room)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)
        self.validators.append(
            RegexValidator(WEB_LINK, message=gettext_lazy("Enter a web address (http or https)."))
        )


class IntegerField(serializers.IntegerField):
    default_error_messages = {"not_an_integer": gettext_lazy("Send a whole number.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("not_an_integer")
        return super().to_internal_value(data)


class BooleanField(serializers.BooleanField):
    default_error_messages = {"not_a_boolean": gettext_lazy("Send true or false.")}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("not_a_boolean")
        return data


class UploadSerializer(serializers.Serializer):
    """One file in a multipart request (twinning.attachments checks what it is)."""

    file = serializers.FileField(label=gettext_lazy("file"))


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An object by its id, a JSON integer (DRF's own also looks up "5")."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class ModelSerializer(serializers.ModelSerializer):
    """The base of the API's model serializers: every field takes only its JSON type,
    decimals as :class:`DecimalField`."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DecimalField: DecimalField,
        models.CharField: CharField,
        models.TextField: CharField,
        models.BooleanField: BooleanField,
        **{
            field: IntegerField
            for field in (
                models.IntegerField,
                models.SmallIntegerField,
                models.BigIntegerField,
                models.PositiveIntegerField,
                models.PositiveSmallIntegerField,
                models.PositiveBigIntegerField,
                models.AutoField,
                models.BigAutoField,
                models.SmallAutoField,
            )
        },  # fmt: skip
    }
    serializer_related_field = PrimaryKeyRelatedField


class LeanRepresentation:
    """A serializer mixin: ``represent(obj) -> dict`` writes the read representation.

    DRF's generic ``to_representation`` walks every field through ``get_attribute``,
    inspects the signature of each ``get_*_display`` it calls, and builds the nested
    lists field by field: most of a list endpoint's time at province scale. Serializers
    with this mixin write the same dict by hand; their declared fields still describe
    the schema and still parse input, and ``tests/test_api_representation.py`` checks
    that ``represent`` and DRF's own representation agree key for key and value for value.
    """

    def to_representation(self, instance):
        data = self.represent(instance)
        # Fields a subclass declares beyond what ``represent`` writes (a detail view's
        # nested lists) go through DRF as usual.
        if not hasattr(self, "_lean_rest"):
            self._lean_rest = [
                field for name, field in self.fields.items()
                if not field.write_only and name not in data
            ]  # fmt: skip
        for field in self._lean_rest:
            data[field.field_name] = field.to_representation(field.get_attribute(instance))
        return data

    def generic_representation(self, instance):
        return super().to_representation(instance)


def iso_datetime(value):
    """A datetime as DRF's DateTimeField writes it: ISO 8601 in the current time zone,
    UTC as ``Z`` (the same steps, without its per-value settings lookups)."""
    if value is None:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso_date(value):
    return None if value is None else value.isoformat()


class Pagination(PageNumberPagination):
    """Pages of 25 (``page_size`` up to 200). A ``page`` or ``page_size`` that is not a
    positive whole number, or a ``page_size`` over 200, is refused with a 400 naming it
    rather than quietly read as the first page or the default size; a page past the
    last answers 404. ``count`` is exact up to 10,000; a longer list's may be up to
    ``COMPLIANCE_CACHE_SECONDS`` old (twinning.paging)."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def django_paginator_class(self, object_list, per_page):
        """A long list's count is kept a while (twinning.paging); DRF has set
        ``self.request`` by the time it builds the paginator."""
        return paging.CountedPaginator(object_list, per_page, request=self.request)

    def paginate_queryset(self, queryset, request, view=None):
        errors = {}
        for name in (self.page_query_param, self.page_size_query_param):
            value = request.query_params.get(name)
            if value is None:
                continue
            if not (value.isascii() and value.isdigit() and int(value) > 0):
                errors[name] = [_("Enter a whole number of 1 or more.")]
            elif name == self.page_size_query_param and int(value) > self.max_page_size:
                errors[name] = [_("At most %(limit)s a page.") % {"limit": self.max_page_size}]
        if errors:
            raise exceptions.ValidationError(errors)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        if settings.COMPLIANCE_CACHE_SECONDS:
            response["properties"]["count"]["description"] = _(
                "How many match: exactly, up to %(limit)s; a longer list's count may be "
                "up to %(seconds)s seconds old, while the rows of every page are current."
            ) % {"limit": f"{paging.EXACT_COUNT_UP_TO:,}",
                 "seconds": settings.COMPLIANCE_CACHE_SECONDS}  # fmt: skip
        return response

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters


def validation_error_detail(error: DjangoValidationError) -> dict[str, list[ErrorDetail]]:
    """A service's ``ValidationError`` as DRF error details, each message keeping its
    code: the one the service or the model gave (``unique`` …), else ``rule``: a rule
    of the domain that no schema can express (a closed pairing cannot change, a
    school cannot pair with itself …)."""
    if hasattr(error, "error_dict"):
        return {
            (field if field != "__all__" else "non_field_errors"): [
                ErrorDetail(message, code=e.code or "rule")
                for e in errors
                for message in e.messages
            ]
            for field, errors in error.error_dict.items()
        }
    return {
        "non_field_errors": [
            ErrorDetail(message, code=e.code or "rule")
            for e in error.error_list
            for message in e.messages
        ]
    }


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors, codes = response.data, exc.get_codes()
        if not isinstance(errors, dict):
            errors, codes = {"non_field_errors": errors}, {"non_field_errors": codes}
        response.data = {
            "detail": _("The request has invalid fields."),
            "errors": errors,
            "codes": codes,
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    return response


# --- answers outside the API views ---------------------------------------------------


@csrf_exempt  # a path that matches nothing has no form to protect; the answer is a 404
def not_found(request, unmatched: str = ""):
    """Any path under /api/ that no route matches, with any method: a JSON 404, with
    DEBUG on too (Django would show its HTML page), and a hint for a missing slash."""
    detail = _("Not found.")
    if not request.path_info.endswith("/"):
        try:
            resolve(request.path_info + "/")
        except Resolver404:
            pass
        else:
            detail = _("Not found. API paths end with a slash: %(path)s") % {
                "path": request.path + "/"
            }
    return JsonResponse({"detail": detail}, status=404)


def server_error_response() -> JsonResponse:
    return JsonResponse(
        {"detail": _("The server could not finish this request. Nothing was saved.")},
        status=500,
    )


class JsonErrorsMiddleware:
    """Under /api/, an exception no view handled answers the one JSON error with DEBUG on
    as well (in production ``handler500`` does, see ``twinning.views``). The error is
    logged as Django would log it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not settings.DEBUG or not request.path_info.startswith("/api/"):
            return None
        if isinstance(exception, (Http404, PermissionDenied)):
            return None  # Django's handlers answer these (handler404/handler403)
        logging.getLogger("django.request").error(
            "Internal Server Error: %s", request.path, exc_info=exception
        )
        return server_error_response()


# --- the schema's error answers ---------------------------------------------------------

_ERROR_DESCRIPTIONS = {
    "400": gettext_lazy(
        "Invalid parameters or body: `errors` names each field and `codes` gives the "
        "reason. A request the schema admits can still be refused: naming an object "
        "that does not exist or lies outside your scope (`does_not_exist` in a body, "
        "`invalid_choice` in a filter), repeating a unique value (`unique`), or "
        "breaking a rule of the domain (`rule`: a closed pairing cannot change …)."
    ),
    "401": gettext_lazy("No credentials, or credentials that are not valid."),
    "403": gettext_lazy("Signed in, but this role may not do this here."),
    "404": gettext_lazy(
        "No such object in your scope (objects outside it answer the same), or no such page."
    ),
    "415": gettext_lazy("The body is not in a media type this operation reads."),
    "429": gettext_lazy("Too many requests; retry after the seconds in Retry-After."),
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation lists the errors it can
    answer, all in the one ``Error`` shape, so that clients generated from the schema
    expect them (an operation's own description of a status wins); a ``search``
    parameter says it takes no NUL character."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = {"429"}
            if operation.get("security", [{}]) != [] and operation.get("security") is not None:
                codes |= {"401", "403"}
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "search":
                    # DRF's SearchFilter refuses a NUL character (a 400): say so.
                    parameter.setdefault("schema", {}).setdefault("pattern", "^[^\\x00]*$")
            parameters = {p.get("name") for p in operation.get("parameters", [])}
            if "{" in path or "page" in parameters:  # no such object, or no such page
                codes.add("404")
            if operation.get("parameters") or operation.get("requestBody"):
                codes.add("400")
            if operation.get("requestBody"):
                codes.add("415")
            for code in sorted(codes):
                operation["responses"].setdefault(
                    code, {"description": str(_ERROR_DESCRIPTIONS[code]), "content": error}
                )
    return result
