from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Funding")

    def ready(self):
        from schools import hub
        from twinning import access, imports

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
        imports.register(
            imports.ImportKind(
                key="students",
                title=_("Import students"),
                name=_("Students"),
                resource="funding.resources.StudentResource",
                may_import=access.handles_aid,
                refusal=_(
                    "The school's coordinators and the region's aid officers keep its students."
                ),
                list_url="funding:student_list",
                matching=_(
                    "A row updates the student of its school with the same name and guardian's "
                    "phone and adds a student otherwise."
                ),
                order=30,
            )
        )
