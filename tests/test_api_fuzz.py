"""schemathesis reads the OpenAPI schema and fuzzes every operation as every role.

Because it reads the schema, an endpoint added later is fuzzed here without a line
of test code. Its checks: no server error, documented status codes, content types
and bodies that match the schema, schema-valid requests accepted, schema-violating
requests refused, bad credentials refused. A fixed seed and a bounded number of
examples keep the run deterministic and short. To fuzz a running server the same
way, see the README's API section.

An exclusion, if one is ever needed, names the operation and the check in
``call_and_validate(excluded_checks=...)`` and says why in a comment. The one
adjustment today is ``positive_data_accepted_or_reference_refused`` below.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from .factories import Role, UserFactory, assign

EXAMPLES = 15
ROLES = ["bureau", "county_bureau", "coordinator", "teacher", "inspector", "outsider", "anonymous"]


@pytest.fixture
def api_schema(db, world, active):
    from twinning.wsgi import application

    # As Django's test client does: the test's transaction must outlive each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _headers(world, role: str) -> dict:
    if role == "anonymous":
        return {}
    if role == "county_bureau":
        user = assign(UserFactory(username="county_bureau"), Role.BUREAU, region=world.east)
    else:
        user = {
            "bureau": world.bureau,
            "coordinator": world.coord_helping,
            "teacher": world.mentor,
            "inspector": world.inspector,
            "outsider": world.outsider,
        }[role]
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


# A schema-valid request may still name an object that does not exist or lies outside
# the user's scope: a rule the schema cannot express, answered with a 400 whose codes
# say so. Any other 400 to a schema-valid request is a failure.
REFERENCE_REFUSED = {"does_not_exist", "invalid_choice"}


def _codes(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _codes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _codes(item)
    else:
        yield value


@schemathesis.check
def positive_data_accepted_or_reference_refused(ctx, response, case):
    if response.status_code == 400:
        codes = set(_codes(response.json().get("codes", {})))
        if codes and codes <= REFERENCE_REFUSED:
            return None
    return positive_data_acceptance(ctx, response, case)


def _fuzz(schema, headers: dict, mode: GenerationMode) -> list[str]:
    """Run every operation's strategy; return one line per operation that failed."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,  # the same cases every run
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(
                headers=headers,
                excluded_checks=[positive_data_acceptance],
                additional_checks=[positive_data_accepted_or_reference_refused],
            )

        try:
            check()
        except Unsatisfiable:
            # Nothing to make invalid (no parameters, no body): no negative case exists.
            if mode is not GenerationMode.NEGATIVE:
                raise
        except (Exception, BaseExceptionGroup) as error:  # a failed check, with its operation
            failures.append(f"{operation.label} ({mode.value}): {error}")
    return failures


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
@pytest.mark.parametrize("role", ROLES)
def test_every_operation_keeps_the_contract(api_schema, world, role, mode):
    failures = _fuzz(api_schema, _headers(world, role), mode)
    assert not failures, "\n\n".join(failures)
