"""Filter sets for organisation lists; each serves the UI list and the API list alike."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .access import role_grants_visible_to, units_visible_to
from .models import CareProvider, Unit, User
from .roles import Role


def _visible_units(request: Any) -> QuerySet[Unit]:
    if request is None:
        return Unit.objects.none()
    return units_visible_to(request.user)


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=Unit.Kind.choices, label=_("Kind"))
    operator = django_filters.ChoiceFilter(
        field_name="care_provider__operator",
        choices=CareProvider.Operator.choices,
        label=_("Operator"),
    )
    within = django_filters.ModelChoiceFilter(
        queryset=_visible_units, method="filter_within", label=_("Within unit")
    )
    active = django_filters.ChoiceFilter(
        method="filter_active",
        label=_("Active"),
        choices=[("true", _("Active only")), ("false", _("Inactive only"))],
    )

    class Meta:
        model = Unit
        fields = ["q", "kind", "operator", "within", "active"]

    def search(self, qs: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        return qs.filter(
            Q(name__icontains=value) | Q(short_name__icontains=value) | Q(hsa_id__icontains=value)
        )

    def filter_active(self, qs: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        return qs.filter(active=value == "true") if value else qs

    def filter_within(self, qs: QuerySet[Unit], name: str, value: Unit | None) -> QuerySet[Unit]:
        return qs.filter(path__startswith=value.path) if value else qs


class CareProviderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    operator = django_filters.ChoiceFilter(
        choices=CareProvider.Operator.choices, label=_("Operator")
    )

    class Meta:
        model = CareProvider
        fields = ["q", "operator", "active"]

    def search(self, qs: QuerySet[CareProvider], name: str, value: str) -> QuerySet[CareProvider]:
        return qs.filter(Q(name__icontains=value) | Q(org_number__icontains=value))


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    role = django_filters.ChoiceFilter(choices=Role.choices, method="filter_role", label=_("Role"))
    unit = django_filters.ModelChoiceFilter(
        queryset=_visible_units, method="filter_unit", label=_("Unit (incl. sub-units)")
    )

    class Meta:
        model = User
        fields = ["q", "role", "unit"]

    def search(self, qs: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return qs.filter(
            Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(username__icontains=value)
            | Q(email__icontains=value)
            | Q(title__icontains=value)
        )

    def filter_role(self, qs: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        # Only roles on units the caller sees: a role held elsewhere is not theirs to learn of.
        user = self.request.user if self.request is not None else None
        grants = role_grants_visible_to(user).filter(role=value, revoked_at__isnull=True)
        return qs.filter(pk__in=grants.values("user"))

    def filter_unit(self, qs: QuerySet[User], name: str, value: Unit | None) -> QuerySet[User]:
        if not value:
            return qs
        return qs.filter(
            grants__unit__path__startswith=value.path, grants__revoked_at__isnull=True
        ).distinct()
