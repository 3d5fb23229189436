from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeachersConfig(AppConfig):
    name = "teachers"
    verbose_name = _("Teachers and mentorships")

    def ready(self):
        from schools import hub

        from . import home

        hub.register(hub.Tab("mentorships", _("Mentorships"), "teachers:pairing_mentorships", 30))
        home.register()
