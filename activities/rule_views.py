"""The programme page's tab of exchange targets: the targets in force, the earlier ones,
and — for the programme's bureau — adding, changing and removing them
(activities.services; twinning/rulebook.py keeps closed periods as they were)."""

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

from . import selectors, services, targets
from .models import ActivityKind, PairingTarget
from .rule_forms import TargetChangeForm, TargetForm

CHANGE_FIELDS = ("minimum", "period", "side")


def _label(row, names: dict[int, str]) -> str:
    """How a target (or a historical record of one) reads; ``names`` by kind id."""
    code = str(row.kind_id) if row.kind_id else None
    target = targets.Target(row.subject, code, row.minimum, row.period, row.side)
    return target.label({str(pk): name for pk, name in names.items()})


def _names() -> dict[int, str]:
    return {k.pk: k.name for k in ActivityKind.objects.all()}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def programme_targets(request, pk: int):
    programme = school_selectors.programme_get_for_user(
        request.user, pk, write=request.method == "POST"
    )
    form = TargetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.target_add(actor=request.user, programme=programme, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The target is added; it counts from today."))
            return redirect("activities:programme_targets", pk=programme.pk)
    kinds = list(ActivityKind.objects.all())
    names, by_code = {k.pk: k.name for k in kinds}, {k.code: k.name for k in kinds}
    current, earlier = rulebook.page_rows(
        PairingTarget.objects.filter(programme=programme), label=lambda t: _label(t, names),
        edit="activities:target_edit", remove="activities:target_remove",
    )  # fmt: skip
    context = hub.programme_context(
        request, programme, "targets",
        form=form, current=current, earlier=earlier,
        defaults=[t.label(by_code) for t in targets.DEFAULTS] if not current else [],
        changes=history.recent_changes(
            PairingTarget.history.filter(programme_id=programme.pk),
            fields=(*CHANGE_FIELDS, "valid_until"),
            describe=lambda r: _label(r, names),
        ),
    )  # fmt: skip
    return render(
        request, "activities/programme_targets.html", context,
        status=400 if request.method == "POST" else 200,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def target_edit(request, pk: int):
    target = selectors.target_get_for_user(request.user, pk, write=True)
    initial = {name: getattr(target, name) for name in CHANGE_FIELDS}
    form = TargetChangeForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.target_change(actor=request.user, target=target, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The target is changed; the change counts from today."))
            return redirect("activities:programme_targets", pk=target.programme_id)
    return render(
        request, "activities/target_form.html",
        {"form": form, "label": _label(target, _names()), "programme": target.programme},
        status=400 if request.method == "POST" else 200,
    )  # fmt: skip


@login_required
@require_POST
def target_remove(request, pk: int):
    target = selectors.target_get_for_user(request.user, pk, write=True)
    try:
        services.target_remove(actor=request.user, target=target)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The target is removed from today on."))
    return redirect("activities:programme_targets", pk=target.programme_id)


@login_required
@require_POST
def targets_adopt(request, pk: int):
    programme = school_selectors.programme_get_for_user(request.user, pk, write=True)
    services.targets_adopt_defaults(actor=request.user, programme=programme)
    messages.success(request, _("The default targets are now the programme's own."))
    return redirect("activities:programme_targets", pk=programme.pk)
