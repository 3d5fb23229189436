"""The yearly evaluation in the API (evaluation/api.py): templates with their areas and
indicators, a pairing year's scorecard through its workflow as the personas who take each
step, the queues and the rankings, with the services' rules and the pages' scoping."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from rest_framework.test import APIRequestFactory

from evaluation import api as evaluation_api
from evaluation import selectors, services
from evaluation.models import (
    Area,
    Indicator,
    IndicatorScore,
    Scorecard,
    ScorecardEvent,
    ScoreEvidence,
    Source,
    Template,
)
from funding.models import TrancheStatus
from schools import services as school_services
from twinning.access import forget_scope
from twinning.models import Role

from .factories import SchoolFactory, UserFactory, assign
from .test_api import _fresh_scope, api

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64


@pytest.fixture
def card(world, active):
    """Year 1 of the active pairing (signed 2026-09-01), opened by the daily run."""
    return services.scorecard_open(pairing=active, year=1)


@pytest.fixture
def county_bureau(world):
    """Bureau staff of 西山县, the assisted school's county: they read the scorecard and
    take no part in it."""
    return assign(UserFactory(username="west_bureau"), Role.BUREAU, region=world.west)


def manual(card) -> list[IndicatorScore]:
    return list(
        IndicatorScore.objects.filter(scorecard=card, indicator__source=Source.MANUAL)
        .select_related("indicator").order_by("indicator__code")
    )  # fmt: skip


def automatic(card) -> list[IndicatorScore]:
    return list(
        IndicatorScore.objects.filter(scorecard=card, indicator__source=Source.AUTOMATIC)
        .select_related("indicator").order_by("indicator__code")
    )  # fmt: skip


def url(card, step: str = "") -> str:
    return f"/api/scorecards/{card.pk}/" + (f"{step}/" if step else "")


def state(card) -> tuple:
    """Everything a refused step might have changed."""
    return (
        Scorecard.objects.filter(pk=card.pk).values_list(
            "status", "total", "grade", "passed", "finalised_at", "frozen_at").get(),
        list(IndicatorScore.objects.filter(scorecard=card).order_by("pk").values_list(
            "self_score", "self_note", "inspector_score", "inspector_comment",
            "override_points", "override_reason", "inspector_id", "points")),
        ScorecardEvent.objects.filter(scorecard=card).count(),
        ScoreEvidence.objects.filter(scorecard=card).count(),
    )  # fmt: skip


def post(user, path, body=None, language=None):
    return api(user, language=language).post(path, body or {}, format="json")


def entries(scores, **entry) -> dict:
    return {"entries": {str(s.indicator_id): dict(entry) for s in scores}}


def self_assessed(world, card, points="4"):
    response = post(world.coord_helping, url(card, "self-assess"),
                    entries(manual(card), score=points, note="自评"))  # fmt: skip
    assert response.status_code == 200, response.json()
    return response


def submitted(world, card, points="4"):
    self_assessed(world, card, points)
    assert post(world.coord_helping, url(card, "submit")).status_code == 200
    assert post(world.coord_assisted, url(card, "confirm")).status_code == 200


def inspected(world, card, points="4"):
    submitted(world, card, points)
    response = post(world.inspector, url(card, "inspect"),
                    entries(manual(card), score=points, comment="核实"))  # fmt: skip
    assert response.status_code == 200, response.json()
    assert post(world.inspector, url(card, "finish-inspection")).status_code == 200


def errors(response) -> dict:
    assert response.status_code == 400, response.content[:300]
    return response.json()["errors"]


# --- the workflow -------------------------------------------------------------------------


def test_a_pairing_year_goes_from_opening_to_finalised_and_reopened_through_the_api(
    world, active, released, django_capture_on_commit_callbacks
):
    opened = post(world.bureau, "/api/scorecards/", {"pairing": active.pk, "year": 1})
    assert opened.status_code == 201
    body = opened.json()
    card = Scorecard.objects.get(pk=body["id"])
    assert (body["status"], body["year"], body["period_start"], body["period_end"]) == (
        "open", 1, "2026-09-01", "2027-08-31")  # fmt: skip
    # Opening it again answers it, unchanged.
    again = post(world.bureau, "/api/scorecards/", {"pairing": active.pk, "year": 1})
    assert again.status_code == 200 and again.json()["id"] == card.pk
    assert Scorecard.objects.count() == 1

    helping = api(world.coord_helping)
    detail = helping.get(url(card)).json()
    assert detail["actions"] == ["self-assess", "evidence", "submit"]
    assert set(detail["missing"]) == {s.indicator_id for s in manual(card)}
    first = manual(card)[0]
    upload = helping.post(
        url(card, "evidence"),
        {"indicator": str(first.indicator_id), "files": [SimpleUploadedFile("纪要.jpg", JPEG)]},
        format="multipart",
    )
    assert upload.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        self_assessed(world, card, "4")
        assert (
            post(world.coord_helping, url(card, "submit"), {"comment": "请确认"}).status_code == 200
        )
    assisted = api(world.coord_assisted).get(url(card)).json()
    assert assisted["status"] == "confirming" and assisted["actions"] == ["confirm", "return"]
    returned = post(world.coord_assisted, url(card, "return"), {"comment": "佐证不足"})
    assert returned.status_code == 200 and returned.json()["status"] == "open"
    assert post(world.coord_helping, url(card, "submit")).status_code == 200
    confirmed = post(world.coord_assisted, url(card, "confirm"), {"comment": "属实"})
    assert confirmed.json()["status"] == "submitted"

    inspector = api(world.inspector).get(url(card)).json()
    assert inspector["actions"] == ["inspect", "finish-inspection"]
    auto = automatic(card)[0]
    scored = post(world.inspector, url(card, "inspect"), {"entries": {
        **entries(manual(card), score="4", comment="核实")["entries"],
        str(auto.indicator_id): {"override": "1.5", "reason": "挂职记录不实"},
    }})  # fmt: skip
    assert scored.status_code == 200
    assert post(world.inspector, url(card, "finish-inspection")).json()["status"] == "inspected"

    bureau = api(world.bureau).get(url(card)).json()
    assert bureau["actions"] == ["finalise"]
    stands = bureau["result"]["total"]
    with django_capture_on_commit_callbacks(execute=True):
        finalised = post(world.bureau, url(card, "finalise"), {"comment": "同意"})
    assert finalised.status_code == 200
    body = finalised.json()
    card.refresh_from_db()
    assert body["status"] == "finalised" and body["total"] == stands == f"{card.total}"
    assert body["grade"] == card.grade and body["passed"] == card.passed
    assert body["pass_mark"] == "75.0" and body["actions"] == ["reopen"]
    assert [s["step"] for s in body["history"]] == [
        "open", "submit", "return", "submit", "confirm", "inspect", "finalise"]  # fmt: skip
    assert body["history"][-1]["total"] == body["total"]
    assert body["history"][-1]["actor_name"] == world.bureau.display_name
    second = released.tranches.get(number=2)
    assert second.status == (TrancheStatus.RELEASED if card.passed else TrancheStatus.WITHHELD)

    reopened = post(world.bureau, url(card, "reopen"), {"reason": "督导复核"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "submitted"
    assert reopened.json()["history"][-1]["comment"] == "督导复核"


def test_the_detail_shows_each_indicator_with_its_maximum_scores_evidence_and_points(world, card):
    first = manual(card)[0]
    services.scorecard_self_assess(
        actor=world.coord_helping, scorecard=card,
        entries={first.indicator_id: {"score": "3.5", "note": "制度齐全"}},
        uploads={first.indicator_id: [SimpleUploadedFile("制度.jpg", JPEG)]},
    )  # fmt: skip
    body = api(world.inspector).get(url(card)).json()
    areas = body["result"]["areas"]
    assert [a["name"] for a in areas] == ["学校管理", "教育教学", "教师业务素质", "办学条件",
                                          "经费使用"]  # fmt: skip
    assert [a["maximum"] for a in areas] == ["25.0", "25.0", "25.0", "15.0", "10.0"]
    assert body["result"]["maximum"] == "100.0" and body["result"]["pass_mark"] == "75.0"
    lines = {line["indicator"]: line for a in areas for line in a["indicators"]}
    assert set(lines) == set(Indicator.objects.filter(template=card.template)
                             .values_list("pk", flat=True))  # fmt: skip
    line = lines[first.indicator_id]
    assert (line["code"], line["max_points"], line["source"]) == ("1.1", "5.0", "manual")
    assert (line["self_score"], line["self_note"]) == ("3.5", "制度齐全")
    # Not counted until the inspector scores it.
    assert line["inspector_score"] is None and line["points"] == "0.000000"
    (evidence,) = line["evidence"]
    assert evidence["name"] == "制度.jpg" and evidence["indicator"] == first.indicator_id
    download = api(world.inspector).get(evidence["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == JPEG
    secondment = next(v for v in lines.values() if v["metric"] == "secondment_days")
    assert secondment["source"] == "automatic" and secondment["rule"] == "share"
    assert secondment["value"] == "0.0000" and secondment["computed_points"] == "0.000000"
    assert secondment["explained"] and secondment["records_url"].startswith("/secondments/")
    donations = next(v for v in lines.values() if v["metric"] == "donations")
    assert donations["steps"] == [["1", "2"], ["5000", "3.5"], ["20000", "5"]]
    assert body["history"][0]["step"] == "open" and body["history"][0]["actor"] is None
    # The inspector reads it all and may do nothing yet.
    assert body["actions"] == []


def test_evidence_is_checked_by_its_content_and_removed_while_the_card_is_open(world, card):
    first = manual(card)[0]
    helping = api(world.coord_helping)
    bad = helping.post(
        url(card, "evidence"),
        {"indicator": str(first.indicator_id), "files": [SimpleUploadedFile("照片.jpg", b"MZ")]},
        format="multipart",
    )
    assert list(errors(bad)) == ["files"] and ScoreEvidence.objects.count() == 0
    stranger = helping.post(
        url(card, "evidence"),
        {"indicator": str(automatic(card)[0].indicator_id),
         "files": [SimpleUploadedFile("照片.jpg", JPEG)]},
        format="multipart",
    )  # fmt: skip
    assert list(errors(stranger)) == ["indicator"]
    good = helping.post(
        url(card, "evidence"),
        {"indicator": str(first.indicator_id), "files": [SimpleUploadedFile("照片.jpg", JPEG)]},
        format="multipart",
    )
    evidence = ScoreEvidence.objects.get()
    assert good.status_code == 200
    # The inspector takes part in the scorecard, not in this step: a reason at "status".
    refused = api(world.inspector).delete(f"/api/scorecard-evidence/{evidence.pk}/")
    assert list(errors(refused)) == ["status"]
    assert helping.delete(f"/api/scorecard-evidence/{evidence.pk}/").status_code == 204
    assert not ScoreEvidence.objects.exists()


# --- bad input: 400 naming the field, nothing changed --------------------------------------


@pytest.mark.parametrize(
    "raw, code",
    [("99.9", "rule"), ("-1", "min_value"), ("很好", "format"), ("2.25", "format"),
     (4.5, "format"), ("", "format")],
    ids=["above_the_maximum", "negative", "not_a_number", "two_decimals", "json_number",
         "empty"],
)  # fmt: skip
def test_a_score_outside_the_rules_is_a_400_naming_the_indicator_and_nothing_changes(
    world, card, raw, code
):
    score = manual(card)[0]
    before = state(card)
    body = {"entries": {str(score.indicator_id): {"score": raw, "note": "x"}}}
    response = post(world.coord_helping, url(card, "self-assess"), body)
    field = f"score_{score.indicator_id}"
    assert list(errors(response)) == [field]
    assert response.json()["codes"] == {field: [code]}
    if code == "rule":  # the service's message names the indicator
        assert score.indicator.code in errors(response)[field][0]
    assert state(card) == before


def test_one_wrong_entry_saves_none_of_the_others(world, card):
    good, bad = manual(card)[:2]
    before = state(card)
    response = post(world.coord_helping, url(card, "self-assess"), {"entries": {
        str(good.indicator_id): {"score": "3"},
        str(bad.indicator_id): {"score": str(bad.indicator.max_points + 1)},
    }})  # fmt: skip
    assert list(errors(response)) == [f"score_{bad.indicator_id}"]
    assert state(card) == before


def test_entries_of_indicators_that_are_not_the_cards_manual_ones_are_refused(world, card):
    before = state(card)
    for key in (str(automatic(card)[0].indicator_id), "987654321", "abc"):
        response = post(world.coord_helping, url(card, "self-assess"),
                        {"entries": {key: {"score": "1"}}})  # fmt: skip
        assert list(errors(response)) == ["indicators"]
    not_an_object = post(world.coord_helping, url(card, "self-assess"),
                         {"entries": {str(manual(card)[0].indicator_id): "3"}})  # fmt: skip
    assert list(errors(not_an_object)) == [f"entry_{manual(card)[0].indicator_id}"]
    assert list(errors(post(world.coord_helping, url(card, "self-assess"), {}))) == ["entries"]
    assert state(card) == before


def test_submitting_with_manual_indicators_unscored_names_each_of_them(world, card):
    first, *rest = manual(card)
    services.scorecard_self_assess(actor=world.coord_helping, scorecard=card,
                                   entries={first.indicator_id: {"score": "3"}})  # fmt: skip
    before = state(card)
    found = errors(post(world.coord_helping, url(card, "submit")))
    assert {f"score_{s.indicator_id}" for s in rest} | {"status"} == set(found)
    assert all(s.indicator.code in found["status"][0] for s in rest)
    assert state(card) == before


def test_an_override_without_a_reason_is_a_400_naming_its_reason(world, card):
    submitted(world, card)
    auto = automatic(card)[0]
    before = state(card)
    for entry in ({"override": "1"}, {"override": "1", "reason": "  "}):
        response = post(world.inspector, url(card, "inspect"),
                        {"entries": {str(auto.indicator_id): entry}})  # fmt: skip
        assert list(errors(response)) == [f"reason_{auto.indicator_id}"]
    too_many = post(world.inspector, url(card, "inspect"), {"entries": {
        str(auto.indicator_id): {"override": "99", "reason": "复核"}}})  # fmt: skip
    assert list(errors(too_many)) == [f"override_{auto.indicator_id}"]
    assert state(card) == before


def test_finishing_the_inspection_names_the_indicators_left_unscored(world, card):
    submitted(world, card)
    before = state(card)
    found = errors(post(world.inspector, url(card, "finish-inspection")))
    assert {f"score_{s.indicator_id}" for s in manual(card)} | {"status"} == set(found)
    assert state(card) == before


def test_the_inspector_who_scored_it_and_a_coordinator_may_not_finalise(world, card):
    inspected(world, card)
    # The inspector is bureau staff too, but scored this card.
    assign(world.inspector, Role.BUREAU, region=world.city)
    forget_scope(world.inspector)
    before = state(card)
    scored = errors(post(world.inspector, url(card, "finalise"), language="en"))
    assert list(scored) == ["status"] and "scored" in scored["status"][0]
    assert list(errors(post(world.coord_helping, url(card, "finalise")))) == ["status"]
    assert "finalise" not in api(world.inspector).get(url(card)).json()["actions"]
    assert state(card) == before
    assert post(world.bureau2, url(card, "finalise")).status_code == 200


def test_a_finalised_scorecard_is_not_edited_and_is_reopened_only_with_a_reason(world, card):
    inspected(world, card)
    assert post(world.bureau, url(card, "finalise")).status_code == 200
    before = state(card)
    for user, step, body in [
        (world.coord_helping, "self-assess", entries(manual(card), score="1")),
        (world.coord_helping, "submit", {}),
        (world.inspector, "inspect", entries(manual(card), score="1")),
        (world.inspector, "finish-inspection", {}),
        (world.bureau, "finalise", {}),
    ]:
        found = errors(post(user, url(card, step), body))
        assert "status" in found, step
    evidence = api(world.coord_helping).post(
        url(card, "evidence"),
        {"indicator": str(manual(card)[0].indicator_id),
         "files": [SimpleUploadedFile("迟交.jpg", JPEG)]},
        format="multipart",
    )  # fmt: skip
    assert "status" in errors(evidence)
    assert list(errors(post(world.bureau, url(card, "reopen"), {"reason": " "}))) == ["reason"]
    assert list(errors(post(world.bureau, url(card, "reopen")))) == ["reason"]
    assert state(card) == before


def test_returning_needs_a_comment(world, card):
    self_assessed(world, card)
    assert post(world.coord_helping, url(card, "submit")).status_code == 200
    before = state(card)
    assert list(errors(post(world.coord_assisted, url(card, "return"), {"comment": ""}))) == [
        "comment"]  # fmt: skip
    # The helping school does not confirm its own self-assessment.
    assert list(errors(post(world.coord_helping, url(card, "confirm")))) == ["status"]
    assert state(card) == before


def test_opening_is_the_bureaus_and_checks_the_pairing_and_year(world, active):
    draft = school_services.pairing_create(
        actor=world.bureau, programme=world.programme, helping_school=world.spare,
        assisted_schools=[SchoolFactory(region=world.west)],
    )  # fmt: skip
    assert post(world.coord_helping, "/api/scorecards/", {"pairing": active.pk, "year": 1}
                ).status_code == 403  # fmt: skip
    assert list(
        errors(post(world.bureau, "/api/scorecards/", {"pairing": active.pk, "year": 4}))
    ) == ["year"]
    assert list(
        errors(post(world.bureau, "/api/scorecards/", {"pairing": draft.pk, "year": 1}))
    ) == ["pairing"]
    assert list(
        errors(post(world.bureau, "/api/scorecards/", {"pairing": active.pk, "year": "1"}))
    ) == ["year"]
    assert not Scorecard.objects.exists()


# --- who reads, who acts ------------------------------------------------------------------


def test_teachers_and_the_outsider_get_404_and_see_no_scorecard(world, card):
    first = manual(card)[0]
    services.scorecard_self_assess(
        actor=world.coord_helping, scorecard=card, entries={},
        uploads={first.indicator_id: [SimpleUploadedFile("纪要.jpg", JPEG)]},
    )  # fmt: skip
    evidence = ScoreEvidence.objects.get()
    before = state(card)
    for user in (world.mentor, world.mentee, world.outsider):
        client = api(user)
        assert client.get(url(card)).status_code == 404
        assert client.get(f"/api/scorecard-evidence/{evidence.pk}/").status_code == 404
        assert client.delete(f"/api/scorecard-evidence/{evidence.pk}/").status_code == 404
        for step in ("self-assess", "submit", "confirm", "inspect", "finalise", "reopen"):
            assert post(user, url(card, step), entries(manual(card), score="1")
                        ).status_code == 404, step  # fmt: skip
        assert client.get("/api/scorecards/").json()["count"] == 0
        assert client.get("/api/scorecard-rankings/").json()["count"] == 0
    assert state(card) == before


def test_the_bureau_of_a_member_schools_county_reads_and_gets_403_on_every_step(
    world, card, county_bureau
):
    client = api(county_bureau)
    body = client.get(url(card)).json()
    assert body["id"] == card.pk and body["actions"] == []
    assert client.get("/api/scorecards/").json()["count"] == 1
    before = state(card)
    steps = [
        ("self-assess", entries(manual(card), score="1")), ("submit", {}), ("confirm", {}),
        ("return", {"comment": "不同意"}), ("inspect", entries(manual(card), score="1")),
        ("finish-inspection", {}), ("finalise", {}), ("reopen", {"reason": "复核"}),
        ("self-assess", {"entries": "not even an object"}),
    ]  # fmt: skip
    for step, body in steps:
        assert post(county_bureau, url(card, step), body).status_code == 403, step
    evidence = client.post(url(card, "evidence"), {}, format="multipart")
    assert evidence.status_code == 403
    opened = post(county_bureau, "/api/scorecards/", {"pairing": card.pairing_id, "year": 1})
    assert opened.status_code == 403
    assert state(card) == before


def test_the_queues_list_what_waits_for_the_user(world, card):
    assert api(world.inspector).get("/api/scorecards/?queue=inspection").json()["count"] == 0
    submitted(world, card)
    queue = api(world.inspector).get("/api/scorecards/?queue=inspection").json()
    assert [row["id"] for row in queue["results"]] == [card.pk]
    # The coordinators inspect nothing; the bureau finalises nothing yet.
    assert api(world.coord_helping).get("/api/scorecards/?queue=inspection").json()["count"] == 0
    assert api(world.bureau).get("/api/scorecards/?queue=finalisation").json()["count"] == 0
    response = post(world.inspector, url(card, "inspect"), entries(manual(card), score="4"))
    assert response.status_code == 200
    assert post(world.inspector, url(card, "finish-inspection")).status_code == 200
    assert api(world.inspector).get("/api/scorecards/?queue=inspection").json()["count"] == 0
    finalisation = api(world.bureau).get("/api/scorecards/?queue=finalisation").json()
    assert [row["id"] for row in finalisation["results"]] == [card.pk]
    assert errors(api(world.bureau).get("/api/scorecards/?queue=mine")).keys() == {"queue"}


def test_the_list_filters_and_searches(world, card):
    client = api(world.bureau)

    def ids(query):
        response = client.get(f"/api/scorecards/{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [card.pk]
    assert ids("?status=open") == [card.pk] and ids("?status=finalised") == []
    assert ids("?year=1") == [card.pk] and ids("?year=2") == []
    assert ids(f"?pairing={card.pairing_id}") == [card.pk]
    assert ids(f"?programme={world.programme.pk}") == [card.pk]
    assert ids(f"?region_code={world.west.code}") == [card.pk]  # a member school's county
    assert ids(f"?region={world.east.pk}") == [card.pk]
    assert ids("?search=山村") == [card.pk] and ids(f"?search={world.helping.code}") == [card.pk]
    assert ids("?search=远方") == []
    for bad in ("?year=11", "?year=0", "?status=done", f"?region_code={world.far_county.code}",
                "?programme=987654321"):  # fmt: skip
        assert client.get(f"/api/scorecards/{bad}").status_code == 400, bad


# --- templates ---------------------------------------------------------------------------


def default() -> Template:
    return Template.objects.get(programme__isnull=True)


def test_a_bureau_copies_shapes_and_publishes_its_programmes_template(world):
    bureau = api(world.bureau)
    body = {"source": default().pk, "programme": world.programme.pk, "name": "江城市考核表"}
    copied = post(world.bureau, "/api/scorecard-templates/", body)
    assert copied.status_code == 201
    body = copied.json()
    template = Template.objects.get(pk=body["id"])
    assert (body["version"], body["previous"], body["is_published"]) == (1, default().pk, False)
    assert body["total"] == "100.0" and body["actions"] == ["edit", "publish", "delete"]
    assert [a["name"] for a in body["areas"]][0] == "学校管理"
    assert sum(len(a["indicators"]) for a in body["areas"]) == default().indicators.count()
    changed = bureau.patch(f"/api/scorecard-templates/{template.pk}/",
                           {"max_points": "104.0", "band_pass": "55"}, format="json")  # fmt: skip
    assert changed.status_code == 200 and changed.json()["band_pass"] == "55.0"
    area = post(world.bureau, "/api/scorecard-areas/",
                {"template": template.pk, "name": "特色创新", "order": 60})  # fmt: skip
    assert area.status_code == 201
    area_id = area.json()["id"]
    indicator = post(world.bureau, "/api/scorecard-indicators/", {
        "area": area_id, "code": "6.1", "name": "捐赠图书", "max_points": "4",
        "source": "automatic", "metric": "donations", "rule": "thresholds",
        "steps": [["1000", "2"], ["100", "1"], ["5000.50", "4"]],
    })  # fmt: skip
    assert indicator.status_code == 201, indicator.json()
    assert indicator.json()["steps"] == [["100", "1"], ["1000", "2"], ["5000.5", "4"]]
    indicator_id = indicator.json()["id"]
    renamed = bureau.patch(f"/api/scorecard-areas/{area_id}/", {"name": "特色与创新"},
                           format="json")  # fmt: skip
    assert renamed.json()["name"] == "特色与创新" and renamed.json()["order"] == 60
    retitled = bureau.patch(f"/api/scorecard-indicators/{indicator_id}/",
                            {"name": "捐赠图书与设备"}, format="json")  # fmt: skip
    assert retitled.json()["rule"] == "thresholds" and retitled.json()["max_points"] == "4.0"
    listed = bureau.get(f"/api/scorecard-indicators/?template={template.pk}&source=automatic")
    assert indicator_id in [row["id"] for row in listed.json()["results"]]
    assert bureau.get(f"/api/scorecard-areas/?template={template.pk}").json()["count"] == 6
    published = post(world.bureau, f"/api/scorecard-templates/{template.pk}/publish/")
    assert published.status_code == 200 and published.json()["is_published"]
    assert published.json()["actions"] == ["copy"]
    assert api(world.bureau).get("/api/scorecard-templates/?published=false").json()["count"] == 0
    # A new year of the programme is scored on it.
    assert bureau.get(f"/api/scorecard-templates/?programme={world.programme.pk}"
                      ).json()["count"] == 1  # fmt: skip


def test_a_template_that_does_not_add_up_or_an_automatic_indicator_without_its_rule_is_refused(
    world,
):
    template = services.template_copy(actor=world.bureau, source=default(),
                                      programme=world.programme)  # fmt: skip
    area = template.areas.order_by("order").first()
    before = (Indicator.objects.count(), Template.objects.get(pk=template.pk).published_at)
    bad = post(world.bureau, "/api/scorecard-indicators/", {
        "area": area.pk, "code": "1.9", "name": "新指标", "max_points": "2",
        "source": "automatic", "metric": "donations", "rule": "share"})  # fmt: skip
    assert list(errors(bad)) == ["target"]
    steps = post(world.bureau, "/api/scorecard-indicators/", {
        "area": area.pk, "code": "1.9", "name": "新指标", "max_points": "2",
        "source": "automatic", "metric": "donations", "rule": "thresholds",
        "steps": [["1", "3"]]})  # fmt: skip
    assert list(errors(steps)) == ["steps"]
    zero = post(
        world.bureau,
        "/api/scorecard-indicators/",
        {"area": area.pk, "code": "1.9", "name": "新指标", "max_points": "0", "source": "manual"},
    )
    assert list(errors(zero)) == ["max_points"]
    bands = api(world.bureau).patch(f"/api/scorecard-templates/{template.pk}/",
                                    {"band_pass": "95"}, format="json")  # fmt: skip
    assert list(errors(bands)) == ["non_field_errors"]
    indicator = template.indicators.get(code="1.1")
    grown = api(world.bureau).patch(f"/api/scorecard-indicators/{indicator.pk}/",
                                    {"max_points": "6"}, format="json")  # fmt: skip
    assert grown.status_code == 200
    refused = errors(post(world.bureau, f"/api/scorecard-templates/{template.pk}/publish/"))
    assert list(refused) == ["max_points"] and "101.0" in refused["max_points"][0]
    assert (Indicator.objects.count(), Template.objects.get(pk=template.pk).published_at) == before


def test_a_published_template_never_changes(world):
    published = default()
    own = services.template_copy(actor=world.bureau, source=published, programme=world.programme)
    services.template_publish(actor=world.bureau, template=own)
    area, indicator = own.areas.first(), own.indicators.first()
    bureau = api(world.bureau, language="en")
    before = (
        list(Template.objects.values_list("name", "max_points", "published_at")),
        list(Area.objects.values_list("name", "order")),
        list(Indicator.objects.values_list("name", "max_points")),
    )
    for response in (
        bureau.patch(f"/api/scorecard-templates/{own.pk}/", {"name": "改"}, format="json"),
        bureau.delete(f"/api/scorecard-templates/{own.pk}/"),
        bureau.post(f"/api/scorecard-templates/{own.pk}/publish/"),
        bureau.post("/api/scorecard-areas/", {"template": own.pk, "name": "新"}, format="json"),
        bureau.patch(f"/api/scorecard-areas/{area.pk}/", {"name": "改"}, format="json"),
        bureau.delete(f"/api/scorecard-areas/{area.pk}/"),
        bureau.patch(f"/api/scorecard-indicators/{indicator.pk}/", {"name": "改"}, format="json"),
        bureau.delete(f"/api/scorecard-indicators/{indicator.pk}/"),
    ):
        found = errors(response)
        assert list(found) == ["template"] and "new version" in found["template"][0]
    # The platform's default is nobody's to edit: 403.
    assert bureau.patch(f"/api/scorecard-templates/{published.pk}/", {"name": "改"},
                        format="json").status_code == 403  # fmt: skip
    assert before == (
        list(Template.objects.values_list("name", "max_points", "published_at")),
        list(Area.objects.values_list("name", "order")),
        list(Indicator.objects.values_list("name", "max_points")),
    )


def test_a_draft_is_thrown_away_by_its_bureau_only(world):
    draft = services.template_copy(actor=world.bureau, source=default(),
                                   programme=world.programme)  # fmt: skip
    path = f"/api/scorecard-templates/{draft.pk}/"
    assert api(world.inspector).get(path).status_code == 200
    assert api(world.inspector).delete(path).status_code == 403
    assert api(world.coord_helping).get(path).status_code == 404
    assert api(world.mentor).get("/api/scorecard-templates/").json()["count"] == 0
    assert api(world.outsider).get(path).status_code == 404
    assert (
        post(
            world.inspector,
            "/api/scorecard-templates/",
            {"source": default().pk, "programme": world.programme.pk},
        ).status_code
        == 403
    )
    assert Template.objects.filter(pk=draft.pk).exists()
    assert api(world.bureau).delete(path).status_code == 204
    assert not Template.objects.filter(pk=draft.pk).exists()


# --- rankings ---------------------------------------------------------------------------------


def pair(world, helping_name: str, assisted_name: str):
    pairing = school_services.pairing_create(
        actor=world.bureau, programme=world.programme,
        helping_school=SchoolFactory(name=helping_name, region=world.east),
        assisted_schools=[SchoolFactory(name=assisted_name, region=world.west)],
    )  # fmt: skip
    school_services.pairing_propose(actor=world.bureau, pairing=pairing)
    school_services.pairing_approve(actor=world.bureau2, pairing=pairing)
    return school_services.pairing_activate(
        actor=world.bureau, pairing=pairing, agreement_signed_on=dt.date(2026, 9, 1)
    )


def finalised(world, pairing, year: int, points: str) -> Scorecard:
    """Year ``year`` of ``pairing`` finalised with every manual indicator at ``points``
    (the schools' steps by an administrator)."""
    admin = UserFactory(is_superuser=True, is_staff=True)
    card = services.scorecard_open(pairing=pairing, year=year)
    scores = {s.indicator_id: {"score": points} for s in manual(card)}
    services.scorecard_self_assess(actor=admin, scorecard=card, entries=scores)
    services.scorecard_submit(actor=admin, scorecard=card)
    services.scorecard_confirm(actor=admin, scorecard=card)
    services.scorecard_inspect(actor=world.inspector, scorecard=card, entries=scores)
    services.scorecard_finish_inspection(actor=world.inspector, scorecard=card)
    return services.scorecard_finalise(actor=world.bureau, scorecard=card)


def test_the_rankings_order_finalised_scorecards_with_their_change_and_areas(world, active):
    low = finalised(world, active, 1, "2")
    high = finalised(world, pair(world, "东城实验二小", "西山二小"), 1, "3")
    again = finalised(world, active, 2, "4")
    services.scorecard_open(pairing=high.pairing, year=2)  # open: not ranked
    client = api(world.inspector)
    rows = client.get("/api/scorecard-rankings/").json()["results"]
    assert [(r["id"], r["rank"]) for r in rows] == [(again.pk, 1), (high.pk, 2), (low.pk, 3)]
    assert rows[0]["change"] == f"{again.total - low.total:.1f}" and rows[1]["change"] is None
    assert [a["name"] for a in rows[0]["areas"]] == ["学校管理", "教育教学", "教师业务素质",
                                                     "办学条件", "经费使用"]  # fmt: skip
    assert rows[0]["areas"][1]["maximum"] == "25.0"
    by_year = client.get("/api/scorecard-rankings/?year=1").json()["results"]
    assert [(r["id"], r["rank"]) for r in by_year] == [(high.pk, 1), (low.pk, 2)]
    second_page = client.get("/api/scorecard-rankings/?page_size=2&page=2").json()["results"]
    assert [(r["id"], r["rank"]) for r in second_page] == [(low.pk, 3)]
    assert client.get(f"/api/scorecard-rankings/?grade={low.grade}").json()["count"] >= 1
    assert client.get(f"/api/scorecard-rankings/?region_code={world.west.code}"
                      ).json()["count"] == 3  # fmt: skip
    assert api(world.outsider).get("/api/scorecard-rankings/").json()["count"] == 0


# --- representations and query counts ----------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_lean_representations_equal_the_generic_ones(world, active, language):
    finalised(world, active, 1, "3")
    second = services.scorecard_open(pairing=active, year=2)
    score = manual(second)[0]
    services.scorecard_self_assess(
        actor=world.coord_helping, scorecard=second, entries={},
        uploads={score.indicator_id: [SimpleUploadedFile("纪要.jpg", JPEG)]},
    )  # fmt: skip
    services.template_copy(actor=world.bureau, source=default(), programme=world.programme)
    request = APIRequestFactory().get("/api/")
    request.user = world.bureau
    ranked = list(selectors.with_pairing(Scorecard.objects.all()))
    for row in ranked:
        row.rank, row.change = 1, Decimal("-1.5")
        row.areas = [{"name": "学校管理", "points": Decimal("3.5"), "maximum": Decimal("25")}]
    cases = [
        (evaluation_api.ScorecardSerializer,
         list(selectors.with_pairing(Scorecard.objects.all()))),
        (evaluation_api.ScorecardRankingSerializer, ranked),
        (evaluation_api.ScorecardTemplateSerializer,
         list(selectors.template_list_visible_to(world.bureau))),
        (evaluation_api.ScorecardAreaSerializer, list(Area.objects.all())),
        (evaluation_api.ScorecardIndicatorSerializer, list(Indicator.objects.all())),
        (evaluation_api.ScoreEvidenceSerializer, list(ScoreEvidence.objects.all())),
        (evaluation_api.ScorecardStepSerializer, list(ScorecardEvent.objects.all())),
    ]  # fmt: skip
    with translation.override(language):
        for serializer_class, objects in cases:
            assert objects, serializer_class
            serializer = serializer_class(context={"request": request})
            for obj in objects:
                lean = serializer.to_representation(obj)
                assert lean == dict(serializer.generic_representation(obj)), serializer_class


def more_finalised(world, n: int) -> None:
    """``n`` more pairings of the programme, each with its year 1 finalised."""
    for i in range(n):
        finalised(world, pair(world, f"东城附加小学{i}", f"西山附加小学{i}"), 1, "3")


def more_inspected(world, n: int) -> None:
    """``n`` more pairings of the programme, each with its year 1 inspected."""
    admin = UserFactory(is_superuser=True, is_staff=True)
    for i in range(n):
        pairing = pair(world, f"东城待定小学{i}", f"西山待定小学{i}")
        card = services.scorecard_open(pairing=pairing, year=1)
        scores = {s.indicator_id: {"score": "3"} for s in manual(card)}
        services.scorecard_self_assess(actor=admin, scorecard=card, entries=scores)
        services.scorecard_submit(actor=admin, scorecard=card)
        services.scorecard_confirm(actor=admin, scorecard=card)
        services.scorecard_inspect(actor=world.inspector, scorecard=card, entries=scores)
        services.scorecard_finish_inspection(actor=world.inspector, scorecard=card)


def more_templates(world, n: int) -> None:
    """``n`` more draft versions of the programme's template (each 5 areas, 17 indicators)."""
    for _i in range(n):
        services.template_copy(actor=world.bureau, source=default(), programme=world.programme)


# Each request's scope is resolved first (tests/test_api.py), so these are the endpoint's
# own queries, the same for one row as for three. A scorecard's scope is one filter on its
# region with subqueries for the pairings reaching into the user's regions: no query of its
# own; so are the queues.
LIST_QUERIES = {
    # count, the page joining pairing, helping school, programme and region, the pairings'
    # members with their schools
    "/api/scorecards/": (3, more_finalised),
    "/api/scorecards/?queue=finalisation&search=待定": (3, more_inspected),
    # the same three (the page carrying each pairing's total of the year before), then
    # the page's points per area (one aggregate query)
    "/api/scorecard-rankings/": (4, more_finalised),
    # count, the page joining programme and region
    "/api/scorecard-templates/": (2, more_templates),
    # count, the page
    "/api/scorecard-areas/": (2, more_templates),
    "/api/scorecard-indicators/": (2, more_templates),
}


@pytest.mark.parametrize("path", list(LIST_QUERIES))
def test_the_lists_run_a_constant_number_of_queries(world, active, path, django_assert_num_queries):
    expected, grow = LIST_QUERIES[path]
    grow(world, 1)
    client = api(world.bureau)

    def count_rows():
        _fresh_scope(world.bureau)
        with django_assert_num_queries(expected):
            response = client.get(path)
        assert response.status_code == 200
        return response.json()["count"]

    rows = count_rows()
    assert rows >= 1
    grow(world, 2)
    assert count_rows() > rows
