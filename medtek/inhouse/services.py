"""Writes to in-house files: explicit actor, one transaction, validation first, one AuditEvent in
the same transaction (design.md, Where rules live). Views, API and the demo all call these."""

import datetime
from collections.abc import Iterable
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtek.core import audit, files
from medtek.core.actors import require, user_or_none
from medtek.core.changes import Updated, apply_changes, audited_update
from medtek.core.models import AuditEvent
from medtek.core.numbering import number_allocate, number_series_ensure
from medtek.core.records import record_correct, record_seal
from medtek.core.transitions import Lifecycle, Transition
from medtek.devices.models import Device
from medtek.organisation.models import Unit
from medtek.reports import routing
from medtek.reports import services as report_services
from medtek.reports.models import Report

from . import declarations, gates
from .access import may_govern, may_keep_file, may_sign
from .actions import Action
from .models import (
    FILE_FIELDS,
    FILE_NUMBER_FORMAT,
    FILE_NUMBER_SERIES,
    MATERIAL_FIELDS,
    ChecklistItem,
    CorrectiveAction,
    FileDocument,
    InhouseDevice,
    ReleaseDocument,
    ReleaseRecord,
    Requirement,
    Review,
    SignOff,
)

_ONLY_KEEPERS = gettext_lazy(
    "Only MT engineers, quality leads and administrators of the manufacturing unit keep its "
    "in-house files."
)


def _require_keeper(actor: Any, unit: Unit | None) -> None:
    require(actor, may_keep_file, unit, message=_ONLY_KEEPERS)


def _stripped(changes: dict[str, Any]) -> dict[str, Any]:
    """Texts are kept without surrounding blanks, so that "empty" means the same in Python and in
    SQL (``incomplete_q``)."""
    return {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()}


@transaction.atomic
def inhouse_device_create(*, actor: Any, device_model: Any, **fields: Any) -> InhouseDevice:
    """Open the in-house file of an in-house manufactured device model (MDR art. 5(5)).

    The file gets the next number of the ``inhouse`` number series, in this transaction
    (docs/domain/registry.md#numbers: never reused, never skipped silently).
    """
    file = InhouseDevice(device_model=device_model)
    apply_changes(file, _stripped(fields), FILE_FIELDS)
    if file.manufacturer_unit_id is None:
        _require_keeper(actor, None)
        raise ValidationError({"manufacturer_unit": _("Say which unit makes the device.")})
    _require_keeper(actor, file.manufacturer_unit)
    file.full_clean(exclude=["file_number"])
    number_series_ensure(
        actor=actor, key=FILE_NUMBER_SERIES, name="Egentillverkade MTP", format=FILE_NUMBER_FORMAT
    )
    file.file_number = number_allocate(series_key=FILE_NUMBER_SERIES)
    try:
        with transaction.atomic():
            file.save()
    except IntegrityError:
        # Another file for the same model was opened at the same moment (the check above could
        # not see it yet); the database's unique constraint decides.
        if InhouseDevice.objects.filter(device_model=file.device_model).exists():
            raise ValidationError(
                {"device_model": _("This device model already has an in-house file.")}
            ) from None
        raise
    audit.record(
        actor=actor, action=Action.INHOUSE_DEVICE_CREATE, obj=file, after=audit.snapshot(file)
    )
    _open_checklist(actor, file)
    return file


def inhouse_device_update(
    *, actor: Any, inhouse_device: InhouseDevice, reason: str = "", **changes: Any
) -> Updated[InhouseDevice]:
    """Change an in-house file. Moving it to another manufacturing unit needs the right to keep
    files there as well."""

    def authorize(row: InhouseDevice) -> None:
        _require_keeper(actor, row.manufacturer_unit)
        if row.status == InhouseDevice.Status.WITHDRAWN:
            raise ValidationError(_("The file is withdrawn and no longer changes."))

    def validate(row: InhouseDevice, before: dict[str, Any]) -> None:
        if row.manufacturer_unit_id != before["manufacturer_unit"]:
            _require_keeper(actor, row.manufacturer_unit)

    def effects(row: InhouseDevice, before: dict[str, Any]) -> None:
        # A material change to a device in use asks for a new notification to IVO
        # (HSLF-FS 2021:32 ch. 4 § 2): condition (d) no longer holds until it is sent.
        material = [
            name for name in MATERIAL_FIELDS if before[name] != audit.snapshot(row, [name])[name]
        ]
        if material and row.status in IN_USE:
            row.material_change_at = timezone.now()
        if row.review_interval_months != before["review_interval_months"]:
            row.review_due = gates.compute_review_due(row)

    with transaction.atomic():
        updated = audited_update(
            actor=actor,
            obj=inhouse_device,
            changes=_stripped(changes),
            allowed=FILE_FIELDS,
            action=Action.INHOUSE_DEVICE_UPDATE,
            reason=reason,
            queryset=InhouseDevice.objects.select_related(
                "device_model", "manufacturer_unit", "using_unit"
            ),
            authorize=authorize,
            validate=validate,
            effects=effects,
        )
        if updated.changed and updated.obj.status == InhouseDevice.Status.APPROVED:
            declarations.publish_if_changed(
                actor=actor,
                care_provider=updated.obj.manufacturer_unit.care_provider,
                reason=_("%(file)s changed.") % {"file": updated.obj.file_number},
            )
        return updated


