"""Writes to the device register: explicit actor, one transaction, validation first, one
AuditEvent in the same transaction. Views, API, imports and commands all call these."""

import datetime
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models, transaction
from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtek.core import audit
from medtek.core.actors import is_system, require, user_or_none
from medtek.core.changes import Updated, apply_changes, audited_update
from medtek.core.transitions import Lifecycle, Transition
from medtek.organisation.models import Unit

from .access import may_change_register, writable_units
from .actions import Action
from .models import (
    DEVICE_FIELDS,
    DEVICE_MODEL_FIELDS,
    INSPECTION_FIELDS,
    Device,
    DeviceModel,
    DeviceStatus,
    DeviceStatusChange,
    Inspection,
    InspectionKind,
    InspectionPlan,
    RiskClass,
    add_months,
)

_ONLY_WRITERS = gettext_lazy("Only MT engineers and administrators change the register.")


def _require_writer(actor: Any, unit: Unit | None) -> None:
    require(actor, may_change_register, unit, message=_ONLY_WRITERS)


# Device models -------------------------------------------------------------------------------


@transaction.atomic
def device_model_create(*, actor: Any, **fields: Any) -> DeviceModel:
    _require_writer(actor, None)
    model = DeviceModel()
    apply_changes(model, fields, DEVICE_MODEL_FIELDS)
    model.full_clean()
    model.save()
    audit.record(
        actor=actor, action=Action.DEVICE_MODEL_CREATE, obj=model, after=audit.snapshot(model)
    )
    return model


def device_model_update(
    *, actor: Any, model: DeviceModel, reason: str = "", **changes: Any
) -> Updated[DeviceModel]:
    _require_writer(actor, None)
    return audited_update(
        actor=actor,
        obj=model,
        changes=changes,
        allowed=DEVICE_MODEL_FIELDS,
        action=Action.DEVICE_MODEL_UPDATE,
        reason=reason,
    )


# Devices -------------------------------------------------------------------------------------

#: What a service may set on a device besides ``DEVICE_FIELDS``.
_DEVICE_SERVICE_FIELDS = (*DEVICE_FIELDS, "acceptance_checked_by")


def acceptance_error(status: str, checked_on: datetime.date | None) -> str | None:
    """A device is accepted (checked) before its first clinical use
    (docs/domain/devices.md#acceptance-check)."""
    if status == DeviceStatus.IN_USE and not checked_on:
        return _(
            "A device in use must have passed its acceptance check: give its date, or register "
            "the device as out of service until it is checked."
        )
    return None


def check_acceptance(device: Device) -> None:
    message = acceptance_error(device.status, device.acceptance_checked_on)
    if message:
        raise ValidationError({"acceptance_checked_on": message})


@transaction.atomic
def device_register(
    *,
    actor: Any,
    status: str = DeviceStatus.IN_USE,
    status_since: datetime.date | None = None,
    **fields: Any,
) -> Device:
    """Register a new device in the register."""
    since = status_since or timezone.localdate()
    device = Device(status=status, status_since=since)
    apply_changes(device, fields, _DEVICE_SERVICE_FIELDS)
    if device.unit_id is None:
        _require_writer(actor, None)
        raise ValidationError({"unit": _("Say which unit owns the device.")})
    _require_writer(actor, device.unit)
    if status == DeviceStatus.SCRAPPED:
        raise ValidationError({"status": _("A new device cannot be registered as scrapped.")})
    if device.inventory_number:
        device.inventory_number = device.inventory_number.strip()
    device.full_clean()
    check_acceptance(device)
    device.save()
    DeviceStatusChange.objects.create(
        device=device,
        from_status="",
        to_status=status,
        effective_on=since,
        reason=_("Registered"),
        changed_by=user_or_none(actor),
    )
    audit.record(
        actor=actor, action=Action.DEVICE_REGISTER, obj=device, after=audit.snapshot(device)
    )
    return device


