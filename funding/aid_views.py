"""Student aid pages (资助): students, applications through identification, review, public
notice, approval and payment, the schemes, the notices (and their public page), and the
log of who read students' details.

Only the coordinators of a student's school and the aid officers of its region see a
student; every page and download that shows a student's details writes the access log
(funding.privacy.log_access). The public notice shows masked names and nothing else that
identifies a child.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from schools.views import PAGE_SIZE, _filtered, _is_filtered, _post_data
from twinning import access, calendar, imports
from twinning.attachments import stored_file_response
from twinning.downloads import table_response
from twinning.forms import add_service_errors, form_action
from twinning.paging import page_of

from . import selectors, services
from .aid_forms import (
    AccessLogFilter,
    AidPayForm,
    ApplicationFilter,
    ApplicationForm,
    NoticeForm,
    ObjectionForm,
    ResolveForm,
    ReviewForm,
    SchemeForm,
    StepForm,
    StudentFilter,
    StudentForm,
)
from .forms import CommentForm, RejectForm
from .models import AidStatus, AidStep, Student, StudentAccessLog
from .privacy import log_access, mask_name
from .resources import StudentResource
from .views import _local


def _require_aid(request) -> None:
    access.require(
        selectors.handles_aid(request.user),
        _("Student aid is handled by the schools' coordinators and the aid officers."),
    )


# --- applications -------------------------------------------------------------------------


def _applications(request):
    # The filter's choices need the schemes' names only, not their tiers.
    schemes = selectors.aid_scheme_list_visible_to(request.user).prefetch_related(None)
    filterset = ApplicationFilter(
        request.GET or None,
        queryset=selectors.aid_application_list_visible_to(request.user),
        request=request,
        schemes=schemes,
    )
    if filterset.is_bound and not filterset.is_valid():
        return filterset, filterset.queryset.none()
    return filterset, filterset.qs


@login_required
@require_safe
def aid_home(request):
    """The applications in the user's care, newest first; the names shown are logged."""
    _require_aid(request)
    filterset, applications = _applications(request)
    page = page_of(request, applications, PAGE_SIZE)
    rows = list(page.object_list)
    log_access(request.user, StudentAccessLog.Action.VIEW, _("the list of applications"),
               [a.student for a in rows])  # fmt: skip
    return render(
        request,
        "funding/aid/home.html",
        {"filter": filterset, "page_obj": page, "applications": rows,
         "is_filtered": _is_filtered(filterset),
         "manages_aid": bool(request.scope.aid_region_ids) or request.scope.is_admin},
    )  # fmt: skip


@login_required
@require_safe
def aid_export(request, fmt: str):
    _require_aid(request)
    _filterset, applications = _applications(request)
    rows = list(applications.select_related("student"))
    log_access(
        request.user, StudentAccessLog.Action.EXPORT,
        _("download of applications (%(format)s)") % {"format": fmt}, [a.student for a in rows],
    )  # fmt: skip
    header = [_("Student"), _("School"), _("Grade"), _("Class"), _("Guardian"),
              _("Guardian's phone"), _("Scheme"), _("Tier"), _("Period"), _("Status"),
              _("Paid or given on"), _("Payment reference")]  # fmt: skip
    data = (
        (a.student.name, a.school.name, a.student.get_grade_display(), a.student.class_name,
         a.student.guardian_name, a.student.guardian_phone, a.scheme.name, a.tier.name,
         a.period_key, a.get_status_display(), a.paid_on or "", a.payment_reference)
        for a in rows
    )  # fmt: skip
    return table_response("student-aid", header, data, fmt)


