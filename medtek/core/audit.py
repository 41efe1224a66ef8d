"""Recording the audit trail.

Service functions call :func:`record` inside their own transaction, with the acting user (or
:data:`~medtek.core.actors.SYSTEM`) given explicitly. The request id and source (web, api, cli,
import, …) come from a context variable that the middleware, the API and the commands set, so a
service needs no request object.

Action names come from one list per app (``<app>/actions.py``, a ``TextChoices`` whose labels say
what happened in the interface's words), registered in the app's ``ready()``: :func:`record`
refuses a name no app declared, so the trail holds no free strings that nobody can label.
"""

import contextlib
import datetime
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise

from .actors import check_actor, is_system
from .models import AuditEvent


@dataclass(frozen=True)
class AuditContext:
    request_id: str = ""
    source: str = ""
    batch: str = ""
    #: The ``X-Request-ID`` a client sent: kept for tracing, never trusted as our request id.
    client_request_id: str = ""


_EMPTY = AuditContext()
_context: ContextVar[AuditContext] = ContextVar("audit_context")


def current_context() -> AuditContext:
    return _context.get(_EMPTY)


@contextlib.contextmanager
def audit_context(**changes: str) -> Iterator[AuditContext]:
    """Run a block with a request id, source or batch set for every event it records."""
    ctx = replace(_context.get(_EMPTY), **changes)
    if not ctx.request_id:
        ctx = replace(ctx, request_id=uuid.uuid4().hex)
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


# Action names ------------------------------------------------------------------------------------

_actions: dict[str, str | Promise] = {}


def register_actions(*choices: type[models.TextChoices]) -> None:
    """Declare an app's action names (``AppConfig.ready``). A name declared twice with another
    label is a programming error."""
    for enum in choices:
        for value, label in enum.choices:
            known = _actions.get(value)
            if known is not None and str(known) != str(label):
                raise ValueError(f"Audit action {value!r} is declared twice with other labels")
            _actions[value] = label


def action_label(action: str) -> str:
    """What the action is called in the interface (the name itself if no app declares it, as
    for events written before the lists existed)."""
    label = _actions.get(action)
    return str(label) if label is not None else action


def known_actions() -> dict[str, str | Promise]:
    return dict(_actions)


def _check_action(action: str) -> str:
    if action not in _actions:
        raise ValueError(
            f"Unknown audit action {action!r}: declare it in the app's actions.py and register "
            "it in the app's ready()"
        )
    return str(action)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def digest(value: Any) -> dict[str, str]:
    """What the trail keeps of a value that may be disposed of later: its SHA-256, not the value
    (the append-only trail must not keep what a disposal decision removes from the record)."""
    text = json.dumps(_jsonable(value), ensure_ascii=False, sort_keys=True)
    return {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The object's concrete field values as JSON-ready data (foreign keys by id).

    Secrets (``password``) are never copied into the trail. Fields a model declares as
    ``DISPOSABLE_FIELDS`` (content a disposal decision may remove, core.records) are kept as
    their :func:`digest` when they hold a value.
    """
    disposable = frozenset(getattr(type(obj), "DISPOSABLE_FIELDS", ()))
    out: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name == "password":
            continue
        value = getattr(obj, field.attname)
        if field.name in disposable and value not in (None, ""):
            out[field.name] = digest(value)
        else:
            out[field.name] = _jsonable(value)
    return out


def object_type(obj: models.Model | type[models.Model]) -> str:
    return obj._meta.label_lower


def actor_display(actor: Any) -> str:
    if actor is None or is_system(actor):
        return "system"
    full = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return f"{full} ({actor.get_username()})" if full else actor.get_username()


def actor_title(actor: Any) -> str:
    """The actor's title (befattning) as it is now, copied into each event like the name."""
    if actor is None or is_system(actor):
        return ""
    return str(getattr(actor, "title", "") or "")[:200]


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Write one audit event for a change to ``obj``; must run inside the change's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "audit.record() must run inside the transaction of the change it records"
        )
    check_actor(actor)
    ctx = _context.get(_EMPTY)
    return AuditEvent.objects.create(
        actor=None if is_system(actor) else actor,
        actor_name=actor_display(actor),
        actor_title=actor_title(actor),
        action=_check_action(action),
        object_type=object_type(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        request_id=ctx.request_id,
        client_request_id=ctx.client_request_id,
        source=ctx.source,
        batch=ctx.batch,
        reason=reason,
    )


def history_for(obj: models.Model) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type=object_type(obj), object_id=str(obj.pk))


def record_many(
    *,
    actor: Any,
    action: str,
    items: Iterable[tuple[models.Model, dict[str, Any] | None, dict[str, Any] | None]],
    reason: str = "",
) -> int:
    """Write one audit event per (object, before, after) at once; for bulk services (imports).
    Must run inside the transaction of the changes it records."""
    return record_rows(
        actor=actor,
        action=action,
        rows=(
            (object_type(obj), str(obj.pk), str(obj), before, after) for obj, before, after in items
        ),
        reason=reason,
    )


#: Events written per statement by :func:`record_rows`.
ROWS_PER_STATEMENT = 2000


