"""Pairing pages: list and export, create, detail, edit, lifecycle, and the plan forms.

Thin by design (STYLE.md): parse, call a selector or a service, render. Reads go
through :mod:`schools.selectors` (404 out of scope, 403 on a write a read-only
user may not make); writes through :mod:`schools.services`, whose
``ValidationError`` changes nothing and is shown next to the field it names.
"""

from __future__ import annotations

import inspect
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from twinning import access, imports
from twinning.access import resolve_scope
from twinning.attachments import agreement_filename, file_response
from twinning.downloads import table_response
from twinning.paging import page_of

from . import hub, selectors, services
from .models import NeedsDimension, PairingMember, PairingStatus, PeriodKind
from .pairing_forms import (
    ContactForm,
    GoalForm,
    LeadingGroupForm,
    NeedsForm,
    PairingCreateForm,
    PairingEditForm,
    PairingFilter,
    ProgrammeChoiceForm,
    ProgressForm,
    TransitionForm,
)
from .resources import PairingResource

PAGE_SIZE = 25

# Labels of the fields services name in their errors, for the inline forms whose
# errors are shown as messages above the page.
_FIELD_LABELS = {
    "status": lambda: _("Status"),
    "programme": lambda: _("Programme"),
    "helping_school": lambda: _("Helping school"),
    "assisted_schools": lambda: _("Assisted schools"),
}


# --- helpers ---------------------------------------------------------------------


def _apply_errors(form, error: ValidationError) -> None:
    """Attach a service's errors to the form's fields (or to the form as a whole)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _field_label(form, field: str) -> str:
    if form is not None and field in form.fields:
        return str(form.fields[field].label)
    return _FIELD_LABELS[field]() if field in _FIELD_LABELS else field


def _message_errors(request, error_source, form=None) -> None:
    """Queue each error as "Field: message" (from a ValidationError or a form's errors)."""
    if isinstance(error_source, ValidationError):
        items = (
            error_source.message_dict.items()
            if hasattr(error_source, "error_dict")
            else [("__all__", error_source.messages)]
        )
    else:
        items = error_source.items()
    for field, errors in items:
        for message in errors:
            if field == "__all__":
                messages.error(request, message)
            else:
                messages.error(request, f"{_field_label(form, field)}: {message}")


def _detail_url(pairing_id: int, anchor: str = "") -> str:
    """The pairing page's tab that holds section ``anchor``, scrolled to it: the needs,
    the plan and its goals are on the needs and plan tab, the rest on the overview."""
    on_plan = anchor in ("needs", "plan") or anchor.startswith("goal-")
    name = "schools:pairing_plan" if on_plan else "schools:pairing_detail"
    url = reverse(name, args=[pairing_id])
    return f"{url}#{anchor}" if anchor else url


def _member_schools(pairing) -> list:
    members = sorted(pairing.members.all(), key=lambda m: m.role != PairingMember.Role.HELPING)
    return [m.school for m in members]


def _filtered_pairings(request):
    filterset = PairingFilter(
        request.GET or None,
        queryset=selectors.pairing_list_visible_to(request.user),
        request=request,
    )
    # A filter that does not validate (a stale link, a programme out of scope)
    # shows nothing rather than silently widening the list.
    qs = (
        filterset.qs
        if not filterset.is_bound or filterset.is_valid()
        else filterset.queryset.none()
    )
    return filterset, qs


# --- list and export ---------------------------------------------------------------


@login_required
@require_safe
def pairing_list(request):
    filterset, pairings = _filtered_pairings(request)
    page = page_of(request, selectors.PairingRows(pairings), PAGE_SIZE)
    chosen = filterset.form.cleaned_data if filterset.is_bound else {}
    school_id, school_code = chosen.get("school"), chosen.get("school_code")
    # The school's name comes from the rows already loaded: no query of its own.
    chosen_school = next(
        (
            school
            for row in page.object_list
            for school in row["schools"]
            if school["id"] == school_id or (school_code and school["code"] == school_code)
        ),
        None,
    )
    return render(
        request,
        "schools/pairing_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "pairings": page.object_list,
            "school_filtered": school_id is not None or bool(school_code),
            "chosen_school": chosen_school,
            "is_filtered": any(v for k, v in request.GET.items() if k != "page"),
            "may_import": imports.kind_get("pairings").may_import(request.scope),
        },
    )