def _application_page(request, application, resolving=None, **forms):
    """The application's page; ``forms`` (by name) and ``resolving`` (an objection's pk and
    its resolve form) are forms sent back with their errors."""
    scope = request.scope
    log_access(request.user, StudentAccessLog.Action.VIEW,
               _("application #%(number)s") % {"number": application.pk},
               [application.student])  # fmt: skip
    keeps = access.can_keep_students_of(scope, application.school)
    manages = access.can_manage_aid_of(scope, application.region_id)
    decides = access.can_decide_aid(scope, application, request.user.pk)
    status = application.status
    steps = {s.step: s for s in application.steps.select_related("recorded_by")}
    context = {
        "application": application,
        "student": application.student,
        "steps": [(value, label, steps.get(value)) for value, label in AidStep.choices],
        "documents": list(application.documents.select_related("uploaded_by")),
        "objections": list(application.objections.select_related("resolved_by")),
        "history": _tiers_history(application),
        "keeps": keeps,
        "notice_over": application.notice is not None
        and calendar.today() > application.notice.ends_on,
    }
    if keeps and status == AidStatus.DRAFT:
        context["step_form"] = forms.get("step") or StepForm(initial={"done_on": calendar.today()})
    if keeps and status == AidStatus.NOTICE:
        context["objection_form"] = forms.get("objection") or ObjectionForm(
            initial={"received_on": calendar.today()}
        )
    if manages:
        for objection in context["objections"]:
            if objection.resolved_at is None:
                # One form an objection, with its own ids (one label, one box).
                objection.resolve_form = (
                    resolving[1]
                    if resolving and resolving[0] == objection.pk
                    else ResolveForm(auto_id=f"id_objection{objection.pk}_%s")
                )
    if decides and status == AidStatus.NOTICE:
        context["approve_form"] = forms.get("approve") or CommentForm()
    if decides and status in (AidStatus.REVIEW, AidStatus.NOTICE):
        context["reject_form"] = forms.get("reject") or RejectForm()
    if manages and status == AidStatus.APPROVED:
        context["pay_form"] = forms.get("pay") or AidPayForm(initial={"paid_on": calendar.today()})
    if manages and status == AidStatus.PAID and not hasattr(application, "review"):
        context["review_form"] = forms.get("review") or ReviewForm()
    return render(
        request, "funding/aid/application_detail.html", context,
        status=400 if forms or resolving else 200,
    )  # fmt: skip


def _tiers_history(application) -> list:
    """The application and those it renews, oldest first: the tiers over the years."""
    chain, current = [], application
    while current is not None and len(chain) < 20:
        chain.append(current)
        current = current.renewal_of
    return list(reversed(chain))


@login_required
@require_safe
def application_detail(request, pk: int):
    return _application_page(request, selectors.aid_application_get_for_user(request.user, pk))


def _act(request, application, name, form, call, success):
    return form_action(
        request, form=form, call=call, success=success, done=application.get_absolute_url(),
        again=lambda form: _application_page(request, application, **{name: form}),
    )  # fmt: skip


def _kept(request, pk):
    application = selectors.aid_application_get_for_user(request.user, pk)
    access.require(access.can_keep_students_of(request.scope, application.school))
    return application


def _managed(request, pk):
    application = selectors.aid_application_get_for_user(request.user, pk)
    access.require(access.can_manage_aid_of(request.scope, application.region_id))
    return application


@login_required
@require_POST
def application_step(request, pk: int):
    application = _kept(request, pk)
    return _act(
        request, application, "step", StepForm(request.POST, request.FILES),
        lambda step, done_on, note, files: services.aid_step_record(
            actor=request.user, application=application, step=step, done_on=done_on, note=note,
            files=files,
        ),
        _("The step is recorded."),
    )  # fmt: skip


@login_required
@require_POST
def application_submit(request, pk: int):
    application = _kept(request, pk)
    return _act(
        request, application, "submit", None,
        lambda: services.aid_application_submit(actor=request.user, application=application),
        _("The application is submitted for review."),
    )  # fmt: skip


@login_required
@require_POST
def application_withdraw(request, pk: int):
    application = _kept(request, pk)
    return _act(
        request, application, "withdraw", None,
        lambda: services.aid_application_withdraw(actor=request.user, application=application),
        _("The application is withdrawn."),
    )  # fmt: skip


@login_required
@require_POST
def application_objection(request, pk: int):
    application = _kept(request, pk)
    return _act(
        request, application, "objection", ObjectionForm(request.POST),
        lambda received_on, content: services.aid_objection_record(
            actor=request.user, application=application, content=content,
            received_on=received_on,
        ),
        _("The objection is recorded; the aid officers look into it."),
    )  # fmt: skip


@login_required
@require_POST
def objection_resolve(request, pk: int):
    objection = selectors.aid_objection_get_for_user(request.user, pk)
    application = _managed(request, objection.application_id)
    form = ResolveForm(request.POST, auto_id=f"id_objection{objection.pk}_%s")
    return form_action(
        request, form=form, success=_("The objection is resolved."),
        call=lambda resolution, upheld: services.aid_objection_resolve(
            actor=request.user, objection=objection, resolution=resolution, upheld=upheld
        ),
        done=application.get_absolute_url(),
        again=lambda form: _application_page(request, application, resolving=(objection.pk, form)),
    )  # fmt: skip


