"""The core's kinds of notification (twinning/notify/kinds.py)."""

from django.utils.translation import gettext_lazy as _

from .models import Channel
from .notify import kinds


def register() -> None:
    kinds.register(
        kinds.Kind(
            "robot-paused", _("A work-chat robot was paused"), _("Work chat"),
            roles=("bureau", "coordinator"),
            # Its owners must hear of it, and not through the robot that fails.
            required=frozenset({Channel.IN_APP, Channel.EMAIL}), order=900,
        ),
    )  # fmt: skip
