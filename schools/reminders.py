"""Reminders about pairings and their plans, three of the catalogue (schools/notices.py):

- :func:`proposal_waiting`: a proposal waiting more than ``APPROVAL_WAITING_REMIND_DAYS``
  whole days goes to those who may approve it: bureau staff of the programme's region or
  above, not whoever proposed it. Once per proposal.
- :func:`proposal_escalated`: a proposal waiting more than ``APPROVAL_WAITING_WARN_DAYS``
  whole days (the dashboard's "overdue") goes to the heads of the bureau (负责人) of the
  programme's region, or of the nearest region above it that has any. Once per proposal.
- :func:`milestone_overdue`: a goal of the development plan past its date with its
  result not reported goes to the coordinators of the pairing's schools. Once per goal.

Also the look-ups the reminders of the apps above share (people of a region and above,
the coordinators of schools and pairings): one or two queries for any number of objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Prefetch, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from twinning.models import Role, RoleAssignment, User
from twinning.notify.services import notify

from .models import Goal, Pairing, PairingMember, PairingStatus, PairingTransition, ProgressUpdate

# --- who: people by region and by school --------------------------------------------------


def path_ids(path: str) -> list[int]:
    """The regions of a materialised path ("/1/4/9/"), nearest first: 9, 4, 1."""
    return [int(p) for p in reversed(path.strip("/").split("/")) if p]


def _by_region(assignments) -> dict[int, dict[int, User]]:
    found: dict[int, dict[int, User]] = {}
    for assignment in assignments.select_related("user"):
        found.setdefault(assignment.region_id, {})[assignment.user_id] = assignment.user
    return found


def region_people(role: str, paths: Iterable[str]) -> dict[str, list[User]]:
    """The active holders of ``role`` in each region of ``paths`` or any region above it,
    by path (one query for all the paths)."""
    paths = set(paths)
    ids = {pk for path in paths for pk in path_ids(path)}
    if not ids:
        return {}
    by_region = _by_region(
        RoleAssignment.objects.filter(role=role, region_id__in=ids, user__is_active=True)
    )
    found: dict[str, list[User]] = {}
    for path in paths:
        people: dict[int, User] = {}
        for region_id in path_ids(path):
            people.update(by_region.get(region_id, {}))
        found[path] = list(people.values())
    return found


def nearest_heads(paths: Iterable[str]) -> dict[str, list[User]]:
    """The active heads of the bureau (``RoleAssignment.head``) of each region of
    ``paths``, or of the nearest region above it that has any, by path (one query)."""
    paths = set(paths)
    ids = {pk for path in paths for pk in path_ids(path)}
    if not ids:
        return {}
    by_region = _by_region(
        RoleAssignment.objects.filter(
            role=Role.BUREAU, head=True, region_id__in=ids, user__is_active=True
        )
    )
    found: dict[str, list[User]] = {}
    for path in paths:
        for region_id in path_ids(path):
            if by_region.get(region_id):
                found[path] = list(by_region[region_id].values())
                break
    return found


def school_coordinators(school_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active coordinators of each school, by school id (one query)."""
    found: dict[int, list[User]] = {}
    for assignment in RoleAssignment.objects.filter(
        role=Role.COORDINATOR, school_id__in=set(school_ids), user__is_active=True
    ).select_related("user"):
        found.setdefault(assignment.school_id, []).append(assignment.user)
    return found