@login_required
@require_POST
def application_approve(request, pk: int):
    application = selectors.aid_application_get_for_user(request.user, pk)
    access.require(access.can_decide_aid(request.scope, application, request.user.pk))
    return _act(
        request, application, "approve", CommentForm(request.POST),
        lambda comment: services.aid_application_approve(
            actor=request.user, application=application, comment=comment
        ),
        _("The aid is approved."),
    )  # fmt: skip


@login_required
@require_POST
def application_reject(request, pk: int):
    application = selectors.aid_application_get_for_user(request.user, pk)
    access.require(access.can_decide_aid(request.scope, application, request.user.pk))
    return _act(
        request, application, "reject", RejectForm(request.POST),
        lambda comment: services.aid_application_reject(
            actor=request.user, application=application, comment=comment
        ),
        _("The application is rejected."),
    )  # fmt: skip


@login_required
@require_POST
def application_pay(request, pk: int):
    application = _managed(request, pk)
    return _act(
        request, application, "pay", AidPayForm(request.POST),
        lambda paid_on, reference: services.aid_application_pay(
            actor=request.user, application=application, paid_on=paid_on, reference=reference
        ),
        _("The aid is recorded as paid."),
    )  # fmt: skip


@login_required
@require_POST
def application_review(request, pk: int):
    application = _managed(request, pk)

    def review(decision, tier, note):
        new_tier = application.scheme.tiers.filter(name=tier.strip()).first() if tier else None
        services.aid_review(
            actor=request.user, application=application, decision=decision, tier=new_tier,
            note=note,
        )  # fmt: skip

    return _act(
        request, application, "review", ReviewForm(request.POST), review,
        _("The yearly re-review is recorded."),
    )  # fmt: skip


@login_required
@require_safe
def document_download(request, pk: int):
    document = selectors.aid_document_get_for_user(request.user, pk)
    log_access(request.user, StudentAccessLog.Action.VIEW,
               _("file %(name)s") % {"name": document.name},
               [document.application.student])  # fmt: skip
    return stored_file_response(document)


# --- students ---------------------------------------------------------------------------------


@login_required
@require_safe
def student_list(request):
    _require_aid(request)
    filterset, students = _filtered(
        StudentFilter, request, selectors.student_list_visible_to(request.user)
    )
    page = page_of(request, students, PAGE_SIZE)
    rows = list(page.object_list)
    log_access(request.user, StudentAccessLog.Action.VIEW, _("the list of students"), rows)
    return render(
        request,
        "funding/aid/student_list.html",
        {"filter": filterset, "page_obj": page, "students": rows,
         "is_filtered": _is_filtered(filterset),
         "may_import": imports.kind_get("students").may_import(request.scope)},
    )  # fmt: skip


@login_required
@require_safe
def student_export(request, fmt: str):
    """The filtered student list in the columns of the import, so that the file can be
    corrected and loaded again; the resource exports only the students the user sees,
    with their names as the list shows them, and logs the download."""
    _require_aid(request)
    _filterset, students = _filtered(
        StudentFilter, request, selectors.student_list_visible_to(request.user)
    )
    rows = StudentResource(user=request.user).export_rows(students)
    return table_response("students", rows[0], rows[1:], fmt)


def _student_form(request, instance=None):
    return StudentForm(
        _post_data(request), instance=instance, schools=selectors.aid_schools(request.user)
    )


