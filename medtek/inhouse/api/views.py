"""API for in-house files: reads through the scoping functions, writes through the services."""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from medtek.devices.access import device_models_visible_to
from medtek.organisation.access import units_visible_to

from .. import access, services
from ..filters import InhouseDeviceFilter
from ..models import InhouseDevice
from ..selectors import inhouse_list_queryset
from .serializers import InhouseDeviceSerializer


class InhouseDeviceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """In-house manufactured devices (MDR art. 5(5)): one file per in-house device model, in the
    scope of the caller. ``?evidence=incomplete`` lists the files whose evidence does not hold."""

    serializer_class = InhouseDeviceSerializer
    filterset_class = InhouseDeviceFilter
    ordering_fields = ["file_number", "justification_review_due"]
    ordering = ["file_number"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[InhouseDevice]:
        return inhouse_list_queryset(self.request.user, timezone.localdate())

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        serializer = super().get_serializer(*args, **kwargs)
        fields = getattr(serializer, "fields", {})
        # An invisible model or unit answers exactly like a missing one: ids cannot be probed.
        if "device_model" in fields:
            fields["device_model"].queryset = device_models_visible_to(self.request.user)
        if "manufacturer_unit" in fields:
            fields["manufacturer_unit"].queryset = units_visible_to(self.request.user)
        return serializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        file = services.inhouse_device_create(actor=request.user, **serializer.validated_data)
        return Response(InhouseDeviceSerializer(file).data, status=201)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        file = access.inhouse_device_for_user(request.user, kwargs["pk"], write=True)
        serializer = self.get_serializer(file, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        model = changes.pop("device_model", file.device_model)
        if model != file.device_model:
            raise ValidationError(
                {
                    "device_model": [
                        _("A file stays with its device model; open a new file instead.")
                    ]
                }
            )
        file = services.inhouse_device_update(actor=request.user, inhouse_device=file, **changes)
        return Response(InhouseDeviceSerializer(file).data)
