"""Pages of the yearly evaluation: the pairing's Evaluation tab, each scorecard with its
workflow (self-assessment, confirmation, inspection, finalisation, reopening), the
evidence files, the queues of the inspectors and of the bureau, and the list of
scorecards with its downloads. The templates and rankings are in template_urls.py.

Thin by design: reads through :mod:`evaluation.selectors` (404 outside the scope, and
for teachers, who read no evaluation), writes through :mod:`evaluation.services`. A
service's ``ValidationError`` changes nothing and is shown next to the field it names
(``score_<indicator id>`` …) or on the page; its ``PermissionDenied`` (someone who
reads the scorecard but takes no part in it) is a 403.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from schools import hub
from schools import selectors as school_selectors
from schools.models import PairingMember
from schools.views import _filtered, _is_filtered, _post_data
from twinning import access, calendar
from twinning.attachments import stored_file_response, thumbnail_response
from twinning.downloads import table_response
from twinning.forms import add_service_errors, form_action
from twinning.paging import page_of

from . import scoring, selectors, services
from .forms import (
    CommentForm,
    InspectForm,
    ReopenForm,
    ReturnForm,
    ScorecardFilter,
    SelfAssessForm,
)
from .models import Grade, IndicatorScore, ScorecardStatus, ScoreEvidence, Source

PAGE_SIZE = 25


def _require_reader(request) -> None:
    # Teachers (and anyone else without a role that reads scorecards) find no evaluation.
    if not selectors.reads_scorecards(request.user):
        raise Http404


def _detail_url(card) -> str:
    return reverse("evaluation:scorecard_detail", args=[card.pk])


def _steps(card) -> list[dict]:
    """The workflow's steps, the card's marked: done, current, to come."""
    values = ScorecardStatus.values
    here = values.index(card.status)
    return [
        {"value": value, "label": label, "done": n < here, "current": n == here}
        for n, (value, label) in enumerate(ScorecardStatus.choices)
    ]


def _standing(card, result: scoring.Result, pass_mark) -> dict:
    """The result as it stands (not yet finalised: a forecast, not the stored result)."""
    total = result.total
    grade = scoring.grade_of(total, card.template)
    return {
        "total": total,
        "maximum": result.maximum,
        "grade": grade,
        "grade_label": Grade(grade).label,
        "passes": pass_mark is not None and total >= pass_mark,
        "pass_mark": pass_mark,
    }


# --- the pairing's tab ----------------------------------------------------------------------


def _openable_years(request, pairing, opened: set[int]) -> list[int]:
    """The years the programme's bureau may open now: no scorecard yet and the
    self-assessment window (the template's days before the year's end) begun."""
    if not access.is_pairing_bureau(request.scope, pairing):
        return []
    if pairing.status not in services.EVALUATED_STATUSES or pairing.agreement_signed_on is None:
        return []
    template = services.programme_template(pairing.programme)
    if template is None:
        return []
    today = calendar.today()
    years = []
    for year in range(1, pairing.programme.years + 1):
        _start, end = services.pairing_year(pairing, year)
        if year not in opened and end - dt.timedelta(days=template.opens_days_before) <= today:
            years.append(year)
    return years


@login_required
@require_safe
def pairing_evaluation(request, pk: int):
    """This year's scorecard (the latest) with its step, what it still needs and its result
    as it stands; the earlier years beside it, area by area, with the change."""
    pairing = school_selectors.pairing_get_for_user(request.user, pk)
    if not selectors.can_read_evaluation(request.user, pairing):
        raise Http404
    years = selectors.pairing_years(pairing)
    rows = years["rows"]
    current = rows[-1] if rows else None
    context = {"years": years, "current": current}
    if current is not None:
        card = current["card"]
        context |= {
            "card": card,
            "steps": _steps(card),
            "missing": selectors.missing(card, {"result": current["result"]}),
            "standing": _standing(card, current["result"], pairing.programme.pass_mark),
        }
    context["openable"] = _openable_years(request, pairing, {row["card"].year for row in rows})
    return render(
        request,
        "evaluation/pairing_evaluation.html",
        hub.context(request, pairing, "evaluation", **context),
    )


@login_required
@require_POST
def scorecard_open(request, pk: int):
    pairing = school_selectors.pairing_get_for_user(request.user, pk)
    if not selectors.can_read_evaluation(request.user, pairing):
        raise Http404
    access.require(
        access.is_pairing_bureau(request.scope, pairing),
        _("The programme's bureau opens its scorecards."),
    )
    tab = reverse("evaluation:pairing_evaluation", args=[pairing.pk])
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        messages.error(request, _("Choose the pairing year to open."))
        return redirect(tab)
    try:
        card = services.scorecard_open(pairing=pairing, year=year, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(tab)
    messages.success(request, _("The scorecard of year %(year)s is open.") % {"year": card.year})
    return redirect(_detail_url(card))


# --- one scorecard ---------------------------------------------------------------------


def _with_schools(card) -> None:
    """The pairing's members with their schools, for its title (one query)."""
    prefetch_related_objects(
        [card.pairing], Prefetch("members", queryset=PairingMember.objects.select_related("school"))
    )


