"""A path that matches nothing: the API answers with its own JSON error, pages with Django's."""

import pytest

pytestmark = pytest.mark.django_db


def test_it_answers_an_api_path_that_matches_no_endpoint_with_a_json_404(client, org):
    client.force_login(org.auditor)

    response = client.get("/api/v1/devices/1.5/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    # The same answer as for an id that names no record.
    assert response.json() == client.get("/api/v1/devices/999999/").json()
    assert set(response.json()) == {"detail", "errors"}


def test_it_keeps_the_page_for_a_page_that_does_not_exist(client, org):
    client.force_login(org.auditor)

    response = client.get("/devices/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
