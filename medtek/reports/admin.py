"""The authorities and the kinds of report are configuration an administrator keeps in the
admin, audited (a kind's recipient, approvers and deadlines are the region's to set:
docs/domain/reporting.md). Reports are read-only there: they change through their own pages and
API, which call the services, and a sent one not at all."""

from django.contrib import admin

from medtek.core.admin import AdministratorAdmin, AuditedAdmin

from .actions import Action
from .models import Authority, Report, ReportKind


@admin.register(Authority)
class AuthorityAdmin(AuditedAdmin):
    list_display = ["code", "name", "short_name", "active"]
    create_action = Action.AUTHORITY_CREATE
    update_action = Action.AUTHORITY_UPDATE


@admin.register(ReportKind)
class ReportKindAdmin(AuditedAdmin):
    list_display = ["code", "name", "authority", "in_house_supervision", "active"]
    create_action = Action.REPORT_KIND_CREATE
    update_action = Action.REPORT_KIND_UPDATE


@admin.register(Report)
class ReportAdmin(AdministratorAdmin):
    list_display = ["number", "kind", "unit", "status", "due_date"]
    search_fields = ["number", "authority_reference"]
    exclude = ["description", "consequence", "actions_taken"]
