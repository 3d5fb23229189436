"""Mentorship pages: the list, a mentorship with its records, filing and reviewing, the
mentor's review queue, compliance tables, and the pairing's mentorships tab.

Thin by design: reads through :mod:`teachers.selectors` (404 out of scope, 403 on a
write a read-only user may not make), writes through :mod:`teachers.services`, whose
``ValidationError`` changes nothing and is shown next to the field it names.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from schools import hub
from schools import selectors as school_selectors
from schools.views import PAGE_SIZE, _filtered, _is_filtered, _post_data
from twinning import access, imports, progress
from twinning.attachments import (
    agreement_filename,
    file_response,
    stored_file_response,
    thumbnail_response,
)
from twinning.downloads import table_response
from twinning.forms import add_service_errors
from twinning.paging import page_of

from . import charts, compliance, selectors, services
from .mentorship_forms import (
    LESSON_KIND_VALUES,
    CommentForm,
    MentorshipFilter,
    MentorshipForm,
    ReasonForm,
    RecordForm,
)
from .mentorship_resources import MentorshipResource
from .models import REFLECTION_QUESTIONS, Mentorship, MentorshipStatus

# --- list and download -------------------------------------------------------------------


@login_required
@require_safe
def mentorship_list(request):
    filterset, mentorships = _filtered(
        MentorshipFilter, request, selectors.mentorship_list_visible_to(request.user)
    )
    page = page_of(request, mentorships, PAGE_SIZE)
    return render(
        request,
        "teachers/mentorship_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "mentorships": compliance.with_standings(page.object_list),
            "is_filtered": _is_filtered(filterset),
            "can_start": access.keeps_school_records(request.scope),
            "can_import": imports.kind_get("mentorships").may_import(request.scope),
            "to_review": selectors.review_queue(request.user).count(),
        },
    )


@login_required
@require_safe
def mentorship_export(request, fmt: str):
    """The filtered mentorship list in the columns of the import, so that the file can be
    corrected and loaded again."""
    _filterset, mentorships = _filtered(
        MentorshipFilter, request, selectors.mentorship_list_visible_to(request.user)
    )
    rows = MentorshipResource(user=request.user).export_rows(mentorships)
    return table_response("mentorships", rows[0], rows[1:], fmt)


# --- start one ---------------------------------------------------------------------------


def _candidate_teachers(request):
    """The teachers a new mentorship may join: of the pairing (``?pairing=``) or the school
    (``?school=``) asked for, or of the coordinator's own school and its partners."""
    teachers = selectors.teacher_list_visible_to(request.user).filter(is_active=True)
    pairing_id, school_id = request.GET.get("pairing", ""), request.GET.get("school", "")
    if pairing_id.isdigit():
        pairing = school_selectors.pairing_get_for_user(request.user, int(pairing_id))
        school_ids, _regions = school_selectors.member_ids(pairing)
        return teachers.filter(school_id__in=school_ids), pairing
    if school_id.isdigit():
        school = school_selectors.school_get_for_user(request.user, int(school_id))
        partners = school_selectors.partner_school_ids([school.pk]).values("school_id")
        return teachers.filter(Q(school=school) | Q(school_id__in=partners)), None
    if request.scope.coordinator_school_ids:
        own = request.scope.coordinator_school_ids
        partners = school_selectors.partner_school_ids(own).values("school_id")
        return teachers.filter(Q(school_id__in=own) | Q(school_id__in=partners)), None
    return None, None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mentorship_create(request):
    scope = request.scope
    access.require(
        access.keeps_school_records(scope), _("Coordinators and bureau staff start mentorships.")
    )
    teachers, pairing = _candidate_teachers(request)
    if teachers is None:
        return render(request, "teachers/mentorship_choose.html", {})
    form = MentorshipForm(
        _post_data(request), request.FILES or None,
        teachers=teachers.select_related("school").order_by("school__name", "name"),
        can_grant=scope.is_admin or bool(scope.bureau_region_ids),
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            mentorship = services.mentorship_create(
                actor=request.user, pairing=pairing, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The mentorship was started."))
            return redirect("teachers:mentorship_detail", pk=mentorship.pk)
    return render(request, "teachers/mentorship_form.html", {"form": form, "pairing": pairing})


# --- one mentorship ------------------------------------------------------------------------


RECORDS_PER_PAGE = 20


def _with_threads(page):
    """Each record of the page given its comment thread (one query for the page)."""
    comments = selectors.record_timeline([r.pk for r in page])
    for record in page:
        record.thread = comments.get(record.pk, [])
    return page


def _timeline(request, mentorship):
    """A page of the mentorship's records, newest first, each with its comment thread and
    the checklist's answers under their questions."""
    records = (
        selectors.record_list_visible_to(request.user)
        .filter(mentorship=mentorship)
        .select_related("signed_off_by")
        .order_by("-date", "-id")
    )
    page = _with_threads(page_of(request, records, RECORDS_PER_PAGE))
    for record in page:
        record.answers = [
            (question, record.checklist[key])
            for key, question in REFLECTION_QUESTIONS.items()
            if record.checklist.get(key)
        ]
    return page


@login_required
@require_safe
def mentorship_detail(request, pk: int):
    mentorship = selectors.mentorship_get_for_user(request.user, pk)
    side = mentorship.side_of(request.user)
    is_active = mentorship.status == MentorshipStatus.ACTIVE
    return render(
        request,
        "teachers/mentorship_detail.html",
        {
            "mentorship": mentorship,
            "side": side,
            "standing": compliance.mentorship_standing(mentorship),
            "records": _timeline(request, mentorship),
            "can_manage": is_active and access.can_manage_mentorship(request.scope, mentorship),
            "can_file": is_active and side is not None,
            "can_accept": is_active
            and side is not None
            and getattr(mentorship, Mentorship.accepted_field(side)) is None
            and bool(mentorship.agreement_text.strip() or mentorship.agreement_file),
            "comment_form": CommentForm(),
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def mentorship_accept(request, pk: int):
    mentorship = selectors.mentorship_get_for_user(request.user, pk)
    try:
        services.mentorship_accept(actor=request.user, mentorship=mentorship)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You accepted the agreement."))
    return redirect("teachers:mentorship_detail", pk=pk)


@login_required
@require_POST
def mentorship_close(request, pk: int, action: str):
    if action not in ("complete", "terminate"):
        raise Http404
    mentorship = selectors.mentorship_get_for_user(request.user, pk, write=True)
    form = ReasonForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    try:
        if action == "complete":
            services.mentorship_complete(actor=request.user, mentorship=mentorship, comment=reason)
        else:
            services.mentorship_terminate(actor=request.user, mentorship=mentorship, reason=reason)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The mentorship was closed."))
    return redirect("teachers:mentorship_detail", pk=pk)


@login_required
@require_safe
def mentorship_agreement(request, pk: int):
    mentorship = selectors.mentorship_get_for_user(request.user, pk)
    return file_response(mentorship.agreement_file, filename=agreement_filename(mentorship))


# --- records --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def record_create(request, pk: int):
    """File a record: the page a mentee reaches from home in one tap, on a phone."""
    mentorship = selectors.mentorship_get_for_user(request.user, pk)
    side = mentorship.side_of(request.user)
    access.require(side is not None, _("Only the mentor and the mentee file records."))
    initial = {"kind": request.GET.get("kind", "")}
    form = RecordForm(
        _post_data(request), request.FILES or None, side=side, mentorship=mentorship,
        initial=initial,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            record = services.record_file(
                actor=request.user, mentorship=mentorship, **form.service_kwargs()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Filed: %(kind)s of %(date)s.") % {
                    "kind": record.get_kind_display(), "date": record.date}
            )  # fmt: skip
            return redirect(reverse("teachers:mentorship_detail", args=[pk]) + "#records")
    return render(
        request,
        "teachers/record_form.html",
        {"form": form, "mentorship": mentorship, "record": None,
         "lesson_kinds": LESSON_KIND_VALUES},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def record_edit(request, pk: int):
    record = selectors.record_get_for_user(request.user, pk, write=True)
    mentorship = record.mentorship
    if record.is_locked:
        messages.error(
            request, _("The mentor has signed this record off; it can no longer change.")
        )
        return redirect("teachers:mentorship_detail", pk=mentorship.pk)
    form = RecordForm(
        _post_data(request), side=record.filed_by, mentorship=mentorship, record=record,
        initial=RecordForm.initial_for(record),
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.record_update(actor=request.user, record=record, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The record was saved."))
            return redirect(
                reverse("teachers:mentorship_detail", args=[mentorship.pk]) + f"#record-{pk}"
            )
    return render(
        request,
        "teachers/record_form.html",
        {"form": form, "mentorship": mentorship, "record": record,
         "lesson_kinds": LESSON_KIND_VALUES},
    )  # fmt: skip


def _record_action(request, pk: int, act) -> object:
    record = selectors.record_get_for_user(request.user, pk)
    target = reverse("teachers:mentorship_detail", args=[record.mentorship_id]) + f"#record-{pk}"
    try:
        act(record)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(request.POST["next"] if _safe_next(request) else target)


def _safe_next(request) -> bool:
    # Only back to a page of this site (the review queue), never elsewhere.
    return url_has_allowed_host_and_scheme(
        request.POST.get("next", ""),
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    )


@login_required
@require_POST
def record_comment(request, pk: int):
    form = CommentForm(request.POST)

    def act(record):
        access.require(
            record.mentorship.side_of(request.user) is not None,
            _("Only the mentor and the mentee comment on records."),
        )
        if not form.is_valid():
            raise ValidationError(_("Write a comment."))
        services.record_comment(actor=request.user, record=record, text=form.cleaned_data["text"])
        messages.success(request, _("Your comment was added."))

    return _record_action(request, pk, act)


@login_required
@require_POST
def record_sign_off(request, pk: int):
    def act(record):
        services.record_sign_off(actor=request.user, record=record)
        messages.success(request, _("The record was signed off."))

    return _record_action(request, pk, act)


@login_required
@require_safe
def attachment_download(request, pk: int):
    attachment = selectors.attachment_get_for_user(request.user, pk)
    return stored_file_response(attachment)


@login_required
@require_safe
def attachment_thumbnail(request, pk: int):
    return thumbnail_response(selectors.attachment_get_for_user(request.user, pk))


# --- the mentor's review queue ---------------------------------------------------------------


@login_required
@require_safe
def review_queue(request):
    """The records to sign off, each with its photos and files and the comments so far, so
    that the mentor reviews from here (three queries for a page, whatever its length)."""
    queue = selectors.review_queue(request.user).prefetch_related("attachments")
    page = _with_threads(page_of(request, queue, PAGE_SIZE))
    return render(request, "teachers/review_queue.html", {"page_obj": page, "records": page})


@login_required
@require_safe
def review_queue_export(request, fmt: str):
    """The records waiting for the user's sign-off, oldest first. Records have no list
    with a download of its own, so the queue has one."""
    header = [_("Mentee"), _("What"), _("Date"), _("Lesson subject"), _("Class"), _("Topic"),
              _("Notes")]  # fmt: skip
    rows = (
        (r.mentorship.mentee.name, r.get_kind_display(), r.date, r.lesson_subject,
         r.lesson_class, r.lesson_topic, r.content)
        for r in selectors.review_queue(request.user).iterator(chunk_size=1000)
    )  # fmt: skip
    return table_response("records-to-review", header, rows, fmt)


# --- compliance --------------------------------------------------------------------------


@login_required
@require_safe
def compliance_overview(request):
    """How the mentorships in scope stand today, by school or by county, with a chart."""
    scope = request.scope
    if not (scope.is_admin or scope.read_region_ids or scope.coordinator_school_ids):
        raise PermissionDenied(_("Compliance tables are for coordinators and bureau staff."))
    filterset, mentorships = _filtered(
        MentorshipFilter, request, selectors.mentorship_list_visible_to(request.user)
    )
    group = request.GET.get("group") if request.GET.get("group") in selectors.GROUPS else "school"
    params = progress.query_params(request.GET)
    rows, as_of = selectors.compliance_rows(request.user, params, mentorships, group)
    # The chart of the same counts, drawn once per language while they are kept.
    chart, _as_of = progress.kept(
        "compliance-chart", request.user, [*params, ("at", as_of.isoformat())],
        lambda: charts.compliance_chart(rows[:20]),
    )  # fmt: skip
    page = page_of(request, rows, 50)
    if request.GET.get("format") in ("csv", "xlsx"):
        header = [{"school": _("School"), "county": _("County"), "pairing": _("Pairing")}[group],
                  *[str(compliance.STATUS_LABELS[s]) for s in compliance.ROLLUP_STATUSES],
                  _("Total")]  # fmt: skip
        data = ([r["name"], *[r[s] for s in compliance.ROLLUP_STATUSES], r["total"]] for r in rows)
        return table_response("mentorship-compliance", header, data, request.GET["format"])
    return render(
        request,
        "teachers/compliance.html",
        {
            "filter": filterset,
            "is_filtered": _is_filtered(filterset),
            "group": group,
            "rows": page.object_list,
            "page_obj": page,
            "chart": chart,
            "as_of": as_of,
            "statuses": [(s, compliance.STATUS_LABELS[s]) for s in compliance.ROLLUP_STATUSES],
        },
    )


# --- the pairing's tab ----------------------------------------------------------------------


@login_required
@require_safe
def pairing_mentorships(request, pk: int):
    pairing = school_selectors.pairing_get_for_user(request.user, pk)
    mentorships = (
        selectors.mentorship_list_visible_to(request.user)
        .filter(pairing=pairing)
        .order_by("status", "mentee__name")
    )
    school_ids, _regions = school_selectors.member_ids(pairing)
    context = hub.context(
        request, pairing, "mentorships",
        mentorships=compliance.with_standings(mentorships[:200]),
        can_start=pairing.status in ("approved", "active") and (
            request.scope.is_admin
            or bool(request.scope.coordinator_school_ids & school_ids)
            or access.is_pairing_bureau(request.scope, pairing)
        ),
    )  # fmt: skip
    return render(request, "teachers/pairing_mentorships.html", context)