def pairing_coordinators(pairing_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active coordinators of every school of each pairing, by pairing id (two
    queries for all)."""
    schools: dict[int, set[int]] = {}
    for pairing_id, school_id in PairingMember.objects.filter(
        pairing_id__in=set(pairing_ids)
    ).values_list("pairing_id", "school_id"):
        schools.setdefault(pairing_id, set()).add(school_id)
    coordinators = school_coordinators({s for ids in schools.values() for s in ids})
    found: dict[int, list[User]] = {}
    for pairing_id, school_ids in schools.items():
        people = {u.pk: u for s in school_ids for u in coordinators.get(s, [])}
        found[pairing_id] = list(people.values())
    return found


# --- proposals waiting ------------------------------------------------------------------------


def _waiting(now: dt.datetime, days: int) -> list[Pairing]:
    """Proposals waiting more than ``days`` whole days at ``now`` (the dashboard counts
    whole days: ``schools.selectors.waiting_days``), oldest first, each with
    ``transition_id``, the step that proposed it (one query, and one for the titles)."""
    proposing = PairingTransition.objects.filter(
        pairing_id=OuterRef("pk"), to_status=PairingStatus.PROPOSED
    ).order_by("-id")
    return list(
        Pairing.objects.filter(
            status=PairingStatus.PROPOSED, proposed_at__lte=now - dt.timedelta(days=days + 1)
        )
        .annotate(transition_id=Subquery(proposing.values("id")[:1]))
        .select_related("region", "programme", "helping_school")
        .prefetch_related(Prefetch("members", PairingMember.objects.select_related("school")))
        .order_by("proposed_at", "id")
    )  # fmt: skip


def _names(pairing: Pairing, now: dt.datetime) -> dict:
    return {"title": pairing.title, "days": (now - pairing.proposed_at).days,
            "programme": pairing.programme.name}  # fmt: skip


def proposal_waiting(now: dt.datetime) -> int:
    """Remind the approvers of each proposal waiting over the reminder's days; how many
    notifications it wrote. Keyed by the proposing step: once per proposal."""
    pairings = _waiting(now, settings.APPROVAL_WAITING_REMIND_DAYS)
    approvers = region_people(Role.BUREAU, {p.region.path for p in pairings})
    sent = 0
    for pairing in pairings:
        people = [
            u for u in approvers.get(pairing.region.path, []) if u.pk != pairing.proposed_by_id
        ]

        def message(user, pairing=pairing):
            names = _names(pairing, now)
            title = _("Waiting %(days)s days for your approval: %(title)s") % names
            body = _("The pairing %(title)s in the programme %(programme)s has waited %(days)s "
                     "days for a decision. Approve it, or reject it saying why.")  # fmt: skip
            return title, body % names

        sent += len(notify(kind="proposal-waiting", key=f"transition:{pairing.transition_id}",
                           recipients=people, message=message,
                           url=reverse("schools:pairing_detail", args=[pairing.pk])))  # fmt: skip
    return sent


def proposal_escalated(now: dt.datetime) -> int:
    """Tell the heads of the bureau of each proposal waiting over a week (the nearest
    heads up the region tree); how many notifications it wrote. Once per proposal."""
    pairings = _waiting(now, settings.APPROVAL_WAITING_WARN_DAYS)
    heads = nearest_heads({p.region.path for p in pairings})
    sent = 0
    for pairing in pairings:

        def message(user, pairing=pairing):
            names = _names(pairing, now)
            title = _("Undecided for %(days)s days: %(title)s") % names
            body = _("The pairing %(title)s in the programme %(programme)s has waited "
                     "%(days)s days for your bureau's decision, longer than the time it is "
                     "given.")  # fmt: skip
            return title, body % names

        sent += len(notify(kind="proposal-escalated", key=f"transition:{pairing.transition_id}",
                           recipients=heads.get(pairing.region.path, []), message=message,
                           url=reverse("schools:pairing_detail", args=[pairing.pk])))  # fmt: skip
    return sent


# --- the development plan ---------------------------------------------------------------------


def milestone_overdue(now: dt.datetime) -> int:
    """Ask for the result of each goal of the plan of an approved or active pairing
    whose date has passed and whose result is not reported: its target not reached and
    no progress reported on or after its date (a report from that day on is the
    school's last word, reached or not). How many notifications it wrote; once per goal."""
    today = timezone.localdate(now)
    reported = ProgressUpdate.objects.filter(goal_id=OuterRef("pk"),
                                             reported_at__date__gte=OuterRef("due_on"))  # fmt: skip
    goals = list(
        Goal.objects.filter(
            due_on__lt=today, current_value__lt=F("target_value"),
            pairing__status__in=(PairingStatus.APPROVED, PairingStatus.ACTIVE),
        )
        .exclude(Exists(reported))
        .select_related("school")
        .order_by("due_on", "id")
    )  # fmt: skip
    coordinators = pairing_coordinators({g.pairing_id for g in goals})
    sent = 0
    for goal in goals:

        def message(user, goal=goal):
            title = _("Past its date, result not reported: %(goal)s") % {"goal": goal.title}
            body = _("The goal of %(school)s was due on %(day)s: %(done)s of %(target)s "
                     "%(unit)s reported. Report what was achieved.") % {
                "school": goal.school.name, "day": goal.due_on.isoformat(),
                "done": f"{goal.current_value.normalize():f}",
                "target": f"{goal.target_value.normalize():f}", "unit": goal.unit,
            }  # fmt: skip
            return title, body

        url = reverse("schools:pairing_plan", args=[goal.pairing_id]) + f"#goal-{goal.pk}"
        sent += len(notify(kind="milestone-overdue", key=f"goal:{goal.pk}",
                           recipients=coordinators.get(goal.pairing_id, []), message=message,
                           url=url))  # fmt: skip
    return sent
