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
        NavItem(_("Administration"), "admin:index", _administrator, "admin"),
    ]


def _administrator(user: Any) -> bool:
    """The admin site's own rule (``is_administrator``: superusers, and administrators of the
    region), read from the person's grants without a query: the region is the one unit whose
    path has a single step."""
    from medtek.organisation.access import grants_of
    from medtek.organisation.roles import Role

    grants = grants_of(user)
    return grants.superuser or any(
        role == Role.ADMINISTRATOR and path.count("/") == 2 for role, path in grants.pairs
    )


def _current(path: str, namespace: str, visible: list[tuple[NavItem, str]]) -> NavItem | None:
    """The one entry the page belongs to: the one whose address is the longest start of the
    page's path (the start page only for itself), else the first of the page's namespace."""
    best: tuple[int, NavItem] | None = None
    for item, url in visible:
        matches = path == url if url == "/" else path.startswith(url)
        if matches and (best is None or len(url) > best[0]):
            best = (len(url), item)
    if best is not None:
        return best[1]
    for item, _url in visible:
        if namespace and item.url_name.startswith(namespace + ":"):
            return item
    return None


def context_processor(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    namespace = request.resolver_match.namespace if request.resolver_match else ""
    visible = [(item, reverse(item.url_name)) for item in _items() if item.visible(user)]
    current = _current(request.path, namespace, visible)
    items = [
        {"label": item.label, "url": url, "section": item.section, "active": item is current}
        for item, url in visible
    ]
    return {"nav_items": items}
