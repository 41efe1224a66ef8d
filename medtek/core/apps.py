from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "medtek.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import audit, files, text
        from .actions import Action

        text.install()  # before any app's ready() builds a form or serializer
        audit.register_actions(Action)
        files.check_configuration()
