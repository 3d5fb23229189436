from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Exchange activities")

    def ready(self):
        from schools import hub

        from . import home, selectors

        home.register()
        home.register_dashboard()
        hub.register(hub.Tab("exchanges", _("Exchanges"), "activities:pairing_exchanges", 40))
        hub.register(
            hub.Tab(
                "resources", _("Resources"), "activities:pairing_resources", 50,
                visible=lambda request, pairing: selectors.can_read_resources(
                    request.user, pairing
                ),
            )
        )  # fmt: skip
