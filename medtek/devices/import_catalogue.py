"""The catalogue from an import file: a device row may carry its model's identity.

A register moved from another system names each device's model by its own columns
(manufacturer, trade name, model/version, UDI-DI, risk class, EMDN code). A row is matched to the
catalogue by its UDI-DI when it has one (the identifier MDR art. 27 gives the model), otherwise by
manufacturer, trade name and model/version, as the register has always matched them. What the
row says of the model must agree with the catalogue's model; a model the catalogue does not have
yet is *proposed*: the distinct unknown models of a session are listed with their rows and their
validation by the catalogue's own form (``DeviceModelForm``), for the person importing to accept
or correct as a group (``create_proposed_models``). Nothing creates a model silently.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Window
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from medtek.core import audit
from medtek.imports import services as import_services
from medtek.imports.models import ImportSession
from medtek.imports.rows import Row

from . import access, services
from .forms import DeviceModelForm
from .identifiers import Issuer, validate_emdn, validate_udi_di
from .models import DeviceModel, RiskClass

#: The row's fields that name its model.
NAME_FIELDS = ("manufacturer", "trade_name", "model_version")
#: The row's fields that describe its model besides its name.
IDENTITY_FIELDS = ("udi_di", "udi_issuer", "risk_class", "emdn_code")
#: A proposed model's default inspection interval is its devices' interval, when they agree.
INTERVAL_FIELD = "inspection_interval_months"

_RISK_CLASSES = {c.casefold(): c for c in RiskClass.values}
_RISK_PREFIXES = ("klass ", "class ", "riskklass ", "ivdr ", "mdr ")
_ISSUERS = {c.casefold(): c for c in DeviceModel.UdiIssuer.values}
_ISSUERS.update({label.casefold(): c for c, label in DeviceModel.UdiIssuer.choices})

NameKey = tuple[str, str, str]


@dataclass(frozen=True)
class Identity:
    """What a row says of its device model, parsed (an unparseable value is left out)."""

    manufacturer: str = ""
    trade_name: str = ""
    model_version: str = ""
    udi_di: str = ""
    udi_issuer: str = ""
    risk_class: str = ""
    emdn_code: str = ""

    @property
    def key(self) -> NameKey:
        return name_key(self.manufacturer, self.trade_name, self.model_version)

    @property
    def text(self) -> str:
        return " ".join(p for p in (self.manufacturer, self.trade_name, self.model_version) if p)


def name_key(manufacturer: str, trade_name: str, model_version: str) -> NameKey:
    """A model's name as rows are matched by it: case-insensitive, without outer spaces."""
    return (
        manufacturer.strip().casefold(),
        trade_name.strip().casefold(),
        model_version.strip().casefold(),
    )


def risk_class(raw: str) -> str | None:
    """The risk class a cell names ("IIb", "iib", "Klass IIb", "IVDR C"), or None."""
    text = " ".join(raw.split()).casefold()
    for prefix in _RISK_PREFIXES:
        text = text.removeprefix(prefix)
    return _RISK_CLASSES.get(text)


def udi_issuer(raw: str, udi_di: str) -> str:
    """The issuing entity a cell names, or, if the file has none, the one the UDI-DI's form
    shows: a HIBC code begins with ``+``, a GS1 GTIN is digits only. Other issuers (ICCBBA, IFA)
    cannot be told apart by form, so they must be named."""
    named = _ISSUERS.get(raw.strip().casefold())
    if named or raw.strip():
        return named or ""
    if udi_di.startswith("+"):
        return Issuer.HIBCC
    if udi_di.isdigit():
        return Issuer.GS1
    return ""


