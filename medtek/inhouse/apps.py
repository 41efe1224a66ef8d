from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InhouseConfig(AppConfig):
    name = "medtek.inhouse"
    label = "inhouse"
    verbose_name = _("In-house manufacture")

    def ready(self) -> None:
        from medtek.core import audit
        from medtek.core.access import register_scope

        from .actions import Action

        audit.register_actions(Action)
        from medtek.core import todo

        from . import todo as inhouse_todo

        todo.register("inhouse", inhouse_todo.todo)

        from . import access, importer  # noqa: F401  (registers the "inhouse" importer)
        from .models import InhouseDevice

        register_scope(InhouseDevice, access.inhouse_devices_visible_to)