#: The states in which the file's devices are in (or held back from) clinical use.
IN_USE = (InhouseDevice.Status.APPROVED, InhouseDevice.Status.SUSPENDED)


def _authors(file: InhouseDevice) -> set[int]:
    """Who wrote the file (opened or changed it): none of them may sign it (four eyes)."""
    return set(
        AuditEvent.objects.filter(
            object_type=audit.object_type(file),
            object_id=str(file.pk),
            action__in=[Action.INHOUSE_DEVICE_CREATE, Action.INHOUSE_DEVICE_UPDATE],
            actor__isnull=False,
        ).values_list("actor_id", flat=True)
    )


# The Annex I checklist ----------------------------------------------------------------------


def checklist_open(*, actor: Any, inhouse_device: InhouseDevice) -> int:
    """Give the file one checklist item per Annex I requirement in use for its regulation that it
    has no item for yet; returns how many were added. Items already there (and their
    assessments) stay as they are, also for requirements a later data version retired."""
    _require_keeper(actor, inhouse_device.manufacturer_unit)
    with transaction.atomic():
        file = InhouseDevice.objects.select_for_update().get(pk=inhouse_device.pk)
        return _open_checklist(actor, file)


def _open_checklist(actor: Any, file: InhouseDevice) -> int:
    """The items :func:`checklist_open` adds (a new file gets its checklist at once)."""
    have = set(file.checklist.values_list("requirement_id", flat=True))
    missing = list(
        Requirement.objects.filter(regulation=file.regulation, active=True)
        .exclude(pk__in=have)
        .order_by("position")
    )
    if not missing:
        return 0
    ChecklistItem.objects.bulk_create([ChecklistItem(file=file, requirement=r) for r in missing])
    audit.record(
        actor=actor,
        action=Action.CHECKLIST_OPEN,
        obj=file,
        after={"regulation": file.regulation, "items_added": [r.code for r in missing]},
    )
    return len(missing)


CHECKLIST_FIELDS = (
    "applies",
    "not_applicable_reason",
    "outcome",
    "justification",
    "evidence_note",
)


def _item_snapshot(item: ChecklistItem) -> dict[str, Any]:
    data = audit.snapshot(item)
    data["evidence"] = sorted(item.evidence.values_list("pk", flat=True))
    return data


def checklist_assess(
    *,
    actor: Any,
    item: ChecklistItem,
    evidence: Iterable[FileDocument] | None = None,
    **changes: Any,
) -> Updated[ChecklistItem]:
    """Assess one Annex I item of a file (row by row, from the checklist page or the API).

    ``evidence`` replaces the item's evidence with these document versions, which must belong to
    the same file. The approved file's public declaration is published again when what it shows
    (the requirements not fully met, their justifications) changes."""
    with transaction.atomic():
        row = (
            ChecklistItem.objects.select_for_update(of=("self",))
            .select_related("file__manufacturer_unit__care_provider", "requirement")
            .get(pk=item.pk)
        )
        _require_keeper(actor, row.file.manufacturer_unit)
        if row.file.status == InhouseDevice.Status.WITHDRAWN:
            raise ValidationError(_("The file is withdrawn and no longer changes."))
        before = _item_snapshot(row)
        changes = _stripped(changes)
        if changes.get("applies") is True:
            changes.setdefault("not_applicable_reason", "")
        if changes.get("applies") is False:
            changes.setdefault("outcome", "")
            changes.setdefault("justification", "")
        if changes.get("outcome") == ChecklistItem.Outcome.MET:
            changes.setdefault("justification", "")
        apply_changes(row, changes, CHECKLIST_FIELDS)
        row.full_clean()
        docs = None
        if evidence is not None:
            docs = list(evidence)
            strangers = [d for d in docs if d.file_id != row.file_id]
            if strangers:
                raise ValidationError({"evidence": _("Evidence must be documents of this file.")})
        row.assessed_at, row.assessed_by = timezone.now(), user_or_none(actor)
        row.save()
        if docs is not None:
            row.evidence.set(docs)
        after = _item_snapshot(row)
        unchanged = {k: v for k, v in after.items() if k not in ("assessed_at", "assessed_by")} == {
            k: v for k, v in before.items() if k not in ("assessed_at", "assessed_by")
        }
        if unchanged:
            transaction.set_rollback(True)
            return Updated(item, False)
        audit.record(
            actor=actor, action=Action.CHECKLIST_ASSESS, obj=row, before=before, after=after
        )
        if row.file.status == InhouseDevice.Status.APPROVED:
            declarations.publish_if_changed(
                actor=actor,
                care_provider=row.file.manufacturer_unit.care_provider,
                reason=_("Annex I assessment of %(file)s changed.")
                % {"file": row.file.file_number},
            )
        return Updated(row, True)


