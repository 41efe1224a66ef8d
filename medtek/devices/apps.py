from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "medtek.devices"
    label = "devices"
    verbose_name = _("Device register")

    def ready(self) -> None:
        from medtek.core import audit, reminders
        from medtek.core.access import register_scope

        from .actions import Action

        audit.register_actions(Action)
        from medtek.core import figures, todo

        from . import figures as device_figures
        from . import todo as device_todo

        todo.register("devices", device_todo.todo)
        figures.register("devices", device_figures.figures)
        reminders.register(
            "inspections",
            lambda today, days: device_reminders.compose_reminders(today=today, days=days),
        )

        from . import access, importer  # noqa: F401  (registers the "devices" importer)
        from . import reminders as device_reminders
        from .models import Device, DeviceModel, Inspection, InspectionPlan

        register_scope(Device, access.devices_visible_to)
        register_scope(DeviceModel, access.device_models_visible_to)
        register_scope(InspectionPlan, access.inspection_plans_visible_to)
        register_scope(Inspection, access.inspections_visible_to)
