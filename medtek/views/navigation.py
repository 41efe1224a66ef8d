"""Main navigation. Each module adds its entry here when it lands; the entry shows only to those
who may use it."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    visible: Callable[[Any], bool]
    section: str


def _always(user: Any) -> bool:
    return True


def _items() -> list[NavItem]:
    from medtek.organisation.access import may_read_audit_log
    from medtek.reports.access import may_read_reports

    return [
        NavItem(_("Start"), "home", _always, "home"),
        NavItem(_("Devices"), "devices:device_list", _always, "devices"),
        NavItem(_("In-house"), "inhouse:file_list", _always, "inhouse"),
        NavItem(_("Diary"), "registry:document_list", _always, "registry"),
        NavItem(_("Reports"), "reports:report_list", may_read_reports, "reports"),
        NavItem(_("Organisation"), "organisation:unit_list", _always, "organisation"),
        NavItem(_("People"), "organisation:person_list", _always, "people"),
        NavItem(_("Audit log"), "audit_log", may_read_audit_log, "audit"),
        NavItem(_("API"), "api-docs", _always, "api"),
    ]


def context_processor(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    current = request.resolver_match.namespace if request.resolver_match else ""
    items = []
    for item in _items():
        if item.visible(user):
            url = reverse(item.url_name)
            items.append(
                {
                    "label": item.label,
                    "url": url,
                    "section": item.section,
                    "active": (bool(current) and item.url_name.startswith(current + ":"))
                    or request.path == url,
                }
            )
    return {"nav_items": items}
