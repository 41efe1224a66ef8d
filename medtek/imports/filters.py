"""The import sessions' list: by kind, status, person and file name."""

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import ImportSession


class ImportSessionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.CharFilter(label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=ImportSession.Status.choices, label=_("Status"))
    waiting = django_filters.ChoiceFilter(
        method="filter_waiting",
        label=_("Waiting"),
        choices=[("mine", _("My imports waiting for a decision"))],
    )
    after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("From")
    )
    before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("To")
    )

    class Meta:
        model = ImportSession
        fields: list[str] = []

    def filter_waiting(
        self, qs: QuerySet[ImportSession], name: str, value: str
    ) -> QuerySet[ImportSession]:
        """The person's own sessions that are neither imported nor rejected."""
        if not value:
            return qs
        from .todo import WAITING

        return qs.filter(created_by=self.request.user, status__in=WAITING)  # type: ignore[union-attr]

    def search(self, qs: QuerySet[ImportSession], name: str, value: str) -> QuerySet[ImportSession]:
        """The file's name or the uploader's user name."""
        text = value.strip()
        return qs.filter(filename__icontains=text) | qs.filter(created_by__username__icontains=text)