def device_update(
    *, actor: Any, device: Device, reason: str = "", **changes: Any
) -> Updated[Device]:
    """Change a device's register data (not its status: see ``device_change_status``). Moving
    it to another unit needs the right to change the register there too."""

    def validate(row: Device, before: dict[str, Any]) -> None:
        if row.unit_id != before["unit"]:
            _require_writer(actor, row.unit)
        check_acceptance(row)

    return audited_update(
        actor=actor,
        obj=device,
        changes=changes,
        allowed=_DEVICE_SERVICE_FIELDS,
        action=Action.DEVICE_UPDATE,
        reason=reason,
        queryset=Device.objects.select_related("unit"),
        authorize=lambda row: _require_writer(actor, row.unit),
        validate=validate,
    )


def _may_change_status(actor: Any, device: Device) -> bool:
    return may_change_register(actor, device.unit)


def _on_or_after_status_since(device: Device, *, effective_on: datetime.date) -> Any:
    if device.status_since and effective_on < device.status_since:
        return (
            "effective_on",
            _("The date is before the current status began (%(date)s).")
            % {"date": device.status_since},
        )
    return None


def _not_in_the_future(device: Device, *, effective_on: datetime.date) -> Any:
    if effective_on > timezone.localdate():
        return ("effective_on", _("The date is in the future."))
    return None


def _accepted_before_use(device: Device, *, effective_on: datetime.date) -> Any:
    message = acceptance_error(DeviceStatus.IN_USE, device.acceptance_checked_on)
    return ("acceptance_checked_on", message) if message else None


_DATES = (_on_or_after_status_since, _not_in_the_future)
_S = DeviceStatus

#: A device's status, as one table: scrapped is final; a device goes (back) into use only once it
#: has passed its acceptance check (docs/domain/devices.md#acceptance-check).
DEVICE_LIFECYCLE = Lifecycle(
    model=Device,
    field="status",
    action=Action.DEVICE_STATUS,
    transitions=[
        Transition(
            sources=(_S.OUT_OF_SERVICE, _S.IN_REPAIR),
            target=_S.IN_USE,
            who=_may_change_status,
            who_message=_ONLY_WRITERS,
            guards=(*_DATES, _accepted_before_use),
        ),
        Transition(
            sources=(_S.IN_USE, _S.IN_REPAIR),
            target=_S.OUT_OF_SERVICE,
            who=_may_change_status,
            who_message=_ONLY_WRITERS,
            guards=_DATES,
        ),
        Transition(
            sources=(_S.IN_USE, _S.OUT_OF_SERVICE),
            target=_S.IN_REPAIR,
            who=_may_change_status,
            who_message=_ONLY_WRITERS,
            guards=_DATES,
        ),
        Transition(
            sources=(_S.IN_USE, _S.OUT_OF_SERVICE, _S.IN_REPAIR),
            target=_S.SCRAPPED,
            who=_may_change_status,
            who_message=_ONLY_WRITERS,
            guards=_DATES,
        ),
    ],
)


def device_change_status(
    *,
    actor: Any,
    device: Device,
    status: str,
    reason: str,
    effective_on: datetime.date | None = None,
) -> Device:
    """Move a device to a new status on a date, with a reason (``DEVICE_LIFECYCLE``). The
    change is kept in the device's status history; scrapping ends its inspection plans."""
    effective_on = effective_on or timezone.localdate()

    def effects(row: Device, old: str) -> None:
        row.status_since = effective_on
        DeviceStatusChange.objects.create(
            device=row,
            from_status=old,
            to_status=row.status,
            effective_on=effective_on,
            reason=reason,
            changed_by=user_or_none(actor),
        )
        if row.status == DeviceStatus.SCRAPPED:
            row.plans.filter(active=True).update(active=False)
            _refresh_next_due(row, save=False)

    return DEVICE_LIFECYCLE.perform(
        actor=actor,
        obj=device,
        target=status,
        reason=reason,
        queryset=Device.objects.select_related("unit"),
        effects=effects,
        update_fields=["status_since", "next_due"],
        effective_on=effective_on,
    )


# Inspections ---------------------------------------------------------------------------------


def _refresh_next_due(device: Device, *, save: bool = True) -> None:
    """Keep ``Device.next_due`` equal to the earliest due date of its active plans."""
    due = device.plans.filter(active=True).aggregate(d=Min("next_due"))["d"]
    if device.next_due != due:
        device.next_due = due
        if save:
            device.save(update_fields=["next_due"])


