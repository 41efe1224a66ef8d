"""API for the register: reads through the scoping functions, writes through the services."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from medtek.core.api import ScopedViewSet

from .. import access, services
from ..filters import DeviceFilter, DeviceModelFilter, InspectionFilter
from ..models import Device, DeviceModel, Inspection
from .serializers import (
    DeviceModelSerializer,
    DeviceSerializer,
    DeviceStatusChangeSerializer,
    InspectionSerializer,
)


class DeviceModelViewSet(ScopedViewSet):
    """Device models (product types) of the register's catalogue."""

    serializer_class = DeviceModelSerializer
    filterset_class = DeviceModelFilter
    ordering_fields = ["manufacturer", "trade_name", "risk_class"]
    ordering = ["manufacturer", "trade_name"]

    def visible(self, user: Any) -> QuerySet[DeviceModel]:
        return access.device_models_visible_to(user)

    def for_user(self, user: Any, pk: Any, *, write: bool = False) -> DeviceModel:
        return access.device_model_for_user(user, pk, write=write)

    def may_create(self, user: Any) -> bool:
        return access.may_change_register(user)

    def create_record(self, user: Any, data: dict[str, Any]) -> DeviceModel:
        return services.device_model_create(actor=user, **data)

    def update_record(self, user: Any, obj: DeviceModel, changes: dict[str, Any]) -> Any:
        return services.device_model_update(actor=user, model=obj, **changes)


class DeviceViewSet(ScopedViewSet):
    """Individual devices, in the units the caller may see. The status changes through
    ``POST …/{id}/status/``, with a reason, as in the interface."""

    serializer_class = DeviceSerializer
    filterset_class = DeviceFilter
    ordering_fields = ["inventory_number", "next_due", "status"]
    ordering = ["inventory_number"]

    def visible(self, user: Any) -> QuerySet[Device]:
        return access.devices_visible_to(user).select_related("model", "unit")

    def for_user(self, user: Any, pk: Any, *, write: bool = False) -> Device:
        return access.device_for_user(user, pk, write=write)

    def may_create(self, user: Any) -> bool:
        return access.may_change_register(user)

    def create_record(self, user: Any, data: dict[str, Any]) -> Device:
        status = data.pop("status", "in_use")
        return services.device_register(actor=user, status=status, **data)

    def update_record(self, user: Any, obj: Device, changes: dict[str, Any]) -> Any:
        if "status" in changes and changes["status"] != obj.status:
            raise exceptions.ValidationError(
                {"status": ["Change the status through POST …/status/, with a reason."]}
            )
        changes.pop("status", None)
        return services.device_update(actor=user, device=obj, **changes)

    @extend_schema(request=DeviceStatusChangeSerializer, responses=DeviceSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request: Request, pk: Any = None) -> Response:
        """Move the device to a new status on a date, with a reason (scrapped is final)."""
        device = self.for_user(request.user, pk, write=True)
        serializer = DeviceStatusChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device = services.device_change_status(
            actor=request.user, device=device, **serializer.validated_data
        )
        return self.render(device)


class InspectionViewSet(ScopedViewSet):
    """Performed inspections. POST with a ``plan`` records one and moves the plan on."""

    http_method_names = ["get", "post", "head", "options"]
    serializer_class = InspectionSerializer
    filterset_class = InspectionFilter
    ordering_fields = ["performed_on"]
    ordering = ["-performed_on"]

    def visible(self, user: Any) -> QuerySet[Inspection]:
        return access.inspections_visible_to(user).select_related("device")

    def for_user(self, user: Any, pk: Any, *, write: bool = False) -> Inspection:
        raise exceptions.MethodNotAllowed("PATCH")  # an inspection is recorded, never edited

    def may_create(self, user: Any) -> bool:
        return access.may_change_register(user)

    def create_record(self, user: Any, data: dict[str, Any]) -> Inspection:
        plan = data.pop("plan", None)
        if plan is None:
            raise exceptions.ValidationError(
                {"plan": ["Say which inspection plan was carried out."]}
            )
        return services.inspection_record(actor=user, plan=plan, **data)
