"""What the OpenAPI schema says about fields that drf-spectacular describes too loosely.

Registered when the app is ready (``TwinningConfig.ready``).
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from drf_spectacular.extensions import OpenApiSerializerFieldExtension


def decimal_pattern(*, max_digits: int, decimal_places: int, minimum=None, maximum=None) -> str:
    """A pattern for a decimal written as a string that admits exactly what the field
    takes: digits (never an empty string), at most ``decimal_places`` after the point,
    a sign only where negatives are allowed, and the bounds the fields of this project
    use (a least value of zero or one unit of the last place; a greatest of a power of
    ten). Other bounds raise, so that a new field's schema is never silently loose."""
    whole = max_digits - decimal_places
    fraction = rf"(?:\.[0-9]{{1,{decimal_places}}})?" if decimal_places else ""
    number = rf"[0-9]{{1,{whole}}}{fraction}"
    unit = Decimal(1).scaleb(-decimal_places)
    if maximum is not None:
        exponent = Decimal(maximum).log10()
        if exponent != exponent.to_integral_value() or not 0 < exponent < whole:
            raise ValueError(f"no pattern for a greatest value of {maximum}")
        digits = int(exponent)
        zeros = rf"(?:\.0{{1,{decimal_places}}})?" if decimal_places else ""
        number = rf"(?:{Decimal(maximum):.0f}{zeros}|[0-9]{{1,{digits}}}{fraction})"
    if minimum is None or Decimal(minimum) < 0:
        if minimum is not None:
            raise ValueError(f"no pattern for a least value of {minimum}")
        return rf"^-?{number}$"
    if Decimal(minimum) == 0:
        return rf"^{number}$"
    if Decimal(minimum) == unit:
        return rf"^(?=.*[1-9]){number}$"  # anything but zero
    raise ValueError(f"no pattern for a least value of {minimum}")


@functools.cache
def decimal_shape(max_digits: int, decimal_places: int) -> re.Pattern:
    """:func:`decimal_pattern` without bounds, compiled: how a decimal must be written."""
    return re.compile(decimal_pattern(max_digits=max_digits, decimal_places=decimal_places))


def _bounds(field):
    minimum = getattr(field, "min_value", None)
    maximum = getattr(field, "max_value", None)
    for validator in field.validators:
        if isinstance(validator, MinValueValidator):
            minimum = validator.limit_value
        elif isinstance(validator, MaxValueValidator):
            maximum = validator.limit_value
    return minimum, maximum


class DecimalStringField(OpenApiSerializerFieldExtension):
    """DRF writes decimals as strings (money stays exact); drf-spectacular's pattern for
    them admits an empty string and any sign. This one says what is accepted."""

    target_class = "rest_framework.fields.DecimalField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        field = self.target
        if schema.get("type") != "string" or field.max_digits is None:
            return schema
        minimum, maximum = _bounds(field)
        schema["pattern"] = decimal_pattern(
            max_digits=field.max_digits,
            decimal_places=field.decimal_places,
            minimum=minimum,
            maximum=maximum,
        )
        return schema


# What Python's str.strip() removes (DRF trims text fields with it), spelled out so that
# the pattern means the same to JSON Schema (ECMA) and to Python, whose \s differ.
_WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def text_pattern(*, allow_blank: bool, trim_whitespace: bool) -> str:
    """A pattern for what a DRF text field takes: no NUL character ever (DRF refuses
    them, PostgreSQL cannot store them), and something besides whitespace unless the
    field may be blank."""
    if allow_blank:
        return r"^[^\x00]*$"
    if not trim_whitespace:
        return r"^[^\x00]+$"
    return rf"^[^\x00]*[^{_WHITESPACE}\x00][^\x00]*$"


class TextField(OpenApiSerializerFieldExtension):
    """drf-spectacular gives a required text field ``minLength: 1``, which a string of
    blanks meets and DRF then refuses once trimmed; this adds the pattern DRF applies."""

    target_class = "rest_framework.fields.CharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        has_own = any(isinstance(v, RegexValidator) for v in self.target.validators)
        if direction == "request" and schema.get("type") == "string" and not has_own:
            if "pattern" not in schema and "format" not in schema and "enum" not in schema:
                schema["pattern"] = text_pattern(
                    allow_blank=self.target.allow_blank,
                    trim_whitespace=self.target.trim_whitespace,
                )
        return schema


_BLANK = {"type": "string", "maxLength": 0}


def blank_or_text_as_any_of(result, generator, request, public):
    """A postprocessing hook: drf-spectacular offers a text that may be blank as ``oneOf``
    its shape or the empty text; where the shape admits the empty text too (our
    patterns do), "" matches both and oneOf would refuse it. Either will do: anyOf."""

    def walk(node):
        if isinstance(node, dict):
            alternatives = node.get("oneOf")
            if isinstance(alternatives, list) and _BLANK in alternatives:
                node["anyOf"] = node.pop("oneOf")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result
