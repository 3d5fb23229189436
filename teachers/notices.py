"""The teachers app's kinds of notification and reminders (twinning/notify)."""

from django.utils.translation import gettext_lazy as _

from twinning.models import Role
from twinning.notify import kinds, reminders

GROUP = _("Mentorships")


def register() -> None:
    kinds.register(
        kinds.Kind("mentorship-changed", _("A mentorship of yours started or its agreement "
                                           "changed"), GROUP, roles=(Role.TEACHER,), order=200),
        kinds.Kind("mentorship-record", _("A mentorship record filed, commented on or signed "
                                          "off"), GROUP, roles=(Role.TEACHER,), order=210),
        kinds.Kind("mentorship-behind", _("Your mentorship records are behind"), GROUP,
                   roles=(Role.TEACHER,), order=220),
    )  # fmt: skip
    reminders.register(
        reminders.Reminder(
            "mentorship-behind", "mentorship-behind", _("Mentorship obligations behind"),
            _("mentors and mentees with an obligation behind or missed last week"),
            _("once a person a week"),
            "teachers.services.reminders.mentorship_reminders_run", order=30,
        ),
    )  # fmt: skip
