"""A programme's rules on its bureau's own pages: exchange targets, mentorship obligations,
the mentee eligibility rule and the pass mark. A change counts from today; periods
already over keep the rules they had (twinning/rulebook.py), and the history is kept."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities import services as activity_services
from activities import targets
from activities.models import ActivityKind, PairingTarget
from schools import services as school_services
from teachers import rules
from teachers import services as teacher_services
from teachers.models import Obligation

TODAY = dt.date(2026, 11, 18)  # a Wednesday of term 1 of 2026–2027
LAST_TERM = dt.date(2026, 5, 12)  # term 2 of 2025–2026, over


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("twinning.calendar.today", lambda: TODAY)


def later(monkeypatch, days: int) -> dt.date:
    day = TODAY + dt.timedelta(days=days)
    monkeypatch.setattr("twinning.calendar.today", lambda: day)
    return day


def labels(pairing, on=None) -> list[str]:
    return [line.label for line in targets.pairing_standing(pairing, on).lines]


# --- exchange targets ------------------------------------------------------------------------


def test_the_bureau_adds_a_target_on_the_programme_page_and_the_defaults_keep_counting(
    client, world, active
):
    client.force_login(world.bureau)
    url = reverse("activities:programme_targets", args=[world.programme.pk])
    page = client.get(url)
    assert page.status_code == 200 and "默认目标" in page.content.decode()
    kind = ActivityKind.objects.get(code="synchronous_class")
    response = client.post(url, {"subject": "activity", "kind": kind.pk, "minimum": "3",
                                 "period": "term", "side": "either"})  # fmt: skip
    assert response.status_code == 302
    now = labels(active)
    assert "同步课堂：每学期至少 3 次" in now and len(now) == len(targets.DEFAULTS) + 1
    # The term that is over keeps the targets it had: the defaults only.
    assert len(labels(active, LAST_TERM)) == len(targets.DEFAULTS)
    page = client.get(url).content.decode()
    assert "同步课堂：每学期至少 3 次" in page and world.bureau.display_name in page


def test_a_change_counts_from_today_and_a_term_already_over_keeps_its_target(
    world, active, monkeypatch
):
    activity_services.targets_adopt_defaults(actor=world.bureau, programme=world.programme)
    delivery = PairingTarget.objects.get(kind__code="lesson_delivery")
    day = later(monkeypatch, 103)  # 2027-03-01: term 1 of 2026–2027 is over
    now = activity_services.target_change(actor=world.bureau, target=delivery, minimum=4)
    delivery.refresh_from_db()
    assert delivery.valid_until == day - dt.timedelta(days=1) and now.valid_from == day
    assert any("至少 4 次" in label for label in labels(active) if "送教" in label)
    term_1 = labels(active, dt.date(2026, 12, 1))
    assert any("至少 2 次" in label for label in term_1 if "送教" in label)
    # A retired target is history: it cannot change again.
    with pytest.raises(ValidationError):
        activity_services.target_change(actor=world.bureau, target=delivery, minimum=5)


def test_a_term_under_way_is_counted_by_the_targets_in_force_today(world, active, monkeypatch):
    activity_services.targets_adopt_defaults(actor=world.bureau, programme=world.programme)
    delivery = PairingTarget.objects.get(kind__code="lesson_delivery")
    later(monkeypatch, 7)
    activity_services.target_change(actor=world.bureau, target=delivery, minimum=3)
    # Asked about any day of the term under way, the term has one target: today's.
    for day in (TODAY, TODAY + dt.timedelta(days=7)):
        assert any("至少 3 次" in label for label in labels(active, day) if "送教" in label)


def test_a_target_changed_on_the_day_it_was_made_is_changed_in_place(world, active):
    kind = ActivityKind.objects.get(code="lecture")
    target = activity_services.target_add(
        actor=world.bureau, programme=world.programme, subject="activity", kind=kind,
        minimum=1, period="year", side="either",
    )  # fmt: skip
    same = activity_services.target_change(actor=world.bureau, target=target, minimum=2)
    assert same.pk == target.pk and PairingTarget.objects.filter(kind=kind).count() == 1
    activity_services.target_remove(actor=world.bureau, target=same)
    assert not PairingTarget.objects.filter(kind=kind).exists()


def test_a_twin_target_or_a_missing_kind_is_refused_at_its_field_and_nothing_changes(
    client, world, active
):
    client.force_login(world.bureau)
    url = reverse("activities:programme_targets", args=[world.programme.pk])
    delivery = ActivityKind.objects.get(code="lesson_delivery")
    twin = client.post(url, {"subject": "activity", "kind": delivery.pk, "minimum": "3",
                             "period": "term", "side": "assisted"})  # fmt: skip
    assert twin.status_code == 400
    assert "已有" in str(twin.context["form"].errors["minimum"])
    missing = client.post(url, {"subject": "activity", "minimum": "3", "period": "term",
                                "side": "either"})  # fmt: skip
    assert missing.status_code == 400 and "kind" in missing.context["form"].errors
    assert not PairingTarget.objects.exists()


def test_only_the_programmes_bureau_changes_targets(client, world, active):
    activity_services.targets_adopt_defaults(actor=world.bureau, programme=world.programme)
    target = PairingTarget.objects.first()
    url = reverse("activities:programme_targets", args=[world.programme.pk])
    client.force_login(world.inspector)
    assert client.get(url).status_code == 200
    assert "添加目标" not in client.get(url).content.decode()
    assert client.post(url, {}).status_code == 403
    assert client.post(reverse("activities:target_remove", args=[target.pk])).status_code == 403
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("activities:target_edit", args=[target.pk])).status_code == 404
    assert PairingTarget.objects.current().count() == len(targets.DEFAULTS)


def test_the_admin_shows_the_targets_but_changes_nothing(client, world):
    from .factories import UserFactory

    superuser = UserFactory(is_superuser=True, is_staff=True)
    activity_services.targets_adopt_defaults(actor=world.bureau, programme=world.programme)
    client.force_login(superuser)
    assert client.get("/admin/activities/pairingtarget/").status_code == 200
    assert client.get("/admin/activities/pairingtarget/add/").status_code == 403


# --- mentorship obligations and eligibility ----------------------------------------------------


def test_an_obligation_added_today_leaves_the_weeks_before_as_they_were(client, world, monkeypatch):
    client.force_login(world.bureau)
    url = reverse("teachers:programme_rules", args=[world.programme.pk])
    response = client.post(url, {"form": "obligation", "kind": "reading_note",
                                 "filer": "mentee", "minimum": "2", "period": "week"})  # fmt: skip
    assert response.status_code == 302
    pid = world.programme.pk
    now = rules.rules_for({pid})[pid]
    assert rules.Rule("reading_note", "mentee", 2, "week") in now
    assert len(now) == len(rules.DEFAULTS) + 1
    assert rules.rules_for({pid}, TODAY - dt.timedelta(days=1))[pid] == rules.DEFAULTS
    reading = Obligation.objects.get(kind="reading_note")
    saturday = later(monkeypatch, 10)  # 2026-11-28
    teacher_services.obligation_change(actor=world.bureau, obligation=reading, minimum=3)
    book = rules.RuleBook({pid})
    # The week of 16–22 November closed with two a week; the week under way asks three.
    closed_week = book.for_periods(pid, {"week": dt.date(2026, 11, 22)})
    assert rules.Rule("reading_note", "mentee", 2, "week") in closed_week
    assert rules.Rule("reading_note", "mentee", 3, "week") in book.for_periods(
        pid, {"week": saturday}
    )
    page = client.get(url).content.decode()
    # The history: the earlier obligation retired the day before, its successor added.
    assert "失效日期: — → 2026-11-27" in page


def test_the_eligibility_rule_is_set_on_the_page_with_its_history(client, world):
    client.force_login(world.bureau)
    url = reverse("teachers:programme_rules", args=[world.programme.pk])
    assert client.post(url, {"form": "policy", "max_mentee_years": "5"}).status_code == 302
    assert rules.max_mentee_years(world.programme.pk) == 5
    bad = client.post(url, {"form": "policy", "max_mentee_years": "-1"})
    assert bad.status_code == 400 and rules.max_mentee_years(world.programme.pk) == 5
    assert client.post(url, {"form": "policy", "max_mentee_years": ""}).status_code == 302
    assert rules.max_mentee_years(world.programme.pk) is None
    history = world.programme.mentorship_policy.history.all()
    assert {record.history_user for record in history} == {world.bureau}
    client.force_login(world.inspector)
    assert client.post(url, {"form": "policy", "max_mentee_years": "9"}).status_code == 403


# --- the pass mark ------------------------------------------------------------------------------


def test_a_new_pass_mark_leaves_finalised_results_as_they_were(world, active):
    from evaluation import services as evaluation_services

    from .test_evaluation_api import finalised

    card = finalised(world, active, 1, "3")
    kept, passed = card.pass_mark, card.passed
    school_services.programme_update(
        actor=world.bureau, programme=world.programme, pass_mark=card.total + Decimal("1")
    )
    # Reopened and finalised again, the year keeps the mark it was judged by.
    evaluation_services.scorecard_reopen(actor=world.bureau, scorecard=card, reason="复核")
    evaluation_services.scorecard_inspect(actor=world.inspector, scorecard=card, entries={})
    evaluation_services.scorecard_finish_inspection(actor=world.inspector, scorecard=card)
    again = evaluation_services.scorecard_finalise(actor=world.bureau, scorecard=card)
    assert (again.pass_mark, again.passed) == (kept, passed)


# --- the API ----------------------------------------------------------------------------------


def api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_adds_changes_and_lists_a_programmes_targets(world, active, monkeypatch):
    client = api(world.bureau)
    added = client.post("/api/programme-targets/", {
        "programme": world.programme.pk, "subject": "activity", "kind": "lecture",
        "minimum": 2, "period": "year", "side": "either",
    }, format="json")  # fmt: skip
    assert added.status_code == 201, added.content
    assert added.json()["label"] == "专题讲座：每学年至少 2 次"
    listed = client.get(f"/api/programme-targets/?programme={world.programme.pk}&current=true")
    assert listed.json()["count"] == len(targets.DEFAULTS) + 1
    later(monkeypatch, 3)
    changed = client.patch(f"/api/programme-targets/{added.json()['id']}/", {"minimum": 4},
                           format="json")  # fmt: skip
    assert changed.status_code == 200 and changed.json()["id"] != added.json()["id"]
    earlier = client.get("/api/programme-targets/?current=false").json()["results"]
    assert [row["minimum"] for row in earlier] == [2]
    twin = client.post("/api/programme-targets/", {
        "programme": world.programme.pk, "subject": "activity", "kind": "lecture",
        "minimum": 9, "period": "year", "side": "either",
    }, format="json")  # fmt: skip
    assert twin.status_code == 400 and "minimum" in twin.json()["errors"]
    assert (
        api(world.inspector)
        .patch(f"/api/programme-targets/{changed.json()['id']}/", {"minimum": 1}, format="json")
        .status_code
        == 403
    )
    assert (
        api(world.outsider).get(f"/api/programme-targets/{changed.json()['id']}/").status_code
        == 404
    )


def test_the_api_keeps_obligations_and_the_eligibility_rule(world):
    client = api(world.bureau)
    added = client.post("/api/programme-obligations/", {
        "programme": world.programme.pk, "kind": "reading_note", "filer": "mentee",
        "minimum": 2, "period": "month",
    }, format="json")  # fmt: skip
    assert added.status_code == 201, added.content
    assert client.delete(f"/api/programme-obligations/{added.json()['id']}/").status_code == 204
    assert not Obligation.objects.filter(kind="reading_note").exists()  # made today: gone
    url = f"/api/mentee-eligibility/{world.programme.pk}/"
    assert client.get(url).json() == {"programme": world.programme.pk, "max_mentee_years": 3}
    assert client.put(url, {"max_mentee_years": 5}, format="json").json()["max_mentee_years"] == 5
    assert client.put(url, {"max_mentee_years": -2}, format="json").status_code == 400
    assert api(world.inspector).put(url, {"max_mentee_years": 1}, format="json").status_code == 403
    assert api(world.outsider).get(url).status_code == 404
    assert rules.max_mentee_years(world.programme.pk) == 5
