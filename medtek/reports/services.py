"""Services for reports to the authorities (docs/domain/reporting.md): drafting, the four-eyes
approval, sending (which registers the copy in the diary in the same transaction), the copy to
the manufacturer, replies and supplements, closing.

Every write takes an explicit ``actor``, runs in one transaction and writes one audit event per
record it changes (design.md, "Where rules live").
"""

import datetime
from collections.abc import Iterable
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtek.core import audit
from medtek.core.actors import is_system, require, user_or_none
from medtek.core.changes import Updated, apply_changes, audited_update
from medtek.core.identity import mask_personal_numbers, personal_numbers_in
from medtek.core.models import AuditEvent
from medtek.core.numbering import number_allocate, number_series_ensure
from medtek.core.transitions import Lifecycle, Transition
from medtek.registry import services as registry
from medtek.registry.models import Case, Document

from . import access, routing
from .actions import Action
from .models import (
    FREE_TEXT_FIELDS,
    KIND_FIELDS,
    REPORT_FIELDS,
    Authority,
    Dispatch,
    Reply,
    Report,
    ReportKind,
    in_house_supervisor_code,
)

#: The number series of report numbers (``RAP-2026-0001``), created by the first report.
NUMBER_SERIES = "report"
NUMBER_FORMAT = "RAP-{yyyy}-{seq:04}"

_ONLY_DRAFTERS = gettext_lazy(
    "Only the people who draft this kind of report for the unit (within its care provider) may "
    "do this."
)
_ONLY_APPROVERS = gettext_lazy(
    "Only the people who approve this kind of report for the unit may approve it."
)

Upload = tuple[str, bytes | IO[bytes]]


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}


def _kind(kind: ReportKind | str) -> ReportKind:
    if isinstance(kind, ReportKind):
        return kind
    try:
        return ReportKind.objects.get(code=kind)
    except ReportKind.DoesNotExist:
        raise ValidationError({"kind": _("No such kind of report: %s.") % kind}) from None


def identity_problems(report: Report) -> dict[str, str]:
    """What in the report's free text looks like a personal identity number, by field — unless
    the drafter confirmed that the numbers there are not personal numbers."""
    if report.personal_numbers_confirmed:
        return {}
    found = {}
    for name in FREE_TEXT_FIELDS:
        numbers = personal_numbers_in(getattr(report, name) or "")
        if numbers:
            found[name] = _(
                "%(numbers)s looks like a personal identity number. A report carries no patient "
                "identity: remove it, or confirm that it is not one."
            ) % {"numbers": ", ".join(numbers)}
    return found


def _fill_from_register(report: Report) -> None:
    """A device from the register gives the report its identification (MEDDEV 2.12-1 Annex 3:
    what the manufacturer will ask), where the drafter has not written it."""
    device = report.device
    if device is not None:
        if report.device_model_id is None:
            report.device_model = device.model
        if not report.serial_or_lot:
            report.serial_or_lot = device.serial_number or device.udi_lot or ""
    model = report.device_model
    if model is not None:
        for name, value in (
            ("manufacturer", model.manufacturer),
            ("trade_name", model.trade_name),
            ("model_version", model.model_version),
            ("udi_di", model.udi_di),
        ):
            if not getattr(report, name):
                setattr(report, name, value or "")


def _derive(report: Report) -> None:
    """What follows from the kind and the facts: the reporting care provider (the unit's), the
    recipient and the due date."""
    kind = report.kind
    report.care_provider_id = report.unit.care_provider_id
    report.authority = kind.recipient()
    _fill_from_register(report)
    report.due_date = routing.due_date(
        basis=kind.deadline_basis,
        days_public_health_threat=kind.days_public_health_threat,
        days_death_or_unexpected=kind.days_death_or_unexpected,
        days_other=kind.days_other,
        awareness_date=report.awareness_date,
        planned_use_date=report.planned_use_date,
        public_health_threat=report.public_health_threat,
        death=report.outcome == "death",
        unexpected_serious=report.unexpected
        and (report.outcome == "serious_deterioration" or report.outcome_possible),
    )