# Technical documentation (f) ----------------------------------------------------------------

Upload = tuple[str, bytes | IO[bytes]]


def document_add(
    *,
    actor: Any,
    inhouse_device: InhouseDevice,
    kind: str,
    title: str,
    upload: Upload,
    note: str = "",
) -> FileDocument:
    """Add a document to the technical file (MDR art. 5(5)(f)): kept in the file store and sealed
    at once, so that no one can change or remove it afterwards; a new version is
    :func:`document_new_version`."""
    _require_keeper(actor, inhouse_device.manufacturer_unit)
    if inhouse_device.status == InhouseDevice.Status.WITHDRAWN:
        raise ValidationError(_("The file is withdrawn and no longer changes."))
    with transaction.atomic():
        name, content = upload
        stored = files.store(actor=actor, content=content, name=name)
        doc = FileDocument(
            file=inhouse_device,
            kind=kind,
            title=title.strip(),
            note=note.strip(),
            content=stored,
            name=name or stored.original_name,
            created_by=user_or_none(actor),
        )
        doc.full_clean()
        doc.save()
        return record_seal(actor=actor, record=doc, action=Action.DOCUMENT_ADD)


def document_new_version(
    *, actor: Any, document: FileDocument, upload: Upload, reason: str, title: str = ""
) -> FileDocument:
    """A new version of a technical document: it supersedes the current one, which stays as it
    was (ADR 0009); release records keep naming the version they were made by."""
    file = document.file
    _require_keeper(actor, file.manufacturer_unit)
    if file.status == InhouseDevice.Status.WITHDRAWN:
        raise ValidationError(_("The file is withdrawn and no longer changes."))
    with transaction.atomic():
        name, content = upload
        stored = files.store(actor=actor, content=content, name=name)
        changes: dict[str, Any] = {"content": stored, "name": name}
        if title.strip():
            changes["title"] = title.strip()
        return record_correct(
            actor=actor,
            record=document,
            changes=changes,
            allowed=("content", "name", "title"),
            action=Action.DOCUMENT_VERSION,
            reason=reason,
        )


def current_documents(file: InhouseDevice) -> Any:
    return FileDocument.objects.filter(file=file).current()


# Manufacturing and release records (g) ------------------------------------------------------


@transaction.atomic
def release_record(
    *,
    actor: Any,
    inhouse_device: InhouseDevice,
    made_by: Any,
    made_on: datetime.date,
    device: Device | None = None,
    batch: str = "",
    quantity: int = 1,
    note: str = "",
) -> ReleaseRecord:
    """Record that one unit (a registered device of the file's model, by inventory number) or one
    batch was made and released according to the technical documentation as it is now
    (MDR art. 5(5)(g)): the record names the current version of every document."""
    _require_keeper(actor, inhouse_device.manufacturer_unit)
    errors: dict[str, Any] = {}
    if device is not None and device.model_id != inhouse_device.device_model_id:
        errors["device"] = _("%(device)s is not a device of this file's model.") % {
            "device": device.inventory_number
        }
    if made_on > timezone.localdate():
        errors["made_on"] = _("A unit cannot be released on a day still to come.")
    docs = list(current_documents(inhouse_device))
    if not docs:
        errors.setdefault(
            "__all__",
            _("The technical file has no documents yet: a release is made by its documentation."),
        )
    if errors:
        raise ValidationError(errors)
    release = ReleaseRecord(
        file=inhouse_device,
        device=device,
        batch=batch.strip(),
        quantity=quantity,
        made_by=made_by,
        made_on=made_on,
        note=note.strip(),
        recorded_by=user_or_none(actor),
    )
    release.full_clean()
    release.save()
    ReleaseDocument.objects.bulk_create(
        [ReleaseDocument(release=release, document=d) for d in docs]
    )
    after = audit.snapshot(release)
    after["documents"] = [f"{d.title} v{d.version}" for d in docs]
    audit.record(actor=actor, action=Action.RELEASE_RECORD, obj=release, after=after)
    return release


