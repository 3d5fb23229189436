from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Funding")

    def ready(self):
        from . import notices

        notices.register()
        from schools import region_copies

        region_copies.register(
            # An allocation and its ledger are the pairing's, kept in its helping school's
            # region (services.money.allocation_create).
            region_copies.Copy("funding.Allocation", "pairing__helping_school"),
            region_copies.Copy("funding.LedgerEntry", "pairing__helping_school"),
            region_copies.Copy("funding.Disbursement"),
            region_copies.Copy("funding.Receipt"),
            region_copies.Copy("funding.Donation"),
            region_copies.Copy("funding.DonationEvidence"),
            region_copies.Copy("funding.Student"),
            region_copies.Copy("funding.AidNotice"),
            region_copies.Copy("funding.AidApplication"),
            region_copies.Copy("funding.AidDocument"),
        )
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
                private=True,  # names, classes, guardians and their phones
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
