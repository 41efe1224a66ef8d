from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "medtek.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import audit, files
        from .actions import Action

        audit.register_actions(Action)
        files.check_configuration()
