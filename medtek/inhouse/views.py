"""In-house file pages. Each view: access check → form → service → redirect.

The file page shows every condition of art. 5(5) with the letters of the file's own regulation,
the IVO notification, the technical documents with their versions, the releases, the reviews
with their corrective actions, the sign-off and the lifecycle; its forms are for the file's
keepers (and the two heads who sign it), and a reader sees it all without them. The public
declarations are the one part without a login.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from medtek.core import files
from medtek.core.formviews import changes_of, form_view
from medtek.core.listing import list_page
from medtek.devices.access import device_models_visible_to, devices_visible_to
from medtek.devices.models import DeviceModel, DeviceStatus
from medtek.organisation.access import people_visible_to
from medtek.reports import access as report_access
from medtek.reports.models import Report

from . import access, gates, selectors, services
from .filters import InhouseDeviceFilter
from .forms import (
    ActionDoneForm,
    ActionVerifyForm,
    CorrectiveActionForm,
    DocumentAddForm,
    DocumentVersionForm,
    InhouseDeviceForm,
    ReleaseForm,
    ReviewForm,
    SignForm,
    TransitionForm,
)
from .models import (
    REQUIRED_DOCUMENT_KINDS,
    Condition,
    CorrectiveAction,
    FileDocument,
    InhouseDevice,
    SignOff,
)
from .services import FILE_LIFECYCLE

S = InhouseDevice.Status


def _file_url(pk: int) -> str:
    return reverse("inhouse:file_detail", args=[pk])


@login_required
def file_list(request: HttpRequest) -> HttpResponseBase:
    today = timezone.localdate()
    return list_page(
        request,
        queryset=selectors.inhouse_list_queryset(request.user, today),
        filterset_class=InhouseDeviceFilter,
        template="inhouse/inhousedevice_list.html",
        sort_fields={
            "file_number": "file_number",
            "trade_name": "device_model__trade_name",
            "unit": "manufacturer_unit__name",
            "review": "justification_review_due",
        },
        default_sort="file_number",
        export_name="inhouse-files",
        export_header=selectors.EXPORT_HEADER,
        export_row=selectors.inhouse_export_row,
        export_fields={
            **{name: DeviceModel._meta.get_field(name) for name in selectors.MODEL_COLUMNS},
            "manufacturing_unit": InhouseDevice._meta.get_field("manufacturer_unit"),
            # Not a field but computed for today (selectors.files_for): yes/no, as the list shows.
            "evidence_complete": BooleanField(_("MDR 5(5) evidence complete")),
        },
        extra={"may_open": access.may_keep_file(request.user), "today": today},
    )


def _models_without_file(request: HttpRequest) -> QuerySet[DeviceModel]:
    return device_models_visible_to(request.user).filter(
        conformity=DeviceModel.Conformity.IN_HOUSE, inhouse_file__isnull=True
    )


@login_required
def file_create(request: HttpRequest) -> HttpResponse:
    units = access.manufacturing_units(request.user)
    if not units.exists():
        raise PermissionDenied
    initial = {"device_model": request.GET.get("device_model")}
    form = InhouseDeviceForm(
        request.POST or None, initial=initial, units=units, models=_models_without_file(request)
    )
    return form_view(
        request,
        form=form,
        save=lambda f: services.inhouse_device_create(actor=request.user, **f.cleaned_data),
        title=_("Open an in-house file"),
        cancel_url=reverse("inhouse:file_list"),
        success_url=lambda file: _file_url(file.pk),
        success_message=lambda file: _("In-house file %(file)s opened.") % {"file": file},
    )


@login_required
def file_edit(request: HttpRequest, pk: int) -> HttpResponse:
    file = access.inhouse_device_for_user(request.user, pk, write=True)
    form = InhouseDeviceForm(
        request.POST or None, instance=file, units=access.manufacturing_units(request.user)
    )
    return form_view(
        request,
        form=form,
        save=lambda f: services.inhouse_device_update(
            actor=request.user, inhouse_device=file, **changes_of(f)
        ),
        title=_("Edit %(file)s") % {"file": file},
        cancel_url=_file_url(file.pk),
        success_url=lambda f: _file_url(f.pk),
    )


# The file page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """A condition of art. 5(5) as the file's own regulation letters it."""

    letter: str
    condition: Condition

    @property
    def met(self) -> bool:
        return self.condition.met


@dataclass
class DocumentLine:
    """A technical document: its current version and the versions it superseded, newest
    first."""

    current: FileDocument
    older: list[FileDocument] = field(default_factory=list)


