"""API for units, care providers and people: reads through the scoping, writes through services."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from .. import access, services
from ..filters import CareProviderFilter, PersonFilter, UnitFilter
from ..models import CareProvider, Unit, User
from .serializers import CareProviderSerializer, PersonSerializer, UnitSerializer


class _ScopedViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _changes(self, serializer: serializers.BaseSerializer[Any]) -> dict[str, Any]:
        return dict(serializer.validated_data)


class UnitViewSet(_ScopedViewSet):
    """Units of the organisation tree that the caller may see."""

    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    search_fields = ["name", "short_name", "hsa_id"]
    ordering_fields = ["path", "name", "kind"]
    ordering = ["path"]

    def get_queryset(self) -> QuerySet[Unit]:
        return access.units_visible_to(self.request.user).select_related("care_provider")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent = data.get("parent")
        if parent is not None:
            parent = access.unit_for_user(request.user, parent.pk)
        unit = services.unit_create(
            actor=request.user,
            name=data["name"],
            kind=data["kind"],
            parent=parent,
            care_provider=data["care_provider"],
            hsa_id=data.get("hsa_id", ""),
            short_name=data.get("short_name", ""),
        )
        return Response(UnitSerializer(unit).data, status=201)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        unit = access.unit_for_user(request.user, kwargs["pk"], write=True)
        serializer = self.get_serializer(unit, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        unit = services.unit_update(actor=request.user, unit=unit, **self._changes(serializer))
        return Response(UnitSerializer(unit).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)


class CareProviderViewSet(_ScopedViewSet):
    """Care providers (the region, private vårdval providers) running units the caller sees."""

    serializer_class = CareProviderSerializer
    filterset_class = CareProviderFilter
    search_fields = ["name", "org_number"]
    ordering_fields = ["name", "org_number"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[CareProvider]:
        return access.care_providers_visible_to(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        provider = services.care_provider_create(
            actor=request.user,
            name=data["name"],
            org_number=data["org_number"],
            operator=data["operator"],
            contract_reference=data.get("contract_reference", ""),
        )
        return Response(CareProviderSerializer(provider).data, status=201)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        provider = access.care_provider_for_user(request.user, kwargs["pk"], write=True)
        serializer = self.get_serializer(provider, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        provider = services.care_provider_update(
            actor=request.user, provider=provider, **self._changes(serializer)
        )
        return Response(CareProviderSerializer(provider).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)


class PersonViewSet(_ScopedViewSet):
    """People with a role on a unit the caller sees (and the caller)."""

    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering_fields = ["last_name", "username"]
    ordering = ["last_name", "first_name"]

    def get_queryset(self) -> QuerySet[User]:
        user = self.request.user
        visible = (
            access.role_grants_visible_to(user)
            .filter(revoked_at__isnull=True)
            .select_related("unit")
        )
        return access.people_visible_to(user).prefetch_related(
            Prefetch("grants", queryset=visible, to_attr="visible_grants")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        person = services.person_create(
            actor=request.user,
            username=data["username"],
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            email=data.get("email", ""),
            title=data.get("title", ""),
            hsa_id=data.get("hsa_id", ""),
            phone=data.get("phone", ""),
        )
        return Response(PersonSerializer(person).data, status=201)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = access.person_for_user(request.user, kwargs["pk"], write=True)
        serializer = self.get_serializer(person, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = self._changes(serializer)
        changes.pop("username", None)
        person = services.person_update(actor=request.user, person=person, **changes)
        return Response(PersonSerializer(person).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)