# Clinical experience (h) --------------------------------------------------------------------


@transaction.atomic
def review_record(
    *,
    actor: Any,
    inhouse_device: InhouseDevice,
    reviewed_on: datetime.date,
    period_start: datetime.date,
    findings: str,
    units_made: int = 0,
    incidents: int = 0,
    complaints: int = 0,
) -> Review:
    """Record a review of the experience from clinical use (MDR art. 5(5)(h)); the next is due
    the file's interval after it."""
    _require_keeper(actor, inhouse_device.manufacturer_unit)
    if reviewed_on > timezone.localdate():
        raise ValidationError({"reviewed_on": _("A review cannot be dated in the future.")})
    review = Review(
        file=inhouse_device,
        reviewed_on=reviewed_on,
        period_start=period_start,
        findings=findings.strip(),
        units_made=units_made,
        incidents=incidents,
        complaints=complaints,
        recorded_by=user_or_none(actor),
    )
    review.full_clean()
    review.save()
    file = InhouseDevice.objects.select_for_update().get(pk=inhouse_device.pk)
    file.review_due = gates.compute_review_due(file)
    file.save(update_fields=["review_due"])
    audit.record(actor=actor, action=Action.REVIEW_RECORD, obj=review, after=audit.snapshot(review))
    return review


@transaction.atomic
def corrective_action_create(
    *, actor: Any, review: Review, description: str, owner: Any, due_date: datetime.date
) -> CorrectiveAction:
    _require_keeper(actor, review.file.manufacturer_unit)
    action = CorrectiveAction(
        review=review, description=description.strip(), owner=owner, due_date=due_date
    )
    action.full_clean()
    action.save()
    audit.record(actor=actor, action=Action.ACTION_CREATE, obj=action, after=audit.snapshot(action))
    return action


def corrective_action_done(*, actor: Any, action: CorrectiveAction, note: str) -> CorrectiveAction:
    """The owner (or a keeper of the file) says what was done."""
    if not note.strip():
        raise ValidationError({"done_note": _("Say what was done.")})

    def authorize(row: CorrectiveAction) -> None:
        if user_or_none(actor) != row.owner:
            _require_keeper(actor, row.review.file.manufacturer_unit)
        if row.status != CorrectiveAction.Status.OPEN:
            raise ValidationError(_("The action is already done."))

    def effects(row: CorrectiveAction, before: dict[str, Any]) -> None:
        row.status = CorrectiveAction.Status.DONE

    return audited_update(
        actor=actor,
        obj=action,
        changes={"done_note": note.strip()},
        allowed=("done_note",),
        action=Action.ACTION_DONE,
        queryset=CorrectiveAction.objects.select_related("review__file__manufacturer_unit"),
        authorize=authorize,
        effects=effects,
    ).obj


def corrective_action_verify(
    *, actor: Any, action: CorrectiveAction, verification: str
) -> CorrectiveAction:
    """A keeper of the file, not the owner, verifies that the action worked."""
    if not verification.strip():
        raise ValidationError({"verification": _("Say how the action was verified.")})

    def authorize(row: CorrectiveAction) -> None:
        _require_keeper(actor, row.review.file.manufacturer_unit)
        if row.status != CorrectiveAction.Status.DONE:
            raise ValidationError(_("Only a done action can be verified."))
        if user_or_none(actor) == row.owner:
            raise ValidationError(_("The action's owner cannot verify it: another person must."))

    def effects(row: CorrectiveAction, before: dict[str, Any]) -> None:
        row.status = CorrectiveAction.Status.VERIFIED
        row.verified_on = timezone.localdate()
        row.verified_by = user_or_none(actor)

    return audited_update(
        actor=actor,
        obj=action,
        changes={"verification": verification.strip()},
        allowed=("verification",),
        action=Action.ACTION_VERIFY,
        queryset=CorrectiveAction.objects.select_related("review__file__manufacturer_unit"),
        authorize=authorize,
        effects=effects,
    ).obj


