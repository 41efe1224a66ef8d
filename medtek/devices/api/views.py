"""API for the register: reads through the scoping functions, writes through the services."""

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from medtek.organisation.access import unit_for_user

from .. import access, services
from ..filters import DeviceFilter, DeviceModelFilter, InspectionFilter
from ..models import Device, DeviceModel, Inspection
from .serializers import DeviceModelSerializer, DeviceSerializer, InspectionSerializer


class DeviceModelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Device models (product types) of the register's catalogue."""

    serializer_class = DeviceModelSerializer
    filterset_class = DeviceModelFilter
    ordering_fields = ["manufacturer", "trade_name", "risk_class"]
    ordering = ["manufacturer", "trade_name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[DeviceModel]:
        return access.device_models_visible_to(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        model = services.device_model_create(actor=request.user, **serializer.validated_data)
        return Response(DeviceModelSerializer(model).data, status=201)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        model = access.device_model_for_user(request.user, kwargs["pk"], write=True)
        serializer = self.get_serializer(model, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        model = services.device_model_update(
            actor=request.user, model=model, **serializer.validated_data
        )
        return Response(DeviceModelSerializer(model).data)


class DeviceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Individual devices, in the units the caller may see."""

    serializer_class = DeviceSerializer
    filterset_class = DeviceFilter
    ordering_fields = ["inventory_number", "next_due", "status"]
    ordering = ["inventory_number"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Device]:
        return access.devices_visible_to(self.request.user).select_related("model", "unit")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        unit_for_user(request.user, data["unit"].pk)  # 404 for a unit the caller cannot see
        access.device_model_for_user(request.user, data["model"].pk)
        status = data.pop("status", "in_use")
        device = services.device_register(actor=request.user, status=status, **data)
        return Response(DeviceSerializer(device).data, status=201)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        device = access.device_for_user(request.user, kwargs["pk"], write=True)
        serializer = self.get_serializer(device, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "status" in changes and changes["status"] != device.status:
            raise ValidationError(
                {
                    "status": [
                        "Change the status through the status service "
                        "(POST …/status/ in the UI), with a reason."
                    ]
                }
            )
        changes.pop("status", None)
        if "unit" in changes:
            unit_for_user(request.user, changes["unit"].pk)
        device = services.device_update(actor=request.user, device=device, **changes)
        return Response(DeviceSerializer(device).data)


class InspectionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Performed inspections. POST with a ``plan`` records one and moves the plan on."""

    serializer_class = InspectionSerializer
    filterset_class = InspectionFilter
    ordering_fields = ["performed_on"]
    ordering = ["-performed_on"]

    def get_queryset(self) -> QuerySet[Inspection]:
        return access.inspections_visible_to(self.request.user).select_related("device")

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        serializer = super().get_serializer(*args, **kwargs)
        fields = getattr(serializer, "fields", {})
        if "plan" in fields:
            # An invisible plan answers exactly like a missing one: ids cannot be probed.
            fields["plan"].queryset = access.inspection_plans_visible_to(
                self.request.user
            ).select_related("device__unit")
        return serializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        plan = data.pop("plan", None)
        if plan is None:
            raise ValidationError({"plan": ["Say which inspection plan was carried out."]})
        if not access.may_change_register(request.user, plan.device.unit):
            raise PermissionDenied
        performed_on = data.pop("performed_on")
        inspection = services.inspection_record(
            actor=request.user, plan=plan, performed_on=performed_on, **data
        )
        return Response(InspectionSerializer(inspection).data, status=201)
