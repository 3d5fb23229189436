"""Background work of the schools app. Tasks take ids and call services."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from twinning.models import Role
from twinning.notify.services import notify

from .models import PairingStatus, PairingTransition, Region


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notify_pairing_proposed(self, transition_id: int) -> int:
    """Tell every bureau user who may approve the proposal; safe to run twice."""
    transition = (
        PairingTransition.objects.select_related(
            "pairing__programme", "pairing__region", "pairing__helping_school", "actor"
        )
        .prefetch_related("pairing__members__school")  # the title names every school
        .filter(pk=transition_id)
        .first()
    )
    if transition is None:
        return 0
    pairing = transition.pairing
    if pairing.status != PairingStatus.PROPOSED:
        # Decided before the worker got here: nobody is waiting for it any more.
        return 0
    ancestor_ids = [int(p) for p in pairing.region.path.strip("/").split("/") if p]
    approvers = (
        get_user_model()
        .objects.filter(
            is_active=True,
            role_assignments__role=Role.BUREAU,
            role_assignments__region__in=Region.objects.filter(id__in=ancestor_ids),
        )
        .exclude(pk=transition.actor_id)
        .distinct()
    )
    url = reverse("schools:pairing_detail", args=[pairing.pk])

    def message(user):
        title = _("Pairing proposed: %(title)s") % {"title": pairing.title}
        body = _(
            "%(actor)s proposed the pairing %(title)s in the programme %(programme)s. "
            "It is waiting for your decision."
        ) % {
            "actor": transition.actor.display_name,
            "title": pairing.title,
            "programme": pairing.programme.name,
        }
        return title, body

    return len(notify(kind="pairing-proposed", key=f"transition:{transition.pk}",
                      recipients=approvers, message=message, url=url))  # fmt: skip