# Each step's form and the action (selectors.actions) that shows it.
STEP_ACTIONS = {
    "submit_form": "self_assess",
    "confirm_form": "confirm",
    "return_form": "confirm",
    "finish_form": "inspect",
    "finalise_form": "finalise",
    "reopen_form": "reopen",
}


def _action_forms(request, actions: dict, **bound) -> dict:
    """The forms of the steps the user may take, fresh unless given bound (with errors).
    A refused step whose form the page does not show (a coordinator finalising) tells
    why in a message instead."""
    for name, form in bound.items():
        if not actions[STEP_ACTIONS[name]]:
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    forms = {}
    if actions["self_assess"]:
        forms["submit_form"] = CommentForm(auto_id="id_submit_%s")
    if actions["confirm"]:
        forms["confirm_form"] = CommentForm(auto_id="id_confirm_%s")
        forms["return_form"] = ReturnForm(auto_id="id_return_%s")
    if actions["inspect"]:
        forms["finish_form"] = CommentForm(auto_id="id_finish_%s")
    if actions["finalise"]:
        forms["finalise_form"] = CommentForm(auto_id="id_finalise_%s")
    if actions["reopen"]:
        forms["reopen_form"] = ReopenForm(auto_id="id_reopen_%s")
    return forms | bound


def _detail_page(request, card, **bound):
    _with_schools(card)
    detail = selectors.scorecard_detail(card)
    actions = selectors.actions(request.user, card)
    return render(
        request,
        "evaluation/scorecard_detail.html",
        {
            "card": card,
            **detail,
            "actions": actions,
            "steps": _steps(card),
            "missing": selectors.missing(card, detail),
            "standing": _standing(card, detail["result"], card.programme.pass_mark),
            "documents": selectors.scorecard_documents(card),
            **_action_forms(request, actions, **bound),
        },
        status=400 if bound else 200,
    )


@login_required
@require_safe
def scorecard_detail(request, pk: int):
    return _detail_page(request, selectors.scorecard_get_for_user(request.user, pk))


def _step_errors(form, error: ValidationError) -> None:
    # A step refused for unscored indicators says so once, naming them (the ``status``
    # message), rather than once more for each indicator.
    if hasattr(error, "error_dict") and "status" in error.error_dict:
        error = ValidationError(
            {k: v for k, v in error.error_dict.items() if not k.startswith("score_")}
        )
    add_service_errors(form, error)


def _step(request, pk: int, *, form_class, form_name: str, auto_id: str, call, success: str):
    """One POST step of the workflow: its form checked, the service called, and on a
    ``ValidationError`` the scorecard's page again with the message at the step's form
    (nothing changed)."""
    card = selectors.scorecard_get_for_user(request.user, pk)
    # Someone who reads the scorecard and takes no part in it is refused before the
    # input is read (the service's own rule, asked first).
    members = list(PairingMember.objects.filter(pairing_id=card.pairing_id))
    access.require(
        services.takes_part(request.scope, card, members),
        _("You take no part in this scorecard's evaluation."),
    )
    form = form_class(request.POST, auto_id=auto_id)

    if form.is_valid():
        try:
            call(card, **form.cleaned_data)
        except ValidationError as error:
            _step_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(_detail_url(card))
    return _detail_page(request, card, **{form_name: form})


