"""Pages of the evaluation app: thin, over evaluation.selectors and evaluation.services."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import selectors


@login_required
@require_safe
def scorecard_detail(request, pk: int):
    card = selectors.scorecard_get_for_user(request.user, pk)
    return render(
        request,
        "evaluation/scorecard_detail.html",
        {"card": card, **selectors.scorecard_detail(card)},
    )
