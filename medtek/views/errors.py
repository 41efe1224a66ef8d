"""The project's error handlers (``handler404`` in the root URL configuration)."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework.exceptions import NotFound


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A path that matches nothing: under ``/api/`` the API's JSON error, as every other answer
    of the API (a client asked for ``/api/v1/devices/1.5/``); elsewhere Django's own page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail), "errors": {}}, status=404)
    return defaults.page_not_found(request, exception)