@dataclass
class KindGroup:
    kind: str
    label: Any
    required: bool
    lines: list[DocumentLine]


@dataclass
class Move:
    """A lifecycle button: where it goes, its label and whether it asks for a reason."""

    target: str
    label: Any
    needs_reason: bool
    primary: bool


def _documents(file: InhouseDevice) -> list[KindGroup]:
    """The file's documents by kind (the kinds the file must hold shown even when empty)."""
    lineages: dict[Any, list[FileDocument]] = {}
    for d in file.documents.select_related("content", "created_by").order_by(
        "kind", "lineage", "-version"
    ):
        lineages.setdefault(d.lineage, []).append(d)
    by_kind: dict[str, list[DocumentLine]] = {}
    for versions in lineages.values():
        by_kind.setdefault(versions[0].kind, []).append(DocumentLine(versions[0], versions[1:]))
    groups = []
    for kind, label in FileDocument.Kind.choices:
        lines = sorted(by_kind.get(kind, []), key=lambda line: line.current.title)
        required = kind in REQUIRED_DOCUMENT_KINDS
        if lines or required:
            groups.append(KindGroup(kind, label, required, lines))
    return groups


def _moves(user: Any, file: InhouseDevice) -> list[Move]:
    moves = []
    for target in FILE_LIFECYCLE.targets(file.status):
        t = FILE_LIFECYCLE.find(file.status, target)
        if t is not None and FILE_LIFECYCLE.may(user, file, target):
            primary = target in (InhouseDevice.Status.UNDER_REVIEW, InhouseDevice.Status.APPROVED)
            moves.append(Move(target, t.label, t.needs_reason, primary))
    return moves


def _capacities(user: Any, file: InhouseDevice) -> list[tuple[str, Any]]:
    """The capacities ``user`` may sign the file in this round that no one has signed yet."""
    signed = set(
        SignOff.objects.filter(file=file, round=file.signoff_round).values_list(
            "capacity", flat=True
        )
    )
    return [
        (c, label)
        for c, label in SignOff.Capacity.choices
        if c not in signed and access.may_sign(user, file, c)
    ]


def _notification(user: Any, file: InhouseDevice) -> dict[str, Any]:
    """The IVO notification box: the report (if any), whether the reader may open it, and
    whether a new one may be drafted."""
    report = (
        Report.objects.select_related("sent_document").filter(pk=file.notification_id).first()
        if file.notification_id
        else None
    )
    unsent = report is not None and report.status in (
        Report.Status.DRAFT,
        Report.Status.APPROVED,
    )
    problem = gates.notification_holds(file)
    return {
        "report": report,
        "problem": problem,
        "may_open": report is not None
        and report_access.reports_visible_to(user).filter(pk=report.pk).exists(),
        "may_draft": problem is not None
        and not unsent
        and file.status != InhouseDevice.Status.WITHDRAWN
        and access.may_keep_file(user, file.manufacturer_unit),
    }


@login_required
def file_detail(request: HttpRequest, pk: int) -> HttpResponse:
    file = access.inhouse_device_for_user(request.user, pk)
    user = request.user
    today = timezone.localdate()
    conditions = file.conditions(today, visible_devices=devices_visible_to(user))
    later = gates.later_conditions(file, today)
    done, total = gates.checklist_progress(file)
    reviews = list(
        file.reviews.select_related("recorded_by").prefetch_related(
            Prefetch(
                "actions",
                queryset=CorrectiveAction.objects.select_related("owner", "verified_by"),
            )
        )
    )
    due = gates.next_review_due(file)
    may_change = access.may_keep_file(user, file.manufacturer_unit)
    editable = may_change and file.status != InhouseDevice.Status.WITHDRAWN
    return render(
        request,
        "inhouse/inhousedevice_detail.html",
        {
            "file": file,
            "model": file.device_model,
            "conditions": conditions,
            "lines": [Line(file.letter(c.point), c) for c in [*conditions, *later]],
            "units": selectors.units_using(user, file),
            "may_change": may_change,
            "editable": editable,
            "today": today,
            "notification": _notification(user, file),
            "checklist": {"done": done, "total": total},
            "documents": _documents(file),
            "releases": file.releases.select_related("device", "made_by").prefetch_related(
                "documents"
            ),
            "reviews": reviews,
            "review_due": due,
            "review_overdue": bool(gates.review_problem(file, today)),
            "signoffs": SignOff.objects.filter(file=file, round=file.signoff_round).select_related(
                "person"
            ),
            "capacities": _capacities(user, file) if file.status == S.UNDER_REVIEW else [],
            "moves": _moves(user, file),
        },
    )