def _in_house_authority_name() -> str:
    code = in_house_supervisor_code()
    found = Authority.objects.filter(code=code).first()
    return found.short_name if found else code


def _check_draft(actor: Any, report: Report) -> None:
    errors: dict[str, Any] = dict(identity_problems(report))
    if report.contact_person_id is None and not (report.contact_phone or report.contact_email):
        errors["contact_person"] = _("Name a contact person for the authority.")
    model = report.device_model if report.device_model_id else None
    if model is not None:
        if report.kind.code == routing.DEVICE_INCIDENT and model.is_in_house:
            errors["kind"] = _(
                "%(model)s is manufactured in-house: report it as an incident with an in-house "
                "device, to %(authority)s."
            ) % {"model": model, "authority": _in_house_authority_name()}
        elif report.kind.code == routing.IN_HOUSE_INCIDENT and not model.is_in_house:
            errors["kind"] = _(
                "%(model)s is CE-marked: report it to Läkemedelsverket and the manufacturer."
            ) % {"model": model}
    if report.related_report_id and report.related_report_id == report.pk:
        errors["related_report"] = _("A report cannot be its own related report.")
    if report.related_report_id and not (
        access.reports_visible_to(actor).filter(pk=report.related_report_id).exists()
        or is_system(actor)
    ):
        errors["related_report"] = _("No such report.")
    if report.device_id and not is_system(actor):
        from medtek.devices.access import devices_visible_to

        if not devices_visible_to(actor).filter(pk=report.device_id).exists():
            errors["device"] = _("No such device.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def report_draft(*, actor: Any, kind: ReportKind | str, **fields: Any) -> Report:
    """Draft a report of ``kind`` for the unit where the event happened. It gets its number
    (``RAP-2026-0001``), its recipient and its due date; its drafter is ``actor``."""
    the_kind = _kind(kind)
    report = Report(kind=the_kind, created_by=user_or_none(actor))
    apply_changes(report, _clean(fields), REPORT_FIELDS)
    if report.unit_id is None:
        raise ValidationError({"unit": _("Say at which unit the event happened.")})
    if not the_kind.active:
        raise ValidationError({"kind": _("This kind of report is no longer in use.")})
    require(actor, access.may_draft, the_kind, report.unit, message=_ONLY_DRAFTERS)
    missing = [n for n in ("event_date", "awareness_date") if getattr(report, n) is None]
    if missing:
        raise ValidationError({n: _("This field is required.") for n in missing})
    _derive(report)
    _check_draft(actor, report)
    report.full_clean(exclude=["number"])
    number_series_ensure(
        actor=actor, key=NUMBER_SERIES, name="Rapporter till myndigheter", format=NUMBER_FORMAT
    )
    report.number = number_allocate(series_key=NUMBER_SERIES)
    report.save()
    audit.record(actor=actor, action=Action.REPORT_DRAFT, obj=report, after=audit.snapshot(report))
    return report


def report_update(
    *, actor: Any, report: Report, reason: str = "", **changes: Any
) -> Updated[Report]:
    """Change a draft. An approved report is returned to draft first (its approval then lapses);
    a sent one is never changed — it is supplemented."""

    def authorize(row: Report) -> None:
        require(actor, access.may_work_on, row, message=_ONLY_DRAFTERS)
        if row.status != Report.Status.DRAFT:
            raise ValidationError(
                _("Only a draft can be changed; return an approved report to draft first.")
                if row.status == Report.Status.APPROVED
                else _("The report is sent: send a supplement instead.")
            )

    def validate(row: Report, before: dict[str, Any]) -> None:
        if row.unit_id != before["unit"]:
            require(actor, access.may_draft, row.kind, row.unit, message=_ONLY_DRAFTERS)
        _derive(row)
        _check_draft(actor, row)

    return audited_update(
        actor=actor,
        obj=report,
        changes=_clean(changes),
        allowed=REPORT_FIELDS,
        action=Action.REPORT_UPDATE,
        reason=reason,
        queryset=Report.objects.select_related("kind", "unit", "unit__care_provider"),
        authorize=authorize,
        validate=validate,
    )


# The lifecycle ------------------------------------------------------------------------------


def _editors(report: Report) -> set[int]:
    """Everyone who drafted or changed the report: none of them may approve it."""
    ids = set(
        AuditEvent.objects.filter(
            object_type=audit.object_type(report),
            object_id=str(report.pk),
            action__in=[Action.REPORT_DRAFT, Action.REPORT_UPDATE],
            actor__isnull=False,
        ).values_list("actor_id", flat=True)
    )
    if report.created_by_id:  # type: ignore[attr-defined]
        ids.add(report.created_by_id)  # type: ignore[attr-defined]
    return ids


def _four_eyes(report: Report, *, approver: Any = None, **arguments: Any) -> str | None:
    if approver is None or is_system(approver):
        return None
    if approver.pk in _editors(report):
        return _("You drafted or changed this report: another person must approve it (four eyes).")
    return None


def _no_identity(report: Report, **arguments: Any) -> str | None:
    problems = identity_problems(report)
    if problems:
        return _("The text holds what looks like a personal identity number: %(fields)s.") % {
            "fields": ", ".join(
                str(Report._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
                for name in problems
            )
        }
    return None


def _channel_allowed(report: Report, *, channel: str = "", **arguments: Any) -> Any:
    if channel not in Dispatch.Channel.values:
        return ("channel", _("Say how the report is sent."))
    if channel == Dispatch.Channel.EMAIL and report.kind.no_email:
        return (
            "channel",
            _("A %(kind)s is sent by the e-service or by post, never by e-mail.")
            % {"kind": report.kind.name},
        )
    return None


def _not_after_today(report: Report, *, sent_on: Any = None, **arguments: Any) -> Any:
    if sent_on is not None and sent_on > timezone.localdate():
        return ("sent_on", _("The report cannot be sent on a day still to come."))
    if sent_on is not None and sent_on < report.awareness_date:
        return ("sent_on", _("The report cannot be sent before the event became known."))
    return None


def _case_open(report: Report, **arguments: Any) -> str | None:
    case = report.case if report.case_id else None
    if case is not None and case.status != Case.Status.OPEN:
        return _("The diary case %(case)s is closed: reopen it first.") % {"case": case.number}
    return None


REPORT_LIFECYCLE = Lifecycle(
    model=Report,
    field="status",
    action=Action.REPORT_STATUS,
    transitions=[
        Transition(
            sources=(Report.Status.DRAFT,),
            target=Report.Status.APPROVED,
            who=access.may_approve,
            who_message=_ONLY_APPROVERS,
            guards=(_four_eyes, _no_identity),
            needs_reason=False,
        ),
        Transition(
            sources=(Report.Status.APPROVED,),
            target=Report.Status.DRAFT,
            who=lambda user, report: access.may_work_on(user, report)
            or access.may_approve(user, report),
            who_message=_ONLY_DRAFTERS,
        ),
        Transition(
            sources=(Report.Status.APPROVED,),
            target=Report.Status.SENT,
            who=access.may_work_on,
            who_message=_ONLY_DRAFTERS,
            guards=(_channel_allowed, _not_after_today, _case_open, _no_identity),
            needs_reason=False,
        ),
        Transition(
            sources=(Report.Status.SENT, Report.Status.SUPPLEMENTED),
            target=Report.Status.ACKNOWLEDGED,
            who=access.may_work_on,
            who_message=_ONLY_DRAFTERS,
            needs_reason=False,
        ),
        Transition(
            sources=(Report.Status.SENT, Report.Status.ACKNOWLEDGED),
            target=Report.Status.SUPPLEMENTED,
            who=access.may_work_on,
            who_message=_ONLY_DRAFTERS,
            needs_reason=False,
        ),
        Transition(
            sources=(Report.Status.SENT, Report.Status.ACKNOWLEDGED, Report.Status.SUPPLEMENTED),
            target=Report.Status.CLOSED,
            who=access.may_work_on,
            who_message=_ONLY_DRAFTERS,
        ),
    ],
)

_QUERYSET = Report.objects.select_related("kind", "unit", "unit__care_provider", "case")


def report_approve(*, actor: Any, report: Report, reason: str = "") -> Report:
    """Approve a draft: another person than its drafter (and than anyone who changed it), with
    the kind's approver role — for Lex Maria a patient-safety officer."""

    def effects(row: Report, old: str) -> None:
        row.approved_at, row.approved_by = timezone.now(), user_or_none(actor)

    return REPORT_LIFECYCLE.perform(
        actor=actor,
        obj=report,
        target=Report.Status.APPROVED,
        reason=reason,
        queryset=_QUERYSET,
        effects=effects,
        update_fields=["approved_at", "approved_by"],
        approver=actor,
    )


def report_return(*, actor: Any, report: Report, reason: str) -> Report:
    """Return an approved report to draft (to change it); its approval lapses."""

    def effects(row: Report, old: str) -> None:
        row.approved_at, row.approved_by = None, None

    return REPORT_LIFECYCLE.perform(
        actor=actor,
        obj=report,
        target=Report.Status.DRAFT,
        reason=reason,
        queryset=_QUERYSET,
        effects=effects,
        update_fields=["approved_at", "approved_by"],
    )


def _case_for(actor: Any, row: Report) -> Case:
    """The report's diary case; one is opened for it (series ``REPORTS_CASE_SERIES``) when it
    has none."""
    if row.case_id:
        return row.case  # type: ignore[return-value]
    series = str(getattr(settings, "REPORTS_CASE_SERIES", "mft"))
    try:
        return registry.case_open_for(
            actor=actor,
            series=series,
            act=_("Report %(number)s sent") % {"number": row.number},
            title=_("%(kind)s to %(authority)s, event %(date)s")
            % {
                "kind": row.kind.name,
                "authority": row.authority.short_name,
                "date": row.event_date.isoformat(),
            },
            unit=row.unit,
        )
    except ValidationError as exc:
        raise ValidationError(
            {
                "case": _(
                    "No diary case could be opened for the report (%(problem)s). Choose its case, "
                    "or have the series REPORTS_CASE_SERIES=%(series)s created."
                )
                % {"problem": "; ".join(exc.messages), "series": series}
            }
        ) from None


def _copy_file(row: Report, *, for_manufacturer: bool = False) -> Upload:
    from . import documents

    copy = documents.report_copy(row, for_manufacturer=for_manufacturer)
    return (copy.filename("pdf"), copy.pdf())


def _restricted_text(row: Report) -> str:
    """What the diary entry keeps apart from its public line: what happened, with what looks
    like a personal number masked as in the copy, unless the drafter confirmed it is none."""
    if row.personal_numbers_confirmed:
        return row.description
    return mask_personal_numbers(row.description)


def _description(row: Report, what: str) -> str:
    """The diary entry's public line: the kind, never the event's details."""
    return f"{what}: {row.kind.name} {row.number}"[:500]


def report_send(
    *,
    actor: Any,
    report: Report,
    channel: str,
    sent_on: datetime.date | None = None,
    reason: str = "",
) -> Report:
    """Send an approved report (the person has sent it by the authority's e-service or by post,
    or does so now) and register its copy: in one transaction the copy becomes an outgoing
    document in the report's diary case with its document number (a case is opened when the
    report has none), the dispatch is recorded, and the report is sealed — append-only at the
    database from now on. A failure anywhere leaves the report approved and no document."""
    when = sent_on or timezone.localdate()

    def effects(row: Report, old: str) -> None:
        row.sent_on = when  # the copy is dated the day it is sent
        case = _case_for(actor, row)
        row.case = case
        document = registry.document_register_for(
            actor=actor,
            case=case,
            act=_("Report %(number)s sent") % {"number": row.number},
            files=[_copy_file(row)],
            direction=Document.Direction.OUTGOING,
            kind=_("Report to an authority"),
            date=when,
            counterparty=row.authority.name,
            description=_description(row, _("Report")),
            details=_restricted_text(row),
        )
        Dispatch.objects.create(
            report=row,
            purpose=Dispatch.Purpose.REPORT,
            recipient=row.authority.name,
            authority=row.authority,
            channel=channel,
            sent_on=when,
            document=document,
            created_by=user_or_none(actor),
        )
        row.sent_on, row.sent_document = when, document
        row.sealed_at, row.sealed_by = timezone.now(), user_or_none(actor)

    sent: Report = REPORT_LIFECYCLE.perform(
        actor=actor,
        obj=report,
        target=Report.Status.SENT,
        reason=reason,
        queryset=_QUERYSET,
        effects=effects,
        update_fields=["case", "sent_on", "sent_document", "sealed_at", "sealed_by"],
        channel=channel,
        sent_on=when,
    )
    return sent


def _locked_sent(actor: Any, report: Report) -> tuple[Report, Case]:
    """The sent report, locked, with its diary case (a sent report always has one)."""
    row: Report = _QUERYSET.select_for_update(of=("self",)).get(pk=report.pk)
    require(actor, access.may_work_on, row, message=_ONLY_DRAFTERS)
    if row.sealed_at is None or row.case is None:
        raise ValidationError(_("The report has not been sent yet."))
    if row.status == Report.Status.CLOSED:
        raise ValidationError(_("The report is closed."))
    return row, row.case


@transaction.atomic
def report_send_manufacturer_copy(
    *,
    actor: Any,
    report: Report,
    recipient: str = "",
    channel: str,
    sent_on: datetime.date | None = None,
) -> Dispatch:
    """Record that the manufacturer got its copy (HSLF-FS 2021:52 ch. 5 § 5: the care provider
    informs the manufacturer itself; Läkemedelsverket does not forward reports), and register
    that copy as an outgoing document in the case."""
    row, case = _locked_sent(actor, report)
    when = sent_on or timezone.localdate()
    if not row.kind.informs_manufacturer:
        raise ValidationError(_("Reports of this kind send no copy to the manufacturer."))
    if row.dispatches.filter(purpose=Dispatch.Purpose.MANUFACTURER_COPY).exists():
        raise ValidationError(_("The manufacturer's copy is already recorded as sent."))
    if channel not in Dispatch.Channel.values:
        raise ValidationError({"channel": _("Say how the copy is sent.")})
    if when > timezone.localdate() or when < row.sent_on:  # type: ignore[operator]
        raise ValidationError(
            {"sent_on": _("The copy is sent on or after the report, and not later than today.")}
        )
    to = (recipient or row.manufacturer_contact or row.manufacturer).strip()
    document = registry.document_register_for(
        actor=actor,
        case=case,
        act=_("Copy of report %(number)s sent to the manufacturer") % {"number": row.number},
        files=[_copy_file(row, for_manufacturer=True)],
        direction=Document.Direction.OUTGOING,
        kind=_("Copy of a report to the manufacturer"),
        date=when,
        counterparty=to,
        description=_description(row, _("Copy to the manufacturer")),
        details=_restricted_text(row),
    )
    dispatch = Dispatch.objects.create(
        report=row,
        purpose=Dispatch.Purpose.MANUFACTURER_COPY,
        recipient=to,
        channel=channel,
        sent_on=when,
        document=document,
        created_by=user_or_none(actor),
    )
    audit.record(
        actor=actor,
        action=Action.REPORT_COPY_SENT,
        obj=row,
        after={"to": to, "sent_on": when.isoformat(), "document": document.number},
    )
    return dispatch


@transaction.atomic
def report_record_reply(
    *,
    actor: Any,
    report: Report,
    received_on: datetime.date,
    summary: str,
    sender: str = "",
    from_authority: bool = True,
    reference: str = "",
    files: Iterable[Upload] = (),
) -> Reply:
    """Register a reply about a sent report as an incoming document in its case. The
    authority's first reply with its reference (IVO's or Läkemedelsverket's case number)
    acknowledges the report."""
    row, case = _locked_sent(actor, report)
    errors = {}
    if not summary.strip():
        errors["summary"] = _("Say briefly what the reply says.")
    if received_on > timezone.localdate():
        errors["received_on"] = _("A reply cannot be received on a day still to come.")
    elif row.sent_on and received_on < row.sent_on:
        errors["received_on"] = _("A reply cannot come before the report was sent.")
    if from_authority and not reference.strip() and not row.authority_reference:
        errors["reference"] = _("Give the authority's reference (its case number).")
    if not from_authority and not sender.strip():
        errors["sender"] = _("Say who sent the reply.")
    if errors:
        raise ValidationError(errors)
    authority: Authority | None = row.authority if from_authority else None
    who = authority.name if authority is not None else sender.strip()
    document = registry.document_register_for(
        actor=actor,
        case=case,
        act=_("Reply to report %(number)s received") % {"number": row.number},
        files=list(files),
        direction=Document.Direction.INCOMING,
        kind=_("Reply to a report"),
        date=received_on,
        counterparty=who,
        description=_description(row, _("Reply")),
        external_system=authority.short_name if authority is not None and reference else "",
        external_number=reference.strip() if authority is not None else "",
    )
    reply = Reply.objects.create(
        report=row,
        sender=who,
        authority=authority,
        received_on=received_on,
        reference=reference.strip(),
        summary=summary.strip(),
        document=document,
        created_by=user_or_none(actor),
    )
    audit.record(
        actor=actor,
        action=Action.REPORT_REPLY,
        obj=row,
        after={
            "from": who,
            "received_on": received_on.isoformat(),
            "reference": reference.strip(),
            "document": document.number,
        },
    )
    if authority is not None and row.status in (Report.Status.SENT, Report.Status.SUPPLEMENTED):

        def effects(locked: Report, old: str) -> None:
            if not locked.authority_reference:
                locked.authority_reference = reference.strip()
            if locked.acknowledged_on is None:
                locked.acknowledged_on = received_on

        REPORT_LIFECYCLE.perform(
            actor=actor,
            obj=row,
            target=Report.Status.ACKNOWLEDGED,
            queryset=_QUERYSET,
            effects=effects,
            update_fields=["authority_reference", "acknowledged_on"],
        )
    return reply


@transaction.atomic
def report_supplement(
    *,
    actor: Any,
    report: Report,
    text: str,
    channel: str,
    sent_on: datetime.date | None = None,
    files: Iterable[Upload] = (),
    personal_numbers_confirmed: bool = False,
) -> Dispatch:
    """Send a supplement (komplettering) to a sent report: a new outgoing document in the case;
    the report itself stays as it was sent. What looks like a personal number in the text is
    refused, unless the sender confirms it is none (a serial number, say)."""
    row, case = _locked_sent(actor, report)
    when = sent_on or timezone.localdate()
    errors = {}
    if not text.strip():
        errors["text"] = _("Write the supplement.")
    numbers = [] if personal_numbers_confirmed else personal_numbers_in(text)
    if numbers:
        errors["text"] = _(
            "%(numbers)s looks like a personal identity number: a supplement carries no patient "
            "identity either."
        ) % {"numbers": ", ".join(numbers)}
    if channel not in Dispatch.Channel.values:
        errors["channel"] = _("Say how the supplement is sent.")
    elif channel == Dispatch.Channel.EMAIL and row.kind.no_email:
        errors["channel"] = _(
            "A %(kind)s is sent by the e-service or by post, never by e-mail."
        ) % {"kind": row.kind.name}
    if when > timezone.localdate():
        errors["sent_on"] = _("A supplement cannot be sent on a day still to come.")
    if errors:
        raise ValidationError(errors)
    document = registry.document_register_for(
        actor=actor,
        case=case,
        act=_("Supplement to report %(number)s sent") % {"number": row.number},
        files=list(files),
        direction=Document.Direction.OUTGOING,
        kind=_("Supplement to a report"),
        date=when,
        counterparty=row.authority.name,
        description=_description(row, _("Supplement")),
        details=text.strip(),
        external_system=row.authority.short_name if row.authority_reference else "",
        external_number=row.authority_reference,
    )
    dispatch = Dispatch.objects.create(
        report=row,
        purpose=Dispatch.Purpose.SUPPLEMENT,
        recipient=row.authority.name,
        authority=row.authority,
        channel=channel,
        sent_on=when,
        text=text.strip(),
        document=document,
        created_by=user_or_none(actor),
    )
    audit.record(
        actor=actor,
        action=Action.REPORT_SUPPLEMENT,
        obj=row,
        after={"sent_on": when.isoformat(), "document": document.number},
    )
    if row.status != Report.Status.SUPPLEMENTED:
        REPORT_LIFECYCLE.perform(
            actor=actor, obj=row, target=Report.Status.SUPPLEMENTED, queryset=_QUERYSET
        )
    return dispatch


def report_close(*, actor: Any, report: Report, reason: str) -> Report:
    """Close a sent report: nothing more is expected (the authority has closed its case)."""

    def effects(row: Report, old: str) -> None:
        row.closed_at, row.closed_by = timezone.now(), user_or_none(actor)

    return REPORT_LIFECYCLE.perform(
        actor=actor,
        obj=report,
        target=Report.Status.CLOSED,
        reason=reason,
        queryset=_QUERYSET,
        effects=effects,
        update_fields=["closed_at", "closed_by"],
    )


def needed_reports(facts: routing.Facts) -> list[tuple[routing.Needed, ReportKind | None]]:
    """The reports ``facts`` call for, each with its kind as the region keeps it (``None`` if
    an administrator has removed it)."""
    kinds = {k.code: k for k in ReportKind.objects.select_related("authority")}
    return [(n, kinds.get(n.kind)) for n in routing.route(facts)]


# The lists the region keeps ----------------------------------------------------------------


@transaction.atomic
def authority_create(*, actor: Any, **fields: Any) -> Authority:
    require(actor, access.may_keep_lists)
    authority = Authority()
    apply_changes(
        authority, _clean(fields), ("code", "name", "short_name", "address", "e_service", "active")
    )
    authority.full_clean()
    authority.save()
    audit.record(
        actor=actor, action=Action.AUTHORITY_CREATE, obj=authority, after=audit.snapshot(authority)
    )
    return authority


@transaction.atomic
def report_kind_create(*, actor: Any, **fields: Any) -> ReportKind:
    require(actor, access.may_keep_lists)
    kind = ReportKind()
    apply_changes(kind, _clean(fields), KIND_FIELDS)
    kind.full_clean()
    kind.save()
    audit.record(
        actor=actor, action=Action.REPORT_KIND_CREATE, obj=kind, after=audit.snapshot(kind)
    )
    return kind


# Reports sent before medtek -----------------------------------------------------------------


@transaction.atomic
def report_record_existing(
    *,
    actor: Any,
    kind: ReportKind | str,
    document_number: str,
    sent_on: datetime.date,
    authority_reference: str = "",
    reason: str,
    channel: str = Dispatch.Channel.E_SERVICE,
    **fields: Any,
) -> Report:
    """Take over a report that was sent before medtek (in an earlier system, or on paper), whose
    copy is already registered in the diary as the outgoing document ``document_number``
    (``MFT 2026/0012-1``, or that document's number in the earlier diary).

    The report is recorded as it was sent: sealed, with its number from the series, the
    document as its registered copy and the document's case as its case, and a dispatch that
    points at the document (``channel``: how it went; the e-service unless told). With the
    authority's reference it is acknowledged. The drafter's rights apply as for a new report
    (the kind's drafters for the unit, within a private centre's own care provider), and so do
    the report's rules (the device, no personal numbers, dates in order), except that no
    contact person is asked for. ``reason`` says where it comes from ("Imported from …")."""
    from medtek.registry.access import documents_visible_to

    the_kind = _kind(kind)
    report = Report(kind=the_kind, created_by=user_or_none(actor))
    apply_changes(report, _clean(fields), REPORT_FIELDS)
    if report.unit_id is None:
        raise ValidationError({"unit": _("Say at which unit the event happened.")})
    require(actor, access.may_draft, the_kind, report.unit, message=_ONLY_DRAFTERS)

    errors: dict[str, Any] = {}
    for name in ("event_date", "awareness_date"):
        if getattr(report, name) is None:
            errors[name] = _("This field is required.")
    if not reason.strip():
        errors["reason"] = _("Say where the report comes from.")
    if sent_on > timezone.localdate():
        errors["sent_on"] = _("The report cannot be sent on a day still to come.")
    elif report.awareness_date and sent_on < report.awareness_date:
        errors["sent_on"] = _("The report cannot be sent before the event became known.")
    if channel not in Dispatch.Channel.values:
        errors["channel"] = _("Say how the report was sent.")
    elif channel == Dispatch.Channel.EMAIL and the_kind.no_email:
        errors["channel"] = _(
            "A %(kind)s is sent by the e-service or by post, never by e-mail."
        ) % {"kind": the_kind.name}
    reference = authority_reference.strip()
    limit = Report._meta.get_field("authority_reference").max_length or 0
    if len(reference) > limit:
        errors["authority_reference"] = _("At most %(limit)d characters.") % {"limit": limit}

    number = document_number.strip()
    documents = Document.objects.all() if is_system(actor) else documents_visible_to(actor)
    documents = documents.current().select_related("case")
    found = list(documents.filter(number=number)[:2]) if number else []
    if number and not found:
        found = list(documents.filter(external_number=number)[:2])
    document = found[0] if len(found) == 1 else None
    if not number:
        errors["document_number"] = _("Give the diary number of the copy that was sent.")
    elif len(found) > 1:
        errors["document_number"] = _(
            "%(number)s names more than one document in the diary: give its number here."
        ) % {"number": number}
    elif document is None or document.case_id is None or document.sealed_at is None:
        errors["document_number"] = _(
            "No registered document %(number)s in the diary: register or import it first."
        ) % {"number": number}
    elif document.direction != Document.Direction.OUTGOING:
        errors["document_number"] = _(
            "%(number)s is not an outgoing document: the copy of a sent report is."
        ) % {"number": number}
    elif Dispatch.objects.filter(document=document).exists():
        errors["document_number"] = _(
            "%(number)s is already recorded as sent about another report."
        ) % {"number": number}
    elif report.case_id and report.case_id != document.case_id:
        errors["case"] = _("The document %(number)s is in the case %(case)s.") % {
            "number": number,
            "case": document.case.number,  # type: ignore[union-attr]
        }
    if errors:
        raise ValidationError(errors)
    assert document is not None

    report.case = document.case
    _derive(report)
    problems: dict[str, Any] = {}
    try:
        _check_draft(actor, report)
    except ValidationError as exc:
        # A report sent long ago gave the authority its contact then; none is asked for now.
        problems = {k: v for k, v in exc.message_dict.items() if k != "contact_person"}
    if problems:
        raise ValidationError(problems)
    report.full_clean(exclude=["number"])

    number_series_ensure(
        actor=actor, key=NUMBER_SERIES, name="Rapporter till myndigheter", format=NUMBER_FORMAT
    )
    report.number = number_allocate(series_key=NUMBER_SERIES)
    report.status = Report.Status.ACKNOWLEDGED if reference else Report.Status.SENT
    report.authority_reference = reference
    report.sent_on, report.sent_document = sent_on, document
    report.sealed_at, report.sealed_by = timezone.now(), user_or_none(actor)
    report.save()
    Dispatch.objects.create(
        report=report,
        purpose=Dispatch.Purpose.REPORT,
        recipient=report.authority.name,
        authority=report.authority,
        channel=channel,
        sent_on=sent_on,
        document=document,
        created_by=user_or_none(actor),
    )
    audit.record(
        actor=actor,
        action=Action.REPORT_RECORD,
        obj=report,
        after=audit.snapshot(report),
        reason=reason.strip(),
    )
    return report
