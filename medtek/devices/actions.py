"""The audit trail's action names for the device register (core.audit: one list per app)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    DEVICE_MODEL_CREATE = "device_model.create", _("Device model added")
    DEVICE_MODEL_UPDATE = "device_model.update", _("Device model changed")
    DEVICE_REGISTER = "device.register", _("Device registered")
    DEVICE_UPDATE = "device.update", _("Device changed")
    DEVICE_STATUS = "device.status", _("Device status changed")
    INSPECTION_PLAN_CREATE = "inspection_plan.create", _("Inspection planned")
    INSPECTION_PLAN_END = "inspection_plan.end", _("Inspection plan ended")
    INSPECTION_PLAN_ADVANCE = "inspection_plan.advance", _("Inspection plan moved on")
    INSPECTION_RECORD = "inspection.record", _("Inspection recorded")
