"""The catalogue from an import file: rows matched to models by UDI-DI or by name, the models the
file names that the catalogue lacks proposed with their validation, and accepted as a group."""

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from medtek.core.actors import SYSTEM
from medtek.core.models import AuditEvent
from medtek.devices import import_catalogue
from medtek.devices import services as device_services
from medtek.devices.models import Device, DeviceModel
from medtek.imports import services
from medtek.imports.models import ImportSession
from medtek.organisation import services as org_services
from tests.imports.conftest import Catalogue, errors_by_row, make_csv, upload, validated

pytestmark = pytest.mark.usefixtures("english")

#: A device file as an old register writes it: Swedish headers, a column per model attribute.
HEADER = [
    "Inventarienummer",
    "Tillverkare",
    "Benämning",
    "Modell",
    "Enhet",
    "Leveranskontroll",
    "GTIN",
    "Riskklass",
    "EMDN",
]
GOOD_GTIN = "4006381333931"
BAD_GTIN = "4006381333932"  # its check digit is 1
OTHER_GTIN = "5012345678900"
THIRD_GTIN = "0012345678905"


def row(inv: str, manufacturer: str, trade_name: str, version: str = "", **cells: str) -> dict:
    values = {
        "Inventarienummer": inv,
        "Tillverkare": manufacturer,
        "Benämning": trade_name,
        "Modell": version,
        "Enhet": "Unit A",
        "Leveranskontroll": "2024-03-01",
    }
    values.update(cells)
    return values


def file(*rows: dict) -> bytes:
    return make_csv(list(rows), HEADER)


def model_with_gtin(gtin: str = GOOD_GTIN, **fields: Any) -> DeviceModel:
    values: dict[str, Any] = {
        "manufacturer": "Acme Medical",
        "trade_name": "Infusionspump",
        "model_version": "P1",
        "udi_issuer": "gs1",
        "udi_di": gtin,
        "emdn_code": "Z12030101",
        "risk_class": "IIb",
    }
    values.update(fields)
    return device_services.device_model_create(actor=SYSTEM, **values)


def messages_of(session: ImportSession) -> dict[int, list[tuple[str, str]]]:
    found = errors_by_row(session)
    return {n: [(e["column"], e["message"]) for e in errors] for n, errors in found.items()}


# Matching ------------------------------------------------------------------------------------


def test_a_row_with_a_udi_di_matches_that_model_whatever_its_version_cell_says(
    mt: Any, catalogue: Catalogue
) -> None:
    pump = model_with_gtin()
    session = validated(
        mt, file(row("MT-1", "ACME medical", "infusionspump", "", GTIN=GOOD_GTIN, Riskklass="iib"))
    )

    assert session.error_rows == 0, messages_of(session)
    services.session_commit(actor=mt, session=session, mode="all_or_nothing")
    assert Device.objects.get(inventory_number="MT-1").model == pump


def test_a_row_contradicting_the_model_its_udi_di_names_is_refused_at_that_column(
    mt: Any, catalogue: Catalogue
) -> None:
    model_with_gtin()
    session = validated(
        mt,
        file(
            row("MT-1", "Acme Medical", "Infusionspump", "P1", GTIN=GOOD_GTIN, Riskklass="III"),
            row("MT-2", "Other AB", "Infusionspump", "P1", GTIN=GOOD_GTIN),
        ),
    )

    errors = messages_of(session)
    assert [c for c, _m in errors[2]] == ["Riskklass"]
    assert "has IIb here, the file III" in errors[2][0][1]
    assert [c for c, _m in errors[3]] == ["Tillverkare"]


def test_without_a_udi_di_a_row_matches_by_name_and_its_gtin_must_agree_with_the_model(
    mt: Any, catalogue: Catalogue
) -> None:
    model_with_gtin()
    session = validated(
        mt,
        file(
            row("MT-1", "philips", "intellivue", "mx450", Riskklass="IIb"),
            row("MT-2", "Acme Medical", "Infusionspump", "P1", GTIN=OTHER_GTIN),
            row("MT-3", "Philips", "IntelliVue", "MX450", GTIN=THIRD_GTIN),
        ),
    )

    errors = messages_of(session)
    assert 2 not in errors
    assert errors[3][0][0] == "GTIN"
    assert f"has {GOOD_GTIN} here, the file {OTHER_GTIN}" in errors[3][0][1]
    # The catalogue's monitor has no UDI-DI: the file's is not silently dropped.
    assert errors[4] == [
        (
            "GTIN",
            f"The catalogue's model Philips IntelliVue MX450 has no UDI-DI: add {THIRD_GTIN} to "
            "it under Device models, or leave the cell empty.",
        )
    ]