def first_due(interval_months: int, last_done: datetime.date | None) -> datetime.date:
    """When a new plan is first due: one interval after it was last done, or now if it never
    was (nobody can say the device is safe until it has been inspected)."""
    return add_months(last_done, interval_months) if last_done else timezone.localdate()


def due_after(performed_on: datetime.date, interval_months: int, result: str) -> datetime.date:
    """When a plan is due after an inspection: one interval on after a pass, at once after a
    fail (the device must be re-tested after repair)."""
    if result == Inspection.Result.PASS:
        return add_months(performed_on, interval_months)
    return performed_on


@transaction.atomic
def inspection_plan_create(
    *,
    actor: Any,
    device: Device,
    kind: str,
    interval_months: int,
    last_done: datetime.date | None = None,
    next_due: datetime.date | None = None,
    responsible: Any = None,
) -> InspectionPlan:
    """Plan a recurring inspection. Without ``next_due`` it is due one interval after
    ``last_done`` (or now, if it has never been done)."""
    device = Device.objects.select_for_update().select_related("unit").get(pk=device.pk)
    _require_writer(actor, device.unit)
    if device.status == DeviceStatus.SCRAPPED:
        raise ValidationError(_("A scrapped device is not inspected."))
    if next_due is None:
        next_due = first_due(interval_months, last_done)
    plan = InspectionPlan(
        device=device,
        kind=kind,
        interval_months=interval_months,
        last_done=last_done,
        next_due=next_due,
        responsible=responsible,
    )
    plan.full_clean()
    plan.save()
    _refresh_next_due(device)
    audit.record(
        actor=actor, action=Action.INSPECTION_PLAN_CREATE, obj=plan, after=audit.snapshot(plan)
    )
    return plan


@transaction.atomic
def inspection_plan_end(*, actor: Any, plan: InspectionPlan, reason: str) -> InspectionPlan:
    plan = InspectionPlan.objects.select_for_update().select_related("device__unit").get(pk=plan.pk)
    _require_writer(actor, plan.device.unit)
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for ending the plan.")})
    if not plan.active:
        raise ValidationError(_("This inspection plan has ended."))
    before = audit.snapshot(plan)
    plan.active = False
    plan.save(update_fields=["active"])
    _refresh_next_due(plan.device)
    audit.record(
        actor=actor,
        action=Action.INSPECTION_PLAN_END,
        obj=plan,
        before=before,
        after=audit.snapshot(plan),
        reason=reason,
    )
    return plan


@transaction.atomic
def inspection_record(
    *, actor: Any, plan: InspectionPlan, performed_on: datetime.date, **fields: Any
) -> Inspection:
    """Record a performed inspection and move its plan on.

    A pass makes the plan due one interval after ``performed_on``; a fail leaves it due at once
    (the device must be re-tested after repair) — and the caller decides on the device's status.
    """
    plan = InspectionPlan.objects.select_for_update().select_related("device__unit").get(pk=plan.pk)
    device = plan.device
    _require_writer(actor, device.unit)
    if not plan.active:
        raise ValidationError(_("This inspection plan has ended."))
    if performed_on > timezone.localdate():
        raise ValidationError({"performed_on": _("The inspection date is in the future.")})
    inspection = Inspection(
        device=device,
        plan=plan,
        kind=plan.kind,
        performed_on=performed_on,
        performed_by=user_or_none(actor),
    )
    apply_changes(inspection, fields, INSPECTION_FIELDS)
    inspection.full_clean()
    inspection.save()
    plan_before = audit.snapshot(plan)
    if plan.last_done is None or performed_on >= plan.last_done:
        plan.last_done = performed_on
        plan.next_due = due_after(performed_on, plan.interval_months, inspection.result)
        plan.save(update_fields=["last_done", "next_due"])
        _refresh_next_due(device)
    audit.record(
        actor=actor,
        action=Action.INSPECTION_RECORD,
        obj=inspection,
        after=audit.snapshot(inspection),
    )
    if audit.snapshot(plan) != plan_before:
        audit.record(
            actor=actor,
            action=Action.INSPECTION_PLAN_ADVANCE,
            obj=plan,
            before=plan_before,
            after=audit.snapshot(plan),
        )
    return inspection


