"""Serializers parse and validate; the viewset writes through the services.

A file is listed with what can be read off its row (its status, the IVO notification, the
checklist's progress, when the next review is due) and shown on its own with every condition of
art. 5(5) as well (:class:`InhouseDeviceSerializer`), which takes a few queries of its own. Its
checklist, technical documents, reviews and release records are read and written below the file
(``inhouse-devices/{id}/…``)."""

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from medtek.core.api import ScopedRelatedField
from medtek.devices.access import device_models_visible_to, devices_visible_to
from medtek.devices.models import Device, DeviceModel
from medtek.organisation.access import people_visible_to, units_visible_to
from medtek.organisation.models import Unit, User
from medtek.reports.models import Report

from .. import gates
from ..access import inhouse_devices_visible_to
from ..models import (
    FILE_FIELDS,
    ChecklistItem,
    CorrectiveAction,
    FileDocument,
    InhouseDevice,
    ReleaseRecord,
    Review,
    SignOff,
)


def _documents_of_visible_files(user: Any) -> QuerySet[FileDocument]:
    """Documents (any version) of the files the user sees: the evidence a checklist item may
    name. Whether it is a document of the item's own file is the service's to say."""
    return FileDocument.objects.filter(file__in=inhouse_devices_visible_to(user).values("pk"))


# The file ------------------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    """The IVO notification of the file (MDR art. 5(5)(d)): a report to the authority, drafted
    from the file and approved and sent in the reports module (``authority-reports``)."""

    status = serializers.CharField(
        read_only=True, help_text="The report's status (see authority-reports)."
    )
    document_number = serializers.CharField(
        source="sent_document.number",
        read_only=True,
        default="",
        help_text="The diary number of the copy sent to the authority.",
    )

    class Meta:
        model = Report
        fields = ["id", "number", "status", "sent_on", "authority_reference", "document_number"]
        read_only_fields = fields


class ConditionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """One condition of art. 5(5), by its letter in the file's own regulation."""

    letter = serializers.CharField(
        help_text="Its letter in the file's regulation: (a)–(h) of the MDR, (a)–(i) of the IVDR; "
        "empty for the model's registration as in-house manufactured."
    )
    key = serializers.CharField(
        help_text="The condition by the MDR's letter, ``lab`` for the IVDR's laboratory (c)."
    )
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    met = serializers.BooleanField()
    problem = serializers.CharField(help_text="What is missing; empty when the condition holds.")


class ChecklistProgressSerializer(serializers.Serializer):  # type: ignore[type-arg]
    assessed = serializers.IntegerField()
    total = serializers.IntegerField()


class InhouseDeviceSummarySerializer(serializers.ModelSerializer):
    """An in-house file as listed: its own data, its status and what can be told from its row."""

    device_model = ScopedRelatedField(DeviceModel, scope=device_models_visible_to)
    manufacturer_unit = ScopedRelatedField(Unit, scope=units_visible_to)
    using_unit = ScopedRelatedField(
        Unit,
        scope=units_visible_to,
        allow_null=True,
        required=False,
        help_text="The clinical unit that uses the device; its head signs the file off.",
    )
    device_model_name = serializers.CharField(source="device_model.__str__", read_only=True)
    risk_class = serializers.CharField(source="device_model.risk_class", read_only=True)
    regulation = serializers.CharField(read_only=True, help_text="MDR, or IVDR (classes A–D).")
    status = serializers.ChoiceField(
        choices=InhouseDevice.Status.choices,
        read_only=True,
        help_text="Where the file is in its lifecycle; changed through ``…/transition/``.",
    )
    manufacturer_unit_name = serializers.CharField(source="manufacturer_unit.name", read_only=True)
    using_unit_name = serializers.CharField(source="using_unit.name", read_only=True, default="")
    evidence_complete = serializers.SerializerMethodField(
        help_text="Whether the evidence for MDR art. 5(5)(a)–(c) holds today."
    )
    notification = NotificationSerializer(read_only=True, allow_null=True)
    checklist_progress = serializers.SerializerMethodField(
        help_text="How many items of the Annex I checklist are assessed, of how many."
    )
    next_review_due = serializers.SerializerMethodField(
        help_text="When the next review of clinical experience is due (none before approval)."
    )

    class Meta:
        model = InhouseDevice
        fields = [
            "id",
            "file_number",
            "device_model",
            "device_model_name",
            "risk_class",
            "regulation",
            "status",
            *FILE_FIELDS,
            "manufacturer_unit_name",
            "using_unit_name",
            "evidence_complete",
            "approved_at",
            "notification",
            "checklist_progress",
            "next_review_due",
        ]
        read_only_fields = ["file_number", "approved_at"]
        validators: list[object] = []  # one file per model is checked by the service

    def get_evidence_complete(self, obj: Any) -> bool:
        annotated = getattr(obj, "evidence_complete", None)
        if annotated is not None:
            return bool(annotated)
        return all(c.met for c in obj.conditions(timezone.localdate()))

    @extend_schema_field(ChecklistProgressSerializer)
    def get_checklist_progress(self, obj: Any) -> dict[str, int]:
        assessed = getattr(obj, "checklist_assessed", None)
        total = getattr(obj, "checklist_total", None)
        if assessed is None or total is None:
            assessed, total = gates.checklist_progress(obj)
        return {"assessed": assessed, "total": total}

    def get_next_review_due(self, obj: Any) -> datetime.date | None:
        if not hasattr(obj, "last_reviewed_on"):
            return gates.next_review_due(obj)
        start = obj.last_reviewed_on or (
            timezone.localdate(obj.approved_at) if obj.approved_at else None
        )
        return gates.add_months(start, obj.review_interval_months) if start else None


