"""The API against its own OpenAPI description, with schemathesis: requests generated from the
schema (valid ones and invalid ones), sent as a region-wide MT engineer with a token (so that
writes are allowed and exercised), must never end in a server error, and every answer must be
one the schema describes, in the shape it describes.

Each operation gets a few examples by default, the same ones on every run, so that the suite
stays fast and steady. For a deeper, random run (and schemathesis' coverage phase, which tries
the boundaries of every parameter):

    SCHEMATHESIS_MAX_EXAMPLES=200 make pytest PYTEST_ARGS="tests/generic/test_api_schemathesis.py"

A request that names records (an ``{id}`` in its path, a unit or a device model in its body) is
sent twice: as generated (most often naming no record: a 404 or a 400), and again naming records
of the world (tests/generic/records.py) that the caller sees, so that reads and writes of real
records reach the services.
"""

import os
import re
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.relations import RelatedField
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from . import routes

_DEEP = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "").strip()
if _DEEP and not _DEEP.isdigit():
    raise ValueError(f"SCHEMATHESIS_MAX_EXAMPLES={_DEEP!r} is not a whole number")
MAX_EXAMPLES = int(_DEEP) if _DEEP else 5

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "deterministic": not _DEEP,
            "database": "none",
        },
        "phases": {"coverage": {"enabled": bool(_DEEP)}, "stateful": {"enabled": False}},
    }
)


class Application(WSGIHandler):
    """The project as a WSGI application, on the test's own database connection: like Django's
    test client, it keeps the connection open at the end of a request (closing it would end the
    test's transaction)."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = super().__call__(environ, start_response)
            body = b"".join(response)
            response.close()
            return [body]
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_dict(
    SchemaGenerator().get_schema(request=None, public=True), config=CONFIG
)
schema.app = Application()


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}|<[^>]+>", "{}", path)


def _related(viewset: Any) -> dict[str, str]:
    """The viewset's fields that name another record (by id), and that record's model."""
    fields = viewset.serializer_class().fields
    return {
        name: f.queryset.model._meta.label_lower
        for name, f in fields.items()
        if isinstance(f, RelatedField) and not f.read_only and f.queryset is not None
    }


_API = [r for r in routes.routes() if r.viewset is not None]
#: The model of each API route's records, by the shape of its path.
MODELS = {_shape("/" + r.route): routes.viewset_model(r.viewset)._meta.label_lower for r in _API}
#: The fields of each API route's input that name other records.
RELATED = {_shape("/" + r.route): _related(r.viewset) for r in _API}


def _on_the_world(case: Any, world: Any) -> Any:
    """The same request on records of the world: the record of the path, and the records its
    body names (which generated ids hardly ever are), so that writes reach the services."""
    records = world.first()
    again = case.derive()
    shape = _shape(case.path)
    if "id" in again.path_parameters:
        again.path_parameters["id"] = routes.record_of(world, MODELS[shape], case.path).pk
    if isinstance(again.body, dict):
        for name, label in RELATED[shape].items():
            if name in again.body and label in records:
                again.body[name] = records[label].pk
    return again


@pytest.fixture
def token(world) -> str:  # type: ignore[no-untyped-def]
    return Token.objects.create(user=world.mt).key


@schema.parametrize()
# The examples of one operation share the test's world and token: what one example writes, the
# next may read; everything is rolled back after the operation's test.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_it_answers_every_request_as_the_schema_says(case, token, world):
    headers = {"Authorization": f"Token {token}"}
    case.call_and_validate(headers=headers, checks=CHECKS)
    again = _on_the_world(case, world)
    if again.path_parameters != case.path_parameters or again.body != case.body:
        again.call_and_validate(headers=headers, checks=CHECKS)
