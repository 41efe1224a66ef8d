from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    """The diary (diarium): cases and documents, registered without delay, never silently
    changed, public where the law says (docs/domain/registry.md). Every later module registers
    its documents here."""

    name = "medtek.registry"
    label = "registry"
    verbose_name = _("Diary")

    def ready(self) -> None:
        from medtek.core import audit, reminders
        from medtek.core.access import register_scope

        from . import access, importer  # noqa: F401  (registers the "diary" importer)
        from . import reminders as registry_reminders
        from .actions import Action
        from .models import Case, Document, DocumentFile, ProcessCode, SecrecyProvision

        audit.register_actions(Action)
        from medtek.core import todo

        from . import todo as registry_todo

        todo.register("registry", registry_todo.todo)
        reminders.register("registry", registry_reminders.compose)
        register_scope(
            Case,
            access.cases_visible_to,
            sensitive=["title_restricted"],
            sensitive_readers=access.may_read_restricted_anywhere,
        )
        register_scope(
            Document,
            access.documents_visible_to,
            sensitive=["details", "counterparty_restricted"],
            sensitive_readers=access.may_read_restricted_anywhere,
        )
        register_scope(DocumentFile, access.document_files_visible_to)
        register_scope(ProcessCode, access.lists_visible_to(ProcessCode))
        register_scope(SecrecyProvision, access.lists_visible_to(SecrecyProvision))
