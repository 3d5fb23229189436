"""The import pages: what the user may import, upload and check, preview and confirm,
the progress of a long file, the history, and the error report.

One set of pages for every kind of record (twinning.imports.KINDS); each list page
links here with its kind.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from schools.views import PAGE_SIZE, _filtered, _is_filtered, _post_data

from . import access, imports
from .downloads import XLSX_TYPE, table_response
from .filters import ImportBatchFilter
from .forms import ImportForm
from .models import ImportBatch
from .paging import page_of


@login_required
@require_safe
def import_home(request):
    """The kinds the user may import, with their templates, and the imports they may see."""
    filterset, batches = _filtered(
        ImportBatchFilter, request, imports.import_batch_list_visible_to(request.user)
    )
    page = page_of(request, batches, PAGE_SIZE)
    return render(
        request,
        "twinning/import_home.html",
        {
            "kinds": imports.kinds_for(request.scope),
            "filter": filterset,
            "is_filtered": _is_filtered(filterset),
            "page_obj": page,
            "batches": page.object_list,
        },
    )


@login_required
@require_safe
def import_history_export(request, fmt: str):
    """The import history the user may see, with the page's filters and columns."""
    _filterset, batches = _filtered(
        ImportBatchFilter, request, imports.import_batch_list_visible_to(request.user)
    )
    header = [_("File"), _("Records"), _("Uploaded by"), _("Uploaded"), _("Status"), _("Rows"),
              _("Added"), _("Updated"), _("Unchanged"), _("Errors")]  # fmt: skip
    rows = (
        (
            b.filename,
            b.kind_name,
            b.user.display_name,
            timezone.localtime(b.created_at).strftime("%Y-%m-%d %H:%M"),
            b.get_status_display(),
            b.rows,
            b.counts.get("new", 0),
            b.counts.get("update", 0),
            b.counts.get("skip", 0),
            len(b.errors),
        )  # fmt: skip
        for b in batches.iterator(chunk_size=500)
    )
    return table_response("imports", header, rows, fmt)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request, kind: str):
    """Upload a file of ``kind``; it is checked (nothing is written) and the check shown."""
    kind = imports.kind_get(kind)
    access.require(kind.may_import(request.scope), str(kind.refusal))
    form = ImportForm(_post_data(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read(imports.MAX_BYTES + 1)
        batch = imports.import_upload(
            actor=request.user, kind=kind, filename=upload.name, content=content
        )
        return redirect("imports:batch", pk=batch.pk)
    recent = imports.import_batch_list_visible_to(request.user).filter(
        user=request.user, kind=kind.key
    )[:5]
    return render(
        request, "twinning/import_upload.html", {"kind": kind, "form": form, "recent": recent}
    )


@login_required
@require_safe
def import_template(request, kind: str):
    kind = imports.kind_get(kind)
    response = HttpResponse(imports.template_workbook(kind), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{kind.key}-template.xlsx"'
    return response


def _context(request, batch: ImportBatch) -> dict:
    kind = imports.KINDS.get(batch.kind)
    return {
        "batch": batch,
        "kind": kind,
        "is_own": batch.user_id == request.user.pk,
        "done": imports.progress_of(batch),
        "running": batch.status in (ImportBatch.Status.CHECKING, ImportBatch.Status.IMPORTING),
    }


@login_required
@require_safe
def import_batch(request, pk: int):
    """A file's check: its errors by row and column, or what importing it would do; the
    progress while a worker checks or imports it; what it did once imported."""
    batch = imports.import_batch_get_for_user(request.user, pk)
    return render(request, "twinning/import_batch.html", _context(request, batch))


@login_required
@require_POST
def import_confirm(request, pk: int):
    """Import the checked file, all rows or none (a long file in the background)."""
    batch = imports.import_batch_get_for_user(request.user, pk)
    try:
        batch = imports.import_confirm(actor=request.user, batch=batch)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("imports:batch", pk=batch.pk)
    if batch.status == ImportBatch.Status.IMPORTED:
        messages.success(
            request,
            _("Imported: %(new)s added, %(update)s updated, %(skip)s unchanged.") % batch.counts,
        )
    elif batch.status == ImportBatch.Status.INVALID:
        messages.error(request, _("The file could not be imported; nothing was written."))
    return redirect("imports:batch", pk=batch.pk)


@login_required
@require_safe
def import_progress(request, pk: int):
    """How far a worker is with the file, for the page's progress bar."""
    batch = imports.import_batch_get_for_user(request.user, pk)
    context = _context(request, batch)
    return JsonResponse(
        {
            "status": batch.status,
            "status_display": batch.get_status_display(),
            "rows": batch.rows,
            "done": context["done"],
            "running": context["running"],
        }
    )


@login_required
@require_safe
def import_errors(request, pk: int, fmt: str):
    """The errors of a file beside the cells of their rows: the rows to correct."""
    batch = imports.import_batch_get_for_user(request.user, pk)
    rows = imports.error_report_rows(batch)
    return table_response(f"import-{batch.pk}-errors", rows[0], rows[1:], fmt)


@login_required
@require_safe
def import_file(request, pk: int):
    """The file as it was uploaded."""
    batch = imports.import_batch_get_for_user(request.user, pk)
    content = imports.import_file_of(batch)
    xlsx = content.startswith(b"PK\x03\x04")
    response = HttpResponse(content, content_type=XLSX_TYPE if xlsx else "text/csv")
    response["Content-Disposition"] = content_disposition_header(True, batch.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
