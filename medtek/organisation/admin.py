"""Admin views of the organisation are read-only: changes go through the audited pages."""

from django.contrib import admin

from medtek.core.admin import AdministratorAdmin as ReadOnlyAdmin

from .models import CareProvider, RoleGrant, Unit, User


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["username", "first_name", "last_name", "email", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    exclude = ["password"]


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "care_provider", "hsa_id", "path"]
    search_fields = ["name", "hsa_id"]


@admin.register(CareProvider)
class CareProviderAdmin(ReadOnlyAdmin):
    list_display = ["name", "org_number", "operator"]


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyAdmin):
    list_display = ["user", "role", "unit", "granted_at", "revoked_at"]
    list_filter = ["role"]
