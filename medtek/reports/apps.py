from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reports to the authorities: routed by the facts of the event, approved by two people,
    registered in the diary when sent, on time (docs/domain/reporting.md)."""

    name = "medtek.reports"
    label = "reports"
    verbose_name = _("Reports to authorities")

    def ready(self) -> None:
        from medtek.core import audit, reminders
        from medtek.core.access import register_scope

        from . import access, importer  # noqa: F401  (registers the "reports" importer)
        from . import reminders as report_reminders
        from .actions import Action
        from .models import Authority, Dispatch, Reply, Report, ReportKind

        audit.register_actions(Action)
        from medtek.core import todo

        from . import todo as report_todo

        todo.register("reports", report_todo.todo)
        reminders.register("reports", report_reminders.compose)
        register_scope(
            Report,
            access.reports_visible_to,
            sensitive=["description", "consequence", "actions_taken"],
            sensitive_readers=access.may_read_content,
        )
        register_scope(
            Dispatch,
            access.dispatches_visible_to,
            sensitive=["text"],
            sensitive_readers=access.may_read_content,
        )
        register_scope(Reply, access.replies_visible_to)
        register_scope(Authority, access.authorities_visible_to)
        register_scope(ReportKind, access.kinds_visible_to)