def parse_identity(values: Mapping[str, str]) -> tuple[Identity, list[tuple[str, str]]]:
    """A row's model identity from its field values, and the (field, message) errors of the
    values that are not what the catalogue accepts: the UDI-DI by its issuer's check digits
    (GTIN mod 10, HIBC mod 43), the risk class among the MDR/IVDR classes, the EMDN code's form.
    """
    errors: list[tuple[str, str]] = []
    udi = values.get("udi_di", "").strip().upper()
    raw_issuer = values.get("udi_issuer", "").strip()
    issuer = udi_issuer(raw_issuer, udi) if (udi or raw_issuer) else ""
    if raw_issuer and not issuer:
        errors.append(
            (
                "udi_issuer",
                _("Unknown UDI issuing entity “%(v)s” (use GS1, HIBCC, ICCBBA or IFA).")
                % {"v": raw_issuer},
            )
        )
    elif udi and not issuer:
        errors.append(
            (
                "udi_di",
                _(
                    "Say which entity issued the UDI-DI %(udi)s: a udi_issuer column with GS1, "
                    "HIBCC, ICCBBA or IFA."
                )
                % {"udi": udi},
            )
        )
    elif udi:
        try:
            validate_udi_di(udi, issuer)
        except ValidationError as exc:
            errors.extend(("udi_di", m) for m in exc.messages)
            udi = ""
    raw_class = values.get("risk_class", "").strip()
    klass = risk_class(raw_class) if raw_class else ""
    if klass is None:
        errors.append(
            (
                "risk_class",
                _(
                    "Unknown risk class “%(v)s” (use I, Is, Im, Ir, IIa, IIb or III, or the IVDR "
                    "classes A, B, C or D)."
                )
                % {"v": raw_class},
            )
        )
        klass = ""
    emdn = values.get("emdn_code", "").strip().upper()
    if emdn:
        try:
            validate_emdn(emdn)
        except ValidationError as exc:
            errors.extend(("emdn_code", m) for m in exc.messages)
            emdn = ""
    identity = Identity(
        manufacturer=values.get("manufacturer", "").strip(),
        trade_name=values.get("trade_name", "").strip(),
        model_version=values.get("model_version", "").strip(),
        udi_di=udi,
        udi_issuer=issuer,
        risk_class=klass,
        emdn_code=emdn,
    )
    return identity, errors


class CatalogueIndex:
    """The catalogue as rows are matched to it, read once (no query per row)."""

    def __init__(self, models: Iterable[DeviceModel]) -> None:
        self.by_name: dict[NameKey, DeviceModel] = {}
        self.by_udi: dict[str, list[DeviceModel]] = {}
        self.by_pk: dict[int, DeviceModel] = {}
        for m in models:
            self.by_name[name_key(m.manufacturer, m.trade_name, m.model_version)] = m
            if m.udi_di:
                self.by_udi.setdefault(m.udi_di.upper(), []).append(m)
            self.by_pk[m.pk] = m

    def match(self, identity: Identity) -> tuple[DeviceModel | None, list[tuple[str, str]]]:
        """The catalogue's model for a row, by UDI-DI, else by name; with the (field, message)
        errors where the row contradicts that model. None if the catalogue has no such model."""
        if identity.udi_di:
            found = self.by_udi.get(identity.udi_di, [])
            if len(found) > 1 and identity.udi_issuer:
                found = [m for m in found if m.udi_issuer == identity.udi_issuer]
            if len(found) > 1:
                return None, [
                    (
                        "udi_di",
                        _("Several device models have the UDI-DI %(udi)s: name its issuer.")
                        % {"udi": identity.udi_di},
                    )
                ]
            if found:
                return found[0], self._contradictions(found[0], identity, by_udi=True)
        model = self.by_name.get(identity.key)
        if model is None:
            return None, []
        return model, self._contradictions(model, identity, by_udi=False)

    @staticmethod
    def _contradictions(
        model: DeviceModel, identity: Identity, *, by_udi: bool
    ) -> list[tuple[str, str]]:
        errors: list[tuple[str, str]] = []

        def differs(field: str, mine: str, theirs: str) -> None:
            errors.append(
                (
                    field,
                    _("The catalogue's model %(model)s has %(theirs)s here, the file %(mine)s.")
                    % {"model": model, "theirs": theirs or "—", "mine": mine},
                )
            )

        if by_udi:
            for name in NAME_FIELDS:
                mine, theirs = getattr(identity, name), getattr(model, name)
                if mine and mine.casefold() != theirs.casefold():
                    differs(name, mine, theirs)
        elif identity.udi_di and identity.udi_di != model.udi_di.upper():
            if model.udi_di:
                differs("udi_di", identity.udi_di, model.udi_di)
            else:
                errors.append(
                    (
                        "udi_di",
                        _(
                            "The catalogue's model %(model)s has no UDI-DI: add %(udi)s to it "
                            "under Device models, or leave the cell empty."
                        )
                        % {"model": model, "udi": identity.udi_di},
                    )
                )
        if identity.risk_class and identity.risk_class != model.risk_class:
            differs("risk_class", identity.risk_class, model.risk_class)
        if identity.emdn_code and identity.emdn_code != model.emdn_code:
            differs("emdn_code", identity.emdn_code, model.emdn_code)
        return errors


# Proposed models ---------------------------------------------------------------------------


@dataclass
class Proposal:
    """A model the file names that the catalogue does not have: as the form would be filled in
    from the file (``initial``), with the rows naming it, the form's errors on those values, and
    the fields on which its rows disagree (value → (rows, first row number))."""

    initial: dict[str, Any]
    rows: int = 0
    first_rows: list[int] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    conflicts: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)

    @property
    def conflict_lines(self) -> list[tuple[str, list[tuple[str, int, int]]]]:
        """The conflicts as a page lists them: (field label, [(value, rows, first row)])."""
        return [
            (
                str(DeviceModelForm.base_fields[name].label),
                [(value, rows, first) for value, (rows, first) in by_value.items()],
            )
            for name, by_value in self.conflicts.items()
        ]


