"""``medtek import devices FILE`` and ``medtek export devices``: the same workflow and scoping as
the web pages, for the terminal."""

import csv
import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from medtek.core.models import AuditEvent
from medtek.devices import services as device_services
from medtek.devices.models import Device, DeviceStatus
from medtek.devices.selectors import EXPORT_HEADER
from medtek.imports.models import ImportSession
from tests.devices.conftest import shown_export_header
from tests.imports.conftest import HEADER, device_row, make_csv, run_command

pytestmark = pytest.mark.usefixtures("catalogue")


def write(tmp_path: Path, data: bytes, name: str = "devices.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def run_import(path: Path, user: Any, *args: str, lang: str = "en") -> tuple[str, str]:
    """Run an import that ends with status 0 (in English unless ``lang`` says otherwise)."""
    status, out, err = run_command(path, user, "--lang", lang, *args)
    assert status == 0, err
    return out, err


def run_failing(path: Path, user: Any, *args: str, lang: str = "en") -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of an import that ends with a non-zero status."""
    status, out, err = run_command(path, user, "--lang", lang, *args)
    assert status != 0, out
    return status, out, err


def run_export(user: Any, *args: str) -> None:
    call_command("export", "devices", "--user", user.username, *args)


def inventory_numbers() -> list[str]:
    return sorted(Device.objects.values_list("inventory_number", flat=True))


def read_csv(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def read_xlsx(path: Path) -> list[list[Any]]:
    ws = load_workbook(path).active
    assert ws is not None
    return [list(row) for row in ws.iter_rows(values_only=True)]


# Import ----------------------------------------------------------------------------------------


def test_it_imports_a_clean_file_all_or_nothing(tmp_path: Path, mt: Any) -> None:
    path = write(tmp_path, make_csv([device_row("MT-1"), [""] * len(HEADER), device_row("MT-2")]))

    out, err = run_import(path, mt, "--no-progress")

    assert "2 valid rows, 0 with errors, 1 blank" in out
    assert "Imported: 2 created, 0 updated, 0 unchanged, 0 rows with errors left out." in out
    assert err == ""
    assert inventory_numbers() == ["MT-1", "MT-2"]
    session = ImportSession.objects.get()
    assert (session.mode, session.status, session.created_by) == ("all_or_nothing", "committed", mt)
    events = AuditEvent.objects.filter(batch=str(session.batch), action="device.register")
    assert sorted(events.values_list("object_repr", flat=True)) == ["MT-1", "MT-2"]
    assert AuditEvent.objects.get(action="import.upload", object_id=str(session.pk)).source == "cli"


def test_it_lists_every_error_and_imports_nothing_all_or_nothing(tmp_path: Path, mt: Any) -> None:
    path = write(
        tmp_path,
        make_csv(
            [
                device_row("MT-1"),
                device_row("MT-2", unit="Akuten"),
                device_row("MT-3", acceptance_checked_on="igår"),
            ]
        ),
    )

    status, _out, err = run_failing(path, mt, "--no-progress", "--mode", "all_or_nothing")

    assert status == 1
    assert "2 rows have errors, so nothing was imported." in err
    assert Device.objects.count() == 0


def test_it_prints_each_error_with_row_column_and_value(tmp_path: Path, mt: Any) -> None:
    path = write(
        tmp_path,
        make_csv(
            [device_row("MT-1", unit="Akuten"), device_row("MT-2", acceptance_checked_on="igår")]
        ),
    )

    status, out, err = run_failing(path, mt, "--no-progress", "--dry-run", "-v", "2")

    assert status == 1
    assert err.splitlines() == [
        "1 row [unit]: No unit named “Akuten” where you may register devices: map the name to a "
        "unit. (row 2)",
        "1 row [acceptance_checked_on]: Enter a valid date. (row 3)",
        "row 2 [unit='Akuten']: No unit named “Akuten” where you may register devices: map the "
        "name to a unit.",
        "row 3 [acceptance_checked_on='igår']: Enter a valid date.",
        "Checked only: 2 rows have errors.",
    ]
    assert "0 valid rows, 2 with errors, 0 blank" in out


def test_valid_only_imports_the_valid_rows(tmp_path: Path, mt: Any) -> None:
    path = write(tmp_path, make_csv([device_row("MT-1"), device_row("MT-2", unit="Akuten")]))

    status, out, err = run_failing(path, mt, "--no-progress", "--mode", "valid_only")

    assert status == 1
    assert "Imported: 1 created, 0 updated, 0 unchanged, 1 rows with errors left out." in out
    assert "1 rows with errors were left out" in err
    assert inventory_numbers() == ["MT-1"]


def test_a_dry_run_writes_nothing(tmp_path: Path, mt: Any) -> None:
    path = write(tmp_path, make_csv([device_row("MT-1")]))

    out, _ = run_import(path, mt, "--no-progress", "--dry-run")

    assert "1 valid rows, 0 with errors" in out
    assert Device.objects.count() == 0
    assert ImportSession.objects.get().status == "validated"


def test_running_the_same_file_again_creates_nothing_twice(tmp_path: Path, mt: Any) -> None:
    path = write(tmp_path, make_csv([device_row("MT-1"), device_row("MT-2")]))
    run_import(path, mt, "--no-progress")

    status, _out, err = run_failing(path, mt, "--no-progress")
    assert status == 1 and "2 rows [inventory_number]: … is already in the register" in err
    out, _ = run_import(path, mt, "--no-progress", "--update")

    assert "Imported: 0 created, 0 updated, 2 unchanged" in out
    assert inventory_numbers() == ["MT-1", "MT-2"]


def test_it_updates_existing_devices_when_asked(
    tmp_path: Path, mt: Any, register_device: Any
) -> None:
    register_device("MT-1")
    path = write(tmp_path, make_csv([device_row("MT-1", serial_number="NY-1"), device_row("MT-2")]))

    out, _ = run_import(path, mt, "--no-progress", "--update")

    assert "Imported: 1 created, 1 updated, 0 unchanged" in out
    assert Device.objects.get(inventory_number="MT-1").serial_number == "NY-1"


def test_it_shows_progress_on_the_terminal(
    tmp_path: Path, mt: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, make_csv([device_row("MT-1"), device_row("MT-2")]))

    run_import(path, mt, "--mode", "valid_only")

    err = capsys.readouterr().err
    assert "checking   [########################################] 2/2" in err
    assert "importing  [########################################] 2/2" in err


def test_it_stops_at_a_file_error(tmp_path: Path, mt: Any) -> None:
    path = write(tmp_path, make_csv([[*device_row("MT-1").values(), "x"]], [*HEADER, "Anteckning"]))
    err = io.StringIO()

    with pytest.raises(CommandError) as exc:
        call_command(
            "import",
            "devices",
            str(path),
            "--user",
            mt.username,
            "--no-progress",
            "--lang",
            "en",
            stderr=err,
        )

    session = ImportSession.objects.get()
    assert str(exc.value) == f"Nothing imported (session {session.pk})."
    assert exc.value.returncode == 2
    assert err.getvalue().strip() == (
        "file: Unknown column “Anteckning”: map it to a field or leave it out."
    )
    assert Device.objects.count() == 0


def test_it_refuses_an_unknown_user_or_a_missing_file(tmp_path: Path, mt: Any) -> None:
    path = write(tmp_path, make_csv([device_row("MT-1")]))

    with pytest.raises(CommandError, match="No active user “nobody”"):
        call_command("import", "devices", str(path), "--user", "nobody", "--lang", "en")
    with pytest.raises(CommandError, match="is not a file"):
        call_command(
            "import",
            "devices",
            str(tmp_path / "missing.csv"),
            "--user",
            mt.username,
            "--lang",
            "en",
        )
    assert not ImportSession.objects.exists()


def test_it_refuses_someone_who_does_not_keep_the_register(tmp_path: Path, org: Any) -> None:
    path = write(tmp_path, make_csv([device_row("MT-1")]))

    status, _out, err = run_failing(path, org.colleague, "--no-progress")

    assert status == 2
    assert "may not import this kind of record" in err
    assert Device.objects.count() == 0


# Export ----------------------------------------------------------------------------------------


@pytest.fixture
def register(org: Any, register_device: Any, catalogue: Any) -> None:
    register_device("MT-1", location="Sal 3", purchased_on=datetime.date(2024, 1, 15))
    register_device("MT-2", unit=org.unit_a_child, model=catalogue.pump, udi_lot="L42")
    register_device("MT-3", unit=org.unit_b, status=DeviceStatus.OUT_OF_SERVICE)


@pytest.mark.usefixtures("register")
def test_it_exports_csv_as_swedish_excel_reads_it(tmp_path: Path, mt: Any) -> None:
    out = tmp_path / "devices.csv"

    run_export(mt, "-o", str(out))

    rows = read_csv(out)
    assert rows[0] == shown_export_header()
    assert [r[0] for r in rows[1:]] == ["MT-1", "MT-2", "MT-3"]
    mt1, _mt2, mt3 = (dict(zip(rows[0], row, strict=True)) for row in rows[1:])
    assert mt1["Handelsnamn"] == "IntelliVue"
    assert (mt1["Ägande enhet"], mt1["Placering"], mt1["Inköpsdatum"]) == (
        "Unit A",
        "Sal 3",
        "2024-01-15",
    )
    assert (mt1["Status"], mt3["Status"]) == ("I bruk", "Avställd")


@pytest.mark.usefixtures("register")
def test_it_exports_csv_to_standard_output(mt: Any, capsys: pytest.CaptureFixture[str]) -> None:
    run_export(mt, "--codes")

    lines = capsys.readouterr().out.lstrip("\ufeff").splitlines()
    assert lines[0] == ";".join(EXPORT_HEADER)
    assert [line.split(";")[0] for line in lines[1:]] == ["MT-1", "MT-2", "MT-3"]


@pytest.mark.usefixtures("register")
def test_it_exports_xlsx_to_a_file(tmp_path: Path, mt: Any) -> None:
    out = tmp_path / "devices.xlsx"

    run_export(mt, "--format", "xlsx", "-o", str(out))

    rows = read_xlsx(out)
    assert list(rows[0]) == shown_export_header()
    assert [r[0] for r in rows[1:]] == ["MT-1", "MT-2", "MT-3"]
    assert rows[2][rows[0].index("UDI-PI batchnummer")] == "L42"


def test_xlsx_needs_an_output_file(mt: Any) -> None:
    with pytest.raises(CommandError, match=r"XLSX needs --output FILE\."):
        run_export(mt, "--format", "xlsx")


@pytest.mark.usefixtures("register")
def test_it_exports_only_what_the_filter_asks_for(tmp_path: Path, mt: Any) -> None:
    out = tmp_path / "in-use.csv"

    run_export(mt, "--filter", "status=in_use", "-o", str(out))

    assert [r[0] for r in read_csv(out)[1:]] == ["MT-1", "MT-2"]


@pytest.mark.usefixtures("register")
def test_it_refuses_a_bad_filter(tmp_path: Path, mt: Any) -> None:
    with pytest.raises(CommandError, match="status"):
        run_export(mt, "--filter", "status=broken", "-o", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="NAME=VALUE"):
        run_export(mt, "--filter", "status", "-o", str(tmp_path / "x.csv"))


@pytest.mark.usefixtures("register")
def test_it_exports_only_what_the_user_may_see(tmp_path: Path, org: Any) -> None:
    out = tmp_path / "unit-a.csv"

    run_export(org.colleague, "-o", str(out))  # unit staff of Unit A (and what is below it)

    assert [r[0] for r in read_csv(out)[1:]] == ["MT-1", "MT-2"]
    run_export(org.outsider, "-o", str(out))
    assert [r[0] for r in read_csv(out)[1:]] == ["MT-3"]


# Round trip ------------------------------------------------------------------------------------


def _snapshot() -> dict[str, dict[str, Any]]:
    skip = {"id", "status_since", "created_at"}
    return {
        d.inventory_number: {
            f.name: getattr(d, f.attname)
            for f in Device._meta.concrete_fields
            if f.name not in skip
        }
        for d in Device.objects.all()
    }


def _change_the_register(mt: Any, org: Any) -> None:
    mt1 = Device.objects.get(inventory_number="MT-1")
    device_services.device_update(
        actor=mt, device=mt1, location="-1 Förråd", purchased_on=None, unit=org.unit_b
    )
    mt3 = Device.objects.get(inventory_number="MT-3")
    device_services.device_update(actor=mt, device=mt3, acceptance_checked_on=datetime.date.today())
    device_services.device_change_status(
        actor=mt, device=mt3, status=DeviceStatus.IN_USE, reason="Godkänd"
    )


@pytest.mark.usefixtures("register")
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imported_with_update_restores_the_register(
    tmp_path: Path, mt: Any, org: Any, fmt: str
) -> None:
    path = tmp_path / f"devices.{fmt}"
    run_export(mt, "--format", fmt, "-o", str(path))
    before = _snapshot()
    _change_the_register(mt, org)
    assert _snapshot() != before

    out, _ = run_import(path, mt, "--no-progress", "--update")

    assert "Imported: 0 created, 2 updated, 1 unchanged" in out
    assert _snapshot() == before
    again = tmp_path / f"again.{fmt}"
    run_export(mt, "--format", fmt, "-o", str(again))
    reader = read_csv if fmt == "csv" else read_xlsx
    assert reader(again) == reader(path)
