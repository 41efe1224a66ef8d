"""API for units, care providers and people: reads through the scoping, writes through services."""

from typing import Any

from django.db.models import Prefetch, QuerySet

from medtek.core.api import ScopedViewSet

from .. import access, services
from ..filters import CareProviderFilter, PersonFilter, UnitFilter
from ..models import CareProvider, Unit, User
from .serializers import CareProviderSerializer, PersonSerializer, UnitSerializer


class UnitViewSet(ScopedViewSet):
    """Units of the organisation tree that the caller may see."""

    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    search_fields = ["name", "short_name", "hsa_id"]
    ordering_fields = ["path", "name", "kind"]
    ordering = ["path"]

    def visible(self, user: Any) -> QuerySet[Unit]:
        return access.units_visible_to(user).select_related("care_provider")

    def for_user(self, user: Any, pk: Any, *, write: bool = False) -> Unit:
        return access.unit_for_user(user, pk, write=write)

    def may_create(self, user: Any) -> bool:
        return access.may_manage_organisation(user)

    def create_record(self, user: Any, data: dict[str, Any]) -> Unit:
        return services.unit_create(
            actor=user,
            name=data["name"],
            kind=data["kind"],
            parent=data.get("parent"),
            care_provider=data["care_provider"],
            hsa_id=data.get("hsa_id", ""),
            short_name=data.get("short_name", ""),
        )

    def update_record(self, user: Any, obj: Unit, changes: dict[str, Any]) -> Any:
        return services.unit_update(actor=user, unit=obj, **changes)


class CareProviderViewSet(ScopedViewSet):
    """Care providers (the region, private vårdval providers) running units the caller sees."""

    serializer_class = CareProviderSerializer
    filterset_class = CareProviderFilter
    search_fields = ["name", "org_number"]
    ordering_fields = ["name", "org_number"]
    ordering = ["name"]

    def visible(self, user: Any) -> QuerySet[CareProvider]:
        return access.care_providers_visible_to(user)

    def for_user(self, user: Any, pk: Any, *, write: bool = False) -> CareProvider:
        return access.care_provider_for_user(user, pk, write=write)

    def may_create(self, user: Any) -> bool:
        return access.may_manage_organisation(user, access.region_root())

    def create_record(self, user: Any, data: dict[str, Any]) -> CareProvider:
        return services.care_provider_create(
            actor=user,
            name=data["name"],
            org_number=data["org_number"],
            operator=data["operator"],
            contract_reference=data.get("contract_reference", ""),
            address=data.get("address", ""),
        )

    def update_record(self, user: Any, obj: CareProvider, changes: dict[str, Any]) -> Any:
        return services.care_provider_update(actor=user, provider=obj, **changes)


class PersonViewSet(ScopedViewSet):
    """People with a role on a unit the caller sees (and the caller)."""

    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering_fields = ["last_name", "username"]
    ordering = ["last_name", "first_name"]

    def visible(self, user: Any) -> QuerySet[User]:
        grants = (
            access.role_grants_visible_to(user)
            .filter(revoked_at__isnull=True)
            .select_related("unit")
        )
        return access.people_visible_to(user).prefetch_related(
            Prefetch("grants", queryset=grants, to_attr="visible_grants")
        )

    def for_user(self, user: Any, pk: Any, *, write: bool = False) -> User:
        return access.person_for_user(user, pk, write=write)

    def may_create(self, user: Any) -> bool:
        return access.may_manage_organisation(user)

    def create_record(self, user: Any, data: dict[str, Any]) -> User:
        return services.person_create(
            actor=user,
            username=data["username"],
            **{f: data.get(f, "") for f in services.PERSON_FIELDS if f != "is_active"},
        )

    def update_record(self, user: Any, obj: User, changes: dict[str, Any]) -> Any:
        changes.pop("username", None)  # given once, at creation
        return services.person_update(actor=user, person=obj, **changes)
