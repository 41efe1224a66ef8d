from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo region: fictional data that shows every module. Sits on top of all other apps."""

    name = "medtek.demo"
    label = "demo"
    verbose_name = "Demo"
