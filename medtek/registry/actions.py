"""The audit trail's action names for the diary (core.audit: one list per app)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    PROCESS_CODE_CREATE = "process_code.create", _("Classification added")
    PROCESS_CODE_UPDATE = "process_code.update", _("Classification changed")
    SECRECY_PROVISION_CREATE = "secrecy_provision.create", _("Secrecy provision added")
    SECRECY_PROVISION_UPDATE = "secrecy_provision.update", _("Secrecy provision changed")
    CASE_OPEN = "case.open", _("Case opened")
    CASE_RECORD = "case.record", _("Case taken over from another system")
    CASE_UPDATE = "case.update", _("Case changed")
    CASE_STATUS = "case.status", _("Case closed or reopened")
    DOCUMENT_SUBMIT = "document.submit", _("Document submitted for registration")
    DOCUMENT_DRAFT = "document.draft", _("Document drawn up")
    DOCUMENT_UPDATE = "document.update", _("Document changed before registration")
    DOCUMENT_ATTACH = "document.attach", _("File attached to a document")
    DOCUMENT_REGISTER = "document.register", _("Document registered")
    DOCUMENT_CORRECT = "document.correct", _("Registered document corrected")
    PACKAGE_EXPORT = "archive_package.export", _("Archive package exported")
