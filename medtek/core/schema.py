"""The API's OpenAPI description, completed with the errors every endpoint can answer with.

drf-spectacular documents an operation's success only. The API also answers, always in the shape
:func:`medtek.core.api.exception_handler` gives (``{"detail": …, "errors": {field: [message]}}``):
401 to a caller without valid credentials, 403 to a write the caller may not make, 404 for a
record the caller may not see (or a page of a list beyond its end), 400 for invalid input (a
body, or a filter's value), 415 for a body in a media type it does not read. Clients, and the
schema-driven tests, rely on the description saying so.
"""

from http import HTTPStatus
from typing import Any

ERROR = {
    "type": "object",
    "description": "An error: what went wrong, and for invalid input the messages by field.",
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Messages by field; non_field_errors for the input as a whole.",
            "additionalProperties": {},
        },
    },
    "required": ["detail", "errors"],
}

_WRITES = {"post", "put", "patch", "delete"}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def document_errors(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """A drf-spectacular postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``):
    add the error responses to every operation that does not document its own, and name the
    success responses drf-spectacular leaves without a description."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                if not response.get("description") and code.isdigit():
                    response["description"] = HTTPStatus(int(code)).phrase
            query = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
            # A write may be refused by a rule of the record even with no body (a service's
            # ValidationError); a read by its query.
            if operation.get("requestBody") or query or method in _WRITES:
                responses.setdefault("400", _error("Invalid input, with the messages by field."))
            if operation.get("requestBody"):
                responses.setdefault("415", _error("A body in a media type the API does not read."))
            responses.setdefault("401", _error("No credentials, or invalid ones."))
            if method in _WRITES:
                responses.setdefault("403", _error("The caller may not make this change."))
            if "{" in path or "page" in query:
                responses.setdefault(
                    "404", _error("No such record (or page), or one the caller may not see.")
                )
    return result
