"""The teacher registry pages: list, detail, add and edit, download, and import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from schools import selectors as school_selectors
from schools.views import PAGE_SIZE, _filtered, _is_filtered, _post_data
from twinning import access
from twinning.downloads import table_response
from twinning.forms import add_service_errors
from twinning.paging import page_of

from . import selectors, services
from .forms import HonourFormSet, TeacherFilter, TeacherForm, honour_initial
from .resources import TeacherResource


def _require_keeper(scope) -> None:
    access.require(
        access.keeps_school_records(scope),
        _("Only a school's coordinators and its bureau keep its teachers."),
    )


@login_required
@require_safe
def teacher_list(request):
    filterset, teachers = _filtered(
        TeacherFilter, request, selectors.teacher_list_visible_to(request.user)
    )
    page = page_of(request, teachers, PAGE_SIZE)
    return render(
        request,
        "teachers/teacher_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "teachers": page.object_list,
            "is_filtered": _is_filtered(filterset),
            "can_add": access.keeps_school_records(request.scope),
        },
    )


@login_required
@require_safe
def teacher_export(request, fmt: str):
    """The filtered teacher list in the columns of the import, so that the file can be
    corrected and loaded again."""
    _filterset, teachers = _filtered(
        TeacherFilter, request, selectors.teacher_list_visible_to(request.user)
    )
    rows = TeacherResource(user=request.user).export_rows(teachers)
    return table_response("teachers", rows[0], rows[1:], fmt)


@login_required
@require_safe
def teacher_detail(request, pk: int):
    teacher = selectors.teacher_get_for_user(request.user, pk)
    return render(
        request,
        "teachers/teacher_detail.html",
        {
            "teacher": teacher,
            "can_edit": access.can_manage_teachers_of(request.scope, teacher.school),
        },
    )


def _save_teacher(request, form, formset, teacher=None):
    """Run the service with the form's data; on a rule's refusal put its errors on the form."""
    if not (form.is_valid() and formset.is_valid()):
        return None
    try:
        if teacher is None:
            return services.teacher_create(
                actor=request.user, honours=formset.honours(), **form.service_kwargs()
            )
        return services.teacher_update(
            actor=request.user, teacher=teacher, honours=formset.honours(),
            **form.service_kwargs(),
        )  # fmt: skip
    except ValidationError as error:
        add_service_errors(form, error)
        return None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def teacher_create(request):
    _require_keeper(request.scope)
    initial = {}
    school_id = request.GET.get("school", "")
    if school_id.isdigit():
        school = selectors.schools_whose_teachers_are_kept_by(request.user).filter(pk=school_id)
        initial["school_code"] = school.values_list("code", flat=True).first()
    elif len(request.scope.coordinator_school_ids) == 1 and not request.scope.bureau_region_ids:
        initial["school_code"] = (
            school_selectors.school_list_visible_to(request.user)
            .filter(pk__in=request.scope.coordinator_school_ids)
            .values_list("code", flat=True)
            .first()
        )
    form = TeacherForm(_post_data(request), user=request.user, initial=initial)
    formset = HonourFormSet(_post_data(request), prefix="honours")
    if request.method == "POST":
        teacher = _save_teacher(request, form, formset)
        if teacher is not None:
            messages.success(request, _("%(name)s was added.") % {"name": teacher.name})
            return redirect("teachers:teacher_detail", pk=teacher.pk)
    return render(
        request, "teachers/teacher_form.html", {"form": form, "formset": formset, "teacher": None}
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def teacher_edit(request, pk: int):
    teacher = selectors.teacher_get_for_user(request.user, pk, write=True)
    form = TeacherForm(
        _post_data(request), user=request.user, teacher=teacher,
        initial=TeacherForm.initial_for(teacher),
    )  # fmt: skip
    formset = HonourFormSet(_post_data(request), prefix="honours", initial=honour_initial(teacher))
    if request.method == "POST":
        saved = _save_teacher(request, form, formset, teacher)
        if saved is not None:
            messages.success(request, _("The teacher's record was saved."))
            return redirect("teachers:teacher_detail", pk=teacher.pk)
        teacher.refresh_from_db()
    return render(
        request,
        "teachers/teacher_form.html",
        {"form": form, "formset": formset, "teacher": teacher},
    )