@login_required
@require_safe
def pairing_export(request, fmt: str = "csv"):
    """The filtered list in the columns of the import (xlsx or CSV), so that the file
    can be corrected and loaded again."""
    _filterset, pairings = _filtered_pairings(request)
    rows = PairingResource(user=request.user).export_rows(pairings)
    return table_response("pairings", rows[0], rows[1:], fmt)


# --- create ----------------------------------------------------------------------


@login_required
def pairing_create(request):
    """Two steps: choose the programme (its kind shapes the form), then the schools."""
    access.require(access.can_propose_pairings(resolve_scope(request.user)))
    data = request.POST if request.method == "POST" else request.GET
    open_programmes = selectors.programme_list_open_for_proposals(request.user)
    if not data.get("programme"):
        programme_form = ProgrammeChoiceForm(
            request.POST if request.method == "POST" else None, programmes=open_programmes
        )
        return render(
            request, "schools/pairing_create.html", {"step": 1, "programme_form": programme_form}
        )

    programme = selectors.programme_get_for_user(request.user, data["programme"])
    if programme not in open_programmes and request.method != "POST":
        # Visible but not for this user to propose in: 403; closed: say so. (A POST
        # goes on to the service, which refuses with the same rules.)
        access.require(access.can_propose_in_programme(resolve_scope(request.user), programme))
        messages.error(request, _("This programme no longer takes proposals."))
        return render(
            request,
            "schools/pairing_create.html",
            {"step": 1, "programme_form": ProgrammeChoiceForm(programmes=open_programmes)},
        )

    candidates = selectors.programme_candidate_schools(request.user, programme)
    if request.method == "POST":
        form = PairingCreateForm(request.POST, programme=programme, candidates=candidates)
        if form.is_valid():
            try:
                # One transaction: a proposal refused (a school already in a live
                # pairing) leaves no draft behind either.
                with transaction.atomic():
                    pairing = services.pairing_create(
                        actor=request.user,
                        programme=programme,
                        helping_school=form.cleaned_data["helping_school"],
                        assisted_schools=form.assisted_list(),
                        goals_summary=form.cleaned_data["goals_summary"],
                    )
                    if form.cleaned_data["propose_now"]:
                        pairing = services.pairing_propose(actor=request.user, pairing=pairing)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                if form.cleaned_data["propose_now"]:
                    messages.success(request, _("The pairing was proposed to the bureau."))
                else:
                    messages.success(request, _("The pairing was saved as a draft."))
                return redirect("schools:pairing_detail", pk=pairing.pk)
    else:
        scope = resolve_scope(request.user)
        own = sorted(scope.coordinator_school_ids)
        form = PairingCreateForm(
            programme=programme,
            candidates=candidates,
            initial={"helping_school": own[0]} if len(own) == 1 else {},
        )
    return render(
        request,
        "schools/pairing_create.html",
        {"step": 2, "programme": programme, "form": form},
    )


# --- detail ------------------------------------------------------------------------


def _period_label(goal) -> str:
    if goal.period_kind == PeriodKind.YEAR:
        return _("School year %(start)s–%(end)s") % {
            "start": goal.school_year,
            "end": goal.school_year + 1,
        }
    labels = {
        PeriodKind.TERM: _("Term %(n)d"),
        PeriodKind.QUARTER: _("Quarter %(n)d"),
        PeriodKind.MONTH: _("Month %(n)d"),
    }
    return labels[goal.period_kind] % {"n": goal.period_number or 0}


def _plan_by_year(goals: list) -> list[dict]:
    """Goals grouped by school year, each followed by its tasks (depth-first)."""
    children = defaultdict(list)
    ids = {g.pk for g in goals}
    roots = []
    for goal in goals:
        goal.period_label = _period_label(goal)
        if goal.parent_id in ids:
            children[goal.parent_id].append(goal)
        else:
            roots.append(goal)

    def walk(goal, depth):
        yield {"goal": goal, "depth": depth}
        for child in children[goal.pk]:
            yield from walk(child, depth + 1)

    years: dict[int, list] = {}
    for root in roots:
        years.setdefault(root.school_year, []).extend(walk(root, 0))
    return [
        {"school_year": year, "end_year": year + 1, "rows": rows}
        for year, rows in sorted(years.items())
    ]


def _needs_grid(schools: list, needs: list) -> list[dict]:
    by_key = {(n.school_id, n.dimension): n for n in needs}
    return [
        {
            "school": school,
            "cells": [
                {"dimension": value, "label": label, "assessment": by_key.get((school.pk, value))}
                for value, label in NeedsDimension.choices
            ],
        }
        for school in schools
    ]


