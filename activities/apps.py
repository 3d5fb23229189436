from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Exchange activities")

    def ready(self):
        from . import notices

        notices.register()
        from schools import region_copies

        region_copies.register(
            region_copies.Copy("activities.Activity", "host_school"),
            region_copies.Copy("activities.Evidence"),
            region_copies.Copy("activities.Secondment", "home_school", "home_region"),
            region_copies.Copy("activities.Secondment", "host_school", "host_region"),
            region_copies.Copy("activities.Resource"),
        )
        from schools import hub
        from twinning import access, imports

        from . import home, selectors

        home.register()
        home.register_dashboard()
        hub.register(hub.Tab("exchanges", _("Exchanges"), "activities:pairing_exchanges", 40))
        hub.register_programme_tab(
            hub.Tab("targets", _("Exchange targets"), "activities:programme_targets", 20)
        )
        hub.register(
            hub.Tab(
                "resources", _("Resources"), "activities:pairing_resources", 50,
                visible=lambda request, pairing: selectors.can_read_resources(
                    request.user, pairing
                ),
            )
        )  # fmt: skip
        imports.register(
            imports.ImportKind(
                key="activities",
                title=_("Import activities"),
                name=_("Exchange activities"),
                resource="activities.resources.ActivityResource",
                # A pairing's bureau and its schools' coordinators schedule its activities
                # (access.can_schedule_activities): whoever holds either role schedules
                # somewhere; each row's pairing is checked by the resource.
                may_import=access.keeps_school_records,
                refusal=_(
                    "The coordinators of the pairing's schools and its bureau schedule "
                    "its activities."
                ),
                list_url="activities:activity_list",
                matching=_(
                    "A row finds its pairing by the codes of the helping and the assisted "
                    "school. It changes the activity of that pairing with the same kind, "
                    "start and title while it is planned or postponed, and schedules an "
                    "activity otherwise; a completed or cancelled activity cannot be changed. "
                    "Participating teachers are not imported: add them on the activity's page."
                ),
                order=60,
            )
        )
