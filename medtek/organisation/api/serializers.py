"""Serializers parse and validate input only; the viewsets call the services to write."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from medtek.core.api import ScopedRelatedField

from ..access import care_providers_visible_to, units_visible_to
from ..models import CareProvider, RoleGrant, Unit, User
from ..services import PERSON_FIELDS, PROVIDER_FIELDS, UNIT_FIELDS


class CareProviderSerializer(serializers.ModelSerializer):
    class Meta:
        model = CareProvider
        fields = ["id", *PROVIDER_FIELDS]


class UnitSerializer(serializers.ModelSerializer):
    parent = ScopedRelatedField(Unit, scope=units_visible_to, allow_null=True, required=False)  # type: ignore[assignment]
    care_provider = ScopedRelatedField(CareProvider, scope=care_providers_visible_to)
    care_provider_name = serializers.CharField(source="care_provider.name", read_only=True)
    operator = serializers.CharField(source="care_provider.operator", read_only=True)

    class Meta:
        model = Unit
        fields = ["id", *UNIT_FIELDS, "care_provider_name", "operator", "depth", "path"]
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
        fields = ["id", "username", *PERSON_FIELDS, "grants"]
        read_only_fields = ["is_active"]

    @extend_schema_field(RoleGrantSerializer(many=True))
    def get_grants(self, person: User) -> list[dict[str, object]]:
        """Only grants on units the caller may see (prefetched as ``visible_grants``)."""
        grants = getattr(person, "visible_grants", [])
        return RoleGrantSerializer(grants, many=True).data  # type: ignore[return-value]
