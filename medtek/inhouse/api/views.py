"""API for in-house files: reads through the scoping functions, writes through the services.

``inhouse-devices`` are the files; below each file (``inhouse-devices/{id}/…``) its Annex I
checklist, its technical documents (every version; added and superseded, never changed nor
removed), its reviews of clinical experience and its release records, and the lifecycle's
actions: ``transition``, ``sign`` and ``notify``. Whoever sees the file reads what is below it;
every write checks the caller's right on the file before it reads the body."""

from collections.abc import Callable
from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, parsers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from medtek.core.access import one_or_404
from medtek.core.api import ScopedViewSet

from .. import access, services
from ..filters import InhouseDeviceFilter
from ..models import (
    ChecklistItem,
    CorrectiveAction,
    FileDocument,
    InhouseDevice,
    ReleaseRecord,
    Review,
    SignOff,
    assessed_q,
)
from ..selectors import inhouse_list_queryset
from .serializers import (
    ChecklistItemSerializer,
    DocumentNewVersionSerializer,
    FileDocumentSerializer,
    InhouseDeviceSerializer,
    InhouseDeviceSummarySerializer,
    NotificationSerializer,
    ReleaseRecordSerializer,
    ReviewSerializer,
    SignOffSerializer,
    SignSerializer,
    TransitionSerializer,
)

#: Documents come as a form with the file itself.
WITH_FILE = [parsers.MultiPartParser]
#: The lists below a file are the file's own, whole (no filters, no pages).
NESTED_LIST: dict[str, Any] = {"filter_backends": [], "pagination_class": None}


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """How many rows of ``queryset`` (filtered by ``file=OuterRef("pk")``) the file has."""
    counted = queryset.values("file").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _param(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH, description=description)


ITEM_ID = _param("item_id", "The checklist item's id.")
DOC_ID = _param("doc_id", "The id of the document's version that the new version supersedes.")


