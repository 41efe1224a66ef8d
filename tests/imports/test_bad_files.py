"""Bad files get a clear message and no 500; control characters in a row are that row's error;
and the failed rows go back as the file came (its encoding, its delimiter, its headers), with the
headers as well as the cells guarded against formulas."""

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from medtek.core.models import AuditEvent
from medtek.devices.models import Device
from medtek.imports import services
from medtek.imports.models import ImportRow, ImportSession
from tests.core import filebuilders
from tests.imports.conftest import (
    HEADER,
    device_row,
    errors_by_row,
    make_csv,
    make_xlsx,
    upload,
    validated,
)

pytestmark = pytest.mark.usefixtures("catalogue", "english")

NEW = reverse("imports:session_create", args=["devices"])


def _formulas() -> bytes:
    rows = [[f"MT-{n}", "Philips", f'=UPPER("x{n}")'] for n in range(1, 4)]
    return make_xlsx(rows, ["inventory_number", "manufacturer", "trade_name"])


BAD_FILES = {
    "pdf": (filebuilders.pdf(), "devices.csv", "This is a PDF document, not a table"),
    "png": (filebuilders.image("PNG"), "devices.csv", "This is a PNG image, not a table"),
    "xls": (filebuilders.xls(), "devices.xlsx", "Excel 97–2003 workbook (xls)"),
    "zip": (filebuilders.plain_zip(), "devices.xlsx", "ZIP archive, not an XLSX workbook"),
    "binary": (bytes(range(256)) * 40, "devices.csv", "The file does not hold text"),
    "encoding": (b"inventory_number\r\nMT-\x81\r\n", "devices.csv", "Line 2 holds characters"),
    "formulas": (_formulas(), "devices.xlsx", "C2, C3 and 1 more cell hold formulas"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_a_bad_file_is_stored_as_rejected_with_its_reason(mt: Any, kind: str) -> None:
    data, name, says = BAD_FILES[kind]

    session = upload(mt, data, name)

    assert session.status == ImportSession.Status.REJECTED
    [message] = session.file_errors
    assert says in message
    assert not session.rows.exists()
    event = AuditEvent.objects.get(action="import.reject")
    assert event.after["errors"] == [message]


@override_settings(IMPORT_MAX_BYTES=2000)
def test_a_file_over_the_size_limit_is_rejected_and_not_kept(mt: Any) -> None:
    data = make_csv([device_row(f"MT-{n}") for n in range(40)])

    session = upload(mt, data)

    assert session.status == ImportSession.Status.REJECTED
    assert session.file_errors[0].startswith("The file is ")
    assert "at most 2.0\xa0KB can be imported" in session.file_errors[0]
    session.refresh_from_db()
    assert bytes(session.source) == b""


def _post(client: Client, data: bytes, name: str) -> Any:
    return client.post(NEW, {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def test_the_upload_page_shows_why_a_file_cannot_be_read(client: Client, mt: Any) -> None:
    client.force_login(mt)

    response = _post(client, filebuilders.pdf(), "devices.csv")

    session = ImportSession.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert session.file_errors[0] in page.content.decode()
    assert "PDF" in session.file_errors[0]


@override_settings(IMPORT_MAX_BYTES=2000)
def test_the_upload_form_refuses_a_file_over_the_size_limit(client: Client, mt: Any) -> None:
    client.force_login(mt)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = _post(client, make_csv([device_row(f"MT-{n}") for n in range(40)]), "devices.csv")

    assert response.status_code == 200
    [message] = response.context["form"].errors["file"]
    assert "2.0\xa0KB" in message
    assert message in response.content.decode()
    assert not ImportSession.objects.exists()


@override_settings(IMPORT_MAX_BYTES=2000)
def test_the_command_refuses_a_file_over_the_size_limit_before_reading_it(
    tmp_path: Path, mt: Any
) -> None:
    path = tmp_path / "devices.csv"
    path.write_bytes(make_csv([device_row(f"MT-{n}") for n in range(40)]))

    with pytest.raises(CommandError) as exc:
        call_command(
            "import", "devices", str(path), "--user", mt.username, "--no-progress", "--lang", "en"
        )

    assert exc.value.returncode == 2
    assert "at most 2.0\xa0KB can be imported" in str(exc.value)
    assert not ImportSession.objects.exists()


# Control characters in a row ---------------------------------------------------------------------


def test_a_control_character_in_a_row_is_that_rows_error(mt: Any) -> None:
    rows = [
        device_row("MT-1"),
        device_row("MT-2", serial_number="SN\x1b[1m"),
        device_row("MT\x0b3", serial_number="SN-3"),
    ]

    session = validated(mt, make_csv(rows))

    errors = errors_by_row(session)
    assert sorted(errors) == [3, 4]
    [serial] = errors[3]
    assert (serial["column"], serial["value"]) == ("serial_number", "SN\x1b[1m")
    assert "control character (ESC, U+001B)" in serial["message"]
    [key] = errors[4]
    assert key["column"] == "inventory_number"
    assert "control character (VT, U+000B)" in key["message"]
    assert session.valid_rows == 1
    assert not Device.objects.exists()


# The failed rows, back as they came -------------------------------------------------------------


def _failed_rows(client: Client, session: ImportSession, fmt: str = "csv") -> bytes:
    url = reverse("imports:session_failed_rows", args=[session.pk])
    response = client.get(url, {"format": fmt})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("cp1252", ","), ("utf-16", "\t"), ("utf-8", ";")],
)
def test_the_failed_rows_come_in_the_uploads_encoding_and_delimiter(
    client: Client, mt: Any, encoding: str, delimiter: str
) -> None:
    data = make_csv(
        [device_row("MT-1"), device_row("MT-2", unit="Kök")],
        delimiter=delimiter,
        bom=False,
        encoding=encoding,
    )
    session = validated(mt, data)
    assert (session.encoding, session.delimiter) == (encoding, delimiter)
    client.force_login(mt)

    body = _failed_rows(client, session)

    if encoding == "utf-16":
        assert body.startswith(b"\xff\xfe")
    text = body.decode(encoding)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert rows[0] == [*HEADER, "Fel"]
    assert rows[1][:5] == ["MT-2", "Philips", "IntelliVue", "MX450", "Kök"]
    # Fixed, it goes back in as it is.
    fixed = text.replace("Kök", "Unit A").encode(encoding)
    again = validated(mt, fixed)
    assert (again.valid_rows, again.error_rows) == (1, 0)
    assert (again.encoding, again.delimiter) == (encoding, delimiter)


LINK = '=HYPERLINK("http://evil.example","Klicka")'


def _with_formula_header(mt: Any) -> ImportSession:
    """A file whose extra column is named like a formula, mapped by hand to the location."""
    header = [*HEADER, LINK]
    rows = [{**device_row("MT-1", unit="Akuten"), LINK: "=1+1"}]
    session = upload(mt, make_csv(rows, header))
    mapping = {**session.mapping, LINK: "location"}
    session = services.session_set_mapping(actor=mt, session=session, mapping=mapping)
    return services.session_validate(actor=mt, session=session)


def test_the_failed_rows_csv_guards_the_header_and_imports_back(client: Client, mt: Any) -> None:
    session = _with_formula_header(mt)
    assert session.rows.get().status == ImportRow.Status.INVALID
    client.force_login(mt)

    body = _failed_rows(client, session)

    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][-2:] == ["'" + LINK, "Fel"]
    assert rows[1][-2] == "'=1+1"
    again = upload(mt, body)
    assert again.headers == [*HEADER, LINK, "Fel"]
    assert again.rows.get().values[LINK] == "=1+1"


def test_the_failed_rows_xlsx_holds_the_header_as_text(client: Client, mt: Any) -> None:
    session = _with_formula_header(mt)
    client.force_login(mt)

    sheet = load_workbook(io.BytesIO(_failed_rows(client, session, "xlsx"))).active
    assert sheet is not None

    header, row = list(sheet.iter_rows())
    assert (header[-2].value, header[-2].data_type, header[-2].quotePrefix) == (LINK, "s", True)
    assert (row[-2].value, row[-2].data_type) == ("=1+1", "s")
