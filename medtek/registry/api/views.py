"""API for the diary: ``cases`` and ``documents``, read through the scoping functions and
written through the services. Registration, correction, closing and files are actions."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, parsers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from medtek.core.api import ScopedViewSet

from .. import access, selectors, services
from ..filters import CaseFilter, DocumentFilter
from ..models import CASE_FIELDS, Case, Document
from .serializers import (
    CaseSerializer,
    CorrectionSerializer,
    DocumentFileSerializer,
    DocumentSerializer,
    ReasonSerializer,
    RegisterSerializer,
)


class CaseViewSet(ScopedViewSet):
    """Cases of the diary the caller may see."""

    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    ordering_fields = ["number", "created_at"]
    ordering = ["-created_at"]

    def visible(self, user: Any) -> QuerySet[Case]:
        return selectors.cases_queryset(user).select_related("series")

    def for_user(self, user: Any, pk: Any, *, write: bool = False) -> Case:
        return access.case_for_user(user, pk, write=write)

    def may_create(self, user: Any) -> bool:
        return access.may_open_case(user)

    def create_record(self, user: Any, data: dict[str, Any]) -> Case:
        series = data.pop("series")
        return services.case_open(
            actor=user, series=series.key, **{k: v for k, v in data.items() if k in CASE_FIELDS}
        )

    def update_record(self, user: Any, obj: Case, changes: dict[str, Any]) -> Any:
        changes.pop("series", None)
        return services.case_update(actor=user, case=obj, **changes)

    @extend_schema(request=ReasonSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        """Close the case (nothing of it may wait to be registered)."""
        case = self.for_user(request.user, pk, write=True)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.render(
            services.case_close(actor=request.user, case=case, **serializer.validated_data)
        )

    @extend_schema(request=ReasonSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: Any = None) -> Response:
        """Reopen a closed case, with a reason."""
        case = self.for_user(request.user, pk, write=True)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.render(
            services.case_reopen(
                actor=request.user, case=case, reason=serializer.validated_data.get("reason", "")
            )
        )


class DocumentViewSet(ScopedViewSet):
    """Documents of the diary the caller may see, in their current version. POST submits a
    document for registration; ``…/register/`` registers one, ``…/correct/`` corrects a
    registered one (a new version), ``…/files/`` adds a file to one that waits."""

    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    ordering_fields = ["number", "date"]
    ordering = ["-date"]

    def visible(self, user: Any) -> QuerySet[Document]:
        return (
            access.documents_visible_to(user)
            .current()
            .select_related("case", "unit", "secrecy_provision")
            .prefetch_related("files__file")
        )

    def for_user(self, user: Any, pk: Any, *, write: bool = False) -> Document:
        return access.document_for_user(user, pk, write=write)

    def may_create(self, user: Any) -> bool:
        return access.may_submit(user)

    def create_record(self, user: Any, data: dict[str, Any]) -> Document:
        for name in ("secrecy_provision", "secrecy_marked_on", "secrecy_marked_by"):
            data.pop(name, None)  # a marking is made when the document is registered
        return services.document_submit(actor=user, **data)

    def update_record(self, user: Any, obj: Document, changes: dict[str, Any]) -> Any:
        return services.document_update(actor=user, document=obj, **changes)

    @extend_schema(request=RegisterSerializer, responses=DocumentSerializer)
    @action(detail=True, methods=["post"])
    def register(self, request: Request, pk: Any = None) -> Response:
        """Register a waiting document in a case: it gets its number and never changes again
        except by correction."""
        document = self.for_user(request.user, pk, write=True)
        serializer = RegisterSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        case = data.pop("case")
        registered = services.document_register(
            actor=request.user, document=document, case=case, **data
        )
        return self.render(registered)

    @extend_schema(request=CorrectionSerializer, responses=DocumentSerializer)
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk: Any = None) -> Response:
        """Correct a registered document: a new version that names the one it corrects."""
        document = self.for_user(request.user, pk, write=True)
        serializer = CorrectionSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = data.pop("reason")
        data.pop("case", None)
        corrected = services.document_correct(
            actor=request.user, document=document, reason=reason, **data
        )
        return self.render(corrected, 201)

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        responses=DocumentFileSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[parsers.MultiPartParser],
        url_path="files",
    )
    def add_file(self, request: Request, pk: Any = None) -> Response:
        """Add a file to a document that waits to be registered."""
        document = access.document_for_user(request.user, pk)
        if not access.may_attach(request.user, document):
            raise exceptions.PermissionDenied()  # before the body is read
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": ["Choose a file."]})
        attached = services.document_attach(
            actor=request.user, document=document, name=upload.name or "file", content=upload
        )
        return Response(DocumentFileSerializer(attached).data, status=201)
