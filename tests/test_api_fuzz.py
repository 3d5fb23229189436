"""schemathesis reads the OpenAPI schema and fuzzes every operation as every role.

Because it reads the schema, an endpoint added later is fuzzed here without a line
of test code. Its checks: no server error, documented status codes, content types
and bodies that match the schema, schema-valid requests accepted, schema-violating
requests refused, bad credentials refused. A fixed seed and a bounded number of
examples keep the run deterministic and short. To fuzz a running server the same
way, see the README's API section.

An exclusion, if one is ever needed, names the operation and the check in
``call_and_validate(excluded_checks=...)`` and says why in a comment. The one
adjustment today is ``positive_data_accepted_or_refused_by_a_domain_rule`` below.
"""

import datetime as dt

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core import signals
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from activities import services as activity_services
from evaluation import services as evaluation_services
from evaluation.models import Document
from evaluation.models import Template as ScorecardTemplate
from funding import services as funding_services
from schools import services
from teachers import services as teacher_services
from twinning.notify import chat
from twinning.notify.services import notify

from .factories import Role, UserFactory, assign

EXAMPLES = 10
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64
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


@pytest.fixture(autouse=True)
def _chat_platforms_out_of_reach(settings, monkeypatch):
    """A robot's test message is sent at once: here the platforms' addresses are a closed
    port of this machine (refused at once), never 企业微信's or 钉钉's, and no proxy of the
    environment stands in between."""
    settings.WECOM_WEBHOOK_URL = "http://127.0.0.1:9/cgi-bin/webhook/send"
    settings.DINGTALK_WEBHOOK_URL = "http://127.0.0.1:9/robot/send"
    settings.CHAT_TIMEOUT_SECONDS = 0.5
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def _user(world, role: str):
    if role == "anonymous":
        return None
    if role == "county_bureau":
        return assign(UserFactory(username="county_bureau"), Role.BUREAU, region=world.east)
    return {
        "bureau": world.bureau,
        "coordinator": world.coord_helping,
        "teacher": world.mentor,
        "inspector": world.inspector,
        "outsider": world.outsider,
    }[role]


def _headers(user) -> dict:
    """The user's token, made again if a fuzzed DELETE /api/auth/token/ revoked it."""
    if user is None:
        return {}
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


def _known_ids(world, active) -> dict[str, int]:
    """Objects that exist, by the collection their detail path belongs to: a generated
    id almost never exists, so each detail operation also runs on one of these."""
    goal = services.goal_create(
        actor=world.coord_helping, pairing=active, school=world.assisted, title="骨干教师",
        target_value=2, unit="名", period_kind="year", school_year=2026,
    )  # fmt: skip
    budget = funding_services.budget_create(
        actor=world.bureau, region=world.city, programme=world.programme, source="专项资金",
        fiscal_year=2026, amount="900000", purpose="结对帮扶", ring_fenced=True,
    )  # fmt: skip
    allocation = funding_services.allocation_create(
        actor=world.bureau, budget=budget, pairing=active
    )
    tranche = allocation.tranches.get(number=1)
    funding_services.tranche_release(actor=world.bureau, tranche=tranche)
    draft = funding_services.disbursement_create(
        actor=world.coord_helping, pairing=active, purpose="transport", payee_kind="school",
        school=world.helping, amount="320.00", description="互访车费",
    )  # fmt: skip
    # The yearly evaluation: year 1's scorecard with a self-assessed score and its evidence,
    # and a draft of the programme's own template.
    card = evaluation_services.scorecard_open(pairing=active, year=1)
    score = card.scores.filter(indicator__source="manual").order_by("indicator__code").first()
    evaluation_services.scorecard_self_assess(
        actor=world.coord_helping, scorecard=card,
        entries={score.indicator_id: {"score": "3", "note": "自评"}},
        uploads={score.indicator_id: [SimpleUploadedFile("佐证.jpg", JPEG)]},
    )  # fmt: skip
    template = evaluation_services.template_copy(
        actor=world.bureau, source=ScorecardTemplate.objects.get(programme__isnull=True),
        programme=world.programme,
    )  # fmt: skip
    # The report archive: a region's quarterly summary with both its files (stand-ins).
    document = Document.objects.create(
        kind="quarterly_summary", region=world.city, period="2026-Q3",
        period_start=dt.date(2026, 7, 1), period_end=dt.date(2026, 9, 30), title="季度汇总",
        status="ready", pdf=ContentFile(b"%PDF-1.4 summary", name="summary.pdf"),
        xlsx=ContentFile(b"PK summary", name="summary.xlsx"),
    )  # fmt: skip
    # A notification of the helping school's coordinator, and two robots of its school
    # (registered at the closed local address above), one with a failed test message in
    # its log.
    (notification,) = notify(
        kind="pairing-proposed", key="fuzz", recipients=[world.coord_helping],
        message=lambda user: ("西山山村小学 proposed", ""), url="/",
    )  # fmt: skip
    robot, removable = [
        chat.robot_register(
            actor=world.coord_helping, name=name, platform="wecom",
            webhook=f"{django_settings.WECOM_WEBHOOK_URL}?key=fuzz-{n}", school=world.helping,
        )
        for n, name in enumerate(["江城实验小学结对工作群", "江城实验小学教研群"])
    ]  # fmt: skip
    chat.robot_test(actor=world.coord_helping, robot=robot)
    # The programme's own rules (the defaults made its own), one target and one obligation.
    activity_services.targets_adopt_defaults(actor=world.bureau, programme=world.programme)
    teacher_services.obligations_adopt_defaults(actor=world.bureau, programme=world.programme)
    return {
        "/api/programme-targets/": world.programme.exchange_targets.first().pk,
        "/api/programme-obligations/": world.programme.obligations.first().pk,
        "/api/mentee-eligibility/": world.programme.pk,
        "/api/notifications/": notification.pk,
        # The robot's actions and log on one robot; GET and DELETE /api/robots/{id}/ on
        # another, so that the actions still find theirs once the DELETE has run.
        "/api/robots/": robot.pk,
        "/api/robots/{id}/": removable.pk,
        "/api/documents/": document.pk,
        "/api/scorecards/": card.pk,
        "/api/scorecard-evidence/": score.evidence.get().pk,
        "/api/scorecard-templates/": template.pk,
        "/api/scorecard-areas/": template.areas.order_by("order").first().pk,
        "/api/scorecard-indicators/": template.indicators.order_by("code").first().pk,
        "/api/pairings/": active.pk,
        "/api/goals/": goal.pk,
        "/api/budgets/": budget.pk,
        "/api/allocations/": allocation.pk,
        "/api/tranches/": tranche.pk,
        "/api/disbursements/": draft.pk,
        "/api/programmes/": world.programme.pk,
        "/api/regions/": world.city.pk,
        "/api/schools/": world.helping.pk,
    }