# Writes from the file page ----------------------------------------------------------------------


def _records_page(
    request: HttpRequest,
    file: InhouseDevice,
    *,
    form: Any,
    save: Callable[[Any], Any],
    title: str,
    success_message: str,
    submit: Any = "",
    problems: list[str] | None = None,
    anchor: str = "",
) -> HttpResponse:
    """A form of the file page's records: back to the file (at ``anchor``) when saved."""
    url = _file_url(file.pk)
    return form_view(
        request,
        form=form,
        save=save,
        title=title,
        cancel_url=url,
        success_url=url + (f"#{anchor}" if anchor else ""),
        success_message=success_message,
        template="inhouse/file_action.html",
        extra={"file": file, "submit": submit or _("Save"), "problems": problems or []},
    )


@login_required
@require_POST
def notification_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft the IVO notification from the file and go to the report, where it is approved
    and sent."""
    file = access.inhouse_device_for_user(request.user, pk, write=True)
    try:
        report = services.notification_draft(actor=request.user, inhouse_device=file)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_file_url(file.pk))
    messages.success(
        request,
        _("Notification %(number)s drafted. Another person approves it, then it is sent.")
        % {"number": report.number},
    )
    return redirect("reports:report_detail", report.pk)


@login_required
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    file = access.inhouse_device_for_user(request.user, pk, write=True)
    form = DocumentAddForm(request.POST or None, request.FILES or None)

    def save(f: Any) -> FileDocument:
        data = dict(f.cleaned_data)
        upload = data.pop("upload")
        return services.document_add(
            actor=request.user,
            inhouse_device=file,
            upload=(upload.name or "file", upload),
            **data,
        )

    return _records_page(
        request,
        file,
        form=form,
        save=save,
        title=_("Add a document to %(file)s") % {"file": file.file_number},
        success_message=_("Document added and sealed."),
        submit=_("Add"),
        anchor="documents",
    )


def _document(file: InhouseDevice, doc_pk: int) -> FileDocument:
    document = file.documents.select_related("content").filter(pk=doc_pk).first()
    if document is None:
        raise Http404
    return document


@login_required
def document_version(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    file = access.inhouse_device_for_user(request.user, pk, write=True)
    document = _document(file, doc_pk)
    form = DocumentVersionForm(request.POST or None, request.FILES or None)

    def save(f: Any) -> FileDocument:
        upload = f.cleaned_data["upload"]
        return services.document_new_version(
            actor=request.user,
            document=document,
            upload=(upload.name or "file", upload),
            reason=f.cleaned_data["reason"],
            title=f.cleaned_data["title"],
        )

    return _records_page(
        request,
        file,
        form=form,
        save=save,
        title=_("New version of %(document)s") % {"document": document},
        success_message=_("New version added; the earlier one is kept."),
        submit=_("Add the version"),
        anchor="documents",
    )


@login_required
def document_file(request: HttpRequest, pk: int, doc_pk: int) -> FileResponse:
    """A version of a technical document, for those who see the file."""
    file = access.inhouse_device_for_user(request.user, pk)
    document = _document(file, doc_pk)
    content = files.read_verified(document.content)
    return FileResponse(
        io.BytesIO(content),
        content_type=document.content.content_type,
        as_attachment=True,
        filename=document.name,
    )


@login_required
def release_add(request: HttpRequest, pk: int) -> HttpResponse:
    file = access.inhouse_device_for_user(request.user, pk, write=True)
    # Devices go through the reader's scope, like any id a form takes.
    devices = (
        devices_visible_to(request.user)
        .filter(model_id=file.device_model_id, release_records__isnull=True)
        .exclude(status=DeviceStatus.SCRAPPED)
        .order_by("inventory_number")
    )
    form = ReleaseForm(
        request.POST or None,
        initial={"made_by": request.user.pk, "made_on": timezone.localdate()},
        devices=devices,
        people=people_visible_to(request.user).filter(is_active=True).order_by("username"),
    )
    return _records_page(
        request,
        file,
        form=form,
        save=lambda f: services.release_record(
            actor=request.user, inhouse_device=file, **f.cleaned_data
        ),
        title=_("Record a release of %(file)s") % {"file": file.file_number},
        success_message=_("Release recorded with the current documentation."),
        anchor="releases",
    )


@login_required
def review_add(request: HttpRequest, pk: int) -> HttpResponse:
    file = access.inhouse_device_for_user(request.user, pk, write=True)
    form = ReviewForm(request.POST or None, initial={"reviewed_on": timezone.localdate()})
    return _records_page(
        request,
        file,
        form=form,
        save=lambda f: services.review_record(
            actor=request.user, inhouse_device=file, **f.cleaned_data
        ),
        title=_("Record a review of %(file)s") % {"file": file.file_number},
        success_message=_("Review recorded."),
        anchor="reviews",
    )


@login_required
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    file = access.inhouse_device_for_user(request.user, pk, write=True)
    form = CorrectiveActionForm(
        request.POST or None,
        initial={"review": request.GET.get("review")},
        reviews=file.reviews.all(),
        people=people_visible_to(request.user).filter(is_active=True).order_by("username"),
    )
    return _records_page(
        request,
        file,
        form=form,
        save=lambda f: services.corrective_action_create(actor=request.user, **f.cleaned_data),
        title=_("Add a corrective action to %(file)s") % {"file": file.file_number},
        success_message=_("Corrective action added."),
        anchor="reviews",
    )


@login_required
def action_done(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner of an action, or a keeper of the file, says what was done."""
    file = access.inhouse_device_for_user(request.user, pk)
    actions = CorrectiveAction.objects.filter(
        review__file=file, status=CorrectiveAction.Status.OPEN
    )
    if not access.may_keep_file(request.user, file.manufacturer_unit):
        actions = actions.filter(owner_id=request.user.pk)
        if not actions.exists():
            raise PermissionDenied
    form = ActionDoneForm(
        request.POST or None, initial={"action": request.GET.get("action")}, actions=actions
    )
    return _records_page(
        request,
        file,
        form=form,
        save=lambda f: services.corrective_action_done(
            actor=request.user, action=f.cleaned_data["action"], note=f.cleaned_data["note"]
        ),
        title=_("Corrective action done"),
        success_message=_("The action is marked done; another person verifies it."),
        anchor="reviews",
    )