#: Row numbers a proposal lists (the rest are counted).
FIRST_ROWS = 5


def proposals(session: ImportSession, actor: Any, *, validate: bool = True) -> list[Proposal]:
    """The distinct models the session's rows name that the catalogue (as the actor sees it)
    does not have, in the order of their first row; validated by the catalogue's form unless
    ``validate`` is false (a count needs no validation, which costs a query or two a model).

    The rows are read grouped by the values of their model columns, so the database hands over
    each distinct combination once with its count, whatever the file's size; each combination
    is read as a row is (``_field_values``, which applies the session's mapping), so the models
    proposed are the ones validation finds missing.
    """
    index = CatalogueIndex(access.device_models_visible_to(actor))
    found: dict[NameKey, Proposal] = {}
    seen: dict[NameKey, dict[str, dict[str, tuple[int, int]]]] = {}
    for values, count, numbers in _groups(session):
        first = numbers[0]
        identity, _errors = parse_identity(values)
        if not identity.manufacturer or not identity.trade_name:
            continue
        model, _contradictions = index.match(identity)
        if model is not None:
            continue
        proposal = found.get(identity.key)
        if proposal is None or first < min(proposal.first_rows):
            initial = {name: getattr(identity, name) for name in NAME_FIELDS}
            if proposal is None:
                proposal = found[identity.key] = Proposal(initial=initial)
            else:
                proposal.initial.update(initial)
        proposal.rows += count
        proposal.first_rows = sorted({*proposal.first_rows, *numbers})[:FIRST_ROWS]
        by_field = seen.setdefault(identity.key, {})
        for name in (*IDENTITY_FIELDS, INTERVAL_FIELD):
            value = _proposed_value(name, identity, values)
            if value:
                rows, earliest = by_field.setdefault(name, {}).get(value, (0, first))
                by_field[name][value] = (rows + count, min(earliest, first))
    out = sorted(found.values(), key=lambda p: p.first_rows[0])
    for key, proposal in found.items():
        for name, by_value in seen.get(key, {}).items():
            ordered = sorted(by_value.items(), key=lambda item: item[1][1])
            if len(ordered) > 1:
                proposal.conflicts[name] = dict(ordered)
            if name != INTERVAL_FIELD or len(ordered) == 1:
                proposal.initial[name] = ordered[0][0]  # as the model's first row has it
        if validate:
            form = DeviceModelForm(data=_form_data(proposal.initial))
            proposal.errors = {f: [str(m) for m in e] for f, e in form.errors.items()}
    return out


def _proposed_value(name: str, identity: Identity, values: Mapping[str, str]) -> str:
    """A row's value for a proposed model's field: parsed where it parses, else as written (so
    that the form shows the value and why it is refused)."""
    raw = values.get(name, "").strip()
    if name == INTERVAL_FIELD:
        return raw
    return getattr(identity, name) or (raw.upper() if name in ("udi_di", "emdn_code") else raw)


def _form_data(initial: Mapping[str, Any]) -> dict[str, Any]:
    """The catalogue form's data for a proposal: the file's values, and the form's defaults for
    what the file does not say (conformity, electrical safety class, applied part)."""
    data = {}
    for name, bound in DeviceModelForm.base_fields.items():
        value = initial.get(name, bound.initial)
        if isinstance(bound, forms.BooleanField) and not value:
            continue  # an unticked box is absent from a form's data
        data[name] = "" if value is None else value
    return data


def initial_forms(found: Sequence[Proposal]) -> list[dict[str, Any]]:
    """The formset's initial data, one form per proposal."""
    return [_form_data(p.initial) for p in found]


