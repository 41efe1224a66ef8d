"""Serializers parse and validate; the viewsets write through the services."""

from rest_framework import serializers

from ..models import Device, DeviceModel, Inspection, InspectionPlan


class DeviceModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeviceModel
        fields = [
            "id",
            "manufacturer",
            "trade_name",
            "model_version",
            "udi_issuer",
            "udi_di",
            "emdn_code",
            "risk_class",
            "implantable",
            "conformity",
            "safety_class",
            "applied_part",
            "inspection_interval_months",
        ]
        validators: list[object] = []  # uniqueness is checked by the service (model.full_clean)


class DeviceSerializer(serializers.ModelSerializer):
    model_name = serializers.CharField(source="model.__str__", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    risk_class = serializers.CharField(source="model.risk_class", read_only=True)

    class Meta:
        model = Device
        fields = [
            "id",
            "inventory_number",
            "model",
            "model_name",
            "risk_class",
            "serial_number",
            "udi_lot",
            "udi_serial",
            "manufactured_on",
            "expires_on",
            "udi_carrier",
            "unit",
            "unit_name",
            "location",
            "supplier",
            "purchased_on",
            "delivered_on",
            "warranty_until",
            "acceptance_checked_on",
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


class InspectionSerializer(serializers.ModelSerializer):
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
            "visual_ok",
            "protective_earth_ohm",
            "insulation_mohm",
            "equipment_leakage_ua",
            "patient_leakage_ua",
            "functional_ok",
            "result",
            "measurements",
            "notes",
        ]
        read_only_fields = ["device", "kind", "performed_by"]
