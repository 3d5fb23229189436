from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("Schools and pairings")

    def ready(self):
        from . import notices

        notices.register()
        from . import region_copies

        region_copies.register(region_copies.Copy("schools.PairingMember"))
        from twinning import access, imports

        imports.register(
            imports.ImportKind(
                key="schools",
                title=_("Import schools"),
                name=_("Schools"),
                resource="schools.resources.SchoolResource",
                may_import=lambda scope: scope.is_admin or bool(scope.bureau_region_ids),
                refusal=_("Only bureau staff import schools."),
                list_url="schools:school_list",
                matching=_(
                    "A row updates the school with the same school code and adds a school "
                    "otherwise (only in a region of your bureau)."
                ),
                order=10,
            )
        )
        imports.register(
            imports.ImportKind(
                key="pairings",
                title=_("Import pairings"),
                name=_("Pairings"),
                resource="schools.resources.PairingResource",
                may_import=access.can_propose_pairings,
                refusal=_("Only bureau staff and schools' coordinators start pairings."),
                list_url="schools:pairing_list",
                matching=_(
                    "A row is the pairing of its programme with the same helping school and "
                    "the same assisted schools: it changes that pairing's agreement dates and "
                    "aims while it is a draft, and starts a draft otherwise."
                ),
                order=40,
            )
        )