# Bulk registration (imports) -------------------------------------------------------------------


RECORD_KEY_FIELDS = ("inventory_number", "model_id", "unit_id", "status")
#: What a record for ``devices_register_many`` holds: the register form's values by attribute name.
RECORD_FIELDS = (
    *RECORD_KEY_FIELDS,
    "serial_number",
    "udi_lot",
    "udi_serial",
    "manufactured_on",
    "expires_on",
    "udi_carrier",
    "location",
    "supplier",
    "purchased_on",
    "delivered_on",
    "warranty_until",
    "acceptance_checked_on",
)


@transaction.atomic
def devices_register_many(
    *, actor: Any, records: Sequence[Mapping[str, Any]], reason: str
) -> list[int]:
    """Register many validated devices at once: the import path of ``device_register``.

    ``records`` hold the values of ``RECORD_FIELDS`` (dates as ``datetime.date`` or ISO text), each
    already validated as the register form and ``Device.clean`` validate them (the importer does
    this with the same fields and ``device_rule_errors``). Checked here again, as for every
    registration: the actor may change the register of each owning unit, nothing new is
    scrapped, a device in use has passed its acceptance check; the database's unique constraint
    is the last guard against a duplicate inventory number. Each device gets its first status
    change and one AuditEvent, in the caller's transaction. Returns the new devices' ids in the
    order of ``records``.

    On PostgreSQL the devices are inserted in one statement from one JSON document and their
    status changes in another, since building and quoting a model instance per row cost an
    import of 100,000 rows most of its time; elsewhere with ``bulk_create``.
    """
    if not records:
        return []
    today, now = timezone.localdate(), timezone.now()
    units = {r["unit_id"] for r in records}
    for unit in Unit.objects.filter(pk__in=units):
        _require_writer(actor, unit)
        units.discard(unit.pk)
    if units:
        raise ValidationError({"unit": _("No such unit.")})
    for record in records:
        if record["status"] == DeviceStatus.SCRAPPED:
            raise ValidationError({"status": _("A new device cannot be registered as scrapped.")})
        message = acceptance_error(record["status"], record.get("acceptance_checked_on"))
        if message:
            raise ValidationError(
                {"acceptance_checked_on": f"{record['inventory_number']}: {message}"}
            )
    connection = transaction.get_connection()
    # Each device's first status change: from nothing to its status, as of today.
    change = {"effective_on": today, "reason": reason, "changed_by": user_or_none(actor), "at": now}
    if connection.vendor == "postgresql":
        rows = _insert_devices_pg(connection, records, today, now)
        _insert_first_changes_pg(connection, rows, **change)
    else:
        rows = _insert_devices(records, today)
        DeviceStatusChange.objects.bulk_create(
            DeviceStatusChange(
                device_id=row["id"],
                from_status="",
                to_status=row["status"],
                effective_on=today,
                reason=reason,
                changed_by=change["changed_by"],
                recorded_at=now,
            )
            for row in rows
        )
    audit.record_rows(
        actor=actor,
        action=Action.DEVICE_REGISTER,
        rows=(
            ("devices.device", str(row["id"]), row["inventory_number"], None, row) for row in rows
        ),
        reason=reason,
    )
    by_key = {row["inventory_number"].upper(): row["id"] for row in rows}
    return [by_key[r["inventory_number"].upper()] for r in records]


