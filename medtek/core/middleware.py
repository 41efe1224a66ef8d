"""Request id: every request gets one of our own, recorded on audit events.

A client may send ``X-Request-ID`` (a proxy's trace id, say): it is kept apart as the client's
request id and never becomes ours, since a client could otherwise choose the id under which its
changes are filed, or make them look like another request's.
"""

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .audit import audit_context

_VALID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    header = "X-Request-ID"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(self.header, "")
        client_request_id = incoming if _VALID.match(incoming) else ""
        request_id = uuid.uuid4().hex
        source = "api" if request.path.startswith("/api/") else "web"
        with audit_context(
            request_id=request_id, source=source, client_request_id=client_request_id
        ):
            request.request_id = request_id  # type: ignore[attr-defined]
            response = self.get_response(request)
        response[self.header] = request_id
        return response


class LanguageMiddleware:
    """Swedish unless the person chose otherwise with the language switch (a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; a Swedish public-sector
    service speaks Swedish by default whatever the browser says, with English one click away.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
