"""One filter set for the in-house files: the UI list, the API list and the export."""

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medtek.organisation.access import path_q, units_visible_to
from medtek.organisation.models import Unit
from medtek.organisation.roles import Role

from .gates import review_overdue_q
from .models import InhouseDevice, SignOff, incomplete_q


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
    status = django_filters.ChoiceFilter(choices=InhouseDevice.Status.choices, label=_("Status"))
    review = django_filters.ChoiceFilter(
        method="filter_review",
        label=_("Review of clinical experience"),
        choices=[("overdue", _("Overdue"))],
    )
    signature = django_filters.ChoiceFilter(
        method="filter_signature",
        label=_("Sign-off"),
        choices=[("mine", _("Waiting for my signature"))],
    )
    device_model = django_filters.NumberFilter(field_name="device_model", label=_("Device model"))

    class Meta:
        model = InhouseDevice
        fields = [
            "q",
            "kind",
            "status",
            "within",
            "evidence",
            "review",
            "signature",
            "device_model",
        ]

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

    def filter_review(
        self, qs: QuerySet[InhouseDevice], name: str, value: str
    ) -> QuerySet[InhouseDevice]:
        return qs.filter(review_overdue_q(timezone.localdate())) if value == "overdue" else qs

    def filter_signature(
        self, qs: QuerySet[InhouseDevice], name: str, value: str
    ) -> QuerySet[InhouseDevice]:
        if value != "mine" or self.request is None:
            return qs
        return qs.filter(awaiting_signature_q(self.request.user))


def awaiting_signature_q(user: Any) -> Q:
    """Files under review that ``user``, as head of the using or the manufacturing unit, has yet
    to sign in this round (and has not signed in the other capacity)."""
    heads = frozenset({Role.HEAD_OF_UNIT})

    def unsigned(capacity: str) -> Q:
        return Q(
            Exists(
                SignOff.objects.filter(
                    file=OuterRef("pk"), round=OuterRef("signoff_round"), capacity=capacity
                )
            )
        )

    signed_by_me = Q(
        Exists(
            SignOff.objects.filter(
                file=OuterRef("pk"), round=OuterRef("signoff_round"), person=user
            )
        )
    )
    found: Q = (
        Q(status=InhouseDevice.Status.UNDER_REVIEW)
        & (
            (path_q(user, "using_unit__path", heads) & ~unsigned(SignOff.Capacity.USING_UNIT))
            | (
                path_q(user, "manufacturer_unit__path", heads)
                & ~unsigned(SignOff.Capacity.MEDICAL_TECHNOLOGY)
            )
        )
        & ~signed_by_me
    )
    return found
