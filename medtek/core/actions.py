"""The audit trail's action names for core's own records (core.audit: one list per app)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    NUMBER_SERIES_CREATE = "number_series.create", _("Number series created")
    NUMBER_SERIES_UPDATE = "number_series.update", _("Number series changed")
    NUMBER_SERIES_CONTINUE_FROM = "number_series.continue_from", _("Number series continued")
    DISPOSAL_DECISION_RECORD = "disposal_decision.record", _("Disposal decision recorded")
    RECORD_DISPOSE = "record.dispose", _("Record disposed of")
    FILE_STORE = "file.store", _("File stored")
