"""The REST API: the same rules and scoping as the pages, through the same services."""

import re
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from schools import services
from schools.models import (
    Goal,
    NeedsAssessment,
    Pairing,
    PairingMember,
    PairingStatus,
    PairingTransition,
    Programme,
    ProgressUpdate,
    School,
)
from twinning import access

from .factories import RegionFactory, SchoolFactory

MISSING = 987654321


def api(user=None, language: str | None = None) -> APIClient:
    client = APIClient()
    if language:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    if user is not None:
        client.force_authenticate(user)
    return client


def snapshot() -> dict:
    """Everything a refused write could have touched."""
    return {
        "schools": list(School.objects.order_by("id").values()),
        "programmes": list(Programme.objects.order_by("id").values()),
        "pairings": list(Pairing.objects.order_by("id").values()),
        "members": list(PairingMember.objects.order_by("id").values()),
        "transitions": list(PairingTransition.objects.order_by("id").values()),
        "needs": list(NeedsAssessment.objects.order_by("id").values()),
        "goals": list(Goal.objects.order_by("id").values()),
        "progress": list(ProgressUpdate.objects.order_by("id").values()),
    }


@pytest.fixture
def plan(world, active):
    """A needs assessment and a yearly goal with one task in the active pairing."""
    needs = services.needs_assessment_save(
        actor=world.coord_assisted, pairing=active, school=world.assisted,
        dimension="staffing", rating=2, findings="青年教师多", needs="骨干教师培养",
    )  # fmt: skip
    goal = services.goal_create(
        actor=world.coord_assisted, pairing=active, school=world.assisted,
        title="培养区级骨干教师", target_value=Decimal("2"), unit="名",
        period_kind="year", school_year=2026,
    )  # fmt: skip
    task = services.goal_create(
        actor=world.coord_assisted, pairing=active, school=world.assisted,
        title="第一学期公开课", target_value=Decimal("4"), unit="节",
        period_kind="term", school_year=2026, period_number=1, parent=goal,
    )  # fmt: skip
    return {"needs": needs, "goal": goal, "task": task}


def school_body(region, **extra) -> dict:
    return {"name": "新学校", "code": "3451000098", "region": region.pk, "stage": "primary",
            "location": "rural", **extra}  # fmt: skip


def programme_body(region, **extra) -> dict:
    return {"name": "新项目", "region": region.pk, "start_year": 2027,
            "pairing_kind": "one_to_one", "reach": "cross_county", **extra}  # fmt: skip


def pairing_body(programme, helping, *assisted) -> dict:
    return {"programme": programme.pk, "helping_school": helping.pk,
            "assisted_schools": [school.pk for school in assisted]}  # fmt: skip


def needs_body(pairing, school, **extra) -> dict:
    return {"pairing": pairing.pk, "school": school.pk, "dimension": "planning", "rating": 2,
            **extra}  # fmt: skip


def goal_body(pairing, school, **extra) -> dict:
    return {"pairing": pairing.pk, "school": school.pk, "title": "新目标", "target_value": "1",
            "unit": "门", "period_kind": "year", "school_year": 2026, **extra}  # fmt: skip


def errors_of(response) -> dict:
    body = response.json()
    assert "detail" in body
    return body.get("errors", {})


# --- the workflow ----------------------------------------------------------------


