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


def restrict_admin_to_administrators(site: admin.AdminSite) -> None:
    """Only superusers and holders of the administrator role get into the admin."""

    def has_permission(request: HttpRequest) -> bool:
        from medtek.organisation.access import has_role
        from medtek.organisation.roles import Role

        user = request.user
        return bool(
            user.is_active
            and (user.is_superuser or (user.is_staff and has_role(user, {Role.ADMINISTRATOR})))
        )

    site.has_permission = has_permission  # type: ignore[method-assign]
    site.site_header = "medtek"


class AuditedAdmin(admin.ModelAdmin):
    """Records an AuditEvent for every save made in the admin; deleting is not offered."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

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
class NumberCounterAdmin(admin.ModelAdmin):
    list_display = ["series", "year", "last_value"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "action", "object_type", "object_id", "object_repr"]
    list_filter = ["action", "object_type", "source"]
    search_fields = ["actor_name", "object_repr", "object_id", "request_id"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
