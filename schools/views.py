"""School and programme pages: lists, CSV export, detail, create and edit.

Thin by design (STYLE.md): parse, call a selector or a service, render. Reads go
through :mod:`schools.selectors` (404 out of scope, 403 when a read-only user asks
to change); writes through :mod:`schools.services`, whose ``ValidationError``
changes nothing and is shown next to the field it names.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from twinning import access, calendar, history, imports
from twinning.downloads import table_response
from twinning.forms import add_service_errors
from twinning.paging import page_of

from . import hub, selectors, services
from .forms import (
    DayOverrideForm,
    ProgrammeFilter,
    ProgrammeForm,
    SchoolFilter,
    SchoolForm,
    TermDatesForm,
)
from .models import PairingStatus, Region
from .resources import SchoolResource

PAGE_SIZE = 25


def _filtered(filter_class, request, queryset):
    filterset = filter_class(request.GET or None, queryset=queryset, request=request)
    # A filter that does not validate (a stale link, a region out of scope) shows
    # nothing rather than silently widening the list.
    if filterset.is_bound and not filterset.is_valid():
        return filterset, queryset.none()
    return filterset, filterset.qs


def _is_filtered(filterset) -> bool:
    return filterset.is_bound and any(
        value not in (None, "") for value in getattr(filterset.form, "cleaned_data", {}).values()
    )


def _post_data(request):
    """Bind a form to a POST (even an empty one), never to a GET."""
    return request.POST if request.method == "POST" else None


def _require_bureau(scope) -> None:
    """Creating schools and programmes is bureau work (a read-only user gets 403)."""
    access.require(
        scope.is_admin or bool(scope.bureau_region_ids),
        _("Only bureau staff create schools and programmes."),
    )


def _status_counts(pairings) -> list[tuple[str, str, int]]:
    counts = dict(pairings.order_by().values_list("status").annotate(n=Count("id")))
    return [(value, label, counts.get(value, 0)) for value, label in PairingStatus.choices]


# --- schools ---------------------------------------------------------------------


@login_required
@require_safe
def school_list(request):
    filterset, schools = _filtered(
        SchoolFilter, request, selectors.school_list_visible_to(request.user)
    )
    page = page_of(request, schools, PAGE_SIZE)
    scope = request.scope
    return render(
        request,
        "schools/school_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "schools": page.object_list,
            "is_filtered": _is_filtered(filterset),
            "can_create": scope.is_admin or bool(scope.bureau_region_ids),
            "can_import": imports.KINDS["schools"].may_import(scope),
        },
    )


@login_required
@require_safe
def school_export(request, fmt: str = "csv"):
    """The filtered school list in the columns of the import (xlsx or CSV), so that it
    can be corrected and loaded again."""
    _filterset, schools = _filtered(
        SchoolFilter, request, selectors.school_list_visible_to(request.user)
    )
    rows = SchoolResource(user=request.user).export_rows(schools)
    return table_response("schools", rows[0], rows[1:], fmt)


@login_required
@require_safe
def school_detail(request, pk: int):
    school = selectors.school_get_for_user(request.user, pk)
    pairings = selectors.PairingRows(
        selectors.pairing_list_visible_to(request.user).filter(members__school=school).distinct()
    )[:]
    return render(
        request,
        "schools/school_detail.html",
        {
            "school": school,
            "pairings": pairings,
            "can_edit": access.can_manage_school(request.scope, school),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def school_create(request):
    _require_bureau(request.scope)
    form = SchoolForm(_post_data(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            school = services.school_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The school %(name)s was added.") % {"name": school.name})
            return redirect("schools:school_detail", pk=school.pk)
    return render(request, "schools/school_form.html", {"form": form, "school": None})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def school_edit(request, pk: int):
    school = selectors.school_get_for_user(request.user, pk, write=True)
    form = SchoolForm(
        _post_data(request), initial=SchoolForm.initial_for(school), user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            school = services.school_update(actor=request.user, school=school, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            # The service set the refused values on the object; show the saved record.
            school.refresh_from_db()
        else:
            messages.success(request, _("The school was saved."))
            return redirect("schools:school_detail", pk=school.pk)
    return render(request, "schools/school_form.html", {"form": form, "school": school})


# --- programmes ------------------------------------------------------------------


@login_required
@require_safe
def programme_list(request):
    filterset, programmes = _filtered(
        ProgrammeFilter, request, selectors.programme_list_visible_to(request.user)
    )
    page = page_of(request, programmes, PAGE_SIZE)
    scope = request.scope
    return render(
        request,
        "schools/programme_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "programmes": page.object_list,
            "is_filtered": _is_filtered(filterset),
            "can_create": scope.is_admin or bool(scope.bureau_region_ids),
        },
    )


@login_required
@require_safe
def programme_export(request, fmt: str):
    """The filtered programme list, in the page's columns."""
    _filterset, programmes = _filtered(
        ProgrammeFilter, request, selectors.programme_list_visible_to(request.user)
    )
    header = [_("Name"), _("Region"), _("Years"), _("Pairing kind"), _("Reach"),
              _("Funding per pairing (yuan)"), _("Open for proposals")]  # fmt: skip
    yes, no = _("Yes"), _("No")
    rows = (
        (
            p.name,
            p.region.name,
            f"{p.start_year}–{p.start_year + p.years}",
            p.get_pairing_kind_display(),
            p.get_reach_display(),
            p.funding_per_pair,
            yes if p.is_open else no,
        )  # fmt: skip
        for p in programmes.iterator(chunk_size=1000)
    )
    return table_response("programmes", header, rows, fmt)