@login_required
@require_POST
def scorecard_submit(request, pk: int):
    return _step(
        request, pk, form_class=CommentForm, form_name="submit_form", auto_id="id_submit_%s",
        call=lambda card, comment: services.scorecard_submit(
            actor=request.user, scorecard=card, comment=comment),
        success=_("The self-assessment is sent to the assisted school for confirmation."),
    )  # fmt: skip


@login_required
@require_POST
def scorecard_confirm(request, pk: int):
    return _step(
        request, pk, form_class=CommentForm, form_name="confirm_form", auto_id="id_confirm_%s",
        call=lambda card, comment: services.scorecard_confirm(
            actor=request.user, scorecard=card, comment=comment),
        success=_("The self-assessment is confirmed."),
    )  # fmt: skip


@login_required
@require_POST
def scorecard_return(request, pk: int):
    return _step(
        request, pk, form_class=ReturnForm, form_name="return_form", auto_id="id_return_%s",
        call=lambda card, comment: services.scorecard_return(
            actor=request.user, scorecard=card, comment=comment),
        success=_("The self-assessment is sent back to the helping school."),
    )  # fmt: skip


@login_required
@require_POST
def scorecard_finish_inspection(request, pk: int):
    return _step(
        request, pk, form_class=CommentForm, form_name="finish_form", auto_id="id_finish_%s",
        call=lambda card, comment: services.scorecard_finish_inspection(
            actor=request.user, scorecard=card, comment=comment),
        success=_("The inspection is finished; the scorecard goes to the bureau."),
    )  # fmt: skip


@login_required
@require_POST
def scorecard_finalise(request, pk: int):
    return _step(
        request, pk, form_class=CommentForm, form_name="finalise_form",
        auto_id="id_finalise_%s",
        call=lambda card, comment: services.scorecard_finalise(
            actor=request.user, scorecard=card, comment=comment),
        success=_("The scorecard is finalised."),
    )  # fmt: skip


@login_required
@require_POST
def scorecard_reopen(request, pk: int):
    return _step(
        request, pk, form_class=ReopenForm, form_name="reopen_form", auto_id="id_reopen_%s",
        call=lambda card, reason: services.scorecard_reopen(
            actor=request.user, scorecard=card, reason=reason),
        success=_("The scorecard is reopened and back with the inspectors."),
    )  # fmt: skip


# --- scoring -------------------------------------------------------------------------------


def _scores(card, *, manual_only: bool):
    scores = (
        IndicatorScore.objects.filter(scorecard=card)
        .select_related("indicator__area")
        .prefetch_related(Prefetch("evidence", queryset=ScoreEvidence.objects.order_by("id")))
        .order_by(
            "indicator__area__order", "indicator__area_id", "indicator__order", "indicator_id"
        )  # fmt: skip
    )
    if manual_only:
        scores = scores.filter(indicator__source=Source.MANUAL)
    return list(scores)


def _closed(request, card):
    messages.error(
        request,
        _("This step is not open: the scorecard is at “%(step)s”.")
        % {"step": card.get_status_display()},
    )
    return redirect(_detail_url(card))


