"""Activity pages: the list and its downloads, scheduling, an activity with its evidence,
logging it, and the pairing's exchanges tab.

Thin by design: reads through :mod:`activities.selectors` (404 out of scope, 403 on a
write a read-only user may not make), writes through :mod:`activities.services`, whose
``ValidationError`` changes nothing and is shown next to the field it names.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from schools import hub
from schools import selectors as school_selectors
from schools.models import School
from schools.pairing_forms import PairingFilter
from schools.selectors import pairing_row
from schools.views import PAGE_SIZE, _filtered, _is_filtered, _post_data
from teachers import selectors as teacher_selectors
from twinning import access, calendar, history, imports, progress
from twinning.attachments import stored_file_response, thumbnail_response
from twinning.downloads import table_response
from twinning.forms import add_service_errors
from twinning.paging import page_of
from twinning.pdf import render_pdf

from . import participation, selectors, services, targets
from .forms import (
    ActivityFilter,
    ActivityForm,
    ActivityKindForm,
    CancelForm,
    CompleteForm,
    ConfirmDaysForm,
    EvidenceForm,
    PostponeForm,
    ResourceFilter,
    ResourceForm,
    SecondmentFilter,
    SecondmentForm,
)
from .models import Activity, ActivityKind, ActivityStatus, Secondment
from .resources import ActivityResource

# The coming and the unlogged activities the tab shows; the list has them all.
SECTION_ROWS = 10

# --- list and download -------------------------------------------------------------------


def _rows(activities) -> list:
    """A page of activities with their evidence counts (one more query)."""
    rows = list(activities)
    counts = selectors.evidence_counts(a.pk for a in rows)
    for activity in rows:
        activity.evidence_count = counts.get(activity.pk, 0)
    return rows


@login_required
@require_safe
def activity_list(request):
    filterset, activities = _filtered(
        ActivityFilter, request, selectors.activity_list_visible_to(request.user)
    )
    page = page_of(request, activities, PAGE_SIZE)
    return render(
        request,
        "activities/activity_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "activities": _rows(page.object_list),
            "is_filtered": _is_filtered(filterset),
            "can_import": imports.kind_get("activities").may_import(request.scope),
        },
    )


@login_required
@require_safe
def activity_export(request, fmt: str):
    """The filtered activity list in the columns of the import, so that the file can be
    corrected and loaded again."""
    _filterset, activities = _filtered(
        ActivityFilter, request, selectors.activity_list_visible_to(request.user)
    )
    rows = ActivityResource(user=request.user).export_rows(activities)
    return table_response("activities", rows[0], rows[1:], fmt)


# --- schedule and change -----------------------------------------------------------------


def _form(request, pairing, instance=None) -> ActivityForm:
    school_ids, _regions = school_selectors.member_ids(pairing)
    schools = School.objects.filter(pk__in=school_ids)
    return ActivityForm(
        _post_data(request), instance=instance, schools=schools.order_by("name"),
        teachers=selectors.pairing_teachers(pairing),
    )  # fmt: skip


def _warn_clashes(request, clashes) -> None:
    for clash in clashes:
        messages.warning(request, clash.message)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def activity_create(request, pk: int):
    """Schedule an activity of the pairing ``pk``."""
    pairing = school_selectors.pairing_get_for_user(request.user, pk)
    access.require(
        selectors.can_schedule(request.user, pairing),
        _("The coordinators of the pairing's schools schedule its activities."),
    )
    form = _form(request, pairing)
    if request.method == "POST" and form.is_valid():
        try:
            activity, clashes = services.activity_schedule(
                actor=request.user, pairing=pairing, **form.plan()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The activity is scheduled."))
            _warn_clashes(request, clashes)
            return redirect("activities:activity_detail", activity.pk)
    return render(request, "activities/activity_form.html", {"form": form, "pairing": pairing})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def activity_edit(request, pk: int):
    activity = selectors.activity_get_for_user(request.user, pk, write=True)
    if not activity.is_open:
        messages.error(request, _("A completed or cancelled activity can no longer be changed."))
        return redirect("activities:activity_detail", activity.pk)
    form = _form(request, activity.pairing, instance=activity)
    if request.method == "POST" and form.is_valid():
        try:
            activity, clashes = services.activity_update(
                actor=request.user, activity=activity, **form.plan()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The activity is saved."))
            _warn_clashes(request, clashes)
            return redirect("activities:activity_detail", activity.pk)
    return render(
        request,
        "activities/activity_form.html",
        {"form": form, "pairing": activity.pairing, "activity": activity},
    )


# --- an activity ---------------------------------------------------------------------------


def _detail(request, activity, **forms):
    can_write = selectors.can_schedule(request.user, activity.pairing)
    school_ids, _regions = school_selectors.member_ids(activity.pairing)
    library = selectors.can_read_resources(request.user, activity.pairing)
    context = {
        "resources": list(activity.resources.select_related("school")) if library else [],
        "can_share": access.can_share_resources(request.scope, activity.pairing, school_ids),
        "activity": activity,
        "pairing": activity.pairing,
        "can_write": can_write,
        "is_past": activity.starts_at <= timezone.now(),
        **selectors.activity_detail(activity),
    }
    if can_write and activity.is_open:
        context["complete_form"] = forms.get("complete") or CompleteForm(
            initial={"student_count": activity.student_count}
        )
        context["cancel_form"] = forms.get("cancel") or CancelForm()
        context["postpone_form"] = forms.get("postpone") or PostponeForm(
            initial={"starts_at": activity.starts_at, "ends_at": activity.ends_at}
        )
    if can_write and activity.status != ActivityStatus.CANCELLED:
        context["evidence_form"] = forms.get("evidence") or EvidenceForm()
    status = 400 if forms else 200
    return render(request, "activities/activity_detail.html", context, status=status)


@login_required
@require_safe
def activity_detail(request, pk: int):
    return _detail(request, selectors.activity_get_for_user(request.user, pk))


@login_required
@require_POST
def activity_complete(request, pk: int):
    activity = selectors.activity_get_for_user(request.user, pk, write=True)
    form = CompleteForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.activity_complete(
                actor=request.user, activity=activity, summary=form.cleaned_data["summary"],
                files=form.cleaned_data["evidence"],
                student_count=form.cleaned_data["student_count"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The activity is logged as held."))
            return redirect("activities:activity_detail", activity.pk)
    return _detail(request, activity, complete=form)


@login_required
@require_POST
def activity_cancel(request, pk: int):
    activity = selectors.activity_get_for_user(request.user, pk, write=True)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.activity_cancel(
                actor=request.user, activity=activity, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The activity is cancelled."))
            return redirect("activities:activity_detail", activity.pk)
    return _detail(request, activity, cancel=form)


@login_required
@require_POST
def activity_postpone(request, pk: int):
    activity = selectors.activity_get_for_user(request.user, pk, write=True)
    form = PostponeForm(request.POST)
    if form.is_valid():
        try:
            _activity, clashes = services.activity_postpone(
                actor=request.user, activity=activity, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The activity is postponed; its earlier dates are kept."))
            _warn_clashes(request, clashes)
            return redirect("activities:activity_detail", activity.pk)
    return _detail(request, activity, postpone=form)


@login_required
@require_POST
def evidence_add(request, pk: int):
    activity = selectors.activity_get_for_user(request.user, pk, write=True)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            added = services.evidence_add(
                actor=request.user, activity=activity, files=form.cleaned_data["evidence"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(count)s file(s) added.") % {"count": len(added)})
            return redirect("activities:activity_detail", activity.pk)
    return _detail(request, activity, evidence=form)


@login_required
@require_POST
def evidence_remove(request, pk: int):
    evidence = selectors.evidence_get_for_user(request.user, pk)
    activity = selectors.activity_get_for_user(request.user, evidence.activity_id, write=True)
    try:
        services.evidence_remove(actor=request.user, evidence=evidence)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The file is removed."))
    return redirect("activities:activity_detail", activity.pk)


@login_required
@require_safe
def evidence_download(request, pk: int):
    evidence = selectors.evidence_get_for_user(request.user, pk)
    return stored_file_response(evidence)


@login_required
@require_safe
def evidence_thumbnail(request, pk: int):
    return thumbnail_response(selectors.evidence_get_for_user(request.user, pk))


# --- the pairing's exchanges tab ----------------------------------------------------------


@login_required
@require_safe
def pairing_exchanges(request, pk: int):
    pairing = school_selectors.pairing_get_for_user(request.user, pk)
    # The pairing is readable, so are its activities: no second scope query.
    activities = Activity.objects.filter(pairing=pairing).select_related("kind", "host_school")
    now = timezone.now()
    open_ones = activities.filter(status__in=[ActivityStatus.PLANNED, ActivityStatus.POSTPONED])
    upcoming = open_ones.filter(ends_at__gte=now).order_by("starts_at", "id")
    to_log = open_ones.filter(ends_at__lt=now).order_by("starts_at", "id")
    past = activities.filter(
        status__in=[ActivityStatus.COMPLETED, ActivityStatus.CANCELLED]
    ).order_by("-starts_at", "-id")
    page = page_of(request, past, PAGE_SIZE)
    year = calendar.period_bounds("year", calendar.school_year_of(calendar.today()), None)
    of_pairing = Secondment.objects.filter(pairing=pairing)
    secondments = selectors.with_days(
        of_pairing.filter(end__gte=year[0])
        .select_related("teacher", "home_school", "host_school", "host_region")
        .order_by("-start", "-id")[:SECTION_ROWS]
    )
    context = hub.context(
        request, pairing, "exchanges", standing=targets.pairing_standing(pairing),
        upcoming=_rows(upcoming[:SECTION_ROWS]), to_log=_rows(to_log[:SECTION_ROWS]),
        page_obj=page, past=_rows(page.object_list), section_rows=SECTION_ROWS,
        secondments=secondments,
        served_this_year=selectors.secondment_days(of_pairing, *year).get(pairing.pk, 0),
        can_schedule=selectors.can_schedule(request.user, pairing)
        and pairing.status in services.LIVE_PAIRING_STATUSES,
    )  # fmt: skip
    return render(request, "activities/pairing_exchanges.html", context)


# --- secondments ---------------------------------------------------------------------------


@login_required
@require_safe
def secondment_list(request):
    filterset, secondments = _filtered(
        SecondmentFilter, request, selectors.secondment_list_visible_to(request.user)
    )
    page = page_of(request, secondments, PAGE_SIZE)
    return render(
        request,
        "activities/secondment_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "secondments": selectors.with_days(page.object_list),
            "is_filtered": _is_filtered(filterset),
        },
    )


@login_required
@require_safe
def secondment_export(request, fmt: str):
    _filterset, secondments = _filtered(
        SecondmentFilter, request, selectors.secondment_list_visible_to(request.user)
    )
    header = [_("Person"), _("Home school"), _("Host school"), _("Kind"), _("First day"),
              _("Last day"), _("Working days served"), _("Working days planned"), _("Duties"),
              _("Cancelled")]  # fmt: skip
    rows = (
        (
            s.teacher.name,
            s.home_school.name,
            s.host_school.name,
            s.get_kind_display(),
            s.start.isoformat(),
            s.end.isoformat(),
            s.days_served(),
            0 if s.is_cancelled else s.days_planned(),
            s.duties,
            s.cancelled_reason,
        )  # fmt: skip
        for s in secondments.iterator(chunk_size=1000)
    )
    return table_response("secondments", header, rows, fmt)


def _secondment_form(request, pairing, instance=None) -> SecondmentForm:
    school_ids, _regions = school_selectors.member_ids(pairing)
    return SecondmentForm(
        _post_data(request), instance=instance,
        schools=School.objects.filter(pk__in=school_ids).order_by("name"),
        teachers=selectors.pairing_teachers(pairing),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def secondment_create(request, pk: int):
    pairing = school_selectors.pairing_get_for_user(request.user, pk)
    access.require(
        selectors.can_schedule(request.user, pairing),
        _("The coordinators of the pairing's schools record its secondments."),
    )
    form = _secondment_form(request, pairing)
    if request.method == "POST" and form.is_valid():
        try:
            secondment = services.secondment_record(
                actor=request.user, pairing=pairing, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The secondment is recorded."))
            return redirect(secondment)
    return render(request, "activities/secondment_form.html", {"form": form, "pairing": pairing})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def secondment_edit(request, pk: int):
    secondment = selectors.secondment_get_for_user(request.user, pk, write=True)
    if secondment.is_cancelled:
        messages.error(request, _("A cancelled secondment can no longer be changed."))
        return redirect(secondment)
    form = _secondment_form(request, secondment.pairing, instance=secondment)
    if request.method == "POST" and form.is_valid():
        try:
            secondment = services.secondment_update(
                actor=request.user, secondment=secondment, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The secondment is saved."))
            return redirect(secondment)
    context = {"form": form, "pairing": secondment.pairing, "secondment": secondment}
    return render(request, "activities/secondment_form.html", context)


def _secondment_page(request, secondment, cancel_form=None, confirm_form=None):
    can_write = selectors.can_schedule(request.user, secondment.pairing)
    served = secondment.days_served()
    planned = 0 if secondment.is_cancelled else secondment.days_planned()
    can_confirm = not secondment.is_cancelled and services.can_confirm_days(
        request.user, secondment
    )
    context = {
        "secondment": secondment,
        "pairing": secondment.pairing,
        "served": served,
        "planned": planned,
        "can_write": can_write and not secondment.is_cancelled,
        "cancel_form": cancel_form or CancelForm(),
        "can_confirm": can_confirm,
        "confirm_open": calendar.today() >= secondment.days_confirmable_from,
    }
    if confirm_form is not None:
        context["confirm_form"] = confirm_form  # its errors are shown, even a cancelled one's
    elif can_confirm:
        context["confirm_form"] = ConfirmDaysForm(initial={"days": served}, planned=planned)
    status = 400 if cancel_form or confirm_form else 200
    return render(request, "activities/secondment_detail.html", context, status=status)


@login_required
@require_safe
def secondment_detail(request, pk: int):
    return _secondment_page(request, selectors.secondment_get_for_user(request.user, pk))


@login_required
@require_POST
def secondment_cancel(request, pk: int):
    secondment = selectors.secondment_get_for_user(request.user, pk, write=True)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.secondment_cancel(
                actor=request.user, secondment=secondment, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The secondment is cancelled."))
            return redirect(secondment)
    return _secondment_page(request, secondment, cancel_form=form)


@login_required
@require_POST
def secondment_confirm_days(request, pk: int):
    """The host school confirms the working days served (see the service for when)."""
    secondment = selectors.secondment_get_for_user(request.user, pk)
    access.require(
        services.can_confirm_days(request.user, secondment),
        _("The host school's coordinators and the pairing's bureau confirm the days served."),
    )
    planned = 0 if secondment.is_cancelled else secondment.days_planned()
    form = ConfirmDaysForm(request.POST, planned=planned)
    if form.is_valid():
        try:
            services.secondment_confirm_days(
                actor=request.user, secondment=secondment, days=form.cleaned_data["days"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The days served are confirmed."))
            return redirect(secondment)
    return _secondment_page(request, secondment, confirm_form=form)


# --- targets --------------------------------------------------------------------------------


def _target_rows(request, pairings, group: str) -> tuple[list[dict], object]:
    """The roll-up by county, or one row a pairing, kept a minute (twinning.progress)."""
    params = progress.query_params(request.GET)

    def count() -> list[dict]:
        if group == "county":
            return targets.rollup(pairings)
        found = targets.standings(pairings)
        rows = [
            pairing_row(p) | {"standing": found[p.pk]} for p in pairings.filter(pk__in=list(found))
        ]
        rows.sort(key=lambda r: (-progress.SEVERITY[r["standing"].status], r["title"]))
        return rows

    return progress.kept("exchange-targets", request.user, [*params, ("group", group)], count)


@login_required
@require_safe
def targets_overview(request):
    """Where the approved and active pairings in scope stand against their exchange
    targets: by county with a chart, or pairing by pairing; Excel and CSV too."""
    filterset, pairings = _filtered(
        PairingFilter, request, school_selectors.pairing_list_visible_to(request.user)
    )
    group = "pairing" if request.GET.get("group") == "pairing" else "county"
    rows, as_of = _target_rows(request, pairings, group)
    statuses = [(s, progress.STATUS_LABELS[s]) for s in progress.ROLLUP_STATUSES]
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        if group == "county":
            header = [_("County"), *[str(label) for _s, label in statuses], _("Total")]
            data = ([r["name"], *[r[s] for s, _l in statuses], r["total"]] for r in rows)
        else:
            header = [_("Pairing"), _("Standing"), _("Target"), _("Done"), _("Required"),
                      _("Line standing")]  # fmt: skip
            data = (
                [r["title"], r["standing"].status_label, line.label, line.done, line.required,
                 line.status_label]
                for r in rows for line in r["standing"].lines
            )  # fmt: skip
        return table_response("exchange-targets", header, data, fmt)
    chart = None
    if group == "county":
        title = _("Pairings by standing against their targets")
        chart, _when = progress.kept(
            "exchange-targets-chart", request.user,
            [*progress.query_params(request.GET), ("at", as_of.isoformat())],
            lambda: progress.standing_chart(rows[:20], title),
        )  # fmt: skip
    page = page_of(request, rows, 50)
    return render(
        request,
        "activities/targets.html",
        {
            "filter": filterset,
            "is_filtered": _is_filtered(filterset),
            "group": group,
            "rows": page.object_list,
            "page_obj": page,
            "chart": chart,
            "as_of": as_of,
            "statuses": statuses,
        },
    )


# --- the shared resource library -----------------------------------------------------------


def _resource_page(request, pairing=None, form=None, status=200):
    resources = selectors.resource_list_visible_to(request.user)
    if pairing is not None:
        resources = resources.filter(pairing=pairing)
    filterset, resources = _filtered(ResourceFilter, request, resources)
    page = page_of(request, resources, PAGE_SIZE)
    rows = list(page.object_list)
    for resource in rows:
        resource.can_remove = access.can_remove_resource(request.scope, resource, request.user.pk)
    context = {
        "filter": filterset,
        "is_filtered": _is_filtered(filterset),
        "page_obj": page,
        "resources": rows,
        "form": form,
    }
    if pairing is None:
        return render(request, "activities/resource_list.html", context, status=status)
    context = hub.context(request, pairing, "resources", **context)
    return render(request, "activities/pairing_resources.html", context, status=status)


def _resource_form(request, pairing) -> ResourceForm | None:
    school_ids, _regions = school_selectors.member_ids(pairing)
    if pairing.status not in services.LIVE_PAIRING_STATUSES or not access.can_share_resources(
        request.scope, pairing, school_ids
    ):
        return None
    activities = Activity.objects.filter(pairing=pairing).order_by("-starts_at", "-id")
    initial = {"activity": request.GET.get("activity")} if request.GET.get("activity") else {}
    return ResourceForm(
        _post_data(request), request.FILES or None, activities=activities, initial=initial
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def pairing_resources(request, pk: int):
    """The pairing's shared library: search it, download, and (its schools) add to it."""
    pairing = school_selectors.pairing_get_for_user(request.user, pk)
    access.require(
        selectors.can_read_resources(request.user, pairing),
        _("The library is for the pairing's schools and its bureau."),
    )
    form = _resource_form(request, pairing)
    if request.method == "POST":
        access.require(form is not None, _("The pairing's schools add to its library."))
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.resource_share(
                    actor=request.user, pairing=pairing, upload=data.pop("file"), **data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The resource is shared with the pairing."))
                return redirect("activities:pairing_resources", pairing.pk)
        return _resource_page(request, pairing, form, status=400)
    return _resource_page(request, pairing, form)


@login_required
@require_safe
def resource_list(request):
    return _resource_page(request)


@login_required
@require_safe
def resource_export(request, fmt: str):
    """The filtered library, as the list shows it (the files themselves stay behind
    their links)."""
    _filterset, resources = _filtered(
        ResourceFilter, request, selectors.resource_list_visible_to(request.user)
    )
    header = [_("Resource"), _("Description"), _("Category"), _("Subject"), _("Grade"),
              _("Shared by"), _("Uploaded by"), _("Uploaded"), _("Size"),
              _("Pairing number")]  # fmt: skip
    rows = (
        (
            r.title,
            r.description,
            r.get_category_display(),
            r.subject,
            r.get_grade_display(),
            r.school.name,
            r.uploaded_by.display_name,
            timezone.localtime(r.uploaded_at).strftime("%Y-%m-%d %H:%M"),
            filesizeformat(r.size).replace("\xa0", " "),
            r.pairing_id,
        )  # fmt: skip
        for r in resources.iterator(chunk_size=1000)
    )
    return table_response("resources", header, rows, fmt)


@login_required
@require_safe
def resource_download(request, pk: int):
    resource = selectors.resource_get_for_user(request.user, pk)
    return stored_file_response(resource)


@login_required
@require_safe
def resource_thumbnail(request, pk: int):
    return thumbnail_response(selectors.resource_get_for_user(request.user, pk))


@login_required
@require_POST
def resource_remove(request, pk: int):
    resource = selectors.resource_get_for_user(request.user, pk)
    access.require(
        access.can_remove_resource(request.scope, resource, request.user.pk),
        _("Whoever shared it, their school's coordinators and the pairing's bureau remove a "
          "resource."),
    )  # fmt: skip
    services.resource_remove(actor=request.user, resource=resource)
    messages.success(request, _("The resource is removed."))
    return redirect("activities:pairing_resources", resource.pairing_id)


# --- a teacher's participation record ---------------------------------------------------------


def _participation(request, pk: int):
    teacher = teacher_selectors.teacher_get_for_user(request.user, pk)
    access.require(
        participation.can_read(request.user, teacher),
        _("A participation record is for the teacher, their school's coordinators and the "
          "bureau."),
    )  # fmt: skip
    years = participation.year_choices()
    year = request.GET.get("year", "")
    school_year = int(year) if year.isdigit() and int(year) in years else years[0]
    return participation.build(teacher, school_year), years


@login_required
@require_safe
def participation_record(request, pk: int):
    record, years = _participation(request, pk)
    return render(request, "activities/participation.html", {"record": record, "years": years})


@login_required
@require_safe
def participation_pdf(request, pk: int):
    record, _years = _participation(request, pk)
    body = render_pdf(
        "activities/pdf/participation.html",
        {"record": record, "printed_on": calendar.today(), "site": request.get_host()},
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True,
        filename=f"{record.teacher.name}-{record.year_label}-participation.pdf",
    )
    return response


# --- the list of activity kinds -------------------------------------------------------------


def _in_chinese() -> bool:
    return (get_language() or "").startswith("zh")


def _kind_list_page(request, form, status=200):
    kinds = selectors.activity_kinds_with_counts(request.user)
    if form is not None and not form.is_bound:
        form.initial["order"] = max((kind.order for kind in kinds), default=90) + 10
    context = {
        "kinds": kinds,
        "form": form,
        "changes": history.recent_changes(
            ActivityKind.history.all(),
            fields=selectors.KIND_HISTORY_FIELDS,
            describe=lambda row: row.name_zh if _in_chinese() else row.name_en,
            wording={
                "is_active": lambda old, new: _("back in use") if new else _("taken out of use")
            },
        ),
    }
    return render(request, "activities/kind_list.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def kind_list(request):
    """The kinds of activity, one list for every region: everyone with a role reads it;
    administrators and the province's bureau add kinds here (and change them on
    :func:`kind_edit`)."""
    scope = request.scope
    access.require(not scope.is_empty)  # every role reads it; the admin's scope is never empty
    keeper = access.can_manage_activity_kinds(scope)
    if request.method == "POST":
        access.require(
            keeper, _("Administrators and the province's bureau keep the list of activity kinds.")
        )
    form = ActivityKindForm(_post_data(request)) if keeper else None
    if request.method == "POST" and form.is_valid():
        try:
            kind = services.activity_kind_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("“%(kind)s” is added to the list.") % {"kind": kind.name})
            return redirect("activities:kind_list")
    return _kind_list_page(request, form, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def kind_edit(request, pk: int):
    """Rename a kind, move it in the list, take it out of use or back into use."""
    kind = selectors.activity_kind_get(pk)
    access.require(
        access.can_manage_activity_kinds(request.scope),
        _("Administrators and the province's bureau keep the list of activity kinds."),
    )
    form = ActivityKindForm(_post_data(request), kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_kind_update(actor=request.user, kind=kind, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            kind.refresh_from_db()
        else:
            messages.success(request, _("“%(kind)s” is saved.") % {"kind": kind.name})
            return redirect("activities:kind_list")
    return render(
        request,
        "activities/kind_form.html",
        {"form": form, "kind": kind},
        status=400 if request.method == "POST" else 200,
    )
