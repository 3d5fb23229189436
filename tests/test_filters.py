"""Query parameters are checked at the edge, once: out of range or malformed is a 400
naming the parameter in the API and a form error on the page, never a 500."""

import importlib

import django_filters
import pytest
from django.apps import apps
from django.conf import settings
from django_filters import rest_framework as filters

from twinning.db import BIGINT_MAX
from twinning.filters import FilterSet

from .test_api import api

HUGE = "40761545792629800960"  # beyond 64 bits


def _project_filtersets() -> list[type]:
    """Every filter set the project's apps define (their modules imported first)."""
    ours = {
        app.name
        for app in apps.get_app_configs()
        if app.path.startswith(str(settings.BASE_DIR)) and "site-packages" not in app.path
    }
    for name in ours:
        for module in ("filters", "forms", "pairing_forms", "api"):
            try:
                importlib.import_module(f"{name}.{module}")
            except ModuleNotFoundError:
                pass
    found, todo = [], [django_filters.FilterSet]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in ours and cls is not FilterSet:
            found.append(cls)
    return found


def test_every_filterset_of_the_project_bounds_its_numbers():
    filtersets = _project_filtersets()
    assert len(filtersets) >= 6  # the schools app alone has six
    for cls in filtersets:
        assert issubclass(cls, FilterSet), f"{cls.__module__}.{cls.__name__}"
        for name, filter_ in cls.base_filters.items():
            if isinstance(filter_, filters.NumberFilter) or filter_.field_class.__name__ in {
                "IntegerField",
                "DecimalField",
                "FloatField",
            }:
                extra = filter_.extra
                bounded = ("max_value" in extra and "min_value" in extra) or "max_digits" in extra
                assert bounded, f"{cls.__name__}.{name} takes any number"


@pytest.mark.parametrize("path", ["/api/pairings/", "/api/goals/", "/api/needs/"])
@pytest.mark.parametrize("value", [HUGE, str(BIGINT_MAX + 1), "-1", "0", "1.5", "abc", "1e9"])
def test_an_id_parameter_out_of_range_or_malformed_is_a_400_naming_it(world, active, path, value):
    response = api(world.bureau).get(path, {"school": value})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["detail"]
    assert list(body["errors"]) == ["school"]


def test_the_largest_id_is_accepted_and_finds_nothing(world, active):
    response = api(world.bureau).get("/api/pairings/", {"school": str(BIGINT_MAX)})
    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize("value", [HUGE, "2026.5", "1e99", "-3", "NaN", "Infinity"])
def test_a_number_parameter_out_of_range_or_not_whole_is_a_400(world, active, value):
    response = api(world.bureau).get("/api/goals/", {"school_year": value})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["school_year"]


def test_a_good_number_parameter_still_filters(world, active):
    response = api(world.bureau).get("/api/goals/", {"school_year": "2026"})
    assert response.status_code == 200


@pytest.mark.parametrize("value", [HUGE, "-1", "abc"])
def test_the_pairing_page_shows_a_form_error_for_a_bad_school_id(client, world, active, value):
    client.force_login(world.bureau)
    response = client.get("/pairings/", {"school": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html  # the form's error summary
    assert active.helping_school.name not in html.split("<main", 1)[1]  # nothing listed


@pytest.mark.parametrize("path", ["/pairings/", "/schools/", "/programmes/"])
def test_list_pages_refuse_an_unknown_choice_with_a_form_error(client, world, active, path):
    client.force_login(world.bureau)
    params = {"/pairings/": "status", "/schools/": "stage", "/programmes/": "region"}
    response = client.get(path, {params[path]: "nonsense"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()  # "please correct the errors"


def test_the_schema_gives_the_bounds_of_id_and_number_parameters(world):
    schema = api(world.bureau).get("/api/schema/?format=json").json()
    parameters = {
        (path, p["name"]): p["schema"]
        for path in ("/api/goals/", "/api/needs/", "/api/pairings/")
        for p in schema["paths"][path]["get"]["parameters"]
    }
    for path in ("/api/goals/", "/api/needs/", "/api/pairings/"):
        bounded, empty = parameters[(path, "school")]["anyOf"]
        assert bounded == {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX}
        assert empty["enum"] == [""]  # no filter
    assert parameters[("/api/goals/", "school_year")]["anyOf"][0]["minimum"] == 0
    assert parameters[("/api/pairings/", "region")]["anyOf"][0]["minimum"] == 1
    assert "" in parameters[("/api/pairings/", "status")]["enum"]
