"""Import of an existing diary list (CSV or XLSX, through the import framework): a region that
keeps its main diary elsewhere (Public 360, Platina, W3D3, Ciceron …), or that moves it to
medtek, brings its registered documents with the numbers they have there.

Each row is one registered document: its case's number and title there, its own number there,
date, direction, kind, from/to, what it concerns, and the unit. The numbers of the other diary
are kept (``external_system`` and ``external_number`` on the case and on the document, both
searchable). A row's case is, in this order: a case of ours with that number; a case of ours
that already carries it as its other number; a case taken over with that very number when it is
one of our number series' (already handed out, ``case_record_existing``); otherwise a new case of
ours, numbered from the chosen series, carrying the other number. Every document is registered
through the diary's services, so it gets its number in its case, is sealed and audited.
Importing the same list again creates nothing twice: a document whose other number is known is
an error on its row.
"""

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtek.core.models import NumberSeries
from medtek.imports.registry import (
    Column,
    Committed,
    Importer,
    RowResult,
    ValidRow,
    field_label,
    register,
)

from . import access, selectors, services
from .filters import DocumentFilter
from .models import Case, Document

#: The number series new cases of an import take their numbers from, when a row names none.
DEFAULT_SERIES = "mft"

_DIRECTIONS = {
    "incoming": Document.Direction.INCOMING,
    "inkommande": Document.Direction.INCOMING,
    "inkommen": Document.Direction.INCOMING,
    "in": Document.Direction.INCOMING,
    "i": Document.Direction.INCOMING,
    "outgoing": Document.Direction.OUTGOING,
    "utgående": Document.Direction.OUTGOING,
    "expedierad": Document.Direction.OUTGOING,
    "ut": Document.Direction.OUTGOING,
    "u": Document.Direction.OUTGOING,
    "internal": Document.Direction.INTERNAL,
    "upprättad": Document.Direction.INTERNAL,
    "upprättad internt": Document.Direction.INTERNAL,
    "intern": Document.Direction.INTERNAL,
    "p": Document.Direction.INTERNAL,
}
_DATE = forms.DateField()