class InhouseDeviceSerializer(InhouseDeviceSummarySerializer):
    """An in-house file (MDR art. 5(5)) with every condition of art. 5(5) and what is missing for
    each, as the approval would see it today."""

    conditions = serializers.SerializerMethodField(
        help_text="Every condition of art. 5(5) in the file's own regulation, in order."
    )

    class Meta(InhouseDeviceSummarySerializer.Meta):
        fields = [*InhouseDeviceSummarySerializer.Meta.fields, "conditions"]

    @extend_schema_field(ConditionSerializer(many=True))
    def get_conditions(self, obj: InhouseDevice) -> list[dict[str, Any]]:
        today = timezone.localdate()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        # Units outside the reader's view are counted, not named.
        visible = devices_visible_to(user) if user is not None else Device.objects.none()
        found = [
            *obj.conditions(today, visible_devices=visible),
            *gates.later_conditions(obj, today),
        ]
        return [
            {
                "letter": obj.letter(c.point),
                "key": c.point,
                "label": str(c.label),
                "met": c.met,
                "problem": str(c.problem),
            }
            for c in found
        ]


# The Annex I checklist -----------------------------------------------------------------------


class ChecklistItemSerializer(serializers.ModelSerializer):
    """The file's assessment of one item of Annex I. PATCH assesses it: whether it applies (and
    if not, why not), whether it is met (and if not fully, the justification the public
    declaration shows), and the evidence: documents of the file, by version."""

    code = serializers.CharField(source="requirement.code", read_only=True)
    chapter = serializers.CharField(source="requirement.chapter", read_only=True)
    level = serializers.IntegerField(source="requirement.level", read_only=True)
    title = serializers.CharField(source="requirement.title", read_only=True)
    evidence = ScopedRelatedField(
        FileDocument,
        scope=_documents_of_visible_files,
        many=True,
        required=False,
        help_text="The documents (ids of versions) of this file that show it; replaces the "
        "item's evidence.",
    )
    assessed = serializers.BooleanField(read_only=True)

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "requirement",
            "code",
            "chapter",
            "level",
            "title",
            "applies",
            "not_applicable_reason",
            "outcome",
            "justification",
            "evidence",
            "evidence_note",
            "assessed",
            "assessed_at",
            "assessed_by",
        ]
        read_only_fields = ["requirement", "assessed_at", "assessed_by"]
        validators: list[object] = []  # the service validates (ChecklistItem.full_clean)


# Technical documentation ---------------------------------------------------------------------


