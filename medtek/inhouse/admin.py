"""Read-only admin view of in-house files; changes go through the audited pages and API."""

from django.contrib import admin

from medtek.core.admin import AdministratorAdmin

from .models import InhouseDevice


@admin.register(InhouseDevice)
class InhouseDeviceAdmin(AdministratorAdmin):
    list_display = ["file_number", "device_model", "kind", "manufacturer_unit"]
    search_fields = ["file_number", "device_model__trade_name"]
    list_select_related = ["device_model", "manufacturer_unit"]