# A schema-valid request may still be refused by what no schema can express: an object
# that does not exist or lies outside the user's scope, a unique value repeated, a rule
# of the domain (the 400 of the schema documents these codes). Any other 400 to a
# schema-valid request is a failure.
DOMAIN_REFUSALS = {"does_not_exist", "invalid_choice", "unique", "rule"}


def _codes(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _codes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _codes(item)
    else:
        yield value


def _empty_files(case) -> set[str]:
    """The multipart fields the case sent as empty files: schemathesis's WSGI transport
    (werkzeug) leaves an empty file out of the body, so the server never saw them and
    rightly answers that they are required (a real client's empty file is checked by the
    import itself: "the file is empty")."""
    if not isinstance(case.body, dict):
        return set()
    return {
        name for name, value in case.body.items()
        if isinstance(value, bytes | bytearray | str) and not value
    }  # fmt: skip


@schemathesis.check
def positive_data_accepted_or_refused_by_a_domain_rule(ctx, response, case):
    if response.status_code == 400:
        codes = response.json().get("codes", {})
        if codes and set(_codes(codes)) <= DOMAIN_REFUSALS:
            return None
        # Only the empty files the transport left out were missing.
        if codes and set(codes) <= _empty_files(case):
            if all(value == ["required"] for value in codes.values()):
                return None
    return positive_data_acceptance(ctx, response, case)


def _strategies(operation, mode: GenerationMode, known: dict[str, int]):
    yield operation.as_strategy(generation_mode=mode)
    if "{id}" in operation.path:
        # An object of the operation's own path (one its DELETE may remove), else one of
        # its collection's.
        collection = operation.path.split("{id}")[0]
        pk = known.get(operation.path, known.get(collection))
        if pk is not None:
            yield operation.as_strategy(generation_mode=mode, path_parameters={"id": pk})


def _fuzz(schema, user, mode: GenerationMode, known: dict[str, int]) -> list[str]:
    """Run every operation's strategies; return one line per operation that failed."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for strategy in _strategies(operation, mode, known):
            failures += _run(operation, strategy, user, mode)
    return failures


def _run(operation, strategy, user, mode: GenerationMode) -> list[str]:
    @given(case=strategy)
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
            headers=_headers(user),
            excluded_checks=[positive_data_acceptance],
            additional_checks=[positive_data_accepted_or_refused_by_a_domain_rule],
        )

    try:
        check()
    except Unsatisfiable:
        # Nothing to make invalid (no parameters, no body): no negative case exists.
        if mode is not GenerationMode.NEGATIVE:
            raise
    except (Exception, BaseExceptionGroup) as error:  # a failed check, with its operation
        return [f"{operation.label} ({mode.value}): {error}"]
    return []


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
@pytest.mark.parametrize("role", ROLES)
def test_every_operation_keeps_the_contract(api_schema, world, active, role, mode):
    failures = _fuzz(api_schema, _user(world, role), mode, _known_ids(world, active))
    assert not failures, "\n\n".join(failures)
