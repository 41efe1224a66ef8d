"""Request ids tie a response to its audit events; exports open cleanly in Swedish Excel."""

import csv
import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from medtek.core.models import AuditEvent
from tests import factories
from tests.factories import ApiClient

pytestmark = pytest.mark.django_db

PROXY_ID = "lb-7f3a.2026-05-05_0001"


def admin_client(org) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(org.admin)
    return client


def new_provider(client: Client, name: str, number: str = "556111222", **headers: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/organisation/care-providers/new/",
        {
            "name": name,
            "org_number": factories.org_number(number),
            "operator": "private",
            "contract_reference": "Vårdval VC 2026-001",
            "active": "on",
        },
        **headers,
    )


# Request id ------------------------------------------------------------------------------------


def test_it_gives_every_response_a_request_id() -> None:
    first = Client().get("/login/")
    second = Client().get("/login/")

    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_it_gives_an_api_error_a_request_id() -> None:
    response = Client().get("/api/v1/units/")

    assert response.status_code == 401
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_it_never_takes_a_client_chosen_request_id_as_its_own() -> None:
    response = Client().get("/login/", HTTP_X_REQUEST_ID=PROXY_ID)

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert response["X-Request-ID"] != PROXY_ID


@pytest.mark.parametrize(
    "incoming",
    ["has spaces", "x" * 65, "semi;colon", "line\r\nX-Injected: 1", "ä-id", ""],
    ids=["spaces", "too-long", "semicolon", "header-injection", "non-ascii", "empty"],
)
def test_it_replaces_an_invalid_incoming_request_id(incoming: str) -> None:
    response = Client().get("/login/", HTTP_X_REQUEST_ID=incoming)

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert "X-Injected" not in response


def test_it_records_its_request_id_and_the_clients_apart(org) -> None:  # type: ignore[no-untyped-def]
    response = new_provider(admin_client(org), "Norrmalms Hälsa AB", HTTP_X_REQUEST_ID=PROXY_ID)

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="care_provider.create", object_repr="Norrmalms Hälsa AB")
    assert event.request_id == response["X-Request-ID"]
    assert event.client_request_id == PROXY_ID
    assert event.source == "web"
    assert event.actor == org.admin


def test_it_does_not_let_a_client_file_its_changes_under_another_requests_id(org) -> None:  # type: ignore[no-untyped-def]
    first = new_provider(admin_client(org), "Första Vård AB")
    reused = first["X-Request-ID"]

    second = new_provider(admin_client(org), "Andra Vård AB", "556111333", HTTP_X_REQUEST_ID=reused)

    assert second.status_code == 302
    assert AuditEvent.objects.filter(request_id=reused).count() == 1
    event = AuditEvent.objects.get(object_repr="Andra Vård AB")
    assert event.request_id != reused
    assert event.client_request_id == reused


def test_it_records_the_generated_request_id_and_api_source(org) -> None:  # type: ignore[no-untyped-def]
    api = ApiClient().as_(org.admin)

    response = api.post(
        "/api/v1/care-providers/",
        {
            "name": "API Vård AB",
            "org_number": factories.org_number("556333444"),
            "operator": "private",
            "contract_reference": "Vårdval VC 2026-002",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    event = AuditEvent.objects.get(action="care_provider.create", object_repr="API Vård AB")
    assert event.request_id == response["X-Request-ID"]
    assert event.source == "api"


# Exports ---------------------------------------------------------------------------------------


def test_it_exports_csv_for_swedish_excel(org) -> None:  # type: ignore[no-untyped-def]
    response = admin_client(org).get("/organisation/care-providers/", {"export": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="care-providers.csv"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "ID",
        "Namn",
        "Organisationsnummer",
        "Regiform",
        "Vårdvalsavtal",
        "Aktiv",
    ]
    assert "Privat Vård AB" in {row[1] for row in rows[1:]}


def formula_unit(org, name: str) -> None:  # type: ignore[no-untyped-def]
    factories.unit(name=name, parent=org.hsf, provider=org.region_provider)


def test_it_neutralises_formulas_in_csv(org) -> None:  # type: ignore[no-untyped-def]
    formula_unit(org, '=HYPERLINK("http://evil.example";"Klicka")')
    formula_unit(org, "@SUM(A1:A9)")

    response = admin_client(org).get("/organisation/units/", {"export": "csv"})

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    names = [row[1] for row in csv.reader(io.StringIO(text), delimiter=";")]
    assert '\'=HYPERLINK("http://evil.example";"Klicka")' in names
    assert "'@SUM(A1:A9)" in names
    assert "Unit A" in names
    assert not any(name[:1] in "=@" for name in names)


def test_it_neutralises_formulas_in_xlsx(org) -> None:  # type: ignore[no-untyped-def]
    formula_unit(org, "=1+1")

    response = admin_client(org).get("/organisation/units/", {"export": "xlsx"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = {row[1].value: row[1] for row in sheet.iter_rows(min_row=2)}
    # Text, shown as written: no formula, and no apostrophe in the cell either.
    assert (cells["=1+1"].data_type, cells["=1+1"].quotePrefix) == ("s", True)
    assert "Unit A" in cells


def test_it_exports_a_list_whose_old_data_hold_a_control_character(org) -> None:  # type: ignore[no-untyped-def]
    unit = factories.unit(name="Sal 3", parent=org.hsf, provider=org.region_provider)
    type(unit).objects.filter(pk=unit.pk).update(name="Sal\x1b3")  # stored before it was refused

    response = admin_client(org).get("/organisation/units/", {"export": "xlsx"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "Sal\ufffd3" in names