def devices_register_prepared(
    *,
    actor: Any,
    source: tuple[str, dict[str, Any]],
    catalogue: Sequence[int],
    mark: Callable[[str], tuple[str, dict[str, Any]]],
    reason: str,
) -> int:
    """Register, in one SQL statement, the devices of records already stored in the database:
    the set-based form of ``devices_register_many`` for an import's validated rows, which thus
    never travel to Python and back (PostgreSQL only).

    ``source`` is a query of (``row_id``, ``data``): ``data`` a JSON object of ``RECORD_FIELDS``
    as the importer prepared it (dates as ISO text). A record is registered only if every check
    of ``devices_register_many`` and of the importer's re-check at commit still holds; the
    others are left alone, for the caller's ordinary path to explain:

    - its inventory number is free, in any case (the unique index is the last guard);
    - the actor may change the register of its unit (``access.writable_units``);
    - its device model is among ``catalogue`` (the models the actor may choose), and for a
      class III implantable model the record stores the full UDI and its UDI-PI (MDR art.
      27(9), docs/domain/devices.md);
    - it is not scrapped, and a device in use has passed its acceptance check
      (docs/domain/devices.md#acceptance-check); its dates are in order.

    Each new device gets its first status change and one AuditEvent with the same values as
    ``devices_register_many`` gives them (``audit.record_query``), and ``mark("made")`` (a
    data-modifying query over ``made``: ``row_id``, ``object_id``) records which row made which
    device, all in the same statement. Returns how many devices it registered.
    """
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        raise RuntimeError("devices_register_prepared() writes through PostgreSQL's JSON functions")
    today, now = timezone.localdate(), timezone.now()
    qn = connection.ops.quote_name
    columns, select, given, params = _insert_columns(connection, "ok")
    types = ", ".join(f"{qn(a)} {f.db_type(connection)}" for a, f in given.items())
    writable = Unit.objects.all() if is_system(actor) else writable_units(actor)
    source_sql, source_params = source
    mark_sql, mark_params = mark("made")
    table, models_table = qn(Device._meta.db_table), qn(DeviceModel._meta.db_table)
    pk = Device._meta.get_field("id")
    returned = ", ".join(qn(f.column) for f in [pk, *columns])
    # Each row's id is drawn in ``ok`` (materialised once: nextval is volatile), in the order
    # of the file's lines, so which row made which device needs no join of the new devices
    # back to the rows (by inventory number, which the planner ran as a nested loop).
    with_sql = (
        f"WITH src AS ({source_sql}), "  # noqa: S608 (names from the models, the caller's query)
        "rec AS (SELECT src.row_id, x.* FROM src "
        f"CROSS JOIN LATERAL jsonb_to_record(src.data) AS x({types})), "
        "ok AS MATERIALIZED (SELECT nextval(pg_get_serial_sequence(%(table)s, %(pk)s)) AS id, "
        f"c.* FROM (SELECT rec.* FROM rec JOIN {models_table} AS m ON m.id = rec.model_id "
        "WHERE rec.unit_id = ANY(%(units)s) AND rec.model_id = ANY(%(catalogue)s) "
        "AND rec.status <> %(scrapped)s "
        "AND (rec.status <> %(in_use)s OR rec.acceptance_checked_on IS NOT NULL) "
        "AND (rec.delivered_on IS NULL OR rec.purchased_on IS NULL "
        "OR rec.delivered_on >= rec.purchased_on) "
        "AND (rec.expires_on IS NULL OR rec.manufactured_on IS NULL "
        "OR rec.expires_on >= rec.manufactured_on) "
        "AND NOT (m.risk_class = %(class_iii)s AND m.implantable "
        "AND (coalesce(rec.udi_carrier, '') = '' "
        "OR (coalesce(rec.udi_serial, '') = '' AND coalesce(rec.udi_lot, '') = ''))) "
        f"AND NOT EXISTS (SELECT FROM {table} AS d "
        "WHERE UPPER(d.inventory_number) = UPPER(rec.inventory_number)) "
        "ORDER BY rec.row_id) AS c), "
        f"ins AS (INSERT INTO {table} ({', '.join(qn(f.column) for f in [pk, *columns])}) "
        f"SELECT ok.id, {', '.join(select)} FROM ok RETURNING {returned}), "
        "made AS (SELECT ok.row_id, ok.id::text AS object_id FROM ok), "
        f"marked AS ({mark_sql}), "
        f"changes AS (INSERT INTO {qn(DeviceStatusChange._meta.db_table)} (device_id, "
        "from_status, to_status, effective_on, reason, changed_by_id, recorded_at) "
        "SELECT ins.id, '', ins.status, %(today)s, %(reason)s, %(changed_by)s, %(now)s FROM ins)"
    )
    rows_sql = (
        "SELECT %(object_type)s AS object_type, ins.id::text AS object_id, "  # noqa: S608 (names from the model)
        "ins.inventory_number AS object_repr, NULL::jsonb AS before, "
        f"{_snapshot_sql('ins', columns)} AS after FROM ins"
    )
    changed_by = user_or_none(actor)
    params.update(
        source_params,
        **mark_params,
        table=Device._meta.db_table,
        pk=pk.column,
        units=list(writable.values_list("pk", flat=True)),
        catalogue=list(catalogue),
        scrapped=DeviceStatus.SCRAPPED,
        in_use=DeviceStatus.IN_USE,
        class_iii=RiskClass.III,
        today=today,
        now=now,
        reason=reason,
        changed_by=changed_by.pk if changed_by else None,
        object_type=audit.object_type(Device),
        created=audit.snapshot(Device(created_at=now), ["created_at"])["created_at"],
    )
    return audit.record_query(
        actor=actor,
        action=Action.DEVICE_REGISTER,
        with_sql=with_sql,
        rows_sql=rows_sql,
        params=params,
        reason=reason,
    )


