"""The schema's patterns for decimals admit exactly what the fields take."""

import re
from decimal import Decimal

import pytest
from rest_framework import serializers

from twinning.schema import decimal_pattern


@pytest.mark.parametrize(
    "bounds, good, bad",
    [
        ({}, ["0", "-12.5", "12345678.99"], ["", ".", "1.234", "123456789", "1e3", "١"]),
        ({"minimum": 0}, ["0", "0.00", "99.9"], ["-1", "", "1.", "+1"]),
        ({"minimum": Decimal("0.01")}, ["0.01", "1", "10.50"], ["0", "0.00", "-1", ""]),
        ({"minimum": 0, "maximum": 100}, ["0", "100", "100.00", "99.99"], ["100.01", "101", ""]),
    ],
)
def test_a_decimal_pattern_admits_what_the_field_takes(bounds, good, bad):
    pattern = re.compile(decimal_pattern(max_digits=10, decimal_places=2, **bounds))
    field = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=bounds.get("minimum"),
        max_value=bounds.get("maximum"),
    )
    for value in good:
        assert pattern.match(value), value
        field.run_validation(value)  # the field takes it too
    for value in bad:
        assert not pattern.match(value), value


@pytest.mark.parametrize("bounds", [{"minimum": 5}, {"maximum": 75}, {"minimum": -3}])
def test_bounds_no_pattern_can_say_are_refused_at_schema_time(bounds):
    with pytest.raises(ValueError):
        decimal_pattern(max_digits=10, decimal_places=2, **bounds)


@pytest.mark.parametrize("value", [12.5, 12, "1e3", "+1", "1.", " 1", "1.234", "", "１２"])
def test_the_api_takes_decimals_only_as_the_schema_writes_them(world, active, value):
    from rest_framework.test import APIClient

    from schools import services
    from schools.models import Goal

    goal = services.goal_create(
        actor=world.coord_helping, pairing=active, school=world.assisted, title="骨干教师",
        target_value=2, unit="名", period_kind="year", school_year=2026,
    )  # fmt: skip
    client = APIClient()
    client.force_authenticate(world.coord_helping)
    response = client.post(f"/api/goals/{goal.pk}/progress/", {"value": value}, format="json")
    assert response.status_code == 400
    assert response.json()["codes"] == {"value": ["format"]}
    assert Goal.objects.get(pk=goal.pk).current_value == 0
    ok = client.post(f"/api/goals/{goal.pk}/progress/", {"value": "1.50"}, format="json")
    assert ok.status_code == 201


@pytest.mark.parametrize(
    "kwargs, good, bad",
    [
        ({}, ["a", " a ", "学校", "a\x1cb"], ["", " ", "\x1c\x1f", "\u3000", "a\x00"]),
        ({"allow_blank": True}, ["", " ", "a"], ["\x00"]),
        ({"trim_whitespace": False}, [" ", "a"], ["", "\x00"]),
    ],
)
def test_a_text_pattern_admits_what_a_drf_text_field_takes(kwargs, good, bad):
    from twinning.schema import text_pattern

    pattern = re.compile(
        text_pattern(
            allow_blank=kwargs.get("allow_blank", False),
            trim_whitespace=kwargs.get("trim_whitespace", True),
        )
    )
    field = serializers.CharField(**kwargs)
    for value in good:
        assert pattern.match(value), repr(value)
        field.run_validation(value)
    for value in bad:
        assert not pattern.match(value), repr(value)
        with pytest.raises(serializers.ValidationError):
            field.run_validation(value)
