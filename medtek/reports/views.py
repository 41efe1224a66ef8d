"""Pages of the reports to the authorities: the list, a report with its dispatches, replies and
history, and the forms of its lifecycle. Each view: access check → form → service → redirect.

Reading goes through ``access.reports_visible_to`` / ``report_for_user`` (a report the person may
not see answers 404). A writing page refuses a person without the right with 403 before it shows
its form; the services check again, and their ``PermissionDenied`` is a 403 too.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from medtek.core.formviews import changes_of, form_view
from medtek.core.listing import list_page
from medtek.devices.access import device_models_visible_to, devices_visible_to
from medtek.organisation.roles import Role
from medtek.registry.forms import uploads

from . import access, routing, selectors, services
from .filters import ReportFilter
from .forms import (
    ConfirmForm,
    ManufacturerCopyForm,
    ReasonForm,
    ReplyForm,
    ReportForm,
    SendForm,
    SupplementForm,
)
from .models import REPORT_FIELDS, Authority, CareInjury, Dispatch, Outcome, Report, ReportKind

LIFECYCLE = services.REPORT_LIFECYCLE


def _posted(request: HttpRequest) -> Any:
    """The form data of a POST, even an empty one (a form with nothing to fill in but the
    confirmation is bound by its POST alone)."""
    return request.POST if request.method == "POST" else None


def _detail_url(pk: int) -> str:
    return reverse("reports:report_detail", args=[pk])


# The list ------------------------------------------------------------------------------------

EXPORT_HEADER = [
    "number",
    "kind",
    "authority",
    "status",
    "unit",
    "care_provider",
    "event_date",
    "awareness_date",
    "due_date",
    "overdue",
    "sent_on",
    "document",
    "case",
    "authority_reference",
    "acknowledged_on",
    "closed_at",
    "manufacturer",
    "trade_name",
    "model_version",
    "udi_di",
    "serial_or_lot",
]
#: The free text, for those who may read it (it may concern a patient).
CONTENT_HEADER = ["description", "consequence", "actions_taken"]


def export_columns(user: Any) -> tuple[list[str], Callable[[Report], list[Any]]]:
    content = access.may_read_content(user)

    def row(r: Report) -> list[Any]:
        values = [
            r.number,
            r.kind.name,
            r.authority.short_name,
            r.get_status_display(),
            r.unit.name,
            r.care_provider.name,
            r.event_date,
            r.awareness_date,
            r.due_date,
            r.is_overdue,
            r.sent_on,
            r.sent_document.number if r.sent_document else "",
            r.case.number if r.case else "",
            r.authority_reference,
            r.acknowledged_on,
            r.closed_at,
            r.manufacturer,
            r.trade_name,
            r.model_version,
            r.udi_di,
            r.serial_or_lot,
        ]
        if content:
            values += [r.description, r.consequence, r.actions_taken]
        return values

    return EXPORT_HEADER + (CONTENT_HEADER if content else []), row


@login_required
def report_list(request: HttpRequest) -> HttpResponseBase:
    header, row = export_columns(request.user)
    return list_page(
        request,
        queryset=selectors.reports_for(request.user),
        filterset_class=ReportFilter,
        template="reports/report_list.html",
        sort_fields={
            "number": "number",
            "kind": "kind__name",
            "unit": "unit__name",
            "status": "status",
            "event_date": "event_date",
            "due": "due_date",
            "sent": "sent_on",
        },
        default_sort="-event_date",
        export_name="reports",
        export_header=header,
        export_row=row,
        export_fields={
            # Computed for today, not stored: yes/no, as the list shows it.
            "overdue": BooleanField(_("overdue")),
            "document": Report._meta.get_field("sent_document"),
        },
        extra={"may_draft": access.may_draft_somewhere(request.user)},
    )


# A report ------------------------------------------------------------------------------------


@dataclass
class Move:
    """A button of the report's page: what it does, where it goes, and what stands in its way."""

    label: str | Promise
    url: str
    primary: bool = False
    problems: list[str] = field(default_factory=list)


def _problems(user: Any, report: Report, target: str) -> list[str]:
    """What in the report itself stands in the way of the move (not what the move's form asks
    for: the channel, the date, the reason)."""
    found = LIFECYCLE.problems(actor=user, obj=report, target=target, approver=user)
    return found.get(LIFECYCLE.field, [])


