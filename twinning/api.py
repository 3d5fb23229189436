"""Shared API plumbing: pagination and the one error format.

Every error answers ``{"detail": "...", "errors": {"field": ["message", ...]}}``;
``errors`` is present for validation failures and names each field (or
``non_field_errors``).
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler


class ErrorSerializer(serializers.Serializer):
    """The one error format, for the OpenAPI schema."""

    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=gettext_lazy("Messages by field name (or non_field_errors); only on 400."),
    )


ERROR_RESPONSES = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


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
    page_size_query_param = "page_size"
    max_page_size = 200


def validation_error_dict(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            (field if field != "__all__" else "non_field_errors"): [str(m) for m in messages]
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_dict(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        response.data = {"detail": _("The request has invalid fields."), "errors": errors}
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    return response
