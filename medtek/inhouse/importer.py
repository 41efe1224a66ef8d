"""Import of a region's existing list of in-house devices (CSV or XLSX, through the import
framework): a region that kept its in-house manufactured devices in a spreadsheet brings them
in as in-house files, one row per device model.

Each row names the device model by its manufacturer, trade name and model/version, matched as
the device import matches them (any case, the catalogue the importer sees), and the model **must
already be in the catalogue**, registered as in-house manufactured: the import opens files, it
does not create models. A model belongs to the register (its devices, inspections and reports
name it), and the device import requires its models to exist in the same way; so a misspelt
trade name is an error on its row, never a second model of the same device. The risk class
column, when the file has it, must agree with the catalogue's: it catches a row that names the
wrong model.

The rest of the row is the file's own data (MDR art. 5(5)(a)–(c),
docs/domain/inhouse.md#conditions): its kind (the codes, or the words in Swedish or English:
*tillverkad*, *modifierad*, *kombinerad* …), what it is based on, its intended purpose, the
manufacturing unit (HSA id or name, among the units where the importer keeps in-house files),
the using unit (HSA id or name), not transferred (*ja*/*nej*), the quality management system,
the justification, the market search and its date, and the date the justification is to be
checked again (for an IVD also the laboratory's EN ISO 15189 compliance). Every row is checked
by the file's own rules (``InhouseDevice.clean``) and opens its file through
``services.inhouse_device_create``, so it is numbered from the in-house series and audited
exactly as a file opened by hand. A model that already has a file, or stands on two rows of the
file, is an error on its row. Imported files start as drafts: the checklist, documents, sign-off
and notification follow in the file itself.
"""

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtek.devices.access import device_models_visible_to
from medtek.devices.models import DeviceModel
from medtek.imports.registry import (
    Column,
    Committed,
    Importer,
    RowResult,
    ValidRow,
    field_label,
    register,
)
from medtek.organisation.models import Unit

from . import access, services
from .filters import InhouseDeviceFilter
from .models import InhouseDevice
from .selectors import inhouse_list_queryset

#: The file's text fields a row fills as they are.
_TEXT = (
    "based_on",
    "intended_purpose",
    "qms_reference",
    "justification",
    "market_search",
    "lab_compliance",
)
_DATES = ("market_searched_on", "justification_review_due")
_DATE = forms.DateField()
_INTERVAL = forms.IntegerField(min_value=1, max_value=60)
_YES = {"yes", "ja", "j", "true", "1", "x", "sant"}
_NO = {"", "no", "nej", "n", "false", "0", "falskt"}

#: Words for the kinds besides their codes and labels (Swedish and English).
_KIND_WORDS = {
    "tillverkad": InhouseDevice.Kind.MANUFACTURED,
    "egentillverkad": InhouseDevice.Kind.MANUFACTURED,
    "nytillverkad": InhouseDevice.Kind.MANUFACTURED,
    "egen tillverkning": InhouseDevice.Kind.MANUFACTURED,
    "made": InhouseDevice.Kind.MANUFACTURED,
    "modifierad": InhouseDevice.Kind.MODIFIED,
    "ändrad": InhouseDevice.Kind.MODIFIED,
    "modifierad ce-märkt produkt": InhouseDevice.Kind.MODIFIED,
    "kombinerad": InhouseDevice.Kind.COMBINED,
    "kombination": InhouseDevice.Kind.COMBINED,
    "sammansatt": InhouseDevice.Kind.COMBINED,
}

#: The columns that may name each unit: by HSA id, else by name.
_UNIT_COLUMNS = {
    "manufacturer_unit": ("manufacturer_unit_hsa_id", "manufacturer_unit"),
    "using_unit": ("using_unit_hsa_id", "using_unit"),
}


def _kinds() -> dict[str, str]:
    found: dict[str, str] = dict(_KIND_WORDS)
    for value, label in InhouseDevice.Kind.choices:
        found[value] = value
        for language in ("sv", "en"):
            with translation.override(language):
                found[str(label).casefold()] = value
    return found


def _model_key(manufacturer: str, trade_name: str, version: str) -> tuple[str, str, str]:
    return manufacturer.casefold(), trade_name.casefold(), version.casefold()


