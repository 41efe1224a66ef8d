"""Writes to in-house files: explicit actor, one transaction, validation first, one AuditEvent in
the same transaction (design.md, Where rules live). Views, API and the demo all call these."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtek.core import audit
from medtek.core.actors import require
from medtek.core.changes import Updated, apply_changes, audited_update
from medtek.core.numbering import number_allocate, number_series_ensure
from medtek.organisation.models import Unit

from .access import may_keep_file
from .actions import Action
from .models import FILE_FIELDS, FILE_NUMBER_FORMAT, FILE_NUMBER_SERIES, InhouseDevice

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
    return file


def inhouse_device_update(
    *, actor: Any, inhouse_device: InhouseDevice, reason: str = "", **changes: Any
) -> Updated[InhouseDevice]:
    """Change an in-house file. Moving it to another manufacturing unit needs the right to keep
    files there as well."""

    def validate(row: InhouseDevice, before: dict[str, Any]) -> None:
        if row.manufacturer_unit_id != before["manufacturer_unit"]:
            _require_keeper(actor, row.manufacturer_unit)

    return audited_update(
        actor=actor,
        obj=inhouse_device,
        changes=_stripped(changes),
        allowed=FILE_FIELDS,
        action=Action.INHOUSE_DEVICE_UPDATE,
        reason=reason,
        queryset=InhouseDevice.objects.select_related("device_model", "manufacturer_unit"),
        authorize=lambda row: _require_keeper(actor, row.manufacturer_unit),
        validate=validate,
    )
