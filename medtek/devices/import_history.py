"""Inspection history from an import file: the interval, the last inspection and its values.

An old register keeps, per device, how often it is inspected, when it last was, and often what
was measured then. Those columns become the device's inspection plan (due as the register's
own services compute it, ``services.first_due`` and ``services.due_after``) and, when the file
gives the last inspection's result, that inspection's record with its measured values.

Decisions a person importing should know (docs/domain/devices.md#recurrent-tests):

- **The interval** is the device's plan interval; without one, the device model's default
  interval is used, and with neither a row that has a last inspection is refused (a plan needs an
  interval). A plan with no last inspection is due at once, as a new plan is in the register.
- **The result** is never derived from the measured values: whether 0.3 Ω passes depends on the
  device and the standard's limits, which the file does not say. Measured values therefore need
  the file's result (pass/fail); a result needs the date of the inspection.
- **Who performed it** is not recorded: not the person importing (who did not), and the old
  register's names are not medtek users. The record's notes say it came from the import.
- **Numbers** may be written with a decimal comma (``0,12``) or a space between thousands.
"""

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Inspection, InspectionKind, InspectionPlan
from .services import ImportedHistory

#: The measured values a file may give, as the inspection form names them.
MEASURED_FIELDS = (
    "protective_earth_ohm",
    "insulation_mohm",
    "equipment_leakage_ua",
    "patient_leakage_ua",
)
HISTORY_FIELDS = (
    "inspection_interval_months",
    "last_inspection_on",
    "inspection_kind",
    "inspection_result",
    *MEASURED_FIELDS,
)
#: What an inspection is when the file does not say: measured values are an IEC 62353 test.
DEFAULT_KIND = InspectionKind.ELECTRICAL_SAFETY


