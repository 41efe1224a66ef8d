"""In-house file services (MDR art. 5(5)): numbering, the file's rules, rights and the audit
trail."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from medtek.core.actors import SYSTEM
from medtek.core.models import AuditEvent, NumberCounter
from medtek.inhouse import services
from medtek.inhouse.models import InhouseDevice
from medtek.organisation.roles import Role
from tests import factories
from tests.inhouse.conftest import complete_fields

YEAR = timezone.localdate().year


def test_it_numbers_files_in_order_from_the_inhouse_series(mt, adapter, make_file, make_model):
    first = make_file(adapter)
    second = make_file(make_model("Sugkoppling"))
    assert (first.file_number, second.file_number) == (f"EGT-{YEAR}-001", f"EGT-{YEAR}-002")


def test_it_records_who_opened_the_file_and_what_it_held(mt, adapter, make_file):
    file = make_file(adapter)
    event = AuditEvent.objects.get(action="inhouse_device.create")
    assert event.actor_id == mt.pk
    assert event.object_type == "inhouse.inhousedevice"
    assert event.object_id == str(file.pk)
    assert event.after["file_number"] == file.file_number
    assert event.after["justification"] == "Ingen CE-märkt adapter finns för kombinationen"


def test_it_refuses_a_file_for_a_ce_marked_model(mt, mft, pump):
    with pytest.raises(ValidationError) as exc:
        services.inhouse_device_create(actor=mt, device_model=pump, **complete_fields(mft))
    assert "CE-marked" in str(exc.value.message_dict["device_model"])
    assert not InhouseDevice.objects.exists()


def test_a_refused_file_takes_no_number(mt, mft, pump, adapter, make_file):
    with pytest.raises(ValidationError):
        services.inhouse_device_create(actor=mt, device_model=pump, **complete_fields(mft))
    assert make_file(adapter).file_number == f"EGT-{YEAR}-001"
    assert NumberCounter.objects.get(series__key="inhouse", year=YEAR).last_value == 1


@pytest.mark.parametrize("kind", [InhouseDevice.Kind.MODIFIED, InhouseDevice.Kind.COMBINED])
def test_it_requires_what_a_modified_or_combined_device_starts_from(mt, mft, adapter, kind):
    with pytest.raises(ValidationError) as exc:
        services.inhouse_device_create(
            actor=mt, device_model=adapter, **complete_fields(mft, kind=kind, based_on="  ")
        )
    assert "based_on" in exc.value.message_dict


def test_a_device_made_from_scratch_needs_no_starting_devices(mt, mft, adapter):
    file = services.inhouse_device_create(
        actor=mt,
        device_model=adapter,
        **complete_fields(mft, kind=InhouseDevice.Kind.MANUFACTURED, based_on=""),
    )
    assert file.kind == InhouseDevice.Kind.MANUFACTURED


def test_it_keeps_one_file_per_model(mt, adapter, make_file):
    make_file(adapter)
    with pytest.raises(ValidationError) as exc:
        make_file(adapter)
    assert exc.value.message_dict["device_model"] == [
        "This device model already has an in-house file."
    ]
    assert InhouseDevice.objects.count() == 1


def test_the_next_market_check_comes_after_the_search(mt, mft, adapter):
    searched = datetime.date(2026, 3, 1)
    with pytest.raises(ValidationError) as exc:
        services.inhouse_device_create(
            actor=mt,
            device_model=adapter,
            **complete_fields(mft, market_searched_on=searched, justification_review_due=searched),
        )
    assert "2026-03-01" in exc.value.message_dict["justification_review_due"][0]


def test_it_requires_a_manufacturing_unit(mt, mft, adapter):
    with pytest.raises(ValidationError) as exc:
        services.inhouse_device_create(
            actor=mt, device_model=adapter, **complete_fields(mft, manufacturer_unit=None)
        )
    assert "manufacturer_unit" in exc.value.message_dict


@pytest.mark.parametrize("persona", ["owner", "colleague", "outsider", "auditor", "private_staff"])
def test_only_keepers_of_the_manufacturing_unit_open_a_file(org, mft, adapter, persona):
    with pytest.raises(PermissionDenied):
        services.inhouse_device_create(
            actor=org.personas()[persona], device_model=adapter, **complete_fields(mft)
        )
    assert not InhouseDevice.objects.exists()


def test_an_mt_engineer_of_another_unit_cannot_open_a_file_for_mft(org, mft, adapter):
    engineer_b = factories.person("mtb", role=Role.MT_ENGINEER, unit=org.unit_b)
    with pytest.raises(PermissionDenied):
        services.inhouse_device_create(
            actor=engineer_b, device_model=adapter, **complete_fields(mft)
        )


def test_a_quality_lead_of_mft_keeps_its_files(quality_lead, adapter, make_file):
    file = make_file(adapter, actor=quality_lead)
    services.inhouse_device_update(
        actor=quality_lead, inhouse_device=file, qms_reference="Rutin MFT-R-013"
    )
    file.refresh_from_db()
    assert file.qms_reference == "Rutin MFT-R-013"


def test_it_records_a_change_with_before_after_and_reason(mt, adapter, make_file):
    file = make_file(adapter)
    services.inhouse_device_update(
        actor=mt,
        inhouse_device=file,
        reason="Ny marknadsgenomgång",
        market_search="  Eudamed, fyra leverantörer  ",
    )
    file.refresh_from_db()
    assert file.market_search == "Eudamed, fyra leverantörer"
    event = AuditEvent.objects.get(action="inhouse_device.update")
    assert event.reason == "Ny marknadsgenomgång"
    assert event.before["market_search"] == "Eudamed och tre leverantörer"
    assert event.after["market_search"] == "Eudamed, fyra leverantörer"


@pytest.mark.parametrize("field", ["device_model", "file_number"])
def test_a_file_keeps_its_model_and_number(mt, adapter, make_file, field):
    file = make_file(adapter)
    with pytest.raises(ValidationError) as exc:
        services.inhouse_device_update(actor=mt, inhouse_device=file, **{field: None})
    assert field in exc.value.message_dict
    assert AuditEvent.objects.filter(action="inhouse_device.update").count() == 0


def test_a_bad_change_changes_nothing(mt, adapter, make_file):
    file = make_file(adapter)
    with pytest.raises(ValidationError):
        services.inhouse_device_update(
            actor=mt, inhouse_device=file, kind=InhouseDevice.Kind.MODIFIED, based_on=""
        )
    file.refresh_from_db()
    assert file.kind == InhouseDevice.Kind.COMBINED
    assert file.based_on == "CE-märkt trycksensor och monitorkabel"
    assert not AuditEvent.objects.filter(action="inhouse_device.update").exists()


def test_moving_a_file_needs_the_right_to_keep_files_at_the_new_unit(org, mft, adapter, make_file):
    ql = factories.person("ql", role=Role.QUALITY_LEAD, unit=mft)
    file = make_file(adapter)
    with pytest.raises(PermissionDenied):
        services.inhouse_device_update(actor=ql, inhouse_device=file, manufacturer_unit=org.unit_b)
    file.refresh_from_db()
    assert file.manufacturer_unit == mft


def test_readers_cannot_change_a_file(org, adapter, make_file):
    file = make_file(adapter)
    for persona in ("owner", "auditor"):
        with pytest.raises(PermissionDenied):
            services.inhouse_device_update(
                actor=org.personas()[persona], inhouse_device=file, qms_reference="x"
            )


def test_the_first_file_creates_its_number_series_with_an_audit_event(mt, adapter, make_file):
    make_file(adapter)
    event = AuditEvent.objects.get(action="number_series.create")
    assert event.actor_id == mt.pk
    assert event.after["key"] == "inhouse"


def test_it_numbers_files_in_a_series_the_region_has_set_up(mt, adapter, make_file):
    from medtek.core.numbering import number_series_create

    number_series_create(
        actor=SYSTEM, key="inhouse", name="Egentillverkning", format="ET {yy}/{seq}"
    )
    assert make_file(adapter).file_number == f"ET {YEAR % 100:02d}/1"


def test_two_files_opened_at_once_for_one_model_leave_one(mt, adapter, make_file, monkeypatch):
    """The check before saving cannot see a file opened by a concurrent request; the database's
    unique constraint then decides, with the same message and no number used up."""
    make_file(adapter)
    monkeypatch.setattr(InhouseDevice, "validate_unique", lambda self, exclude=None: None)
    with pytest.raises(ValidationError) as exc:
        make_file(adapter)
    assert exc.value.message_dict["device_model"] == [
        "This device model already has an in-house file."
    ]
    assert NumberCounter.objects.get(series__key="inhouse", year=YEAR).last_value == 1
