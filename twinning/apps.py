import importlib
from collections.abc import Iterator
from types import ModuleType

from django.apps import AppConfig, apps
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _


def app_modules(submodule: str) -> Iterator[tuple[AppConfig, ModuleType]]:
    """Each installed app's ``submodule`` (``scale``, ``demo`` …) that exists, in
    INSTALLED_APPS order, which is the dependency order: so that a command can call
    every app's share without importing a higher app by name."""
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, submodule):
            yield config, importlib.import_module(f"{config.name}.{submodule}")


class TwinningConfig(AppConfig):
    name = "twinning"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import (
            db,  # noqa: F401 – registers the any_of lookup
            notices,
            schema,  # noqa: F401 – registers the OpenAPI field extensions
        )
        from .access import scope_changed

        notices.register()

        # Signals, not services: role assignments also change through the admin and
        # through cascades (a deleted user or school), and every path must invalidate.
        def assignment_changed(sender, instance, **kwargs):
            scope_changed(user_id=instance.user_id)

        def world_changed(sender, **kwargs):
            scope_changed()

        for signal in (post_save, post_delete):
            signal.connect(assignment_changed, sender="twinning.RoleAssignment", weak=False)
            # Lazy senders: the core app imports no higher app.
            signal.connect(world_changed, sender="schools.Region", weak=False)
            signal.connect(world_changed, sender="schools.School", weak=False)
