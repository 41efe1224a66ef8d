"""The audit trail's action names for in-house files (core.audit: one list per app)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    INHOUSE_DEVICE_CREATE = "inhouse_device.create", _("In-house file opened")
    INHOUSE_DEVICE_UPDATE = "inhouse_device.update", _("In-house file changed")
    INHOUSE_DEVICE_TRANSITION = "inhouse_device.transition", _("In-house file's status changed")
    INHOUSE_DEVICE_NOTIFY = "inhouse_device.notify", _("IVO notification drafted for the file")
    INHOUSE_DEVICE_IMPORT = "inhouse_device.import", _("In-house file imported")
    SIGNOFF = "inhouse_signoff.sign", _("In-house file signed off")
    CHECKLIST_ASSESS = "inhouse_checklist.assess", _("Annex I item assessed")
    CHECKLIST_OPEN = "inhouse_checklist.open", _("Annex I checklist opened")
    DOCUMENT_ADD = "inhouse_document.add", _("Technical document added")
    DOCUMENT_VERSION = "inhouse_document.version", _("New version of a technical document")
    RELEASE_RECORD = "inhouse_release.record", _("Unit or batch released")
    REVIEW_RECORD = "inhouse_review.record", _("Clinical review recorded")
    ACTION_CREATE = "inhouse_action.create", _("Corrective action decided")
    ACTION_DONE = "inhouse_action.done", _("Corrective action done")
    ACTION_VERIFY = "inhouse_action.verify", _("Corrective action verified")
    DECLARATION_PUBLISH = "inhouse_declaration.publish", _("Public declaration published")
    REQUIREMENTS_LOAD = "inhouse_requirement.load", _("Annex I reference data loaded")
    REQUIREMENT_UPDATE = "inhouse_requirement.update", _("Annex I requirement changed")