def test_the_rows_report_a_wrong_check_digit_an_unknown_risk_class_and_a_bad_emdn_code(
    mt: Any, catalogue: Catalogue
) -> None:
    session = validated(
        mt,
        file(
            row("MT-1", "Nova", "Scope", GTIN=BAD_GTIN, Riskklass="IIc", EMDN="Z12"),
            row("MT-2", "Nova", "Scope", GTIN="+A123BJC5D6E71X"),
        ),
    )

    errors = dict(messages_of(session))
    assert ("GTIN", f"{BAD_GTIN} has a wrong GTIN check digit (expected 1).") in errors[2]
    assert any(c == "Riskklass" and "Unknown risk class “IIc”" in m for c, m in errors[2])
    assert any(c == "EMDN" and "not an EMDN code" in m for c, m in errors[2])
    assert any(c == "GTIN" and "wrong HIBC check character" in m for c, m in errors[3])


# Proposals -----------------------------------------------------------------------------------


def test_the_models_the_catalogue_lacks_are_proposed_once_each_with_their_rows_and_errors(
    mt: Any, catalogue: Catalogue
) -> None:
    session = upload(
        mt,
        file(
            row("MT-1", "Nova", "Scope", "2", GTIN=GOOD_GTIN, Riskklass="IIa", EMDN="z12030101"),
            row("MT-2", "Philips", "IntelliVue", "MX450"),
            row("MT-3", "nova", "SCOPE", "2", GTIN=GOOD_GTIN, Riskklass="IIa"),
            row("MT-4", "Lumo", "Lamp", GTIN=BAD_GTIN, Riskklass="IIc", EMDN="Z1"),
            row("MT-5", "Nova", "Scope", "2"),
            row("MT-6", "Lumo", "Lamp"),
        ),
    )

    found = import_catalogue.proposals(session, mt)

    scope, lamp = found
    assert (scope.rows, scope.first_rows, lamp.rows, lamp.first_rows) == (3, [2, 4, 6], 2, [5, 7])
    assert scope.initial["manufacturer"] == "Nova" and scope.initial["trade_name"] == "Scope"
    assert (scope.initial["udi_di"], scope.initial["udi_issuer"]) == (GOOD_GTIN, "gs1")
    assert (scope.initial["risk_class"], scope.initial["emdn_code"]) == ("IIa", "Z12030101")
    assert scope.errors == {}
    assert set(lamp.errors) == {"udi_di", "risk_class", "emdn_code"}
    assert "wrong GTIN check digit (expected 1)" in lamp.errors["udi_di"][0]
    assert "IIc is not one of the available choices" in lamp.errors["risk_class"][0]


def test_a_proposed_model_lists_its_first_rows_when_they_are_written_alike(
    mt: Any, catalogue: Catalogue
) -> None:
    rows = [row(f"MT-{i}", "Nova", "Scope", "2", GTIN=GOOD_GTIN) for i in range(8)]
    rows.insert(2, row("MT-X", "Lumo", "Lamp"))
    session = upload(mt, file(*rows))

    scope, lamp = import_catalogue.proposals(session, mt)

    assert (scope.rows, scope.first_rows) == (8, [2, 3, 5, 6, 7])
    assert (lamp.rows, lamp.first_rows) == (1, [4])


def test_rows_that_disagree_on_a_proposed_models_risk_class_are_shown_as_a_conflict(
    mt: Any, catalogue: Catalogue
) -> None:
    session = upload(
        mt,
        file(
            row("MT-1", "Nova", "Scope", Riskklass="IIa"),
            row("MT-2", "Nova", "Scope", Riskklass="IIb"),
            row("MT-3", "Nova", "Scope", Riskklass="IIb"),
        ),
    )

    (scope,) = import_catalogue.proposals(session, mt)

    assert scope.initial["risk_class"] == "IIa"  # as its first row has it
    assert scope.conflicts == {"risk_class": {"IIa": (1, 2), "IIb": (2, 3)}}


# The page ------------------------------------------------------------------------------------


def page(session: ImportSession) -> str:
    return reverse("devices:import_models", args=[session.pk])


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def post_data(client: Client, session: ImportSession, **changes: str) -> dict[str, Any]:
    """The page's form as the person sends it unchanged, with ``changes`` (e.g. model-1-…)."""
    response = client.get(page(session))
    formset = response.context["formset"]
    data: dict[str, Any] = {
        f"{formset.prefix}-TOTAL_FORMS": str(len(formset.forms)),
        f"{formset.prefix}-INITIAL_FORMS": str(len(formset.forms)),
    }
    for form in formset.forms:
        for name, bound in form.fields.items():
            value = form.initial.get(name, bound.initial)
            if value not in (None, False):
                data[form.add_prefix(name)] = value
    data.update(changes)
    return data