def _student_fields(form) -> dict:
    data = dict(form.cleaned_data)
    data.pop("school", None)
    return data


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def student_create(request):
    _require_aid(request)
    form = _student_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            student = services.student_create(
                actor=request.user, school=form.cleaned_data["school"], **_student_fields(form)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The student is recorded."))
            return redirect("funding:student_detail", student.pk)
    return render(request, "funding/aid/student_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def student_edit(request, pk: int):
    student = selectors.student_get_for_user(request.user, pk)
    log_access(request.user, StudentAccessLog.Action.VIEW, _("the student's form"), [student])
    form = _student_form(request, instance=student)
    if request.method == "POST" and form.is_valid():
        try:
            services.student_update(actor=request.user, student=student, **_student_fields(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The student is saved."))
            return redirect("funding:student_detail", student.pk)
    return render(request, "funding/aid/student_form.html", {"form": form, "student": student})


def _student_page(request, student, apply_form=None):
    log_access(request.user, StudentAccessLog.Action.VIEW, _("the student's page"), [student])
    schemes = selectors.aid_scheme_list_visible_to(request.user).filter(is_active=True)
    return render(
        request,
        "funding/aid/student_detail.html",
        {"student": student,
         "applications": list(
             student.applications.select_related("scheme", "tier").order_by("-school_year", "-id")
         ),
         "apply_form": apply_form or ApplicationForm(
             schemes=schemes,
             initial={"school_year": calendar.school_year_of(calendar.today())},
         )},
        status=400 if apply_form is not None else 200,
    )  # fmt: skip


@login_required
@require_safe
def student_detail(request, pk: int):
    return _student_page(request, selectors.student_get_for_user(request.user, pk))


@login_required
@require_POST
def application_create(request, pk: int):
    student = selectors.student_get_for_user(request.user, pk)
    schemes = selectors.aid_scheme_list_visible_to(request.user).filter(is_active=True)
    form = ApplicationForm(request.POST, schemes=schemes)
    if form.is_valid():
        data = form.cleaned_data
        try:
            application = services.aid_application_create(
                actor=request.user, student=student, scheme=data["scheme"], tier=data["tier"],
                school_year=data["school_year"], term=data["term"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The application is started: record the five steps."))
            return redirect("funding:aid_application_detail", application.pk)
    return _student_page(request, student, apply_form=form)


# --- schemes ----------------------------------------------------------------------------------


@login_required
@require_safe
def scheme_list(request):
    _require_aid(request)
    schemes = selectors.aid_scheme_list_visible_to(request.user)
    return render(
        request,
        "funding/aid/scheme_list.html",
        {"schemes": list(schemes[:200]),
         "can_create": request.scope.is_admin or bool(request.scope.aid_region_ids)},
    )  # fmt: skip


@login_required
@require_safe
def scheme_export(request, fmt: str):
    """The schemes in scope with their tiers, as the list shows them (no student)."""
    _require_aid(request)
    header = [_("Scheme"), _("Region"), _("Kind"), _("Granted"), _("Tiers"), _("Status")]
    active, closed = _("Active"), _("Closed")

    def tiers(scheme) -> str:
        return "; ".join(
            " ".join(str(part) for part in (t.name, t.amount or "", t.items) if part)
            for t in scheme.tiers.all()
        )

    rows = (
        (s.name, s.region.name, f"{s.get_kind_display()} · {s.get_form_display()}",
         s.get_period_display(), tiers(s), active if s.is_active else closed)
        for s in selectors.aid_scheme_list_visible_to(request.user).iterator(chunk_size=1000)
    )  # fmt: skip
    return table_response("aid-schemes", header, rows, fmt)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def scheme_create(request):
    access.require(request.scope.is_admin or bool(request.scope.aid_region_ids))
    form = SchemeForm(_post_data(request), regions=selectors.aid_regions(request.user))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        region, tiers = data.pop("region"), data.pop("tiers")
        try:
            scheme = services.aid_scheme_create(
                actor=request.user, region=region, tiers=tiers, **data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The scheme is saved."))
            return redirect("funding:aid_scheme_detail", scheme.pk)
    return render(request, "funding/aid/scheme_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def scheme_edit(request, pk: int):
    scheme = selectors.aid_scheme_get_for_user(request.user, pk)
    access.require(access.can_manage_aid_in(request.scope, scheme.region))
    form = SchemeForm(
        _post_data(request), instance=scheme, regions=selectors.aid_regions(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.aid_scheme_update(actor=request.user, scheme=scheme, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The scheme is saved."))
            return redirect("funding:aid_scheme_detail", scheme.pk)
    return render(request, "funding/aid/scheme_form.html", {"form": form, "scheme": scheme})


@login_required
@require_safe
def scheme_detail(request, pk: int):
    scheme = selectors.aid_scheme_get_for_user(request.user, pk)
    notices = selectors.aid_notice_list_visible_to(request.user).filter(scheme=scheme)
    return render(
        request,
        "funding/aid/scheme_detail.html",
        {"scheme": scheme, "notices": list(notices[:50]),
         "can_manage": access.can_manage_aid_in(request.scope, scheme.region)},
    )  # fmt: skip


# --- public notices ---------------------------------------------------------------------------


@login_required
@require_safe
def notice_list(request):
    _require_aid(request)
    notices = selectors.aid_notice_list_visible_to(request.user)
    page = page_of(request, notices, PAGE_SIZE)
    return render(
        request, "funding/aid/notice_list.html",
        {"page_obj": page, "notices": list(page.object_list)},
    )  # fmt: skip


@login_required
@require_safe
def notice_export(request, fmt: str):
    """The notices in scope, as the list shows them: no student is named."""
    _require_aid(request)
    header = [_("School"), _("Scheme"), _("Period"), _("First day"), _("Last day"), _("Published")]
    not_yet = _("Not yet")
    rows = (
        (n.school.name, n.scheme.name, n.period_key, n.starts_on, n.ends_on,
         _local(n.published_at) if n.published_at else not_yet)
        for n in selectors.aid_notice_list_visible_to(request.user).iterator(chunk_size=1000)
    )  # fmt: skip
    return table_response("aid-notices", header, rows, fmt)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notice_create(request):
    _require_aid(request)
    form = NoticeForm(
        _post_data(request), schools=selectors.aid_schools(request.user),
        schemes=selectors.aid_scheme_list_visible_to(request.user),
        initial={"starts_on": calendar.today()},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.aid_notice_open(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The notice runs from %(start)s to %(end)s. The aid officers publish it.")
                % {"start": notice.starts_on, "end": notice.ends_on},
            )
            return redirect("funding:aid_notice_detail", notice.pk)
    return render(request, "funding/aid/notice_form.html", {"form": form})


def _notice_context(notice, *, public: bool = False) -> dict:
    """The notice's rows with masked names; the public sees those still proposed or
    granted (not a rejected or withdrawn one)."""
    applications = selectors.notice_rows(notice)
    if public:
        shown = (AidStatus.NOTICE, AidStatus.APPROVED, AidStatus.PAID)
        applications = [a for a in applications if a.status in shown]
    rows = [
        {"name": mask_name(a.student.name), "grade": a.student.get_grade_display(),
         "tier": a.tier.name, "amount": a.tier.amount, "items": a.tier.items,
         "status": a.status, "status_label": a.get_status_display(), "pk": a.pk}
        for a in applications
    ]  # fmt: skip
    return {"notice": notice, "rows": rows}


@login_required
@require_safe
def notice_detail(request, pk: int):
    """The notice as the school and the bureau see it: masked names, as it is published,
    with the publishing button and the public address."""
    notice = selectors.aid_notice_get_for_user(request.user, pk)
    public_url = request.build_absolute_uri(
        reverse("funding:aid_notice_public", args=[notice.token])
    )
    return render(
        request, "funding/aid/notice_detail.html",
        {**_notice_context(notice), "public_url": public_url,
         "can_publish": access.can_manage_aid_in(request.scope, notice.region)},
    )  # fmt: skip


@login_required
@require_POST
def notice_publish(request, pk: int):
    notice = selectors.aid_notice_get_for_user(request.user, pk)
    try:
        services.aid_notice_publish(actor=request.user, notice=notice)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The notice is public: print it or share its address."))
    return redirect("funding:aid_notice_detail", notice.pk)


@require_safe
def notice_public(request, token: str):
    """The published notice, for anyone with its address (no sign-in): masked names, the
    grade and the tier, the dates and how to object; printable on A4."""
    notice = selectors.aid_notice_public(token)
    return render(request, "funding/aid/notice_public.html", _notice_context(notice, public=True))


# --- the access log ----------------------------------------------------------------------------


def _access_log_entries(request):
    """The log the aid officers read, and its search (one student's when ``?student=``
    names one): the filter set and the entries."""
    access.require(
        request.scope.is_admin or bool(request.scope.aid_region_ids),
        _("The aid officers read who saw students' details."),
    )
    return _filtered(AccessLogFilter, request, selectors.access_log_visible_to(request.user))


@login_required
@require_safe
def access_log(request):
    filterset, entries = _access_log_entries(request)
    page = page_of(request, entries, PAGE_SIZE)
    return render(
        request, "funding/aid/access_log.html",
        {"filter": filterset, "page_obj": page, "entries": list(page.object_list),
         "is_filtered": _is_filtered(filterset)},
    )  # fmt: skip


@login_required
@require_safe
def access_log_export(request, fmt: str):
    """The log as the page lists it, with the students' names as it shows them. The
    download names students, so it is logged like any download of their details; the
    file is the log as it stood when asked for, without that download's own lines."""
    _filterset, entries = _access_log_entries(request)
    entries = entries.filter(at__lte=timezone.now())
    # The log is the largest table: the students it names are read in one query and its
    # lines are streamed rather than loaded whole.
    named = entries.filter(student__isnull=False).order_by().values("student_id")
    log_access(
        request.user, StudentAccessLog.Action.EXPORT,
        _("download of the access log (%(format)s)") % {"format": fmt},
        Student.objects.filter(pk__in=named).only("region"),
    )  # fmt: skip
    header = [_("When"), _("Who"), _("What"), _("What was read"), _("Student")]
    rows = (
        (_local(e.at), e.user.display_name, e.get_action_display(), e.what,
         e.student.name if e.student else "")
        for e in entries.iterator(chunk_size=1000)
    )  # fmt: skip
    return table_response("student-access-log", header, rows, fmt)
