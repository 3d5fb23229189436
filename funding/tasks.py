"""Background work of the funding app. Tasks take ids and call services; safe to run twice."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from schools.models import Region
from twinning import text
from twinning.models import Role
from twinning.notify.services import notify

from .models import DisbursementStatus, DisbursementTransition


def _approvers(pairing, exclude_id: int):
    """Active bureau users of the programme's region or above it, but the requester."""
    ancestor_ids = [int(p) for p in pairing.region.path.strip("/").split("/") if p]
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            role_assignments__role=Role.BUREAU,
            role_assignments__region__in=Region.objects.filter(id__in=ancestor_ids),
        )
        .exclude(pk=exclude_id)
        .distinct()
    )


TOLD = (DisbursementStatus.SUBMITTED, DisbursementStatus.APPROVED, DisbursementStatus.REJECTED,
        DisbursementStatus.PAID)  # fmt: skip


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notify_disbursement(self, step_id: int) -> int:
    """A request for money moved: submitted → its approvers are told; approved, rejected,
    paid → its requester is told. One notification per person and step."""
    step = (
        DisbursementTransition.objects.select_related(
            "disbursement__pairing__region", "disbursement__requested_by", "actor"
        )
        .filter(pk=step_id)
        .first()
    )
    if step is None:
        return 0
    d = step.disbursement
    if step.to_status not in TOLD:
        return 0
    if step.to_status == DisbursementStatus.SUBMITTED:
        if d.status != DisbursementStatus.SUBMITTED:
            return 0  # decided before the worker got here
        recipients = list(_approvers(d.pairing, d.requested_by_id))
    elif d.requested_by_id != step.actor_id and d.requested_by.is_active:
        recipients = [d.requested_by]
    else:
        recipients = []
    url = reverse("funding:disbursement_detail", args=[d.pk])

    def message(user):
        names = {"purpose": d.get_purpose_display(), "amount": text.amount(d.amount),
                 "actor": step.actor.display_name}  # fmt: skip
        titles = {
            DisbursementStatus.SUBMITTED: _("Request for %(amount)s yuan (%(purpose)s) "
                                            "waits for your approval"),
            DisbursementStatus.APPROVED: _("%(actor)s approved %(amount)s yuan (%(purpose)s)"),
            DisbursementStatus.REJECTED: _("%(actor)s rejected %(amount)s yuan (%(purpose)s)"),
            DisbursementStatus.PAID: _("%(amount)s yuan (%(purpose)s) has been paid"),
        }  # fmt: skip
        return titles[step.to_status] % names, step.comment

    submitted = step.to_status == DisbursementStatus.SUBMITTED
    return len(notify(
        kind="disbursement-submitted" if submitted else "disbursement-decided",
        key=f"disbursement:{step.pk}", recipients=recipients, message=message, url=url,
    ))  # fmt: skip


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notify_tranche_flagged(self, tranche_id: int) -> int:
    """A tranche was released on a pass that is now a fail: the bureau above the pairing
    is told, once per tranche and flag."""
    from .models import Tranche

    tranche = (
        Tranche.objects.select_related("allocation__pairing__region")
        .filter(pk=tranche_id, flagged_at__isnull=False)
        .first()
    )
    if tranche is None:
        return 0
    pairing = tranche.allocation.pairing
    recipients = list(_approvers(pairing, exclude_id=0))
    url = reverse("funding:pairing_funding", args=[pairing.pk])

    def message(user):
        title = _("Tranche %(number)s was released on a result now changed to a fail") % {
            "number": tranche.number
        }
        body = _(
            "The evaluation of school year %(year)s was finalised again and no longer "
            "passes (%(score)s points). The tranche of %(amount)s yuan released on it "
            "is not taken back by itself: decide what happens to it."
        ) % {"year": tranche.evaluation_year, "score": tranche.note,
             "amount": text.amount(tranche.amount)}  # fmt: skip
        return title, body

    return len(notify(
        kind="tranche-flagged", key=f"tranche:{tranche.pk}:{tranche.flagged_at:%Y%m%d%H%M%S}",
        recipients=recipients, message=message, url=url,
    ))  # fmt: skip
