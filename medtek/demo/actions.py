"""The audit trail's action names for the demo and benchmark data (core.audit)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    DEMO_SYNTHESIZE = "demo.synthesize", _("Benchmark data generated")
