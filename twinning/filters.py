"""The base of every filter set, for the list pages and the API alike.

Query parameters are checked for type and range here, once, before they reach the
database: an id or a number beyond what its column can hold, a malformed date or an
unknown choice is a form error on a page and a 400 naming the parameter in the API,
never a 500. Every app's filter sets inherit :class:`FilterSet`;
``tests/test_filters.py`` checks that they do and that each numeric filter is bounded.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.widgets import BooleanWidget
from drf_spectacular.drainage import set_override

from .db import BIGINT_MAX, integer_range
from .models import ImportBatch

_EMPTY = {"type": "string", "enum": [""], "description": _("Empty: no filter.")}


def _document_bounds(filter_: filters.Filter, low: int, high: int) -> None:
    """Put the filter's bounds into the OpenAPI schema (drf-spectacular does not read
    them from the form field), so that clients know them before they send; an empty
    value, which a page's form sends for "any", means no filter."""
    bounded = {"type": "integer", "minimum": low, "maximum": high}
    set_override(filter_, "field", {"anyOf": [bounded, _EMPTY]})


def document_pattern(filter_: filters.Filter, pattern: str) -> filters.Filter:
    """Say in the OpenAPI schema which strings ``filter_`` takes: those matching
    ``pattern`` (anchored), or nothing, which means no filter. The filter still checks
    them itself."""
    inner = pattern.removeprefix("^").removesuffix("$")
    set_override(filter_, "field", {"type": "string", "pattern": f"^(?:{inner})?$"})
    return filter_


class IdFilter(filters.Filter):
    """Equality on an object id: a positive integer that fits the id column."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)
        _document_bounds(self, self.extra["min_value"], self.extra["max_value"])


class IntegerFilter(filters.NumberFilter):
    """A whole number; :class:`FilterSet` bounds it by its column unless given bounds."""

    field_class = forms.IntegerField


class StrictBooleanField(forms.NullBooleanField):
    """``true`` or ``false`` (also ``1``/``0`` and Django's ``True``/``False``); empty
    means no filter, and anything else is an error instead of being ignored."""

    _values = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        result = self._values.get(str(value).strip().lower())
        if result is None:
            raise forms.ValidationError(_("Enter true or false."), code="invalid")
        return result

    def validate(self, value):
        pass


class StrictBooleanWidget(BooleanWidget):
    """django-filter's yes/no drop-down, handing the field what was sent (its own
    reading turns any unknown value into "no filter")."""

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class FilterSet(filters.FilterSet):
    """A django-filter ``FilterSet`` whose numeric filters are all bounded.

    Declared or generated, a number filter on an integer column parses an integer
    within the column's range, and one on a decimal column a decimal with the
    column's digits; anything else is refused by the form, with its message.
    """

    @classmethod
    def get_filters(cls):
        filters_ = super().get_filters()
        for name, filter_ in filters_.items():
            if isinstance(filter_, filters.NumberFilter):
                cls._bound(name, filter_)
            elif isinstance(filter_, filters.ModelChoiceFilter):
                if "to_field_name" not in filter_.extra:  # by id; an id out of range
                    _document_bounds(filter_, 1, BIGINT_MAX)  # finds nothing: a 400
            elif (
                isinstance(filter_, filters.ChoiceFilter)
                and "choices" in filter_.extra
                and not callable(filter_.extra["choices"])  # known only once apps are ready
            ):
                # An empty value means "no filter" (a page's form sends it): say so.
                values = [str(value) for value, _label in filter_.extra["choices"]]
                set_override(filter_, "field", {"type": "string", "enum": [*values, ""]})
            elif isinstance(filter_, filters.CharFilter):
                for validator in filter_.extra.get("validators", []):
                    if isinstance(validator, RegexValidator) and not validator.inverse_match:
                        document_pattern(filter_, validator.regex.pattern)
            elif isinstance(filter_, filters.BooleanFilter):
                filter_.field_class = StrictBooleanField
                filter_.extra["widget"] = StrictBooleanWidget
        return filters_

    @classmethod
    def _bound(cls, name: str, filter_: filters.NumberFilter) -> None:
        field = cls._model_field(filter_.field_name or name)
        bounds = integer_range(field) if field is not None else None
        if bounds is not None or isinstance(filter_, IntegerFilter):
            filter_.field_class = forms.IntegerField
            low, high = bounds or (-BIGINT_MAX, BIGINT_MAX)
            filter_.extra.setdefault("min_value", low)
            filter_.extra.setdefault("max_value", high)
            _document_bounds(filter_, filter_.extra["min_value"], filter_.extra["max_value"])
        elif isinstance(field, models.DecimalField):
            filter_.extra.setdefault("max_digits", field.max_digits)
            filter_.extra.setdefault("decimal_places", field.decimal_places)
        else:
            # No column to read bounds from (a method filter): a finite decimal that a
            # database can compare, never NaN or Infinity.
            filter_.extra.setdefault("max_digits", 20)
            filter_.extra.setdefault("decimal_places", 6)

    @classmethod
    def _model_field(cls, path: str) -> models.Field | None:
        model = cls._meta.model
        field = None
        for part in path.split("__"):
            if model is None:
                return None
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:  # a lookup (``__gte``) or a method filter's name
                return field
            model = field.related_model
        return field


def _import_kinds():
    from .imports import KINDS

    return [(k.key, k.name) for k in sorted(KINDS.values(), key=lambda k: k.order)]


class ImportBatchFilter(FilterSet):
    """The import history: by kind of record, status, and file name or uploader."""

    q = filters.CharFilter(method="search", label=_("Search"), max_length=100)
    kind = filters.ChoiceFilter(choices=_import_kinds, label=_("Records"))
    status = filters.ChoiceFilter(choices=ImportBatch.Status.choices, label=_("Status"))

    class Meta:
        model = ImportBatch
        fields = ["q", "kind", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            models.Q(filename__icontains=value)
            | models.Q(user__username__iexact=value)
            | models.Q(user__last_name__icontains=value)
            | models.Q(user__first_name__icontains=value)
        )