@register
class DiaryImporter(Importer):
    kind = "diary"
    label = gettext_lazy("Diary")
    key_field = "number"
    columns = (
        Column(
            "case_number",
            ("diarienummer", "ärendenummer", "ärende"),
            True,
            label=field_label(Case, "number"),
        ),
        Column("case_title", ("ärendemening", "ärendets rubrik"), label=gettext_lazy("case title")),
        Column(
            "number",
            ("dokumentnummer", "handlingsnummer", "dokument-id"),
            True,
            label=field_label(Document, "number"),
        ),
        Column(
            "date",
            ("datum", "inkom", "upprättad", "expedierad"),
            True,
            label=field_label(Document, "date"),
        ),
        Column(
            "direction",
            ("riktning", "typ av handling", "in/ut"),
            True,
            label=field_label(Document, "direction"),
        ),
        Column("kind", ("handlingstyp", "dokumenttyp"), True, label=field_label(Document, "kind")),
        Column(
            "counterparty",
            ("avsändare/mottagare", "från/till", "avsändare", "mottagare"),
            label=field_label(Document, "counterparty"),
        ),
        Column(
            "description",
            ("beskrivning", "rubrik", "vad den gäller", "handlingsmening"),
            True,
            label=field_label(Document, "description"),
        ),
        Column("unit", ("enhet", "ansvarig enhet"), label=field_label(Document, "unit")),
        Column("unit_hsa_id", ("hsa-id", "enhetens hsa-id"), label=gettext_lazy("unit's HSA id")),
        Column(
            "external_system",
            ("system", "diariesystem"),
            label=field_label(Document, "external_system"),
        ),
        Column("series", ("nummerserie",), label=field_label(Case, "series")),
    )

    def __init__(self, actor: Any, *, update_existing: bool) -> None:
        super().__init__(actor, update_existing=update_existing)
        self._units: list[dict[str, Any]] = [
            dict(u) for u in access.registration_units(actor).values("pk", "name", "hsa_id")
        ]
        self._by_name = {u["name"].casefold(): u for u in self._units}
        self._by_hsa = {u["hsa_id"].upper(): u for u in self._units if u["hsa_id"]}
        self._series = set(NumberSeries.objects.values_list("key", flat=True))

    def may_import(self) -> bool:
        return bool(self._units)

    # Validation ------------------------------------------------------------------------------

    def validate(self, rows: Sequence[dict[str, str]]) -> list[RowResult]:
        numbers = {r.get("number", "").strip() for r in rows} - {""}
        known = set(
            Document.objects.filter(external_number__in=numbers).values_list(
                "external_system", "external_number"
            )
        )
        return [self._row(row, known) for row in rows]

    def _row(self, row: dict[str, str], known: set[tuple[str, str]]) -> RowResult:
        value = {k: (v or "").strip() for k, v in row.items()}
        result = RowResult(key=value.get("number", ""))
        err = result.errors.append
        for name in ("case_number", "number", "kind", "description"):
            if not value.get(name):
                err((name, _("This column may not be empty.")))
        try:
            date = _DATE.clean(value.get("date", ""))
        except forms.ValidationError as exc:
            err(("date", " ".join(exc.messages)))
            date = None
        direction = _DIRECTIONS.get(value.get("direction", "").casefold())
        if direction is None:
            err(
                (
                    "direction",
                    _("Unknown direction “%(value)s”: write Inkommande, Utgående or Upprättad.")
                    % {"value": value.get("direction", "")},
                )
            )
        elif direction != Document.Direction.INTERNAL and not value.get("counterparty"):
            err(("counterparty", _("Say who sent the document, or to whom it went.")))
        unit = self._unit(value, err)
        system = value.get("external_system") or _("other diary")
        if (system, value.get("number", "")) in known:
            err(
                (
                    "number",
                    _("%(number)s of %(system)s is in the diary already.")
                    % {"number": value.get("number"), "system": system},
                )
            )
        series = value.get("series") or DEFAULT_SERIES
        if series not in self._series:
            err(("series", _("No number series %(key)s.") % {"key": series}))
        if len(value.get("description", "")) > 500:
            err(("description", _("At most 500 characters.")))
        if result.errors:
            return result
        assert unit is not None and date is not None
        result.data = {
            "case_number": value["case_number"],
            "case_title": value.get("case_title") or value["description"][:300],
            "number": value["number"],
            "date": date.isoformat(),
            "direction": direction,
            "kind": value["kind"][:100],
            "counterparty": value.get("counterparty", "")[:300],
            "description": value["description"],
            "unit_id": unit["pk"],
            "external_system": str(system)[:50],
            "series": series,
        }
        return result

    def _unit(self, value: dict[str, str], err: Any) -> dict[str, Any] | None:
        hsa, name = value.get("unit_hsa_id", ""), value.get("unit", "")
        if hsa:
            unit = self._by_hsa.get(hsa.upper())
            if unit is None:
                err(
                    (
                        "unit_hsa_id",
                        _("No unit with HSA id %(hsa)s where you register.") % {"hsa": hsa},
                    )
                )
            return unit
        if not name:
            err(("unit", _("Say which unit the document belongs to (unit or unit_hsa_id).")))
            return None
        unit = self._by_name.get(name.casefold())
        if unit is None:
            err(("unit", _("No unit named “%(name)s” where you register.") % {"name": name}))
        return unit

    # Commit ----------------------------------------------------------------------------------

    def commit(self, rows: Sequence[ValidRow], *, reason: str) -> list[Committed]:
        out = []
        for row in rows:
            data = row.data
            if data is None:  # an import of the diary never updates: every row is prepared
                out.append(Committed(errors=[("number", _("Validate the file again."))]))
                continue
            if Document.objects.filter(
                external_system=data["external_system"], external_number=data["number"]
            ).exists():
                out.append(
                    Committed(errors=[("number", _("%(number)s is in the diary already.") % data)])
                )
                continue
            case = self._case(data, reason)
            document = services.document_draw_up(
                actor=self.actor,
                case=case,
                direction=data["direction"],
                kind=data["kind"],
                date=datetime.date.fromisoformat(data["date"]),
                counterparty=data["counterparty"],
                description=data["description"],
                external_system=data["external_system"],
                external_number=data["number"],
            )
            out.append(Committed(outcome="created", pk=document.pk))
        return out

    def _case(self, data: dict[str, Any], reason: str) -> Case:
        from django.core.exceptions import ValidationError

        from medtek.organisation.models import Unit

        number, system = data["case_number"], data["external_system"]
        found = (
            Case.objects.filter(
                Q(number=number) | Q(external_system=system, external_number=number)
            )
            .order_by("pk")
            .first()
        )
        if found is not None:
            return found
        unit = Unit.objects.get(pk=data["unit_id"])
        series = NumberSeries.objects.get(key=data["series"])
        if series.pattern().match(number):
            try:
                return services.case_record_existing(
                    actor=self.actor,
                    series=series.key,
                    number=number,
                    reason=reason,
                    title=data["case_title"],
                    unit=unit,
                )
            except ValidationError:  # not handed out yet: a new case of ours carries it instead
                pass
        return services.case_open(
            actor=self.actor,
            series=series.key,
            title=data["case_title"],
            unit=unit,
            external_system=system,
            external_number=number,
        )

    # Export ----------------------------------------------------------------------------------

    def export(self, user: Any, params: Any) -> tuple[list[str], Iterable[Sequence[Any]]]:
        filterset = DocumentFilter(
            params, queryset=selectors.diary_queryset(user), request=_RequestLike(user)
        )
        if not filterset.is_valid():
            raise forms.ValidationError(
                [f"{name}: {' '.join(errs)}" for name, errs in filterset.errors.items()]
            )
        header, row = selectors.export_columns(user)
        qs = filterset.qs.order_by("-date", "-pk")
        return header, (row(d) for d in qs.iterator(chunk_size=2000))


class _RequestLike:
    def __init__(self, user: Any) -> None:
        self.user = user
