"""Import and export of the device register through the shared import framework.

Every row is parsed by the same form fields as the register's UI form (``DeviceForm``) and checked
by the same row rules (``Device.clean``, the acceptance-check rule); device models and units are
looked up once per chunk, so validation costs no query per row.
"""

import copy
import datetime
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import connection, models
from django.db.models.functions import Upper
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtek.core.text import (
    UNWRITABLE,
    ProhibitControlCharactersValidator,
    control_character_error,
)
from medtek.imports.registry import (
    Column,
    Committed,
    Importer,
    Outcome,
    RowResult,
    ValidRow,
    register,
)

from . import access, services
from .filters import DeviceFilter
from .forms import DeviceForm
from .import_catalogue import CatalogueIndex, parse_identity
from .import_history import history_from_json, parse_history
from .models import (
    Device,
    DeviceModel,
    DeviceStatus,
    DeviceStatusChange,
    Inspection,
    InspectionKind,
    InspectionPlan,
    RiskClass,
    device_rule_errors,
)
from .selectors import EXPORT_HEADER, device_export_row, device_list_queryset

#: The register form's fields an import row fills (the rest of a record: its key, model, unit
#: and status, which the importer reads itself).
_FORM_FIELDS = list(services.RECORD_FIELDS[len(services.RECORD_KEY_FIELDS) :])

_STATUS_CODES = frozenset(DeviceStatus.values)
# Swedish interface labels accepted for the status column, besides the codes.
_STATUS_WORDS = {
    "i bruk": DeviceStatus.IN_USE,
    "in use": DeviceStatus.IN_USE,
    "ur bruk": DeviceStatus.OUT_OF_SERVICE,
    "out of service": DeviceStatus.OUT_OF_SERVICE,
    "på reparation": DeviceStatus.IN_REPAIR,
    "under reparation": DeviceStatus.IN_REPAIR,
    "in repair": DeviceStatus.IN_REPAIR,
    "kasserad": DeviceStatus.SCRAPPED,
    "scrapped": DeviceStatus.SCRAPPED,
}


def _label(model: Any, name: str) -> Any:
    """A field's label as the register, the catalogue or an inspection record shows it."""
    return model._meta.get_field(name).verbose_name


def _d(name: str) -> Any:
    return _label(Device, name)


def _m(name: str) -> Any:
    return _label(DeviceModel, name)


def _i(name: str) -> Any:
    return _label(Inspection, name)


#: The register form's own fields (and their validators), for one imported row.
DeviceRowForm: type[forms.Form] = type(
    "DeviceRowForm",
    (forms.Form,),
    {name: copy.deepcopy(DeviceForm.base_fields[name]) for name in _FORM_FIELDS},
)
_ROW_FIELDS = tuple(DeviceRowForm.base_fields.items())
#: Plain date fields (no validators, the standard parsing), which an ISO date may skip.
_ISO_DATE_FIELDS = frozenset(
    name for name, field in _ROW_FIELDS if type(field) is forms.DateField and not field.validators
)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: The validators a plain text field's value can be seen to pass without running them.
_TEXT_CHECKS = (
    ProhibitControlCharactersValidator,
    MaxLengthValidator,
    ProhibitNullCharactersValidator,
)


def _plain(field: forms.Field) -> bool:
    """Does the field read its value as a standard widget does (``data.get(name)``)?"""
    return (
        not field.disabled
        and type(field.widget).value_from_datadict is forms.Widget.value_from_datadict
    )


def _text_limit(field: forms.Field) -> int | None:
    """For a plain, optional ``CharField`` (stripped, empty as "", validators among
    ``_TEXT_CHECKS``): the most characters its validators allow; else None."""
    if not (
        type(field) is forms.CharField
        and _plain(field)
        and not field.required
        and field.strip
        and field.empty_value == ""
        and all(type(v) in _TEXT_CHECKS for v in field.validators)
    ):
        return None
    limits = [v.limit_value for v in field.validators if type(v) is MaxLengthValidator]
    if not all(isinstance(limit, int) for limit in limits):  # a limit computed when it checks
        return None
    return min(limits, default=sys.maxsize)


