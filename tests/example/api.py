from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.routers import SimpleRouter

from medtek.core.api import ScopedRelatedField, ScopedViewSet
from medtek.organisation.access import units_visible_to
from medtek.organisation.models import Unit

from . import access, services
from .filters import EntryFilter
from .models import ENTRY_FIELDS, Entry


class EntrySerializer(serializers.ModelSerializer):
    unit = ScopedRelatedField(Unit, scope=units_visible_to)

    class Meta:
        model = Entry
        fields = ["id", *ENTRY_FIELDS, "version", "sealed_at"]


class EntryViewSet(ScopedViewSet):
    """Example entries."""

    serializer_class = EntrySerializer
    filterset_class = EntryFilter
    ordering = ["number"]

    def visible(self, user: Any) -> QuerySet[Entry]:
        return access.entries_visible_to(user).current()

    def for_user(self, user: Any, pk: Any, *, write: bool = False) -> Entry:
        return access.entry_for_user(user, pk, write=write)

    def may_create(self, user: Any) -> bool:
        return access.may_write(user)

    def create_record(self, user: Any, data: dict[str, Any]) -> Entry:
        return services.entry_create(actor=user, **data)

    def update_record(self, user: Any, obj: Entry, changes: dict[str, Any]) -> Any:
        return services.entry_update(actor=user, entry=obj, **changes)


router = SimpleRouter()
router.register("example-entries", EntryViewSet, basename="example-entry")
urlpatterns = router.urls
