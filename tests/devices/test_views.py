"""Device register pages: list (with filters and export), detail, register, edit and status, and
the device model catalogue, for every persona."""

import csv
import io

import openpyxl
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from medtek.core import audit
from medtek.core.models import AuditEvent
from medtek.devices import services
from medtek.devices.models import Device, DeviceModel, DeviceStatus, DeviceStatusChange
from medtek.devices.selectors import EXPORT_HEADER
from medtek.organisation.roles import Role
from tests import factories
from tests.devices.conftest import (
    ACCEPTED,
    DEVICE_UNITS,
    PERSONAS,
    PUMP_GTIN,
    VISIBLE,
    shown_export_header,
)

LIST = reverse("devices:device_list")
CREATE = reverse("devices:device_create")
MODELS = reverse("devices:device_model_list")


def _detail(device):
    return reverse("devices:device_detail", args=[device.pk])


def _edit(device):
    return reverse("devices:device_edit", args=[device.pk])


def _status(device):
    return reverse("devices:device_status", args=[device.pk])


def _plan(device):
    return reverse("devices:plan_create", args=[device.pk])


def _login(client, user):
    client.force_login(user)
    return client


def _inventory(keys):
    return {f"{k.upper()}-1" for k in keys}


def _listed(response):
    assert response.status_code == 200
    return {d.inventory_number for d in response.context["page"]}