def _insert_columns(
    connection: Any, source: str
) -> tuple[list[Any], list[str], dict[str, Any], dict[str, Any]]:
    """What a new device's ``INSERT … SELECT`` writes: the columns, the expression of each over
    the relation ``source`` (which has ``RECORD_FIELDS``), those fields, and the expressions'
    parameters. A field the record leaves out (or null) gets the default a model instance would
    have; the status date is today and the registration time now (``%(today)s``, ``%(now)s``)."""
    qn = connection.ops.quote_name
    columns = _device_columns()
    given = {f.attname: f for f in columns if f.attname in RECORD_FIELDS}
    computed = {"status_since": "%(today)s", "created_at": "%(now)s"}
    select, params = [], {}
    for f in columns:
        if f.attname in given:
            default = f.get_default()
            if default is None:
                select.append(f"{source}.{qn(f.attname)}")
            else:
                params[f"default_{f.attname}"] = default
                select.append(f"coalesce({source}.{qn(f.attname)}, %(default_{f.attname})s)")
        elif f.attname in computed:
            select.append(computed[f.attname])
        elif f.null:
            select.append("NULL")
        else:  # pragma: no cover - a new required column must be added to RECORD_FIELDS
            raise ImproperlyConfigured(f"registering devices does not fill {f.attname}")
    return columns, select, given, params


def _snapshot_sql(relation: str, columns: Sequence[Any]) -> str:
    """A new device's ``audit.snapshot`` as a ``jsonb`` expression over ``relation`` (a row of
    the device table): every field by its name, dates as ISO text, the registration time as the
    parameter ``%(created)s`` (the same for every row of the statement)."""
    if getattr(Device, "DISPOSABLE_FIELDS", ()):  # pragma: no cover - would need the digests
        raise ImproperlyConfigured("a device's snapshot in SQL does not digest disposable fields")
    pairs = []
    for f in [Device._meta.get_field("id"), *columns]:
        column = f"{relation}.{f.column}"
        if isinstance(f, models.DateTimeField):
            if f.attname != "created_at":  # pragma: no cover - the only one is set to now
                raise ImproperlyConfigured(f"a device's snapshot in SQL does not format {f.name}")
            value = "%(created)s::text"
        else:
            value = _returned(column, f)
        pairs.append(f"'{f.name}', {value}")
    return f"jsonb_build_object({', '.join(pairs)})"


def _device_columns() -> list[Any]:
    return [f for f in Device._meta.concrete_fields if not f.primary_key]


def _insert_devices(
    records: Sequence[Mapping[str, Any]], today: datetime.date
) -> list[dict[str, Any]]:
    """``bulk_create`` the records and return their snapshots (``audit.snapshot``)."""
    fields = {f.attname: f for f in _device_columns()}
    devices = [
        Device(**{k: fields[k].to_python(v) for k, v in r.items()}, status_since=today)
        for r in records
    ]
    Device.objects.bulk_create(devices, batch_size=1000)
    return [audit.snapshot(d) for d in devices]