LEGACY = (
    row("MT-1", "Nova", "Scope", "2", GTIN=GOOD_GTIN, Riskklass="IIa"),
    row("MT-2", "Lumo", "Lamp", Riskklass="I"),
    row("MT-3", "Nova", "Scope", "2", GTIN=GOOD_GTIN),
    row("MT-4", "Philips", "IntelliVue", "MX450"),
)


def test_the_import_page_points_its_owner_to_the_models_to_create(
    mt: Any, catalogue: Catalogue
) -> None:
    session = validated(mt, file(*LEGACY))

    response = client_for(mt).get(reverse("imports:session_detail", args=[session.pk]))

    assert "The file names 2 device models that are not in the catalogue." in response.text
    assert page(session) in response.text


def test_accepting_the_group_creates_the_models_audited_with_the_import_and_the_rows_match(
    mt: Any, catalogue: Catalogue
) -> None:
    session = validated(mt, file(*LEGACY))
    assert session.error_rows == 3
    client = client_for(mt)
    response = client.get(page(session))
    assert response.text.count('data-testid="proposal"') == 2
    assert "Create these 2 models" in response.text

    response = client.post(page(session), post_data(client, session))

    assert response.status_code == 302
    scope = DeviceModel.objects.get(manufacturer="Nova", trade_name="Scope", model_version="2")
    assert (scope.udi_di, scope.udi_issuer, scope.risk_class) == (GOOD_GTIN, "gs1", "IIa")
    lamp = DeviceModel.objects.get(manufacturer="Lumo")
    events = AuditEvent.objects.filter(action="device_model.create", batch=str(session.batch))
    assert set(events.values_list("object_id", flat=True)) == {str(scope.pk), str(lamp.pk)}
    assert set(events.values_list("source", flat=True)) == {"import"}
    session.refresh_from_db()
    assert session.status == ImportSession.Status.UPLOADED
    session = services.session_validate(actor=mt, session=session)
    assert (session.valid_rows, session.error_rows) == (4, 0)
    detail = client.get(reverse("imports:session_detail", args=[session.pk]))
    assert 'data-testid="unknown-models"' not in detail.text


def test_one_invalid_model_creates_none_and_the_page_keeps_what_was_typed(
    mt: Any, catalogue: Catalogue
) -> None:
    session = validated(mt, file(*LEGACY))
    client = client_for(mt)
    before = DeviceModel.objects.count()

    response = client.post(
        page(session),
        post_data(client, session, **{"model-0-trade_name": "Scope X", "model-1-risk_class": "IV"}),
    )

    assert response.status_code == 200
    assert DeviceModel.objects.count() == before
    assert not AuditEvent.objects.filter(batch=str(session.batch), action="device_model.create")
    assert 'value="Scope X"' in response.text
    forms = response.context["formset"].forms
    assert "risk_class" in forms[1].errors and not forms[0].errors


def test_a_model_the_catalogue_refuses_at_creation_refuses_the_whole_group(
    mt: Any, catalogue: Catalogue
) -> None:
    """The form passes, the catalogue's service refuses (a class III implantable needs a UDI-DI,
    MDR art. 27(9)): nothing is created, and the refusal stands at its field."""
    session = validated(mt, file(*LEGACY))
    client = client_for(mt)
    before = DeviceModel.objects.count()

    response = client.post(
        page(session),
        post_data(client, session, **{"model-1-risk_class": "III", "model-1-implantable": "on"}),
    )

    assert response.status_code == 200
    assert DeviceModel.objects.count() == before
    assert "must have a UDI-DI" in response.text
    assert "udi_di" in response.context["formset"].forms[1].errors


def test_only_the_owner_with_catalogue_rights_may_open_the_page(
    mt: Any, other_mt: Any, catalogue: Catalogue, org: Any
) -> None:
    session = validated(mt, file(*LEGACY))

    assert client_for(other_mt).get(page(session)).status_code == 404
    assert client_for(other_mt).post(page(session), {}).status_code == 404
    assert Client().get(page(session)).status_code == 302  # to the login page
    grant = mt.grants.get()
    org_services.role_revoke(actor=SYSTEM, grant=grant, reason="Moved on")
    assert client_for(mt).get(page(session)).status_code == 403
    assert DeviceModel.objects.count() == 2
