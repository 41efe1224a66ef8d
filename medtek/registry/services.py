"""Writes to the diary: explicit actor, one transaction, validation first, one AuditEvent in the
same transaction. Views, API, imports, other modules and the demo all call these.

Registration (OSL ch. 5 §§ 1–2, docs/domain/registry.md#registration) gives a document its
number — the case number and the case's next running suffix, allocated under a lock of the case
row in the registering transaction, so numbers are never reused or skipped — and seals it.
"""

import datetime
import re
from collections.abc import Iterable
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtek.core import audit
from medtek.core.actors import require, user_or_none
from medtek.core.changes import Updated, apply_changes, audited_update
from medtek.core.models import NumberCounter, NumberSeries
from medtek.core.numbering import SeriesNotFound, number_allocate
from medtek.core.records import record_correct, record_seal
from medtek.core.transitions import Lifecycle, Transition

from . import access
from .actions import Action
from .models import (
    CASE_FIELDS,
    CORRECTABLE_FIELDS,
    DOCUMENT_FIELDS,
    MARKING_FIELDS,
    Case,
    Document,
    DocumentFile,
    ProcessCode,
    SecrecyProvision,
)

_ONLY_REGISTRARS = gettext_lazy("Only the registrars of the unit register documents.")
_ONLY_CASE_KEEPERS = gettext_lazy("Only the unit's registrars and the case officer work in a case.")


def _series(key: str) -> NumberSeries:
    try:
        return NumberSeries.objects.get(key=key)
    except NumberSeries.DoesNotExist:
        raise ValidationError({"series": _("No number series %(key)s.") % {"key": key}}) from None


# The lists the region keeps ------------------------------------------------------------


@transaction.atomic
def process_code_create(*, actor: Any, code: str, title: str) -> ProcessCode:
    require(actor, access.may_keep_lists)
    item = ProcessCode(code=code.strip(), title=title.strip())
    item.full_clean()
    item.save()
    audit.record(
        actor=actor, action=Action.PROCESS_CODE_CREATE, obj=item, after=audit.snapshot(item)
    )
    return item


@transaction.atomic
def secrecy_provision_create(*, actor: Any, reference: str, title: str) -> SecrecyProvision:
    require(actor, access.may_keep_lists)
    item = SecrecyProvision(reference=reference.strip(), title=title.strip())
    item.full_clean()
    item.save()
    audit.record(
        actor=actor, action=Action.SECRECY_PROVISION_CREATE, obj=item, after=audit.snapshot(item)
    )
    return item


# Cases ------------------------------------------------------------


def _new_case(actor: Any, series: NumberSeries, fields: dict[str, Any]) -> Case:
    case = Case(series=series, created_by=user_or_none(actor))
    apply_changes(
        case, {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}, CASE_FIELDS
    )
    if case.unit_id is None:
        require(actor, access.may_open_case)
        raise ValidationError({"unit": _("Say which unit the case belongs to.")})
    require(actor, access.may_open_case, case.unit, message=_ONLY_REGISTRARS)
    return case


@transaction.atomic
def case_open(*, actor: Any, series: str, **fields: Any) -> Case:
    """Open a case: its number is the series' next, for this year (``MFT 2026/0042``)."""
    case = _new_case(actor, _series(series), fields)
    case.full_clean(exclude=["number", "year"])
    try:
        case.number = number_allocate(series_key=case.series.key)
    except SeriesNotFound as exc:
        raise ValidationError({"series": str(exc)}) from None
    case.year = timezone.localdate().year
    case.save()
    audit.record(actor=actor, action=Action.CASE_OPEN, obj=case, after=audit.snapshot(case))
    return case