#: Each field: its name, the field, and what a value may be that is clean without the field:
#: "text" (with its limit), "date" (an ISO date or "", for a plain optional date field), or
#: None (always through the field).
_ROW_PLANS = tuple(
    (name, field, "text", limit)
    if (limit := _text_limit(field)) is not None
    else (name, field, "date", 0)
    if name in _ISO_DATE_FIELDS and _plain(field) and not field.required
    else (name, field, None, 0)
    for name, field in _ROW_FIELDS
)


def clean_row_fields(
    row: dict[str, str], iso_first: bool | None = None
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The cleaned data and the (field, message) errors that ``DeviceRowForm(row)`` gives.

    The same fields clean the same values in the same order, as ``Form.full_clean`` does for a
    form without ``clean_<field>`` methods or a form-wide ``clean`` (``DeviceRowForm`` has none);
    only the form itself is not built, since building one deep-copies all its fields, which at
    100,000 rows cost more than the cleaning. Two kinds of value, most of a register's cells,
    are taken without calling the field, as it would take them:

    - text for a plain optional text field: stripped, it is "" (the field's empty value, no
      validator runs), or within the field's length and without control characters or NUL
      (so its validators pass);
    - for a plain optional date field, "" (None) and a date written as ISO ``YYYY-MM-DD`` (as
      exports and Excel give dates), when ``%Y-%m-%d`` is the language's first date input
      format, which is the format ``DateField`` would read it with (``strptime`` is slow).

    Anything else, such as a value too long, a control character, another date format or a date
    that does not exist, goes through the field, which gives the error and its message.
    """
    cleaned: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    if iso_first is None:  # a caller cleaning many rows looks this up once for all
        iso_first = iso_date_first()
    unwritable = UNWRITABLE.search
    for name, field, kind, limit in _ROW_PLANS:
        if kind is not None:
            value = row.get(name)
            if kind == "text":
                if value is None:
                    cleaned[name] = ""
                    continue
                if isinstance(value, str):
                    text = value.strip()
                    if not text or (len(text) <= limit and not unwritable(text)):
                        cleaned[name] = text
                        continue
            elif value is None or value == "":
                cleaned[name] = None
                continue
            elif iso_first and isinstance(value, str):
                text = value.strip()
                if _ISO_DATE.fullmatch(text):
                    try:
                        cleaned[name] = datetime.date.fromisoformat(text)
                        continue
                    except ValueError:
                        pass
        else:
            value = field.widget.value_from_datadict(row, {}, name)
        try:
            cleaned[name] = field.clean(value)
        except forms.ValidationError as exc:
            errors.extend((name, message) for message in exc.messages)
    return cleaned, errors


def iso_date_first() -> bool:
    """Is ISO ``%Y-%m-%d`` the active language's first date input format?"""
    return bool(formats.get_format("DATE_INPUT_FORMATS")[0] == "%Y-%m-%d")


@register
class DeviceImporter(Importer):
    kind = "devices"
    label = gettext_lazy("Devices")
    key_field = "inventory_number"
    models_written = (Device, DeviceStatusChange, InspectionPlan, Inspection)
    columns = (
        Column(
            "inventory_number",
            ("inventarienummer", "inventarienr", "inv_nr"),
            True,
            label=_d("inventory_number"),
        ),
        Column("manufacturer", ("tillverkare",), True, label=_m("manufacturer")),
        Column(
            "trade_name",
            ("benämning", "handelsnamn", "produktnamn", "produkt"),
            True,
            label=_m("trade_name"),
        ),
        Column("model_version", ("modell", "version", "modell/version"), label=_m("model_version")),
        Column("serial_number", ("serienummer", "serienr"), label=_d("serial_number")),
        Column("udi_lot", ("lot", "lotnummer", "batch", "udi-pi lot"), label=_d("udi_lot")),
        Column(
            "udi_serial",
            ("udi-pi serienummer", "udi serial", "udi-pi serial"),
            label=_d("udi_serial"),
        ),
        Column("manufactured_on", ("tillverkningsdatum",), label=_d("manufactured_on")),
        Column("expires_on", ("utgångsdatum", "bäst före"), label=_d("expires_on")),
        Column("udi_carrier", ("udi", "fullständig udi"), label=_d("udi_carrier")),
        Column(
            "unit_hsa_id",
            ("hsa-id", "enhetens hsa-id", "hsa_id"),
            label=gettext_lazy("unit's HSA id"),
        ),
        Column("unit", ("enhet", "ägande enhet", "ansvarig enhet"), label=_d("unit")),
        Column("location", ("placering", "plats"), label=_d("location")),
        Column("supplier", ("leverantör",), label=_d("supplier")),
        Column("purchased_on", ("inköpsdatum", "inköpt"), label=_d("purchased_on")),
        Column("delivered_on", ("leveransdatum", "levererad"), label=_d("delivered_on")),
        Column(
            "warranty_until",
            ("garanti till", "garantitid till", "garanti"),
            label=_d("warranty_until"),
        ),
        Column(
            "acceptance_checked_on",
            ("leveranskontroll", "acceptanskontroll"),
            label=_d("acceptance_checked_on"),
        ),
        Column("status", ("status",), label=_d("status"), choices=tuple(DeviceStatus.choices)),
        Column(
            "next_due", ("nästa kontroll", "nästa besiktning"), read_only=True, label=_d("next_due")
        ),
        # The device model's identity (import_catalogue): matched, never written to the model.
        Column("udi_di", ("udi-di", "gtin", "ean"), label=_m("udi_di")),
        Column(
            "udi_issuer",
            ("udi-utfärdare", "utfärdare", "udi issuer", "issuing entity"),
            label=_m("udi_issuer"),
        ),
        Column(
            "risk_class",
            ("riskklass", "risk class", "mdr-klass"),
            label=_m("risk_class"),
            choices=tuple(RiskClass.choices),
        ),
        Column("emdn_code", ("emdn", "emdn-kod", "emdn code"), label=_m("emdn_code")),
        # The device's inspection history (import_history).
        Column(
            "inspection_interval_months",
            (
                "kontrollintervall",
                "intervall (mån)",
                "kontrollintervall (mån)",
                "intervall",
                "inspection interval",
                "interval (months)",
            ),
            label=gettext_lazy("inspection interval (months)"),
        ),
        Column(
            "last_inspection_on",
            ("senaste kontroll", "senast kontrollerad", "senaste besiktning"),
            label=gettext_lazy("last inspection"),
        ),
        Column(
            "inspection_kind",
            ("kontrolltyp", "typ av kontroll"),
            label=gettext_lazy("inspection kind"),
            choices=tuple(InspectionKind.choices),
        ),
        Column(
            "inspection_result",
            ("resultat", "kontrollresultat"),
            label=gettext_lazy("inspection result"),
            choices=tuple(Inspection.Result.choices),
        ),
        Column(
            "protective_earth_ohm",
            ("skyddsjord", "skyddsjord (ohm)", "skyddsjord (Ω)", "protective earth (ohm)"),
            label=_i("protective_earth_ohm"),
        ),
        Column(
            "insulation_mohm",
            ("isolationsresistans", "isolationsresistans (mohm)", "isolation (MΩ)"),
            label=_i("insulation_mohm"),
        ),
        Column(
            "equipment_leakage_ua",
            ("läckström", "läckström (µa)", "apparatläckström", "equipment leakage (µa)"),
            label=_i("equipment_leakage_ua"),
        ),
        Column(
            "patient_leakage_ua",
            ("patientläckström", "patientläckström (µa)", "patient leakage (µa)"),
            label=_i("patient_leakage_ua"),
        ),
    )

    def __init__(self, actor: Any, *, update_existing: bool) -> None:
        super().__init__(actor, update_existing=update_existing)
        self._units: list[dict[str, Any]] = [
            dict(u) for u in access.writable_units(actor).values("pk", "name", "hsa_id", "path")
        ]
        self._unit_by_hsa = {u["hsa_id"].upper(): u for u in self._units if u["hsa_id"]}
        by_name: dict[str, list[dict[str, Any]]] = {}
        for u in self._units:
            by_name.setdefault(u["name"].casefold(), []).append(u)
        self._unit_by_name = by_name
        self._writable = {u["pk"] for u in self._units}
        self._catalogue = CatalogueIndex(access.device_models_visible_to(actor))
        self._model_by_pk = self._catalogue.by_pk

    def may_import(self) -> bool:
        return bool(self._units)

    # Values a file's unit names may be mapped to: the units the actor may register devices at,
    # by HSA id (or by name, for a unit without one). ----------------------------------------

    def value_choices(self, field: str) -> list[tuple[str, str]] | None:
        if field != "unit":
            return super().value_choices(field)
        return [
            (u["hsa_id"] or u["name"], f"{u['name']} ({u['hsa_id']})" if u["hsa_id"] else u["name"])
            for u in sorted(self._units, key=lambda u: u["path"])
        ]

    def recognise(self, field: str, value: str) -> str | None:
        if field == "status":
            return super().recognise(field, value) or _STATUS_WORDS.get(value.strip().casefold())
        if field != "unit":
            return super().recognise(field, value)
        matches = self._unit_by_name.get(value.strip().casefold(), [])
        if len(matches) == 1:
            return matches[0]["hsa_id"] or matches[0]["name"]
        unit = self._unit_by_hsa.get(value.strip().upper())
        return (unit["hsa_id"] or unit["name"]) if unit else None

    # Validation --------------------------------------------------------------------------------

    def validate(self, rows: Sequence[dict[str, str]]) -> list[RowResult]:
        keys = [r.get("inventory_number", "").strip() for r in rows]
        existing = self._existing({k.upper() for k in keys if k})
        iso_first = iso_date_first()
        return [
            self._validate_row(row, key, existing, iso_first)
            for row, key in zip(rows, keys, strict=True)
        ]

    def _existing(self, keys: set[str]) -> dict[str, Device]:
        """The register's devices with these inventory numbers (upper-cased), by key."""
        if not keys:
            return {}
        if connection.vendor == "postgresql":
            # One probe of the unique index on UPPER(inventory_number) per key, whatever the
            # number of keys or the statistics: a LATERAL subquery with a LIMIT is never
            # flattened into a join, so PostgreSQL cannot trade the probes for a scan. As
            # ``= ANY(keys)``, or a join to the keys, it read the whole register instead once a
            # chunk's 2,000 keys looked dearer than a scan at the default random_page_cost
            # (60 ms instead of 2 ms a chunk; benchmarks/README.md).
            qn = connection.ops.quote_name
            found = list(
                Device.objects.raw(
                    "SELECT d.* FROM unnest(%s::text[]) AS k(key) CROSS JOIN LATERAL "  # noqa: S608 (the model's table)
                    f"(SELECT * FROM {qn(Device._meta.db_table)} AS x "
                    "WHERE UPPER(x.inventory_number) = k.key LIMIT 1) AS d",
                    [list(keys)],
                )
            )
            models.prefetch_related_objects(found, "unit", "model")
        else:
            # No ORDER BY: the model's default order would make the database sort what it
            # found.
            found = list(
                Device.objects.select_related("unit", "model")
                .order_by()
                .annotate(inv=Upper("inventory_number"))
                .filter(inv__in=keys)
            )
        return {d.inventory_number.upper(): d for d in found}

    def _validate_row(
        self, row: dict[str, str], key: str, existing: dict[str, Device], iso_first: bool
    ) -> RowResult:
        result = _DeviceRow(key=key)
        err = result.errors.append
        if not key:
            err(("inventory_number", _("The inventory number is missing.")))
        elif len(key) > 40:
            err(("inventory_number", _("At most 40 characters.")))
        elif message := control_character_error(key):  # the one value no form field cleans
            err(("inventory_number", message))
        cleaned, field_errors = clean_row_fields(row, iso_first)
        result.errors.extend(field_errors)
        model = self._model(row, err)
        history, history_errors = parse_history(
            row,
            default_interval=model.inspection_interval_months if model else None,
            model_known=model is not None,
        )
        result.errors.extend(history_errors)
        unit = self._unit(row, err)
        status = self._status(row, err)
        current = existing.get(key.upper()) if key else None
        if current is not None and not self.update_existing:
            err(
                (
                    "inventory_number",
                    _("%(inv)s is already in the register (choose “update existing” to change it).")
                    % {"inv": key},
                )
            )
        elif current is not None and not access.may_change_register(self.actor, current.unit):
            err(
                (
                    "inventory_number",
                    _("%(inv)s belongs to a unit where you may not change the register.")
                    % {"inv": key},
                )
            )
        if result.errors:
            return result
        assert model is not None and unit is not None
        values = cleaned
        if current is not None:
            # An update leaves the fields the file has no column for as they are, so check the
            # row's rules against those current values (not against blanks).
            values.update({f: getattr(current, f) for f in _FORM_FIELDS if f not in row})
        values.update(
            inventory_number=key,
            model_id=model.pk,
            unit_id=unit["pk"],
            status=status or (current.status if current else DeviceStatus.IN_USE),
        )
        for field, message in device_rule_errors(values, model).items():
            err((field, str(message)))
        refusal = services.acceptance_error(values["status"], values["acceptance_checked_on"])
        if refusal:
            err(("acceptance_checked_on", refusal))
        if current is None and status == DeviceStatus.SCRAPPED:
            err(("status", _("A new device cannot be registered as scrapped.")))
        elif history is not None and values["status"] == DeviceStatus.SCRAPPED:
            err(("last_inspection_on", _("A scrapped device is not inspected.")))
        if result.errors:
            return result
        result.fields = frozenset(row)
        result.history = history
        if current is None:
            result.data = {
                k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in values.items()
            }
            if history is not None:
                result.data[_HISTORY] = history
        else:
            result.existing_pk = current.pk
            result.obj = Device(**values)
            result.obj.model = model
        return result

    def _model(self, row: dict[str, str], err: Any) -> DeviceModel | None:
        """The row's device model: by its UDI-DI if it has one, else by its name
        (``import_catalogue``); what the row says of the model must agree with it."""
        identity, errors = parse_identity(row)
        for error in errors:
            err(error)
        if not identity.manufacturer or not identity.trade_name:
            if not identity.manufacturer:
                err(("manufacturer", _("The manufacturer is missing.")))
            if not identity.trade_name:
                err(("trade_name", _("The trade name is missing.")))
            return None
        model, contradictions = self._catalogue.match(identity)
        for error in contradictions:
            err(error)
        if model is None and not contradictions:
            err(
                (
                    "trade_name",
                    _("No device model “%(m)s” in the catalogue: add it under Device models first.")
                    % {"m": identity.text},
                )
            )
        return model

    def _unit(self, row: dict[str, str], err: Any) -> dict[str, Any] | None:
        hsa_id = row.get("unit_hsa_id", "").strip()
        name = row.get("unit", "").strip()
        if hsa_id:
            unit = self._unit_by_hsa.get(hsa_id.upper())
            if unit is None:
                err(
                    (
                        "unit_hsa_id",
                        _("No unit with HSA id %(hsa)s where you may register devices.")
                        % {"hsa": hsa_id},
                    )
                )
            return unit
        if not name:
            err(("unit", _("Say which unit owns the device (unit or unit_hsa_id).")))
            return None
        matches = self._unit_by_name.get(name.casefold(), [])
        if not matches and name.upper() in self._unit_by_hsa:  # a unit mapped by its HSA id
            matches = [self._unit_by_hsa[name.upper()]]
        if not matches:
            err(
                (
                    "unit",
                    _(
                        "No unit named “%(name)s” where you may register devices: map the "
                        "name to a unit."
                    )
                    % {"name": name},
                )
            )
            return None
        if len(matches) > 1:
            err(("unit", _("Several units are named “%(name)s”: use the HSA id.") % {"name": name}))
            return None
        return matches[0]

    def _status(self, row: dict[str, str], err: Any) -> str | None:
        raw = row.get("status", "").strip()
        if not raw:
            return None
        if raw in _STATUS_CODES:
            return raw
        status = _STATUS_WORDS.get(raw.casefold())
        if status is None:
            err(
                (
                    "status",
                    _("Unknown status “%(s)s”: write %(labels)s, or map the value to a status.")
                    % {
                        "s": raw,
                        "labels": _or_list([str(label) for _c, label in DeviceStatus.choices]),
                    },
                )
            )
        return status

    # Commit ------------------------------------------------------------------------------------

    def commit(self, rows: Sequence[ValidRow], *, reason: str) -> list[Committed]:
        """Register the new devices of a chunk together, and update the existing ones one by
        one through the register's update services.

        The devices the chunk's inventory numbers name are read once, as validation reads them.
        A new device is registered from its prepared data once checked again for what may have
        changed since validation (``_recheck``); a row without prepared data (an update) is
        validated again in full against the device as it is now.
        """
        keys = [_key(row) for row in rows]
        existing = self._existing({k.upper() for k in keys if k})
        iso_first = iso_date_first()
        out: list[Committed] = []
        new: list[tuple[int, dict[str, Any]]] = []  # (index in ``out``, record)
        updates: list[tuple[int, RowResult]] = []
        for row, key in zip(rows, keys, strict=True):
            if row.data is not None:
                errors = self._recheck(row.data, existing)
                if not errors:
                    new.append((len(out), row.data))
            else:
                result = self._validate_row(row.values or {}, key, existing, iso_first)
                errors = result.errors
                if not errors and result.data is not None:  # the device to update is gone
                    new.append((len(out), result.data))
                elif not errors:
                    updates.append((len(out), result))
            out.append(Committed(errors=errors))  # the rows written get theirs below
        pks = services.devices_register_many(
            actor=self.actor,
            records=[{k: v for k, v in record.items() if k != _HISTORY} for _i, record in new],
            reason=reason,
        )
        histories = []
        for (i, record), pk in zip(new, pks, strict=True):
            out[i] = Committed("created", pk)
            if record.get(_HISTORY):
                histories.append(history_from_json(pk, record[_HISTORY]))
        for i, result in updates:
            current = existing[result.key.upper()]
            out[i] = Committed(self._update(result, current, reason), current.pk)
        histories.extend(self._added_history(updates, existing, out))
        services.inspection_history_import_many(
            actor=self.actor,
            histories=histories,
            note=_("%(reason)s: performed before medtek; who performed it is not recorded.")
            % {"reason": reason},
        )
        return out

    def commit_prepared(self, prepared: Any, *, reason: str) -> int | None:
        """On PostgreSQL, register the new devices of ``prepared`` rows in one statement
        (``services.devices_register_prepared``), with the checks of ``_recheck`` and of
        ``devices_register_many`` as conditions of the statement: a row that fails one, and a
        row with an inspection history (whose plan and inspections ``commit`` writes), stays
        for ``commit``. Rows never travel to Python and back: this costs an import of 100,000
        rows about half of what ``commit`` does (benchmarks/README.md)."""
        if connection.vendor != "postgresql":
            return None
        source_sql, params = prepared.source()
        source = (
            f"SELECT p.row_id, p.data FROM ({source_sql}) AS p WHERE NOT p.data ? %(history)s",  # noqa: S608 (the framework's query)
            {**params, "history": _HISTORY},
        )
        return services.devices_register_prepared(
            actor=self.actor,
            source=source,
            catalogue=sorted(self._model_by_pk),
            mark=prepared.mark_created,
            reason=reason,
        )

    def _added_history(
        self,
        updates: Sequence[tuple[int, RowResult]],
        existing: dict[str, Device],
        out: list[Committed],
    ) -> list[services.ImportedHistory]:
        """The history an update adds: a plan of a kind the device has no active plan of yet.
        A device that has one keeps it as it is (an import adds history, it never overwrites
        what the register has recorded since); its row's outcome is that of its other fields.
        """
        wanted = [
            (i, existing[r.key.upper()], r.history)
            for i, r in updates
            if isinstance(r, _DeviceRow) and r.history is not None
        ]
        if not wanted:
            return []
        planned = set(
            InspectionPlan.objects.filter(
                device_id__in=[d.pk for _i, d, _h in wanted], active=True
            ).values_list("device_id", "kind")
        )
        added = []
        for i, device, history in wanted:
            if (device.pk, history["kind"]) not in planned:
                added.append(history_from_json(device.pk, history))
                out[i] = Committed("updated", device.pk)
        return added

    def _recheck(
        self, record: dict[str, Any], existing: dict[str, Device]
    ) -> list[tuple[str, str]]:
        """What may have changed since validation prepared ``record``: the inventory number is
        still free, the actor may still register devices at the unit, the device model is still
        in the catalogue and its rules (e.g. MDR art. 27(9) for class III implantables) still
        hold for the row."""
        errors: list[tuple[str, str]] = []
        key = record["inventory_number"]
        if key.upper() in existing:
            errors.append(
                ("inventory_number", _("%(inv)s is already in the register.") % {"inv": key})
            )
        if record["unit_id"] not in self._writable:
            errors.append(("unit", _("You may no longer register devices at this unit.")))
        model = self._model_by_pk.get(record["model_id"])
        if model is None:
            errors.append(("trade_name", _("The device model is no longer in the catalogue.")))
        else:
            values = {k: _from_json(k, v) for k, v in record.items()}
            errors.extend((f, str(m)) for f, m in device_rule_errors(values, model).items())
        return errors

    _UPDATABLE = ("model_id", "unit_id", *_FORM_FIELDS)

    def _update(self, result: RowResult, current: Device, reason: str) -> Outcome:
        """Change only what the file's columns hold; an absent column leaves its field alone.

        Fields that are as the file has them are not passed on, so a row that changes nothing
        costs no call of the update service; whether a call changed anything is the service's
        answer (``Updated.changed``), which also decides whether it recorded an event."""
        changes = {}
        for name in self._UPDATABLE:
            field = name.removesuffix("_id")
            if field in _FORM_FIELDS and field not in result.fields:
                continue
            if getattr(result.obj, name) != getattr(current, name):
                changes[field] = getattr(result.obj, field)
        changed = False
        if changes:
            updated = services.device_update(
                actor=self.actor, device=current, reason=reason, **changes
            )
            changed = updated.changed
        if "status" in result.fields and result.obj.status != current.status:
            services.device_change_status(
                actor=self.actor, device=current, status=result.obj.status, reason=reason
            )
            changed = True
        return "updated" if changed else "unchanged"

    # Export ------------------------------------------------------------------------------------

    def export(self, user: Any, params: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
        filterset = DeviceFilter(
            params, queryset=device_list_queryset(user), request=_RequestLike(user)
        )
        if not filterset.is_valid():
            raise forms.ValidationError(
                [f"{name}: {' '.join(errs)}" for name, errs in filterset.errors.items()]
            )
        qs = filterset.qs.order_by("inventory_number")
        return EXPORT_HEADER, (device_export_row(d) for d in qs.iterator(chunk_size=2000))


#: Where a new row's prepared data keeps its inspection history (not a field of the device).
_HISTORY = "inspection_history"


@dataclass
class _DeviceRow(RowResult):
    """A row's result, with its inspection history (``import_history.parse_history``)."""

    history: dict[str, Any] | None = None


_DATE_FIELDS = frozenset(
    f.attname for f in Device._meta.concrete_fields if isinstance(f, models.DateField)
)


def _or_list(words: list[str]) -> str:
    """“a”, “b” or “c”."""
    quoted = [f"“{w}”" for w in words]
    if len(quoted) < 2:
        return "".join(quoted)
    return _("%(first)s or %(last)s") % {"first": ", ".join(quoted[:-1]), "last": quoted[-1]}


def _key(row: ValidRow) -> str:
    if row.data is not None:
        return str(row.data["inventory_number"])
    return (row.values or {}).get("inventory_number", "").strip()


def _from_json(name: str, value: Any) -> Any:
    if name in _DATE_FIELDS and isinstance(value, str):
        return datetime.date.fromisoformat(value)
    return value


class _RequestLike:
    """What the filter set needs of a request when it runs from the command line."""

    def __init__(self, user: Any) -> None:
        self.user = user
