"""The schools app's kinds of notification and reminders (twinning/notify)."""

from django.utils.translation import gettext_lazy as _

from twinning.models import Role
from twinning.notify import kinds, reminders

GROUP = _("Pairings")


def register() -> None:
    kinds.register(
        kinds.Kind("pairing-proposed", _("A pairing is proposed for your approval"), GROUP,
                   roles=(Role.BUREAU,), order=100),
        kinds.Kind("proposal-waiting", _("A proposal has waited for approval for days"), GROUP,
                   roles=(Role.BUREAU,), order=110),
        kinds.Kind("proposal-escalated", _("A proposal has waited for a week (to the heads)"),
                   GROUP, roles=(Role.BUREAU,), order=120),
        kinds.Kind("milestone-overdue", _("A milestone of the plan is past its date"), GROUP,
                   roles=(Role.COORDINATOR,), order=130),
    )  # fmt: skip
    reminders.register(
        reminders.Reminder(
            "proposal-waiting", "proposal-waiting", _("Proposal waiting for approval"),
            _("bureau staff of the programme's region or above who may approve it (not its "
              "proposer), once it has waited more than APPROVAL_WAITING_REMIND_DAYS days"),
            _("once per proposal"), "schools.reminders.proposal_waiting", order=40,
        ),
        reminders.Reminder(
            "proposal-escalated", "proposal-escalated", _("Proposal escalated to the heads"),
            _("the heads of the bureau of the programme's region (or of the nearest region "
              "above with any), once it has waited more than APPROVAL_WAITING_WARN_DAYS days"),
            _("once per proposal"), "schools.reminders.proposal_escalated", order=45,
        ),
        reminders.Reminder(
            "milestone-overdue", "milestone-overdue", _("Plan goal past its date"),
            _("the coordinators of the pairing's schools, when a goal's date has passed "
              "without its result reported"),
            _("once per goal"), "schools.reminders.milestone_overdue", order=50,
        ),
    )  # fmt: skip