def _csv(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff"), "Swedish Excel needs the byte-order mark"
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def _xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _state():
    return (
        list(Device.objects.order_by("pk").values()),
        DeviceStatusChange.objects.count(),
        AuditEvent.objects.count(),
    )


def _form(device=None, **changes):
    """What the register form posts."""
    data = {
        "inventory_number": "",
        "model": "",
        "unit": "",
        "status": DeviceStatus.IN_USE,
        "acceptance_checked_on": ACCEPTED.isoformat(),
    }
    if device is not None:
        data = {
            "inventory_number": device.inventory_number,
            "model": device.model_id,
            "unit": device.unit_id,
            "serial_number": device.serial_number,
            "location": device.location,
            "acceptance_checked_on": device.acceptance_checked_on or "",
        }
    data.update(changes)
    return data


# Anonymous -------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["list", "export", "detail", "edit", "status", "create", "due"])
def test_it_sends_anonymous_visitors_to_the_login_page(client, devices, page):
    device = devices["unit_a"]
    url = {
        "list": LIST,
        "export": LIST + "?export=csv",
        "detail": _detail(device),
        "edit": _edit(device),
        "status": _status(device),
        "create": CREATE,
        "due": reverse("devices:due_overview"),
    }[page]
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


# List, detail and export -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lists_only_the_devices_the_persona_may_see(client, org, devices, persona):
    response = _login(client, getattr(org, persona)).get(LIST)
    assert _listed(response) == _inventory(VISIBLE[persona])
    html = response.content.decode()
    for key in set(DEVICE_UNITS) - VISIBLE[persona]:
        assert _detail(devices[key]) not in html
        assert devices[key].inventory_number not in html


def test_it_lists_every_device_for_an_mt_engineer_of_the_administration(client, mt, devices):
    assert _listed(_login(client, mt).get(LIST)) == _inventory(DEVICE_UNITS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_shows_a_device_only_to_those_who_may_see_it(client, org, devices, persona):
    _login(client, getattr(org, persona))
    for key, device in devices.items():
        response = client.get(_detail(device))
        assert response.status_code == (200 if key in VISIBLE[persona] else 404), key


def test_it_shows_the_devices_register_data(client, org, mt, devices, make_plan):
    device = devices["unit_a"]
    make_plan(device, next_due=ACCEPTED)
    html = _login(client, org.colleague).get(_detail(device)).content.decode()
    assert "UNIT_A-1" in html
    assert "Acme Medical Infusionspump P1" in html
    assert ACCEPTED.isoformat() in html
    assert 'data-testid="plan-row"' in html


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_exports_only_visible_devices_as_csv(client, org, devices, persona):
    response = _login(client, getattr(org, persona)).get(LIST, {"export": "csv", "codes": "1"})
    header, *body = _csv(response)
    assert header == EXPORT_HEADER
    assert {row[0] for row in body} == _inventory(VISIBLE[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_exports_only_visible_devices_as_xlsx(client, org, devices, persona):
    header, *body = _xlsx(_login(client, getattr(org, persona)).get(LIST, {"export": "xlsx"}))
    assert header == shown_export_header()
    assert {row[0] for row in body} == _inventory(VISIBLE[persona])


def test_it_exports_the_columns_a_reader_needs(client, org, mt, make_device):
    make_device(org.unit_a, "EXP-1", serial_number="=cmd", location="Sal 3", supplier="Mediq")
    [header, row] = _csv(_login(client, mt).get(LIST, {"export": "csv", "q": "EXP-1"}))
    assert header == shown_export_header()
    values = dict(zip(header, row, strict=True))
    assert values["Inventarienummer"] == "EXP-1"
    assert (values["Tillverkare"], values["Handelsnamn"]) == ("Acme Medical", "Infusionspump")
    assert (values["Ägande enhet"], values["Placering"], values["Leverantör"]) == (
        "Unit A",
        "Sal 3",
        "Mediq",
    )
    assert values["Leveranskontroll"] == ACCEPTED.isoformat()
    assert values["Status"] == "I bruk"
    assert values["Nästa kontroll"] == ""
    assert values["Serienummer"] == "'=cmd", "a formula must not run in Excel"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_exports_the_filtered_list(client, org, devices, fmt):
    response = _login(client, org.auditor).get(LIST, {"export": fmt, "within": org.unit_a.pk})
    _header, *body = _csv(response) if fmt == "csv" else _xlsx(response)
    assert {row[0] for row in body} == _inventory(["unit_a", "unit_a_child"])


# Filters and search ----------------------------------------------------------------------------


@pytest.fixture
def assorted(org, mt, devices, make_device, implant):
    """Beside ``devices``: an in-house model, a class III implantable, one device out of use."""
    in_house = services.device_model_create(
        actor=mt,
        manufacturer="Region Test MT",
        trade_name="Testbox",
        risk_class="I",
        conformity=DeviceModel.Conformity.IN_HOUSE,
    )
    made = {
        "in_house": make_device(org.unit_b, "EGEN-7", model=in_house, location="Verkstad"),
        "implant": make_device(
            org.unit_a,
            "IMP-1",
            model=implant,
            udi_carrier="+A123BJC5D6E71G/$$3S9",
            udi_serial="S9",
            serial_number="PM-555",
        ),
    }
    services.device_change_status(
        actor=mt, device=devices["unit_b"], status=DeviceStatus.IN_REPAIR, reason="Service"
    )
    return made


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "egen"}, {"EGEN-7"}),  # inventory number prefix, any case
        ({"q": "PM-5"}, {"IMP-1"}),  # serial number prefix
        ({"q": "pacem"}, {"IMP-1"}),  # trade name
        ({"q": "cardio"}, {"IMP-1"}),  # manufacturer
        ({"q": "verkstad"}, {"EGEN-7"}),  # location
        ({"q": "-1"}, set()),  # inventory numbers match from the start only
        ({"status": "in_repair"}, {"UNIT_B-1"}),
        ({"risk_class": "III"}, {"IMP-1"}),
        ({"manufacturer": "cardio ab"}, {"IMP-1"}),
        ({"in_house": "true"}, {"EGEN-7"}),
        (
            {"in_house": "false"},
            {"IMP-1", "UNIT_A-1", "UNIT_A_CHILD-1", "UNIT_B-1", "PRIVATE_PCC-1"},
        ),
        ({"status": "in_use", "risk_class": "IIb", "q": "unit_a"}, {"UNIT_A-1", "UNIT_A_CHILD-1"}),
    ],
)
def test_it_filters_and_searches_the_list(client, mt, assorted, params, expected):
    assert _listed(_login(client, mt).get(LIST, params)) == expected