def test_pairing_workflow_through_the_api(world):
    bureau = api(world.bureau)
    body = pairing_body(world.programme, world.helping, world.assisted)
    created = bureau.post("/api/pairings/", {**body, "goals_summary": "三年内"}, format="json")
    assert created.status_code == 201, created.json()
    pairing = created.json()
    assert pairing["status"] == "draft"
    assert pairing["available_actions"] == ["propose"]
    assert {(m["school"], m["role"]) for m in pairing["members"]} == {
        (world.helping.pk, "helping"),
        (world.assisted.pk, "assisted"),
    }
    url = f"/api/pairings/{pairing['id']}/"

    proposed = bureau.post(url + "propose/", {"comment": "请审批"}, format="json")
    assert proposed.status_code == 200, proposed.json()
    assert proposed.json()["status"] == "proposed"
    # Whoever proposed may not decide, so the detail offers them nothing.
    assert proposed.json()["available_actions"] == []

    assert api(world.bureau2).get(url).json()["available_actions"] == ["approve", "reject"]
    approved = api(world.bureau2).post(url + "approve/", {}, format="json")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"

    activated = api(world.coord_helping).post(
        url + "activate/", {"agreement_signed_on": "2026-09-01"}, format="json"
    )
    assert activated.status_code == 200, activated.json()
    detail = activated.json()
    assert detail["status"] == "active"
    assert detail["agreement_signed_on"] == "2026-09-01"
    assert [(t["from_status"], t["to_status"], t["actor_name"]) for t in detail["transitions"]] == [
        ("", "draft", "王局"),
        ("draft", "proposed", "王局"),
        ("proposed", "approved", "李科"),
        ("approved", "active", "张联络"),
    ]
    assert detail["transitions"][1]["comment"] == "请审批"
    assert Pairing.objects.get(pk=pairing["id"]).status == PairingStatus.ACTIVE


def test_pairing_detail_shows_people_plan_and_history(world, active, plan):
    services.leading_group_member_add(
        actor=world.coord_helping, pairing=active, school=world.helping,
        name="周校长", position="leader", title="校长",
    )  # fmt: skip
    services.contact_add(
        actor=world.coord_helping, pairing=active, school=world.assisted, name="刘联络",
        phone="13800000000",
    )  # fmt: skip
    detail = api(world.bureau).get(f"/api/pairings/{active.pk}/").json()
    assert detail["available_actions"] == ["conclude", "terminate"]
    assert [(g["name"], g["position"]) for g in detail["leading_group"]] == [("周校长", "leader")]
    assert [(c["name"], c["school"]) for c in detail["contacts"]] == [("刘联络", world.assisted.pk)]
    assert [n["dimension"] for n in detail["needs"]] == ["staffing"]
    assert [g["title"] for g in detail["goals"]] == ["第一学期公开课", "培养区级骨干教师"]
    steps = [t["to_status"] for t in detail["transitions"]]
    assert steps == ["draft", "proposed", "approved", "active"]


def test_school_and_programme_are_created_and_edited_through_the_services(world):
    bureau = api(world.bureau)
    school = bureau.post("/api/schools/", school_body(world.east, enrolment=500), format="json")
    assert school.status_code == 201, school.json()
    assert school.json()["region_name"] == "东城县"
    url = f"/api/schools/{school.json()['id']}/"
    changed = bureau.patch(url, {"enrolment": 520}, format="json")
    assert changed.status_code == 200, changed.json()
    assert School.objects.get(code="3451000098").enrolment == 520

    body = programme_body(world.city, pairing_kind="one_to_many", max_assisted_schools=3)
    programme = bureau.post("/api/programmes/", body, format="json")
    assert programme.status_code == 201, programme.json()
    url = f"/api/programmes/{programme.json()['id']}/"
    assert bureau.patch(url, {"is_open": False}, format="json").status_code == 200
    assert Programme.objects.get(name="新项目").is_open is False


def test_needs_are_saved_once_per_dimension_and_goals_track_progress(world, active):
    coordinator = api(world.coord_assisted)
    body = needs_body(active, world.assisted, dimension="facilities", findings="设备老化")
    first = coordinator.post("/api/needs/", body, format="json")
    assert first.status_code == 200, first.json()
    again = coordinator.post("/api/needs/", {**body, "rating": 3}, format="json")
    assert again.json()["id"] == first.json()["id"]
    assert NeedsAssessment.objects.get(pairing=active, dimension="facilities").rating == 3

    body = goal_body(active, world.assisted, title="信息化教学全覆盖", target_value="100", unit="%")
    goal = coordinator.post("/api/goals/", body, format="json")
    assert goal.status_code == 201, goal.json()
    assert goal.json()["due_on"] == "2027-08-31"
    goal_url = f"/api/goals/{goal.json()['id']}/"

    progress = coordinator.post(goal_url + "progress/", {"value": "60", "note": "已完成8个班"})
    assert progress.status_code == 201, progress.json()
    assert progress.json()["progress_percent"] == 60
    assert [u["note"] for u in progress.json()["updates"]] == ["已完成8个班"]

    assert coordinator.delete(goal_url).status_code == 204
    assert not Goal.objects.filter(title="信息化教学全覆盖").exists()


