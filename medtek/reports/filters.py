"""One filter set for the reports to the authorities, shared by the list page, its export and
the API list."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medtek.core.widgets import FastSelect
from medtek.organisation.access import units_visible_to
from medtek.organisation.models import Unit

from . import access, selectors
from .models import Authority, Report, ReportKind


def _units(request: Any) -> QuerySet[Unit]:
    return units_visible_to(request.user) if request is not None else Unit.objects.none()


def _kinds(request: Any) -> QuerySet[ReportKind]:
    if request is None:
        return ReportKind.objects.none()
    return access.kinds_visible_to(request.user)


def _authorities(request: Any) -> QuerySet[Authority]:
    if request is None:
        return Authority.objects.none()
    return access.authorities_visible_to(request.user)


class DueFilter(django_filters.ChoiceFilter):
    """Where an unsent report stands against its due date (a sent one is never due)."""

    OVERDUE, SOON, UNSENT = "overdue", "soon", "unsent"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "choices",
            [
                (self.OVERDUE, _("Overdue")),
                (self.SOON, _("Due within three days")),
                (self.UNSENT, _("Not yet sent")),
            ],
        )
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        today = timezone.localdate()
        if value == self.OVERDUE:
            return qs.filter(selectors.overdue_q(today))
        if value == self.SOON:
            return qs.filter(selectors.due_soon_q(today))
        if value == self.UNSENT:
            return qs.filter(selectors.unsent_q())
        return qs


class ReportFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ModelChoiceFilter(queryset=_kinds, label=_("Kind"))
    authority = django_filters.ModelChoiceFilter(queryset=_authorities, label=_("Authority"))
    status = django_filters.ChoiceFilter(choices=Report.Status.choices, label=_("Status"))
    due = DueFilter(label=_("Due"))
    within = django_filters.ModelChoiceFilter(
        queryset=_units,
        method="filter_within",
        label=_("Unit (incl. sub-units)"),
        widget=FastSelect,
    )
    after = django_filters.DateFilter(
        field_name="event_date", lookup_expr="gte", label=_("Event from")
    )
    before = django_filters.DateFilter(
        field_name="event_date", lookup_expr="lte", label=_("Event to")
    )

    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label=_("Due on or before")
    )

    class Meta:
        model = Report
        fields: list[str] = []

    def search(self, qs: QuerySet[Report], name: str, value: str) -> QuerySet[Report]:
        """The report's number, the authority's reference or the diary number of what was sent,
        from its start (never the free text: it may concern a patient)."""
        text = value.strip()
        if not text:
            return qs
        return qs.filter(
            Q(number__istartswith=text)
            | Q(authority_reference__istartswith=text)
            | Q(sent_document__number__istartswith=text)
        )

    def filter_within(
        self, qs: QuerySet[Report], name: str, value: Unit | None
    ) -> QuerySet[Report]:
        return qs.filter(unit__path__startswith=value.path) if value else qs
