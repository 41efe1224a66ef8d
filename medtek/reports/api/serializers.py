"""Serializers parse and validate; the viewsets write through the services. A report carries
its diary numbers (the case, the registered copy of what was sent), what was sent about it and
what came back; its free text is read by whoever sees the report (``reports_visible_to``)."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from medtek.core.api import ScopedRelatedField
from medtek.devices.access import device_models_visible_to, devices_visible_to
from medtek.devices.models import Device, DeviceModel
from medtek.organisation.access import people_visible_to, units_visible_to
from medtek.organisation.models import Unit, User
from medtek.registry.access import cases_visible_to
from medtek.registry.models import Case

from .. import access
from ..models import KIND_FIELDS, REPORT_FIELDS, Authority, Dispatch, Reply, Report, ReportKind


def _open_cases(user: Any) -> Any:
    return cases_visible_to(user).filter(status=Case.Status.OPEN)


def _or_empty(format: str, max_length: int) -> dict[str, Any]:
    """The schema of a text that has ``format`` when it is given, and may be left empty."""
    return {
        "anyOf": [
            {"type": "string", "format": format, "maxLength": max_length},
            {"type": "string", "maxLength": 0},
        ]
    }


@extend_schema_field(_or_empty("email", 254))
class EmailOrEmptyField(serializers.EmailField):
    pass


@extend_schema_field(_or_empty("uri", 200))
class UrlOrEmptyField(serializers.URLField):
    pass


class AuthoritySerializer(serializers.ModelSerializer):
    e_service = UrlOrEmptyField(read_only=True)

    class Meta:
        model = Authority
        fields = ["id", "code", "name", "short_name", "address", "e_service", "active"]


class ReportKindSerializer(serializers.ModelSerializer):
    drafter_roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    approver_roles = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ReportKind
        fields = ["id", *KIND_FIELDS]


class DispatchSerializer(serializers.ModelSerializer):
    document_number = serializers.CharField(source="document.number", read_only=True)

    class Meta:
        model = Dispatch
        fields = [
            "id",
            "purpose",
            "recipient",
            "authority",
            "channel",
            "sent_on",
            "text",
            "document",
            "document_number",
            "created_at",
        ]
        read_only_fields = fields


class ReplySerializer(serializers.ModelSerializer):
    document_number = serializers.CharField(source="document.number", read_only=True)

    class Meta:
        model = Reply
        fields = [
            "id",
            "sender",
            "authority",
            "received_on",
            "reference",
            "summary",
            "document",
            "document_number",
            "created_at",
        ]
        read_only_fields = fields


class ReportSerializer(serializers.ModelSerializer):
    """A report to an authority: what its drafter gives (its kind only when it is drafted), and,
    read-only, what follows from the kind and the lifecycle — its number, recipient, status, due
    date, the diary numbers of its case and of the copy sent, what was sent and what came back."""

    kind = ScopedRelatedField(ReportKind, scope=access.kinds_visible_to)
    unit = ScopedRelatedField(Unit, scope=units_visible_to)
    contact_person = ScopedRelatedField(
        User, scope=people_visible_to, allow_null=True, required=False
    )
    device = ScopedRelatedField(Device, scope=devices_visible_to, allow_null=True, required=False)
    device_model = ScopedRelatedField(
        DeviceModel, scope=device_models_visible_to, allow_null=True, required=False
    )
    case = ScopedRelatedField(Case, scope=_open_cases, allow_null=True, required=False)
    related_report = ScopedRelatedField(
        Report, scope=access.reports_visible_to, allow_null=True, required=False
    )
    contact_email = EmailOrEmptyField(max_length=254, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Report.Status.choices, read_only=True)
    kind_code = serializers.CharField(source="kind.code", read_only=True)
    kind_name = serializers.CharField(source="kind.name", read_only=True)
    authority_name = serializers.CharField(source="authority.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    case_number = serializers.CharField(source="case.number", read_only=True, default="")
    sent_document_number = serializers.CharField(
        source="sent_document.number", read_only=True, default=""
    )
    is_overdue = serializers.BooleanField(read_only=True)
    dispatches = DispatchSerializer(many=True, read_only=True)
    replies = ReplySerializer(many=True, read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "number",
            "version",
            "kind",
            "kind_code",
            "kind_name",
            "authority",
            "authority_name",
            "status",
            *REPORT_FIELDS,
            "unit_name",
            "care_provider",
            "due_date",
            "is_overdue",
            "created_at",
            "created_by",
            "approved_at",
            "approved_by",
            "sent_on",
            "sent_document",
            "sent_document_number",
            "case_number",
            "authority_reference",
            "acknowledged_on",
            "closed_at",
            "closed_by",
            "dispatches",
            "replies",
        ]
        validators: list[object] = []  # the services validate (Report.full_clean)


class ApproveSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ReportReasonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=2000)


class SendSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """How the report was sent (or is sent now), and on which day (today if none)."""

    channel = serializers.ChoiceField(choices=Dispatch.Channel.choices)
    sent_on = serializers.DateField(required=False)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ManufacturerCopySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """To whom at the manufacturer (its contact on the report if none), how, and when."""

    recipient = serializers.CharField(max_length=300, required=False, allow_blank=True)
    channel = serializers.ChoiceField(choices=Dispatch.Channel.choices)
    sent_on = serializers.DateField(required=False)


class ReplyInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A reply about the report: the authority's (with its reference) or another sender's."""

    received_on = serializers.DateField()
    summary = serializers.CharField(max_length=500)
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True)
    from_authority = serializers.BooleanField(default=True)
    sender = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ReplyUploadSerializer(ReplyInputSerializer):
    file = serializers.FileField(required=False, help_text="The reply itself, as received.")


class SupplementInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A supplement (komplettering) sent to the authority about the report."""

    text = serializers.CharField(max_length=10000)
    channel = serializers.ChoiceField(choices=Dispatch.Channel.choices)
    sent_on = serializers.DateField(required=False)
    personal_numbers_confirmed = serializers.BooleanField(
        required=False, default=False, help_text="The numbers in the text are not personal numbers."
    )


class SupplementUploadSerializer(SupplementInputSerializer):
    file = serializers.FileField(required=False, help_text="The supplement as sent.")
