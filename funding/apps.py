from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Funding")

    def ready(self):
        from schools import hub

        from . import home, selectors

        home.register_dashboard()
        hub.register(
            hub.Tab(
                "funding", _("Funding"), "funding:pairing_funding", 60,
                visible=lambda request, pairing: selectors.can_read_funding(
                    request.user, pairing
                ),
            )
        )  # fmt: skip