@login_required
def action_verify(request: HttpRequest, pk: int) -> HttpResponse:
    file = access.inhouse_device_for_user(request.user, pk, write=True)
    actions = CorrectiveAction.objects.filter(
        review__file=file, status=CorrectiveAction.Status.DONE
    )
    form = ActionVerifyForm(
        request.POST or None, initial={"action": request.GET.get("action")}, actions=actions
    )
    return _records_page(
        request,
        file,
        form=form,
        save=lambda f: services.corrective_action_verify(
            actor=request.user,
            action=f.cleaned_data["action"],
            verification=f.cleaned_data["verification"],
        ),
        title=_("Verify a corrective action"),
        success_message=_("The action is verified."),
        anchor="reviews",
    )


@login_required
def signoff(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign the file under review as head of the using unit or of medical technology."""
    file = access.inhouse_device_for_user(request.user, pk)
    if not any(access.may_sign(request.user, file, c) for c in SignOff.Capacity.values):
        raise PermissionDenied
    form = SignForm(request.POST or None, capacities=_capacities(request.user, file))
    return _records_page(
        request,
        file,
        form=form,
        save=lambda f: services.signoff_sign(
            actor=request.user, inhouse_device=file, **f.cleaned_data
        ),
        title=_("Sign %(file)s") % {"file": file.file_number},
        success_message=_("Signed."),
        submit=_("Sign"),
        anchor="signoff",
    )


@login_required
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the file through its lifecycle. A refused move shows every problem the service
    names."""
    file = access.inhouse_device_for_user(request.user, pk)
    moves = _moves(request.user, file)
    if not moves:
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    target = (data or request.GET).get("target") or moves[0].target
    move = next((m for m in moves if m.target == target), moves[0])
    form = TransitionForm(
        data, initial={"target": move.target}, targets=[(m.target, m.label) for m in moves]
    )
    form.fields["reason"].required = move.needs_reason
    problems = []
    if data is None:
        found = FILE_LIFECYCLE.problems(actor=request.user, obj=file, target=move.target)
        problems = found.get(FILE_LIFECYCLE.field, [])
    return _records_page(
        request,
        file,
        form=form,
        save=lambda f: services.inhouse_device_transition(
            actor=request.user,
            inhouse_device=file,
            target=f.cleaned_data["target"],
            reason=f.cleaned_data["reason"],
        ),
        title=f"{move.label}: {file.file_number}",
        success_message=_("The file is now: %(status)s.")
        % {"status": InhouseDevice.Status(move.target).label},
        submit=move.label,
        problems=problems,
    )
