"""Pages of the scorecard templates: the list of versions, the editor of a draft, and
copying a published version into a programme (a new draft, the programme's next
version).

Thin by design: reads through :mod:`evaluation.selectors` (404 out of scope, 403 on a
change by someone who only reads, e.g. an inspector), writes through
:mod:`evaluation.services`, whose ``ValidationError`` (a published version never
changes; publishing is refused while the indicators do not total the maximum) changes
nothing and is shown next to the field it names, or as a message.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from schools import selectors as school_selectors
from twinning import access
from twinning.forms import add_service_errors, form_action
from twinning.paging import page_of

from . import metrics, selectors, services
from .models import Rule, Scorecard, Template
from .template_forms import AreaForm, CopyForm, IndicatorForm, TemplateForm

PAGE_SIZE = 25
# The programmes a copy form offers (a bureau runs a few).
PROGRAMME_CHOICES = 200


def _require_template_reader(request) -> None:
    """Templates are bureau and inspector work: anyone else gets 404 (nothing to find)."""
    scope = request.scope
    if not (scope.is_admin or scope.read_region_ids):
        raise Http404


def _managed_programmes(request) -> list[tuple[int, str]]:
    """The programmes whose templates the user keeps (their bureau's), for a copy form."""
    scope = request.scope
    programmes = school_selectors.programme_list_visible_to(request.user).select_related(None)
    if not scope.is_admin:
        programmes = programmes.filter(region_id__any_of=list(scope.bureau_region_ids))
    return list(programmes.order_by("name").values_list("id", "name")[:PROGRAMME_CHOICES])


def _post_data(request):
    return request.POST if request.method == "POST" else None


# --- the list -------------------------------------------------------------------------


@login_required
@require_safe
def template_list(request):
    """The default template and every version of the programmes the user reads, the
    default first, then by programme and newest version first."""
    _require_template_reader(request)
    templates = (
        selectors.template_list_visible_to(request.user)
        .annotate(in_use=Exists(Scorecard.objects.filter(template=OuterRef("pk"))))
        .order_by(F("programme_id").asc(nulls_first=True), "programme__name", "-version", "id")
    )
    page = page_of(request, templates, PAGE_SIZE)
    # A copy is made on the version's own page, which offers it where the user may make
    # one: the default into any programme they keep, a programme's version into its next.
    keeps_programmes = bool(_managed_programmes(request))
    rows = list(page.object_list)
    for template in rows:
        template.copyable = (
            keeps_programmes
            and template.is_published
            and (
                template.is_default
                or access.can_manage_templates(request.scope, template.programme)
            )
        )
    return render(
        request,
        "evaluation/template_list.html",
        {"page_obj": page, "templates": rows, "keeps_programmes": keeps_programmes},
    )


# --- one version ----------------------------------------------------------------------


def rule_text(indicator) -> str:
    """How a computed indicator's value turns into points, in the reader's language."""
    metric = metrics.METRICS.get(indicator.metric)
    unit = str(metric.unit) if metric else ""
    share = bool(metric and metric.is_share)

    def value(v) -> str:
        if v is None:
            return "—"
        number = Decimal(str(v)) * (100 if share else 1)
        # 0.80 → 80, 20000 → 20000 (never 2E+4)
        text = format(number.normalize(), "f")
        return f"{text}%" if share else f"{text} {unit}".strip()

    if indicator.rule == Rule.SHARE:
        return _("Share of a target: full points at %(target)s") % {
            "target": value(indicator.target)
        }
    if indicator.rule == Rule.THRESHOLDS:
        steps = "；".join(
            _("from %(value)s: %(points)s points") % {"value": value(at), "points": points}
            for at, points in indicator.steps or []
        )
        return _("Thresholds: %(steps)s") % {"steps": steps or "—"}
    return ""


def _template_page(request, template: Template, *, status: int = 200):
    detail = selectors.template_detail(template)
    scope = request.scope
    keeps = template.programme_id is not None and access.can_manage_templates(
        scope, template.programme
    )
    for area in detail["areas"]:
        area.points = sum(i.max_points for i in area.indicators.all())
        for indicator in area.indicators.all():
            metric = metrics.METRICS.get(indicator.metric)
            indicator.metric_label = metric.label if metric else indicator.metric
            indicator.rule_text = rule_text(indicator) if indicator.is_automatic else ""
    copy_form = None
    if template.is_published:
        if keeps:
            copy_form = CopyForm(fixed=template.programme_id)
        elif template.is_default:
            programmes = _managed_programmes(request)
            copy_form = CopyForm(programmes=programmes) if programmes else None
    return render(
        request,
        "evaluation/template_detail.html",
        {
            "template": template,
            **detail,
            "total_off": detail["total"] != template.max_points,
            "empty_areas": [a.name for a in detail["areas"] if not a.indicators.all()],
            "can_edit": keeps and not template.is_published,
            "copy_form": copy_form,
            "makes_version": keeps,
        },
        status=status,
    )


@login_required
@require_safe
def template_detail(request, pk: int):
    return _template_page(request, selectors.template_get_for_user(request.user, pk))


def _published_notice(request, template: Template):
    """The edit form of a published version: it never changes, so back to its page."""
    messages.error(request, _("This version is published: make a new version to change it."))
    return redirect("evaluation:template_detail", template.pk)


def _form_page(request, form, *, template, title: str, cancel: str, status: int = 200):
    return render(
        request,
        "evaluation/template_form.html",
        {"form": form, "template": template, "title": title, "cancel_url": cancel},
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def template_edit(request, pk: int):
    template = selectors.template_get_for_user(request.user, pk, write=True)
    if request.method != "POST" and template.is_published:
        return _published_notice(request, template)
    form = TemplateForm(_post_data(request), initial=TemplateForm.initial_for(template))
    if request.method == "POST" and form.is_valid():
        try:
            services.template_update(actor=request.user, template=template, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The template is saved."))
            return redirect("evaluation:template_detail", template.pk)
    return _form_page(
        request, form, template=template, title=_("Change the template"),
        cancel=reverse("evaluation:template_detail", args=[template.pk]),
        status=400 if request.method == "POST" else 200,
    )  # fmt: skip


@login_required
@require_POST
def template_copy(request, pk: int):
    """Copy the published version ``pk`` into one of the user's programmes: the
    programme's next version, a draft whose areas and indicators continue it."""
    source = selectors.template_get_for_user(request.user, pk)
    scope = request.scope
    access.require(
        scope.is_admin or bool(scope.bureau_region_ids),
        _("The programme's bureau keeps its scorecard templates."),
    )
    form = CopyForm(request.POST, programmes=_managed_programmes(request))
    if form.is_valid():
        programme = school_selectors.programme_get_for_user(
            request.user, form.cleaned_data["programme"], write=True
        )
        try:
            template = services.template_copy(
                actor=request.user, source=source, programme=programme,
                name=form.cleaned_data["name"],
            )  # fmt: skip
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Version %(version)s of %(programme)s is a draft: change it, then publish it.")
                % {"version": template.version, "programme": programme.name},
            )
            return redirect("evaluation:template_detail", template.pk)
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("evaluation:template_detail", source.pk)


def _template_action(request, template: Template, call, success: str):
    return form_action(
        request, form=None, call=call, success=success,
        done=reverse("evaluation:template_detail", args=[template.pk]), again=None,
    )  # fmt: skip


@login_required
@require_POST
def template_publish(request, pk: int):
    template = selectors.template_get_for_user(request.user, pk, write=True)
    return _template_action(
        request, template,
        lambda: services.template_publish(actor=request.user, template=template),
        _("The version is published: new scorecards of the programme are scored on it."),
    )  # fmt: skip


@login_required
@require_POST
def template_delete(request, pk: int):
    template = selectors.template_get_for_user(request.user, pk, write=True)
    try:
        services.template_delete(actor=request.user, template=template)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("evaluation:template_detail", template.pk)
    messages.success(request, _("The draft is deleted."))
    return redirect("evaluation:template_list")


# --- areas ----------------------------------------------------------------------------


def _area_form(request, template, area=None):
    if request.method != "POST" and template.is_published:
        return _published_notice(request, template)
    initial = AreaForm.initial_for(area) if area else {}
    form = AreaForm(_post_data(request), initial=initial, template=template)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.area_save(
                actor=request.user, template=template, area=area, name=data["name"],
                order=data["order"] or 0, continues=data.get("continues"),
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The area is saved."))
            return redirect("evaluation:template_detail", template.pk)
    return _form_page(
        request, form, template=template,
        title=_("Change the area") if area else _("Add an area"),
        cancel=reverse("evaluation:template_detail", args=[template.pk]),
        status=400 if request.method == "POST" else 200,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def area_create(request, pk: int):
    return _area_form(request, selectors.template_get_for_user(request.user, pk, write=True))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def area_edit(request, pk: int):
    area = selectors.area_get_for_user(request.user, pk, write=True)
    return _area_form(request, area.template, area)


@login_required
@require_POST
def area_remove(request, pk: int):
    area = selectors.area_get_for_user(request.user, pk, write=True)
    return _template_action(
        request, area.template, lambda: services.area_remove(actor=request.user, area=area),
        _("The area and its indicators are removed."),
    )  # fmt: skip


# --- indicators -----------------------------------------------------------------------


def _indicator_form(request, template, indicator=None):
    if request.method != "POST" and template.is_published:
        return _published_notice(request, template)
    initial = IndicatorForm.initial_for(indicator) if indicator else {}
    form = IndicatorForm(_post_data(request), initial=initial, template=template)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        if "continues" not in form.fields:
            fields["continues"] = None
        try:
            services.indicator_save(
                actor=request.user, template=template, indicator=indicator, **fields
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The indicator is saved."))
            return redirect("evaluation:template_detail", template.pk)
    return _form_page(
        request, form, template=template,
        title=_("Change the indicator") if indicator else _("Add an indicator"),
        cancel=reverse("evaluation:template_detail", args=[template.pk]),
        status=400 if request.method == "POST" else 200,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def indicator_create(request, pk: int):
    return _indicator_form(request, selectors.template_get_for_user(request.user, pk, write=True))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def indicator_edit(request, pk: int):
    indicator = selectors.indicator_get_for_user(request.user, pk, write=True)
    return _indicator_form(request, indicator.template, indicator)


@login_required
@require_POST
def indicator_remove(request, pk: int):
    indicator = selectors.indicator_get_for_user(request.user, pk, write=True)
    return _template_action(
        request, indicator.template,
        lambda: services.indicator_remove(actor=request.user, indicator=indicator),
        _("The indicator is removed."),
    )  # fmt: skip
