"""The audit trail's action names for reports to the authorities (core.audit: one list per app)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    AUTHORITY_CREATE = "authority.create", _("Authority added")
    AUTHORITY_UPDATE = "authority.update", _("Authority changed")
    REPORT_KIND_CREATE = "report_kind.create", _("Report kind added")
    REPORT_KIND_UPDATE = "report_kind.update", _("Report kind changed")
    REPORT_DRAFT = "report.draft", _("Report drafted")
    REPORT_UPDATE = "report.update", _("Report draft changed")
    REPORT_STATUS = "report.status", _("Report status changed")
    REPORT_COPY_SENT = "report.copy_sent", _("Report copy sent to the manufacturer")
    REPORT_REPLY = "report.reply", _("Reply to a report registered")
    REPORT_SUPPLEMENT = "report.supplement", _("Supplement to a report sent and registered")
    REPORT_RECORD = "report.record", _("Earlier report taken over")