def _insert_devices_pg(
    connection: Any,
    records: Sequence[Mapping[str, Any]],
    today: datetime.date,
    now: datetime.datetime,
) -> list[dict[str, Any]]:
    """Insert the records with one ``INSERT … SELECT … FROM jsonb_to_recordset`` and return the
    new rows as snapshots: field name → value, JSON-ready as ``audit.snapshot`` gives them."""
    qn = connection.ops.quote_name
    columns, select, given, params = _insert_columns(connection, "x")
    types = ", ".join(f"{qn(a)} {f.db_type(connection)}" for a, f in given.items())
    table = qn(Device._meta.db_table)
    returning = [Device._meta.get_field("id"), *columns]
    sql = (
        f"INSERT INTO {table} ({', '.join(qn(f.column) for f in columns)}) "  # noqa: S608 (names from the model)
        f"SELECT {', '.join(select)} FROM jsonb_to_recordset(%(records)s::jsonb) AS x({types}) "
        f"RETURNING {', '.join(_returned(qn(f.column), f) for f in returning)}"
    )
    document = json.dumps([{k: r.get(k) for k in given} for r in records], default=_json_date)
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "records": document, "today": today, "now": now})
        fetched = cursor.fetchall()
    names = [f.name for f in returning]
    # Every row was inserted with created_at = now; the trail keeps it as audit.snapshot does.
    created = audit.snapshot(Device(created_at=now), ["created_at"])["created_at"]
    rows = [dict(zip(names, values, strict=True)) for values in fetched]
    for row in rows:
        row["created_at"] = created
    return rows


def _insert_first_changes_pg(
    connection: Any,
    rows: Sequence[Mapping[str, Any]],
    *,
    effective_on: datetime.date,
    reason: str,
    changed_by: Any,
    at: datetime.datetime,
) -> None:
    """One ``INSERT … SELECT … FROM unnest`` of the new devices' first status changes."""
    table = DeviceStatusChange._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (device_id, from_status, to_status, effective_on, reason, "  # noqa: S608 (the model's table)
            "changed_by_id, recorded_at) "
            "SELECT x.id, '', x.status, %s, %s, %s, %s "
            "FROM unnest(%s::bigint[], %s::text[]) AS x(id, status)",
            [
                effective_on,
                reason,
                changed_by.pk if changed_by else None,
                at,
                [row["id"] for row in rows],
                [row["status"] for row in rows],
            ],
        )


def _returned(column: str, field: Any) -> str:
    """A column as the insert returns it: dates as the ISO text the audit trail stores (no date
    object built per value only to be turned back into text), the rest as they are."""
    if type(field) is models.DateField:
        return f"to_char({column}, 'YYYY-MM-DD')"
    return column