# (d): the IVO notification ------------------------------------------------------------------


def _notification_text(file: InhouseDevice) -> str:
    m = file.device_model
    parts = [
        f"{file.file_number}: {m.manufacturer} {m.trade_name} {m.model_version}".strip(),
        f"{file.get_kind_display()}.",
        f"Avsett ändamål: {file.intended_purpose}",
    ]
    if file.based_on:
        parts.append(f"Utgår från: {file.based_on}")
    parts += [
        f"Tillverkande enhet: {file.manufacturer_unit.name}.",
        f"Skäl till egentillverkning (art. 5.5 c): {file.justification}",
        f"Marknadsgenomgång: {file.market_search}",
    ]
    return "\n\n".join(p for p in parts if p)


@transaction.atomic
def notification_draft(*, actor: Any, inhouse_device: InhouseDevice) -> Any:
    """Draft the IVO notification of the in-house manufacture (MDR art. 5(5)(d); HSLF-FS 2021:32
    ch. 4 § 2) from the file's data, as a report of kind ``in_house_information``, and link the
    file to it. It is approved and sent (and so registered in the diary) in the reports module.
    A file drafts a new one after a material change; the earlier stays in the history."""
    file = (
        InhouseDevice.objects.select_for_update(of=("self",))
        .select_related("device_model", "manufacturer_unit", "using_unit")
        .get(pk=inhouse_device.pk)
    )
    _require_keeper(actor, file.manufacturer_unit)
    if file.status == InhouseDevice.Status.WITHDRAWN:
        raise ValidationError(_("The file is withdrawn and no longer changes."))
    current = file.notification
    if current is not None and gates.notification_holds(file) is None:
        raise ValidationError(_("IVO has already been notified of the device as it is."))
    if current is not None and current.status in (Report.Status.DRAFT, Report.Status.APPROVED):
        raise ValidationError(
            _("The notification %(number)s is not sent yet: send it, or change it.")
            % {"number": current.number}
        )
    today = timezone.localdate()
    report = report_services.report_draft(
        actor=actor,
        kind=routing.IN_HOUSE_INFORMATION,
        unit=file.manufacturer_unit,
        event_date=today,
        awareness_date=today,
        device_model=file.device_model,
        description=_notification_text(file),
        contact_person=user_or_none(actor),
        personal_numbers_confirmed=True,
    )
    before = audit.snapshot(file)
    file.notification = report
    file.save(update_fields=["notification"])
    audit.record(
        actor=actor,
        action=Action.INHOUSE_DEVICE_NOTIFY,
        obj=file,
        before=before,
        after=audit.snapshot(file),
    )
    return report


# Sign-off and the lifecycle -----------------------------------------------------------------


@transaction.atomic
def signoff_sign(
    *, actor: Any, inhouse_device: InhouseDevice, capacity: str, statement: str = ""
) -> SignOff:
    """Sign the file under review as head of the using unit or head of medical technology
    (docs/domain/inhouse.md#sign-off). Two different people, neither of whom wrote the file."""
    file = (
        InhouseDevice.objects.select_for_update(of=("self",))
        .select_related("manufacturer_unit", "using_unit")
        .get(pk=inhouse_device.pk)
    )
    if capacity not in SignOff.Capacity.values:
        raise ValidationError(
            {"capacity": _("Sign as head of the using unit or of medical technology.")}
        )
    label = SignOff.Capacity(capacity).label
    require(
        actor,
        may_sign,
        file,
        capacity,
        message=_("Only the %(who)s may sign as such.") % {"who": str(label).lower()},
    )
    if file.status != InhouseDevice.Status.UNDER_REVIEW:
        raise ValidationError(_("Only a file under review is signed off."))
    person = user_or_none(actor)
    if person is None or person.pk in _authors(file):
        raise ValidationError(
            _("You wrote this file and cannot sign it: the sign-off is by two other people.")
        )
    existing = SignOff.objects.filter(file=file, round=file.signoff_round)
    if existing.filter(capacity=capacity).exists():
        raise ValidationError(_("This has already been signed in this round."))
    if existing.filter(person=person).exists():
        raise ValidationError(
            _("You have already signed in the other capacity: the sign-off needs two people.")
        )
    signoff = SignOff(
        file=file,
        round=file.signoff_round,
        capacity=capacity,
        person=person,
        statement=statement.strip()
        or _("The device is fit for its intended purpose and meets the conditions of art. 5(5)."),
    )
    signoff.full_clean()
    signoff.save()
    audit.record(actor=actor, action=Action.SIGNOFF, obj=signoff, after=audit.snapshot(signoff))
    return signoff


