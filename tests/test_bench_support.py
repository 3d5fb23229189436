"""Speed helpers and the benchmark's pieces: the any_of lookup, cached choice labels, and a
floor that production never routes."""

import copy

import pytest
from django import forms
from django.test.html import parse_html
from django.urls import Resolver404, resolve

from schools.models import Pairing, Region
from twinning.forms import _ONE_PASS, PlainWidgets


def test_any_of_matches_in(world, active, far_pairing):
    ids = [world.city.pk, world.east.pk, world.west.pk]
    assert set(Region.objects.filter(id__any_of=ids)) == set(Region.objects.filter(id__in=ids))
    assert list(Pairing.objects.filter(region__any_of=[world.city.pk])) == [active]
    assert not Region.objects.filter(id__any_of=[]).exists()
    # Combined with other conditions, in subqueries too.
    inner = Region.objects.filter(id__any_of=frozenset(ids)).values("id")
    assert Pairing.objects.filter(region__in=inner).count() == 1
    assert Pairing.objects.filter(region__any_of=inner).count() == 1


def test_any_of_prepares_values_that_are_not_ints_through_the_field(world, active):
    # Strings from a query string take the field's own conversion, as with ``in``.
    assert list(Pairing.objects.filter(region__any_of=[str(world.city.pk)])) == [active]
    assert list(Pairing.objects.filter(region__any_of={world.city.pk})) == [active]


@pytest.mark.parametrize(
    "field",
    [
        forms.CharField(required=False),
        forms.CharField(widget=forms.TextInput(attrs={"placeholder": "<代码>", "data-x": True})),
        forms.IntegerField(min_value=1, max_value=9),
        forms.DateField(required=False),
        forms.EmailField(),
        forms.CharField(widget=forms.HiddenInput, required=False),
        forms.ChoiceField(choices=[("", "---"), ("a", "甲 & 乙"), ("b", "B")], required=False),
        forms.CharField(widget=forms.Textarea, required=False),
        forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "placeholder": "<注>"})),
    ],
)
@pytest.mark.parametrize("value", [None, "", "b", "2026-09-01", '"><script>'])
def test_one_pass_widgets_write_what_django_writes(field, value):
    """PlainWidgets changes how fast a form renders, never what it renders."""

    data = None if value is None else {"f": value}
    stock = type("Stock", (forms.Form,), {"f": copy.deepcopy(field)})(data)
    plain = type("Plain", (PlainWidgets, forms.Form), {"f": copy.deepcopy(field)})(data)
    rendered = str(plain["f"])
    assert type(plain["f"].field.widget) is _ONE_PASS[type(stock["f"].field.widget)]
    # The same elements, attributes and text (attribute order and blank lines aside).
    assert parse_html(rendered) == parse_html(str(stock["f"]))


@pytest.mark.parametrize("path", ["/bench/floor/", "/bench/floor.json"])
def test_the_floor_is_not_routed_in_production(path):
    with pytest.raises(Resolver404):
        resolve(path)


def test_choice_labels_follow_the_active_language_after_caching(world, active):
    from django.utils import translation

    with translation.override("en"):
        assert world.helping.get_stage_display() == "Primary school"
        assert active.get_status_display() == "Active"
    with translation.override("zh-hans"):
        assert world.helping.get_stage_display() == "小学"
        assert active.get_status_display() == "实施中"
    # A value outside the choices shows as itself, as with Django's own.
    world.helping.stage = "unknown"
    assert world.helping.get_stage_display() == "unknown"


def _settings_of(**env) -> dict:
    """SESSION_ENGINE and SCOPE_CACHE_SECONDS as a fresh process would read them."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps([settings.SESSION_ENGINE, settings.SCOPE_CACHE_SECONDS]))"
    )
    base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_ENV")}
    environment = {**base, "DJANGO_SETTINGS_MODULE": "twinning.settings", **env}
    out = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    engine, seconds = json.loads(out.stdout.strip().splitlines()[-1])
    return {"engine": engine.rsplit(".", 1)[-1], "scope_cache": seconds}


def test_caches_shared_between_processes_are_only_used_with_redis():
    production = {"DJANGO_ENV": "production", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "x"}
    # Several production workers without a shared cache: nothing per-process may decide
    # whether a session or a role is still valid.
    assert _settings_of(**production) == {"engine": "db", "scope_cache": 0}
    with_redis = _settings_of(**production, REDIS_URL="redis://127.0.0.1:6379/5")
    assert with_redis == {"engine": "cached_db", "scope_cache": 300}
    # The development server is one process: its local cache is safe for sessions.
    assert _settings_of() == {"engine": "cached_db", "scope_cache": 0}


def test_fields_a_form_replaces_in_its_init_render_in_one_pass_too(world):
    from schools.pairing_forms import GoalForm
    from twinning.forms import PlainSelect

    form = GoalForm(schools=[world.helping, world.assisted], goals=[])
    html = str(form["school"])
    assert type(form.fields["school"].widget) is PlainSelect
    assert world.assisted.name in html


def test_the_benchmark_fills_every_placeholder_of_its_pages(db, _fast_passwords, monkeypatch):
    """bench/run.py reads the objects of its detail pages from the persona's own API: at a
    tiny seed_scale, every placeholder of PAGES is filled for the province's bureau user."""
    import string
    from io import StringIO

    from django.core.management import call_command
    from django.test import Client

    from bench import run
    from twinning.models import User

    tiny = ["--cities", "2", "--counties", "3", "--schools", "12", "--pairings", "40"]
    call_command("seed_scale", *tiny, stdout=StringIO())
    client = Client()
    client.force_login(User.objects.get(username=run.PERSONAS["bureau-province"]))

    def request(port, path, *, cookies=None, **kwargs):
        response = client.get(path)
        return run.Reply(response.status_code, {}, response.content, {})

    monkeypatch.setattr(run, "request", request)
    values = run.fill(0, {})
    wanted = {
        field
        for _name, url in run.PAGES
        for _text, field, _spec, _conversion in string.Formatter().parse(url)
        if field
    }
    assert wanted - set(values) == set()
    for _name, url in run.PAGES:
        url.format(**values)


