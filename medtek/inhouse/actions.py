"""The audit trail's action names for in-house files (core.audit: one list per app)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    INHOUSE_DEVICE_CREATE = "inhouse_device.create", _("In-house file opened")
    INHOUSE_DEVICE_UPDATE = "inhouse_device.update", _("In-house file changed")
