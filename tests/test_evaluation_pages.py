"""The yearly evaluation's pages: the helping school self-assesses with a photo, the
assisted school confirms, the inspector scores, the bureau finalises and the money
follows; bad input is shown at its field and changes nothing; what each role sees (a
teacher and an outsider find no evaluation); the lists and queues run a fixed number of
queries and download as CSV and Excel."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from evaluation import services
from evaluation.models import IndicatorScore, Scorecard, ScorecardStatus, ScoreEvidence, Source
from funding.models import TrancheStatus
from schools import services as school_services
from tests.factories import SchoolFactory, UserFactory, assign
from twinning.downloads import XLSX_TYPE
from twinning.models import Role


def photo(name="会议纪要.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 90)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def card(world, active):
    """Year 1 of the active pairing (signed 2026-09-01), opened."""
    return services.scorecard_open(pairing=active, year=1)


def scores(card, source):
    return list(
        IndicatorScore.objects.filter(scorecard=card, indicator__source=source)
        .select_related("indicator")
        .order_by("indicator__code")
    )


def manual(card):
    return scores(card, Source.MANUAL)


def automatic(card):
    return scores(card, Source.AUTOMATIC)


def detail_url(card) -> str:
    return reverse("evaluation:scorecard_detail", args=[card.pk])


def url(name, card) -> str:
    return reverse(f"evaluation:{name}", args=[card.pk])


def self_assess_payload(card, points=None) -> dict:
    return {
        **{f"score_{s.indicator_id}": str(points or s.indicator.max_points) for s in manual(card)},
        **{f"note_{s.indicator_id}": "已完成" for s in manual(card)},
    }


def inspect_payload(card) -> dict:
    """Every manual indicator at its maximum, every automatic one overridden to its
    maximum with a reason: 100 points."""
    data = {}
    for s in manual(card):
        data[f"score_{s.indicator_id}"] = str(s.indicator.max_points)
        data[f"comment_{s.indicator_id}"] = "核实"
    for s in automatic(card):
        data[f"override_{s.indicator_id}"] = str(s.indicator.max_points)
        data[f"reason_{s.indicator_id}"] = "台账核实"
    return data


def to_submitted(world, card):
    entries = {s.indicator_id: {"score": str(s.indicator.max_points)} for s in manual(card)}
    services.scorecard_self_assess(actor=world.coord_helping, scorecard=card, entries=entries)
    services.scorecard_submit(actor=world.coord_helping, scorecard=card)
    services.scorecard_confirm(actor=world.coord_assisted, scorecard=card)
    card.refresh_from_db()
    return card


def to_inspected(world, card):
    if card.status == ScorecardStatus.OPEN:
        to_submitted(world, card)
    entries = {s.indicator_id: {"score": str(s.indicator.max_points)} for s in manual(card)}
    services.scorecard_inspect(actor=world.inspector, scorecard=card, entries=entries)
    services.scorecard_finish_inspection(actor=world.inspector, scorecard=card)
    card.refresh_from_db()
    return card


def status_of(card) -> str:
    return Scorecard.objects.get(pk=card.pk).status


# --- the year's workflow, page by page ----------------------------------------------------


def test_the_year_goes_through_the_pages_and_a_pass_releases_the_next_tranche(
    client, world, active, card, released
):
    # The helping school's coordinator finds the scorecard on the pairing's tab.
    client.force_login(world.coord_helping)
    tab = client.get(reverse("evaluation:pairing_evaluation", args=[active.pk]))
    assert tab.status_code == 200
    html = tab.content.decode()
    assert detail_url(card) in html
    assert "scorecard-steps" in html
    first = manual(card)[0]
    form = client.get(url("scorecard_self_assess", card)).content.decode()
    assert (
        'type="file"' in form and "multiple" in form and 'accept="image/*,application/pdf' in form
    )
    assert 'step="0.1"' in form and f'max="{first.indicator.max_points}"' in form

    # Self-assesses every manual indicator, one with a photo as evidence.
    payload = self_assess_payload(card) | {f"evidence_{first.indicator_id}": [photo()]}
    response = client.post(url("scorecard_self_assess", card), payload)
    assert response.status_code == 302 and response.url == detail_url(card)
    evidence = ScoreEvidence.objects.get(score=first)
    assert evidence.thumbnail
    page = client.get(detail_url(card)).content.decode()
    assert reverse("evaluation:evidence_thumbnail", args=[evidence.pk]) in page
    assert (
        client.get(reverse("evaluation:evidence_download", args=[evidence.pk])).status_code == 200
    )
    response = client.post(url("scorecard_submit", card), {"comment": "请确认"})
    assert response.status_code == 302
    assert status_of(card) == ScorecardStatus.CONFIRMING

    # The assisted school's coordinator sees the evidence and confirms.
    client.force_login(world.coord_assisted)
    page = client.get(detail_url(card)).content.decode()
    assert url("scorecard_confirm", card) in page and url("scorecard_return", card) in page
    thumbnail = client.get(reverse("evaluation:evidence_thumbnail", args=[evidence.pk]))
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"
    client.post(url("scorecard_confirm", card), {"comment": "属实"})
    assert status_of(card) == ScorecardStatus.SUBMITTED

    # The inspector scores from the inspection queue and finishes.
    client.force_login(world.inspector)
    assert detail_url(card) in client.get(reverse("evaluation:inspection_queue")).content.decode()
    form = client.get(url("scorecard_inspect", card)).content.decode()
    auto = automatic(card)[0]
    assert f'name="override_{auto.indicator_id}"' in form
    assert f'name="score_{first.indicator_id}"' in form
    response = client.post(url("scorecard_inspect", card), inspect_payload(card))
    assert response.status_code == 302
    client.post(url("scorecard_finish_inspection", card))
    assert status_of(card) == ScorecardStatus.INSPECTED
    # The inspector who scored it is offered no finalisation.
    assert url("scorecard_finalise", card) not in client.get(detail_url(card)).content.decode()

    # The bureau finalises, asked to confirm first.
    client.force_login(world.bureau)
    assert detail_url(card) in client.get(reverse("evaluation:finalisation_queue")).content.decode()
    page = client.get(detail_url(card)).content.decode()
    assert url("scorecard_finalise", card) in page and "data-confirm" in page
    client.post(url("scorecard_finalise", card), {"comment": "验收合格"})
    card.refresh_from_db()
    assert card.status == ScorecardStatus.FINALISED
    assert card.total == Decimal("100.0") and card.passed and card.grade == "excellent"
    assert released.tranches.get(number=2).status == TrancheStatus.RELEASED
    page = client.get(detail_url(card)).content.decode()
    for text in ("100.0", card.get_grade_display(), "验收合格", "属实", "请确认", "孙督导", "王局"):
        assert text in page
    assert url("scorecard_reopen", card) in page
    funding = client.get(reverse("funding:pairing_funding", args=[active.pk])).content.decode()
    assert funding.count("badge-released") == 2


def test_the_tab_shows_the_years_side_by_side_with_the_change_per_area(client, world, active):
    first = to_inspected(world, services.scorecard_open(pairing=active, year=1))
    services.scorecard_finalise(actor=world.bureau, scorecard=first)
    second = services.scorecard_open(pairing=active, year=2)
    client.force_login(world.inspector)
    html = client.get(reverse("evaluation:pairing_evaluation", args=[active.pk])).content.decode()
    assert detail_url(first) in html and detail_url(second) in html
    for area in ("学校管理", "教育教学", "教师业务素质", "办学条件", "经费使用"):
        assert area in html
    # Year 2 has scored nothing by hand yet: its areas fell.
    assert "change-down" in html
    # What year 2 still needs, on the tab.
    assert manual(second)[0].indicator.name in html


def test_the_bureau_opens_a_year_once_its_window_has_begun(client, world, active, monkeypatch):
    tab = reverse("evaluation:pairing_evaluation", args=[active.pk])
    open_url = reverse("evaluation:scorecard_open", args=[active.pk])
    client.force_login(world.bureau)
    response = client.get(tab)
    assert open_url not in response.content.decode()  # the year's window opens 2027-08-01
    assert "empty-state" in response.content.decode()
    monkeypatch.setattr("twinning.calendar.today", lambda: dt.date(2027, 8, 5))
    assert open_url in client.get(tab).content.decode()
    # A coordinator reads the tab and may not open the year.
    client.force_login(world.coord_helping)
    assert open_url not in client.get(tab).content.decode()
    assert client.post(open_url, {"year": "1"}).status_code == 403
    assert not Scorecard.objects.exists()
    client.force_login(world.bureau)
    assert client.post(open_url, {"year": "x"}).status_code == 302
    assert not Scorecard.objects.exists()
    response = client.post(open_url, {"year": "1"})
    card = Scorecard.objects.get()
    assert response.url == detail_url(card) and card.year == 1
    assert open_url not in client.get(tab).content.decode()


def test_the_assisted_school_sends_it_back_saying_why(client, world, card):
    entries = {s.indicator_id: {"score": "1"} for s in manual(card)}
    services.scorecard_self_assess(actor=world.coord_helping, scorecard=card, entries=entries)
    services.scorecard_submit(actor=world.coord_helping, scorecard=card)
    client.force_login(world.coord_assisted)
    response = client.post(url("scorecard_return", card), {"comment": " "})
    assert response.status_code == 400
    assert 'id="id_return_comment"' in response.content.decode()
    assert status_of(card) == ScorecardStatus.CONFIRMING
    client.post(url("scorecard_return", card), {"comment": "佐证不足"})
    assert status_of(card) == ScorecardStatus.OPEN
    client.force_login(world.coord_helping)
    assert "佐证不足" in client.get(detail_url(card)).content.decode()


def test_the_bureau_reopens_a_finalised_scorecard_with_a_reason(client, world, card):
    to_inspected(world, card)
    services.scorecard_finalise(actor=world.bureau, scorecard=card)
    client.force_login(world.bureau2)
    response = client.post(url("scorecard_reopen", card), {"reason": ""})
    assert response.status_code == 400
    assert "data-confirm" in response.content.decode()
    assert status_of(card) == ScorecardStatus.FINALISED
    client.post(url("scorecard_reopen", card), {"reason": "督导复核"})
    assert status_of(card) == ScorecardStatus.SUBMITTED
    page = client.get(detail_url(card)).content.decode()
    assert "督导复核" in page
    # The last finalised result stands until it is finalised again.
    assert str(Scorecard.objects.get(pk=card.pk).total) in page


def test_a_tranche_released_on_a_result_since_changed_to_a_fail_says_so(
    client, world, active, card, released
):
    to_submitted(world, card)
    overrides = {s.indicator_id: {"override": str(s.indicator.max_points), "reason": "核实"}
                 for s in automatic(card)}  # fmt: skip
    services.scorecard_inspect(actor=world.inspector, scorecard=card, entries=overrides)
    to_inspected(world, card)
    services.scorecard_finalise(actor=world.bureau, scorecard=card)
    assert released.tranches.get(number=2).status == TrancheStatus.RELEASED
    services.scorecard_reopen(actor=world.bureau, scorecard=card, reason="发现问题")
    entries = {s.indicator_id: {"score": "0"} for s in manual(card)}
    services.scorecard_inspect(actor=world.inspector, scorecard=card, entries=entries)
    services.scorecard_finish_inspection(actor=world.inspector, scorecard=card)
    services.scorecard_finalise(actor=world.bureau, scorecard=card)
    assert released.tranches.get(number=2).flagged_at is not None
    client.force_login(world.coord_helping)
    html = client.get(reverse("funding:pairing_funding", args=[active.pk])).content.decode()
    assert "badge-flagged" in html


# --- bad input -----------------------------------------------------------------------------


def test_a_wrong_self_assessment_is_shown_at_each_field_and_nothing_is_saved(client, world, card):
    first, second, *_rest = manual(card)
    client.force_login(world.coord_helping)
    payload = self_assess_payload(card, points="1") | {
        f"score_{first.indicator_id}": str(first.indicator.max_points + 1),
        f"evidence_{second.indicator_id}": [SimpleUploadedFile("照片.jpg", b"MZ not a photo")],
    }
    response = client.post(url("scorecard_self_assess", card), payload)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_score_{first.indicator_id}_error_1"' in html
    assert f'id="id_evidence_{second.indicator_id}_error_1"' in html
    assert first.indicator.code in html
    # The other entries were right, and are not saved either; what was typed is kept.
    assert not IndicatorScore.objects.filter(scorecard=card, self_score__isnull=False).exists()
    assert not ScoreEvidence.objects.exists()
    assert 'value="已完成"' not in html and "已完成" in html  # the notes are kept in their boxes


def test_wrong_inspection_scores_are_shown_at_each_field_and_nothing_is_saved(client, world, card):
    to_submitted(world, card)
    first = manual(card)[0]
    auto = automatic(card)[0]
    client.force_login(world.inspector)
    payload = inspect_payload(card) | {
        f"score_{first.indicator_id}": "很好",
        f"reason_{auto.indicator_id}": "",
    }
    response = client.post(url("scorecard_inspect", card), payload)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_score_{first.indicator_id}_error_1"' in html
    assert f'id="id_reason_{auto.indicator_id}_error_1"' in html
    assert not IndicatorScore.objects.filter(scorecard=card, inspector__isnull=False).exists()


def test_submitting_with_indicators_left_unscored_names_them_and_changes_nothing(
    client, world, card
):
    first, *rest = manual(card)
    services.scorecard_self_assess(actor=world.coord_helping, scorecard=card,
                                   entries={first.indicator_id: {"score": "3"}})  # fmt: skip
    client.force_login(world.coord_helping)
    page = client.get(detail_url(card)).content.decode()
    assert all(f"#indicator-{s.indicator_id}" in page for s in rest)  # what is missing, linked
    response = client.post(url("scorecard_submit", card))
    assert response.status_code == 400
    html = response.content.decode()
    assert all(s.indicator.code in html for s in rest)
    assert status_of(card) == ScorecardStatus.OPEN


def test_a_step_that_is_not_the_users_says_why_and_changes_nothing(client, world, card):
    to_inspected(world, card)
    # A coordinator takes part in the scorecard: the reason, on the page.
    client.force_login(world.coord_helping)
    response = client.post(url("scorecard_finalise", card))
    assert response.status_code == 400
    assert "message-error" in response.content.decode()
    # The inspector who scored it may not finalise it.
    client.force_login(world.inspector)
    assert client.post(url("scorecard_finalise", card)).status_code in (400, 403)
    # The bureau of a member school's county reads it and takes no part: 403.
    county = assign(UserFactory(username="west_bureau"), Role.BUREAU, region=world.west)
    client.force_login(county)
    assert client.get(detail_url(card)).status_code == 200
    assert client.post(url("scorecard_finalise", card)).status_code == 403
    assert client.get(url("scorecard_inspect", card)).status_code == 403
    assert status_of(card) == ScorecardStatus.INSPECTED


def test_a_form_of_a_step_already_taken_sends_back_to_the_scorecard(client, world, card):
    to_submitted(world, card)
    client.force_login(world.coord_helping)
    response = client.get(url("scorecard_self_assess", card))
    assert response.status_code == 302 and response.url == detail_url(card)


def test_the_helping_school_removes_evidence_while_the_self_assessment_is_open(client, world, card):
    first = manual(card)[0]
    services.scorecard_self_assess(actor=world.coord_helping, scorecard=card, entries={},
                                   uploads={first.indicator_id: [photo()]})  # fmt: skip
    evidence = ScoreEvidence.objects.get()
    remove = reverse("evaluation:evidence_remove", args=[evidence.pk])
    client.force_login(world.coord_assisted)
    response = client.post(remove)  # refused: the reason as a message on the scorecard
    assert response.url == detail_url(card)
    assert ScoreEvidence.objects.exists()
    client.force_login(world.coord_helping)
    form = client.get(url("scorecard_self_assess", card)).content.decode()
    assert remove in form and 'form="remove-evidence-' in form
    assert client.post(remove).url == url("scorecard_self_assess", card)
    assert not ScoreEvidence.objects.exists()


# --- who sees what -------------------------------------------------------------------------


def every_page(world, card, evidence):
    """Every evaluation page and action, with the pairing's and the scorecard's ids."""
    pairing = card.pairing_id
    gets = [
        reverse("evaluation:pairing_evaluation", args=[pairing]),
        detail_url(card),
        url("scorecard_self_assess", card),
        url("scorecard_inspect", card),
        reverse("evaluation:evidence_download", args=[evidence.pk]),
        reverse("evaluation:evidence_thumbnail", args=[evidence.pk]),
    ]
    posts = [
        reverse("evaluation:scorecard_open", args=[pairing]),
        *(url(name, card) for name in ("scorecard_submit", "scorecard_confirm",
                                       "scorecard_return", "scorecard_finish_inspection",
                                       "scorecard_finalise", "scorecard_reopen",
                                       "scorecard_self_assess", "scorecard_inspect")),
        reverse("evaluation:evidence_remove", args=[evidence.pk]),
    ]  # fmt: skip
    lists = [
        reverse(f"evaluation:{name}")
        for name in ("scorecard_list", "scorecard_export_csv", "scorecard_export_xlsx",
                     "inspection_queue", "finalisation_queue")
    ]  # fmt: skip
    return gets, posts, lists


ANY_INPUT = {"year": "1", "comment": "x", "reason": "x"}


@pytest.fixture
def evidence(world, card):
    first = manual(card)[0]
    services.scorecard_self_assess(actor=world.coord_helping, scorecard=card, entries={},
                                   uploads={first.indicator_id: [photo()]})  # fmt: skip
    return ScoreEvidence.objects.get()


def test_a_teacher_finds_no_evaluation_page(client, world, card, evidence):
    gets, posts, lists = every_page(world, card, evidence)
    for persona in (world.mentor, world.mentee):
        client.force_login(persona)
        for path in gets + lists:
            assert client.get(path).status_code == 404, path
        for path in posts:
            assert (
                client.post(path, {"year": "1", "comment": "x", "reason": "x"}).status_code == 404
            )
        # No Evaluation tab on the pairing page, no menu entry.
        html = client.get(reverse("schools:pairing_detail", args=[card.pairing_id])).content
        assert reverse("evaluation:pairing_evaluation", args=[card.pairing_id]) not in html.decode()
        assert reverse("evaluation:scorecard_list") not in html.decode()
    assert ScoreEvidence.objects.count() == 1 and status_of(card) == ScorecardStatus.OPEN


def test_an_outsider_finds_nothing_of_another_city(client, world, card, evidence):
    gets, posts, lists = every_page(world, card, evidence)
    client.force_login(world.outsider)
    for path in gets:
        assert client.get(path).status_code == 404, path
    for path in posts:
        assert client.post(path, ANY_INPUT).status_code == 404, path
    for path in lists:
        response = client.get(path)
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response["Content-Type"] == XLSX_TYPE:
            sheet = openpyxl.load_workbook(io.BytesIO(body)).active
            assert sheet.max_row == 1  # the header only
        else:
            assert "江城" not in body.decode("utf-8-sig") and "西山" not in body.decode("utf-8-sig")
    assert ScoreEvidence.objects.count() == 1 and status_of(card) == ScorecardStatus.OPEN


def test_the_menu_and_the_tab_are_there_for_those_who_read_scorecards(client, world, card):
    for persona in (world.bureau, world.inspector, world.coord_helping, world.coord_assisted):
        client.force_login(persona)
        html = client.get(reverse("schools:pairing_detail", args=[card.pairing_id])).content
        assert reverse("evaluation:pairing_evaluation", args=[card.pairing_id]) in html.decode()
        assert reverse("evaluation:scorecard_list") in html.decode()


def test_the_dashboard_and_the_coordinators_home_say_what_waits(client, world, card):
    # The helping school's coordinator: the self-assessment to do.
    client.force_login(world.coord_helping)
    html = client.get(reverse("my_school")).content.decode()
    assert 'id="scorecards-due"' in html and detail_url(card) in html
    # The assisted school's, once it is submitted: its confirmation.
    client.force_login(world.coord_assisted)
    assert 'id="scorecards-due"' not in client.get(reverse("my_school")).content.decode()
    entries = {s.indicator_id: {"score": "1"} for s in manual(card)}
    services.scorecard_self_assess(actor=world.coord_helping, scorecard=card, entries=entries)
    services.scorecard_submit(actor=world.coord_helping, scorecard=card)
    assert detail_url(card) in client.get(reverse("my_school")).content.decode()
    # Nothing waits for the bureau or the inspector yet.
    for persona in (world.bureau, world.inspector):
        client.force_login(persona)
        assert 'id="evaluation-section"' not in client.get(reverse("dashboard")).content.decode()
    services.scorecard_confirm(actor=world.coord_assisted, scorecard=card)
    client.force_login(world.inspector)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'id="evaluation-section"' in html and reverse("evaluation:inspection_queue") in html
    entries = {s.indicator_id: {"score": "1"} for s in manual(card)}
    services.scorecard_inspect(actor=world.inspector, scorecard=card, entries=entries)
    services.scorecard_finish_inspection(actor=world.inspector, scorecard=card)
    client.force_login(world.bureau)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'id="evaluation-section"' in html and reverse("evaluation:finalisation_queue") in html


# --- the list, the queues and their downloads ---------------------------------------------------


def more_pairings(world, count: int) -> list:
    """``count`` more active pairings of the programme (signed 2026-09-01), each with its
    year 1 scorecard open."""
    cards = []
    for _n in range(count):
        pairing = school_services.pairing_create(
            actor=world.bureau, programme=world.programme,
            helping_school=SchoolFactory(region=world.east),
            assisted_schools=[SchoolFactory(region=world.west)],
        )  # fmt: skip
        school_services.pairing_propose(actor=world.bureau, pairing=pairing)
        school_services.pairing_approve(actor=world.bureau2, pairing=pairing)
        pairing = school_services.pairing_activate(
            actor=world.bureau, pairing=pairing, agreement_signed_on=dt.date(2026, 9, 1)
        )
        cards.append(services.scorecard_open(pairing=pairing, year=1))
    return cards


@pytest.mark.parametrize(
    ("persona", "name", "status", "expected"),
    [
        # 1 user, 2 role assignments, 3 region subtree; 4 count, 5 the page of scorecards
        # (the pairing's helping school, programme and region joined), 6 their pairings'
        # members with schools, 7 unread count, 8 the programmes of the filter's
        # drop-down (drawn as the form is).
        ("bureau", "scorecard_list", ScorecardStatus.OPEN, 8),
        # 1 user, 2 role assignments (a coordinator: no region subtree); 3 count, 4 the
        # page, 5 the members, 6 unread count, 7 the programmes.
        ("coord_helping", "scorecard_list", ScorecardStatus.OPEN, 7),
        # 1 user, 2 role assignments, 3 region subtree; 4 count, 5 the page, 6 the members,
        # 7 unread count.
        ("inspector", "inspection_queue", ScorecardStatus.SUBMITTED, 7),
        ("bureau", "finalisation_queue", ScorecardStatus.INSPECTED, 7),
    ],
)
def test_the_list_and_the_queues_run_a_fixed_number_of_queries(
    client, world, card, persona, name, status, expected, django_assert_num_queries
):
    Scorecard.objects.update(status=status)
    client.force_login(getattr(world, persona))
    path = reverse(f"evaluation:{name}")
    with django_assert_num_queries(expected):
        assert client.get(path).status_code == 200
    more = more_pairings(world, 3)
    Scorecard.objects.update(status=status)
    with django_assert_num_queries(expected):
        html = client.get(path).content.decode()
    if persona != "coord_helping":  # the new pairings are not the coordinator's
        assert all(detail_url(c) in html for c in [card, *more])


def test_the_list_filters_by_programme_step_year_and_school(client, world, card):
    other = more_pairings(world, 1)[0]
    to_submitted(world, card)
    client.force_login(world.bureau)
    path = reverse("evaluation:scorecard_list")

    def listed(query) -> set[int]:
        response = client.get(path, query)
        assert response.status_code == 200
        return {c.pk for c in response.context["cards"]}

    assert listed({}) == {card.pk, other.pk}
    assert listed({"status": "submitted"}) == {card.pk}
    assert listed({"q": world.assisted.code}) == {card.pk}
    assert listed({"q": "山村"}) == {card.pk}
    assert listed({"programme": world.programme.pk, "year": "1"}) == {card.pk, other.pk}
    assert listed({"year": "2"}) == set()
    # A filter that does not validate shows its error and nothing else.
    response = client.get(path, {"status": "nonsense"})
    assert response.status_code == 200 and not response.context["cards"]
    assert "empty-state" in response.content.decode()


def test_the_list_downloads_as_csv_and_excel_with_the_filter(client, world, card):
    other = more_pairings(world, 1)[0]
    to_inspected(world, card)
    services.scorecard_finalise(actor=world.bureau, scorecard=card)
    client.force_login(world.bureau)
    response = client.get(reverse("evaluation:scorecard_export_csv"))
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 3  # the header and two scorecards
    assert "江城实验小学" in text and str(Scorecard.objects.get(pk=card.pk).total) in text
    response = client.get(reverse("evaluation:scorecard_export_xlsx"), {"status": "finalised"})
    assert response["Content-Type"] == XLSX_TYPE
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert len(rows) == 2
    total = Scorecard.objects.get(pk=card.pk).total
    assert rows[1][0] == card.pk and rows[1][11] == total and other.pk not in [r[0] for r in rows]
