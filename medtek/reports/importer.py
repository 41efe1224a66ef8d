"""Import of reports sent before medtek (CSV or XLSX, through the import framework): a region
that kept its reports to the authorities in an earlier system, or in folders, brings them with
the diary numbers their copies have.

Each row is one report already sent: its kind (code or name), the unit where the event happened
(HSA id or name), the event's dates and description, the device (its inventory number in the
register, or its manufacturer, trade name, UDI-DI and serial or lot number), the day it was sent,
the authority's reference if one came back, and the diary number of the copy that was sent
(``MFT 2026/0012-1``). That copy must be in the diary already — import the diary first
(``medtek import diary``): the report is recorded with it as its registered copy, in its case
(``services.report_record_existing``), sealed and with its number from the report series. The
rows are checked as a report drafted by hand is (the kind's drafters for the unit, a private
centre reporting itself, no personal identity numbers, the device named), and a document that
is missing, not outgoing, not visible to the importer or already the copy of another report is
an error on its row. Importing the same file again creates nothing twice: its documents are then
taken.
"""

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtek.devices.access import devices_visible_to
from medtek.devices.models import Device
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
from medtek.registry.access import documents_visible_to
from medtek.registry.models import Document

from . import access, services
from .filters import ReportFilter
from .models import CareInjury, Dispatch, Outcome, Report, ReportKind

#: The report's own fields a row fills, as the model validates them (lengths, choices).
_REPORT_COLUMNS = (
    "event_date",
    "awareness_date",
    "description",
    "outcome",
    "care_injury",
    "consequence",
    "actions_taken",
    "manufacturer",
    "trade_name",
    "model_version",
    "udi_di",
    "serial_or_lot",
)
_TEXT = (
    "description",
    "consequence",
    "actions_taken",
    "manufacturer",
    "trade_name",
    "model_version",
    "udi_di",
    "serial_or_lot",
)
_DATE = forms.DateField()
_YES = {"yes", "ja", "true", "1", "x", "sant"}
_NO = {"", "no", "nej", "false", "0", "falskt"}


def _choices(choices: Any) -> dict[str, str]:
    """A choice's code and its label in Swedish and English, any case, to the code."""
    found: dict[str, str] = {}
    for value, label in choices.choices:
        found[value.casefold()] = value
        for language in ("sv", "en"):
            with translation.override(language):
                found[str(label).casefold()] = value
    return found


