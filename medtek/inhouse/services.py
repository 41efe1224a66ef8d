"""Writes to in-house files: explicit actor, one transaction, validation first, one AuditEvent in
the same transaction (design.md, Where rules live). Views, API and the demo all call these."""

import contextlib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from medtek.core import audit
from medtek.core.changes import apply_changes
from medtek.core.models import NumberSeries
from medtek.core.numbering import number_allocate, number_series_create
from medtek.organisation.models import Unit

from .access import may_keep_file
from .models import FILE_FIELDS, FILE_NUMBER_FORMAT, FILE_NUMBER_SERIES, InhouseDevice


def _require_keeper(actor: Any, unit: Unit | None) -> None:
    if actor is not None and not may_keep_file(actor, unit):
        raise PermissionDenied(
            _(
                "Only MT engineers, quality leads and administrators of the manufacturing unit "
                "keep its in-house files."
            )
        )


def _apply(file: InhouseDevice, changes: dict[str, Any]) -> None:
    """Texts are kept without surrounding blanks, so that "empty" means the same in Python and in
    SQL (``incomplete_q``)."""
    stripped = {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()}
    apply_changes(file, stripped, FILE_FIELDS)


def _ensure_series(actor: Any) -> None:
    """The first file creates the number series (audited, as any new series); an administrator
    may give it another format later."""
    if NumberSeries.objects.filter(key=FILE_NUMBER_SERIES).exists():
        return
    # Created meanwhile by a concurrent first file: the series is there, which is all we need.
    with contextlib.suppress(IntegrityError, ValidationError):
        number_series_create(
            actor=actor,
            key=FILE_NUMBER_SERIES,
            name="Egentillverkade MTP",
            format=FILE_NUMBER_FORMAT,
        )


@transaction.atomic
def inhouse_device_create(*, actor: Any, device_model: Any, **fields: Any) -> InhouseDevice:
    """Open the in-house file of an in-house manufactured device model (MDR art. 5(5)).

    The file gets the next number of the ``inhouse`` number series, in this transaction
    (domain.md §3: never reused, never skipped silently).
    """
    file = InhouseDevice(device_model=device_model)
    _apply(file, fields)
    if file.manufacturer_unit_id is None:
        raise ValidationError({"manufacturer_unit": _("Say which unit makes the device.")})
    _require_keeper(actor, file.manufacturer_unit)
    file.full_clean(exclude=["file_number"])
    _ensure_series(actor)
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
    audit.record(actor=actor, action="inhouse_device.create", obj=file, after=audit.snapshot(file))
    return file


@transaction.atomic
def inhouse_device_update(
    *, actor: Any, inhouse_device: InhouseDevice, reason: str = "", **changes: Any
) -> InhouseDevice:
    """Change an in-house file. Moving it to another manufacturing unit needs the right to keep
    files there as well."""
    file = (
        InhouseDevice.objects.select_for_update()
        .select_related("device_model", "manufacturer_unit")
        .get(pk=inhouse_device.pk)
    )
    _require_keeper(actor, file.manufacturer_unit)
    before = audit.snapshot(file)
    _apply(file, changes)
    if "manufacturer_unit" in changes:
        _require_keeper(actor, file.manufacturer_unit)
    file.full_clean()
    file.save()
    audit.record(
        actor=actor,
        action="inhouse_device.update",
        obj=file,
        before=before,
        after=audit.snapshot(file),
        reason=reason,
    )
    return file