def _sorted_members(members) -> list:
    # Helping school first, then the assisted ones.
    return sorted(members, key=lambda m: m.role != PairingMember.Role.HELPING)


@login_required
@require_safe
def pairing_detail(request, pk):
    """The overview tab: the pairing, what the user can do now, its people."""
    pairing = selectors.pairing_get_for_user(request.user, pk)
    people = selectors.pairing_people(pairing)
    members = _sorted_members(people["members"])
    schools = [m.school for m in members]
    context = hub.context(
        request,
        pairing,
        "overview",
        members=members,
        helping=[m for m in members if m.role == PairingMember.Role.HELPING],
        assisted=[m for m in members if m.role == PairingMember.Role.ASSISTED],
        leading_group=people["leading_group"],
        contacts=people["contacts"],
        actions=selectors.pairing_available_actions(request.user, pairing),
        unavailable=selectors.pairing_unavailable_reasons(request.user, pairing),
        # A partner's record may be closed to a coordinator until the bureau pairs them.
        readable_school_ids=selectors.school_ids_readable(request.user, {s.pk for s in schools}),
    )
    if context["can_edit"]:
        context.update(
            leading_group_form=LeadingGroupForm(schools=schools),
            contact_form=ContactForm(schools=schools),
        )
    return render(request, "schools/pairing_detail.html", context)


@login_required
@require_safe
def pairing_plan(request, pk):
    """The needs and plan tab: the needs assessment and the development plan."""
    pairing = selectors.pairing_get_for_user(request.user, pk)
    plan = selectors.pairing_plan(pairing)
    schools = [m.school for m in _sorted_members(plan["members"])]
    context = hub.context(
        request,
        pairing,
        "plan",
        dimensions=NeedsDimension.choices,
        needs_grid=_needs_grid(schools, plan["needs"]),
        plan=_plan_by_year(plan["goals"]),
    )
    if context["can_edit"]:
        context.update(
            needs_form=NeedsForm(schools=schools),
            goal_form=GoalForm(schools=schools, goals=plan["goals"]),
        )
    return render(request, "schools/pairing_plan.html", context)


@login_required
@require_safe
def pairing_history(request, pk):
    """The history tab: every change of status, who made it and why."""
    pairing = selectors.pairing_get_for_user(request.user, pk)
    context = hub.context(
        request, pairing, "history", transitions=selectors.pairing_history(pairing)
    )
    return render(request, "schools/pairing_history.html", context)


# --- edit and the agreement ----------------------------------------------------------


@login_required
def pairing_edit(request, pk):
    pairing = selectors.pairing_get_for_user(request.user, pk, write=True)
    if pairing.status in services.CLOSED_STATUSES:
        messages.error(request, _("A closed pairing cannot be changed."))
        return redirect("schools:pairing_detail", pk=pairing.pk)
    candidates = (
        selectors.programme_candidate_schools(request.user, pairing.programme)
        if pairing.status == PairingStatus.DRAFT
        else None
    )
    if request.method == "POST":
        form = PairingEditForm(request.POST, request.FILES, pairing=pairing, candidates=candidates)
        if form.is_valid():
            try:
                services.pairing_update(actor=request.user, pairing=pairing, **form.changes())
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("The pairing was saved."))
                return redirect("schools:pairing_detail", pk=pairing.pk)
    else:
        form = PairingEditForm(pairing=pairing, candidates=candidates)
    return render(request, "schools/pairing_edit.html", {"pairing": pairing, "form": form})


@login_required
@require_safe
def pairing_agreement(request, pk):
    """The signed agreement, as a download; media is never served directly."""
    pairing = selectors.pairing_get_for_user(request.user, pk)
    return file_response(pairing.agreement_file, filename=agreement_filename(pairing))


# --- lifecycle -----------------------------------------------------------------------