@register
class InhouseImporter(Importer):
    kind = "inhouse"
    label = gettext_lazy("In-house files")
    # A model is named by three columns, so the framework's one-column duplicate check does not
    # apply: ``validate`` finds a model named on two rows itself.
    key_field = ""
    columns = (
        Column(
            "manufacturer", ("tillverkare",), True, label=field_label(DeviceModel, "manufacturer")
        ),
        Column(
            "trade_name",
            ("handelsnamn", "benämning", "produktnamn", "produkt"),
            True,
            label=field_label(DeviceModel, "trade_name"),
        ),
        Column(
            "model_version",
            ("modell", "version", "modell/version"),
            label=field_label(DeviceModel, "model_version"),
        ),
        Column("risk_class", ("riskklass", "klass"), label=field_label(DeviceModel, "risk_class")),
        Column(
            "kind",
            ("typ", "slag", "typ av egentillverkning", "egentillverkning"),
            True,
            label=field_label(InhouseDevice, "kind"),
        ),
        Column(
            "based_on",
            ("utgår från", "baserad på", "ingående produkter"),
            label=field_label(InhouseDevice, "based_on"),
        ),
        Column(
            "intended_purpose",
            ("avsett ändamål", "ändamål", "användningsområde"),
            True,
            label=field_label(InhouseDevice, "intended_purpose"),
        ),
        Column(
            "manufacturer_unit",
            ("tillverkande enhet", "tillverkare enhet"),
            label=field_label(InhouseDevice, "manufacturer_unit"),
        ),
        Column(
            "manufacturer_unit_hsa_id",
            ("tillverkande enhetens hsa-id", "hsa-id tillverkande enhet", "hsa-id"),
            label=gettext_lazy("manufacturing unit's HSA id"),
        ),
        Column(
            "using_unit",
            ("användande enhet", "användare"),
            label=field_label(InhouseDevice, "using_unit"),
        ),
        Column(
            "using_unit_hsa_id",
            ("användande enhetens hsa-id", "hsa-id användande enhet"),
            label=gettext_lazy("using unit's HSA id"),
        ),
        Column(
            "not_transferred",
            ("ej överlåten", "inte överlåten", "överlåts inte", "stannar inom regionen"),
            label=field_label(InhouseDevice, "not_transferred"),
        ),
        Column(
            "qms_reference",
            ("ledningssystem", "kvalitetsledningssystem", "qms"),
            label=field_label(InhouseDevice, "qms_reference"),
        ),
        Column(
            "justification",
            ("motivering", "skäl", "skäl till egentillverkning"),
            label=field_label(InhouseDevice, "justification"),
        ),
        Column(
            "market_search",
            ("marknadsgenomgång", "marknadssökning", "marknadsundersökning"),
            label=field_label(InhouseDevice, "market_search"),
        ),
        Column(
            "market_searched_on",
            ("marknadsgenomgång gjord", "datum för marknadsgenomgång", "sökt den"),
            label=field_label(InhouseDevice, "market_searched_on"),
        ),
        Column(
            "justification_review_due",
            ("review_due", "ses över senast", "omprövas senast", "nästa marknadsgenomgång"),
            label=field_label(InhouseDevice, "justification_review_due"),
        ),
        Column(
            "lab_compliance",
            ("laboratoriets överensstämmelse", "iso 15189", "en iso 15189"),
            label=field_label(InhouseDevice, "lab_compliance"),
        ),
        Column(
            "review_interval_months",
            ("granskningsintervall", "uppföljningsintervall", "uppföljning (månader)"),
            label=field_label(InhouseDevice, "review_interval_months"),
        ),
        Column(
            "file_number",
            ("egentillverkningsnummer", "nummer"),
            read_only=True,
            label=field_label(InhouseDevice, "file_number"),
        ),
        Column("status", ("status",), read_only=True, label=field_label(InhouseDevice, "status")),
    )

    def __init__(self, actor: Any, *, update_existing: bool) -> None:
        super().__init__(actor, update_existing=update_existing)
        self._units = {u.pk: u for u in access.manufacturing_units(actor)}
        self._all_units = {u.pk: u for u in Unit.objects.all()}
        self._unit_index = {
            "manufacturer_unit": _UnitIndex(self._units.values()),
            "using_unit": _UnitIndex(self._all_units.values()),
        }
        # The catalogue as the device import reads it: looked up once, matched in any case.
        self._models = {
            _model_key(m.manufacturer, m.trade_name, m.model_version): m
            for m in device_models_visible_to(actor)
        }
        self._kind_codes = _kinds()

    def may_import(self) -> bool:
        return bool(self._units)

    # Validation ------------------------------------------------------------------------------

    def validate(self, rows: Sequence[dict[str, str]]) -> list[RowResult]:
        values = [{k: (v or "").strip() for k, v in row.items()} for row in rows]
        models = [self._models.get(self._key(v)) for v in values]
        files = dict(
            InhouseDevice.objects.filter(
                device_model_id__in={m.pk for m in models if m is not None}
            ).values_list("device_model_id", "file_number")
        )
        named: dict[int, int] = {}
        for model in models:
            if model is not None:
                named[model.pk] = named.get(model.pk, 0) + 1
        return [
            self._row(value, model, files, named)
            for value, model in zip(values, models, strict=True)
        ]

    @staticmethod
    def _key(value: dict[str, str]) -> tuple[str, str, str]:
        return _model_key(
            value.get("manufacturer", ""),
            value.get("trade_name", ""),
            value.get("model_version", ""),
        )

    def _row(
        self,
        value: dict[str, str],
        model: DeviceModel | None,
        files: dict[int, str],
        named: dict[int, int],
    ) -> RowResult:
        model_text = " ".join(
            value.get(n, "") for n in ("manufacturer", "trade_name", "model_version")
        ).strip()
        result = RowResult(key=model_text)
        err = result.errors.append
        for name in ("manufacturer", "trade_name", "kind", "intended_purpose"):
            if not value.get(name):
                err((name, _("This column may not be empty.")))
        if not (value.get("manufacturer") and value.get("trade_name")):
            model = None
        elif model is None:
            err(
                (
                    "trade_name",
                    _("No device model “%(m)s” in the catalogue: add it under Device models first.")
                    % {"m": model_text},
                )
            )
        if model is not None:
            self._model_checks(model, value, files, named, err)
        kind = self._kind(value, err)
        making = self._unit(value, "manufacturer_unit", err)
        using = self._unit(value, "using_unit", err)
        not_transferred = self._yes_no(value, "not_transferred", err)
        dates = {n: self._date(value, n, err) for n in _DATES}
        interval = self._interval(value, err)
        fields: dict[str, Any] = {n: value.get(n, "") for n in _TEXT}
        fields.update(dates, kind=kind or "", not_transferred=not_transferred)
        if model is not None and making is not None:
            self._file_rules(model, making, using, fields, value, err)
        if result.errors:
            return result
        assert model is not None and making is not None
        result.data = {
            "device_model_id": model.pk,
            "manufacturer_unit_id": making.pk,
            "using_unit_id": using.pk if using is not None else None,
            **{n: fields[n] for n in _TEXT},
            **{n: d.isoformat() if d else None for n, d in dates.items()},
            "kind": kind,
            "not_transferred": not_transferred,
            "review_interval_months": interval,
            "unit_field": _unit_field(value, "manufacturer_unit"),
        }
        return result

    @staticmethod
    def _model_checks(
        model: DeviceModel,
        value: dict[str, str],
        files: dict[int, str],
        named: dict[int, int],
        err: Any,
    ) -> None:
        if model.pk in files:
            err(
                (
                    "trade_name",
                    _("%(model)s already has the in-house file %(number)s.")
                    % {"model": model, "number": files[model.pk]},
                )
            )
        if named.get(model.pk, 0) > 1:
            err(("trade_name", _("%(model)s stands on more than one row.") % {"model": model}))
        risk_class = value.get("risk_class", "")
        if risk_class and risk_class.casefold() != model.risk_class.casefold():
            err(
                (
                    "risk_class",
                    _("The catalogue has %(model)s in risk class %(klass)s.")
                    % {"model": model, "klass": model.risk_class or "–"},
                )
            )

    def _kind(self, value: dict[str, str], err: Any) -> str | None:
        text = value.get("kind", "")
        if not text:
            return None
        code = self._kind_codes.get(text.casefold())
        if code is None:
            err(
                (
                    "kind",
                    _(
                        "Unknown kind “%(value)s”: write manufactured, modified or combined "
                        "(tillverkad, modifierad or kombinerad)."
                    )
                    % {"value": text},
                )
            )
        return code

    def _unit(self, value: dict[str, str], which: str, err: Any) -> Unit | None:
        """The unit a row names, by HSA id or else by name: the manufacturing unit among those
        where the importer keeps in-house files, the using unit among all the region's."""
        hsa_field, name_field = _UNIT_COLUMNS[which]
        hsa, name = value.get(hsa_field, ""), value.get(name_field, "")
        index = self._unit_index[which]
        making = which == "manufacturer_unit"
        if hsa:
            unit = index.by_hsa.get(hsa.upper())
            if unit is None:
                message = (
                    _("No unit with HSA id %(hsa)s where you keep in-house files.")
                    if making
                    else _("No unit with HSA id %(hsa)s in the region.")
                )
                err((hsa_field, message % {"hsa": hsa}))
            return unit
        if not name:
            if making:
                err(
                    (
                        name_field,
                        _(
                            "Say which unit makes the device (manufacturer_unit or "
                            "manufacturer_unit_hsa_id)."
                        ),
                    )
                )
            return None
        matches = index.by_name.get(name.casefold(), [])
        if not matches:
            message = (
                _("No unit named “%(name)s” where you keep in-house files.")
                if making
                else _("No unit named “%(name)s” in the region.")
            )
            err((name_field, message % {"name": name}))
            return None
        if len(matches) > 1:
            err(
                (
                    name_field,
                    _("Several units are named “%(name)s”: use the HSA id.") % {"name": name},
                )
            )
            return None
        return matches[0]

    @staticmethod
    def _yes_no(value: dict[str, str], name: str, err: Any) -> bool:
        text = value.get(name, "").casefold()
        if text in _YES:
            return True
        if text not in _NO:
            err((name, _("Write ja or nej (yes or no).")))
        return False

    @staticmethod
    def _date(value: dict[str, str], name: str, err: Any) -> datetime.date | None:
        if not value.get(name):
            return None
        try:
            date: datetime.date = _DATE.clean(value[name])
        except forms.ValidationError as exc:
            err((name, " ".join(exc.messages)))
            return None
        return date

    @staticmethod
    def _interval(value: dict[str, str], err: Any) -> int | None:
        if not value.get("review_interval_months"):
            return None
        try:
            months: int = _INTERVAL.clean(value["review_interval_months"])
        except forms.ValidationError as exc:
            err(("review_interval_months", " ".join(exc.messages)))
            return None
        return months

    @staticmethod
    def _file_rules(
        model: DeviceModel,
        making: Unit,
        using: Unit | None,
        fields: dict[str, Any],
        value: dict[str, str],
        err: Any,
    ) -> None:
        """The file's own rules on the row's values, as the service checks them
        (``InhouseDevice.clean``): an in-house model, the using unit within the manufacturing
        unit's care provider, what a modified or combined device starts from, the dates in
        order."""
        file = InhouseDevice(device_model=model, manufacturer_unit=making, using_unit=using)
        for name, given in fields.items():
            setattr(file, name, given)
        renamed = {
            "device_model": "trade_name",
            "manufacturer_unit": _unit_field(value, "manufacturer_unit"),
            "using_unit": _unit_field(value, "using_unit"),
            "__all__": "",
        }
        try:
            file.clean()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                if name == "kind" and not fields["kind"]:
                    continue  # said already
                for message in messages:
                    err((renamed.get(name, name), message))

    # Commit ----------------------------------------------------------------------------------

    def commit(self, rows: Sequence[ValidRow], *, reason: str) -> list[Committed]:
        prepared = [r.data for r in rows if r.data is not None]
        models = DeviceModel.objects.in_bulk([d["device_model_id"] for d in prepared])
        taken = set(
            InhouseDevice.objects.filter(device_model_id__in=list(models)).values_list(
                "device_model_id", flat=True
            )
        )
        out = []
        for row in rows:
            data = row.data
            if data is None:  # an import of in-house files never updates: every row is prepared
                out.append(Committed(errors=[("trade_name", _("Validate the file again."))]))
                continue
            out.append(self._commit_row(data, models, taken))
        return out

    def _commit_row(
        self, data: dict[str, Any], models: dict[Any, DeviceModel], taken: set[int]
    ) -> Committed:
        """Open the row's file; what changed since validation (the catalogue, the files, the
        importer's rights) comes back as the row's errors, and nothing of the row is written."""
        unit_field = data["unit_field"]
        model = models.get(data["device_model_id"])
        if model is None:
            return Committed(
                errors=[("trade_name", _("The device model is no longer in the catalogue."))]
            )
        if model.pk in taken:
            return Committed(
                errors=[
                    ("trade_name", _("%(model)s already has an in-house file.") % {"model": model})
                ]
            )
        making = self._units.get(data["manufacturer_unit_id"])
        if making is None:
            return Committed(
                errors=[(unit_field, _("You may no longer keep in-house files at this unit."))]
            )
        fields: dict[str, Any] = {n: data[n] for n in _TEXT}
        fields.update(
            {n: datetime.date.fromisoformat(data[n]) if data[n] else None for n in _DATES},
            kind=data["kind"],
            not_transferred=data["not_transferred"],
            manufacturer_unit=making,
            using_unit=self._all_units.get(data["using_unit_id"])
            if data["using_unit_id"]
            else None,
        )
        if data["review_interval_months"] is not None:
            fields["review_interval_months"] = data["review_interval_months"]
        try:
            file = services.inhouse_device_create(actor=self.actor, device_model=model, **fields)
        except PermissionDenied:
            return Committed(
                errors=[(unit_field, _("You may no longer keep in-house files at this unit."))]
            )
        except ValidationError as exc:
            renamed = {"device_model": "trade_name", "manufacturer_unit": unit_field, "__all__": ""}
            return Committed(
                errors=[
                    (renamed.get(name, name), message)
                    for name, messages in exc.message_dict.items()
                    for message in messages
                ]
            )
        taken.add(model.pk)
        return Committed(outcome="created", pk=file.pk)

    # Export ----------------------------------------------------------------------------------

    def export(self, user: Any, params: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
        filterset = InhouseDeviceFilter(
            params,
            queryset=inhouse_list_queryset(user, timezone.localdate()).select_related("using_unit"),
            request=_RequestLike(user),
        )
        if not filterset.is_valid():
            raise forms.ValidationError(
                [f"{name}: {' '.join(errs)}" for name, errs in filterset.errors.items()]
            )
        header = [c.name for c in self.columns]
        qs = filterset.qs.order_by("file_number")
        return header, (_export_row(f) for f in qs.iterator(chunk_size=2000))


def _unit_field(value: dict[str, str], which: str) -> str:
    """The column that named the unit (HSA id if the row has one), for its errors."""
    hsa_field, name_field = _UNIT_COLUMNS[which]
    return hsa_field if value.get(hsa_field) else name_field


class _UnitIndex:
    """Units by HSA id and by name (several units may share a name)."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self.by_hsa: dict[str, Unit] = {}
        self.by_name: dict[str, list[Unit]] = {}
        for u in units:
            if u.hsa_id:
                self.by_hsa[u.hsa_id.upper()] = u
            self.by_name.setdefault(u.name.casefold(), []).append(u)


def _export_row(f: InhouseDevice) -> list[Any]:
    m = f.device_model
    using = f.using_unit
    return [
        m.manufacturer,
        m.trade_name,
        m.model_version,
        m.risk_class,
        f.kind,
        f.based_on,
        f.intended_purpose,
        f.manufacturer_unit.name,
        f.manufacturer_unit.hsa_id,
        using.name if using is not None else "",
        using.hsa_id if using is not None else "",
        "ja" if f.not_transferred else "nej",
        f.qms_reference,
        f.justification,
        f.market_search,
        f.market_searched_on,
        f.justification_review_due,
        f.lab_compliance,
        f.review_interval_months,
        f.file_number,
        f.status,
    ]


class _RequestLike:
    def __init__(self, user: Any) -> None:
        self.user = user