class InhouseDeviceViewSet(ScopedViewSet):
    """In-house manufactured devices (MDR art. 5(5)): one file per in-house device model, in the
    scope of the caller. ``?evidence=incomplete`` lists the files whose evidence does not hold.
    A file on its own carries every condition of art. 5(5) and what is missing for each."""

    serializer_class = InhouseDeviceSerializer
    filterset_class = InhouseDeviceFilter
    ordering_fields = ["file_number", "justification_review_due"]
    ordering = ["file_number"]

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "list":
            return InhouseDeviceSummarySerializer
        return InhouseDeviceSerializer

    def visible(self, user: Any) -> QuerySet[InhouseDevice]:
        items = ChecklistItem.objects.filter(file=OuterRef("pk"))
        last_review = (
            Review.objects.filter(file=OuterRef("pk"))
            .order_by("-reviewed_on")
            .values("reviewed_on")[:1]
        )
        return (
            inhouse_list_queryset(user, timezone.localdate())
            .select_related("device_model", "using_unit", "notification__sent_document")
            .annotate(
                checklist_total=_count(items),
                checklist_assessed=_count(items.filter(assessed_q())),
                last_reviewed_on=Subquery(last_review),
            )
        )

    def for_user(self, user: Any, pk: Any, *, write: bool = False) -> InhouseDevice:
        return access.inhouse_device_for_user(user, pk, write=write)

    def may_create(self, user: Any) -> bool:
        return access.may_keep_file(user)

    def create_record(self, user: Any, data: dict[str, Any]) -> InhouseDevice:
        return services.inhouse_device_create(actor=user, **data)

    def update_record(self, user: Any, obj: InhouseDevice, changes: dict[str, Any]) -> Any:
        model = changes.pop("device_model", obj.device_model)
        if model != obj.device_model:
            raise exceptions.ValidationError(
                {
                    "device_model": [
                        _("A file stays with its device model; open a new file instead.")
                    ]
                }
            )
        return services.inhouse_device_update(actor=user, inhouse_device=obj, **changes)

    # Helpers of the actions below the file ----------------------------------------------------

    def _file(
        self, request: Request, pk: Any, may: Callable[[Any, InhouseDevice], bool] | None = None
    ) -> InhouseDevice:
        """The file, 404 when the caller does not see it; with ``may``, 403 unless it holds."""
        file = access.inhouse_device_for_user(request.user, pk)
        if may is not None and not may(request.user, file):
            raise exceptions.PermissionDenied()
        return file

    def _kept(self, request: Request, pk: Any) -> InhouseDevice:
        """The file, for a write by one of its keepers (404 unseen, 403 not a keeper)."""
        return access.inhouse_device_for_user(request.user, pk, write=True)

    def _out(self, serializer_class: Any, data: Any, code: int = status.HTTP_200_OK) -> Response:
        many = isinstance(data, list | QuerySet)
        return Response(
            serializer_class(data, many=many, context=self.get_serializer_context()).data,
            status=code,
        )

    def _input(self, serializer_class: Any, request: Request, **kwargs: Any) -> dict[str, Any]:
        serializer = serializer_class(
            data=request.data, context=self.get_serializer_context(), **kwargs
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _the_file(self, file: InhouseDevice, code: int = status.HTTP_200_OK) -> Response:
        """The file as the caller reads it after a change."""
        return self.render(self.get_queryset().get(pk=file.pk), code)

    # The Annex I checklist ---------------------------------------------------------------

    @staticmethod
    def _items(file: InhouseDevice) -> QuerySet[ChecklistItem]:
        return (
            ChecklistItem.objects.filter(file=file)
            .select_related("requirement")
            .prefetch_related("evidence")
            .order_by("requirement__position")
        )

    @extend_schema(responses=ChecklistItemSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="checklist-items", **NESTED_LIST)
    def checklist_items(self, request: Request, pk: Any = None) -> Response:
        """The file's Annex I checklist (the general safety and performance requirements of its
        regulation), item by item in the order of the annex, with each item's assessment."""
        return self._out(ChecklistItemSerializer, self._items(self._file(request, pk)))

    @extend_schema(
        parameters=[ITEM_ID], request=ChecklistItemSerializer, responses=ChecklistItemSerializer
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"checklist-items/(?P<item_id>[0-9]+)",
        url_name="checklist-item",
    )
    def checklist_item(self, request: Request, pk: Any = None, item_id: Any = None) -> Response:
        """Assess one item of the checklist: whether it applies (if not, why not), whether it
        is met (if not fully, the justification the public declaration shows), and the
        evidence. An item that does not hold together is refused as a whole, with the
        messages by field."""
        file = self._kept(request, pk)
        item = one_or_404(self._items(file), item_id)
        data = self._input(ChecklistItemSerializer, request, partial=True)
        services.checklist_assess(actor=request.user, item=item, **data)
        return self._out(ChecklistItemSerializer, self._items(file).get(pk=item.pk))

    # Technical documentation ---------------------------------------------------------------

    @extend_schema(responses=FileDocumentSerializer(many=True))
    @action(
        detail=True, methods=["get"], url_path="documents", parser_classes=WITH_FILE, **NESTED_LIST
    )
    def documents(self, request: Request, pk: Any = None) -> Response:
        """The technical documents of the file, every version of each (MDR art. 5(5)(f)).
        They are never changed nor removed: a new version supersedes one."""
        file = self._file(request, pk)
        later = FileDocument.objects.filter(supersedes=OuterRef("pk"))
        versions = (
            FileDocument.objects.filter(file=file)
            .select_related("content")
            .annotate(current=~Exists(later))
            .order_by("kind", "lineage", "version")
        )
        return self._out(FileDocumentSerializer, versions)

    @extend_schema(
        request={"multipart/form-data": FileDocumentSerializer},
        responses={201: FileDocumentSerializer},
    )
    @documents.mapping.post
    def document_add(self, request: Request, pk: Any = None) -> Response:
        """Add a document to the technical file, with the document itself as ``file``
        (multipart). It is sealed as it is added."""
        file = self._kept(request, pk)
        data = self._input(FileDocumentSerializer, request)
        upload = data.pop("file")
        document = services.document_add(
            actor=request.user,
            inhouse_device=file,
            upload=(upload.name or "file", upload),
            **data,
        )
        return self._out(FileDocumentSerializer, document, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[DOC_ID],
        request={"multipart/form-data": DocumentNewVersionSerializer},
        responses={201: FileDocumentSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"documents/(?P<doc_id>[0-9]+)/new-version",
        url_name="document-new-version",
        parser_classes=WITH_FILE,
    )
    def document_new_version(
        self, request: Request, pk: Any = None, doc_id: Any = None
    ) -> Response:
        """A new version of a document (multipart: ``file``, ``reason``, a new ``title`` if
        any). It supersedes the current version, which stays as it was: only the current
        version can be superseded."""
        file = self._kept(request, pk)
        document = one_or_404(FileDocument.objects.filter(file=file), doc_id)
        data = self._input(DocumentNewVersionSerializer, request)
        upload = data.pop("file")
        new = services.document_new_version(
            actor=request.user,
            document=document,
            upload=(upload.name or "file", upload),
            **data,
        )
        return self._out(FileDocumentSerializer, new, status.HTTP_201_CREATED)

    # Reviews of clinical experience ----------------------------------------------------------

    @extend_schema(responses=ReviewSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="reviews", **NESTED_LIST)
    def reviews(self, request: Request, pk: Any = None) -> Response:
        """The reviews of the experience from clinical use of the device (MDR art. 5(5)(h)),
        the latest first, each with its corrective actions."""
        file = self._file(request, pk)
        rows = Review.objects.filter(file=file).prefetch_related(
            Prefetch("actions", queryset=CorrectiveAction.objects.order_by("due_date", "pk"))
        )
        return self._out(ReviewSerializer, rows)

    @extend_schema(request=ReviewSerializer, responses={201: ReviewSerializer})
    @reviews.mapping.post
    def review_record(self, request: Request, pk: Any = None) -> Response:
        """Record a review of clinical experience; the next one is due the file's interval
        after it."""
        file = self._kept(request, pk)
        data = self._input(ReviewSerializer, request)
        review = services.review_record(actor=request.user, inhouse_device=file, **data)
        return self._out(ReviewSerializer, review, status.HTTP_201_CREATED)

    # Manufacturing and release records ----------------------------------------------------

    @extend_schema(responses=ReleaseRecordSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="releases", **NESTED_LIST)
    def releases(self, request: Request, pk: Any = None) -> Response:
        """The manufacturing and release records of the file's units and batches
        (MDR art. 5(5)(g)), the latest first."""
        file = self._file(request, pk)
        rows = (
            ReleaseRecord.objects.filter(file=file)
            .select_related("device")
            .prefetch_related("documents")
        )
        return self._out(ReleaseRecordSerializer, rows)

    @extend_schema(request=ReleaseRecordSerializer, responses={201: ReleaseRecordSerializer})
    @releases.mapping.post
    def release_record(self, request: Request, pk: Any = None) -> Response:
        """Record that a unit (a registered device of the file's model) or a batch was made
        and released according to the technical documentation as it is now."""
        file = self._kept(request, pk)
        data = self._input(ReleaseRecordSerializer, request)
        release = services.release_record(actor=request.user, inhouse_device=file, **data)
        return self._out(ReleaseRecordSerializer, release, status.HTTP_201_CREATED)

    # The lifecycle ---------------------------------------------------------------------------

    @extend_schema(request=TransitionSerializer, responses=InhouseDeviceSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: Any = None) -> Response:
        """Move the file through its lifecycle: submit a draft for review, return it to draft,
        approve it for clinical use, suspend it, resume it, withdraw it. A refusal names
        everything that stands in the way (for an approval: each requirement that is
        missing)."""
        file = self._file(request, pk, access.may_govern)
        data = self._input(TransitionSerializer, request)
        moved = services.inhouse_device_transition(actor=request.user, inhouse_device=file, **data)
        return self._the_file(moved)

    @extend_schema(request=SignSerializer, responses={201: SignOffSerializer})
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: Any = None) -> Response:
        """Sign off the file under review, as head of the using unit or as head of medical
        technology: two different people, neither of whom wrote the file."""
        file = self._file(
            request,
            pk,
            lambda user, f: any(access.may_sign(user, f, c) for c in SignOff.Capacity.values),
        )
        data = self._input(SignSerializer, request)
        signoff = services.signoff_sign(actor=request.user, inhouse_device=file, **data)
        return self._out(SignOffSerializer, signoff, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def notify(self, request: Request, pk: Any = None) -> Response:
        """Draft the notification to IVO of the in-house manufacture (MDR art. 5(5)(d)) from the
        file's data: a report to the authority, approved and sent under
        ``authority-reports``. After a material change, a new one."""
        file = self._kept(request, pk)
        report = services.notification_draft(actor=request.user, inhouse_device=file)
        return self._out(NotificationSerializer, report, status.HTTP_201_CREATED)
