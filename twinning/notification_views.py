"""Pages of notifications: the centre (filtered by kind and read or not), a person's
choice of channels kind by kind, a region's defaults for each role, and the work-chat
robots with their delivery logs. Reads through twinning.notify.selectors (a robot outside
the reader's scope is 404), writes through twinning.notify services; a ValidationError
changes nothing and is shown where it belongs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from .access import can_register_robots, resolve_scope
from .forms import add_service_errors
from .models import Channel, RegionNotificationDefault, Role
from .notification_forms import DefaultsChoice, MentionForm, NotificationFilter, RobotForm
from .notify import chat, kinds, preferences, selectors
from .notify import services as notify_services
from .paging import page_of

PAGE_SIZE = 25
CHANNELS = [(c.value, c.label) for c in Channel]


@login_required
@require_safe
def notification_list(request):
    form = NotificationFilter(request.GET or None, user=request.user)
    kind = state = ""
    if form.is_valid():
        kind, state = form.cleaned_data["kind"], form.cleaned_data["state"]
    found = selectors.notification_list_for(request.user, kind=kind, state=state)
    page = page_of(request, found, PAGE_SIZE)
    return render(request, "twinning/notifications.html", {
        "page_obj": page, "filter_form": form, "is_filtered": bool(kind or state),
    })  # fmt: skip


# --- a person's channels -------------------------------------------------------------------


def _rows(choices, errors=None, submitted=None):
    """Table rows of kinds × channels for twinning/channel_table.html, grouped."""
    rows = []
    for choice in choices:
        chosen = submitted.get(choice.kind.key, choice.channels) if submitted else choice.channels
        rows.append({
            "kind": choice.kind, "source": preferences.SOURCES[choice.source],
            "region_name": choice.region_name,
            "cells": [(value, label, value in chosen, value in choice.kind.required)
                      for value, label in CHANNELS],
            "error": (errors or {}).get(choice.kind.key),
        })  # fmt: skip
    return rows


def _submitted(request, kind_list):
    return {k.key: frozenset(request.POST.getlist(k.key)) for k in kind_list}


def _save_changed(choices, submitted, save) -> dict[str, str]:
    """``save(kind, channels)`` for each row whose channels the form changed (an unchanged
    inherited row keeps following its default); the refusals by kind."""
    errors = {}
    for choice in choices:
        wanted = submitted[choice.kind.key] | choice.kind.required
        if wanted == choice.channels:
            continue
        try:
            save(choice.kind, wanted)
        except ValidationError as error:
            errors[choice.kind.key] = " ".join(error.messages)
    return errors


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notification_settings(request):
    """Each kind the person may receive, with the channels they are reached on and where
    that came from; saving makes a choice of every kind changed here."""
    scope = resolve_scope(request.user)
    kind_list = kinds.for_roles(scope.roles, everything=scope.is_admin)
    choices = preferences.choices_of(request.user, kind_list)
    mention = MentionForm(request.POST or None, instance=request.user, prefix="mention")
    errors: dict[str, str] = {}
    submitted, failed = None, False
    if request.method == "POST":
        submitted = _submitted(request, kind_list)
        with transaction.atomic():
            errors = _save_changed(choices, submitted, lambda kind, channels: (
                notify_services.preference_set(actor=request.user, kind=kind.key,
                                               channels=channels)))  # fmt: skip
            failed = bool(errors) | (not mention.is_valid())
            if failed:
                transaction.set_rollback(True)  # nothing is saved
            else:
                mention.save()
        if not failed:
            messages.success(request, _("Your choices are saved."))
            return redirect("notification_settings")
        messages.error(request, _("Nothing was saved: correct what is marked below."))
    return render(request, "twinning/notification_settings.html", {
        "rows": _rows(choices, errors, submitted), "channels": CHANNELS,
        "mention_form": mention, "has_own": any(c.source == preferences.MINE for c in choices),
    }, status=400 if failed else 200)  # fmt: skip


@login_required
@require_POST
def notification_settings_reset(request):
    count = notify_services.preference_reset(actor=request.user)
    if count:
        messages.success(request, _("Every kind follows the defaults again."))
    return redirect("notification_settings")


# --- a region's defaults -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notification_defaults(request):
    """Bureau staff set, for a region in their scope and a role, the channels everyone of
    that role there inherits until they choose for themselves."""
    scope = resolve_scope(request.user)
    if not (scope.bureau_region_ids or scope.is_admin):
        raise PermissionDenied(_("Bureau staff set their region's defaults."))
    data = request.POST if request.method == "POST" else request.GET
    choice = DefaultsChoice(data or None, user=request.user)
    if request.method == "POST" and not choice.is_valid():
        # A region outside the user's scope, or an unknown role: nothing is saved.
        return render(request, "twinning/notification_defaults.html",
                      {"choice": choice, "rows": []}, status=400)  # fmt: skip
    if not choice.is_valid():
        first = choice.fields["region"].choices[:1]
        choice = DefaultsChoice({"region": first[0][0] if first else "", "role": Role.COORDINATOR},
                                user=request.user)  # fmt: skip
        if not choice.is_valid():
            return render(request, "twinning/notification_defaults.html",
                          {"choice": choice, "rows": []})  # fmt: skip
    from django.apps import apps

    region = apps.get_model("schools", "Region").objects.get(pk=choice.cleaned_data["region"])
    role = choice.cleaned_data["role"]
    kind_list = [k for k in kinds.every() if not k.roles or role in k.roles]
    set_here = {
        d.kind: d.channels
        for d in RegionNotificationDefault.objects.filter(region=region, role=role)
    }
    rows = []
    for kind in kind_list:
        here = set_here.get(kind.key)
        rows.append(preferences.Choice(
            kind, here if here is not None else kind.default_for(role),
            preferences.REGION if here is not None else preferences.CATALOGUE, region.name,
        ))  # fmt: skip
    errors: dict[str, str] = {}
    submitted = None
    if request.method == "POST":
        submitted = _submitted(request, kind_list)

        def save(kind, channels):
            # Back to the platform's default when that is what the form says.
            platform = kind.default_for(role) | kind.required
            notify_services.region_default_set(
                actor=request.user, region=region, role=role, kind=kind.key,
                channels=None if channels == platform else channels,
            )  # fmt: skip

        with transaction.atomic():
            errors = _save_changed(rows, submitted, save)
            if errors:
                transaction.set_rollback(True)  # nothing is saved
        if errors:
            messages.error(request, _("Nothing was saved: correct what is marked below."))
        else:
            messages.success(request, _("The region's defaults are saved."))
            return redirect(f"{reverse('notification_defaults')}?region={region.pk}&role={role}")
    return render(request, "twinning/notification_defaults.html", {
        "choice": choice, "region": region, "role_label": Role(role).label,
        "rows": _rows(rows, errors, submitted), "channels": CHANNELS,
    }, status=400 if errors else 200)  # fmt: skip


# --- work-chat robots ----------------------------------------------------------------------


def may_register(user) -> bool:
    return can_register_robots(resolve_scope(user))


@login_required
@require_safe
def robot_list(request):
    if not may_register(request.user):
        raise PermissionDenied(_("Bureau staff and school coordinators register robots."))
    robots = selectors.robot_list_visible_to(request.user).order_by("name", "id")
    page = page_of(request, robots, PAGE_SIZE)
    return render(request, "twinning/robot_list.html", {"page_obj": page})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def robot_create(request):
    if not may_register(request.user):
        raise PermissionDenied(_("Bureau staff and school coordinators register robots."))
    form = RobotForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            robot = chat.robot_register(
                actor=request.user, name=data["name"], platform=data["platform"],
                webhook=data["webhook"], secret=data["secret"], **form.owner_object(),
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The robot is registered. Send a test message to see "
                                        "it reach the group."))  # fmt: skip
            return redirect("robot_detail", pk=robot.pk)
    status = 400 if form.errors else 200
    return render(request, "twinning/robot_form.html", {"form": form}, status=status)


@login_required
@require_safe
def robot_detail(request, pk: int):
    robot = selectors.robot_get_for_user(request.user, pk)
    page = page_of(request, selectors.deliveries_of(robot), PAGE_SIZE)
    return render(request, "twinning/robot_detail.html", {"robot": robot, "page_obj": page})


def _robot_action(request, pk, action, done):
    robot = selectors.robot_get_for_user(request.user, pk)
    action(actor=request.user, robot=robot)
    messages.success(request, done)
    return redirect("robot_detail", pk=robot.pk)


@login_required
@require_POST
def robot_test(request, pk: int):
    robot = selectors.robot_get_for_user(request.user, pk)
    answer = chat.robot_test(actor=request.user, robot=robot)
    if answer.ok:
        messages.success(request, _("The test message was sent: look for it in the group."))
    else:
        messages.error(request, _("The platform refused the test message: %(answer)s. Check the "
                                  "webhook address and, for 钉钉, the signing secret.")
                       % {"answer": answer.text})  # fmt: skip
    return redirect("robot_detail", pk=robot.pk)


@login_required
@require_POST
def robot_pause(request, pk: int):
    done = _("The robot is paused: its messages wait until it is resumed.")
    return _robot_action(request, pk, chat.robot_pause, done)


@login_required
@require_POST
def robot_resume(request, pk: int):
    done = _("The robot is active again; what waited is being sent.")
    return _robot_action(request, pk, chat.robot_resume, done)


@login_required
@require_POST
def robot_delete(request, pk: int):
    robot = selectors.robot_get_for_user(request.user, pk)
    name = robot.name
    chat.robot_delete(actor=request.user, robot=robot)
    messages.success(request, _("The robot of “%(name)s” is removed.") % {"name": name})
    return redirect("robot_list")
