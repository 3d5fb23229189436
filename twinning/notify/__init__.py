"""The one notification service: what kinds of notification exist (``kinds``), which
channels each person chose for each (``preferences``), how a notification is written once
and sent on its channels (``services.notify``), the work-chat robots (``chat``), emails and
the daily digest (``email``), and the catalogue of reminders (``reminders``)."""