# --- bad input: 400 naming the field, nothing changed ------------------------------


@pytest.mark.parametrize("code", ["3451000001", "12345", "34510000ab"])
def test_duplicate_or_malformed_school_code_is_refused_and_nothing_is_created(world, code):
    # The first is 江城实验小学's code; the others are not 10 digits.
    before = snapshot()
    body = school_body(world.east, code=code)
    response = api(world.bureau).post("/api/schools/", body, format="json")
    assert response.status_code == 400
    assert list(errors_of(response)) == ["code"]
    assert snapshot() == before


def test_self_pairing_is_refused(world):
    before = snapshot()
    body = pairing_body(world.programme, world.helping, world.helping)
    response = api(world.bureau).post("/api/pairings/", body, format="json")
    assert response.status_code == 400
    assert "assisted_schools" in errors_of(response)
    assert snapshot() == before


def test_reject_needs_a_comment(world, proposed):
    before = snapshot()
    url = f"/api/pairings/{proposed.pk}/reject/"
    for body in [{}, {"comment": "  "}]:
        response = api(world.bureau).post(url, body, format="json")
        assert response.status_code == 400
        assert "comment" in errors_of(response)
    assert snapshot() == before

    rejected = api(world.bureau).post(url, {"comment": "材料不全"}, format="json")
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"


def test_terminate_needs_a_reason(world, active):
    before = snapshot()
    response = api(world.bureau).post(f"/api/pairings/{active.pk}/terminate/", {}, format="json")
    assert response.status_code == 400
    assert "reason" in errors_of(response)
    assert snapshot() == before


@pytest.mark.parametrize("action", ["approve", "reject", "activate", "conclude", "terminate"])
def test_transition_not_allowed_from_the_current_state_is_refused(world, draft, action):
    before = snapshot()
    body = {"comment": "说明", "reason": "说明", "agreement_signed_on": "2026-09-01"}
    response = api(world.bureau).post(f"/api/pairings/{draft.pk}/{action}/", body, format="json")
    assert response.status_code == 400
    assert "status" in errors_of(response)
    assert snapshot() == before


def test_school_already_in_a_live_pairing_of_the_programme_cannot_be_proposed(world, proposed):
    bureau = api(world.bureau)
    body = pairing_body(world.programme, world.spare, world.assisted)
    other = bureau.post("/api/pairings/", body, format="json").json()
    before = snapshot()
    response = bureau.post(f"/api/pairings/{other['id']}/propose/", {}, format="json")
    assert response.status_code == 400
    assert "assisted_schools" in errors_of(response)
    assert snapshot() == before


def test_malformed_bodies_name_the_field(world, proposed):
    bureau = api(world.bureau)
    response = bureau.post(
        f"/api/pairings/{proposed.pk}/approve/", {"comment": ["not", "text"]}, format="json"
    )
    assert response.status_code == 400
    assert "comment" in errors_of(response)
    body = {**pairing_body(world.programme, world.helping), "programme": "x", "assisted_schools": 3}
    response = bureau.post("/api/pairings/", body, format="json")
    assert response.status_code == 400
    assert set(errors_of(response)) == {"programme", "assisted_schools"}


# --- who may act ---------------------------------------------------------------------


def test_proposer_cannot_approve_their_own_proposal(world, draft):
    services.pairing_propose(actor=world.bureau, pairing=draft)
    before = snapshot()
    response = api(world.bureau, "en").post(f"/api/pairings/{draft.pk}/approve/", {}, format="json")
    # The proposer works on the pairing, so this is a rule explained, not a 403.
    assert response.status_code == 400
    assert "proposed" in errors_of(response)["status"][0]
    assert snapshot() == before


