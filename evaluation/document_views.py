"""Pages of the report archive (evaluation/documents/): the archive (all of it in the user's
scope, or one region's), a document's page with its progress while it is built, the
request for a region's document of a past period, a rebuild, and the downloads.

Reads through evaluation.selectors (a document is read by whoever reads its subject: 404
for anyone else, its files too); writes through evaluation.documents.services, whose
``ValidationError`` changes nothing and is shown on the form, and whose
``DocumentRunning`` sends the user to the build already under way."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from schools import selectors as school_selectors
from schools.views import _filtered, _is_filtered
from twinning import access
from twinning.attachments import file_response
from twinning.forms import add_service_errors
from twinning.paging import page_of

from . import selectors
from .document_forms import DocumentFilter, DocumentRequestForm, region_kind_choices
from .documents import services
from .models import DocumentStatus

PAGE_SIZE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page_url(document) -> str:
    return reverse("evaluation:document_detail", args=[document.pk])


def _archive(request, region=None, form=None, status=200):
    documents = selectors.document_list_visible_to(request.user)
    if region is not None:
        documents = documents.filter(region__path__startswith=region.path)
    filterset, documents = _filtered(
        lambda *a, **k: DocumentFilter(*a, fixed_region=region, **k), request, documents
    )
    page = page_of(request, documents, PAGE_SIZE)
    may_ask = services.may_ask_for_documents(request.user) and bool(region_kind_choices())
    if may_ask and form is None:
        form = DocumentRequestForm(region=region)
    return render(
        request, "evaluation/document_list.html",
        {"region": region, "filter": filterset, "is_filtered": _is_filtered(filterset),
         "page_obj": page, "documents": _rows(page.object_list),
         "request_form": form if may_ask else None},
        status=status,
    )  # fmt: skip


def _rows(documents) -> list:
    """The page's documents with what each row shows worked out here, once: its links
    (reversed once for the page, not three times a row) and its days as text (the
    template's date filter, with its time zone and format lookups, cost a third of the
    rows' time)."""
    links = {name: reverse(f"evaluation:{name}", args=[0]) for name in (
        "document_detail", "document_download", "document_download_xlsx")}  # fmt: skip
    found = list(documents)
    for document in found:
        at = f"/{document.pk}/"
        document.links = {name: url.replace("/0/", at, 1) for name, url in links.items()}
        document.days = f"{document.period_start.isoformat()} – {document.period_end.isoformat()}"
        built = document.built_at
        document.built = timezone.localtime(built).strftime("%Y-%m-%d %H:%M") if built else "—"
    return found


@login_required
@require_safe
def document_list(request):
    """Every document the user reads, newest period first, with the archive's filters."""
    if not selectors.reads_scorecards(request.user):
        raise Http404
    return _archive(request)


@login_required
@require_safe
def region_documents(request, pk: int):
    """One region's archive: its own documents and those of the pairings filed under it
    or below it (as far as the user reads them)."""
    if not selectors.reads_scorecards(request.user):
        raise Http404
    return _archive(request, school_selectors.region_get_for_user(request.user, pk))


@login_required
@require_POST
def document_request(request):
    """Ask for a region's document of a past period (bureau staff). Bad input changes
    nothing and is shown on the form; a period whose document is being built sends the
    user to it."""
    access.require(
        services.may_ask_for_documents(request.user), _("Only bureau staff ask for documents.")
    )
    region = None
    form = DocumentRequestForm(request.POST)
    if form.is_valid():
        region = (
            school_selectors.region_list_visible_to(request.user)
            .filter(code=form.cleaned_data["region_code"].strip()).first()
        )  # fmt: skip
        if region is None:
            form.add_error("region_code", _("No region with this division code in your scope."))
    fixed = request.POST.get("fixed_region") == "1" and region is not None
    if form.is_valid():
        try:
            document = services.document_request(
                actor=request.user, kind=form.cleaned_data["kind"], subject=region,
                period=form.cleaned_data["period"], refuse_running=True,
            )  # fmt: skip
        except services.DocumentRunning as running:
            messages.info(request, running.messages[0])
            return redirect(_page_url(running.document))
        except PermissionDenied:
            form.add_error("region_code", _("You may ask only for your own region's documents "
                                            "or those of a region below it."))  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if document.status == DocumentStatus.READY:
                messages.info(request, _("Nothing has changed since this version was built: "
                                         "here it is."))  # fmt: skip
            else:
                messages.success(
                    request,
                    _(
                        "The document is being built. You can leave this "
                        "page: it will be in the archive when it is ready."
                    ),
                )
            return redirect(_page_url(document))
    return _archive(request, region if fixed else None, form=form, status=400)


@login_required
@require_safe
def document_detail(request, pk: int):
    """A document's page: what it is, its status (with progress while it is built, and
    the error's gist when it failed), its files, its other versions, and a rebuild for
    whoever may ask for it."""
    document = selectors.document_get_for_user(request.user, pk)
    return render(request, "evaluation/document_detail.html", _detail_context(request, document))


def _detail_context(request, document) -> dict:
    return {
        "document": document,
        "versions": selectors.document_versions(document),
        "running": document.is_running,
        "may_rebuild": services.may_request(request.user, document),
    }


@login_required
@require_safe
def document_progress(request, pk: int):
    """Where a build is, for its page to poll (static/js/app.js, data-progress)."""
    document = selectors.document_get_for_user(request.user, pk)
    return JsonResponse({
        "running": document.is_running, "status": document.status,
        "status_label": str(document.get_status_display()), "attempts": document.attempts,
    })  # fmt: skip


@login_required
@require_POST
def document_rebuild(request, pk: int):
    document = selectors.document_get_for_user(request.user, pk)
    access.require(services.may_request(request.user, document),
                   _("Only the bureau that issues this document builds it again."))  # fmt: skip
    try:
        built = services.document_rebuild(actor=request.user, document=document)
    except services.DocumentRunning as running:
        messages.info(request, running.messages[0])
        return redirect(_page_url(running.document))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(_page_url(document))
    if built.pk == document.pk and built.status == DocumentStatus.READY:
        messages.info(request, _("Nothing has changed since this version was built."))
    else:
        messages.success(request, _("The document is being built again."))
    return redirect(_page_url(built))


def _unavailable(request, document):
    # Accepted: it is on its way; a conflict: it is not there and will not be.
    return render(request, "evaluation/document_detail.html", _detail_context(request, document),
                  status=202 if document.is_running else 409)  # fmt: skip


def file_of(document, fmt: str):
    """The response of ``document``'s ``fmt`` file ("pdf", "xlsx"), None when it has none:
    the file as issued, except a superseded PDF, stamped 已作废 on every page on its way
    out (documents/stamp.py). The one download of the pages and the API."""
    from .documents.stamp import stamped

    field = document.pdf if fmt == "pdf" else document.xlsx
    if not field:
        return None
    filename = f"{document.title}-v{document.version}.{fmt}"
    if fmt == "pdf" and document.status == DocumentStatus.SUPERSEDED:
        field = ContentFile(stamped(document), name=f"{document.pk}-superseded.pdf")
    return file_response(field, filename=filename,
                         content_type="application/pdf" if fmt == "pdf" else XLSX)  # fmt: skip


@login_required
@require_safe
def document_download(request, pk: int):
    """A document's file (its PDF; its spreadsheet when it has no PDF), for whoever reads
    its subject (404 for anyone else); one not built (yet) answers with its page, not a
    file."""
    document = selectors.document_get_for_user(request.user, pk)
    if not document.is_downloadable:
        return _unavailable(request, document)
    return file_of(document, "pdf") or file_of(document, "xlsx")


@login_required
@require_safe
def document_download_xlsx(request, pk: int):
    """A document's spreadsheet (the kinds that have one), as issued."""
    document = selectors.document_get_for_user(request.user, pk)
    if not document.is_downloadable:
        return _unavailable(request, document)
    response = file_of(document, "xlsx")
    if response is None:
        raise Http404
    return response
