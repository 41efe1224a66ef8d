"""The diary's lists (classifications, secrecy provisions) are configuration an administrator
keeps in the admin, audited; cases and documents are read-only there (changed through the
diary's own pages and API, which call the services)."""

from django.contrib import admin

from medtek.core.admin import AdministratorAdmin, AuditedAdmin

from .actions import Action
from .models import Case, Document, ProcessCode, SecrecyProvision


@admin.register(ProcessCode)
class ProcessCodeAdmin(AuditedAdmin):
    list_display = ["code", "title", "active"]
    create_action = Action.PROCESS_CODE_CREATE
    update_action = Action.PROCESS_CODE_UPDATE


@admin.register(SecrecyProvision)
class SecrecyProvisionAdmin(AuditedAdmin):
    list_display = ["reference", "title", "active"]
    create_action = Action.SECRECY_PROVISION_CREATE
    update_action = Action.SECRECY_PROVISION_UPDATE


@admin.register(Case)
class CaseAdmin(AdministratorAdmin):
    list_display = ["number", "title", "unit", "status"]
    search_fields = ["number", "title", "external_number"]


@admin.register(Document)
class DocumentAdmin(AdministratorAdmin):
    list_display = ["number", "version", "date", "direction", "description"]
    search_fields = ["number", "external_number"]
    exclude = ["details", "counterparty_restricted"]
