from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo region: fictional data that shows every module. Sits on top of all other apps."""

    name = "medtek.demo"
    label = "demo"
    verbose_name = "Demo"

    def ready(self) -> None:
        from medtek.core import audit

        from .actions import Action

        audit.register_actions(Action)