@transaction.atomic
def case_record_existing(
    *, actor: Any, series: str, number: str, reason: str, **fields: Any
) -> Case:
    """Take over a case numbered in a previous system (``RS-LED26-0847``): the number must be
    one of the series' and already handed out (the series has continued past it, so it can
    never be handed out again here), and not taken."""
    the_series = _series(series)
    case = _new_case(actor, the_series, fields)
    match = the_series.pattern().match(number.strip())
    if match is None:
        raise ValidationError(
            {
                "number": _("%(number)s is not a number of the series %(series)s.")
                % {"number": number, "series": the_series.format}
            }
        )
    groups = match.groupdict()
    year = int(groups["yyyy"]) if groups.get("yyyy") else 2000 + int(groups.get("yy") or 0)
    counter = NumberCounter.objects.filter(series=the_series, year=year).first()
    if counter is None or int(groups["seq"]) > counter.last_value:
        raise ValidationError(
            {
                "number": _(
                    "%(number)s has not been handed out yet: let the series continue past it first."
                )
                % {"number": number}
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Say where the case comes from.")})
    case.number, case.year = number.strip(), year
    case.full_clean()
    case.save()
    audit.record(
        actor=actor, action=Action.CASE_RECORD, obj=case, after=audit.snapshot(case), reason=reason
    )
    return case


def case_update(*, actor: Any, case: Case, reason: str = "", **changes: Any) -> Updated[Case]:
    """Change a case. Moving it to another unit needs the right to open cases there."""

    def authorize(row: Case) -> None:
        require(actor, access.may_work_in_case, row, message=_ONLY_CASE_KEEPERS)

    def validate(row: Case, before: dict[str, Any]) -> None:
        if row.unit_id != before["unit"]:
            require(actor, access.may_open_case, row.unit, message=_ONLY_REGISTRARS)

    return audited_update(
        actor=actor,
        obj=case,
        changes={k: v.strip() if isinstance(v, str) else v for k, v in changes.items()},
        allowed=CASE_FIELDS,
        action=Action.CASE_UPDATE,
        reason=reason,
        queryset=Case.objects.select_related("unit"),
        authorize=authorize,
        validate=validate,
    )


def _nothing_waiting(case: Case, **arguments: Any) -> str | None:
    waiting = case.documents.filter(sealed_at__isnull=True).count()
    if waiting:
        return _("%(count)d documents of the case wait to be registered.") % {"count": waiting}
    return None


CASE_LIFECYCLE = Lifecycle(
    model=Case,
    field="status",
    action=Action.CASE_STATUS,
    transitions=[
        Transition(
            sources=(Case.Status.OPEN,),
            target=Case.Status.CLOSED,
            who=access.may_work_in_case,
            who_message=_ONLY_CASE_KEEPERS,
            guards=(_nothing_waiting,),
            needs_reason=False,
        ),
        Transition(
            sources=(Case.Status.CLOSED,),
            target=Case.Status.OPEN,
            who=access.may_work_in_case,
            who_message=_ONLY_CASE_KEEPERS,
        ),
    ],
)


def case_close(*, actor: Any, case: Case, reason: str = "") -> Case:
    def effects(row: Case, old: str) -> None:
        row.closed_at, row.closed_by = timezone.now(), user_or_none(actor)

    return CASE_LIFECYCLE.perform(
        actor=actor,
        obj=case,
        target=Case.Status.CLOSED,
        reason=reason,
        queryset=Case.objects.select_related("unit"),
        effects=effects,
        update_fields=["closed_at", "closed_by"],
    )


def case_reopen(*, actor: Any, case: Case, reason: str) -> Case:
    def effects(row: Case, old: str) -> None:
        row.closed_at, row.closed_by = None, None

    return CASE_LIFECYCLE.perform(
        actor=actor,
        obj=case,
        target=Case.Status.OPEN,
        reason=reason,
        queryset=Case.objects.select_related("unit"),
        effects=effects,
        update_fields=["closed_at", "closed_by"],
    )


# Documents ------------------------------------------------------------

Upload = tuple[str, bytes | IO[bytes]]


def _attach(actor: Any, document: Document, uploads: Iterable[Upload]) -> list[DocumentFile]:
    from medtek.core import files

    attached = []
    for name, content in uploads:
        stored = files.store(actor=actor, content=content, name=name)
        attached.append(
            DocumentFile.objects.create(
                document=document, file=stored, name=name[:255], added_by=user_or_none(actor)
            )
        )
    return attached


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}


@transaction.atomic
def document_submit(
    *, actor: Any, case: Case | None = None, files: Iterable[Upload] = (), **fields: Any
) -> Document:
    """Submit a document for registration (the registrar's inbox): a reply that reached a unit
    by e-mail, say. Any unit user may submit for their own unit; the case is optional (the
    registrar files it). Files are stored at once, so nothing uploaded waits outside medtek."""
    document = Document(case=case, created_by=user_or_none(actor))
    apply_changes(document, _clean_fields(fields), DOCUMENT_FIELDS)
    if document.unit_id is None:
        require(actor, access.may_submit)
        raise ValidationError({"unit": _("Say which unit the document concerns.")})
    require(
        actor,
        access.may_submit,
        document.unit,
        message=gettext_lazy("You may submit documents only for your own units."),
    )
    if case is not None and case.status != Case.Status.OPEN:
        raise ValidationError({"case": _("The case is closed.")})
    document.submitted_at, document.submitted_by = timezone.now(), user_or_none(actor)
    document.full_clean()
    document.refresh_search()
    document.save()
    uploads = list(files)
    _attach(actor, document, uploads)
    audit.record(
        actor=actor,
        action=Action.DOCUMENT_SUBMIT,
        obj=document,
        after={**audit.snapshot(document), "files": [name for name, _content in uploads]},
    )
    return document


def document_update(
    *, actor: Any, document: Document, reason: str = "", **changes: Any
) -> Updated[Document]:
    """Change a document that waits to be registered (a registered one is corrected)."""

    def authorize(row: Document) -> None:
        require(actor, access.may_register, row.unit, message=_ONLY_REGISTRARS)
        if row.sealed_at is not None:
            raise ValidationError(_("The document is registered: correct it instead."))

    return audited_update(
        actor=actor,
        obj=document,
        changes=_clean_fields(changes),
        allowed=(*DOCUMENT_FIELDS, "case"),
        action=Action.DOCUMENT_UPDATE,
        reason=reason,
        queryset=Document.objects.select_related("unit", "case"),
        authorize=authorize,
        effects=lambda row, before: row.refresh_search(),
    )


@transaction.atomic
def document_attach(
    *, actor: Any, document: Document, name: str, content: bytes | IO[bytes]
) -> DocumentFile:
    """Add a file to a document that waits to be registered."""
    row = Document.objects.select_for_update().select_related("unit").get(pk=document.pk)
    require(actor, access.may_attach, row, message=_ONLY_REGISTRARS)
    if row.sealed_at is not None:
        raise ValidationError(_("The document is registered: its files no longer change."))
    [attached] = _attach(actor, row, [(name, content)])
    audit.record(
        actor=actor,
        action=Action.DOCUMENT_ATTACH,
        obj=row,
        after={"file": name, "sha256": attached.file.sha256 if attached.file else ""},
    )
    return attached


def _authority() -> str:
    return str(getattr(settings, "REGISTRY_AUTHORITY", "")) or _("the region")


def document_register(
    *,
    actor: Any,
    document: Document,
    case: Case | None = None,
    reason: str = "",
    **changes: Any,
) -> Document:
    """Register a document in ``case`` (or the case it was submitted to), with any last
    changes to its facts and its secrecy marking: it gets its number and is sealed.

    The four facts of OSL ch. 5 § 2 must be there: the date, the number (given here), the sender
    or recipient (for an incoming or outgoing document) and briefly what it concerns. A secrecy
    marking (OSL ch. 5 § 5) names its provision, date and authority (by default this one).
    """
    require(actor, access.may_register, document.unit, message=_ONLY_REGISTRARS)
    return _register(actor, document, case, reason, changes, check_case_visible=True)


def _register(
    actor: Any,
    document: Document,
    case: Case | None,
    reason: str,
    changes: dict[str, Any],
    *,
    check_case_visible: bool,
) -> Document:
    allowed = (*DOCUMENT_FIELDS, *MARKING_FIELDS)
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationError({k: _("This field cannot be changed here.") for k in unknown})

    with transaction.atomic():
        target = case or document.case
        if target is None:
            raise ValidationError({"case": _("Choose the case the document belongs to.")})
        locked_case = Case.objects.select_for_update().select_related("unit").get(pk=target.pk)
        if locked_case.status != Case.Status.OPEN:
            raise ValidationError(
                {
                    "case": _("The case %(case)s is closed: reopen it first.")
                    % {"case": locked_case.number}
                }
            )
        if (
            check_case_visible
            and getattr(actor, "pk", None)
            and not access.cases_visible_to(actor).filter(pk=locked_case.pk).exists()
        ):
            raise ValidationError({"case": _("No such case.")})

        def prepare(row: Document) -> None:
            apply_changes(row, _clean_fields(changes), allowed)
            if row.secrecy_provision_id and not row.secrecy_marked_by:
                row.secrecy_marked_by = _authority()
            locked_case.last_document_seq += 1
            locked_case.save(update_fields=["last_document_seq"])
            row.case = locked_case
            row.seq = locked_case.last_document_seq
            row.number = f"{locked_case.number}-{row.seq}"
            row.refresh_search()

        return record_seal(
            actor=actor,
            record=document,
            action=Action.DOCUMENT_REGISTER,
            reason=reason,
            prepare=prepare,
        )


# What other modules register as part of their own acts ----------------------------------------
#
# Sending a report to an authority, recording its reply, dispatching a board decision: the
# module has checked the person's right to the act itself, and the document the act sends or
# receives is registered in the same transaction, without delay (OSL ch. 5 § 1) — not left for a
# registrar to find. The audit trail names the person and, as the reason, the act.


@transaction.atomic
def case_open_for(*, actor: Any, series: str, act: str, **fields: Any) -> Case:
    """Open a case for another module's act (``act``: what it is, for the audit trail), in the
    series ``series``; the module has checked the person's right to the act."""
    the_series = _series(series)
    case = Case(series=the_series, created_by=user_or_none(actor))
    apply_changes(case, _clean_fields(fields), CASE_FIELDS)
    case.full_clean(exclude=["number", "year"])
    try:
        case.number = number_allocate(series_key=the_series.key)
    except SeriesNotFound as exc:  # pragma: no cover - _series found it
        raise ValidationError({"series": str(exc)}) from None
    case.year = timezone.localdate().year
    case.save()
    audit.record(
        actor=actor, action=Action.CASE_OPEN, obj=case, after=audit.snapshot(case), reason=act
    )
    return case


@transaction.atomic
def document_register_for(
    *, actor: Any, case: Case, act: str, files: Iterable[Upload] = (), **fields: Any
) -> Document:
    """Register, at once, a document another module's act sends or receives (``act``: what it
    is) in ``case``: drawn up and registered in one go, with its files."""
    marking = {k: fields.pop(k) for k in MARKING_FIELDS if k in fields}
    document = Document(case=case, created_by=user_or_none(actor))
    apply_changes(document, _clean_fields({"unit": case.unit, **fields}), DOCUMENT_FIELDS)
    document.full_clean()
    document.refresh_search()
    document.save()
    _attach(actor, document, list(files))
    audit.record(
        actor=actor,
        action=Action.DOCUMENT_DRAFT,
        obj=document,
        after=audit.snapshot(document),
        reason=act,
    )
    return _register(actor, document, case, act, marking, check_case_visible=False)


@transaction.atomic
def document_draw_up(
    *, actor: Any, case: Case, files: Iterable[Upload] = (), register: bool = True, **fields: Any
) -> Document:
    """Draw up a document of our own in ``case`` (an outgoing letter, an internal memo) and,
    by default, register it at once: a document drawn up is registered when it is dispatched or
    finished, not later (OSL ch. 5 § 1)."""
    require(actor, access.may_register, fields.get("unit") or case.unit, message=_ONLY_REGISTRARS)
    marking = {k: fields.pop(k) for k in MARKING_FIELDS if k in fields}
    document = Document(case=case, created_by=user_or_none(actor))
    apply_changes(document, _clean_fields({"unit": case.unit, **fields}), DOCUMENT_FIELDS)
    document.full_clean()
    document.refresh_search()
    document.save()
    _attach(actor, document, list(files))
    audit.record(
        actor=actor, action=Action.DOCUMENT_DRAFT, obj=document, after=audit.snapshot(document)
    )
    if not register:
        return document
    return document_register(actor=actor, document=document, case=case, **marking)


def document_correct(*, actor: Any, document: Document, reason: str, **changes: Any) -> Document:
    """Correct a registered document: a new version with the same number that names the one it
    corrects, with who, when and why; its files come with it."""
    require(actor, access.may_register, document.unit, message=_ONLY_REGISTRARS)

    def copy_files(old: Document, new: Document) -> None:
        for f in old.files.all():
            DocumentFile.objects.create(document=new, file=f.file, name=f.name, added_by=f.added_by)

    cleaned = _clean_fields(changes)
    if (
        cleaned.get("secrecy_provision")
        and not cleaned.get("secrecy_marked_by")
        and not document.secrecy_marked_by
    ):
        cleaned["secrecy_marked_by"] = _authority()
    try:
        return record_correct(
            actor=actor,
            record=document,
            changes=cleaned,
            allowed=CORRECTABLE_FIELDS,
            action=Action.DOCUMENT_CORRECT,
            reason=reason,
            children=copy_files,
            prepare=lambda new: new.refresh_search(),
        )
    except IntegrityError:  # pragma: no cover - record_correct turns the known ones into errors
        raise


def waiting_target(submitted: datetime.datetime) -> datetime.date:
    """The day a submitted document should be registered by: the configured number of working
    days after the day it was submitted (default: the next working day)."""
    from medtek.core.workdays import add_working_days

    days = int(getattr(settings, "REGISTRY_TARGET_WORKING_DAYS", 1))
    return add_working_days(timezone.localtime(submitted).date(), days)


_NUMBER = re.compile(r"^(?P<case>.+)-(?P<seq>\d+)$")