@register
class ReportImporter(Importer):
    kind = "reports"
    label = gettext_lazy("Reports to authorities")
    key_field = "document_number"
    columns = (
        Column(
            "kind",
            ("typ", "rapporttyp", "anmälningstyp", "typ av anmälan", "kind_code"),
            True,
            label=field_label(Report, "kind"),
        ),
        Column("unit", ("enhet", "enhet där det hände"), label=field_label(Report, "unit")),
        Column("unit_hsa_id", ("hsa-id", "enhetens hsa-id"), label=gettext_lazy("unit's HSA id")),
        Column(
            "event_date",
            ("händelsedatum", "inträffade", "datum för händelsen"),
            True,
            label=field_label(Report, "event_date"),
        ),
        Column(
            "awareness_date",
            ("känt", "blev känt", "kännedom", "upptäckt"),
            True,
            label=field_label(Report, "awareness_date"),
        ),
        Column(
            "sent_on",
            ("skickad", "skickat", "anmäld", "anmälningsdatum"),
            True,
            label=field_label(Report, "sent_on"),
        ),
        Column(
            "description",
            ("beskrivning", "händelsebeskrivning", "vad hände"),
            True,
            label=field_label(Report, "description"),
        ),
        Column("outcome", ("utfall", "utfall för patienten"), label=field_label(Report, "outcome")),
        Column("care_injury", ("vårdskada",), label=field_label(Report, "care_injury")),
        Column(
            "consequence",
            ("konsekvens", "konsekvens för patienten"),
            label=field_label(Report, "consequence"),
        ),
        Column(
            "actions_taken",
            ("åtgärder", "vidtagna åtgärder"),
            label=field_label(Report, "actions_taken"),
        ),
        Column(
            "inventory_number",
            ("inventarienummer", "inventarienr", "inv_nr"),
            label=field_label(Device, "inventory_number"),
        ),
        Column("manufacturer", ("tillverkare",), label=field_label(Report, "manufacturer")),
        Column(
            "trade_name",
            ("handelsnamn", "benämning", "produktnamn", "produkt"),
            label=field_label(Report, "trade_name"),
        ),
        Column(
            "model_version",
            ("modell", "version", "modell/version"),
            label=field_label(Report, "model_version"),
        ),
        Column("udi_di", ("udi-di",), label=field_label(Report, "udi_di")),
        Column(
            "serial_or_lot",
            ("serienummer", "lotnummer", "serie- eller lotnummer"),
            label=field_label(Report, "serial_or_lot"),
        ),
        Column("channel", ("kanal", "skickad via", "hur"), label=gettext_lazy("channel")),
        Column(
            "authority_reference",
            ("myndighetens diarienummer", "myndighetens referens", "referens"),
            label=field_label(Report, "authority_reference"),
        ),
        Column(
            "document_number",
            ("dokumentnummer", "handlingsnummer", "handling"),
            True,
            label=gettext_lazy("document number"),
        ),
        Column(
            "personal_numbers_confirmed",
            ("inga personnummer",),
            label=field_label(Report, "personal_numbers_confirmed"),
        ),
        Column("number", ("rapportnummer",), read_only=True, label=field_label(Report, "number")),
    )

    def __init__(self, actor: Any, *, update_existing: bool) -> None:
        super().__init__(actor, update_existing=update_existing)
        self._units = {u.pk: u for u in access.drafting_units(actor)}
        self._by_name = {u.name.casefold(): u for u in self._units.values()}
        self._by_hsa = {u.hsa_id.upper(): u for u in self._units.values() if u.hsa_id}
        self._kinds = {k.pk: k for k in ReportKind.objects.select_related("authority")}
        self._kind_names = {
            text.casefold(): k for k in self._kinds.values() for text in (k.code, k.name)
        }
        self._may_draft: dict[tuple[int, int], bool] = {}
        self._outcomes = _choices(Outcome)
        self._injuries = _choices(CareInjury)
        self._channels = _choices(Dispatch.Channel)

    def may_import(self) -> bool:
        return bool(self._units)

    # Validation ------------------------------------------------------------------------------

    def validate(self, rows: Sequence[dict[str, str]]) -> list[RowResult]:
        values = [{k: (v or "").strip() for k, v in row.items()} for row in rows]
        devices = self._devices({v.get("inventory_number", "") for v in values} - {""})
        documents = self._documents({v.get("document_number", "") for v in values} - {""})
        return [self._row(value, devices, documents) for value in values]

    def _devices(self, numbers: set[str]) -> dict[str, Device]:
        visible = devices_visible_to(self.actor).filter(inventory_number__in=numbers)
        return {d.inventory_number: d for d in visible.select_related("model")}

    def _documents(self, numbers: set[str]) -> dict[str, list[dict[str, Any]]]:
        """The visible documents each number names: by our number, else by the earlier
        diary's."""
        found = list(
            documents_visible_to(self.actor)
            .current()
            .filter(Q(number__in=numbers) | Q(external_number__in=numbers))
            .values("pk", "number", "external_number", "direction", "case_id", "sealed_at")
        )
        taken = set(
            Dispatch.objects.filter(document_id__in=[d["pk"] for d in found]).values_list(
                "document_id", flat=True
            )
        )
        by_number: dict[str, list[dict[str, Any]]] = {}
        for d in found:
            d["taken"] = d["pk"] in taken
            by_number.setdefault(d["number"], []).append(d)
        by_external: dict[str, list[dict[str, Any]]] = {}
        for d in found:
            if d["external_number"]:
                by_external.setdefault(d["external_number"], []).append(d)
        return {n: by_number.get(n) or by_external.get(n, []) for n in numbers}

    def _row(
        self,
        value: dict[str, str],
        devices: dict[str, Device],
        documents: dict[str, list[dict[str, Any]]],
    ) -> RowResult:
        result = RowResult(key=value.get("document_number", ""))
        err = result.errors.append
        for name in ("kind", "description", "document_number"):
            if not value.get(name):
                err((name, _("This column may not be empty.")))
        kind = self._kind(value, err)
        unit = self._unit(value, err)
        if kind is not None and unit is not None and not self._drafts(kind, unit):
            field = "unit_hsa_id" if value.get("unit_hsa_id") else "unit"
            err((field, _("You do not draft reports of this kind for this unit.")))
        dates = {n: self._date(value, n, err) for n in ("event_date", "awareness_date", "sent_on")}
        sent_on = dates["sent_on"]
        if sent_on is not None and sent_on > timezone.localdate():
            err(("sent_on", _("The report cannot be sent on a day still to come.")))
        elif sent_on and dates["awareness_date"] and sent_on < dates["awareness_date"]:
            err(("sent_on", _("The report cannot be sent before the event became known.")))
        outcome = self._choice(value, "outcome", self._outcomes, Outcome.NONE, err)
        injury = self._choice(value, "care_injury", self._injuries, CareInjury.NONE, err)
        channel = self._choice(value, "channel", self._channels, Dispatch.Channel.E_SERVICE, err)
        if channel == Dispatch.Channel.EMAIL and kind is not None and kind.no_email:
            err(
                (
                    "channel",
                    _("A %(kind)s is sent by the e-service or by post, never by e-mail.")
                    % {"kind": kind.name},
                )
            )
        confirmed = self._confirmed(value, err)
        device = None
        if value.get("inventory_number"):
            device = devices.get(value["inventory_number"])
            if device is None:
                err(
                    (
                        "inventory_number",
                        _("No device %(number)s in the register where you work.")
                        % {"number": value["inventory_number"]},
                    )
                )
        self._document(value.get("document_number", ""), documents, err)
        if value.get("authority_reference") and len(value["authority_reference"]) > 60:
            err(("authority_reference", _("At most %(limit)d characters.") % {"limit": 60}))

        fields: dict[str, Any] = {n: value.get(n, "") for n in _TEXT}
        fields.update(dates, outcome=outcome, care_injury=injury)
        if kind is not None:
            self._report_rules(kind, device, fields, confirmed, value, err)
        if result.errors:
            return result
        assert kind is not None and unit is not None and sent_on is not None
        result.data = {
            "kind_id": kind.pk,
            "unit_id": unit.pk,
            "device_id": device.pk if device is not None else None,
            **{n: fields[n] for n in _TEXT},
            "event_date": fields["event_date"].isoformat(),
            "awareness_date": fields["awareness_date"].isoformat(),
            "sent_on": sent_on.isoformat(),
            "outcome": outcome,
            "care_injury": injury,
            "channel": channel,
            "authority_reference": value.get("authority_reference", ""),
            "document_number": value["document_number"],
            "personal_numbers_confirmed": confirmed,
        }
        return result

    def _kind(self, value: dict[str, str], err: Any) -> ReportKind | None:
        text = value.get("kind", "")
        kind = self._kind_names.get(text.casefold()) if text else None
        if text and kind is None:
            err(("kind", _("No kind of report “%(kind)s”.") % {"kind": text}))
        return kind

    def _unit(self, value: dict[str, str], err: Any) -> Unit | None:
        hsa, name = value.get("unit_hsa_id", ""), value.get("unit", "")
        if hsa:
            unit = self._by_hsa.get(hsa.upper())
            if unit is None:
                err(
                    (
                        "unit_hsa_id",
                        _("No unit with HSA id %(hsa)s where you report.") % {"hsa": hsa},
                    )
                )
            return unit
        if not name:
            err(("unit", _("Say at which unit the event happened (unit or unit_hsa_id).")))
            return None
        unit = self._by_name.get(name.casefold())
        if unit is None:
            err(("unit", _("No unit named “%(name)s” where you report.") % {"name": name}))
        return unit

    def _drafts(self, kind: ReportKind, unit: Unit) -> bool:
        key = (kind.pk, unit.pk)
        if key not in self._may_draft:
            self._may_draft[key] = access.may_draft(self.actor, kind, unit)
        return self._may_draft[key]

    @staticmethod
    def _date(value: dict[str, str], name: str, err: Any) -> datetime.date | None:
        if not value.get(name):
            err((name, _("This column may not be empty.")))
            return None
        try:
            date: datetime.date = _DATE.clean(value[name])
        except forms.ValidationError as exc:
            err((name, " ".join(exc.messages)))
            return None
        return date

    @staticmethod
    def _choice(
        value: dict[str, str], name: str, choices: dict[str, str], default: str, err: Any
    ) -> str:
        text = value.get(name, "")
        if not text:
            return default
        code = choices.get(text.casefold())
        if code is None:
            err((name, _("Unknown value “%(value)s”.") % {"value": text}))
            return default
        return code

    @staticmethod
    def _confirmed(value: dict[str, str], err: Any) -> bool:
        text = value.get("personal_numbers_confirmed", "").casefold()
        if text in _YES:
            return True
        if text not in _NO:
            err(("personal_numbers_confirmed", _("Write yes or no.")))
        return False

    @staticmethod
    def _document(number: str, documents: dict[str, list[dict[str, Any]]], err: Any) -> None:
        if not number:
            return
        found = documents.get(number, [])
        if len(found) > 1:
            message = _(
                "%(number)s names more than one document in the diary: give its number here."
            )
        elif not found or found[0]["case_id"] is None or found[0]["sealed_at"] is None:
            message = _(
                "No registered document %(number)s in the diary: register or import it first."
            )
        elif found[0]["direction"] != Document.Direction.OUTGOING:
            message = _("%(number)s is not an outgoing document: the copy of a sent report is.")
        elif found[0]["taken"]:
            message = _("%(number)s is already recorded as sent about another report.")
        else:
            return
        err(("document_number", message % {"number": number}))

    @staticmethod
    def _report_rules(
        kind: ReportKind,
        device: Device | None,
        fields: dict[str, Any],
        confirmed: bool,
        value: dict[str, str],
        err: Any,
    ) -> None:
        """The report's own rules, on the row's values: the model's (lengths, choices, the
        dates in order, the device named, a manufacturer for its copy) and no personal
        identity number in the text."""
        report = Report(kind=kind, device=device, personal_numbers_confirmed=confirmed)
        for name, given in fields.items():
            setattr(report, name, given)
        if device is not None:
            report.manufacturer = report.manufacturer or device.model.manufacturer
            report.trade_name = report.trade_name or device.model.trade_name
        device_field = "inventory_number" if value.get("inventory_number") else "trade_name"
        problems: dict[str, list[str]] = {}
        others = [f.name for f in Report._meta.fields if f.name not in _REPORT_COLUMNS]
        for check in (lambda: report.clean_fields(exclude=others), report.clean):
            try:
                check()
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    problems.setdefault(name, []).extend(messages)
        for name, message in services.identity_problems(report).items():
            problems.setdefault(name, []).append(message)
        unknown_device = device is None and bool(value.get("inventory_number"))
        for name, messages in problems.items():
            if name in ("event_date", "awareness_date", "description") and not fields.get(name):
                continue  # said already: the column is empty
            if unknown_device and name in ("device", "device_model", "manufacturer"):
                continue  # said already: the register has no such device
            field = device_field if name in ("device", "device_model") else name
            for message in dict.fromkeys(messages):
                err((field, message))

    # Commit ----------------------------------------------------------------------------------

    def commit(self, rows: Sequence[ValidRow], *, reason: str) -> list[Committed]:
        devices = Device.objects.in_bulk(
            [r.data["device_id"] for r in rows if r.data and r.data["device_id"]]
        )
        out = []
        for row in rows:
            data = row.data
            if data is None:  # an import of reports never updates: every row is prepared
                out.append(Committed(errors=[("document_number", _("Validate the file again."))]))
                continue
            out.append(self._commit_row(data, devices, reason))
        return out

    def _commit_row(
        self, data: dict[str, Any], devices: dict[Any, Device], reason: str
    ) -> Committed:
        """Record the row's report; what changed since validation (the rights, the diary, the
        register) comes back as the row's errors, and nothing of the row is written."""
        kind, unit = self._kinds.get(data["kind_id"]), self._units.get(data["unit_id"])
        if kind is None or unit is None:
            return Committed(errors=[("unit", _("You do not draft reports of this kind here."))])
        fields = {n: data[n] for n in _TEXT}
        try:
            report = services.report_record_existing(
                actor=self.actor,
                kind=kind,
                document_number=data["document_number"],
                sent_on=datetime.date.fromisoformat(data["sent_on"]),
                authority_reference=data["authority_reference"],
                reason=reason,
                channel=data["channel"],
                unit=unit,
                event_date=datetime.date.fromisoformat(data["event_date"]),
                awareness_date=datetime.date.fromisoformat(data["awareness_date"]),
                outcome=data["outcome"],
                care_injury=data["care_injury"],
                device=devices.get(data["device_id"]) if data["device_id"] else None,
                personal_numbers_confirmed=data["personal_numbers_confirmed"],
                **fields,
            )
        except PermissionDenied:
            return Committed(errors=[("unit", _("You do not draft reports of this kind here."))])
        except ValidationError as exc:
            device_field = "inventory_number" if data["device_id"] else "trade_name"
            renamed = {"device": device_field, "device_model": device_field, "__all__": ""}
            return Committed(
                errors=[
                    (renamed.get(name, name), message)
                    for name, messages in exc.message_dict.items()
                    for message in messages
                ]
            )
        return Committed(outcome="created", pk=report.pk)

    # Export ----------------------------------------------------------------------------------

    def export(self, user: Any, params: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
        filterset = ReportFilter(
            params, queryset=access.reports_visible_to(user), request=_RequestLike(user)
        )
        if not filterset.is_valid():
            raise forms.ValidationError(
                [f"{name}: {' '.join(errs)}" for name, errs in filterset.errors.items()]
            )
        channel = Dispatch.objects.filter(
            report=OuterRef("pk"), purpose=Dispatch.Purpose.REPORT
        ).values("channel")[:1]
        qs = (
            filterset.qs.select_related("kind", "unit", "device", "sent_document")
            .annotate(report_channel=Subquery(channel))
            .order_by("-event_date", "-pk")
        )
        header = [c.name for c in self.columns]
        return header, (_export_row(r) for r in qs.iterator(chunk_size=2000))


def _export_row(report: Any) -> list[Any]:
    return [
        report.kind.code,
        report.unit.name,
        report.unit.hsa_id,
        report.event_date,
        report.awareness_date,
        report.sent_on,
        report.description,
        report.outcome,
        report.care_injury,
        report.consequence,
        report.actions_taken,
        report.device.inventory_number if report.device is not None else "",
        report.manufacturer,
        report.trade_name,
        report.model_version,
        report.udi_di,
        report.serial_or_lot,
        report.report_channel or "",
        report.authority_reference,
        report.sent_document.number if report.sent_document is not None else "",
        "yes" if report.personal_numbers_confirmed else "",
        report.number,
    ]


class _RequestLike:
    def __init__(self, user: Any) -> None:
        self.user = user
