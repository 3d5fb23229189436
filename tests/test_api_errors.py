"""Everything under /api/ answers JSON in one error shape, whatever goes wrong and with
DEBUG on or off: unmatched paths, wrong methods, media types, throttling, crashes."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


def api(user=None, **kwargs) -> APIClient:
    client = APIClient(**kwargs)
    if user is not None:
        client.force_authenticate(user)
    return client


def _is_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/api/pairings/0.5/", "/api/nothing/here/", "/api/x"])
def test_a_path_no_route_matches_is_a_json_404(settings, world, debug, method, path):
    settings.DEBUG = debug
    response = getattr(api(world.bureau), method)(path)
    _is_json_error(response, 404)


def test_a_missing_slash_is_a_json_404_that_names_the_right_path(world):
    body = _is_json_error(api(world.bureau).post("/api/pairings", {}), 404)
    assert "/api/pairings/" in body["detail"]


def test_anonymous_requests_to_unknown_paths_are_json_too(db):
    _is_json_error(api().get("/api/nope/"), 404)


def test_a_wrong_method_is_a_json_405(world):
    _is_json_error(api(world.bureau).put("/api/pairings/", {}), 405)


def test_an_unsupported_media_type_is_a_json_415_and_changes_nothing(world, active):
    from schools.models import Pairing

    before = Pairing.objects.count()
    response = api(world.bureau).post(
        "/api/pairings/", data="programme=1", content_type="text/plain"
    )
    _is_json_error(response, 415)
    assert Pairing.objects.count() == before


def test_truncated_json_is_a_json_400(world):
    response = api(world.bureau).post(
        "/api/pairings/", data='{"programme": ', content_type="application/json"
    )
    _is_json_error(response, 400)


def test_throttling_is_a_json_429(settings, world):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "user": "2/min"},
    }
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    api_settings.reload()
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    cache.clear()
    try:
        client = api(world.bureau)
        statuses = [client.get("/api/regions/").status_code for _ in range(3)]
        assert statuses[:2] == [200, 200]
        response = client.get("/api/regions/")
        _is_json_error(response, 429)
        assert "Retry-After" in response
    finally:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
        api_settings.reload()
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


@pytest.mark.parametrize("debug", [False, True])
def test_a_crash_is_a_json_500_that_says_nothing_was_saved(settings, world, monkeypatch, debug):
    settings.DEBUG = debug

    def boom(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("schools.selectors.region_list_visible_to", boom)
    client = api(world.bureau, raise_request_exception=False)
    body = _is_json_error(client.get("/api/regions/"), 500)
    assert "a bug" not in body["detail"]  # no internals in the answer


def test_pages_still_get_html_errors(client, world, settings):
    client.force_login(world.bureau)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "params, name",
    [({"page": "abc"}, "page"), ({"page": "0"}, "page"), ({"page": ""}, "page"),
     ({"page_size": "0"}, "page_size"), ({"page_size": "201"}, "page_size"),
     ({"page_size": "null"}, "page_size")],
)  # fmt: skip
def test_a_bad_page_or_page_size_is_a_400_naming_it(world, params, name):
    body = _is_json_error(api(world.bureau).get("/api/regions/", params), 400)
    assert list(body["errors"]) == [name]


def test_a_page_past_the_last_is_a_json_404(world):
    _is_json_error(api(world.bureau).get("/api/regions/", {"page": "99"}), 404)
    assert api(world.bureau).get("/api/regions/", {"page_size": "200"}).status_code == 200


@pytest.mark.parametrize("value", ["maybe", "0.5", "2"])
def test_a_yes_no_filter_refuses_anything_but_yes_or_no(world, value):
    body = _is_json_error(api(world.bureau).get("/api/programmes/", {"is_open": value}), 400)
    assert list(body["errors"]) == ["is_open"]


def test_a_yes_no_filter_still_filters(world):
    client = api(world.bureau)
    assert client.get("/api/programmes/", {"is_open": "true"}).json()["count"] == 1
    assert client.get("/api/programmes/", {"is_open": "false"}).json()["count"] == 0
    assert client.get("/api/programmes/", {"is_open": ""}).json()["count"] == 1


def test_the_schema_documents_every_error_an_operation_can_answer(world):
    schema = api(world.bureau).get("/api/schema/?format=json").json()
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"429"}
            if operation.get("security"):
                expected |= {"401", "403"}
            if "{" in path:
                expected.add("404")
            if operation.get("requestBody"):
                expected |= {"400", "415"}
            missing = expected - set(responses)
            assert not missing, f"{method.upper()} {path} does not document {missing}"
            for code in expected:
                assert responses[code]["content"]["application/json"]["schema"] == error


def test_validation_errors_carry_codes_that_do_not_change_with_the_language(world, active):
    client = api(world.bureau)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    body = client.post(
        "/api/goals/", {"pairing": 987654321, "school": world.assisted.pk}, format="json"
    ).json()
    assert body["codes"]["pairing"] == ["does_not_exist"]
    assert body["codes"]["title"] == ["required"]
    assert body["errors"]["title"]  # the message, in Chinese


def test_a_form_body_is_refused_with_415_except_at_the_token_endpoint(world, active):
    from schools.models import Programme

    before = Programme.objects.count()
    response = api(world.bureau).post(
        "/api/programmes/", data="name=x&region=1", content_type="application/x-www-form-urlencoded"
    )
    _is_json_error(response, 415)
    assert Programme.objects.count() == before
    token = api().post(
        "/api/auth/token/",
        data="username=bureau&password=pass-12345",
        content_type="application/x-www-form-urlencoded",
    )
    assert token.status_code == 200 and token.json()["token"]


def test_an_unacceptable_accept_header_is_a_json_406(world):
    _is_json_error(api(world.bureau).get("/api/regions/", HTTP_ACCEPT="application/xml"), 406)


@pytest.mark.parametrize("header", ["Token nonsense", "Token", "Basic Ym9iOnNlY3JldA==", ""])
def test_missing_or_invalid_credentials_are_a_json_401_saying_how(db, header):
    client = api()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/regions/")
    _is_json_error(response, 401)
    assert response["WWW-Authenticate"] == "Token"