# The evaluation's pages and endpoints in the benchmark, by the URL name each one times.
EVALUATION_PAGES = {
    "pairing scorecards tab": "evaluation:pairing_evaluation",
    "scorecard list": "evaluation:scorecard_list",
    "scorecard detail": "evaluation:scorecard_detail",
    "scorecard inspection queue": "evaluation:inspection_queue",
    "scorecard finalisation queue": "evaluation:finalisation_queue",
    "scorecard rankings": "evaluation:rankings",
    "scorecard template list": "evaluation:template_list",
    "scorecard template detail": "evaluation:template_detail",
    "api scorecards": "api:scorecard-list",
    "api scorecard detail": "api:scorecard-detail",
    "api scorecard rankings": "api:scorecard-ranking-list",
    "api scorecard templates": "api:scorecard-template-list",
}


def test_every_page_of_the_benchmark_is_routed_and_the_evaluation_by_its_name():
    """PAGES lists paths: each one resolves (an id for each placeholder), and the
    evaluation's resolve to the views they are meant to time."""
    import string

    from bench import run

    pages = dict(run.PAGES)
    for name, url in run.PAGES:
        fields = {f for _t, f, _s, _c in string.Formatter().parse(url) if f}
        path = url.split("?")[0].format(**dict.fromkeys(fields, "1"))
        match = resolve(path)
        if name in EVALUATION_PAGES:
            assert match.view_name == EVALUATION_PAGES[name], name
    assert set(EVALUATION_PAGES) <= set(pages)


def test_the_evaluation_benchmark_computes_every_open_scorecard_in_the_same_queries(
    db, _fast_passwords
):
    """bench/evaluation.py at a tiny seed_scale: it opens the next pairing years it needs
    for the number asked, and the queries of all of them are those of a tenth."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection

    from bench import evaluation
    from evaluation.models import IndicatorScore, Scorecard

    tiny = ["--cities", "2", "--counties", "3", "--schools", "12", "--pairings", "40"]
    call_command("seed_scale", *tiny, stdout=StringIO())
    held = (Scorecard.objects.count(), IndicatorScore.objects.count())
    wanted = held[0] + 10
    result = evaluation.measure(wanted)
    assert result["scorecards"] == wanted
    assert result["scores"] == 7 * wanted  # the default template's automatic indicators
    assert result["queries"] < 30
    if connection.vendor == "postgresql":  # elsewhere the scores are written in batches
        assert result["queries"] == result["small"]["queries"]
    assert set(result["metrics"]) >= {"exchange_targets", "records_filed", "funds_disbursed"}
    # Rolled back: the province is as it was.
    assert (Scorecard.objects.count(), IndicatorScore.objects.count()) == held
    assert not Scorecard.objects.filter(status="finalised", frozen_at=None).exists()


def test_update_rows_writes_what_bulk_update_would_in_one_statement(world, active):
    """twinning.db.update_rows: decimals, JSON and nulls back to their rows, however many,
    in one query on PostgreSQL."""
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from evaluation import services
    from evaluation.models import IndicatorScore
    from twinning.db import update_rows

    card = services.scorecard_open(pairing=active, year=1)
    scores = list(IndicatorScore.objects.filter(scorecard=card).order_by("id"))
    wanted = {}
    for n, score in enumerate(scores):
        score.value = None if n % 3 == 0 else Decimal(n) / 7
        score.detail = {} if n % 2 else {"lines": [{"kind": "visit", "done": n}], "名": "值"}
        score.auto_points = None if n % 3 == 0 else Decimal("1.123456") * n
        wanted[score.pk] = (score.value, score.detail, score.auto_points)
    with CaptureQueriesContext(connection) as queries:
        assert update_rows(scores, ["value", "detail", "auto_points"]) == len(scores)
    if connection.vendor == "postgresql":
        assert len(queries) == 1
    for score in IndicatorScore.objects.filter(scorecard=card):
        value, detail, points = wanted[score.pk]
        assert score.value == (value.quantize(Decimal("0.0001")) if value is not None else None)
        assert score.detail == detail and score.auto_points == points
    assert update_rows([], ["value"]) == 0
