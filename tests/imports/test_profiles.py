"""Mapping profiles: saved from a confirmed mapping, versioned and never changed, applied to the
next file from the same source, shared as a file — on the pages, and from the command line."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from medtek.core.models import AuditEvent
from medtek.devices.models import Device, DeviceStatus
from medtek.imports import profiles, services
from medtek.imports.models import ImportProfile, ImportSession
from tests.imports.conftest import HEADER, device_row, make_csv, run_command, upload

pytestmark = pytest.mark.usefixtures("catalogue", "english")

#: An export as an old register writes it: its own headers, a column medtek has no field for,
#: statuses and unit names in its own words.
LEGACY = ["Inv.nr", "Fabrikat", "Benämning", "Modell", "Avdelning", "Status", "Kommentar"]


def legacy_rows(*numbers: str) -> list[list[str]]:
    return [[n, "Philips", "IntelliVue", "MX450", "Kir avd 3", "På service", "x"] for n in numbers]


def confirmed(mt: Any, data: bytes) -> ImportSession:
    """A legacy file mapped by hand: columns, a column left out, and two values."""
    session = upload(mt, data)
    session = services.session_set_mapping(
        actor=mt,
        session=session,
        mapping={
            "Inv.nr": "inventory_number",
            "Fabrikat": "manufacturer",
            "Benämning": "trade_name",
            "Modell": "model_version",
            "Avdelning": "unit",
            "Status": "status",
        },
        ignored=["Kommentar"],
    )
    return services.session_set_values(
        actor=mt,
        session=session,
        value_map={
            "status": {"På service": DeviceStatus.IN_REPAIR},
            "unit": {"Kir avd 3": "Unit A"},
        },
    )


def test_a_confirmed_mapping_saved_as_a_profile_reads_the_next_file_in_one_pass(mt: Any) -> None:
    first = confirmed(mt, make_csv(legacy_rows("MT-1"), LEGACY))

    profile = profiles.profile_save(actor=mt, session=first, name="Medusa export")
    second = services.session_create(
        actor=mt,
        kind="devices",
        filename="medusa-2.csv",
        data=make_csv(legacy_rows("MT-2", "MT-3"), LEGACY),
        profile=profile,
    )
    second = services.session_validate(actor=mt, session=second)
    services.session_commit(actor=mt, session=second, mode="all_or_nothing")

    assert (profile.name, profile.version) == ("Medusa export", 1)
    assert profile.ignored == ["Kommentar"]
    assert (second.profile, second.file_errors, second.error_rows) == (profile, [], 0)
    devices = Device.objects.filter(inventory_number__in=["MT-2", "MT-3"]).select_related("unit")
    assert {(d.status, d.unit.name) for d in devices} == {(DeviceStatus.IN_REPAIR, "Unit A")}
    upload_event = AuditEvent.objects.filter(action="import.upload").latest("pk")
    assert upload_event.after["profile"] == "Medusa export (v1)"


def test_saving_again_stores_the_next_version_and_never_changes_the_first(mt: Any) -> None:
    session = confirmed(mt, make_csv(legacy_rows("MT-1"), LEGACY))
    v1 = profiles.profile_save(actor=mt, session=session, name="Medusa export")

    v2 = profiles.profile_save(actor=mt, session=session, name="medusa  EXPORT", description="2")

    assert (v2.name, v2.version) == ("Medusa export", 2)
    assert profiles.latest(mt, "devices", "medusa export") == v2
    assert profiles.latest(mt, "devices", "Medusa export@1") == v1
    assert [p.pk for p in profiles.current_versions(mt, "devices")] == [v2.pk]
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportProfile.objects.filter(pk=v1.pk).update(columns={})
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportProfile.objects.filter(pk=v1.pk).delete()
    assert AuditEvent.objects.filter(action="import.profile_save").count() == 2


def test_a_profile_needs_a_name_and_a_complete_mapping(mt: Any) -> None:
    session = upload(mt, make_csv(legacy_rows("MT-1"), LEGACY))
    with pytest.raises(ValidationError, match="Map every column"):
        profiles.profile_save(actor=mt, session=session, name="Medusa")
    session = confirmed(mt, make_csv(legacy_rows("MT-1"), LEGACY))
    with pytest.raises(ValidationError) as exc:
        profiles.profile_save(actor=mt, session=session, name="  ")
    assert exc.value.message_dict == {"name": ["Give the profile a name."]}
    assert not ImportProfile.objects.exists()


def test_a_profile_file_travels_to_another_region(mt: Any) -> None:
    session = confirmed(mt, make_csv(legacy_rows("MT-1"), LEGACY))
    profile = profiles.profile_save(actor=mt, session=session, name="Medusa export")
    document = json.loads(profiles.profile_export(profile))
    # The other region has no "Unit A": its unit mapping cannot hold here and is left out.
    document["values"]["unit"] = {"kir avd 3": "Kirurgen Nord"}

    loaded, left_out = profiles.profile_load(actor=mt, data=json.dumps(document).encode())

    assert document["format"] == "medtek-import-profile"
    assert (loaded.name, loaded.version) == ("Medusa export", 2)
    assert loaded.columns == profile.columns
    assert loaded.values == {"status": {"på service": "in_repair"}}
    assert left_out == ["owning unit: “kir avd 3” → “Kirurgen Nord”"]
    assert AuditEvent.objects.get(action="import.profile_load").after["left_out"] == left_out


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n", "The file is not an import profile"),
        (b'{"format": "something else"}', "The file is not an import profile"),
        (
            b'{"format": "medtek-import-profile", "format_version": 9, "kind": "devices"}',
            "layout version 9",
        ),
        (
            b'{"format": "medtek-import-profile", "format_version": 1, "kind": "ships"}',
            "Nothing of kind “ships”",
        ),
        (
            b'{"format": "medtek-import-profile", "format_version": 1, "kind": "devices",'
            b' "name": "x", "columns": {"Inv": "colour"}}',
            "maps to “colour”, which is not a field of devices",
        ),
        (
            b'{"format": "medtek-import-profile", "format_version": 1, "kind": "devices",'
            b' "name": "x", "columns": {}, "values": {"status": {"x": "broken"}}}',
            "“broken” is not a value of the field “status”",
        ),
    ],
)
def test_a_bad_profile_file_is_refused_saying_why(mt: Any, data: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        profiles.profile_load(actor=mt, data=data)

    assert message in " ".join(exc.value.messages)
    assert not ImportProfile.objects.exists()


def test_a_profile_of_another_kind_is_refused(mt: Any) -> None:
    profile = ImportProfile.objects.create(
        kind="inhouse", name="x", version=1, columns={}, created_by=mt
    )
    with pytest.raises(ValidationError):
        services.session_create(
            actor=mt,
            kind="devices",
            filename="d.csv",
            data=make_csv([device_row("MT-1")]),
            profile=profile,
        )


# Pages -------------------------------------------------------------------------------------------


def as_user(client: Client, user: Any) -> Client:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_pages_map_columns_and_values_save_a_profile_and_use_it(
    client: Client, mt: Any
) -> None:
    as_user(client, mt)
    response = client.post(
        reverse("imports:session_create", args=["devices"]),
        {"file": SimpleUploadedFile("medusa.csv", make_csv(legacy_rows("MT-1"), LEGACY))},
    )
    session = ImportSession.objects.get()
    detail = reverse("imports:session_detail", args=[session.pk])
    assert response.url == detail
    page = client.get(detail).content.decode()
    assert "Leave this column out" in page

    fields = ["inventory_number", "manufacturer", "trade_name", "model_version", "unit", "status"]
    posted = {f"col_{i}": f for i, f in enumerate(fields)} | {"col_6": "__ignore__"}
    client.post(reverse("imports:session_map", args=[session.pk]), posted)
    session.refresh_from_db()
    assert (session.file_errors, session.ignored) == ([], ["Kommentar"])

    page = client.get(detail).content.decode()
    assert 'data-testid="value-step"' in page
    assert "På service" in page and "Kir avd 3" in page
    keys = dict(re.findall(r'name="(k_\d+)" value="([^"]+)"', page))
    values = {}
    for name, key in keys.items():
        _field, value = json.loads(key.replace("&quot;", '"'))
        target = {"På service": "in_repair", "Kir avd 3": "Unit A"}[value]
        values[name] = key.replace("&quot;", '"')
        values["v_" + name[2:]] = target
    client.post(reverse("imports:session_values", args=[session.pk]), values)
    session.refresh_from_db()
    assert session.value_map == {
        "status": {"på service": "in_repair"},
        "unit": {"kir avd 3": "Unit A"},
    }

    client.post(
        reverse("imports:session_save_profile", args=[session.pk]), {"name": "Medusa export"}
    )
    profile = ImportProfile.objects.get()
    upload_page = client.get(reverse("imports:session_create", args=["devices"])).content.decode()
    assert "Medusa export (v1)" in upload_page

    client.post(
        reverse("imports:session_create", args=["devices"]),
        {
            "file": SimpleUploadedFile("medusa-2.csv", make_csv(legacy_rows("MT-2"), LEGACY)),
            "profile": profile.pk,
        },
    )
    second = ImportSession.objects.latest("pk")
    assert (second.profile, second.file_errors) == (profile, [])
    client.post(reverse("imports:session_validate", args=[second.pk]))
    second.refresh_from_db()
    assert (second.valid_rows, second.error_rows) == (1, 0)


def test_profiles_are_listed_downloaded_and_read_in(client: Client, mt: Any) -> None:
    as_user(client, mt)
    session = confirmed(mt, make_csv(legacy_rows("MT-1"), LEGACY))
    profile = profiles.profile_save(actor=mt, session=session, name="Medusa export")

    listing = client.get(reverse("imports:profile_list")).content.decode()
    detail = client.get(reverse("imports:profile_detail", args=[profile.pk])).content.decode()
    download = client.get(reverse("imports:profile_export", args=[profile.pk]))

    assert "Medusa export" in listing
    assert "Kommentar" in detail and "På service" not in detail  # values stored casefolded
    assert "på service" in detail
    assert download["Content-Disposition"] == 'attachment; filename="medusa-export-v1.json"'
    response = client.post(
        reverse("imports:profile_list"),
        {"file": SimpleUploadedFile("p.json", download.content)},
    )
    assert response.status_code == 302
    assert ImportProfile.objects.filter(name="Medusa export").count() == 2
    response = client.post(
        reverse("imports:profile_list"), {"file": SimpleUploadedFile("p.json", b"nonsense")}
    )
    assert response.status_code == 200
    assert "The file is not an import profile" in response.content.decode()


def test_an_outsider_sees_no_profile_and_cannot_touch_a_session(
    client: Client, mt: Any, org: Any
) -> None:
    session = confirmed(mt, make_csv(legacy_rows("MT-1"), LEGACY))
    profile = profiles.profile_save(actor=mt, session=session, name="Medusa export")
    as_user(client, org.outsider)

    assert "Medusa export" not in client.get(reverse("imports:profile_list")).content.decode()
    assert client.get(reverse("imports:profile_detail", args=[profile.pk])).status_code == 404
    assert client.get(reverse("imports:profile_export", args=[profile.pk])).status_code == 404
    for name in ("session_values", "session_save_profile", "session_map"):
        response = client.post(reverse(f"imports:{name}", args=[session.pk]), {"name": "x"})
        assert response.status_code == 404
    assert ImportProfile.objects.count() == 1


# Command line ------------------------------------------------------------------------------------


def run(path: Path, user: Any, *args: str) -> tuple[int, str, str]:
    return run_command(path, user, "--no-progress", *args)


def test_the_command_line_uses_a_profile_by_name_or_from_a_file(tmp_path: Path, mt: Any) -> None:
    session = confirmed(mt, make_csv(legacy_rows("MT-1"), LEGACY))
    profile = profiles.profile_save(actor=mt, session=session, name="Medusa export")
    (tmp_path / "a.csv").write_bytes(make_csv(legacy_rows("MT-2"), LEGACY))
    (tmp_path / "b.csv").write_bytes(make_csv(legacy_rows("MT-3"), LEGACY))
    (tmp_path / "medusa.json").write_bytes(profiles.profile_export(profile))

    by_name = run(tmp_path / "a.csv", mt, "--profile", "Medusa export", "--lang", "en")
    by_file = run(tmp_path / "b.csv", mt, "--map", str(tmp_path / "medusa.json"), "--lang", "en")
    unknown = run(tmp_path / "b.csv", mt, "--profile", "Nope", "--lang", "en")

    assert by_name[0] == 0, by_name
    assert "Imported: 1 created" in by_name[1]
    assert by_file[0] == 0, by_file
    assert Device.objects.get(inventory_number="MT-3").status == DeviceStatus.IN_REPAIR
    assert unknown[0] == 2 and "No profile “Nope” for devices." in unknown[2]
    assert ImportProfile.objects.count() == 1  # --map stores nothing


def test_the_command_line_leaves_columns_out_and_speaks_swedish(tmp_path: Path, mt: Any) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(make_csv([[*device_row("MT-1").values(), "x"]], [*HEADER, "Anteckning"]))

    refused = run(path, mt)
    ignored = run(path, mt, "--ignore", "Anteckning", "--dry-run")

    assert refused[0] == 2
    assert "Okänd kolumn ”Anteckning”" in refused[2]
    assert "Ingenting importerades" in refused[2]
    assert ignored[0] == 0, ignored
    assert "1 giltiga rader, 0 med fel" in ignored[1]


def test_the_command_line_reports_errors_grouped(tmp_path: Path, mt: Any) -> None:
    path = tmp_path / "d.csv"
    rows = [device_row(f"MT-{i}", unit="Akuten") for i in range(30)] + [device_row("MT-99")]
    path.write_bytes(make_csv(rows))

    status, out, err = run(path, mt, "--dry-run", "--lang", "en")

    assert status == 1
    assert err.splitlines()[0] == (
        "30 rows [unit]: No unit named “…” where you may register devices: map the name to a "
        "unit. (rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 …)"
    )
    assert "1 valid rows, 30 with errors" in out
