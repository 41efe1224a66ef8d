from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Import sessions and rows, shared by every importable entity (each registers an
    ``Importer`` in its own ``AppConfig.ready``)."""

    name = "medtek.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from medtek.core import audit
        from medtek.core.access import register_scope

        from .actions import Action

        audit.register_actions(Action)
        from medtek.core import todo

        from . import todo as import_todo

        todo.register("imports", import_todo.todo)

        from .access import sessions_visible_to
        from .models import ImportProfile, ImportSession
        from .profiles import profiles_visible_to

        register_scope(ImportSession, sessions_visible_to)
        register_scope(ImportProfile, profiles_visible_to)
