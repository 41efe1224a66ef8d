"""Logging in and out, and the lock-out after repeated failed log-ins (django-axes)."""

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ADDRESS = "10.1.2.3"


def browser(address: str = ADDRESS) -> Client:
    return Client(REMOTE_ADDR=address)


def log_in(client: Client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/login/", {"username": username, "password": password})


def is_logged_in(client: Client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def templates(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {t.name for t in response.templates if t.name}


def test_it_logs_in_with_the_right_password(org) -> None:  # type: ignore[no-untyped-def]
    client = browser()

    response = log_in(client, "owner")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert is_logged_in(client)


def test_it_refuses_a_wrong_password(org) -> None:  # type: ignore[no-untyped-def]
    client = browser()

    response = log_in(client, "owner", "wrong-password")

    assert response.status_code == 200
    assert "registration/login.html" in templates(response)
    assert response.context["form"].non_field_errors()
    assert not is_logged_in(client)


def test_it_sends_an_anonymous_visitor_to_the_login_page(org) -> None:  # type: ignore[no-untyped-def]
    response = browser().get("/organisation/units/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/organisation/units/")


def test_it_logs_out(org) -> None:  # type: ignore[no-untyped-def]
    client = browser()
    log_in(client, "owner")

    response = client.post("/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert not is_logged_in(client)


def test_it_locks_out_after_five_failed_log_ins(org) -> None:  # type: ignore[no-untyped-def]
    assert settings.AXES_FAILURE_LIMIT == 5
    client = browser()
    for _ in range(4):
        response = log_in(client, "owner", "wrong-password")
        assert response.status_code == 200
        assert "registration/login.html" in templates(response)

    fifth = log_in(client, "owner", "wrong-password")
    right_password = log_in(client, "owner")

    for response in (fifth, right_password):
        assert response.status_code == 429
        assert "registration/locked_out.html" in templates(response)
    assert not is_logged_in(client)


def test_it_does_not_lock_out_after_four_failures(org) -> None:  # type: ignore[no-untyped-def]
    client = browser()
    for _ in range(4):
        log_in(client, "owner", "wrong-password")

    response = log_in(client, "owner")

    assert response.status_code == 302
    assert is_logged_in(client)


def test_it_forgets_failures_after_a_successful_log_in(org) -> None:  # type: ignore[no-untyped-def]
    client = browser()
    for _ in range(4):
        log_in(client, "owner", "wrong-password")
    log_in(client, "owner")
    client.post("/logout/")

    for _ in range(4):
        response = log_in(client, "owner", "wrong-password")
        assert response.status_code == 200

    assert log_in(client, "owner").status_code == 302


def test_it_does_not_lock_out_other_users(org) -> None:  # type: ignore[no-untyped-def]
    attacker = browser()
    for _ in range(5):
        log_in(attacker, "owner", "wrong-password")
    assert log_in(attacker, "owner").status_code == 429

    colleague = browser()  # same address, e.g. behind the hospital's proxy
    response = log_in(colleague, "colleague")

    assert response.status_code == 302
    assert is_logged_in(colleague)