def _groups(session: ImportSession) -> Iterator[tuple[dict[str, str], int, list[int]]]:
    """(field values, rows, first row numbers) per distinct combination of the model columns;
    up to ``FIRST_ROWS`` numbers of each combination's first rows, in order."""
    wanted = {*NAME_FIELDS, *IDENTITY_FIELDS, INTERVAL_FIELD}
    headers = [h for h, f in session.mapping.items() if f in wanted and h in session.headers]
    if not headers:
        return
    if any(h.strip().lstrip("-").isdigit() for h in headers):
        # A whole-number header would be read as an array index in the database: group here.
        counted: dict[tuple[str, ...], int] = {}
        firsts: dict[tuple[str, ...], list[int]] = {}
        rows = session.rows.order_by("number").values_list("number", "values")
        for number, values in rows.iterator(5000):
            combo = tuple(str(values.get(h, "")) for h in headers)
            counted[combo] = counted.get(combo, 0) + 1
            numbers = firsts.setdefault(combo, [])
            if len(numbers) < FIRST_ROWS:
                numbers.append(number)
        for combo, count in counted.items():
            yield _values_of(session, headers, combo, firsts[combo][0]), count, firsts[combo]
        return
    columns = {f"c{i}": KeyTextTransform(h, "values") for i, h in enumerate(headers)}
    grouped = (
        session.rows.order_by()
        .values(**columns)  # type: ignore[arg-type]
        .annotate(n=Count("pk"))
    )
    # Each combination's first rows: numbered within the combination, the first few kept.
    ranked = (
        session.rows.order_by()
        .annotate(**columns)
        .annotate(rank=Window(RowNumber(), partition_by=[F(c) for c in columns], order_by="number"))
        .filter(rank__lte=FIRST_ROWS)
        .values_list("number", *columns)
    )
    firsts = {}
    for number, *cells in ranked.iterator(chunk_size=5000):
        firsts.setdefault(tuple(c or "" for c in cells), []).append(number)
    for group in grouped.iterator(chunk_size=5000):
        combo = tuple(group[f"c{i}"] or "" for i in range(len(headers)))
        numbers = sorted(firsts[combo])[:FIRST_ROWS]
        yield _values_of(session, headers, combo, numbers[0]), group["n"], numbers


def _values_of(
    session: ImportSession, headers: Sequence[str], combo: Sequence[str], number: int
) -> dict[str, str]:
    row = Row(pk=0, number=number, status="", values=dict(zip(headers, combo, strict=True)))
    return import_services._field_values(session, row)


# Accepting the proposals -------------------------------------------------------------------


class BaseProposalFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    """The proposed models as one group: none may name a model twice or one the catalogue
    already has (as rows match them: case-insensitively), or repeat a UDI-DI."""

    index: CatalogueIndex

    def clean(self) -> None:
        names: dict[NameKey, int] = {}
        udis: dict[tuple[str, str], int] = {}
        for i, form in enumerate(self.forms):
            data = getattr(form, "cleaned_data", None)
            if not data:
                continue
            key = name_key(
                data.get("manufacturer", ""),
                data.get("trade_name", ""),
                data.get("model_version", ""),
            )
            if not key[0] or not key[1]:
                pass  # the form says what is missing
            elif key in self.index.by_name:
                form.add_error("trade_name", _("The catalogue already has this model."))
            elif key in names:
                form.add_error(
                    "trade_name",
                    _("Model %(n)d of this list has the same name.") % {"n": names[key] + 1},
                )
            names.setdefault(key, i)
            udi = (data.get("udi_issuer", ""), (data.get("udi_di") or "").strip().upper())
            if udi[1] and udi in udis:
                form.add_error(
                    "udi_di",
                    _("Model %(n)d of this list has the same UDI-DI.") % {"n": udis[udi] + 1},
                )
            udis.setdefault(udi, i)


ProposalFormSet = forms.formset_factory(
    DeviceModelForm, formset=BaseProposalFormSet, extra=0, max_num=5000, absolute_max=5000
)


def proposal_formset(
    actor: Any, found: Sequence[Proposal], data: Mapping[str, Any] | None = None
) -> BaseProposalFormSet:
    """The proposals as the page's forms: filled in from the file, or as the person sent them."""
    if data is not None:
        formset = ProposalFormSet(data, prefix="model")
    else:
        formset = ProposalFormSet(initial=initial_forms(found), prefix="model")
    assert isinstance(formset, BaseProposalFormSet)
    formset.index = CatalogueIndex(access.device_models_visible_to(actor))
    return formset


class GroupRefused(Exception):
    """Some proposed models were refused, so none was created: the refusals by form index."""

    def __init__(self, errors: Mapping[int, ValidationError]) -> None:
        super().__init__(errors)
        self.errors = dict(errors)


def create_proposed_models(
    *, actor: Any, session: ImportSession, models: Sequence[Mapping[str, Any]]
) -> list[DeviceModel]:
    """Add the accepted models to the catalogue, all or none, and have the session's rows
    validated again (they may now match).

    Each model is created by the catalogue's own service (validated and audited as when typed
    into its form), in one transaction, with the session's batch on every event so the trail
    ties the models to the import. If the catalogue refuses any (a rule, a model added
    meanwhile), nothing is created and ``GroupRefused`` says which and why.
    """
    with (
        audit.audit_context(source="import", batch=str(session.batch)),
        transaction.atomic(),
    ):
        session = import_services.session_reset(actor=actor, session=session)
        created: list[DeviceModel] = []
        refused: dict[int, ValidationError] = {}
        for i, fields in enumerate(models):
            try:
                created.append(services.device_model_create(actor=actor, **fields))
            except ValidationError as exc:
                refused[i] = exc
        if refused:
            raise GroupRefused(refused)  # and the transaction rolls back every model
    return created
