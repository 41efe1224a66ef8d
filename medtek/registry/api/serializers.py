"""Serializers parse and validate; the viewsets write through the services. What a document or a
case keeps apart is left out of the output for everyone who may not read it."""

from typing import Any

from rest_framework import serializers

from medtek.core.api import ScopedRelatedField
from medtek.core.models import NumberSeries
from medtek.organisation.access import people_visible_to, units_visible_to
from medtek.organisation.models import Unit, User

from .. import access
from ..models import (
    CASE_FIELDS,
    DOCUMENT_FIELDS,
    MARKING_FIELDS,
    Case,
    Document,
    DocumentFile,
    ProcessCode,
    SecrecyProvision,
)

CASE_RESTRICTED = ("title_restricted",)
DOCUMENT_RESTRICTED = ("counterparty_restricted", "details")


def _open_cases(user: Any) -> Any:
    return access.cases_visible_to(user).filter(status=Case.Status.OPEN)


def _all(model: Any) -> Any:
    return lambda user: model._default_manager.all()


class CaseSerializer(serializers.ModelSerializer):
    series = serializers.SlugRelatedField(
        slug_field="key",
        queryset=NumberSeries.objects.all(),
        help_text="The number series (its key) a new case takes its number from.",
    )
    unit = ScopedRelatedField(Unit, scope=units_visible_to)
    officer = ScopedRelatedField(User, scope=people_visible_to, allow_null=True, required=False)
    classification = ScopedRelatedField(
        ProcessCode, scope=_all(ProcessCode), allow_null=True, required=False
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "series",
            "year",
            *CASE_FIELDS,
            "status",
            "closed_at",
            "created_at",
        ]
        read_only_fields = ["number", "year", "status", "closed_at", "created_at"]

    def to_representation(self, instance: Case) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not access.may_read_restricted(request.user, case=instance):
            for name in CASE_RESTRICTED:
                data.pop(name, None)
        return data


class DocumentFileSerializer(serializers.ModelSerializer):
    sha256 = serializers.CharField(source="file.sha256", read_only=True, default="")
    size = serializers.IntegerField(source="file.size", read_only=True, default=None)
    content_type = serializers.CharField(source="file.content_type", read_only=True, default="")

    class Meta:
        model = DocumentFile
        fields = ["id", "name", "sha256", "size", "content_type", "added_at"]


class DocumentSerializer(serializers.ModelSerializer):
    case = ScopedRelatedField(Case, scope=_open_cases, allow_null=True, required=False)
    unit = ScopedRelatedField(Unit, scope=units_visible_to)
    secrecy_provision = ScopedRelatedField(
        SecrecyProvision, scope=_all(SecrecyProvision), allow_null=True, required=False
    )
    case_number = serializers.CharField(source="case.number", read_only=True, default="")
    files = DocumentFileSerializer(many=True, read_only=True)
    registered_at = serializers.DateTimeField(source="sealed_at", read_only=True)
    waiting = serializers.BooleanField(source="is_waiting", read_only=True)

    class Meta:
        model = Document
        fields = [
            "id",
            "number",
            "version",
            "case",
            "case_number",
            *DOCUMENT_FIELDS,
            *MARKING_FIELDS,
            "registered_at",
            "waiting",
            "submitted_at",
            "correction_reason",
            "files",
        ]
        read_only_fields = ["number", "version", "submitted_at", "correction_reason"]

    def to_representation(self, instance: Document) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not access.may_read_restricted(request.user, instance):
            for name in DOCUMENT_RESTRICTED:
                data.pop(name, None)
        return data


class RegisterSerializer(DocumentSerializer):
    """Registration: the case (required) and any last changes to the facts and the marking."""

    class Meta(DocumentSerializer.Meta):
        pass

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        fields["case"].required = True
        fields["case"].allow_null = False
        return fields


class CorrectionSerializer(DocumentSerializer):
    reason = serializers.CharField(max_length=2000, write_only=True)

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "reason"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        for name, field in fields.items():
            field.required = name == "reason"
        return fields


class ReasonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
