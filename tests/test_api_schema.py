"""The OpenAPI description of the API is valid, complete, and readable in the browser."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

API_PATHS = ["/api/v1/units/", "/api/v1/care-providers/", "/api/v1/people/"]


def test_it_generates_a_valid_schema_without_warnings(tmp_path: Path) -> None:
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    text = target.read_text(encoding="utf-8")
    assert text.startswith("openapi: 3.")
    for path in API_PATHS:
        assert f"  {path}:" in text


@pytest.mark.django_db
def test_it_serves_the_schema_as_openapi_3(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "medtek API"
    for path in API_PATHS:
        assert path in schema["paths"]
        assert f"{path}{{id}}/" in schema["paths"]
        assert set(schema["paths"][path]) >= {"get", "post"}
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


@pytest.mark.django_db
def test_it_describes_the_roles_of_a_person(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    person = json.loads(response.content)["components"]["schemas"]["Person"]
    grants = person["properties"]["grants"]
    assert grants["type"] == "array"
    assert grants["items"] == {"$ref": "#/components/schemas/RoleGrant"}


@pytest.mark.django_db
def test_it_renders_the_api_docs_for_a_logged_in_user(client: Client, org) -> None:  # type: ignore[no-untyped-def]
    client.force_login(org.colleague)

    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="swagger-ui"' in html
    # The Content-Security-Policy allows only our own scripts: no inline script, no CDN.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.DOTALL)
    assert scripts
    for attributes, body in scripts:
        assert 'src="/' in attributes
        assert not body.strip()
    for src in re.findall(r'<script src="([^"]+)"', html):
        if src.startswith("/static/"):
            assert finders.find(src.removeprefix("/static/")), f"{src} is not a static file"


@pytest.mark.django_db
def test_it_points_the_api_docs_at_the_schema(client: Client, org) -> None:  # type: ignore[no-untyped-def]
    client.force_login(org.colleague)
    html = client.get("/api/docs/").content.decode()
    script_url = re.search(r'<script src="(/api/docs/\?script=[^"]*)"', html)
    assert script_url is not None

    response = client.get(script_url.group(1).replace("&amp;", "&"))

    assert response.status_code == 200
    assert "/api/schema/" in response.content.decode()


@pytest.mark.django_db
def test_the_api_docs_have_a_language_no_inline_style_and_a_way_back(client: Client, org) -> None:  # type: ignore[no-untyped-def]
    client.force_login(org.colleague)

    response = client.get("/api/docs/")

    html = response.content.decode()
    assert re.search(r'<html lang="sv">', html)
    assert '<a href="/">← Tillbaka till medtek</a>' in html
    # The Content-Security-Policy allows only our own style sheets (style-src 'self').
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert "<style" not in html
    assert "style=" not in html
    for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        assert finders.find(href.removeprefix("/static/")), f"{href} is not a static file"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/api/docs/").content.decode()
    assert '<html lang="en">' in english
    assert '<a href="/">← Back to medtek</a>' in english