class FileDocumentSerializer(serializers.ModelSerializer):
    """One version of a document of the technical file (MDR art. 5(5)(f)). Sealed when it is
    added: it is never changed nor removed, and a new version supersedes it
    (``…/documents/{doc_id}/new-version/``). POST (multipart) adds a document."""

    file = serializers.FileField(write_only=True, help_text="The document itself.")
    sha256 = serializers.CharField(source="content.sha256", read_only=True)
    size = serializers.IntegerField(source="content.size", read_only=True)
    content_type = serializers.CharField(source="content.content_type", read_only=True)
    is_current = serializers.SerializerMethodField(
        help_text="Whether this is the current version (no later version supersedes it)."
    )

    class Meta:
        model = FileDocument
        fields = [
            "id",
            "lineage",
            "version",
            "supersedes",
            "is_current",
            "kind",
            "title",
            "note",
            "file",
            "name",
            "sha256",
            "size",
            "content_type",
            "correction_reason",
            "created_by",
            "created_at",
        ]
        read_only_fields = [
            "lineage",
            "version",
            "supersedes",
            "name",
            "correction_reason",
            "created_by",
            "created_at",
        ]
        validators: list[object] = []

    def get_is_current(self, obj: FileDocument) -> bool:
        annotated = getattr(obj, "current", None)
        return bool(annotated) if annotated is not None else obj.is_current


class DocumentNewVersionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A new version of a technical document: the new content, why, and a new title if any."""

    file = serializers.FileField(help_text="The new version of the document.")
    reason = serializers.CharField(max_length=2000, help_text="Why there is a new version.")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)


# Reviews and release records -----------------------------------------------------------------


class CorrectiveActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CorrectiveAction
        fields = [
            "id",
            "description",
            "owner",
            "due_date",
            "status",
            "done_note",
            "verification",
            "verified_on",
            "verified_by",
        ]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    """A review of the experience from clinical use (MDR art. 5(5)(h)), with its corrective
    actions. Never changed once recorded."""

    actions = CorrectiveActionSerializer(many=True, read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "reviewed_on",
            "period_start",
            "findings",
            "units_made",
            "incidents",
            "complaints",
            "recorded_at",
            "recorded_by",
            "actions",
        ]
        read_only_fields = ["recorded_at", "recorded_by"]
        validators: list[object] = []  # the service validates (Review.full_clean)


class ReleaseRecordSerializer(serializers.ModelSerializer):
    """The manufacturing and release record of one unit (a registered device of the file's
    model) or one batch (MDR art. 5(5)(g)), naming the versions of the technical documents it
    was made by (the current ones when it was recorded). Never changed once recorded."""

    device = ScopedRelatedField(
        Device,
        scope=devices_visible_to,
        allow_null=True,
        required=False,
        help_text="The released device (of the file's model); or give the batch.",
    )
    device_inventory_number = serializers.CharField(
        source="device.inventory_number", read_only=True, default=""
    )
    made_by = ScopedRelatedField(User, scope=people_visible_to)
    documents: Any = serializers.PrimaryKeyRelatedField(
        many=True,
        read_only=True,
        help_text="The versions of the technical documents the release was made by.",
    )

    class Meta:
        model = ReleaseRecord
        fields = [
            "id",
            "device",
            "device_inventory_number",
            "batch",
            "quantity",
            "made_by",
            "made_on",
            "note",
            "documents",
            "recorded_at",
            "recorded_by",
        ]
        read_only_fields = ["recorded_at", "recorded_by"]
        validators: list[object] = []  # the service validates (ReleaseRecord.full_clean)


# The lifecycle -------------------------------------------------------------------------------


class TransitionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Where the file goes (draft → under review → approved for clinical use → suspended;
    withdrawn from any of them), and why; a refusal names everything that stands in the way."""

    target = serializers.ChoiceField(choices=InhouseDevice.Status.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class SignSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The signature of one of the two heads: of the using unit, or of medical technology."""

    capacity = serializers.ChoiceField(choices=SignOff.Capacity.choices)
    statement = serializers.CharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        help_text="What is signed; the standard statement if none.",
    )


class SignOffSerializer(serializers.ModelSerializer):
    class Meta:
        model = SignOff
        fields = ["id", "round", "capacity", "person", "signed_at", "statement"]
        read_only_fields = fields
