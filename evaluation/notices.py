"""The evaluation app's kinds of notification and reminders (twinning/notify)."""

from django.utils.translation import gettext_lazy as _

from twinning.models import Role
from twinning.notify import kinds, reminders

GROUP = _("Evaluation")


def register() -> None:
    kinds.register(
        kinds.Kind("scorecard-step", _("A scorecard moved a step"), GROUP,
                   roles=(Role.COORDINATOR, Role.INSPECTOR, Role.BUREAU), order=500),
        kinds.Kind("self-assessment-due", _("A self-assessment is due within 14 days"), GROUP,
                   roles=(Role.COORDINATOR,), order=510),
        kinds.Kind("inspection-overdue", _("An inspection is overdue"), GROUP,
                   roles=(Role.INSPECTOR, Role.BUREAU), order=520),
        kinds.Kind("document-ready", _("A report is ready to download"), GROUP,
                   roles=(Role.BUREAU, Role.INSPECTOR), order=530),
    )  # fmt: skip
    reminders.register(
        reminders.Reminder(
            "self-assessment-due", "self-assessment-due", _("Self-assessment due"),
            _("the coordinators of the helping school, within 14 days of the due date while "
              "the scorecard is still in self-assessment"),
            _("once per scorecard"), "evaluation.reminders.self_assessment_due", order=80,
        ),
        reminders.Reminder(
            "inspection-overdue", "inspection-overdue", _("Inspection overdue"),
            _("the inspectors of the programme's region and above, when a scorecard waits "
              "for inspection after its due date"),
            _("once a week per scorecard until the inspection is finished"),
            "evaluation.reminders.inspection_overdue", order=85,
        ),
    )  # fmt: skip
