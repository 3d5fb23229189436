"""The download of a pairing year's dossier (evaluation/dossier.py): one zip per finalised
scorecard, for exactly those who read the scorecard (404 for anyone else)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.files import File
from django.shortcuts import render
from django.views.decorators.http import require_safe

from twinning.attachments import file_response

from . import dossier, selectors


@login_required
@require_safe
def dossier_download(request, pk: int):
    """The dossier of scorecard ``pk`` as a zip. A scorecard not finalised has none: a page
    says so (409: it is not there until the bureau finalises the year)."""
    card = dossier.with_members(selectors.scorecard_get_for_user(request.user, pk))
    if not card.is_finalised:
        return render(request, "evaluation/dossier_unavailable.html", {"card": card}, status=409)
    archive = dossier.dossier_build(card, reader=request.user)
    return file_response(
        File(archive, name="dossier.zip"),
        filename=dossier.dossier_filename(card),
        content_type="application/zip",
    )