def _form_field(model: type[models.Model], name: str) -> forms.Field:
    """The form field the register's own forms have for a model field, with the model field's
    validators (its range: a model form checks them when it validates the instance)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    form_field = field.formfield(required=False)
    assert form_field is not None
    form_field.validators.extend(v for v in field.validators if v not in form_field.validators)
    return form_field


_INTERVAL = _form_field(InspectionPlan, "interval_months")
_DATE = forms.DateField(required=False)
_MEASURED = {name: _form_field(Inspection, name) for name in MEASURED_FIELDS}

_KIND_WORDS = {code.casefold(): code for code in InspectionKind.values}
_KIND_WORDS.update({str(label).casefold(): code for code, label in InspectionKind.choices})
_KIND_WORDS.update(
    {
        "elsäkerhet": InspectionKind.ELECTRICAL_SAFETY,
        "elektrisk säkerhet": InspectionKind.ELECTRICAL_SAFETY,
        "electrical safety": InspectionKind.ELECTRICAL_SAFETY,
        "iec 62353": InspectionKind.ELECTRICAL_SAFETY,
        "kalibrering": InspectionKind.CALIBRATION,
        "förebyggande underhåll": InspectionKind.MAINTENANCE,
        "underhåll": InspectionKind.MAINTENANCE,
        "funktionskontroll": InspectionKind.FUNCTIONAL,
    }
)
_RESULT_WORDS = {
    "pass": Inspection.Result.PASS,
    "passed": Inspection.Result.PASS,
    "ok": Inspection.Result.PASS,
    "godkänd": Inspection.Result.PASS,
    "godkänt": Inspection.Result.PASS,
    "fail": Inspection.Result.FAIL,
    "failed": Inspection.Result.FAIL,
    "underkänd": Inspection.Result.FAIL,
    "underkänt": Inspection.Result.FAIL,
    "ej godkänd": Inspection.Result.FAIL,
    "ej godkänt": Inspection.Result.FAIL,
}


def number_text(raw: str) -> str:
    """A number as written in Swedish or English, as the form fields read numbers: ``0,12`` and
    ``1 200,5`` become ``0.12`` and ``1200.5``. A text with both a comma and a point is left
    as it is (which one is the decimal sign cannot be told), for the field to refuse."""
    text = raw.strip().replace("\u00a0", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    return text


def parse_history(
    values: Mapping[str, str], *, default_interval: int | None, model_known: bool
) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """A row's inspection history as JSON-ready data (for ``services.ImportedHistory``), or
    None if the row has none; and the (field, message) errors of its values."""
    if not any(values.get(name, "").strip() for name in HISTORY_FIELDS):
        return None, []
    errors: list[tuple[str, str]] = []

    def clean(name: str, field: forms.Field, text: str) -> Any:
        try:
            return field.clean(text)
        except forms.ValidationError as exc:
            errors.extend((name, m) for m in exc.messages)
            return None

    interval = clean(
        "inspection_interval_months",
        _INTERVAL,
        number_text(values.get("inspection_interval_months", "")),
    )
    last = clean("last_inspection_on", _DATE, _date_text(values.get("last_inspection_on", "")))
    if last is not None and last > timezone.localdate():
        errors.append(("last_inspection_on", _("The last inspection is in the future.")))
    kind_text = values.get("inspection_kind", "").strip()
    kind = _KIND_WORDS.get(" ".join(kind_text.split()).casefold()) if kind_text else DEFAULT_KIND
    if kind is None:
        errors.append(
            (
                "inspection_kind",
                _(
                    "Unknown kind of inspection “%(v)s” (use electrical_safety, calibration, "
                    "maintenance or functional)."
                )
                % {"v": kind_text},
            )
        )
    result_text = values.get("inspection_result", "").strip()
    result = _RESULT_WORDS.get(" ".join(result_text.split()).casefold()) if result_text else ""
    if result is None:
        errors.append(
            (
                "inspection_result",
                _("Unknown inspection result “%(v)s” (use pass or fail).") % {"v": result_text},
            )
        )
    measured: dict[str, str] = {}
    for name, field in _MEASURED.items():
        text = number_text(values.get(name, ""))
        if text:
            value = clean(name, field, text)
            if value is not None:
                measured[name] = str(value)
    written = [name for name in MEASURED_FIELDS if values.get(name, "").strip()]
    if written and not result_text:
        errors.append(
            (
                "inspection_result",
                _(
                    "Give the result (pass or fail) of the inspection these values were measured "
                    "at: medtek does not judge measured values by itself."
                ),
            )
        )
    if (written or result_text) and not values.get("last_inspection_on", "").strip():
        errors.append(
            ("last_inspection_on", _("Say when the inspection with this result was done."))
        )
    if interval is None and not values.get("inspection_interval_months", "").strip():
        interval = default_interval
        if interval is None and model_known:
            errors.append(
                (
                    "inspection_interval_months",
                    _("Give the inspection interval: the device model has no default interval."),
                )
            )
    if errors or interval is None:
        return None, errors
    return {
        "kind": kind,
        "interval_months": interval,
        "last_done": last.isoformat() if last else None,
        "result": result or "",
        "values": measured,
    }, []


def _date_text(raw: str) -> str:
    """An ISO date with a time (as some exports write a date: ``2023-04-01 00:00:00``) is read as
    its date."""
    text = raw.strip()
    if len(text) > 10 and text[4:5] == "-" and text[10:] in (" 00:00:00", "T00:00:00"):
        return text[:10]
    return text


def history_from_json(device_id: int, data: Mapping[str, Any]) -> ImportedHistory:
    """The service's ``ImportedHistory`` of ``data`` as ``parse_history`` prepared it."""
    last = data.get("last_done")
    return ImportedHistory(
        device_id=device_id,
        kind=data["kind"],
        interval_months=int(data["interval_months"]),
        last_done=datetime.date.fromisoformat(last) if last else None,
        result=data.get("result", ""),
        values={k: Decimal(v) for k, v in data.get("values", {}).items()},
    )