def _json_date(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# Inspection history (imports) ------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedHistory:
    """A device's inspections as an old register kept them: a plan of ``kind`` every
    ``interval_months``, last done on ``last_done``, and, where the register kept it, that last
    inspection's ``result`` with its measured values (``INSPECTION_FIELDS`` by name)."""

    device_id: int
    kind: str
    interval_months: int
    last_done: datetime.date | None = None
    result: str = ""  # "": the register kept no record of the last inspection
    values: Mapping[str, Any] = field(default_factory=dict)


@transaction.atomic
def inspection_history_import_many(
    *, actor: Any, histories: Sequence[ImportedHistory], note: str
) -> list[InspectionPlan]:
    """Give many devices their inspection history at once: the import path of
    ``inspection_plan_create`` and ``inspection_record``.

    Each history becomes an active plan, due when those services would make it due
    (``first_due`` after its last inspection, or ``due_after`` that inspection's result); a
    history with a result also becomes that inspection's record, on ``last_done``. Nobody
    performed that inspection in medtek, least of all the person importing it, so its
    ``performed_by`` stays empty and ``note`` (which import brought it) is its notes.

    The histories' values are validated by the caller with the register's form fields (the
    importer: ``import_history.parse_history``), as ``devices_register_many``'s records are; a
    kind, interval or result outside them is a programming error. Checked here again, as the
    single services check: the actor may change the register at each device's unit, no device
    is scrapped, no date is in the future, and no device has an active plan of the kind yet (an
    import adds history, it never overwrites it). Each plan and
    each inspection gets one AuditEvent; the devices' ``next_due`` is set in one statement. The
    queries do not grow with the number of histories (the plans and records are inserted in
    batches).
    """
    if not histories:
        return []
    ids = {h.device_id for h in histories}
    # The devices as values, not instances: building ten thousand devices and their units cost
    # more than writing their plans.
    devices = {
        pk: (inv, status, unit_id)
        for pk, inv, status, unit_id in Device.objects.filter(pk__in=ids).values_list(
            "pk", "inventory_number", "status", "unit_id"
        )
    }
    if len(devices) != len(ids):
        raise ValidationError(_("No such device."))
    for unit in Unit.objects.filter(pk__in={u for _i, _s, u in devices.values()}):
        _require_writer(actor, unit)
    taken = set(
        InspectionPlan.objects.filter(device_id__in=ids, active=True).values_list(
            "device_id", "kind"
        )
    )
    today = timezone.localdate()
    plans: list[InspectionPlan] = []
    records: list[tuple[InspectionPlan, Inspection]] = []
    for history in histories:
        device, status, _unit = devices[history.device_id]
        if status == DeviceStatus.SCRAPPED:
            raise ValidationError(
                _("%(inv)s: a scrapped device is not inspected.") % {"inv": device}
            )
        if (history.device_id, history.kind) in taken:
            raise ValidationError(
                _("%(inv)s already has an active plan of this kind.") % {"inv": device}
            )
        taken.add((history.device_id, history.kind))
        if history.last_done and history.last_done > today:
            raise ValidationError(
                {
                    "performed_on": _("%(inv)s: the inspection date is in the future.")
                    % {"inv": device}
                }
            )
        if (
            history.kind not in InspectionKind.values
            or not 1 <= history.interval_months <= 120
            or history.result not in ("", *Inspection.Result.values)
        ):
            raise ValueError(f"{device}: {history} was not validated as the forms validate it")
        if history.result and history.last_done is None:
            raise ValidationError(
                {"performed_on": _("%(inv)s: say when the inspection was done.") % {"inv": device}}
            )
        if history.result:
            assert history.last_done is not None
            due = due_after(history.last_done, history.interval_months, history.result)
        else:
            due = first_due(history.interval_months, history.last_done)
        plan = InspectionPlan(
            device_id=history.device_id,
            kind=history.kind,
            interval_months=history.interval_months,
            last_done=history.last_done,
            next_due=due,
        )
        plans.append(plan)
        if history.result:
            assert history.last_done is not None
            inspection = Inspection(
                device_id=history.device_id,
                kind=history.kind,
                performed_on=history.last_done,
                notes=note,
            )
            apply_changes(
                inspection, {**history.values, "result": history.result}, INSPECTION_FIELDS
            )
            inspection.clean()
            records.append((plan, inspection))
    InspectionPlan.objects.bulk_create(plans, batch_size=1000)
    for plan, inspection in records:
        inspection.plan = plan
    Inspection.objects.bulk_create([i for _p, i in records], batch_size=1000)
    earliest = InspectionPlan.objects.filter(device=OuterRef("pk"), active=True).order_by(
        "next_due"
    )
    Device.objects.filter(pk__in=ids).update(next_due=Subquery(earliest.values("next_due")[:1]))
    # The events name the records as their ``__str__`` does, without a display lookup each.
    kinds = {code: str(label) for code, label in InspectionKind.choices}
    audit.record_rows(
        actor=actor,
        action=Action.INSPECTION_PLAN_CREATE,
        rows=(
            (
                audit.object_type(InspectionPlan),
                str(p.pk),
                f"{devices[p.device_id][0]}: {kinds[p.kind]} / {p.interval_months} mån",
                None,
                audit.snapshot(p),
            )
            for p in plans
        ),
        reason=note,
    )
    audit.record_rows(
        actor=actor,
        action=Action.INSPECTION_RECORD,
        rows=(
            (
                audit.object_type(Inspection),
                str(i.pk),
                f"{devices[i.device_id][0]} {kinds[i.kind]} {i.performed_on}: {i.result}",
                None,
                audit.snapshot(i),
            )
            for _p, i in records
        ),
        reason=note,
    )
    return plans