def test_it_filters_by_device_model(client, mt, assorted, implant):
    assert _listed(_login(client, mt).get(LIST, {"model": implant.pk})) == {"IMP-1"}


def test_it_filters_by_subtree(client, org, mt, assorted):
    response = _login(client, mt).get(LIST, {"within": org.unit_a.pk})
    assert _listed(response) == {"UNIT_A-1", "UNIT_A_CHILD-1", "IMP-1"}


def test_it_does_not_filter_into_units_the_persona_cannot_see(client, org, devices):
    response = _login(client, org.outsider).get(LIST, {"within": org.unit_a.pk})
    assert _listed(response) == set()
    assert "within" in response.context["filter"].errors


def test_it_does_not_search_outside_the_personas_units(client, org, devices):
    assert _listed(_login(client, org.outsider).get(LIST, {"q": "unit_a"})) == set()


@pytest.mark.parametrize("sort", ["inventory_number", "-inventory_number"])
def test_it_sorts_the_list(client, org, mt, devices, sort):
    response = _login(client, mt).get(LIST, {"sort": sort})
    numbers = [d.inventory_number for d in response.context["page"]]
    assert numbers == sorted(numbers, reverse=sort.startswith("-"))
    # The order is announced on the column header (WCAG 4.1.2: a link may not carry aria-sort).
    state, reverse = (
        ("descending", "inventory_number") if sort[0] == "-" else ("ascending", "-inventory_number")
    )
    html = response.content.decode()
    assert f'<th scope="col" aria-sort="{state}"><a href="?sort={reverse}">' in html
    assert html.count("aria-sort") == 1


# Query count -----------------------------------------------------------------------------------


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


def test_it_lists_fifty_devices_in_as_few_queries_as_five(client, org, mt, make_device, make_plan):
    for n in range(5):
        make_plan(make_device(org.unit_a, f"Q-{n:03}"), next_due=ACCEPTED)
    _login(client, mt)
    response, few = _queries(client, LIST)
    assert len(response.context["page"]) == 5
    for n in range(5, 60):
        make_plan(make_device(org.unit_a_child, f"Q-{n:03}"), next_due=ACCEPTED)
    response, many = _queries(client, LIST)
    assert len(response.context["page"]) == 50
    assert many <= few, f"{many} queries for 50 rows, {few} for 5"
    _response, filtered = _queries(client, LIST, {"within": org.unit_a.pk, "due": "overdue"})
    assert filtered <= few + 1  # the subtree filter reads its unit


# Register, edit, status ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["owner", "colleague", "outsider", "auditor", "private_staff"])
def test_it_lets_only_register_keepers_open_the_register_form(client, org, pump, persona):
    state = _state()
    _login(client, getattr(org, persona))
    assert client.get(CREATE).status_code == 403
    response = client.post(CREATE, _form(inventory_number="X-1", model=pump.pk, unit=org.unit_a.pk))
    assert response.status_code == 403
    assert _state() == state


def test_it_registers_a_device_through_the_form(client, org, mt, pump):
    response = _login(client, mt).post(
        CREATE,
        _form(
            inventory_number="MT-2001",
            model=pump.pk,
            unit=org.unit_a_child.pk,
            serial_number="SN-9",
            purchased_on="2024-01-02",
            delivered_on="2024-01-05",
        ),
    )
    device = Device.objects.get(inventory_number="MT-2001")
    assert response.status_code == 302
    assert response.url == _detail(device)
    assert (device.unit, device.model, device.status) == (org.unit_a_child, pump, "in_use")
    [event] = audit.history_for(device)
    assert (event.action, event.actor, event.source) == ("device.register", mt, "web")
    assert device.status_changes.get().to_status == "in_use"


