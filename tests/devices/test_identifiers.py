"""UDI-DI and EMDN checks (docs/domain/devices.md#check-digits, #emdn), and the rules a device model
keeps on its own row."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from medtek.devices import services
from medtek.devices.identifiers import (
    hibc_check_character,
    validate_emdn,
    validate_gtin,
    validate_hibc,
    validate_udi_di,
)
from medtek.devices.models import DeviceModel
from tests.devices.conftest import IMPLANT_HIBC, PUMP_GTIN

# Check digits from GS1's and the standards' own examples, not from the code under test.
VALID_GTINS = ["96385074", "036000291452", "4006381333931", "10614141000415"]


def _codes(exc_info):
    return [e.code for e in exc_info.value.error_list]


# GTIN ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gtin", VALID_GTINS)
def test_it_accepts_valid_gtins(gtin):
    validate_gtin(gtin)
    validate_udi_di(gtin, "gs1")


@pytest.mark.parametrize("gtin", VALID_GTINS)
def test_it_rejects_a_wrong_gtin_check_digit(gtin):
    wrong = gtin[:-1] + str((int(gtin[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as exc_info:
        validate_gtin(wrong)
    assert _codes(exc_info) == ["invalid_gtin_check"]
    assert exc_info.value.error_list[0].params["expected"] == gtin[-1]


@pytest.mark.parametrize(
    "value",
    [
        "1234567",
        "12345678901",
        "123456789012345",
        "4006381333931 1",
        "",
        "40063813339A1",
        "ABCDEFGH",
    ],
)
def test_it_rejects_gtins_of_the_wrong_length_or_with_letters(value):
    with pytest.raises(ValidationError) as exc_info:
        validate_gtin(value)
    assert _codes(exc_info) == ["invalid_gtin"]


# HIBC ------------------------------------------------------------------------------------------


def test_it_computes_the_hibc_standards_example_check_character():
    assert hibc_check_character("+A123BJC5D6E71") == "G"


@pytest.mark.parametrize(
    "body", ["+A123BJC5D6E71", "+H123ABC01230", "+Z99910", "+E4561234567890ABCDEFGH1"]
)
def test_it_accepts_hibc_with_its_check_character(body):
    code = body + hibc_check_character(body)
    validate_hibc(code)
    validate_udi_di(code, "hibcc")


def test_it_accepts_hibc_in_lower_case_and_with_barcode_asterisks():
    validate_hibc("*" + IMPLANT_HIBC.lower() + "*")


def test_it_rejects_a_wrong_hibc_check_character():
    with pytest.raises(ValidationError) as exc_info:
        validate_hibc("+A123BJC5D6E71H")
    assert _codes(exc_info) == ["invalid_hibc_check"]
    assert exc_info.value.error_list[0].params["expected"] == "G"


@pytest.mark.parametrize(
    "value",
    [
        "A123BJC5D6E71G",  # no leading +
        "+1123BJC5D6E71G",  # labeler code must start with a letter
        "+A123G",  # no product code
        "+A123BJC5D6E7XG",  # unit of measure is a digit
        "+A123" + "X" * 19 + "0G",  # product code longer than 18
        "",
    ],
)
def test_it_rejects_malformed_hibc(value):
    with pytest.raises(ValidationError) as exc_info:
        validate_hibc(value)
    assert _codes(exc_info) == ["invalid_hibc"]


def test_it_checks_only_the_form_of_other_issuers_udi_di():
    validate_udi_di("A9999XYZ", "iccbba")
    with pytest.raises(ValidationError):
        validate_udi_di("X" * 61, "ifa")


# EMDN ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["C0101", "Z12010101", "Z120101010101"])
def test_it_accepts_emdn_codes_of_one_to_five_levels(code):
    validate_emdn(code)


@pytest.mark.parametrize(
    "code",
    [
        "Z12",  # a group without a level
        "Z1201010",  # a half level
        "Z12010101010101",  # six levels, 15 characters
        "z1201",  # category in lower case
        "ZZ1201",  # two letters
        "12010101",  # no category
        "Z12 0101",
    ],
)
def test_it_rejects_malformed_emdn_codes(code):
    with pytest.raises(ValidationError) as exc_info:
        validate_emdn(code)
    assert _codes(exc_info) == ["invalid_emdn"]


# DeviceModel.clean -------------------------------------------------------------------------------


def _model(**fields):
    fields.setdefault("manufacturer", "Acme")
    fields.setdefault("trade_name", "Monitor")
    fields.setdefault("risk_class", "IIa")
    return DeviceModel(**fields)


def _errors(model):
    with pytest.raises(ValidationError) as exc_info:
        model.full_clean()
    return exc_info.value.message_dict


@pytest.mark.django_db
def test_it_accepts_a_model_with_a_valid_udi_di():
    _model(udi_di=PUMP_GTIN, udi_issuer="gs1", emdn_code="Z12030101").full_clean()
    _model(udi_di=IMPLANT_HIBC.lower(), udi_issuer="hibcc", trade_name="Other").full_clean()


@pytest.mark.django_db
def test_it_requires_the_issuer_of_a_udi_di():
    errors = _errors(_model(udi_di=PUMP_GTIN))
    assert "udi_issuer" in errors


@pytest.mark.django_db
def test_it_checks_the_udi_di_by_its_issuer():
    assert "udi_di" in _errors(_model(udi_di="4006381333932", udi_issuer="gs1"))
    assert "udi_di" in _errors(_model(udi_di="+A123BJC5D6E71H", udi_issuer="hibcc"))
    # A valid GTIN is not a valid HIBC code.
    assert "udi_di" in _errors(_model(udi_di=PUMP_GTIN, udi_issuer="hibcc"))


@pytest.mark.django_db
def test_it_requires_a_udi_di_of_class_iii_implantables():
    with translation.override("en"):
        errors = _errors(_model(risk_class="III", implantable=True))
    assert "udi_di" in errors
    assert any("27(9)" in m for m in errors["udi_di"])


@pytest.mark.django_db
def test_it_does_not_require_a_udi_di_of_other_classes():
    _model(risk_class="III", implantable=False).full_clean()
    _model(risk_class="IIb", implantable=True).full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize("risk_class", ["A", "B", "C", "D"])
def test_it_rejects_an_implantable_ivdr_device(risk_class):
    assert "implantable" in _errors(_model(risk_class=risk_class, implantable=True))


@pytest.mark.django_db
def test_it_rejects_a_bad_emdn_code_on_the_model():
    assert "emdn_code" in _errors(_model(emdn_code="Z12"))


def test_it_knows_which_models_need_their_udi_stored():
    assert _model(risk_class="III", implantable=True).needs_udi_storage
    assert not _model(risk_class="III", implantable=False).needs_udi_storage
    assert not _model(risk_class="IIb", implantable=True).needs_udi_storage


def test_it_names_a_model_by_manufacturer_trade_name_and_version():
    assert str(_model(model_version="X2")) == "Acme Monitor X2"
    assert str(_model()) == "Acme Monitor"


# Through the service ------------------------------------------------------------------------------


def test_it_stores_the_udi_di_in_upper_case(mt):
    model = services.device_model_create(
        actor=mt,
        manufacturer="Cardio AB",
        trade_name="Lead",
        udi_issuer="hibcc",
        udi_di=" " + IMPLANT_HIBC.lower() + " ",
        risk_class="III",
        implantable=True,
    )
    model.refresh_from_db()
    assert model.udi_di == IMPLANT_HIBC


def test_it_rejects_a_second_model_with_the_same_udi_di(mt, pump):
    with pytest.raises(ValidationError):
        services.device_model_create(
            actor=mt,
            manufacturer="Other AB",
            trade_name="Pump",
            udi_issuer="gs1",
            udi_di=PUMP_GTIN,
            risk_class="IIb",
        )
    assert DeviceModel.objects.count() == 1
