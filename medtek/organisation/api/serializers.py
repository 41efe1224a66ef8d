"""Serializers parse and validate input only; the viewsets call the services to write."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import CareProvider, RoleGrant, Unit, User


class CareProviderSerializer(serializers.ModelSerializer):
    class Meta:
        model = CareProvider
        fields = ["id", "name", "org_number", "operator", "contract_reference", "active"]


class UnitSerializer(serializers.ModelSerializer):
    care_provider_name = serializers.CharField(source="care_provider.name", read_only=True)
    operator = serializers.CharField(source="care_provider.operator", read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "short_name",
            "kind",
            "parent",
            "care_provider",
            "care_provider_name",
            "operator",
            "hsa_id",
            "active",
            "depth",
            "path",
        ]
        read_only_fields = ["depth", "path"]


class RoleGrantSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = RoleGrant
        fields = ["id", "role", "unit", "unit_name", "granted_at", "revoked_at"]


class PersonSerializer(serializers.ModelSerializer):
    grants = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "title",
            "hsa_id",
            "phone",
            "is_active",
            "grants",
        ]
        read_only_fields = ["is_active"]

    @extend_schema_field(RoleGrantSerializer(many=True))
    def get_grants(self, person: User) -> list[dict[str, object]]:
        """Only grants on units the caller may see (prefetched as ``visible_grants``)."""
        grants = getattr(person, "visible_grants", [])
        return RoleGrantSerializer(grants, many=True).data  # type: ignore[return-value]
