"""API for in-house files: reads through the scoping functions, writes through the services."""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from medtek.core.api import ScopedViewSet

from .. import access, services
from ..filters import InhouseDeviceFilter
from ..models import InhouseDevice
from ..selectors import inhouse_list_queryset
from .serializers import InhouseDeviceSerializer


class InhouseDeviceViewSet(ScopedViewSet):
    """In-house manufactured devices (MDR art. 5(5)): one file per in-house device model, in the
    scope of the caller. ``?evidence=incomplete`` lists the files whose evidence does not hold."""

    serializer_class = InhouseDeviceSerializer
    filterset_class = InhouseDeviceFilter
    ordering_fields = ["file_number", "justification_review_due"]
    ordering = ["file_number"]

    def visible(self, user: Any) -> QuerySet[InhouseDevice]:
        return inhouse_list_queryset(user, timezone.localdate())

    def for_user(self, user: Any, pk: Any, *, write: bool = False) -> InhouseDevice:
        return access.inhouse_device_for_user(user, pk, write=write)

    def may_create(self, user: Any) -> bool:
        return access.may_keep_file(user)

    def create_record(self, user: Any, data: dict[str, Any]) -> InhouseDevice:
        return services.inhouse_device_create(actor=user, **data)

    def update_record(self, user: Any, obj: InhouseDevice, changes: dict[str, Any]) -> Any:
        model = changes.pop("device_model", obj.device_model)
        if model != obj.device_model:
            raise ValidationError(
                {
                    "device_model": [
                        _("A file stays with its device model; open a new file instead.")
                    ]
                }
            )
        return services.inhouse_device_update(actor=user, inhouse_device=obj, **changes)
