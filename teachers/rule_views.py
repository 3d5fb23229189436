"""The programme page's tab of mentorship rules: the obligations in force and the earlier
ones, the mentee eligibility rule, and — for the programme's bureau — changing them
(teachers.services; twinning/rulebook.py keeps closed periods as they were)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from schools import hub
from schools import selectors as school_selectors
from twinning import history, rulebook
from twinning.forms import add_service_errors

from . import rules, selectors, services
from .models import MentorshipPolicy, Obligation
from .rule_forms import ObligationChangeForm, ObligationForm, PolicyForm


def _label(row) -> str:
    return rules.Rule(row.kind, row.filer, row.minimum, row.period, row.partner_lessons_only).label


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def programme_rules(request, pk: int):
    posted = request.method == "POST"
    programme = school_selectors.programme_get_for_user(request.user, pk, write=posted)
    which = request.POST.get("form") if posted else None
    form = ObligationForm(request.POST if which == "obligation" else None)
    policy = MentorshipPolicy.objects.filter(programme=programme).first()
    limit = rules.DEFAULT_MAX_MENTEE_YEARS if policy is None else policy.max_mentee_years
    policy_form = PolicyForm(
        request.POST if which == "policy" else None, initial={"max_mentee_years": limit}
    )
    if which == "obligation" and form.is_valid():
        try:
            services.obligation_add(actor=request.user, programme=programme, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The obligation is added; it counts from today."))
            return redirect("teachers:programme_rules", pk=programme.pk)
    if which == "policy" and policy_form.is_valid():
        services.mentorship_policy_set(
            actor=request.user, programme=programme,
            max_mentee_years=policy_form.cleaned_data["max_mentee_years"],
        )  # fmt: skip
        messages.success(request, _("The eligibility rule is saved."))
        return redirect("teachers:programme_rules", pk=programme.pk)
    current, earlier = rulebook.page_rows(
        Obligation.objects.filter(programme=programme), label=_label,
        edit="teachers:obligation_edit", remove="teachers:obligation_remove",
    )  # fmt: skip
    context = hub.programme_context(
        request, programme, "mentorship_rules",
        form=form, policy_form=policy_form, max_mentee_years=limit,
        current=current, earlier=earlier,
        defaults=[rule.label for rule in rules.DEFAULTS] if not current else [],
        changes=history.recent_changes(
            Obligation.history.filter(programme_id=programme.pk),
            fields=(*services.OBLIGATION_CHANGE_FIELDS, "valid_until"), describe=_label,
        ),
        policy_changes=history.recent_changes(
            MentorshipPolicy.history.filter(programme_id=programme.pk),
            fields=("max_mentee_years",), limit=5,
        ),
    )  # fmt: skip
    return render(request, "teachers/programme_rules.html", context, status=400 if posted else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def obligation_edit(request, pk: int):
    obligation = selectors.obligation_get_for_user(request.user, pk, write=True)
    initial = {name: getattr(obligation, name) for name in services.OBLIGATION_CHANGE_FIELDS}
    form = ObligationChangeForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.obligation_change(
                actor=request.user, obligation=obligation, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The obligation is changed; the change counts from today."))
            return redirect("teachers:programme_rules", pk=obligation.programme_id)
    return render(
        request, "teachers/obligation_form.html",
        {"form": form, "label": _label(obligation), "programme": obligation.programme},
        status=400 if request.method == "POST" else 200,
    )  # fmt: skip


@login_required
@require_POST
def obligation_remove(request, pk: int):
    obligation = selectors.obligation_get_for_user(request.user, pk, write=True)
    try:
        services.obligation_remove(actor=request.user, obligation=obligation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The obligation is removed from today on."))
    return redirect("teachers:programme_rules", pk=obligation.programme_id)


@login_required
@require_POST
def obligations_adopt(request, pk: int):
    programme = school_selectors.programme_get_for_user(request.user, pk, write=True)
    services.obligations_adopt_defaults(actor=request.user, programme=programme)
    messages.success(request, _("The default obligations are now the programme's own."))
    return redirect("teachers:programme_rules", pk=programme.pk)
