"""API for reports to the authorities: ``authorities`` and ``report-kinds`` (read by every
signed-in person) and ``authority-reports``, read through ``reports_visible_to`` and written
through the services. The lifecycle — approve, return, send, the manufacturer's copy, replies,
supplements, close — is a set of actions; each checks the caller's right before it reads the
body."""

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, parsers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from medtek.core.access import one_or_404
from medtek.core.api import ScopedViewSet

from .. import access, selectors, services
from ..filters import ReportFilter
from ..models import Authority, Dispatch, Reply, Report, ReportKind
from .serializers import (
    ApproveSerializer,
    AuthoritySerializer,
    ManufacturerCopySerializer,
    ReplyInputSerializer,
    ReplyUploadSerializer,
    ReportKindSerializer,
    ReportReasonSerializer,
    ReportSerializer,
    SendSerializer,
    SupplementInputSerializer,
    SupplementUploadSerializer,
)

READ_ONLY = ["get", "head", "options"]
#: Replies and supplements come as JSON, or as a form with the file itself.
WITH_FILE = [parsers.JSONParser, parsers.MultiPartParser]


class AuthorityViewSet(ScopedViewSet):
    """The authorities that receive reports (IVO, Läkemedelsverket), as the region keeps them."""

    http_method_names = READ_ONLY
    serializer_class = AuthoritySerializer
    ordering = ["name"]

    def visible(self, user: Any) -> QuerySet[Authority]:
        return access.authorities_visible_to(user)

    def for_user(self, user: Any, pk: Any, *, write: bool = False) -> Authority:
        return one_or_404(self.visible(user), pk)  # read-only: ``write`` never comes


class ReportKindViewSet(ScopedViewSet):
    """The kinds of report, with their recipient, legal anchor, who drafts and approves them,
    and their deadlines."""

    http_method_names = READ_ONLY
    serializer_class = ReportKindSerializer
    ordering = ["name"]

    def visible(self, user: Any) -> QuerySet[ReportKind]:
        return access.kinds_visible_to(user)

    def for_user(self, user: Any, pk: Any, *, write: bool = False) -> ReportKind:
        return one_or_404(self.visible(user), pk)


def _files(request: Request) -> list[tuple[str, Any]]:
    upload = request.FILES.get("file")
    return [(upload.name or "file", upload)] if upload is not None else []


class AuthorityReportViewSet(ScopedViewSet):
    """Reports to the authorities the caller may see. POST drafts one (its number, recipient and
    due date follow); PATCH changes a draft. ``?overdue=true`` lists the reports not sent by
    their due date."""

    serializer_class = ReportSerializer
    filterset_class = ReportFilter
    ordering_fields = ["number", "event_date", "due_date", "created_at"]
    ordering = ["-event_date", "-id"]

    def visible(self, user: Any) -> QuerySet[Report]:
        return selectors.reports_for(user).prefetch_related(
            Prefetch("dispatches", queryset=Dispatch.objects.select_related("document")),
            Prefetch("replies", queryset=Reply.objects.select_related("document")),
        )

    def for_user(self, user: Any, pk: Any, *, write: bool = False) -> Report:
        if write:
            return access.report_for_writer(user, pk)
        return access.report_for_user(user, pk)

    def may_create(self, user: Any) -> bool:
        return access.may_draft_somewhere(user)

    def create_record(self, user: Any, data: dict[str, Any]) -> Report:
        kind = data.pop("kind", None)
        if kind is None:
            raise exceptions.ValidationError({"kind": ["This field is required."]})
        return services.report_draft(actor=user, kind=kind, **data)

    def update_record(self, user: Any, obj: Report, changes: dict[str, Any]) -> Any:
        kind = changes.pop("kind", obj.kind)
        if kind != obj.kind:
            raise exceptions.ValidationError(
                {"kind": ["A report keeps its kind; draft a new report of the other kind."]}
            )
        return services.report_update(actor=user, report=obj, **changes)

    # The lifecycle ------------------------------------------------------------------------

    def _report(self, request: Request, pk: Any, may: Callable[[Any, Report], bool]) -> Report:
        """The report, 404 when the caller does not see it, 403 when they may not do this."""
        report = access.report_for_user(request.user, pk)
        if not may(request.user, report):
            raise exceptions.PermissionDenied()
        return report

    def _answer(self, report: Report, status_code: int = status.HTTP_200_OK) -> Response:
        return self.render(self.visible(self.request.user).get(pk=report.pk), status_code)

    @extend_schema(request=ApproveSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        """Approve a draft: another person than whoever drafted or changed it (four eyes), with
        the kind's approver role."""
        report = self._report(request, pk, access.may_approve)
        serializer = ApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(
            services.report_approve(actor=request.user, report=report, **serializer.validated_data)
        )

    @extend_schema(request=ReportReasonSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_draft(self, request: Request, pk: Any = None) -> Response:
        """Return an approved report to draft, with a reason; its approval lapses."""
        report = self._report(
            request, pk, lambda u, r: access.may_work_on(u, r) or access.may_approve(u, r)
        )
        serializer = ReportReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(
            services.report_return(actor=request.user, report=report, **serializer.validated_data)
        )

    @extend_schema(request=SendSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: Any = None) -> Response:
        """Send an approved report: its copy is registered as an outgoing document in its diary
        case (a case is opened if it has none) and the report is sealed. The answer carries the
        document's number and the case's."""
        report = self._report(request, pk, access.may_work_on)
        serializer = SendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(
            services.report_send(actor=request.user, report=report, **serializer.validated_data)
        )

    @extend_schema(request=ManufacturerCopySerializer, responses={201: ReportSerializer})
    @action(detail=True, methods=["post"], url_path="manufacturer-copy")
    def manufacturer_copy(self, request: Request, pk: Any = None) -> Response:
        """Record that the manufacturer got its copy of a sent report; the copy is registered in
        the case."""
        report = self._report(request, pk, access.may_work_on)
        serializer = ManufacturerCopySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.report_send_manufacturer_copy(
            actor=request.user, report=report, **serializer.validated_data
        )
        return self._answer(report, status.HTTP_201_CREATED)

    @extend_schema(
        request={
            "application/json": ReplyInputSerializer,
            "multipart/form-data": ReplyUploadSerializer,
        },
        responses={201: ReportSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=WITH_FILE)
    def replies(self, request: Request, pk: Any = None) -> Response:
        """Register a reply about a sent report as an incoming document in its case (with the
        reply itself as ``file``, sent as multipart). The authority's first reply, with its
        reference, acknowledges the report."""
        report = self._report(request, pk, access.may_work_on)
        serializer = ReplyUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("file", None)
        services.report_record_reply(
            actor=request.user, report=report, files=_files(request), **data
        )
        return self._answer(report, status.HTTP_201_CREATED)

    @extend_schema(
        request={
            "application/json": SupplementInputSerializer,
            "multipart/form-data": SupplementUploadSerializer,
        },
        responses={201: ReportSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=WITH_FILE)
    def supplements(self, request: Request, pk: Any = None) -> Response:
        """Send a supplement to a sent report: a new outgoing document in its case; the report
        itself stays as it was sent."""
        report = self._report(request, pk, access.may_work_on)
        serializer = SupplementUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("file", None)
        services.report_supplement(actor=request.user, report=report, files=_files(request), **data)
        return self._answer(report, status.HTTP_201_CREATED)

    @extend_schema(request=ReportReasonSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        """Close a sent report, with a reason: nothing more is expected."""
        report = self._report(request, pk, access.may_work_on)
        serializer = ReportReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(
            services.report_close(actor=request.user, report=report, **serializer.validated_data)
        )
