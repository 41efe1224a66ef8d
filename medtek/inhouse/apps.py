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

        from medtek.core import reminders

        from . import reminders as inhouse_reminders

        reminders.register("inhouse", inhouse_reminders.compose)

        from . import access, importer  # noqa: F401  (registers the "inhouse" importer)
        from . import models as m

        register_scope(m.InhouseDevice, access.inhouse_devices_visible_to)
        # The file's own records are seen by whoever sees the file (their history, the audit log).
        for model in (
            m.ChecklistItem,
            m.FileDocument,
            m.ReleaseRecord,
            m.Review,
            m.SignOff,
        ):
            register_scope(model, access.file_records_visible_to(model, "file"))
        register_scope(
            m.CorrectiveAction, access.file_records_visible_to(m.CorrectiveAction, "review__file")
        )
        # A published declaration is public, and so is the Annex I reference data.
        register_scope(m.Declaration, lambda user: m.Declaration.objects.all())
        register_scope(m.Requirement, lambda user: m.Requirement.objects.all())
