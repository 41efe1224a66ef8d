"""The audit trail's action names for imports (core.audit: one list per app)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    IMPORT_UPLOAD = "import.upload", _("File uploaded for import")
    IMPORT_REJECT = "import.reject", _("File refused for import")
    IMPORT_MAP = "import.map", _("Import columns mapped")
    IMPORT_MAP_VALUES = "import.map_values", _("Import values mapped")
    IMPORT_PROFILE_SAVE = "import.profile_save", _("Import profile saved")
    IMPORT_PROFILE_LOAD = "import.profile_load", _("Import profile read from a file")
    IMPORT_VALIDATE = "import.validate", _("Import validated")
    IMPORT_COMMIT = "import.commit", _("Import carried out")
    IMPORT_QUEUE = "import.queue", _("Import queued to run in the background")
    IMPORT_EXPIRE = "import.expire", _("Unfinished import expired, its rows removed")
    IMPORT_REMOVE_ROWS = "import.remove_rows", _("Rows of a finished import removed")
