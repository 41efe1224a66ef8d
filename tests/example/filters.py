import django_filters
from django.db.models import QuerySet

from .models import Entry


class EntryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = Entry
        fields: list[str] = []

    def search(self, qs: QuerySet[Entry], name: str, value: str) -> QuerySet[Entry]:
        return qs.filter(number__icontains=value) | qs.filter(title__icontains=value)
