"""The OpenAPI description is complete: every operation documents its success and the errors it
can answer with (medtek.core.schema), and every API route of the URL configuration is described
(and nothing else). tests/test_api_schema.py validates it (``spectacular --validate``)."""

import re

from drf_spectacular.generators import SchemaGenerator

from . import routes

WRITES = {"post", "put", "patch", "delete"}


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}|<[^>]+>", "{}", path)


def test_it_documents_every_operation_with_its_responses():
    problems = []
    for path, operations in _schema()["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            responses = operation.get("responses", {})
            success = [code for code in responses if code.startswith("2")]
            if not success:
                problems.append(f"{where}: no success response")
            for code in success:
                if code != "204" and "content" not in responses[code]:
                    problems.append(f"{where}: the {code} response has no body described")
            expected = {"401"}
            if method in WRITES:
                expected.add("403")
            if operation.get("requestBody"):
                expected |= {"400", "415"}
            if "{" in path:
                expected.add("404")
            if missing := sorted(expected - set(responses)):
                problems.append(f"{where}: no {', '.join(missing)} response described")
            if undescribed := [c for c, r in responses.items() if not r.get("description")]:
                problems.append(f"{where}: responses {undescribed} have no description")
            if not operation.get("description"):
                problems.append(f"{where}: no description (the viewset's or action's docstring)")
    assert not problems, "\n".join(problems)


def test_it_describes_every_api_route_and_nothing_else():
    described = {
        _shape(path): {m for m in operations if m != "parameters"}
        for path, operations in _schema()["paths"].items()
    }
    problems = []
    routed = set()
    for route in routes.routes():
        if route.viewset is None:
            continue
        path = _shape("/" + route.route)
        routed.add(path)
        offered = route.methods & set(route.viewset.http_method_names) - {"head", "options"}
        if path not in described:
            problems.append(f"{route}: not in the schema")
        elif missing := sorted(offered - described[path]):
            problems.append(f"{route}: {', '.join(missing)} not in the schema")
    if unrouted := sorted(set(described) - routed):
        problems.append(f"described, but no route: {', '.join(unrouted)}")
    assert not problems, "\n".join(problems)