def _moves(user: Any, report: Report, dispatches: list[Dispatch]) -> list[Move]:
    pk = report.pk
    moves: list[Move] = []
    status = report.status

    def move(target: str, label: str, name: str, primary: bool = False) -> None:
        if LIFECYCLE.may(user, report, target):
            url = reverse(name, args=[pk])
            moves.append(Move(label, url, primary, _problems(user, report, target)))

    if status == Report.Status.DRAFT and access.may_work_on(user, report):
        moves.append(Move(_("Edit"), reverse("reports:report_edit", args=[pk])))
    move(Report.Status.APPROVED, _("Approve"), "reports:report_approve", primary=True)
    move(Report.Status.SENT, _("Send"), "reports:report_send", primary=True)
    move(Report.Status.DRAFT, _("Return to draft"), "reports:report_return")
    if report.is_sent and status != Report.Status.CLOSED and access.may_work_on(user, report):
        if report.kind.informs_manufacturer and not any(
            d.purpose == Dispatch.Purpose.MANUFACTURER_COPY for d in dispatches
        ):
            moves.append(
                Move(
                    _("Record the manufacturer's copy"),
                    reverse("reports:report_manufacturer_copy", args=[pk]),
                    True,
                )
            )
        moves.append(Move(_("Record a reply"), reverse("reports:report_reply", args=[pk])))
        moves.append(Move(_("Send a supplement"), reverse("reports:report_supplement", args=[pk])))
    move(Report.Status.CLOSED, _("Close"), "reports:report_close")
    return moves


def _approvers(report: Report) -> str:
    return ", ".join(str(Role(r).label) for r in report.kind.approver_roles if r in Role.values)


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.report_for_user(request.user, pk)
    user = request.user
    dispatches = list(report.dispatches.select_related("document", "created_by"))
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "dispatches": dispatches,
            "replies": report.replies.select_related("document", "created_by"),
            "moves": _moves(user, report, dispatches),
            "approvers": _approvers(report),
            "content": access.may_read_content(user) or report.drafter_id == user.pk,
        },
    )


