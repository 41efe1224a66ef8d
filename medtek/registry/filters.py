"""One filter set per diary list, shared by the pages, the API and the exports.

The text search reads the public facts only, except for those who may read what a marked
document keeps apart: a search must not tell anyone else which documents name a patient.
"""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from medtek.organisation.access import units_visible_to
from medtek.organisation.models import Unit

from . import access
from .models import Case, Document, ProcessCode


def _units(request: Any) -> QuerySet[Unit]:
    return units_visible_to(request.user) if request is not None else Unit.objects.none()


def _reads_restricted(request: Any) -> bool:
    return request is not None and access.may_read_restricted_anywhere(request.user)


class DocumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    number = django_filters.CharFilter(method="filter_number", label=_("Number (ours or other)"))
    after = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("From"))
    before = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("To"))
    party = django_filters.CharFilter(method="filter_party", label=_("From / to"))
    within = django_filters.ModelChoiceFilter(
        queryset=_units, method="filter_within", label=_("Unit (incl. sub-units)")
    )
    classification = django_filters.ModelChoiceFilter(
        field_name="case__classification",
        queryset=ProcessCode.objects.all(),
        label=_("Classification"),
    )
    status = django_filters.ChoiceFilter(
        field_name="case__status", choices=Case.Status.choices, label=_("Case")
    )
    direction = django_filters.ChoiceFilter(
        choices=Document.Direction.choices, label=_("Direction")
    )
    secrecy = django_filters.ChoiceFilter(
        method="filter_secrecy",
        label=_("Secrecy"),
        choices=[("marked", _("Marked")), ("unmarked", _("Not marked"))],
    )

    class Meta:
        model = Document
        fields: list[str] = []

    def search(self, qs: QuerySet[Document], name: str, value: str) -> QuerySet[Document]:
        """The document's public facts — numbers, kind, from/to, what it concerns, the case's
        title — (``Document.search_text``, one trigram-indexed column); for readers of restricted
        text also the text kept apart."""
        text = value.strip()
        q = Q(search_text__icontains=text)
        if _reads_restricted(self.request):
            q |= Q(search_restricted__icontains=text)
        return qs.filter(q)

    def filter_number(self, qs: QuerySet[Document], name: str, value: str) -> QuerySet[Document]:
        """Our number, or the other diary's (the document's or its case's), from its start.
        The cases are few: their ids are looked up first, so the document query is three
        indexed conditions (migration 0003) rather than a join compared row by row."""
        text = value.strip()
        cases = list(
            Case.objects.filter(external_number__istartswith=text).values_list("pk", flat=True)
        )
        return qs.filter(
            Q(number__istartswith=text)
            | Q(external_number__istartswith=text)
            | Q(case_id__in=cases)
        )

    def filter_party(self, qs: QuerySet[Document], name: str, value: str) -> QuerySet[Document]:
        q = Q(counterparty__icontains=value.strip()) | Q(case__parties__icontains=value.strip())
        if _reads_restricted(self.request):
            q |= Q(counterparty_restricted__icontains=value.strip())
        return qs.filter(q)

    def filter_within(
        self, qs: QuerySet[Document], name: str, value: Unit | None
    ) -> QuerySet[Document]:
        return qs.filter(unit__path__startswith=value.path) if value else qs

    def filter_secrecy(self, qs: QuerySet[Document], name: str, value: str) -> QuerySet[Document]:
        if value == "marked":
            return qs.filter(secrecy_provision__isnull=False)
        if value == "unmarked":
            return qs.filter(secrecy_provision__isnull=True)
        return qs


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(choices=Case.Status.choices, label=_("Status"))
    within = django_filters.ModelChoiceFilter(
        queryset=_units, method="filter_within", label=_("Unit (incl. sub-units)")
    )
    classification = django_filters.ModelChoiceFilter(
        queryset=ProcessCode.objects.all(), label=_("Classification")
    )
    year = django_filters.NumberFilter(label=_("Year"))

    class Meta:
        model = Case
        fields: list[str] = []

    def search(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        text = value.strip()
        q = (
            Q(number__istartswith=text)
            | Q(external_number__istartswith=text)
            | Q(title__icontains=text)
            | Q(parties__icontains=text)
        )
        if _reads_restricted(self.request):
            q |= Q(title_restricted__icontains=text)
        return qs.filter(q)

    def filter_within(self, qs: QuerySet[Case], name: str, value: Unit | None) -> QuerySet[Case]:
        return qs.filter(unit__path__startswith=value.path) if value else qs