def _scoring_page(request, card, form, template: str):
    _with_schools(card)
    return render(
        request,
        template,
        {"card": card, "form": form, "groups": form.groups()},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def scorecard_self_assess(request, pk: int):
    """The helping school's coordinators score each manual indicator, with a note and
    evidence; nothing is saved while one entry is wrong."""
    card = selectors.scorecard_get_for_user(request.user, pk)
    access.require(
        access.can_self_assess(request.scope, card.helping_school_id),
        _("The helping school's coordinators assess the scorecard."),
    )
    if card.status != ScorecardStatus.OPEN:
        return _closed(request, card)
    form = SelfAssessForm(
        _post_data(request), request.FILES or None, scores=_scores(card, manual_only=True)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.scorecard_self_assess(
                actor=request.user, scorecard=card, entries=form.entries(),
                uploads=form.uploads(),
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The self-assessment is saved."))
            return redirect(_detail_url(card))
    return _scoring_page(request, card, form, "evaluation/self_assess.html")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def scorecard_inspect(request, pk: int):
    """An inspector scores each manual indicator and may replace an automatic one's
    computed points, saying why."""
    card = selectors.scorecard_get_for_user(request.user, pk)
    region_ids = set(
        PairingMember.objects.filter(pairing_id=card.pairing_id).values_list("region_id", flat=True)
    )
    access.require(
        access.can_inspect(request.scope, card.pairing, region_ids),
        _("An inspector of the region scores the scorecard."),
    )
    if card.status != ScorecardStatus.SUBMITTED:
        return _closed(request, card)
    form = InspectForm(_post_data(request), scores=_scores(card, manual_only=False))
    if request.method == "POST" and form.is_valid():
        try:
            services.scorecard_inspect(actor=request.user, scorecard=card, entries=form.entries())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The inspection scores are saved."))
            return redirect(_detail_url(card))
    return _scoring_page(request, card, form, "evaluation/inspect.html")


# --- evidence ------------------------------------------------------------------------------


@login_required
@require_safe
def evidence_download(request, pk: int):
    return stored_file_response(selectors.evidence_get_for_user(request.user, pk))


@login_required
@require_safe
def evidence_thumbnail(request, pk: int):
    return thumbnail_response(selectors.evidence_get_for_user(request.user, pk))


@login_required
@require_POST
def evidence_remove(request, pk: int):
    evidence = selectors.evidence_get_for_user(request.user, pk)
    card = evidence.scorecard
    return form_action(
        request, form=None,
        call=lambda: services.evidence_remove(actor=request.user, evidence=evidence),
        success=_("The evidence file is removed."),
        # Back to the self-assessment's form it was removed from, if the user keeps it.
        done=reverse("evaluation:scorecard_self_assess", args=[card.pk])
        if card.status == ScorecardStatus.OPEN
        and access.can_self_assess(request.scope, card.helping_school_id)
        else _detail_url(card),
        again=None,
    )  # fmt: skip


# --- queues and the list ------------------------------------------------------------------


def _queue(request, queryset, template: str):
    _require_reader(request)
    page = page_of(request, selectors.with_pairing(queryset), PAGE_SIZE)
    return render(
        request,
        template,
        {"page_obj": page, "cards": list(page.object_list), "today": calendar.today()},
    )


@login_required
@require_safe
def inspection_queue(request):
    """Scorecards waiting for inspection in the inspector's regions, the first due first."""
    return _queue(request, selectors.inspection_queue(request.user),
                  "evaluation/inspection_queue.html")  # fmt: skip


@login_required
@require_safe
def finalisation_queue(request):
    """Inspected scorecards of the bureau's programmes, the first due first."""
    return _queue(request, selectors.finalisation_queue(request.user),
                  "evaluation/finalisation_queue.html")  # fmt: skip


def _listed(request):
    _require_reader(request)
    filterset, cards = _filtered(
        ScorecardFilter, request, selectors.scorecard_list_visible_to(request.user)
    )
    return filterset, selectors.with_pairing(cards.order_by("-period_end", "-id"))


@login_required
@require_safe
def scorecard_list(request):
    filterset, cards = _listed(request)
    page = page_of(request, cards, PAGE_SIZE)
    return render(
        request,
        "evaluation/scorecard_list.html",
        {
            "filter": filterset,
            "is_filtered": _is_filtered(filterset),
            "page_obj": page,
            "cards": list(page.object_list),
            "today": calendar.today(),
        },
    )


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@login_required
@require_safe
def scorecard_export(request, fmt: str):
    """The filtered list, every row, in the page's columns and the stored result."""
    _filterset, cards = _listed(request)
    header = [_("Number"), _("Pairing number"), _("Pairing"), _("Programme"), _("Region"),
              _("Pairing year"), _("Year starts"), _("Year ends"), pgettext("scorecard", "Step"),
              _("Due by"), _("Submitted at"), _("Total"), pgettext("scorecard", "Grade"),
              _("Passed"), _("Finalised at")]  # fmt: skip
    yes, no = _("Yes"), _("No")
    rows = (
        (
            card.pk,
            card.pairing_id,
            card.pairing.title,
            card.programme.name,
            card.region.name,
            card.year,
            card.period_start,
            card.period_end,
            card.get_status_display(),
            card.due_on,
            _local(card.submitted_at),
            card.total if card.total is not None else "",
            card.get_grade_display() if card.grade else "",
            "" if card.passed is None else (yes if card.passed else no),
            _local(card.finalised_at),
        )  # fmt: skip
        for card in cards.iterator(chunk_size=1000)
    )
    return table_response("scorecards", header, rows, fmt)