# Drafting ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """A report the event calls for: the rule's reason and anchor, the kind as the region keeps
    it, and who receives it."""

    needed: routing.Needed
    kind: ReportKind | None
    recipient: Authority | None


def _facts(user: Any, data: Any) -> routing.Facts:
    """What the draft form says of the event, as routing asks it. A device named (from the
    register, the catalogue or by its trade name) counts as a device that failed: the form is
    for reporting one."""
    model = None
    device = str(data.get("device") or "").strip()
    if device:
        found = (
            devices_visible_to(user).select_related("model").filter(inventory_number=device).first()
        )
        model = found.model if found is not None else None
    chosen_model = str(data.get("device_model") or "")
    if model is None and chosen_model.isdigit():
        model = device_models_visible_to(user).filter(pk=chosen_model).first()
    if model is not None:
        kind_of_device: str | None = "in_house" if model.is_in_house else "ce"
    else:
        kind_of_device = "ce" if str(data.get("trade_name") or "").strip() else None
    outcome = data.get("outcome")
    care_injury = data.get("care_injury")
    return routing.Facts(
        device=kind_of_device,
        device_problem=kind_of_device is not None,
        outcome=outcome if outcome in Outcome.values else Outcome.NONE,
        outcome_possible=bool(data.get("outcome_possible")),
        care_injury=care_injury if care_injury in CareInjury.values else CareInjury.NONE,
        care_injury_possible=bool(data.get("care_injury_possible")),
    )


def _needs(user: Any, data: Any) -> dict[str, Any]:
    needs = [
        Need(n, kind, kind.recipient() if kind is not None else None)
        for n, kind in services.needed_reports(_facts(user, data))
    ]
    return {"needs": needs, "chosen": str(data.get("kind") or "")}


@login_required
def report_create(request: HttpRequest) -> HttpResponse:
    if not access.may_draft_somewhere(request.user):
        raise PermissionDenied
    if request.method == "GET" and "needs" in request.GET:
        # What the facts filled in so far call for (htmx asks as the person fills in the form).
        return render(request, "reports/report_needs.html", _needs(request.user, request.GET))
    initial = {"contact_person": request.user.pk, "device": request.GET.get("device")}
    form = ReportForm(request.POST or None, initial=initial, user=request.user)

    def save(f: Any) -> Report:
        data = {name: f.cleaned_data[name] for name in REPORT_FIELDS}
        return services.report_draft(actor=request.user, kind=f.cleaned_data["kind"], **data)

    return form_view(
        request,
        form=form,
        save=save,
        title=_("Draft a report to an authority"),
        cancel_url=reverse("reports:report_list"),
        success_url=lambda r: _detail_url(r.pk),
        success_message=lambda r: _("Report %(number)s drafted. Another person approves it.")
        % {"number": r.number},
        template="reports/report_form.html",
        extra=_needs(request.user, request.POST or initial),
    )


@login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.report_for_writer(request.user, pk)
    if report.status != Report.Status.DRAFT:
        messages.error(request, _("Only a draft can be changed."))
        return redirect(_detail_url(report.pk))
    form = ReportForm(request.POST or None, instance=report, user=request.user)
    return form_view(
        request,
        form=form,
        save=lambda f: services.report_update(actor=request.user, report=report, **changes_of(f)),
        title=_("Edit %(number)s") % {"number": report.number},
        cancel_url=_detail_url(report.pk),
        success_url=lambda r: _detail_url(r.pk),
        template="reports/report_form.html",
        extra={"report": report},
    )


# The lifecycle -------------------------------------------------------------------------------


def _action(
    request: HttpRequest,
    report: Report,
    *,
    form: Any,
    save: Callable[[Any], Any],
    title: str,
    success_message: str,
    problems: list[str] | None = None,
    submit: str | Promise = "",
) -> HttpResponse:
    return form_view(
        request,
        form=form,
        save=save,
        title=title,
        cancel_url=_detail_url(report.pk),
        success_url=_detail_url(report.pk),
        success_message=success_message,
        template="reports/report_action.html",
        extra={"report": report, "problems": problems or [], "submit": submit or _("Save")},
    )


@login_required
def report_approve(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.report_for_user(request.user, pk)
    if not access.may_approve(request.user, report):
        raise PermissionDenied
    return _action(
        request,
        report,
        form=ConfirmForm(_posted(request)),
        save=lambda f: services.report_approve(actor=request.user, report=report),
        title=_("Approve %(number)s") % {"number": report.number},
        success_message=_("Report approved: it may be sent."),
        problems=_problems(request.user, report, Report.Status.APPROVED),
        submit=_("Approve"),
    )


@login_required
def report_return(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.report_for_user(request.user, pk)
    if not (access.may_work_on(request.user, report) or access.may_approve(request.user, report)):
        raise PermissionDenied
    return _action(
        request,
        report,
        form=ReasonForm(_posted(request)),
        save=lambda f: services.report_return(
            actor=request.user, report=report, reason=f.cleaned_data["reason"]
        ),
        title=_("Return %(number)s to draft") % {"number": report.number},
        success_message=_("Report returned to draft: its approval has lapsed."),
        problems=_problems(request.user, report, Report.Status.DRAFT),
        submit=_("Return to draft"),
    )


@login_required
def report_send(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.report_for_writer(request.user, pk)
    return _action(
        request,
        report,
        form=SendForm(request.POST or None),
        save=lambda f: services.report_send(actor=request.user, report=report, **f.cleaned_data),
        title=_("Send %(number)s") % {"number": report.number},
        success_message=_("Report sent and registered in the diary."),
        problems=_problems(request.user, report, Report.Status.SENT),
        submit=_("Send and register"),
    )


@login_required
def report_close(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.report_for_writer(request.user, pk)
    return _action(
        request,
        report,
        form=ReasonForm(_posted(request)),
        save=lambda f: services.report_close(
            actor=request.user, report=report, reason=f.cleaned_data["reason"]
        ),
        title=_("Close %(number)s") % {"number": report.number},
        success_message=_("Report closed."),
        problems=_problems(request.user, report, Report.Status.CLOSED),
        submit=_("Close"),
    )


# What is sent and received after the report ----------------------------------------------------


@login_required
def report_manufacturer_copy(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.report_for_writer(request.user, pk)
    form = ManufacturerCopyForm(
        request.POST or None,
        initial={"recipient": report.manufacturer_contact or report.manufacturer},
    )
    return _action(
        request,
        report,
        form=form,
        save=lambda f: services.report_send_manufacturer_copy(
            actor=request.user, report=report, **f.cleaned_data
        ),
        title=_("Copy of %(number)s to the manufacturer") % {"number": report.number},
        success_message=_("The manufacturer's copy is recorded and registered in the diary."),
        submit=_("Record and register"),
    )


@login_required
def report_reply(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.report_for_writer(request.user, pk)
    form = ReplyForm(request.POST or None, request.FILES or None, authority=report.authority)

    def save(f: Any) -> Any:
        data = dict(f.cleaned_data)
        return services.report_record_reply(
            actor=request.user,
            report=report,
            from_authority=data.pop("origin") == ReplyForm.AUTHORITY,
            files=uploads(data.pop("files")),
            **data,
        )

    return _action(
        request,
        report,
        form=form,
        save=save,
        title=_("Reply to %(number)s") % {"number": report.number},
        success_message=_("The reply is registered in the diary."),
        submit=_("Register the reply"),
    )


@login_required
def report_supplement(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.report_for_writer(request.user, pk)
    form = SupplementForm(request.POST or None, request.FILES or None)

    def save(f: Any) -> Any:
        data = dict(f.cleaned_data)
        files = uploads(data.pop("files"))
        return services.report_supplement(actor=request.user, report=report, files=files, **data)

    return _action(
        request,
        report,
        form=form,
        save=save,
        title=_("Supplement to %(number)s") % {"number": report.number},
        success_message=_("The supplement is sent and registered in the diary."),
        submit=_("Send and register"),
    )
