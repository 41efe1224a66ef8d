"""No text with a control character gets in: not through the register's form, not through the
API (model and plain serializers), not in JSON at any depth; the message names the character and
nothing is saved."""

import datetime

import pytest
from django import forms
from django.urls import reverse
from rest_framework import serializers

from medtek.core.models import AuditEvent
from medtek.devices.models import Device, DeviceStatus, Inspection
from tests.devices.conftest import ACCEPTED

CREATE = reverse("devices:device_create")
INSPECTIONS = "/api/v1/inspections/"


def _form(**changes):
    data = {
        "inventory_number": "",
        "model": "",
        "unit": "",
        "status": DeviceStatus.IN_USE,
        "acceptance_checked_on": ACCEPTED.isoformat(),
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Sal 3\x1b[0m", "ESC, U+001B"),
        ("Sal\x0b3", "VT, U+000B"),
        ("Sal 3\x07", "BEL, U+0007"),
        ("Sal 3\x7f", "DEL, U+007F"),
    ],
)
def test_the_register_form_refuses_a_control_character_and_names_it(
    client, org, mt, pump, text, named
):
    client.force_login(mt)
    events = AuditEvent.objects.count()

    response = client.post(
        CREATE, _form(inventory_number="MT-1", model=pump.pk, unit=org.unit_a.pk, location=text)
    )

    assert response.status_code == 200
    [message] = response.context["form"].errors["location"]
    assert named in message
    assert not Device.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_register_form_keeps_tabs_and_line_breaks(client, org, mt, pump):
    client.force_login(mt)

    response = client.post(
        CREATE,
        _form(inventory_number="MT-1", model=pump.pk, unit=org.unit_a.pk, location="Sal 3\r\n\tB"),
    )

    assert response.status_code == 302
    assert Device.objects.get().location == "Sal 3\r\n\tB"


@pytest.fixture
def plan(org, make_device, make_plan):
    return make_plan(make_device(org.unit_a, "INV-C"))


def _inspection(plan, **fields):
    data = {"plan": plan.pk, "performed_on": datetime.date(2024, 3, 1).isoformat()}
    data.update(result="pass", **fields)
    return data


def test_the_api_refuses_a_control_character_in_a_model_field(api, mt, plan):
    response = api.as_(mt).post(INSPECTIONS, _inspection(plan, notes="Jord OK\x1b"), format="json")

    assert response.status_code == 400
    [message] = response.json()["errors"]["notes"]
    assert "ESC, U+001B" in message
    assert not Inspection.objects.exists()


def test_the_api_refuses_a_control_character_in_a_plain_serializer(api, mt, make_device, org):
    device = make_device(org.unit_a, "INV-S")

    response = api.as_(mt).post(
        f"/api/v1/devices/{device.pk}/status/",
        {"status": "in_repair", "reason": "Skärm\x08 trasig"},
        format="json",
    )

    assert response.status_code == 400
    [message] = response.json()["errors"]["reason"]
    assert "BS, U+0008" in message
    device.refresh_from_db()
    assert device.status == DeviceStatus.IN_USE
    assert not device.status_changes.exclude(to_status=DeviceStatus.IN_USE).exists()


@pytest.mark.parametrize(
    ("measurements", "where"),
    [
        ({"readings": [{"flow": 10}, {"note": "ok\u0000"}]}, "readings[1].note"),
        ({"readings": {"fl\u0000ow": 10}}, "readings.fl\\u0000ow"),
        ({"series": [[1, "a\u0000"]]}, "series[0][1]"),
    ],
)
def test_the_api_refuses_nul_anywhere_in_json_and_says_where(api, mt, plan, measurements, where):
    response = api.as_(mt).post(
        INSPECTIONS, _inspection(plan, measurements=measurements), format="json"
    )

    assert response.status_code == 400
    [message] = response.json()["errors"]["measurements"]
    assert f"”{where}”" in message  # in Swedish, the interface's default
    assert not Inspection.objects.exists()


def test_every_form_and_serializer_field_gets_the_validators():
    """Fields declared anywhere, now or later, without naming the validators."""

    class Form(forms.Form):
        text = forms.CharField()
        mail = forms.EmailField()
        data = forms.JSONField()

    class Serializer(serializers.Serializer):
        text = serializers.CharField(validators=[])  # as a model serializer passes them
        data = serializers.JSONField()

    form = Form({"text": "a\x1bb", "mail": "a\x1b@example.se", "data": '{"k": ["\\u0000"]}'})
    assert not form.is_valid()
    assert "ESC, U+001B" in form.errors["text"][0]
    assert any("ESC, U+001B" in m for m in form.errors["mail"])
    assert "k[0]" in form.errors["data"][0]

    serializer = Serializer(data={"text": "a\x1fb", "data": {"k\u0000": 1}})
    assert not serializer.is_valid()
    assert "US, U+001F" in serializer.errors["text"][0]
    assert "k\\u0000" in serializer.errors["data"][0]


# Limits of free text ---------------------------------------------------------------------------


def test_the_api_refuses_notes_over_their_limit(api, mt, plan):
    response = api.as_(mt).post(INSPECTIONS, _inspection(plan, notes="x" * 10_001), format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["notes"]
    assert not Inspection.objects.exists()
    ok = api.as_(mt).post(INSPECTIONS, _inspection(plan, notes="x" * 10_000), format="json")
    assert ok.status_code == 201, ok.content


def test_every_model_text_field_has_a_limit():
    from django.apps import apps
    from django.db import models

    derived = {
        ("registry", "document", "search_text"),
        ("registry", "document", "search_restricted"),
    }
    unbounded = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model.__module__.startswith("medtek.")
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField)
        and field.max_length is None
        and (model._meta.app_label, model._meta.model_name, field.name) not in derived
    ]
    assert unbounded == []
