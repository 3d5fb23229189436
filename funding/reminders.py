"""Reminders about money, three of the catalogue (funding/notices.py):

- :func:`disbursement_waiting`: a request for money submitted more than
  ``APPROVAL_WAITING_REMIND_DAYS`` whole days ago and not decided goes to those who may
  decide it: bureau staff of the programme's region or above, not whoever asked for it or
  submitted it. Once per request and submission.
- :func:`tranche_due`: a tranche whose date has passed and that is not released goes to
  the bureau staff of the programme's region and above, every week until it is released
  (or its pairing stops being funded).
- :func:`aid_notice_ending`: a published public notice (公示) of student aid whose last
  day is tomorrow and that has objections not yet resolved goes to the aid officers of
  its school's region and above. Once per notice.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import PairingMember
from schools.reminders import region_people
from teachers.services.reminders import week_key
from twinning import text
from twinning.models import Role
from twinning.notify.services import notify

from .models import (
    AidNotice,
    Disbursement,
    DisbursementStatus,
    DisbursementTransition,
    Tranche,
    TrancheStatus,
)
from .services.money import FUNDED_STATUSES


def disbursement_waiting(now: dt.datetime) -> int:
    """Remind the deciders of each request for money waiting over the reminder's days (as
    the approval queues count them, in whole days); how many notifications it wrote.
    Keyed by the request's submitting step."""
    submitting = DisbursementTransition.objects.filter(
        disbursement_id=OuterRef("pk"), to_status=DisbursementStatus.SUBMITTED
    ).order_by("-id")
    requests = list(
        Disbursement.objects.filter(
            status=DisbursementStatus.SUBMITTED,
            submitted_at__lte=now - dt.timedelta(days=settings.APPROVAL_WAITING_REMIND_DAYS + 1),
        )
        .annotate(step_id=Subquery(submitting.values("id")[:1]),
                  submitter_id=Subquery(submitting.values("actor_id")[:1]))
        .select_related("pairing__region", "school", "payee_teacher")
        .order_by("submitted_at", "id")
    )  # fmt: skip
    approvers = region_people(Role.BUREAU, {d.pairing.region.path for d in requests})
    sent = 0
    for d in requests:
        # Whoever asked for the money or submitted it never decides it (funding.selectors.
        # had_a_hand_in, which also refuses anyone who changed the draft: read from its
        # history, row by row, so not here).
        askers = {d.requested_by_id, d.submitter_id}
        people = [u for u in approvers.get(d.pairing.region.path, []) if u.pk not in askers]

        def message(user, d=d):
            names = {"amount": text.amount(d.amount), "purpose": d.get_purpose_display(),
                     "payee": d.payee_name, "days": (now - d.submitted_at).days}  # fmt: skip
            title = _("Waiting %(days)s days for your approval: %(amount)s yuan (%(purpose)s)")
            body = _("The request for %(amount)s yuan to %(payee)s (%(purpose)s) was submitted "
                     "%(days)s days ago and is not decided yet.")  # fmt: skip
            return title % names, body % names

        sent += len(notify(kind="disbursement-waiting", key=f"disbursement:{d.pk}:{d.step_id}",
                           recipients=people, message=message,
                           url=d.get_absolute_url()))  # fmt: skip
    return sent


def tranche_due(now: dt.datetime) -> int:
    """Remind the bureau above each funded pairing of its tranches past their date and
    not released, once a week (the key names the ISO week); how many notifications it
    wrote."""
    today = timezone.localdate(now)
    tranches = list(
        Tranche.objects.filter(
            status=TrancheStatus.SCHEDULED, due_on__lt=today,
            allocation__pairing__status__in=FUNDED_STATUSES,
        )
        .select_related("allocation__pairing__region", "allocation__pairing__helping_school")
        .prefetch_related(Prefetch("allocation__pairing__members",
                                   PairingMember.objects.select_related("school")))
        .order_by("due_on", "id")
    )  # fmt: skip
    staff = region_people(Role.BUREAU, {t.allocation.pairing.region.path for t in tranches})
    week = week_key(today)
    sent = 0
    for tranche in tranches:
        pairing = tranche.allocation.pairing

        def message(user, tranche=tranche, pairing=pairing):
            names = {"number": tranche.number, "amount": text.amount(tranche.amount),
                     "day": tranche.due_on.isoformat(), "pairing": pairing.title}  # fmt: skip
            title = _("Tranche %(number)s overdue since %(day)s: %(pairing)s") % names
            body = _("Tranche %(number)s of %(amount)s yuan for %(pairing)s was due by "
                     "%(day)s and is not released yet.") % names  # fmt: skip
            return title, body

        sent += len(notify(kind="tranche-due", key=f"tranche:{tranche.pk}:{week}",
                           recipients=staff.get(pairing.region.path, []), message=message,
                           url=reverse("funding:pairing_funding", args=[pairing.pk])))  # fmt: skip
    return sent


def aid_notice_ending(now: dt.datetime) -> int:
    """Warn the aid officers of each published notice ending tomorrow with objections
    still open (an application with one open is neither approved nor rejected after it);
    how many notifications it wrote. Once per notice."""
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    notices = list(
        AidNotice.objects.filter(ends_on=tomorrow, published_at__isnull=False)
        .annotate(open_objections=Count("objections",
                                        filter=Q(objections__resolved_at__isnull=True)))
        .filter(open_objections__gt=0)
        .select_related("scheme", "school", "region")
        .order_by("id")
    )  # fmt: skip
    officers = region_people(Role.AID, {n.region.path for n in notices})
    sent = 0
    for notice in notices:

        def message(user, notice=notice):
            names = {"scheme": notice.scheme.name, "school": notice.school.name,
                     "period": notice.period_key, "count": notice.open_objections,
                     "day": notice.ends_on.isoformat()}  # fmt: skip
            title = _("Notice ends tomorrow, %(count)s objections open: %(scheme)s, "
                      "%(school)s") % names  # fmt: skip
            body = _("The public notice of %(scheme)s (%(period)s) at %(school)s ends on "
                     "%(day)s with %(count)s objections not resolved. Look into them and "
                     "record what was found.") % names  # fmt: skip
            return title, body

        sent += len(notify(kind="aid-notice-ending", key=f"aid-notice:{notice.pk}",
                           recipients=officers.get(notice.region.path, []), message=message,
                           url=notice.get_absolute_url()))  # fmt: skip
    return sent
