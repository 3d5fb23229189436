"""Reminders about the yearly evaluation, two of the catalogue (evaluation/notices.py):

- :func:`self_assessment_due`: a scorecard still in self-assessment (``open``) whose due
  date is within the next 14 days goes to the coordinators of the helping school, who
  self-assess and submit it (evaluation.services.scorecard_submit). Once per scorecard.
- :func:`inspection_overdue`: a scorecard waiting for its inspection (``submitted``: the
  assisted schools have confirmed the self-assessment, or the bureau reopened it) after
  its due date goes to the inspectors of the programme's region and above, every week
  until the inspection is finished. A scorecard still with the schools after its date is
  late on their side, not the inspectors': they cannot score it before it is submitted.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import PairingMember
from schools.reminders import region_people, school_coordinators
from teachers.services.reminders import week_key
from twinning.models import Role
from twinning.notify.services import notify

from .models import Scorecard, ScorecardStatus
from .services import EVALUATED_STATUSES

DUE_WITHIN = dt.timedelta(days=14)


def _cards(**condition) -> list[Scorecard]:
    return list(
        Scorecard.objects.filter(pairing__status__in=EVALUATED_STATUSES, **condition)
        .select_related("pairing__region", "pairing__helping_school")
        .prefetch_related(Prefetch("pairing__members",
                                   PairingMember.objects.select_related("school")))
        .order_by("due_on", "id")
    )  # fmt: skip


def self_assessment_due(now: dt.datetime) -> int:
    """Remind the helping school of each self-assessment due within 14 days; how many
    notifications it wrote."""
    today = timezone.localdate(now)
    cards = _cards(status=ScorecardStatus.OPEN, due_on__gte=today, due_on__lte=today + DUE_WITHIN)
    coordinators = school_coordinators({c.helping_school_id for c in cards})
    sent = 0
    for card in cards:

        def message(user, card=card):
            names = {"pairing": card.pairing.title, "year": card.year,
                     "day": card.due_on.isoformat()}  # fmt: skip
            title = _("Self-assessment due by %(day)s: %(pairing)s, year %(year)s") % names
            body = _("Score every manual indicator with its evidence and submit the "
                     "self-assessment to the assisted school by %(day)s.") % names  # fmt: skip
            return title, body

        sent += len(notify(kind="self-assessment-due", key=f"scorecard:{card.pk}",
                           recipients=coordinators.get(card.helping_school_id, []),
                           message=message,
                           url=reverse("evaluation:scorecard_detail", args=[card.pk])))  # fmt: skip
    return sent


def inspection_overdue(now: dt.datetime) -> int:
    """Remind the inspectors of each scorecard awaiting inspection past its due date,
    once a week (the key names the ISO week); how many notifications it wrote."""
    today = timezone.localdate(now)
    cards = _cards(status=ScorecardStatus.SUBMITTED, due_on__lt=today)
    inspectors = region_people(Role.INSPECTOR, {c.pairing.region.path for c in cards})
    week = week_key(today)
    sent = 0
    for card in cards:

        def message(user, card=card):
            names = {"pairing": card.pairing.title, "year": card.year,
                     "day": card.due_on.isoformat()}  # fmt: skip
            title = _("Inspection overdue: %(pairing)s, year %(year)s") % names
            body = _("The scorecard was due by %(day)s and is waiting for the inspectors' "
                     "scores.") % names  # fmt: skip
            return title, body

        sent += len(notify(kind="inspection-overdue", key=f"scorecard:{card.pk}:{week}",
                           recipients=inspectors.get(card.pairing.region.path, []),
                           message=message,
                           url=reverse("evaluation:scorecard_detail", args=[card.pk])))  # fmt: skip
    return sent
