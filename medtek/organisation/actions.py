"""The audit trail's action names for the organisation (core.audit: one list per app)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    CARE_PROVIDER_CREATE = "care_provider.create", _("Care provider added")
    CARE_PROVIDER_UPDATE = "care_provider.update", _("Care provider changed")
    UNIT_CREATE = "unit.create", _("Unit created")
    UNIT_UPDATE = "unit.update", _("Unit changed")
    PERSON_CREATE = "person.create", _("Person added")
    PERSON_UPDATE = "person.update", _("Person changed")
    ROLE_GRANT = "role.grant", _("Role granted")
    ROLE_REVOKE = "role.revoke", _("Role revoked")
