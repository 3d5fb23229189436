"""The pairing pages: list, export, create, detail, edit, lifecycle and the plan forms."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools import services
from schools.models import (
    ContactPerson,
    Goal,
    LeadingGroupMember,
    NeedsAssessment,
    Pairing,
    PairingStatus,
    ProgressUpdate,
)

from .factories import ProgrammeFactory, SchoolFactory


@pytest.fixture(autouse=True)
def _english(client):
    # Assertions read the English messages; Chinese is covered by test_translations.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def url(name, *args):
    return reverse(f"schools:{name}", args=args)


def text(response) -> str:
    return response.content.decode()


def furnish(world, pairing):
    """A goal with a task and a progress update, a needs assessment, a leading group
    member and a contact person, all through the services."""
    goal = services.goal_create(
        actor=world.coord_helping, pairing=pairing, school=world.assisted, title="培养市级骨干教师",
        target_value=Decimal("2"), unit="名", period_kind="year", school_year=2026,
    )  # fmt: skip
    task = services.goal_create(
        actor=world.coord_helping, pairing=pairing, school=world.assisted, title="第一学期送教",
        target_value=Decimal("4"), unit="次", period_kind="term", school_year=2026,
        period_number=1, parent=goal,
    )  # fmt: skip
    services.goal_report_progress(actor=world.coord_helping, goal=goal, value=Decimal("1"))
    services.needs_assessment_save(
        actor=world.coord_assisted, pairing=pairing, school=world.assisted,
        dimension="staffing", rating=2, findings="青年教师多",
    )  # fmt: skip
    member = services.leading_group_member_add(
        actor=world.coord_helping, pairing=pairing, school=world.helping, name="周校长",
        position="leader",
    )  # fmt: skip
    contact = services.contact_add(
        actor=world.coord_helping, pairing=pairing, school=world.assisted, name="吴老师",
        phone="13800000000",
    )  # fmt: skip
    return {"goal": goal, "task": task, "member": member, "contact": contact}


def snapshot(pairing_id):
    """Everything a mutation could change, to prove that a refused one changed nothing."""
    pairing = Pairing.objects.get(pk=pairing_id)
    return {
        "status": pairing.status,
        "details": (
            pairing.goals_summary,
            pairing.agreement_signed_on,
            pairing.agreement_file.name,
        ),
        "members": sorted(pairing.members.values_list("school_id", "role", "is_live")),
        "transitions": pairing.transitions.count(),
        "goals": sorted(Goal.objects.filter(pairing=pairing).values_list("id", "current_value")),
        "updates": ProgressUpdate.objects.filter(goal__pairing=pairing).count(),
        "needs": sorted(
            NeedsAssessment.objects.filter(pairing=pairing).values_list("id", "rating")
        ),
        "leading_group": LeadingGroupMember.objects.filter(pairing=pairing).count(),
        "contacts": ContactPerson.objects.filter(pairing=pairing).count(),
    }


# --- creating and moving through the lifecycle ---------------------------------------


def test_coordinator_creates_and_proposes_a_pairing_through_the_pages(client, world):
    client.force_login(world.coord_helping)
    step_one = client.get(url("pairing_create"))
    assert world.programme.name in text(step_one)
    assert world.far_programme.name not in text(step_one)

    step_two = client.get(url("pairing_create"), {"programme": world.programme.pk})
    assert step_two.status_code == 200
    assert world.assisted.name in text(step_two)

    response = client.post(
        url("pairing_create"),
        {
            "programme": world.programme.pk,
            "helping_school": world.helping.pk,
            "assisted_schools": world.assisted.pk,
            "goals_summary": "三年内帮助山村小学形成校本课程",
            "propose_now": "on",
        },
    )
    pairing = Pairing.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("pairing_detail", pairing.pk)
    assert pairing.status == PairingStatus.PROPOSED
    assert pairing.proposed_by == world.coord_helping
    assert pairing.goals_summary == "三年内帮助山村小学形成校本课程"
    page = client.get(response["Location"])
    assert "三年内帮助山村小学形成校本课程" in text(page)


def test_a_draft_is_saved_without_proposing_and_proposed_later(client, world):
    client.force_login(world.coord_assisted)
    client.post(
        url("pairing_create"),
        {
            "programme": world.programme.pk,
            "helping_school": world.helping.pk,
            "assisted_schools": world.assisted.pk,
        },
    )
    pairing = Pairing.objects.get()
    assert pairing.status == PairingStatus.DRAFT
    client.post(url("pairing_transition", pairing.pk, "propose"), {"comment": "请审批"})
    pairing.refresh_from_db()
    assert pairing.status == PairingStatus.PROPOSED
    assert pairing.transitions.last().comment == "请审批"


def test_one_to_many_programme_offers_several_assisted_schools(client, world):
    programme = ProgrammeFactory(
        name="一帮多项目", region=world.city, pairing_kind="one_to_many", max_assisted_schools=3
    )
    client.force_login(world.bureau)
    form = client.get(url("pairing_create"), {"programme": programme.pk})
    assert 'name="assisted_schools"' in text(form) and "multiple" in text(form)
    client.post(
        url("pairing_create"),
        {
            "programme": programme.pk,
            "helping_school": world.helping.pk,
            "assisted_schools": [world.assisted.pk, world.spare.pk],
        },
    )
    pairing = Pairing.objects.get()
    assert {m.school_id for m in pairing.members.all()} == {
        world.helping.pk,
        world.assisted.pk,
        world.spare.pk,
    }


def test_bureau_approves_and_coordinator_activates(client, world, proposed):
    client.force_login(world.bureau)
    page = client.get(url("pairing_detail", proposed.pk))
    assert url("pairing_transition", proposed.pk, "approve") in text(page)
    client.post(url("pairing_transition", proposed.pk, "approve"), {"comment": "同意"})
    proposed.refresh_from_db()
    assert proposed.status == PairingStatus.APPROVED

    client.force_login(world.coord_helping)
    page = client.get(url("pairing_detail", proposed.pk))
    assert 'name="agreement_signed_on"' in text(page)
    refused = client.post(url("pairing_transition", proposed.pk, "activate"), follow=True)
    assert "Agreement signed on: Enter the date the agreement was signed." in text(refused)
    proposed.refresh_from_db()
    assert proposed.status == PairingStatus.APPROVED

    client.post(
        url("pairing_transition", proposed.pk, "activate"), {"agreement_signed_on": "2026-09-01"}
    )
    proposed.refresh_from_db()
    assert proposed.status == PairingStatus.ACTIVE
    assert proposed.agreement_signed_on == dt.date(2026, 9, 1)


def test_reject_without_comment_shows_the_error_and_leaves_it_proposed(client, world, proposed):
    client.force_login(world.bureau)
    response = client.post(
        url("pairing_transition", proposed.pk, "reject"), {"comment": "  "}, follow=True
    )
    assert "Comment: Say why the proposal is rejected." in text(response)
    proposed.refresh_from_db()
    assert proposed.status == PairingStatus.PROPOSED

    client.post(url("pairing_transition", proposed.pk, "reject"), {"comment": "学校不在同一学段"})
    proposed.refresh_from_db()
    assert proposed.status == PairingStatus.REJECTED
    assert proposed.transitions.last().comment == "学校不在同一学段"


def test_terminate_needs_a_reason_and_asks_for_confirmation(client, world, active):
    client.force_login(world.bureau)
    page = text(client.get(url("pairing_detail", active.pk)))
    terminate_form = page[page.index(url("pairing_transition", active.pk, "terminate")) - 200 :]
    assert "data-confirm=" in terminate_form[:600]

    response = client.post(
        url("pairing_transition", active.pk, "terminate"), {"reason": ""}, follow=True
    )
    assert "Reason: Give the reason for terminating the pairing." in text(response)
    active.refresh_from_db()
    assert active.status == PairingStatus.ACTIVE

    client.post(url("pairing_transition", active.pk, "terminate"), {"reason": "学校撤并"})
    active.refresh_from_db()
    assert active.status == PairingStatus.TERMINATED
    assert active.transitions.last().comment == "学校撤并"


def test_conclude_closes_the_pairing_and_hides_the_edit_forms(client, world, active):
    client.force_login(world.bureau)
    client.post(url("pairing_transition", active.pk, "conclude"))
    active.refresh_from_db()
    assert active.status == PairingStatus.CONCLUDED
    client.force_login(world.coord_helping)
    page = text(client.get(url("pairing_detail", active.pk)))
    assert url("goal_create", active.pk) not in page
    assert url("pairing_edit", active.pk) not in page


def test_the_proposer_sees_no_approve_button_and_a_forced_post_is_explained(client, world, draft):
    client.force_login(world.bureau)
    client.post(url("pairing_transition", draft.pk, "propose"))
    draft.refresh_from_db()
    assert draft.status == PairingStatus.PROPOSED

    page = text(client.get(url("pairing_detail", draft.pk)))
    assert url("pairing_transition", draft.pk, "approve") not in page
    assert url("pairing_transition", draft.pk, "reject") not in page
    for action, data in (("approve", {}), ("reject", {"comment": "x"})):
        response = client.post(url("pairing_transition", draft.pk, action), data, follow=True)
        assert response.status_code == 200
        assert "Whoever proposed a pairing cannot approve or reject it." in text(response)
    draft.refresh_from_db()
    assert draft.status == PairingStatus.PROPOSED

    client.force_login(world.bureau2)
    assert url("pairing_transition", draft.pk, "approve") in text(
        client.get(url("pairing_detail", draft.pk))
    )


def test_coordinator_cannot_approve_a_proposal(client, world, proposed):
    client.force_login(world.coord_assisted)
    page = text(client.get(url("pairing_detail", proposed.pk)))
    assert url("pairing_transition", proposed.pk, "approve") not in page
    response = client.post(url("pairing_transition", proposed.pk, "approve"), follow=True)
    assert "Only bureau staff of the programme&#x27;s region approve or reject pairings." in text(
        response
    )
    proposed.refresh_from_db()
    assert proposed.status == PairingStatus.PROPOSED


def test_a_read_only_user_forcing_a_transition_gets_a_translated_403_page(client, world, proposed):
    client.force_login(world.inspector)
    response = client.post(url("pairing_transition", proposed.pk, "approve"))
    assert response.status_code == 403
    assert "Not allowed" in text(response)
    assert "Back to the home page" in text(response)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    response = client.post(url("pairing_transition", proposed.pk, "approve"))
    assert response.status_code == 403
    assert "无权操作" in text(response)
    proposed.refresh_from_db()
    assert proposed.status == PairingStatus.PROPOSED


def test_a_transition_that_does_not_fit_the_status_is_refused_with_a_message(client, world, draft):
    client.force_login(world.coord_helping)
    response = client.post(
        url("pairing_transition", draft.pk, "activate"),
        {"agreement_signed_on": "2026-09-01"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Status: A pairing that is Draft cannot be moved this way." in text(response)
    draft.refresh_from_db()
    assert draft.status == PairingStatus.DRAFT


def test_an_unknown_action_is_404(client, world, draft):
    client.force_login(world.bureau)
    assert client.post(f"/pairings/{draft.pk}/explode/").status_code == 404


# --- clear errors on bad input -------------------------------------------------------


def test_self_pairing_shows_a_clear_error_and_creates_nothing(client, world):
    client.force_login(world.coord_helping)
    response = client.post(
        url("pairing_create"),
        {
            "programme": world.programme.pk,
            "helping_school": world.helping.pk,
            "assisted_schools": world.helping.pk,
            "propose_now": "on",
        },
    )
    assert response.status_code == 200
    assert "A school cannot be paired with itself." in text(response)
    assert response.context["form"].errors["assisted_schools"]
    assert not Pairing.objects.exists()


def test_a_school_already_in_a_live_pairing_shows_a_clear_error(client, world, proposed):
    client.force_login(world.bureau)
    response = client.post(
        url("pairing_create"),
        {
            "programme": world.programme.pk,
            "helping_school": world.spare.pk,
            "assisted_schools": world.assisted.pk,
            "propose_now": "on",
        },
    )
    assert response.status_code == 200
    assert "already take(s) part in a proposed, approved or active pairing" in text(response)
    assert world.assisted.name in str(response.context["form"].errors["assisted_schools"])
    # The refused proposal left no draft behind either.
    assert list(Pairing.objects.all()) == [proposed]

    # A draft with the same school saves, but proposing it says why it cannot.
    other = services.pairing_create(
        actor=world.bureau,
        programme=world.programme,
        helping_school=world.spare,
        assisted_schools=[world.assisted],
    )
    response = client.post(url("pairing_transition", other.pk, "propose"), follow=True)
    assert "Assisted schools: 西山山村小学 already take(s) part" in text(response)
    other.refresh_from_db()
    assert other.status == PairingStatus.DRAFT


def test_a_coordinator_must_include_their_own_school(client, world):
    client.force_login(world.coord_helping)
    response = client.post(
        url("pairing_create"),
        {
            "programme": world.programme.pk,
            "helping_school": world.spare.pk,
            "assisted_schools": world.assisted.pk,
        },
    )
    assert "Your own school must be one of the schools of the pairing." in text(response)
    assert not Pairing.objects.exists()


def test_inline_form_errors_name_the_field_and_change_nothing(client, world, active):
    client.force_login(world.coord_helping)
    before = snapshot(active.pk)
    response = client.post(
        url("goal_create", active.pk),
        {
            "school": world.assisted.pk,
            "title": "开设校本课程",
            "target_value": "3",
            "unit": "门",
            "period_kind": "quarter",
            "school_year": "2026",
            "period_number": "7",
        },
        follow=True,
    )
    assert "Term, quarter or month: Choose a term 1–2, quarter 1–4 or month 1–12" in text(response)
    response = client.post(
        url("needs_save", active.pk),
        {"school": world.far_school.pk, "dimension": "staffing", "rating": "3"},
        follow=True,
    )
    assert "School: Select a valid choice." in text(response)
    response = client.post(
        url("contact_add", active.pk),
        {"school": world.assisted.pk, "name": "", "email": "not-an-email"},
        follow=True,
    )
    assert "Name: This field is required." in text(response)
    assert "Email: Enter a valid email address." in text(response)
    assert snapshot(active.pk) == before


# --- the plan, needs, leading group and contacts ---------------------------------------


def test_coordinator_keeps_the_plan_needs_and_people_through_the_page(client, world, active):
    client.force_login(world.coord_helping)
    client.post(
        url("goal_create", active.pk),
        {
            "school": world.assisted.pk,
            "title": "培养市级骨干教师",
            "target_value": "2",
            "unit": "名",
            "period_kind": "year",
            "school_year": "2026",
            "dimension": "staffing",
        },
    )
    goal = Goal.objects.get()
    client.post(
        url("goal_create", active.pk),
        {
            "school": world.assisted.pk,
            "parent": goal.pk,
            "title": "第一学期示范课",
            "target_value": "4",
            "unit": "节",
            "period_kind": "term",
            "school_year": "2026",
            "period_number": "1",
        },
    )
    task = Goal.objects.get(parent=goal)
    client.post(url("goal_progress", goal.pk), {"value": "1", "note": "一名教师获评"})
    client.post(
        url("needs_save", active.pk),
        {
            "school": world.assisted.pk,
            "dimension": "curriculum",
            "rating": "2",
            "findings": "缺少校本课程",
        },
    )
    client.post(
        url("leading_group_add", active.pk),
        {"school": world.helping.pk, "name": "周校长", "title": "校长", "position": "leader"},
    )
    client.post(
        url("contact_add", active.pk),
        {"school": world.assisted.pk, "name": "吴老师", "phone": "13800000000"},
    )

    overview = text(client.get(url("pairing_detail", active.pk)))
    for expected in ("周校长", "吴老师"):
        assert expected in overview
    page = text(client.get(url("pairing_plan", active.pk)))
    for expected in ("培养市级骨干教师", "第一学期示范课", "一名教师获评", "缺少校本课程"):
        assert expected in page
    assert "周校长" not in page  # each tab shows its own part
    assert 'value="50"' in page  # the progress bar: 1 of 2
    assert "School year 2026–2027" in page
    assert "Term 1" in page
    goal.refresh_from_db()
    assert goal.current_value == Decimal("1")
    assert task.parent_id == goal.pk

    client.post(url("leading_group_remove", LeadingGroupMember.objects.get().pk))
    client.post(url("contact_remove", ContactPerson.objects.get().pk))
    client.post(url("goal_delete", goal.pk))
    assert not LeadingGroupMember.objects.exists()
    assert not ContactPerson.objects.exists()
    assert not Goal.objects.exists()


def test_saving_a_needs_assessment_again_replaces_it(client, world, active):
    client.force_login(world.coord_assisted)
    data = {"school": world.assisted.pk, "dimension": "facilities", "rating": "1"}
    client.post(url("needs_save", active.pk), data)
    client.post(url("needs_save", active.pk), {**data, "rating": "3", "findings": "已改善"})
    assessment = NeedsAssessment.objects.get()
    assert (assessment.rating, assessment.findings) == (3, "已改善")


# --- edit and the agreement file --------------------------------------------------------


def test_coordinator_edits_details_and_uploads_the_agreement(client, world, proposed):
    client.force_login(world.coord_helping)
    response = client.post(
        url("pairing_edit", proposed.pk),
        {
            "agreement_start": "2026-09-01",
            "agreement_end": "2029-08-31",
            "goals_summary": "新的目标",
            "agreement_file": SimpleUploadedFile("协议.pdf", b"%PDF-1.4 agreement"),
        },
    )
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.goals_summary == "新的目标"
    assert proposed.agreement_end == dt.date(2029, 8, 31)
    assert proposed.agreement_file.name.endswith(".pdf")
    # Schools only change while a draft: the form does not offer them any more.
    assert 'name="helping_school"' not in text(client.get(url("pairing_edit", proposed.pk)))


def test_the_schools_of_a_draft_can_be_changed(client, world, draft):
    client.force_login(world.coord_helping)
    page = client.get(url("pairing_edit", draft.pk))
    assert 'name="assisted_schools"' in text(page)
    client.post(
        url("pairing_edit", draft.pk),
        {"helping_school": world.helping.pk, "assisted_schools": world.spare.pk},
    )
    assert {m.school_id for m in draft.members.all()} == {world.helping.pk, world.spare.pk}


def test_edit_refuses_bad_agreement_files_and_dates_and_changes_nothing(
    client, world, proposed, settings
):
    settings.MAX_ATTACHMENT_BYTES = 1024
    client.force_login(world.coord_helping)
    before = snapshot(proposed.pk)
    wrong_type = client.post(
        url("pairing_edit", proposed.pk),
        {"goals_summary": "x", "agreement_file": SimpleUploadedFile("virus.exe", b"MZ")},
    )
    assert "is not a PDF, Word (doc, docx), JPG or PNG file" in text(wrong_type)
    assert wrong_type.context["form"].errors["agreement_file"]
    too_big = client.post(
        url("pairing_edit", proposed.pk),
        {"goals_summary": "x", "agreement_file": SimpleUploadedFile("big.pdf", b"0" * 2048)},
    )
    assert "the largest allowed is 1.0\xa0KB" in text(too_big)
    backwards = client.post(
        url("pairing_edit", proposed.pk),
        {"goals_summary": "x", "agreement_start": "2027-01-01", "agreement_end": "2026-01-01"},
    )
    assert backwards.status_code == 200
    assert backwards.context["form"].errors
    assert snapshot(proposed.pk) == before


def test_agreement_download_obeys_scope(client, world, active):
    services.pairing_update(
        actor=world.coord_helping,
        pairing=active,
        agreement_file=SimpleUploadedFile("agreement.pdf", b"%PDF-1.4 signed"),
    )
    for user in (world.coord_assisted, world.inspector, world.mentee, world.bureau):
        client.force_login(user)
        response = client.get(url("pairing_agreement", active.pk))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content) == b"%PDF-1.4 signed"
    client.force_login(world.outsider)
    assert client.get(url("pairing_agreement", active.pk)).status_code == 404


def test_an_agreement_is_stored_and_served_as_what_it_is_not_by_its_name(client, world, active):
    services.pairing_update(
        actor=world.coord_helping, pairing=active,
        agreement_file=SimpleUploadedFile("协议.html", b"%PDF-1.4 signed"),
    )  # fmt: skip
    active.refresh_from_db()
    assert active.agreement_file.name.endswith(".pdf") and "协议" not in active.agreement_file.name
    client.force_login(world.bureau)
    response = client.get(url("pairing_agreement", active.pk))
    assert response["Content-Type"] == "application/pdf"
    assert f"-{active.pk}.pdf" in response["Content-Disposition"]
    assert ".html" not in response["Content-Disposition"]


def test_agreement_download_is_404_without_a_file(client, world, active):
    client.force_login(world.bureau)
    assert client.get(url("pairing_agreement", active.pk)).status_code == 404


# --- scope: the outsider and the read-only roles ------------------------------------------


def _mutations(world, pairing, objects):
    """Every POST route of a pairing, with valid data."""
    school = pairing.helping_school_id
    goal = {
        "school": school, "title": "目标", "target_value": "1", "unit": "个",
        "period_kind": "year", "school_year": "2026",
    }  # fmt: skip
    transition = lambda action: url("pairing_transition", pairing.pk, action)  # noqa: E731
    return [
        (url("pairing_create"), {"programme": pairing.programme_id, "helping_school": school,
                                 "assisted_schools": world.spare.pk}),
        (url("pairing_edit", pairing.pk), {"goals_summary": "改了"}),
        (transition("propose"), {}),
        (transition("approve"), {}),
        (transition("reject"), {"comment": "不同意"}),
        (transition("activate"), {"agreement_signed_on": "2026-09-01"}),
        (transition("conclude"), {}),
        (transition("terminate"), {"reason": "撤并"}),
        (url("needs_save", pairing.pk), {"school": school, "dimension": "planning", "rating": "3"}),
        (url("goal_create", pairing.pk), goal),
        (url("goal_progress", objects["goal"].pk), {"value": "2"}),
        (url("goal_delete", objects["task"].pk), {}),
        (url("leading_group_add", pairing.pk), {"school": school, "name": "某人",
                                                "position": "member"}),
        (url("leading_group_remove", objects["member"].pk), {}),
        (url("contact_add", pairing.pk), {"school": school, "name": "某人"}),
        (url("contact_remove", objects["contact"].pk), {}),
    ]  # fmt: skip


def test_outsider_gets_404_on_every_pairing_route(client, world, active):
    objects = furnish(world, active)
    services.pairing_update(
        actor=world.bureau,
        pairing=active,
        agreement_file=SimpleUploadedFile("agreement.pdf", b"%PDF-1.4"),
    )
    before = snapshot(active.pk)
    client.force_login(world.outsider)
    for page in (
        url("pairing_detail", active.pk),
        url("pairing_edit", active.pk),
        url("pairing_agreement", active.pk),
    ):
        assert client.get(page).status_code == 404, page
    for route, data in _mutations(world, active, objects)[1:]:
        assert client.post(route, data).status_code == 404, route
    assert snapshot(active.pk) == before


def test_outsider_does_not_see_the_pairing_in_the_list_search_or_csv(
    client, world, active, far_pairing
):
    client.force_login(world.outsider)
    for params in ({}, {"q": "江城"}, {"q": "3451000001"}, {"programme": world.programme.pk}):
        listing = text(client.get(url("pairing_list"), params))
        assert "江城实验小学" not in listing
        export = b"".join(client.get(url("pairing_export"), params).streaming_content).decode()
        assert "江城实验小学" not in export
    assert "远方小学" in text(client.get(url("pairing_list")))
    assert "远方小学" in b"".join(client.get(url("pairing_export")).streaming_content).decode()


@pytest.mark.parametrize("persona", ["inspector", "mentor", "mentee"])
def test_read_only_roles_get_403_on_every_mutation_and_nothing_changes(
    client, world, active, persona
):
    objects = furnish(world, active)
    before = snapshot(active.pk)
    pairings_before = Pairing.objects.count()
    client.force_login(getattr(world, persona))
    assert client.get(url("pairing_detail", active.pk)).status_code == 200
    assert client.get(url("pairing_edit", active.pk)).status_code == 403
    new_form = client.get(url("pairing_create"), {"programme": world.programme.pk})
    assert new_form.status_code == 403
    for route, data in _mutations(world, active, objects):
        assert client.post(route, data).status_code == 403, route
    assert snapshot(active.pk) == before
    assert Pairing.objects.count() == pairings_before


def test_read_only_roles_see_no_edit_forms(client, world, active):
    furnish(world, active)
    client.force_login(world.inspector)
    page = "".join(
        text(client.get(url(tab, active.pk)))
        for tab in ("pairing_detail", "pairing_plan", "pairing_history")
    )
    assert "培养市级骨干教师" in page
    for route in ("goal_create", "needs_save", "contact_add", "leading_group_add", "pairing_edit"):
        assert url(route, active.pk) not in page
    assert "/terminate/" not in page


def test_pages_need_a_login_and_mutations_need_post(client, world, draft):
    assert client.get(url("pairing_list")).status_code == 302
    assert client.get(url("pairing_detail", draft.pk)).status_code == 302
    client.force_login(world.bureau)
    assert client.get(url("pairing_transition", draft.pk, "propose")).status_code == 405
    assert client.get(url("goal_create", draft.pk)).status_code == 405


# --- the list: filters, search, pagination, CSV ---------------------------------------------


def _pairings(world, count):
    """``count`` draft pairings of the programme, each with two new schools."""
    made = []
    for i in range(count):
        helping = SchoolFactory(name=f"城区{i}号小学", region=world.east)
        assisted = SchoolFactory(name=f"乡村{i}号小学", region=world.west)
        made.append(
            services.pairing_create(
                actor=world.bureau,
                programme=world.programme,
                helping_school=helping,
                assisted_schools=[assisted],
            )
        )
    return made


def test_list_shows_rows_with_a_status_badge_and_filters(client, world, active, far_pairing):
    client.force_login(world.bureau)
    listing = text(client.get(url("pairing_list")))
    assert "江城实验小学 → 西山山村小学" in listing
    assert 'class="badge status-active' in listing
    assert "远方小学" not in listing
    assert "table-scroll" in listing

    def titles(**params):
        response = client.get(url("pairing_list"), params)
        return [row["id"] for row in response.context["pairings"]]

    other = _pairings(world, 1)[0]
    assert titles(q="山村") == [active.pk]
    assert titles(q="3451000002") == [active.pk]
    assert titles(status="draft") == [other.pk]
    assert titles(programme=world.programme.pk) == [other.pk, active.pk]
    assert titles(region=world.west.pk) == [other.pk, active.pk]
    # The region box takes a division code: the region and everything below it.
    assert titles(region_code=world.west.code) == [other.pk, active.pk]
    assert titles(region_code=world.city.code) == [other.pk, active.pk]
    assert 'data-suggest="/api/regions/"' in listing
    # A code outside the user's scope is refused exactly like one that does not exist.
    for code in (world.far_county.code, "999999"):
        response = client.get(url("pairing_list"), {"region_code": code})
        assert list(response.context["pairings"]) == []
        assert "No region with this division code in your scope." in text(response)
    assert titles(school=world.assisted.pk) == [active.pk]  # links from a school's page
    assert titles(school_code=world.assisted.code) == [active.pk]
    # A malformed code is named on the page and shows nothing rather than everything.
    response = client.get(url("pairing_list"), {"school_code": "12ab"})
    assert list(response.context["pairings"]) == []
    assert "A school code (学校标识码) is exactly 10 digits." in text(response)
    assert 'data-suggest="/api/schools/"' in listing
    assert titles(q="没有这所学校") == []
    assert "No pairing matches these filters." in text(
        client.get(url("pairing_list"), {"q": "没有这所学校"})
    )


def test_list_has_an_empty_state(client, world):
    client.force_login(world.coord_helping)
    assert "There are no pairings to show yet." in text(client.get(url("pairing_list")))


def test_list_is_paginated_by_25(client, world):
    _pairings(world, 26)
    client.force_login(world.bureau)
    first = client.get(url("pairing_list"))
    assert len(first.context["pairings"]) == 25
    second = client.get(url("pairing_list"), {"page": 2})
    assert len(second.context["pairings"]) == 1


def test_csv_export_has_a_bom_and_the_filtered_rows(client, world, active):
    _pairings(world, 2)
    client.force_login(world.inspector)
    response = client.get(url("pairing_export"), {"status": "active"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    # The columns of the pairing import (schools/resources.py), so the file loads again.
    assert rows[0][:5] == ["项目名称", "帮扶学校标识码", "帮扶学校名称", "受援学校标识码",
                           "受援学校名称"]  # fmt: skip
    assert len(rows) == 2
    assert rows[1][:5] == ["江城市城乡学校结对帮扶", "3451000001", "江城实验小学", "3451000002",
                           "西山山村小学"]  # fmt: skip
    assert rows[1][5] == "2026-09-01"  # signed on
    assert rows[1][-1] == "Active"


def test_the_excel_download_is_the_same_filtered_list(client, world, active):
    import openpyxl

    _pairings(world, 2)
    client.force_login(world.inspector)
    response = client.get(reverse("schools:pairing_export", kwargs={"fmt": "xlsx"}),
                          {"status": "active"})  # fmt: skip
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "项目名称" and len(rows) == 2
    assert rows[1][1] == "3451000001" and rows[1][3] == "3451000002"


# --- query counts -----------------------------------------------------------------------------


def _count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_list_page_runs_a_constant_number_of_queries(client, world, django_assert_num_queries):
    _pairings(world, 2)
    client.force_login(world.bureau)
    few = _count_queries(client, url("pairing_list"))
    _pairings(world, 10)
    # (The session comes from the cache.) user, role assignments, bureau region subtree,
    # page count, page rows, the names of their member schools, unread notifications,
    # programme choices. The region and school boxes load no choices.
    with django_assert_num_queries(8):
        client.get(url("pairing_list"))
    assert few == 8


# (The session comes from the cache.) Every tab: user, role assignments, unread
# notifications, the pairing, its members (with schools); then its own:
TAB_QUERIES = {
    "pairing_detail": 5 + 3,  # leading group, contacts, member schools the user may open
    "pairing_plan": 5 + 3,  # needs, goals, their updates (with reporters)
    "pairing_history": 5 + 1,  # transitions (with actors)
}


@pytest.mark.parametrize("tab", list(TAB_QUERIES))
def test_each_tab_of_the_pairing_page_runs_a_constant_number_of_queries(
    client, world, active, django_assert_num_queries, tab
):
    furnish(world, active)
    client.force_login(world.coord_helping)
    few = _count_queries(client, url(tab, active.pk))
    objects = furnish(world, active)
    for value in (Decimal("1.5"), Decimal("2")):
        services.goal_report_progress(actor=world.coord_helping, goal=objects["task"], value=value)
    services.pairing_conclude(actor=world.bureau, pairing=active, comment="期满")
    with django_assert_num_queries(TAB_QUERIES[tab]):
        client.get(url(tab, active.pk))
    assert few == TAB_QUERIES[tab]


def test_the_pairing_page_is_a_hub_of_tabs_each_its_own_url(client, world, active):
    client.force_login(world.coord_helping)
    for tab, section in (
        ("pairing_detail", "leading-group"),
        ("pairing_plan", "plan"),
        ("pairing_history", "history"),
    ):
        page = text(client.get(url(tab, active.pk)))
        assert f'id="{section}"' in page
        nav = page.split('<nav class="tabs"', 1)[1].split("</nav>", 1)[0]
        # overview, needs and plan, mentorships, exchanges, resources, funding, evaluation,
        # history
        assert nav.count("<a ") == 8
        assert "/mentorships/" in nav and "/exchanges/" in nav and "/resources/" in nav
        assert "/funding/" in nav and "/evaluation/" in nav
        assert f'href="{url(tab, active.pk)}" aria-current="page"' in nav
    # The forms of the plan tab bring the user back to it.
    response = client.post(
        url("needs_save", active.pk),
        {"school": world.assisted.pk, "dimension": "curriculum", "rating": "2"},
    )
    assert response["Location"] == url("pairing_plan", active.pk) + "#needs"
