"""Django admin: for administrators only, and every change through the audit trail.

The admin is a configuration tool (number series, and looking things up); domain records are
changed through the application's own pages and API, which call the services.
"""

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from . import audit
from .models import AuditEvent, NumberCounter, NumberSeries


def is_administrator(request: HttpRequest) -> bool:
    """Superusers, and holders of the administrator role on the region (the root unit)."""
    from medtek.organisation.access import has_role, region_root
    from medtek.organisation.roles import Role

    user = request.user
    if not user.is_active:
        return False
    return bool(user.is_superuser or has_role(user, {Role.ADMINISTRATOR}, region_root()))


def restrict_admin_to_administrators(site: admin.AdminSite) -> None:
    site.has_permission = is_administrator  # type: ignore[method-assign]
    site.site_header = "medtek"


class AdministratorAdmin(admin.ModelAdmin):
    """Model admin whose view permission follows the administrator role, not Django's
    per-model permissions (medtek's roles are the only permission system)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedAdmin(AdministratorAdmin):
    """Editable configuration: every save records an AuditEvent; deleting is not offered."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = None
            if change:
                before = audit.snapshot(type(obj).objects.get(pk=obj.pk))
            super().save_model(request, obj, form, change)
            with audit.audit_context(source="admin"):
                audit.record(
                    actor=request.user,
                    action=f"{obj._meta.model_name}." + ("update" if change else "create"),
                    obj=obj,
                    before=before,
                    after=audit.snapshot(obj),
                    reason="Django admin",
                )


@admin.register(NumberSeries)
class NumberSeriesAdmin(AuditedAdmin):
    list_display = ["key", "name", "format"]


@admin.register(NumberCounter)
class NumberCounterAdmin(AdministratorAdmin):
    list_display = ["series", "year", "last_value"]


@admin.register(AuditEvent)
class AuditEventAdmin(AdministratorAdmin):
    list_display = ["at", "actor_name", "action", "object_type", "object_id", "object_repr"]
    list_filter = ["action", "object_type", "source"]
    search_fields = ["actor_name", "object_repr", "object_id", "request_id"]
