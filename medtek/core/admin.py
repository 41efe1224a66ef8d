"""Django admin: for administrators only, and every change through the audit trail.

The admin is a configuration tool (number series, and looking things up); domain records are
changed through the application's own pages and API, which call the services.
"""

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from . import audit
from .access import rule
from .actions import Action
from .models import AuditEvent, NumberCounter, NumberSeries


def is_administrator(request: HttpRequest) -> bool:
    """Who administers the system: the rule ``"administrator"``, which the organisation
    registers (superusers, and holders of the administrator role on the region)."""
    user = request.user
    if not user.is_active:
        return False
    return bool(rule("administrator")(user))


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
    """Editable configuration: every save records an AuditEvent; deleting is not offered.

    A subclass names its audit actions (``create_action``, ``update_action``) from its app's
    list; a save that changes nothing records nothing.
    """

    create_action: str = ""
    update_action: str = ""

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
            after = audit.snapshot(obj)
            if after == before:
                return
            with audit.audit_context(source="admin"):
                audit.record(
                    actor=request.user,
                    action=self.update_action if change else self.create_action,
                    obj=obj,
                    before=before,
                    after=after,
                    reason="Django admin",
                )


@admin.register(NumberSeries)
class NumberSeriesAdmin(AuditedAdmin):
    list_display = ["key", "name", "format"]
    create_action = Action.NUMBER_SERIES_CREATE
    update_action = Action.NUMBER_SERIES_UPDATE


@admin.register(NumberCounter)
class NumberCounterAdmin(AdministratorAdmin):
    list_display = ["series", "year", "last_value"]


@admin.register(AuditEvent)
class AuditEventAdmin(AdministratorAdmin):
    list_display = ["at", "actor_name", "action", "object_type", "object_id", "object_repr"]
    list_filter = ["action", "object_type", "source"]
    search_fields = ["actor_name", "object_repr", "object_id", "request_id"]