@login_required
@require_safe
def programme_detail(request, pk: int):
    programme = selectors.programme_get_for_user(request.user, pk)
    pairings = selectors.pairing_list_visible_to(request.user).filter(programme=programme)
    page = page_of(request, selectors.PairingRows(pairings), PAGE_SIZE)
    context = hub.programme_context(
        request, programme, "overview",
        page_obj=page, pairings=page.object_list, status_counts=_status_counts(pairings),
        can_propose=programme.is_open and access.can_propose_in_programme(request.scope, programme),
        changes=history.recent_changes(
            programme.history.all(), fields=services.PROGRAMME_FIELDS, limit=5,
            wording={"region": lambda old, new: _("moved to another region"),
                     "description": lambda old, new: _("description changed")},
        ),
    )  # fmt: skip
    return render(request, "schools/programme_detail.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def programme_create(request):
    _require_bureau(request.scope)
    form = ProgrammeForm(_post_data(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The programme %(name)s was created.") % {"name": programme.name}
            )
            return redirect("schools:programme_detail", pk=programme.pk)
    return render(request, "schools/programme_form.html", {"form": form, "programme": None})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def programme_edit(request, pk: int):
    programme = selectors.programme_get_for_user(request.user, pk, write=True)
    form = ProgrammeForm(
        _post_data(request), initial=ProgrammeForm.initial_for(programme), user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_update(
                actor=request.user, programme=programme, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            programme.refresh_from_db()
        else:
            messages.success(request, _("The programme was saved."))
            return redirect("schools:programme_detail", pk=programme.pk)
    return render(request, "schools/programme_form.html", {"form": form, "programme": programme})


# --- the calendar's exceptions ---------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def day_overrides(request):
    """The working-day exceptions that hold for the user's regions; bureau staff add them
    for their region or one below it."""
    scope = request.scope
    can_add = scope.is_admin or bool(scope.bureau_region_ids)
    if request.method == "POST":
        access.require(can_add, _("Only bureau staff record working-day exceptions."))
    managed = Region.objects.all() if scope.is_admin else Region.objects.filter(
        id__any_of=scope.bureau_region_ids
    )  # fmt: skip
    form = DayOverrideForm(_post_data(request), regions=managed)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.day_override_set(
                actor=request.user, region=data["region_code"], date=data["date"],
                is_working_day=data["is_working_day"], note=data["note"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The exception is saved; it counts from now on."))
            return redirect("schools:day_overrides")
    days = selectors.day_override_list_visible_to(request.user).order_by("-date", "region__path")
    year = request.GET.get("year", "")
    if year.isdigit() and len(year) == 4:
        days = days.filter(date__year=int(year))
    page = page_of(request, days, 50)
    return render(
        request,
        "schools/day_overrides.html",
        {
            "form": form if can_add else None,
            "page_obj": page,
            "year": year,
            "managed": scope.bureau_region_ids,
            "is_admin": scope.is_admin,
        },  # fmt: skip
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def day_override_remove(request, pk: int):
    day = selectors.day_override_get_for_user(request.user, pk, write=True)
    try:
        services.day_override_remove(actor=request.user, day=day)
    except ValidationError as error:  # a day of a term that is over
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The exception is removed."))
    return redirect("schools:day_overrides")


def _term_of_record(record) -> str:
    """A term dates row (or its history record) as the changes list names it."""
    return _("%(region)s · %(first)s–%(second)s, term %(term)s (%(start)s – %(end)s)") % {
        "region": record.region.name, "first": record.school_year,
        "second": record.school_year + 1, "term": record.term,
        "start": f"{record.start:%Y-%m-%d}", "end": f"{record.end:%Y-%m-%d}",
    }  # fmt: skip


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def term_dates(request):
    """The regions' own term dates that hold for the user's regions, the dates that hold
    for their own regions without any, and the last changes; bureau staff set a term's
    dates for their region or one below it."""
    scope = request.scope
    can_set = scope.is_admin or bool(scope.bureau_region_ids)
    if request.method == "POST":
        access.require(can_set, _("Only bureau staff set term dates."))
    managed = Region.objects.all() if scope.is_admin else Region.objects.filter(
        id__any_of=scope.bureau_region_ids
    )  # fmt: skip
    today = calendar.today()
    form = TermDatesForm(
        _post_data(request),
        regions=managed,
        initial={"school_year": calendar.school_year_of(today)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.term_dates_set(
                actor=request.user, region=data["region_code"], school_year=data["school_year"],
                term=data["term"], start=data["start"], end=data["end"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The term dates are saved; they count from now on."))
            return redirect("schools:term_dates")
    rows = selectors.term_dates_list_visible_to(request.user).order_by(
        "-school_year", "region__path", "term"
    )
    year = request.GET.get("year", "")
    if year.isdigit() and len(year) == 4:
        rows = rows.filter(school_year=int(year))
    page = page_of(request, rows, 50)
    return render(
        request,
        "schools/term_dates.html",
        {
            "form": form if can_set else None,
            "page_obj": page,
            "year": year,
            "today": today,
            "held": selectors.term_dates_holding_for_user(request.user, today),
            "changes": history.recent_changes(
                selectors.term_dates_history_visible_to(request.user),
                fields=("start", "end"),
                describe=_term_of_record,
            ),
            "managed": scope.bureau_region_ids,
            "is_admin": scope.is_admin,
        },  # fmt: skip
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def term_dates_remove(request, pk: int):
    dates = selectors.term_dates_get_for_user(request.user, pk, write=True)
    try:
        services.term_dates_remove(actor=request.user, dates=dates)
    except ValidationError as error:  # a term that is over
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The term dates are removed; the dates above them hold again."))
    return redirect("schools:term_dates")
