"""The activities app's kinds of notification and reminders (twinning/notify)."""

from django.utils.translation import gettext_lazy as _

from twinning.models import Role
from twinning.notify import kinds, reminders

GROUP = _("Exchanges")


def register() -> None:
    kinds.register(
        kinds.Kind("activity-tomorrow", _("An exchange of yours is tomorrow"), GROUP,
                   order=300),
        kinds.Kind("activity-not-logged", _("An exchange that ended is not logged"), GROUP,
                   roles=(Role.COORDINATOR, Role.BUREAU), order=310),
        kinds.Kind("secondment-unconfirmed", _("A secondment ends without its days "
                                               "confirmed"), GROUP,
                   roles=(Role.COORDINATOR,), order=320),
    )  # fmt: skip
    reminders.register(
        reminders.Reminder(
            "activity-tomorrow", "activity-tomorrow", _("Exchange tomorrow"),
            _("its organiser and its participating teachers"),
            _("once per exchange and day it starts"), "activities.reminders.tomorrow", order=10,
        ),
        reminders.Reminder(
            "activity-not-logged", "activity-not-logged", _("Exchange not logged"),
            _("the coordinators of the pairing's schools and the organiser, three days after "
              "it ended"),
            _("once per exchange"), "activities.reminders.not_logged", order=20,
        ),
        reminders.Reminder(
            "secondment-unconfirmed", "secondment-unconfirmed", _("Secondment days not "
                                                                  "confirmed"),
            _("the coordinators of the home and the host school, from three days before its "
              "last day until its days served are confirmed (30 days after it at most)"),
            _("once per secondment"), "activities.reminders.secondment_unconfirmed", order=25,
        ),
    )  # fmt: skip
