"""Serializers parse and validate; the viewsets write through the services."""

from rest_framework import serializers

from medtek.core.api import ScopedRelatedField
from medtek.organisation.access import units_visible_to
from medtek.organisation.models import Unit

from ..access import device_models_visible_to, inspection_plans_visible_to
from ..models import (
    DEVICE_FIELDS,
    DEVICE_MODEL_FIELDS,
    INSPECTION_FIELDS,
    Device,
    DeviceModel,
    DeviceStatus,
    Inspection,
    InspectionPlan,
)


class DeviceModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeviceModel
        fields = ["id", *DEVICE_MODEL_FIELDS]
        validators: list[object] = []  # uniqueness is checked by the service (model.full_clean)


class DeviceSerializer(serializers.ModelSerializer):
    model = ScopedRelatedField(DeviceModel, scope=device_models_visible_to)
    unit = ScopedRelatedField(Unit, scope=units_visible_to)
    model_name = serializers.CharField(source="model.__str__", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    risk_class = serializers.CharField(source="model.risk_class", read_only=True)

    class Meta:
        model = Device
        fields = [
            "id",
            *DEVICE_FIELDS,
            "model_name",
            "risk_class",
            "unit_name",
            "status",
            "status_since",
            "next_due",
        ]
        read_only_fields = ["status_since", "next_due"]
        validators: list[object] = []


class InspectionPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = InspectionPlan
        fields = [
            "id",
            "device",
            "kind",
            "interval_months",
            "last_done",
            "next_due",
            "responsible",
            "active",
        ]


class DeviceStatusChangeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A change of a device's status: to what, from which date (today if none), and why."""

    status = serializers.ChoiceField(choices=DeviceStatus.choices)
    effective_on = serializers.DateField(required=False)
    reason = serializers.CharField(max_length=2000)


class InspectionSerializer(serializers.ModelSerializer):
    plan = ScopedRelatedField(InspectionPlan, scope=inspection_plans_visible_to, required=False)
    inventory_number = serializers.CharField(source="device.inventory_number", read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "device",
            "inventory_number",
            "plan",
            "kind",
            "performed_on",
            "performed_by",
            *INSPECTION_FIELDS,
        ]
        read_only_fields = ["device", "kind", "performed_by"]