def test_coordinator_approving_gets_400_naming_the_status(world, proposed):
    before = snapshot()
    response = api(world.coord_assisted, "en").post(
        f"/api/pairings/{proposed.pk}/approve/", {}, format="json"
    )
    assert response.status_code == 400
    assert "bureau" in errors_of(response)["status"][0]
    response = api(world.coord_helping).post(
        f"/api/pairings/{proposed.pk}/terminate/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 400
    assert set(errors_of(response)) == {"status"}
    assert snapshot() == before


def test_unknown_api_paths_answer_in_the_error_format(world):
    response = api(world.bureau, "en").get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def _writes(world, pairing, plan):
    """Every write of the API, with a body that a permitted user could send."""
    goal = plan["goal"]
    return [
        ("post", "/api/schools/", school_body(world.east)),
        ("patch", f"/api/schools/{world.helping.pk}/", {"enrolment": 1}),
        ("post", "/api/programmes/", programme_body(world.city)),
        ("patch", f"/api/programmes/{world.programme.pk}/", {"is_open": False}),
        ("post", "/api/pairings/", pairing_body(world.programme, world.spare, world.helping)),
        ("patch", f"/api/pairings/{pairing.pk}/", {"goals_summary": "改"}),
        ("post", f"/api/pairings/{pairing.pk}/propose/", {}),
        ("post", f"/api/pairings/{pairing.pk}/approve/", {}),
        ("post", f"/api/pairings/{pairing.pk}/reject/", {"comment": "不行"}),
        ("post", f"/api/pairings/{pairing.pk}/activate/", {"agreement_signed_on": "2026-09-01"}),
        ("post", f"/api/pairings/{pairing.pk}/conclude/", {}),
        ("post", f"/api/pairings/{pairing.pk}/terminate/", {"reason": "撤并"}),
        ("post", "/api/needs/", needs_body(pairing, world.assisted)),
        ("post", "/api/goals/", goal_body(pairing, world.assisted)),
        ("post", f"/api/goals/{goal.pk}/progress/", {"value": "1"}),
        ("delete", f"/api/goals/{goal.pk}/", None),
    ]


def test_inspector_gets_403_on_every_write_and_nothing_changes(world, active, plan):
    client = api(world.inspector)
    before = snapshot()
    for method, url, body in _writes(world, active, plan):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 403, (method, url, response.json())
    assert snapshot() == before


def test_teacher_gets_403_on_every_pairing_write(world, active, plan):
    client = api(world.mentor)
    before = snapshot()
    for method, url, body in _writes(world, active, plan)[5:]:
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 403, (method, url, response.json())
    assert snapshot() == before


def test_outsider_gets_404_on_every_detail_and_action_of_the_other_city(world, active, plan):
    client = api(world.outsider)
    before = snapshot()
    for url in [
        f"/api/regions/{world.city.pk}/",
        f"/api/regions/{world.east.pk}/",
        f"/api/schools/{world.helping.pk}/",
        f"/api/programmes/{world.programme.pk}/",
        f"/api/pairings/{active.pk}/",
        f"/api/goals/{plan['goal'].pk}/",
    ]:
        assert client.get(url).status_code == 404, url
    for method, url, body in _writes(world, active, plan):
        if url.count("/") == 3:
            continue  # a create: its body names the other city's objects, tested below
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 404, (method, url)
        assert response.json() == {"detail": response.json()["detail"]}
    assert snapshot() == before


def test_outsider_sees_nothing_of_the_other_city_in_lists_searches_and_counts(
    world, active, plan, far_pairing
):
    client = api(world.outsider)
    city_ids = {
        "regions": {world.city.pk, world.east.pk, world.west.pk},
        "schools": {world.helping.pk, world.assisted.pk, world.spare.pk},
        "programmes": {world.programme.pk},
        "pairings": {active.pk},
        "needs": {plan["needs"].pk},
        "goals": {plan["goal"].pk, plan["task"].pk},
    }
    for name, hidden in city_ids.items():
        for query in ["", "?search=江城", "?search=西山", "?search=3451", "?page_size=200"]:
            body = client.get(f"/api/{name}/{query}").json()
            ids = {row["id"] for row in body["results"]}
            assert not ids & hidden, (name, query)
            assert body["count"] == len(ids), (name, query)
    # Filtering by the other city's objects finds nothing (or is refused like a missing id).
    for url in [
        f"/api/pairings/?school={world.assisted.pk}",
        f"/api/needs/?pairing={active.pk}",
        f"/api/goals/?pairing={active.pk}",
        f"/api/goals/?school={world.assisted.pk}",
    ]:
        assert client.get(url).json()["count"] == 0, url
    for url, field in [
        (f"/api/schools/?region={world.city.pk}", "region"),
        (f"/api/pairings/?programme={world.programme.pk}", "programme"),
        (f"/api/regions/?parent={world.city.pk}", "parent"),
    ]:
        hidden, missing = client.get(url), client.get(re.sub(r"=\d+", f"={MISSING}", url))
        assert hidden.status_code == missing.status_code == 400
        assert list(errors_of(hidden)) == list(errors_of(missing)) == [field]
    # The outsider's own city is there: the lists are scoped, not empty.
    assert client.get("/api/pairings/").json()["count"] == 1
    assert client.get("/api/schools/?search=远方").json()["count"] == 2


def _same_error(client, url, body, field, hidden_id):
    """Posting an id outside scope fails exactly like posting one that does not exist."""

    def swap(value, new):
        if isinstance(value, list):
            return [new if v == hidden_id else v for v in value]
        return new if value == hidden_id else value

    hidden = client.post(url, body, format="json")
    missing = client.post(url, {**body, field: swap(body[field], MISSING)}, format="json")
    assert hidden.status_code == missing.status_code == 400, (url, field, hidden.json())
    assert list(errors_of(hidden)) == list(errors_of(missing)) == [field], (url, field)
    assert str(errors_of(hidden)[field]).replace(str(hidden_id), "?") == str(
        errors_of(missing)[field]
    ).replace(str(MISSING), "?")


def test_ids_outside_scope_in_a_body_fail_like_missing_ids(world, active, plan, far_pairing):
    outsider = api(world.outsider)
    before = snapshot()
    far_helping = far_pairing.helping_school
    far, city_goal = world.far_programme, plan["goal"]
    cases = [
        ("/api/schools/", school_body(world.east), "region", world.east),
        ("/api/programmes/", programme_body(world.city), "region", world.city),
        (
            "/api/pairings/",
            pairing_body(world.programme, far_helping, world.far_school),
            "programme",
            world.programme,
        ),
        (
            "/api/pairings/",
            pairing_body(far, world.helping, world.far_school),
            "helping_school",
            world.helping,
        ),
        (
            "/api/pairings/",
            pairing_body(far, far_helping, world.assisted),
            "assisted_schools",
            world.assisted,
        ),
        ("/api/needs/", needs_body(active, world.far_school), "pairing", active),
        ("/api/needs/", needs_body(far_pairing, world.assisted), "school", world.assisted),
        ("/api/goals/", goal_body(active, world.far_school), "pairing", active),
        ("/api/goals/", goal_body(far_pairing, world.assisted), "school", world.assisted),
        (
            "/api/goals/",
            goal_body(far_pairing, world.far_school, parent=city_goal.pk, period_kind="term",
                      period_number=1),
            "parent",
            city_goal,
        ),
    ]  # fmt: skip
    for url, body, field, hidden in cases:
        _same_error(outsider, url, body, field, hidden.pk)
    # Patching a pairing with a school outside scope is refused the same way.
    url = f"/api/pairings/{far_pairing.pk}/"
    hidden = outsider.patch(url, {"assisted_schools": [world.assisted.pk]}, format="json")
    assert hidden.status_code == 400
    assert list(errors_of(hidden)) == ["assisted_schools"]
    assert snapshot() == before
    # …while a school of the outsider's own city is accepted.
    far_spare = SchoolFactory(name="远方第三小学", code="3452000003", region=world.far_county)
    ok = outsider.patch(url, {"assisted_schools": [far_spare.pk]}, format="json")
    assert ok.status_code == 200, ok.json()
    assert {m["school"] for m in ok.json()["members"]} == {far_helping.pk, far_spare.pk}


def test_only_who_may_start_a_pairing_may_name_any_school_of_the_programme(world):
    body = pairing_body(world.programme, world.helping, world.spare)
    # A teacher may not start a pairing: a school they cannot see is out of scope.
    response = api(world.mentor).post("/api/pairings/", body, format="json")
    assert response.status_code == 400
    assert list(errors_of(response)) == ["assisted_schools"]
    # The coordinator names a partner from the programme's directory, as on the web form.
    response = api(world.coord_helping).post("/api/pairings/", body, format="json")
    assert response.status_code == 201, response.json()


# --- filters -----------------------------------------------------------------------------


def test_list_filters(world, active, plan):
    bureau = api(world.bureau)
    in_city = bureau.get(f"/api/schools/?region={world.city.pk}").json()["results"]
    assert {s["id"] for s in in_city} == {world.helping.pk, world.assisted.pk, world.spare.pk}
    assert bureau.get(f"/api/schools/?region={world.west.pk}").json()["count"] == 1
    assert bureau.get("/api/schools/?location=rural").json()["count"] == 1
    assert bureau.get("/api/schools/?search=3451000002").json()["count"] == 1
    assert [r["id"] for r in bureau.get("/api/schools/?ordering=-code").json()["results"]] == [
        world.spare.pk,
        world.assisted.pk,
        world.helping.pk,
    ]
    assert bureau.get(f"/api/regions/?parent={world.city.pk}").json()["count"] == 2
    assert bureau.get("/api/regions/?level=city").json()["count"] == 1
    assert bureau.get(f"/api/programmes/?region={world.city.pk}&is_open=true").json()["count"] == 1
    assert bureau.get("/api/programmes/?search=城乡").json()["count"] == 1
    assert bureau.get("/api/pairings/?status=active").json()["count"] == 1
    assert bureau.get("/api/pairings/?status=draft").json()["count"] == 0
    assert bureau.get(f"/api/pairings/?region={world.west.pk}").json()["count"] == 1
    assert bureau.get(f"/api/pairings/?school={world.spare.pk}").json()["count"] == 0
    assert bureau.get(f"/api/pairings/?programme={world.programme.pk}").json()["count"] == 1
    assert bureau.get("/api/pairings/?search=山村").json()["count"] == 1
    assert bureau.get("/api/pairings/?search=3451000002").json()["count"] == 1
    assert bureau.get("/api/needs/?dimension=staffing").json()["count"] == 1
    assert bureau.get(f"/api/needs/?school={world.helping.pk}").json()["count"] == 0
    assert bureau.get("/api/goals/?period_kind=term").json()["count"] == 1
    assert bureau.get("/api/goals/?school_year=2026").json()["count"] == 2
    assert bureau.get("/api/goals/?school=x").status_code == 400


# --- query counts ------------------------------------------------------------------------


def _more_rows(world, n=3):
    """n more of everything in the bureau's scope: regions, schools, programmes, pairings…"""
    for i in range(n):
        RegionFactory(name=f"附加区{i}", code=f"5101{50 + i}", parent=world.city)
        helping = SchoolFactory(name=f"东城附加小学{i}", region=world.east)
        assisted = SchoolFactory(name=f"西山附加小学{i}", region=world.west)
        programme = services.programme_create(
            actor=world.bureau, name=f"附加项目{i}", region=world.city, start_year=2026,
            pairing_kind="one_to_one", reach="cross_county",
        )  # fmt: skip
        pairing = services.pairing_create(
            actor=world.bureau, programme=programme, helping_school=helping,
            assisted_schools=[assisted],
        )  # fmt: skip
        services.needs_assessment_save(
            actor=world.bureau, pairing=pairing, school=assisted, dimension="planning", rating=2
        )
        services.goal_create(
            actor=world.bureau, pairing=pairing, school=assisted, title=f"目标{i}",
            target_value=Decimal("1"), unit="门", period_kind="year", school_year=2026,
        )  # fmt: skip


# The user's scope is resolved once per request and kept on the user object, so the
# tests resolve it first and count what the endpoint itself does: the page's COUNT
# and the page, whose rows come with their related objects joined in.
LIST_QUERIES = {
    "/api/regions/": 2,  # count, page
    "/api/schools/": 2,  # count, page joining the region
    "/api/programmes/": 2,  # count, page joining the region
    "/api/pairings/": 3,  # count, page joining programme and helping school, members+schools
    "/api/needs/": 2,  # count, page joining school and assessor
    "/api/goals/": 2,  # count, page joining school
}


def _fresh_scope(user):
    access.forget_scope(user)
    access.resolve_scope(user)


@pytest.mark.parametrize("url", list(LIST_QUERIES))
def test_list_endpoints_run_a_constant_number_of_queries(
    world, active, plan, url, django_assert_num_queries
):
    client = api(world.bureau)

    def count_rows():
        _fresh_scope(world.bureau)
        with django_assert_num_queries(LIST_QUERIES[url]):
            response = client.get(url)
        assert response.status_code == 200
        return response.json()["count"]

    rows = count_rows()
    assert rows >= 1
    _more_rows(world)
    assert count_rows() > rows


@pytest.mark.parametrize(
    "url",
    ["/api/pairings/?search=小学", "/api/pairings/?region={west}", "/api/schools/?region={city}"],
)
def test_filtered_lists_stay_constant_too(world, active, url, django_assert_num_queries):
    # As above, plus one query to check the region named in the filter is in scope.
    url = url.format(west=world.west.pk, city=world.city.pk)
    expected = LIST_QUERIES[url.split("?")[0]] + (1 if "region" in url else 0)
    client = api(world.bureau)
    _fresh_scope(world.bureau)
    with django_assert_num_queries(expected):
        client.get(url)
    _more_rows(world)
    _fresh_scope(world.bureau)
    with django_assert_num_queries(expected):
        assert client.get(url).json()["count"] >= 2


# --- tokens --------------------------------------------------------------------------------


def test_token_flow(world):
    anonymous = api()
    assert anonymous.get("/api/pairings/").status_code == 401  # and says how: Token
    refused = anonymous.post("/api/auth/token/", {"username": "bureau", "password": "wrong"})
    assert refused.status_code == 401  # wrong credentials: an authentication failure
    assert refused["WWW-Authenticate"] == "Token"
    assert refused.json()["detail"]
    assert not Token.objects.exists()

    issued = anonymous.post("/api/auth/token/", {"username": "bureau", "password": "pass-12345"})
    assert issued.status_code == 200, issued.json()
    key = issued.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/programmes/").json()["count"] == 1

    assert client.delete("/api/auth/token/").status_code == 204
    assert not Token.objects.filter(key=key).exists()
    assert client.get("/api/programmes/").status_code in (401, 403)


def test_failed_token_requests_count_towards_the_sign_in_lockout(world, settings):
    anonymous = api()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert (
            anonymous.post("/api/auth/token/", {"username": "bureau", "password": "x"}).status_code
            == 401
        )
    locked = anonymous.post("/api/auth/token/", {"username": "bureau", "password": "pass-12345"})
    assert locked.status_code == 401  # the same answer as a wrong password
    assert not Token.objects.exists()


def test_token_requests_are_throttled(world):
    anonymous = api()
    for _ in range(10):
        ok = anonymous.post("/api/auth/token/", {"username": "bureau", "password": "pass-12345"})
        assert ok.status_code == 200
    throttled = anonymous.post("/api/auth/token/", {"username": "bureau", "password": "pass-12345"})
    assert throttled.status_code == 429
    assert throttled.json()["detail"]


# --- schema and docs ---------------------------------------------------------------------


def test_schema_is_an_openapi_3_document(world):
    response = api().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/pairings/{id}/approve/", "/api/goals/{id}/progress/", "/api/auth/token/"} <= set(
        schema["paths"]
    )
    reject = schema["paths"]["/api/pairings/{id}/reject/"]["post"]
    assert reject["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/RejectRequest"
    )


def test_docs_render_with_local_assets_only(world):
    response = api().get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "http://" not in page and "https://" not in page
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets
    # Its starting script is a file of its own (no inline script: the pages' policy).
    assert "/api/docs/?script=" in assets and "<script>" not in page
    starter = api().get("/api/docs/?script=")
    assert starter.status_code == 200 and "SwaggerUIBundle" in starter.content.decode()
    for url in assets:
        if url == "/api/docs/?script=":
            continue
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/").split("?")[0]), url


def test_available_actions_follow_the_user(world, active):
    url = f"/api/pairings/{active.pk}/"
    actions = {
        who: api(getattr(world, who)).get(url).json()["available_actions"]
        for who in ["bureau", "coord_helping", "inspector", "mentor"]
    }
    # Only the programme's bureau concludes or terminates an active pairing.
    assert actions == {
        "bureau": ["conclude", "terminate"],
        "coord_helping": [],
        "inspector": [],
        "mentor": [],
    }