def record_rows(
    *,
    actor: Any,
    action: str,
    rows: Iterable[tuple[str, str, str, dict[str, Any] | None, dict[str, Any] | None]],
    reason: str = "",
) -> int:
    """Write one audit event per (object type, object id, object text, before, after).

    The bulk form of :func:`record` for services that change many records in one statement and
    have their values but no model instances. On PostgreSQL the events of a batch are sent as one
    JSON document that the database unpacks (``jsonb_to_recordset``): building and quoting every
    field of every event through the ORM cost an import more than writing the records themselves.
    Elsewhere they are written with ``bulk_create``. The stored events are the same either way.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_rows() must run inside the transaction of the changes")
    check_actor(actor)
    action = _check_action(action)
    ctx = _context.get(_EMPTY)
    actor_id = None if is_system(actor) else actor.pk
    name = actor_display(actor)
    title = actor_title(actor)
    written = 0
    batch: list[tuple[str, str, str, Any, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == ROWS_PER_STATEMENT:
            written += _insert_events(actor_id, name, title, action, reason, ctx, batch)
            batch = []
    if batch:
        written += _insert_events(actor_id, name, title, action, reason, ctx, batch)
    return written


#: The columns a query given to :func:`record_query` must have.
QUERY_COLUMNS = ("object_type", "object_id", "object_repr", "before", "after")


def record_query(
    *,
    actor: Any,
    action: str,
    with_sql: str,
    rows_sql: str,
    params: dict[str, Any],
    reason: str = "",
) -> int:
    """Write one audit event per row of an SQL query, in the same statement (PostgreSQL only).

    The form of :func:`record_rows` for services that change many records with one statement
    and never hold their values in Python: ``with_sql`` is a ``WITH`` clause whose
    data-modifying parts make the changes (``INSERT … RETURNING``), and ``rows_sql`` a
    ``SELECT`` over it with the columns :data:`QUERY_COLUMNS` (``before`` and ``after`` as
    ``jsonb``, as :func:`snapshot` gives them). The changes and their events are thus one
    statement, which either writes both or neither. ``params`` are the query's named
    parameters; the event's own start with ``audit_``. Returns how many events were written.
    """
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        raise RuntimeError("audit.record_query() writes through PostgreSQL's data-modifying WITH")
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record_query() must run inside the transaction of the changes")
    clash = [name for name in params if name.startswith("audit_")]
    if clash:
        raise ValueError(f"Parameter names starting with audit_ are the event's own: {clash}")
    check_actor(actor)
    ctx = _context.get(_EMPTY)
    table = AuditEvent._meta.db_table
    sql = (
        f"{with_sql} INSERT INTO {table} (at, actor_id, actor_name, actor_title, action, "  # noqa: S608 (the model's table; the caller's SQL)
        "object_type, object_id, object_repr, before, after, request_id, client_request_id, "
        "reason, source, batch) "
        "SELECT %(audit_at)s, %(audit_actor_id)s, %(audit_name)s, %(audit_title)s, "
        "%(audit_action)s, q.object_type, q.object_id, left(q.object_repr, 300), q.before, "
        "q.after, %(audit_request_id)s, %(audit_client_request_id)s, %(audit_reason)s, "
        f"%(audit_source)s, %(audit_batch)s FROM ({rows_sql}) AS q"
    )
    event = {
        "audit_at": timezone.now(),
        "audit_actor_id": None if is_system(actor) else actor.pk,
        "audit_name": actor_display(actor),
        "audit_title": actor_title(actor),
        "audit_action": _check_action(action),
        "audit_request_id": ctx.request_id,
        "audit_client_request_id": ctx.client_request_id,
        "audit_reason": reason,
        "audit_source": ctx.source,
        "audit_batch": ctx.batch,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, **event})
        return int(cursor.rowcount)


def _json_default(value: Any) -> Any:
    """What :func:`_jsonable` makes of values that JSON has no type for."""
    if isinstance(value, set | frozenset):
        return list(value)
    return _jsonable(value)


def _insert_events(
    actor_id: Any,
    name: str,
    title: str,
    action: str,
    reason: str,
    ctx: AuditContext,
    rows: list[tuple[str, str, str, Any, Any]],
) -> int:
    connection = transaction.get_connection()
    now = timezone.now()
    if connection.vendor != "postgresql":
        AuditEvent.objects.bulk_create(
            AuditEvent(
                at=now,
                actor_id=actor_id,
                actor_name=name,
                actor_title=title,
                action=action,
                object_type=otype,
                object_id=oid,
                object_repr=text[:300],
                before=_jsonable(before) if before is not None else None,
                after=_jsonable(after) if after is not None else None,
                request_id=ctx.request_id,
                client_request_id=ctx.client_request_id,
                source=ctx.source,
                batch=ctx.batch,
                reason=reason,
            )
            for otype, oid, text, before, after in rows
        )
        return len(rows)
    document = json.dumps(
        [
            {"t": otype, "i": oid, "r": text[:300], "b": before, "a": after}
            for otype, oid, text, before, after in rows
        ],
        default=_json_default,
    )
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (at, actor_id, actor_name, actor_title, action, object_type, "  # noqa: S608 (the model's table)
            "object_id, object_repr, before, after, request_id, client_request_id, reason, "
            "source, batch) "
            "SELECT %s, %s, %s, %s, %s, x.t, x.i, x.r, x.b, x.a, %s, %s, %s, %s, %s "
            "FROM jsonb_to_recordset(%s::jsonb) AS x(t text, i text, r text, b jsonb, a jsonb)",
            [
                now,
                actor_id,
                name,
                title,
                action,
                ctx.request_id,
                ctx.client_request_id,
                reason,
                ctx.source,
                ctx.batch,
                document,
            ],
        )
    return len(rows)