def test_it_offers_only_the_units_the_engineer_keeps(client, org, pump):
    mt_b = factories.person("mt_b", role=Role.MT_ENGINEER, unit=org.unit_b)
    _login(client, mt_b)
    form = client.get(CREATE).context["form"]
    assert set(form.fields["unit"].queryset) == {org.unit_b}
    state = _state()
    response = client.post(CREATE, _form(inventory_number="X-1", model=pump.pk, unit=org.unit_a.pk))
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert _state() == state


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"inventory_number": ""}, "inventory_number"),
        ({"model": ""}, "model"),
        ({"purchased_on": "31/12/2024"}, "purchased_on"),
        ({"acceptance_checked_on": ""}, "acceptance_checked_on"),  # from the service
        ({"purchased_on": "2024-03-01", "delivered_on": "2024-02-01"}, "delivered_on"),
        ({"status": "scrapped"}, "status"),
    ],
)
def test_it_shows_bad_input_on_its_field_and_registers_nothing(
    client, org, mt, pump, changes, field
):
    state = _state()
    data = _form(inventory_number="X-1", model=pump.pk, unit=org.unit_a.pk)
    data.update(changes)
    response = _login(client, mt).post(CREATE, data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert _state() == state


def test_it_shows_a_duplicate_inventory_number_and_registers_nothing(client, org, mt, devices):
    state = _state()
    data = _form(inventory_number="unit_a-1", model=devices["unit_a"].model_id, unit=org.unit_b.pk)
    _login(client, mt).cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(CREATE, data)
    assert response.status_code == 200
    assert "Another device already has this inventory number." in response.content.decode()
    assert _state() == state


def test_it_requires_the_full_udi_of_an_implant_in_the_form(client, org, mt, implant):
    data = _form(inventory_number="IMP-1", model=implant.pk, unit=org.unit_a.pk)
    response = _login(client, mt).post(CREATE, data)
    assert {"udi_carrier", "udi_serial"} <= set(response.context["form"].errors)
    assert not Device.objects.exists()


@pytest.mark.parametrize("persona", ["owner", "colleague", "auditor"])
@pytest.mark.parametrize("page", ["edit", "status", "plan"])
def test_it_forbids_readers_to_change_a_device(client, org, devices, persona, page):
    device = devices["unit_a"]
    url = {"edit": _edit, "status": _status, "plan": _plan}[page](device)
    state = _state()
    _login(client, getattr(org, persona))
    assert client.get(url).status_code == 403
    data = {
        "edit": _form(device, location="Förråd"),
        "status": {"status": "scrapped", "effective_on": "2024-02-01", "reason": "Gammal"},
        "plan": {"kind": "calibration", "interval_months": "12"},
    }[page]
    assert client.post(url, data).status_code == 403
    assert _state() == state
    assert not device.plans.exists()


@pytest.mark.parametrize("persona", ["outsider", "private_staff"])
@pytest.mark.parametrize("page", ["edit", "status", "plan"])
def test_it_hides_other_units_devices_from_the_change_pages(client, org, devices, persona, page):
    url = {"edit": _edit, "status": _status, "plan": _plan}[page](devices["unit_a"])
    _login(client, getattr(org, persona))
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x"}).status_code == 404


def test_it_hides_the_change_buttons_from_readers(client, org, mt, devices):
    device = devices["unit_a"]
    assert _edit(device) not in _login(client, org.auditor).get(_detail(device)).content.decode()
    assert _edit(device) in _login(client, mt).get(_detail(device)).content.decode()


def test_it_edits_a_device_through_the_form(client, mt, devices):
    device = devices["unit_a"]
    response = _login(client, mt).post(_edit(device), _form(device, location="Sal 4"))
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.location == "Sal 4"
    [event] = audit.history_for(device).filter(action="device.update")
    assert (event.before["location"], event.after["location"]) == ("", "Sal 4")


def test_it_changes_status_through_the_form(client, mt, devices):
    device = devices["unit_a"]
    response = _login(client, mt).post(
        _status(device),
        {"status": "out_of_service", "effective_on": "2024-02-01", "reason": "Trasig skärm"},
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert (device.status, device.status_since.isoformat()) == ("out_of_service", "2024-02-01")
    assert device.status_changes.latest("id").reason == "Trasig skärm"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status": "out_of_service", "effective_on": "2024-01-01", "reason": "x"}, "effective_on"),
        ({"status": "out_of_service", "effective_on": "2099-01-01", "reason": "x"}, "effective_on"),
        ({"status": "in_use", "effective_on": "2024-02-01", "reason": "x"}, "status"),
        ({"status": "out_of_service", "effective_on": "2024-02-01", "reason": ""}, "reason"),
    ],
)
def test_it_shows_a_bad_status_change_on_its_field(client, mt, devices, data, field):
    device = devices["unit_a"]
    state = _state()
    response = _login(client, mt).post(_status(device), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert _state() == state


def test_it_plans_an_inspection_through_the_form(client, mt, devices):
    device = devices["unit_a"]
    response = _login(client, mt).post(
        _plan(device),
        {"kind": "electrical_safety", "interval_months": "24", "last_done": "2024-01-31"},
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.next_due.isoformat() == "2026-01-31"


# Device models ---------------------------------------------------------------------------------


def _model_names(response):
    assert response.status_code == 200
    return {m.trade_name for m in response.context["page"]}


def test_it_shows_the_whole_catalogue_to_those_who_keep_or_review_it(
    client, org, mt, pump, implant
):
    for user in (mt, org.admin, org.auditor):
        assert _model_names(_login(client, user).get(MODELS)) == {"Infusionspump", "Pacemaker"}


def test_it_shows_others_only_the_models_of_devices_they_see(
    client, org, make_device, pump, implant
):
    make_device(
        org.unit_b, "IMP-1", model=implant, udi_carrier="+A123BJC5D6E71G/$$3S9", udi_serial="S9"
    )
    make_device(org.unit_a, "P-1")
    assert _model_names(_login(client, org.outsider).get(MODELS)) == {"Pacemaker"}
    assert _model_names(_login(client, org.colleague).get(MODELS)) == {"Infusionspump"}
    assert _model_names(_login(client, org.private_staff).get(MODELS)) == set()
    detail = reverse("devices:device_model_detail", args=[pump.pk])
    assert _login(client, org.outsider).get(detail).status_code == 404
    assert _login(client, org.colleague).get(detail).status_code == 200


def test_it_adds_a_device_model_through_the_form(client, mt):
    response = _login(client, mt).post(
        reverse("devices:device_model_create"),
        {
            "manufacturer": "Acme Medical",
            "trade_name": "Monitor",
            "udi_issuer": "gs1",
            "udi_di": "96385074",
            "risk_class": "IIa",
            "conformity": "ce",
            "safety_class": "I",
            "applied_part": "BF",
            "inspection_interval_months": "24",
        },
    )
    model = DeviceModel.objects.get(trade_name="Monitor")
    assert response.status_code == 302
    assert audit.history_for(model).get().action == "device_model.create"


def test_it_shows_a_wrong_gtin_on_its_field(client, mt):
    response = _login(client, mt).post(
        reverse("devices:device_model_create"),
        {
            "manufacturer": "Acme Medical",
            "trade_name": "Monitor",
            "udi_issuer": "gs1",
            "udi_di": PUMP_GTIN[:-1] + "0",
            "risk_class": "IIa",
            "conformity": "ce",
            "safety_class": "I",
            "applied_part": "BF",
        },
    )
    assert response.status_code == 200
    assert "udi_di" in response.context["form"].errors
    assert not DeviceModel.objects.exists()


@pytest.mark.parametrize("persona", ["owner", "colleague", "outsider", "auditor"])
def test_it_lets_only_register_keepers_change_the_catalogue(client, org, pump, persona):
    _login(client, getattr(org, persona))
    assert client.get(reverse("devices:device_model_create")).status_code == 403
    edit = reverse("devices:device_model_edit", args=[pump.pk])
    # The catalogue reader gets "forbidden"; the others do not see a model none of their
    # devices use.
    expected = 403 if persona == "auditor" else 404
    assert client.post(edit, {"trade_name": "Hacked"}).status_code == expected
    pump.refresh_from_db()
    assert pump.trade_name == "Infusionspump"