@login_required
@require_POST
def pairing_transition(request, pk, action):
    service = services.TRANSITION_SERVICES.get(action)
    if service is None:
        raise Http404
    pairing = selectors.pairing_get_for_user(request.user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        _message_errors(request, form.errors, form)
        return redirect(_detail_url(pairing.pk, "actions"))
    # Each service takes its own subset: comment, reason, agreement_signed_on.
    accepted = inspect.signature(service).parameters
    arguments = {k: v for k, v in form.cleaned_data.items() if k in accepted}
    try:
        service(actor=request.user, pairing=pairing, **arguments)
    except ValidationError as error:
        _message_errors(request, error, form)
        return redirect(_detail_url(pairing.pk, "actions"))
    done = {
        "propose": _("The pairing was proposed to the bureau."),
        "approve": _("The pairing was approved."),
        "reject": _("The pairing was rejected."),
        "activate": _("The pairing is now active."),
        "conclude": _("The pairing was concluded."),
        "terminate": _("The pairing was terminated."),
    }
    messages.success(request, done[action])
    return redirect(_detail_url(pairing.pk))


# --- inline forms of the pairing page ---------------------------------------------------


def _inline(request, pairing_id, anchor, form, call):
    """Validate ``form``, run ``call(cleaned_data)``; errors become messages. Redirects back."""
    if not form.is_valid():
        _message_errors(request, form.errors, form)
    else:
        try:
            call(form.cleaned_data)
        except ValidationError as error:
            _message_errors(request, error, form)
        else:
            messages.success(request, _("Saved."))
    return redirect(_detail_url(pairing_id, anchor))


@login_required
@require_POST
def needs_save(request, pk):
    pairing = selectors.pairing_get_for_user(request.user, pk, write=True)
    form = NeedsForm(request.POST, schools=_member_schools(pairing))
    return _inline(
        request,
        pairing.pk,
        "needs",
        form,
        lambda data: services.needs_assessment_save(actor=request.user, pairing=pairing, **data),
    )


@login_required
@require_POST
def goal_create(request, pk):
    pairing = selectors.pairing_get_for_user(request.user, pk, write=True)
    parent = None
    if request.POST.get("parent"):
        try:
            parent = selectors.goal_get_for_user(request.user, request.POST["parent"])
        except Http404:
            parent = None
    goals = [parent] if parent is not None else []
    form = GoalForm(request.POST, schools=_member_schools(pairing), goals=goals)
    return _inline(
        request,
        pairing.pk,
        "plan",
        form,
        lambda data: services.goal_create(actor=request.user, pairing=pairing, **data),
    )


@login_required
@require_POST
def goal_progress(request, pk):
    goal = selectors.goal_get_for_user(request.user, pk, write=True)
    form = ProgressForm(request.POST)
    return _inline(
        request,
        goal.pairing_id,
        f"goal-{goal.pk}",
        form,
        lambda data: services.goal_report_progress(actor=request.user, goal=goal, **data),
    )


@login_required
@require_POST
def goal_delete(request, pk):
    goal = selectors.goal_get_for_user(request.user, pk, write=True)
    return _remove(
        request,
        goal.pairing_id,
        "plan",
        lambda: services.goal_delete(actor=request.user, goal=goal),
        _("The goal was deleted."),
    )


@login_required
@require_POST
def leading_group_add(request, pk):
    pairing = selectors.pairing_get_for_user(request.user, pk, write=True)
    form = LeadingGroupForm(request.POST, schools=_member_schools(pairing))
    return _inline(
        request,
        pairing.pk,
        "leading-group",
        form,
        lambda data: services.leading_group_member_add(actor=request.user, pairing=pairing, **data),
    )


@login_required
@require_POST
def leading_group_remove(request, pk):
    member = selectors.leading_group_member_get_for_user(request.user, pk, write=True)
    return _remove(
        request,
        member.pairing_id,
        "leading-group",
        lambda: services.leading_group_member_remove(actor=request.user, member=member),
        _("Removed from the leading group."),
    )


@login_required
@require_POST
def contact_add(request, pk):
    pairing = selectors.pairing_get_for_user(request.user, pk, write=True)
    form = ContactForm(request.POST, schools=_member_schools(pairing))
    return _inline(
        request,
        pairing.pk,
        "contacts",
        form,
        lambda data: services.contact_add(actor=request.user, pairing=pairing, **data),
    )


@login_required
@require_POST
def contact_remove(request, pk):
    contact = selectors.contact_get_for_user(request.user, pk, write=True)
    return _remove(
        request,
        contact.pairing_id,
        "contacts",
        lambda: services.contact_remove(actor=request.user, contact=contact),
        _("The contact person was removed."),
    )


def _remove(request, pairing_id, anchor, remove, success_message):
    """Run a removal service; report a refusal as a message. Back to the page section."""
    try:
        remove()
    except ValidationError as error:
        _message_errors(request, error)
    else:
        messages.success(request, success_message)
    return redirect(_detail_url(pairing_id, anchor))
