"""The project's error pages (``handler403/404/500`` in the root URL configuration): in the
person's language, with the navigation where the database can be trusted, and a way on.

- 403 says the person lacks access here and names who can grant it (the region's
  administrators);
- 404 says the record does not exist or is not visible to the person — the same words either
  way, since a record one may not see must answer like a missing one (ADR 0002);
- 500 gives the request id (the ``X-Request-ID`` of the answer, also on every audit event of the
  request) for the person to quote to support;
- while the database is unreachable (a restart, a failover), the answer is 503 with
  ``Retry-After``: "try again in a moment", rendered without touching the database.

Under ``/api/`` every error is the API's JSON, as every other answer of the API.
"""

import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from rest_framework.exceptions import NotFound, PermissionDenied

#: Seconds a person (or a client) is asked to wait before trying again when the database is away.
RETRY_AFTER = 5


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": str(NotFound.default_detail), "errors": {}}, status=404)
    return render(request, "errors/404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return JsonResponse(
            {"detail": str(PermissionDenied.default_detail), "errors": {}}, status=403
        )
    return render(
        request,
        "errors/403.html",
        {"reason": str(exception) if str(exception) else "", "granters": _granters()},
        status=403,
    )


def _granters() -> list[str]:
    """The region's administrators, who give people their roles."""
    from medtek.organisation.access import region_root
    from medtek.organisation.models import RoleGrant
    from medtek.organisation.roles import ORGANISATION_WRITERS

    root = region_root()
    if root is None:
        return []
    grants = (
        RoleGrant.objects.filter(
            unit=root, role__in=ORGANISATION_WRITERS, revoked_at__isnull=True, user__is_active=True
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
    found = []
    for g in grants:
        name = g.user.get_full_name() or g.user.username
        found.append(f"{name} <{g.user.email}>" if g.user.email else name)
    return found


def _database_away() -> bool:
    error = sys.exc_info()[1]
    return isinstance(error, (OperationalError, InterfaceError)) or (
        isinstance(error, DatabaseError) and "connection" in str(error).lower()
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """An unexpected error. Rendered without the database and without the session (either may
    be what failed): a page of its own, not the site's base template."""
    request_id = getattr(request, "request_id", "")
    away = _database_away()
    status = 503 if away else 500
    if _api(request):
        detail = (
            "The database is briefly unavailable; try again in a moment."
            if away
            else "Server error."
        )
        response: HttpResponse = JsonResponse(
            {"detail": detail, "errors": {}, "request_id": request_id}, status=status
        )
    else:
        template = "errors/503.html" if away else "errors/500.html"
        response = HttpResponse(
            render_to_string(template, {"request_id": request_id}), status=status
        )
    if away:
        response["Retry-After"] = str(RETRY_AFTER)
    return response