def _approval_gate(topic: str) -> Any:
    """The guard of one topic of the approval's requirements (gates.approval_problems), so that
    a refusal lists each missing requirement on its own."""

    def guard(file: InhouseDevice, **arguments: Any) -> str | None:
        found = [
            text
            for t, text in gates.approval_problems(
                file, timezone.localdate(), authors=_authors(file)
            )
            if t == topic
        ]
        return " ".join(found) or None

    return guard


_APPROVAL_GUARDS = tuple(_approval_gate(t) for t in gates.APPROVAL_TOPICS)


def _keeper(actor: Any, file: InhouseDevice) -> bool:
    return may_keep_file(actor, file.manufacturer_unit)


_ONLY_GOVERNORS = gettext_lazy(
    "Only the file's keepers and the heads who sign it move it through its lifecycle."
)

S = InhouseDevice.Status
FILE_LIFECYCLE = Lifecycle(
    model=InhouseDevice,
    field="status",
    action=Action.INHOUSE_DEVICE_TRANSITION,
    transitions=[
        Transition(
            (S.DRAFT,),
            S.UNDER_REVIEW,
            who=_keeper,
            who_message=_ONLY_KEEPERS,
            needs_reason=False,
            label=gettext_lazy("Submit for review"),
        ),
        Transition(
            (S.UNDER_REVIEW,),
            S.DRAFT,
            who=may_govern,
            who_message=_ONLY_GOVERNORS,
            label=gettext_lazy("Return to draft"),
        ),
        Transition(
            (S.UNDER_REVIEW,),
            S.APPROVED,
            who=may_govern,
            who_message=_ONLY_GOVERNORS,
            guards=_APPROVAL_GUARDS,
            needs_reason=False,
            label=gettext_lazy("Approve for clinical use"),
        ),
        Transition(
            (S.APPROVED,),
            S.SUSPENDED,
            who=may_govern,
            who_message=_ONLY_GOVERNORS,
            label=gettext_lazy("Suspend"),
        ),
        Transition(
            (S.SUSPENDED,),
            S.APPROVED,
            who=may_govern,
            who_message=_ONLY_GOVERNORS,
            guards=_APPROVAL_GUARDS,
            label=gettext_lazy("Resume clinical use"),
        ),
        Transition(
            (S.DRAFT, S.UNDER_REVIEW, S.APPROVED, S.SUSPENDED),
            S.WITHDRAWN,
            who=may_govern,
            who_message=_ONLY_GOVERNORS,
            label=gettext_lazy("Withdraw"),
        ),
    ],
)


def inhouse_device_transition(
    *, actor: Any, inhouse_device: InhouseDevice, target: str, reason: str = ""
) -> InhouseDevice:
    """Move the file through its lifecycle (draft → under review → approved for clinical use →
    (suspended) → withdrawn), audited with its reason. Submitting starts a new round of
    sign-offs; approval publishes the institution's declaration with the file, suspension and
    withdrawal publish it without."""
    was: dict[str, str] = {}

    def effects(row: InhouseDevice, old: str) -> None:
        was["status"] = old  # read from the locked row, not the caller's copy
        if row.status == S.UNDER_REVIEW:
            row.signoff_round += 1
        if row.status == S.APPROVED and old == S.UNDER_REVIEW:
            row.approved_at = timezone.now()
            row.review_due = gates.compute_review_due(row)

    with transaction.atomic():
        row = FILE_LIFECYCLE.perform(
            actor=actor,
            obj=inhouse_device,
            target=target,
            reason=reason,
            queryset=InhouseDevice.objects.select_related(
                "device_model", "manufacturer_unit__care_provider", "using_unit", "notification"
            ),
            effects=effects,
            update_fields=["signoff_round", "approved_at", "review_due"],
        )
        if row.status == S.APPROVED or was.get("status") == S.APPROVED:
            what = {
                S.APPROVED: _("%(file)s approved for clinical use."),
                S.SUSPENDED: _("%(file)s suspended."),
                S.WITHDRAWN: _("%(file)s withdrawn."),
            }.get(row.status, _("%(file)s changed."))
            declarations.publish_if_changed(
                actor=actor,
                care_provider=row.manufacturer_unit.care_provider,
                reason=what % {"file": row.file_number},
            )
        return row
