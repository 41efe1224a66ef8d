"""Read-only admin views of the register; changes go through the audited pages and API."""

from django.contrib import admin

from medtek.core.admin import AdministratorAdmin

from .models import Device, DeviceModel, Inspection, InspectionPlan


@admin.register(DeviceModel)
class DeviceModelAdmin(AdministratorAdmin):
    list_display = ["manufacturer", "trade_name", "model_version", "risk_class", "udi_di"]
    search_fields = ["manufacturer", "trade_name", "udi_di"]


@admin.register(Device)
class DeviceAdmin(AdministratorAdmin):
    list_display = ["inventory_number", "model", "unit", "status", "next_due"]
    search_fields = ["inventory_number", "serial_number"]
    list_select_related = ["model", "unit"]


@admin.register(InspectionPlan)
class InspectionPlanAdmin(AdministratorAdmin):
    list_display = ["device", "kind", "interval_months", "next_due", "active"]


@admin.register(Inspection)
class InspectionAdmin(AdministratorAdmin):
    list_display = ["device", "kind", "performed_on", "result"]
