"""The filters of the list of reports: by kind, recipient, status and unit (with its sub-units),
and by deadline — the reports not yet sent whose due date has passed, or that are due by a day."""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from medtek.organisation.access import units_visible_to
from medtek.organisation.models import Unit

from ..models import Authority, Report, ReportKind
from ..selectors import overdue_q


def _units(request: Any) -> QuerySet[Unit]:
    return units_visible_to(request.user) if request is not None else Unit.objects.none()


class ReportFilter(django_filters.FilterSet):
    kind = django_filters.ModelChoiceFilter(queryset=ReportKind.objects.all(), label=_("Kind"))
    authority = django_filters.ModelChoiceFilter(
        queryset=Authority.objects.all(), label=_("Authority")
    )
    status = django_filters.ChoiceFilter(choices=Report.Status.choices, label=_("Status"))
    unit = django_filters.ModelChoiceFilter(
        queryset=_units, method="filter_unit", label=_("Unit (incl. sub-units)")
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_("Not sent and past its due date")
    )
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label=_("Due on or before")
    )

    class Meta:
        model = Report
        fields: list[str] = []

    def filter_unit(self, qs: QuerySet[Report], name: str, value: Unit | None) -> QuerySet[Report]:
        return qs.filter(unit__path__startswith=value.path) if value else qs

    def filter_overdue(
        self, qs: QuerySet[Report], name: str, value: bool | None
    ) -> QuerySet[Report]:
        if value is None:
            return qs
        return qs.filter(overdue_q()) if value else qs.exclude(overdue_q())
