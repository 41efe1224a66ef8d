"""Visiting a URL the way the walker does, and saying what went wrong in one line."""

import json
from typing import Any

from django.apps import apps
from django.db import models
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from medtek.core import audit
from medtek.core.models import AuditEvent

from .records import World
from .routes import Url

#: Every method a write may come by.
API_WRITES = ("post", "put", "patch", "delete")


def send(client: Client, method: str, url: Url) -> HttpResponse:
    """``method`` to ``url``, with an empty body (JSON for the API, a form for a page): a refusal
    must come before the body is read."""
    client.raise_request_exception = False
    if url.route.kind == "api" and method != "get":
        return getattr(client, method)(url.path, data="{}", content_type="application/json")
    return getattr(client, method)(url.path)


def text(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")  # type: ignore[attr-defined]
    return response.content.decode(errors="replace")


def problem(method: str, url: Url, response: HttpResponse, expected: str) -> str:
    found = f"{response.status_code}"
    if response.status_code in (301, 302):
        found += f" to {response.get('Location')}"
    exc_info = getattr(response, "exc_info", None)
    if exc_info:
        found += f" ({exc_info[1]!r})"
    return f"{method.upper()} {url}: {found}, expected {expected}"


def to_admin_login(response: HttpResponse) -> bool:
    """Sent to the admin's log-in page: the admin's answer to anyone but an administrator."""
    location = response.get("Location", "")
    return response.status_code == 302 and location.startswith(reverse("admin:login") + "?next=")


def json_ids(response: HttpResponse) -> list[Any]:
    """The ids of the records an API list answered with."""
    data = json.loads(response.content)
    rows = data.get("results", data) if isinstance(data, dict) else data
    return [row.get("id") for row in rows if isinstance(row, dict)]


def app_models() -> list[type[models.Model]]:
    """Every concrete model of medtek's apps and of the example app."""
    return [
        m
        for m in apps.get_models()
        if m._meta.app_config.name.startswith("medtek.")
        or m._meta.app_config.name == "tests.example"
    ]


def state(world: World) -> dict[str, Any]:
    """What a refused write must leave as it was: the number of rows of every model (audit events
    included) and every record of the world, field by field."""
    counts = {m._meta.label: m._default_manager.count() for m in app_models()}
    counts["core.AuditEvent"] = AuditEvent.objects.count()
    snapshots = {
        f"{label}:{r.pk}": audit.snapshot(type(r)._default_manager.get(pk=r.pk))
        for label, rows in world.records.items()
        for r in rows
    }
    return {"counts": counts, "records": snapshots}
