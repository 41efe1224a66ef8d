"""One filter set for the in-house files: the UI list, the API list and the export."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medtek.organisation.access import units_visible_to
from medtek.organisation.models import Unit

from .models import InhouseDevice, incomplete_q


def _units(request: Any) -> QuerySet[Unit]:
    return units_visible_to(request.user) if request is not None else Unit.objects.none()


class InhouseDeviceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=InhouseDevice.Kind.choices, label=_("Kind"))
    within = django_filters.ModelChoiceFilter(
        queryset=_units, method="filter_within", label=_("Manufacturing unit (incl. sub-units)")
    )
    evidence = django_filters.ChoiceFilter(
        method="filter_evidence",
        label=_("MDR 5(5) evidence"),
        choices=[("incomplete", _("Incomplete or out of date")), ("complete", _("Complete"))],
    )
    device_model = django_filters.NumberFilter(field_name="device_model", label=_("Device model"))

    class Meta:
        model = InhouseDevice
        fields = ["q", "kind", "within", "evidence", "device_model"]

    def search(self, qs: QuerySet[InhouseDevice], name: str, value: str) -> QuerySet[Any]:
        """Files whose number starts with the text, or whose device's trade name or intended
        purpose contains it (any case)."""
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(file_number__istartswith=value)
            | Q(device_model__trade_name__icontains=value)
            | Q(intended_purpose__icontains=value)
        )

    def filter_within(
        self, qs: QuerySet[InhouseDevice], name: str, value: Unit | None
    ) -> QuerySet[InhouseDevice]:
        return qs.filter(manufacturer_unit__path__startswith=value.path) if value else qs

    def filter_evidence(
        self, qs: QuerySet[InhouseDevice], name: str, value: str
    ) -> QuerySet[InhouseDevice]:
        if not value:
            return qs
        cond = incomplete_q(timezone.localdate())
        return qs.filter(cond) if value == "incomplete" else qs.exclude(cond)
