"""One filter set per list, shared by the UI list, the API list and the export."""

import datetime
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medtek.core.widgets import FastSelect
from medtek.organisation.access import units_visible_to
from medtek.organisation.models import Unit

from .access import device_models_visible_to
from .models import Device, DeviceModel, DeviceStatus, Inspection, InspectionKind, RiskClass


def _units(request: Any) -> QuerySet[Unit]:
    return units_visible_to(request.user) if request is not None else Unit.objects.none()


def _models(request: Any) -> QuerySet[DeviceModel]:
    if request is None:
        return DeviceModel.objects.none()
    return device_models_visible_to(request.user)


class DueFilter(django_filters.ChoiceFilter):
    OVERDUE, DUE_30, DUE_90 = "overdue", "30", "90"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "choices",
            [
                (self.OVERDUE, _("Overdue")),
                (self.DUE_30, _("Due within 30 days")),
                (self.DUE_90, _("Due within 90 days")),
            ],
        )
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        if not value:
            return qs
        today = timezone.localdate()
        live = qs.exclude(status=DeviceStatus.SCRAPPED)
        if value == self.OVERDUE:
            return live.filter(next_due__lt=today)
        return live.filter(next_due__lte=today + datetime.timedelta(days=int(value)))


class DeviceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    within = django_filters.ModelChoiceFilter(
        queryset=_units,
        method="filter_within",
        label=_("Unit (incl. sub-units)"),
        widget=FastSelect,
    )
    status = django_filters.ChoiceFilter(choices=DeviceStatus.choices, label=_("Status"))
    risk_class = django_filters.ChoiceFilter(
        field_name="model__risk_class", choices=RiskClass.choices, label=_("Risk class")
    )
    model = django_filters.ModelChoiceFilter(
        queryset=_models, label=_("Device model"), widget=FastSelect
    )
    manufacturer = django_filters.CharFilter(
        field_name="model__manufacturer", lookup_expr="iexact", label=_("Manufacturer")
    )
    due = DueFilter(label=_("Inspection"))
    in_house = django_filters.ChoiceFilter(
        method="filter_in_house",
        label=_("Conformity"),
        choices=[("true", _("In-house only")), ("false", _("CE-marked only"))],
    )

    class Meta:
        model = Device
        fields = ["q", "within", "status", "risk_class", "model", "manufacturer", "due", "in_house"]

    def search(self, qs: QuerySet[Device], name: str, value: str) -> QuerySet[Device]:
        """Devices whose model's trade name or manufacturer, or whose location, contains the
        text, or whose inventory or serial number starts with it (any case).

        The catalogue (a few hundred models) is searched first, so that the device query asks
        for a list of model ids, which an index answers, instead of joining every device to its
        model to compare texts; that condition comes first, so a device of a matching model is
        not compared as text at all. On PostgreSQL the prefix searches are answered by
        ``text_pattern_ops`` btrees on the upper-cased numbers and the location by a trigram
        index (migrations 0003 and 0006).
        """
        value = value.strip()
        models = DeviceModel.objects.filter(
            Q(trade_name__icontains=value) | Q(manufacturer__icontains=value)
        )
        return qs.filter(
            Q(model_id__in=list(models.values_list("pk", flat=True)))
            | Q(inventory_number__istartswith=value)
            | Q(serial_number__istartswith=value)
            | Q(location__icontains=value)
        )

    def filter_within(
        self, qs: QuerySet[Device], name: str, value: Unit | None
    ) -> QuerySet[Device]:
        return qs.filter(unit__path__startswith=value.path) if value else qs

    def filter_in_house(self, qs: QuerySet[Device], name: str, value: str) -> QuerySet[Device]:
        if not value:
            return qs
        cond = Q(model__conformity=DeviceModel.Conformity.IN_HOUSE)
        return qs.filter(cond) if value == "true" else qs.exclude(cond)


class DeviceModelFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    risk_class = django_filters.ChoiceFilter(choices=RiskClass.choices, label=_("Risk class"))
    conformity = django_filters.ChoiceFilter(
        choices=DeviceModel.Conformity.choices, label=_("Conformity")
    )

    class Meta:
        model = DeviceModel
        fields = ["q", "risk_class", "conformity", "manufacturer"]

    def search(self, qs: QuerySet[DeviceModel], name: str, value: str) -> QuerySet[DeviceModel]:
        return qs.filter(
            Q(trade_name__icontains=value)
            | Q(manufacturer__icontains=value)
            | Q(udi_di__istartswith=value)
            | Q(emdn_code__istartswith=value)
        )


class InspectionFilter(django_filters.FilterSet):
    device = django_filters.CharFilter(
        field_name="device__inventory_number", lookup_expr="iexact", label=_("Inventory number")
    )
    kind = django_filters.ChoiceFilter(choices=InspectionKind.choices, label=_("Kind"))
    result = django_filters.ChoiceFilter(choices=Inspection.Result.choices, label=_("Result"))
    after = django_filters.DateFilter(field_name="performed_on", lookup_expr="gte", label=_("From"))
    before = django_filters.DateFilter(field_name="performed_on", lookup_expr="lte", label=_("To"))

    class Meta:
        model = Inspection
        fields = ["device", "kind", "result", "after", "before"]
