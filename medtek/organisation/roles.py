"""The roles of mission.md and what each may do.

A role is granted on a unit and holds for that unit and every unit below it. The auditor reads and
never writes; the administrator manages the organisation, people and configuration.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MT_ENGINEER = "mt_engineer", _("MT engineer")
    QUALITY_LEAD = "quality_lead", _("Quality lead")
    REGISTRAR = "registrar", _("Registrar")
    PATIENT_SAFETY_OFFICER = "patient_safety_officer", _("Patient-safety officer")
    HEAD_OF_UNIT = "head_of_unit", _("Head of unit")
    UNIT_STAFF = "unit_staff", _("Unit staff")
    BOARD_SECRETARY = "board_secretary", _("Board secretary")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


#: Roles that may never write anything, whatever else the code asks.
READ_ONLY_ROLES = frozenset({Role.AUDITOR})

#: Roles that, held on the region (the root), may read the whole audit log.
AUDIT_LOG_ROLES = frozenset({Role.AUDITOR, Role.ADMINISTRATOR})

#: Who may change the organisation (units, care providers, people and their roles).
ORGANISATION_WRITERS = frozenset({Role.ADMINISTRATOR})

#: Who, holding the role on the region (the root), carries out disposals (gallring) under a
#: recorded disposal decision: the registry keeps the archive.
DISPOSERS = frozenset({Role.ADMINISTRATOR, Role.REGISTRAR})
