from django.apps import AppConfig


class ExampleConfig(AppConfig):
    """A small domain app that exists only in the tests: it uses every piece of core's machinery
    the way a new module (the diary, reports, deviations) will, so the machinery is tested on a
    real app, and the generic tests walk its pages and endpoints like everyone else's."""

    name = "tests.example"
    label = "example"
    verbose_name = "Example"

    def ready(self) -> None:
        from medtek.core import audit
        from medtek.core.access import register_scope

        from . import access
        from .actions import Action
        from .models import Attachment, Entry, Task

        audit.register_actions(Action)
        register_scope(
            Entry,
            access.entries_visible_to,
            sensitive=["party"],
            sensitive_readers=access.may_read_party,
        )
        register_scope(Attachment, access.attachments_visible_to)
        register_scope(Task, access.tasks_visible_to)
