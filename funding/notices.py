"""The funding app's kinds of notification and reminders (twinning/notify)."""

from django.utils.translation import gettext_lazy as _

from twinning.models import Role
from twinning.notify import kinds, reminders

GROUP = _("Money")


def register() -> None:
    kinds.register(
        kinds.Kind("disbursement-submitted", _("A request for money waits for your approval"),
                   GROUP, roles=(Role.BUREAU,), order=400),
        kinds.Kind("disbursement-decided", _("Your request for money was decided or paid"),
                   GROUP, roles=(Role.COORDINATOR,), order=410),
        kinds.Kind("disbursement-waiting", _("A request for money has waited for days"), GROUP,
                   roles=(Role.BUREAU,), order=420),
        kinds.Kind("tranche-due", _("A tranche is due and not released"), GROUP,
                   roles=(Role.BUREAU,), order=430),
        kinds.Kind("tranche-flagged", _("A tranche was released on a result now a fail"),
                   GROUP, roles=(Role.BUREAU,), order=440),
        kinds.Kind("aid-notice-ending", _("A public notice of student aid ends with objections "
                                          "open"), GROUP, roles=(Role.AID,), order=450),
    )  # fmt: skip
    reminders.register(
        reminders.Reminder(
            "disbursement-waiting", "disbursement-waiting", _("Request for money waiting"),
            _("bureau staff of the programme's region or above who may decide it (not who "
              "asked for it or submitted it), once it has waited more than "
              "APPROVAL_WAITING_REMIND_DAYS days"),
            _("once per request and submission"), "funding.reminders.disbursement_waiting",
            order=60,
        ),
        reminders.Reminder(
            "tranche-due", "tranche-due", _("Tranche due and not released"),
            _("bureau staff of the programme's region and above, once its date has passed"),
            _("once a week per tranche until it is released"), "funding.reminders.tranche_due",
            order=65,
        ),
        reminders.Reminder(
            "aid-notice-ending", "aid-notice-ending", _("Public notice ending with objections "
                                                        "open"),
            _("the aid officers of the school's region and above, the day before the notice "
              "ends"),
            _("once per notice"), "funding.reminders.aid_notice_ending", order=70,
        ),
    )  # fmt: skip
