"""Serializers parse and validate; the viewset writes through the services."""

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from medtek.core.api import ScopedRelatedField
from medtek.devices.access import device_models_visible_to
from medtek.devices.models import DeviceModel
from medtek.organisation.access import units_visible_to
from medtek.organisation.models import Unit

from ..models import FILE_FIELDS, InhouseDevice


class InhouseDeviceSerializer(serializers.ModelSerializer):
    device_model = ScopedRelatedField(DeviceModel, scope=device_models_visible_to)
    manufacturer_unit = ScopedRelatedField(Unit, scope=units_visible_to)
    device_model_name = serializers.CharField(source="device_model.__str__", read_only=True)
    risk_class = serializers.CharField(source="device_model.risk_class", read_only=True)
    regulation = serializers.CharField(read_only=True)
    manufacturer_unit_name = serializers.CharField(source="manufacturer_unit.name", read_only=True)
    evidence_complete = serializers.SerializerMethodField(
        help_text="Whether the evidence for MDR art. 5(5)(a)–(c) holds today."
    )

    class Meta:
        model = InhouseDevice
        fields = [
            "id",
            "file_number",
            "device_model",
            "device_model_name",
            "risk_class",
            "regulation",
            *FILE_FIELDS,
            "manufacturer_unit_name",
            "evidence_complete",
        ]
        read_only_fields = ["file_number"]
        validators: list[object] = []  # one file per model is checked by the service

    def get_evidence_complete(self, obj: Any) -> bool:
        annotated = getattr(obj, "evidence_complete", None)
        if annotated is not None:
            return bool(annotated)
        return all(c.met for c in obj.conditions(timezone.localdate()))
