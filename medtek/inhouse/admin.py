"""In-house files in the admin. The files and everything they keep are read-only there: they
change through the audited pages and API. The Annex I reference data is configuration an
administrator may correct (a label), audited; new versions of the data come with
``medtek gspr_load``, which never touches an assessment."""

from django.contrib import admin
from django.http import HttpRequest

from medtek.core.admin import AdministratorAdmin, AuditedAdmin

from .actions import Action
from .models import Declaration, InhouseDevice, Requirement


@admin.register(InhouseDevice)
class InhouseDeviceAdmin(AdministratorAdmin):
    list_display = ["file_number", "device_model", "kind", "status", "manufacturer_unit"]
    list_filter = ["status", "kind"]
    search_fields = ["file_number", "device_model__trade_name"]
    list_select_related = ["device_model", "manufacturer_unit"]


@admin.register(Requirement)
class RequirementAdmin(AuditedAdmin):
    list_display = ["regulation", "code", "chapter", "title_sv", "active", "data_version"]
    list_filter = ["regulation", "chapter", "active"]
    search_fields = ["code", "title_sv", "title_en"]
    fields = ["title_sv", "title_en", "active"]
    create_action = Action.REQUIREMENT_UPDATE
    update_action = Action.REQUIREMENT_UPDATE

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Declaration)
class DeclarationAdmin(AdministratorAdmin):
    list_display = ["institution", "version", "published_at", "responsible"]
    list_select_related = ["care_provider"]
