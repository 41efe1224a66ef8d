"""The import pages under /imports/: upload, map, check every row (with an htmx progress bar),
see the errors, download the failed rows, import — and who may do which."""

import csv
import io
import re
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from medtek.core.models import AuditEvent
from medtek.devices import services as device_services
from medtek.devices.models import Device, DeviceStatus
from medtek.imports import views
from medtek.imports.models import ImportSession
from tests.imports.conftest import HEADER, device_row, make_csv

pytestmark = pytest.mark.usefixtures("catalogue")

NEW = reverse("imports:session_create", args=["devices"])
HTMX = {"HX-Request": "true"}


def url(name: str, session: ImportSession) -> str:
    return reverse(f"imports:{name}", args=[session.pk])


def as_user(client: Client, user: Any) -> Client:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def post_file(
    client: Client, data: bytes, name: str = "devices.csv", *, update: bool = False
) -> Any:
    form: dict[str, Any] = {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
    if update:
        form["update_existing"] = "on"
    return client.post(NEW, form)


def uploaded(client: Client, data: bytes, *, update: bool = False) -> ImportSession:
    response = post_file(client, data, update=update)
    session = ImportSession.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == url("session_detail", session)
    return session


def checked(client: Client, data: bytes, *, update: bool = False) -> ImportSession:
    session = uploaded(client, data, update=update)
    response = client.post(url("session_validate", session))
    assert response.status_code == 302
    session.refresh_from_db()
    return session


def text(response: Any) -> str:
    """The page's text without tags and with collapsed white space."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", body)


def error_rows(response: Any) -> list[list[str]]:
    """The cells of every data-testid="error-row" on the page."""
    html = response.content.decode()
    rows = re.findall(r'<tr data-testid="error-row">(.*?)</tr>', html, re.S)
    return [[c.strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)] for row in rows]


def streamed(response: Any) -> bytes:
    return b"".join(response.streaming_content)


# Upload ----------------------------------------------------------------------------------------


def test_it_shows_the_upload_form_with_the_columns_a_file_may_have(client: Client, mt: Any) -> None:
    response = as_user(client, mt).get(NEW)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'type="file"' in page and 'name="file"' in page
    assert 'name="update_existing"' in page
    assert "<code>inventory_number</code>" in page
    assert "inventarienummer" in page  # the Swedish alias is listed


def test_it_stores_the_upload_and_shows_its_preview(client: Client, mt: Any) -> None:
    as_user(client, mt)
    data = make_csv([device_row("MT-1"), [""] * len(HEADER), device_row("MT-2")])

    session = uploaded(client, data)
    response = client.get(url("session_detail", session))

    assert (session.created_by, session.filename, bytes(session.source)) == (
        mt,
        "devices.csv",
        data,
    )
    assert (session.total_rows, session.blank_rows) == (3, 1)
    assert response.status_code == 200
    assert "Check every row" in text(response)
    assert Device.objects.count() == 0


def test_it_remembers_the_choice_to_update_existing_devices(client: Client, mt: Any) -> None:
    session = uploaded(as_user(client, mt), make_csv([device_row("MT-1")]), update=True)

    assert session.update_existing is True
    response = client.get(url("session_detail", session))
    assert "updates existing records" in text(response)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("devices.pdf", b"%PDF-1.4", "Upload a .csv or .xlsx file."),
        ("devices.csv", b"", "The submitted file is empty."),
    ],
)
def test_it_refuses_a_file_that_is_not_a_table(
    client: Client, mt: Any, name: str, data: bytes, message: str
) -> None:
    response = post_file(as_user(client, mt), data, name)

    assert response.status_code == 200
    assert message in text(response)
    assert not ImportSession.objects.exists()


def test_it_rejects_an_unreadable_file_with_its_reason(client: Client, mt: Any) -> None:
    session = uploaded(as_user(client, mt), b"\xef\xbb\xbf\r\n", update=False)

    response = client.get(url("session_detail", session))

    assert session.status == ImportSession.Status.REJECTED
    assert "The file is empty." in text(response)
    assert 'data-testid="file-errors"' in response.content.decode()
    assert url("session_validate", session) not in response.content.decode()


# Columns ---------------------------------------------------------------------------------------


def test_it_lists_unknown_columns_and_lets_them_be_mapped(client: Client, mt: Any) -> None:
    as_user(client, mt)
    session = uploaded(client, make_csv([[*device_row("MT-1").values()]], ["Inv.nr", *HEADER[1:]]))

    response = client.get(url("session_detail", session))

    page = text(response)
    assert "The column “Inv.nr” is not mapped yet: confirm the suggested field" in page
    assert "The required column “inventory number” is missing." in page
    assert url("session_validate", session) not in response.content.decode()

    mapping = {"col_0": "inventory_number"}
    mapping |= {f"col_{i}": h for i, h in enumerate(HEADER) if i}
    response = client.post(url("session_map", session), mapping)

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.file_errors == []
    assert session.mapping["Inv.nr"] == "inventory_number"
    response = client.post(url("session_validate", session))
    session.refresh_from_db()
    assert (session.valid_rows, session.error_rows) == (1, 0)


# Checking every row ----------------------------------------------------------------------------


def test_it_lists_every_error_with_row_column_and_value(client: Client, mt: Any) -> None:
    as_user(client, mt)
    data = make_csv(
        [
            device_row("MT-1"),
            device_row("MT-2", acceptance_checked_on="31/02/2024"),
            device_row("MT-3", unit="Akuten"),
            device_row("MT-1"),
        ]
    )
    session = checked(client, data)

    response = client.get(url("session_detail", session))

    assert error_rows(response) == [
        ["2", "inventory_number", "MT-1", "“MT-1” also stands on row 5 of this file."],
        ["3", "acceptance_checked_on", "31/02/2024", "Enter a valid date."],
        [
            "4",
            "unit",
            "Akuten",
            "No unit named “Akuten” where you may register devices: map the name to a unit.",
        ],
        ["5", "inventory_number", "MT-1", "“MT-1” also stands on row 2 of this file."],
    ]
    assert response.context["session"].valid_rows == 0
    assert "Download the rows with errors (CSV)" in text(response)


def test_it_shows_a_progress_bar_while_htmx_checks_the_rows_in_steps(
    client: Client, mt: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(views, "STEP_ROWS", 2)
    as_user(client, mt)
    session = uploaded(client, make_csv([device_row(f"MT-{i}") for i in range(1, 6)]))

    first = client.post(url("session_validate", session), headers=HTMX)

    assert first.status_code == 200
    html = first.content.decode()
    assert '<progress id="progress-bar"' in html and 'value="40"' in html
    assert f'hx-post="{url("session_validate", session)}"' in html  # it asks for the next step
    second = client.post(url("session_validate", session), headers=HTMX)
    assert 'value="80"' in second.content.decode()
    last = client.post(url("session_validate", session), headers=HTMX)
    assert last.status_code == 204
    assert last["HX-Redirect"] == url("session_detail", session)
    session.refresh_from_db()
    assert (session.status, session.valid_rows) == ("validated", 5)


def test_the_detail_page_offers_both_import_modes_only_when_checked(
    client: Client, mt: Any
) -> None:
    as_user(client, mt)
    session = uploaded(client, make_csv([device_row("MT-1")]))
    assert 'name="mode"' not in client.get(url("session_detail", session)).content.decode()

    client.post(url("session_validate", session))
    html = client.get(url("session_detail", session)).content.decode()

    assert 'value="all_or_nothing"' in html and 'value="valid_only"' in html
    assert f'action="{url("session_commit", session)}"' in html


# Importing -------------------------------------------------------------------------------------


def test_all_or_nothing_refuses_a_file_with_errors(client: Client, mt: Any) -> None:
    as_user(client, mt)
    session = checked(client, make_csv([device_row("MT-1"), device_row("MT-2", unit="Akuten")]))

    response = client.post(url("session_commit", session), {"mode": "all_or_nothing"}, follow=True)

    assert "1 row has errors, so nothing was imported." in text(response)
    assert Device.objects.count() == 0
    session.refresh_from_db()
    assert session.status == "validated"


def test_all_or_nothing_imports_a_clean_file_and_shows_the_counts(client: Client, mt: Any) -> None:
    as_user(client, mt)
    session = checked(client, make_csv([device_row("MT-1"), device_row("MT-2")]))

    response = client.post(url("session_commit", session), {"mode": "all_or_nothing"}, headers=HTMX)

    assert response.status_code == 204
    assert response["HX-Redirect"] == url("session_detail", session)
    page = client.get(url("session_detail", session))
    assert re.search(r'data-testid="created-count">2<', page.content.decode())
    assert "Imported: 2 created, 0 updated, 0 unchanged." in text(page)
    assert sorted(Device.objects.values_list("inventory_number", flat=True)) == ["MT-1", "MT-2"]
    assert 'name="mode"' not in page.content.decode()  # nothing left to import


def test_valid_only_imports_in_steps_with_a_progress_bar(
    client: Client, mt: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(views, "STEP_ROWS", 2)
    as_user(client, mt)
    rows = [device_row(f"MT-{i}") for i in range(1, 5)] + [device_row("MT-9", unit="Akuten")]
    session = checked(client, make_csv(rows))
    commit = url("session_commit", session)

    step = client.post(commit, {"mode": "valid_only"}, headers=HTMX)

    assert step.status_code == 200
    html = step.content.decode()
    assert 'value="50"' in html
    assert "&quot;mode&quot;: &quot;valid_only&quot;" in html or '"mode": "valid_only"' in html
    assert Device.objects.count() == 2
    done = client.post(commit, {"mode": "valid_only"}, headers=HTMX)
    assert done.status_code == 204
    assert done["HX-Redirect"] == url("session_detail", session)
    session.refresh_from_db()
    assert (session.status, session.created_count, session.error_rows) == ("committed", 4, 1)
    assert Device.objects.count() == 4


def test_it_refuses_to_import_the_same_session_twice(client: Client, mt: Any) -> None:
    as_user(client, mt)
    session = checked(client, make_csv([device_row("MT-1")]))
    client.post(url("session_commit", session), {"mode": "all_or_nothing"})

    response = client.post(url("session_commit", session), {"mode": "valid_only"}, follow=True)

    assert "This file has already been imported." in text(response)
    assert Device.objects.count() == 1


def test_each_created_device_has_one_audit_event_tagged_with_the_session(
    client: Client, mt: Any
) -> None:
    as_user(client, mt)
    session = checked(client, make_csv([device_row("MT-1"), device_row("MT-2")]))

    client.post(url("session_commit", session), {"mode": "all_or_nothing"})

    events = AuditEvent.objects.filter(batch=str(session.batch), action="device.register")
    assert sorted(events.values_list("object_repr", flat=True)) == ["MT-1", "MT-2"]
    assert {e.actor_id for e in events} == {mt.pk}
    assert sorted(events.values_list("object_id", flat=True)) == sorted(
        str(pk) for pk in Device.objects.values_list("pk", flat=True)
    )


# Failed rows -----------------------------------------------------------------------------------


def test_the_failed_rows_download_holds_only_the_bad_rows_and_their_errors(
    client: Client, mt: Any
) -> None:
    as_user(client, mt)
    data = make_csv(
        [device_row("MT-1"), device_row("MT-2", unit="Akuten"), device_row("MT-3", status="x")],
        [*HEADER, "status"],
    )
    session = checked(client, data)

    response = client.get(url("session_failed_rows", session))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="devices-errors.csv"'
    body = streamed(response).decode("utf-8")
    assert body.startswith("\ufeff")  # Swedish Excel opens it as UTF-8
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == [*HEADER, "status", "Errors"]
    assert [r[0] for r in rows[1:]] == ["MT-2", "MT-3"]
    assert (
        rows[1][-1]
        == "unit: No unit named “Akuten” where you may register devices: map the name to a unit."
    )
    assert rows[2][-1].startswith("status: Unknown status “x”")


def test_the_failed_rows_download_as_xlsx(client: Client, mt: Any) -> None:
    as_user(client, mt)
    session = checked(client, make_csv([device_row("MT-1"), device_row("MT-2", unit="Akuten")]))

    response = client.get(url("session_failed_rows", session) + "?format=xlsx")

    assert response["Content-Disposition"].endswith('filename="devices-errors.xlsx"')
    ws = load_workbook(io.BytesIO(streamed(response))).active
    assert ws is not None
    values = [[c or "" for c in row] for row in ws.iter_rows(values_only=True)]
    assert values[0] == [*HEADER, "Errors"]
    assert [r[0] for r in values[1:]] == ["MT-2"]


# Access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["owner", "colleague", "outsider", "auditor", "private_staff"])
def test_it_refuses_the_upload_to_people_who_do_not_keep_the_register(
    client: Client, org: Any, persona: str
) -> None:
    as_user(client, org.personas()[persona])

    assert client.get(NEW).status_code == 403
    assert post_file(client, make_csv([device_row("MT-1")])).status_code == 403
    assert not ImportSession.objects.exists()


def test_it_sends_anonymous_visitors_to_log_in(client: Client) -> None:
    response = client.get(NEW)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_knows_no_other_kind(client: Client, mt: Any) -> None:
    response = as_user(client, mt).get(reverse("imports:session_create", args=["spaceships"]))

    assert response.status_code == 404


def test_another_engineer_can_neither_see_nor_act_on_someones_import(
    client: Client, mt: Any, other_mt: Any
) -> None:
    session = checked(
        as_user(client, mt), make_csv([device_row("MT-1"), device_row("MT-2", unit="X")])
    )
    other = as_user(Client(), other_mt)

    assert other.get(url("session_detail", session)).status_code == 404
    assert other.get(url("session_failed_rows", session)).status_code == 404
    assert other.post(url("session_map", session), {"col_0": "serial_number"}).status_code == 404
    assert other.post(url("session_validate", session)).status_code == 404
    assert other.post(url("session_commit", session), {"mode": "valid_only"}).status_code == 404
    assert session.filename not in text(other.get(reverse("imports:session_list")))

    assert Device.objects.count() == 0
    session.refresh_from_db()
    assert session.mapping["inventory_number"] == "inventory_number"
    assert session.status == "validated"


def test_the_auditor_sees_every_import_but_cannot_act_on_it(
    client: Client, org: Any, mt: Any
) -> None:
    session = checked(
        as_user(client, mt), make_csv([device_row("MT-1"), device_row("MT-2", unit="X")])
    )
    auditor = as_user(Client(), org.auditor)

    assert session.filename in text(auditor.get(reverse("imports:session_list")))
    detail = auditor.get(url("session_detail", session))
    assert detail.status_code == 200
    assert len(error_rows(detail)) == 1
    assert url("session_commit", session) not in detail.content.decode()
    assert auditor.get(url("session_failed_rows", session)).status_code == 200

    assert auditor.post(url("session_commit", session), {"mode": "valid_only"}).status_code == 404
    assert auditor.post(url("session_validate", session)).status_code == 404
    assert Device.objects.count() == 0


def test_the_list_shows_people_their_own_imports(client: Client, mt: Any, other_mt: Any) -> None:
    uploaded(as_user(client, mt), make_csv([device_row("MT-1")]))
    as_user(client, other_mt)
    post_file(client, make_csv([device_row("MT-2")]), "mina.csv")

    page = text(client.get(reverse("imports:session_list")))

    assert "mina.csv" in page
    assert "devices.csv" not in page


# Export → import round trip through the web --------------------------------------------------


def test_the_web_export_imports_back_and_restores_the_register(
    client: Client, mt: Any, org: Any, register_device: Any, catalogue: Any
) -> None:
    register_device("MT-1", location="Sal 3", supplier="Medema", udi_lot="L42")
    register_device(
        "MT-2",
        model=catalogue.pump,
        unit=org.unit_b,
        status=DeviceStatus.OUT_OF_SERVICE,
        acceptance_checked_on=None,
        serial_number="",
        location="-1 Förråd",  # the basement; exports guard a leading "-" against formulas
    )
    as_user(client, mt)
    exported = streamed(client.get(reverse("devices:device_list") + "?export=csv"))
    before = {d.pk: _fields(d) for d in Device.objects.all()}
    # The register changes after the export...
    mt1 = Device.objects.get(inventory_number="MT-1")
    device_services.device_update(actor=mt, device=mt1, location="Förråd", supplier="")
    device_services.device_change_status(
        actor=mt, device=mt1, status=DeviceStatus.IN_REPAIR, reason="Trasig"
    )

    # ...and the exported file, imported with "update existing", puts it back.
    session = checked(client, exported, update=True)
    assert (session.valid_rows, session.error_rows) == (2, 0), session.file_errors
    client.post(url("session_commit", session), {"mode": "all_or_nothing"})

    session.refresh_from_db()
    assert (session.created_count, session.updated_count, session.unchanged_count) == (0, 1, 1)
    assert {d.pk: _fields(d) for d in Device.objects.all()} == before
    assert streamed(client.get(reverse("devices:device_list") + "?export=csv")) == exported


def _fields(device: Device) -> dict[str, Any]:
    return {
        f.name: getattr(device, f.attname)
        for f in Device._meta.concrete_fields
        if f.name not in {"status_since", "created_at"}
    }
