"""The error pages, with DEBUG off as in production, in Swedish and in English: 403 names who
grants roles, 404 says missing or not visible, 500 gives the request id, and a database that is
briefly away answers 503 "try again in a moment" without touching the database; on PostgreSQL,
a database that cannot be reached answers 503, and a dropped connection is replaced."""

from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import path

from medtek.views import errors
from tests import urls as test_urls

pytestmark = pytest.mark.django_db


def _boom(request: Any) -> Any:
    raise RuntimeError("a bug")


def _database_away(request: Any) -> Any:
    raise OperationalError("could not connect to server: Connection refused")


urlpatterns = [
    path("test-errors/boom/", _boom),
    path("test-errors/database/", _database_away),
    path("api/v1/test-errors/database/", _database_away),
    *test_urls.urlpatterns,
]
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error


@pytest.fixture(autouse=True)
def production(settings: Any) -> None:
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__


def client_in(language: str, user: Any = None) -> Client:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.mark.parametrize(
    ("language", "words", "granter_heading"),
    [
        ("sv", "Du har inte behörighet till detta", "regionens administratörer"),
        ("en", "You do not have access to this", "region's administrators"),
    ],
)
def test_403_says_who_grants_access(org, language, words, granter_heading) -> None:
    org.admin.first_name, org.admin.last_name, org.admin.email = "Ada", "Admin", "ada@x.example"
    org.admin.save()
    response = client_in(language, org.colleague).get("/audit/")
    assert response.status_code == 403
    page = response.content.decode()
    assert words in page and granter_heading in page
    assert "Ada Admin &lt;ada@x.example&gt;" in page
    # The navigation is there.
    assert 'id="mainnav"' in page


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("sv", "finns inte, eller är inte synligt för dig"),
        ("en", "does not exist, or is not visible to you"),
    ],
)
def test_404_says_missing_or_not_visible(org, language, words) -> None:
    response = client_in(language, org.colleague).get("/devices/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert words in page and 'id="mainnav"' in page


@pytest.mark.parametrize(
    ("language", "words"), [("sv", "Något gick fel"), ("en", "Something went wrong")]
)
def test_500_gives_the_request_id_to_quote(org, language, words) -> None:
    response = client_in(language, org.colleague).get("/test-errors/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert words in page
    assert f'data-testid="request-id">{response["X-Request-ID"]}<' in page


@pytest.mark.parametrize(
    ("language", "words"),
    [("sv", "Försök igen om en stund"), ("en", "Try again in a moment")],
)
def test_a_database_that_is_away_answers_503_try_again(org, language, words) -> None:
    response = client_in(language, org.colleague).get("/test-errors/database/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert words in response.content.decode()


def test_the_api_answers_json_for_a_database_that_is_away(org) -> None:
    response = client_in("sv", org.colleague).get("/api/v1/test-errors/database/")
    assert response.status_code == 503
    assert response.json()["request_id"] == response["X-Request-ID"]


def test_connections_are_checked_before_reuse(settings) -> None:
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


# A real PostgreSQL that goes away -------------------------------------------------------------


@pytest.mark.postgres
def test_a_database_that_cannot_be_reached_answers_503_in_swedish(
    org: Any, transactional_db: Any
) -> None:
    from django.db import connection

    client = client_in("sv", org.colleague)
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there: as during a restart
    try:
        response = client.get("/devices/")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert "Försök igen om en stund" in page
    assert '<html lang="sv">' in page


def _serve(path: str) -> int:
    """The status of ``path`` as Django's WSGI handler answers it, with the signals of a real
    request (the test client turns off the connection handling at the start of a request)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    statuses: list[str] = []
    environ = RequestFactory().get(path).environ
    response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    b"".join(response)
    response.close()  # the end of the request: a connection younger than CONN_MAX_AGE is kept
    return int(statuses[0].split()[0])


@pytest.mark.postgres
def test_a_connection_the_database_dropped_is_replaced_not_answered_with_an_error(
    transactional_db: Any,
) -> None:
    """The server keeps its connection between requests; when PostgreSQL drops it (a restart),
    the next request checks it before use and connects again instead of failing."""
    import psycopg
    from django.db import connection

    assert _serve("/diarium/") == 200
    kept = connection.connection
    assert kept is not None, "the connection was not kept between requests"
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [kept.info.backend_pid])

    assert _serve("/diarium/") == 200
    assert connection.connection is not kept
