"""Database triggers that keep records from silently changing (design.md, "Records that must
never silently change"; ADR 0009).

Three kinds, each on SQLite and PostgreSQL:

- **append-only** tables (the audit trail, a device's status history): the database rejects
  every UPDATE and DELETE;
- **versioned records** (:class:`~medtek.core.records.VersionedRecord`: a registered diary
  document, a sent report, an adopted decision, signed minutes): editable while a draft, and once
  sealed (``sealed_at`` set) the database rejects UPDATE and DELETE — except the one change a
  recorded disposal decision allows: emptying the record's disposable fields while naming the
  decision (``disposal_id``) and the time (``disposed_at``). Rows that belong to a sealed record
  (its file links) are guarded the same way through the parent;
- **kept-forever rows with one set-once column** (a stored file, ``SET_ONCE = "removed_at"``):
  the database rejects every DELETE and every UPDATE but the one that sets that column from NULL
  to a value, leaving every other column as it was.

A check in Python alone would not stop a bug, a raw SQL statement or an administrator's console.

Migrations hold the SQL itself, literally (:class:`RunSQLPerVendor`, shown by ``sqlmigrate``):
the functions below produce that SQL, and the tests check that the triggers in the database are
the ones these functions give for today's models, so a model that gains a column is caught
until its trigger migration is written.

TRUNCATE is not covered by row triggers (it is a table-level privilege on PostgreSQL):
production runs the application under a role without TRUNCATE rights (ADR 0003).
"""

from collections.abc import Sequence
from typing import Any

from django.db import migrations

#: The PostgreSQL function every append-only table's trigger calls.
REJECT_FUNCTION = """CREATE OR REPLACE FUNCTION medtek_reject_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;"""


def _sqlite_sql(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE rejected'); END;""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE rejected'); END;""",
    ]


def _postgresql_sql(table: str) -> list[str]:
    return [
        REJECT_FUNCTION,
        f"""CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION medtek_reject_change();""",
    ]


def protect_sql(vendor: str, table: str) -> list[str]:
    """The statements that make ``table`` append-only on ``vendor``."""
    if vendor == "sqlite":
        return _sqlite_sql(table)
    if vendor == "postgresql":
        return _postgresql_sql(table)
    raise NotImplementedError(f"No append-only triggers for database {vendor!r}")


def unprotect_sql(vendor: str, table: str) -> list[str]:
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update;",
            f"DROP TRIGGER IF EXISTS {table}_no_delete;",
        ]
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};"]
    raise NotImplementedError(f"No append-only triggers for database {vendor!r}")


# Versioned records ------------------------------------------------------------------------------

#: The PostgreSQL function every versioned table's trigger calls; its arguments are the model's
#: label (the kind of record a disposal decision must cover) and the table's disposable columns.
#: Any other column of a sealed row is frozen, whatever columns the table gains later (the row is
#: compared as JSON less the disposable ones).
SEALED_FUNCTION = """CREATE OR REPLACE FUNCTION medtek_sealed_guard() RETURNS trigger AS $$
DECLARE
  label text := TG_ARGV[0];
  disposable text[] := TG_ARGV[1:];
  old_row jsonb := to_jsonb(OLD);
  new_row jsonb;
  col text;
BEGIN
  IF old_row->>'sealed_at' IS NULL THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION USING
      MESSAGE = TG_TABLE_NAME || ' is append-only once sealed: DELETE rejected',
      ERRCODE = 'integrity_constraint_violation';
  END IF;
  new_row := to_jsonb(NEW);
  IF old_row->>'disposal_id' IS NULL AND new_row->>'disposal_id' IS NOT NULL
     AND new_row->>'disposed_at' IS NOT NULL
     AND (old_row - disposable - 'disposal_id' - 'disposed_at')
         = (new_row - disposable - 'disposal_id' - 'disposed_at') THEN
    IF NOT EXISTS (SELECT 1 FROM core_disposaldecision d
                   WHERE d.id = (new_row->>'disposal_id')::bigint
                     AND d.record_types @> jsonb_build_array(label)) THEN
      RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ': no recorded disposal decision covers ' || label,
        ERRCODE = 'integrity_constraint_violation';
    END IF;
    FOREACH col IN ARRAY disposable LOOP
      IF new_row->col IS DISTINCT FROM old_row->col
         AND new_row->col NOT IN ('null'::jsonb, '""'::jsonb) THEN
        RAISE EXCEPTION USING
          MESSAGE = TG_TABLE_NAME || ': a disposal may only empty ' || col,
          ERRCODE = 'integrity_constraint_violation';
      END IF;
    END LOOP;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only once sealed: UPDATE rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;"""


#: The same guard for a versioned table whose sealed rows keep a lifecycle (``STATE_FIELDS``):
#: its second argument is those columns, comma-separated; an UPDATE that leaves every other
#: column as it was is let through.
SEALED_STATE_FUNCTION = """CREATE OR REPLACE FUNCTION medtek_sealed_state_guard()
RETURNS trigger AS $$
DECLARE
  label text := TG_ARGV[0];
  state text[] := string_to_array(TG_ARGV[1], ',');
  disposable text[] := TG_ARGV[2:];
  old_row jsonb := to_jsonb(OLD);
  new_row jsonb;
  col text;
BEGIN
  IF old_row->>'sealed_at' IS NULL THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION USING
      MESSAGE = TG_TABLE_NAME || ' is append-only once sealed: DELETE rejected',
      ERRCODE = 'integrity_constraint_violation';
  END IF;
  new_row := to_jsonb(NEW);
  IF (old_row - state) = (new_row - state) THEN
    RETURN NEW;
  END IF;
  IF old_row->>'disposal_id' IS NULL AND new_row->>'disposal_id' IS NOT NULL
     AND new_row->>'disposed_at' IS NOT NULL
     AND (old_row - disposable - state - 'disposal_id' - 'disposed_at')
         = (new_row - disposable - state - 'disposal_id' - 'disposed_at') THEN
    IF NOT EXISTS (SELECT 1 FROM core_disposaldecision d
                   WHERE d.id = (new_row->>'disposal_id')::bigint
                     AND d.record_types @> jsonb_build_array(label)) THEN
      RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ': no recorded disposal decision covers ' || label,
        ERRCODE = 'integrity_constraint_violation';
    END IF;
    FOREACH col IN ARRAY disposable LOOP
      IF new_row->col IS DISTINCT FROM old_row->col
         AND new_row->col NOT IN ('null'::jsonb, '""'::jsonb) THEN
        RAISE EXCEPTION USING
          MESSAGE = TG_TABLE_NAME || ': a disposal may only empty ' || col,
          ERRCODE = 'integrity_constraint_violation';
      END IF;
    END LOOP;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only once sealed: UPDATE rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;"""


def _same(column: str) -> str:
    return f"NEW.{column} IS OLD.{column}"


def versioned_sql(
    vendor: str,
    table: str,
    label: str,
    columns: Sequence[str],
    disposable: Sequence[str],
    state: Sequence[str] = (),
) -> list[str]:
    """The statements that guard the versioned table ``table`` of the model ``label``.

    ``columns`` are all its columns, ``disposable`` those a disposal may empty (text to ``''``,
    a file or other reference to ``NULL``), and only under a recorded disposal decision that
    covers ``label``. The table must have ``sealed_at``, ``disposal_id`` and ``disposed_at``.

    ``state`` are the columns of a sealed record's lifecycle that go on moving after its facts
    are frozen (a sent report's status, acknowledged and then closed): an UPDATE that changes
    only those is let through; every other column stays as it was sealed.
    """
    if vendor == "postgresql":
        if state:
            arguments = ", ".join(f"'{c}'" for c in (label, ",".join(state), *disposable))
            return [
                SEALED_STATE_FUNCTION,
                f"""CREATE OR REPLACE TRIGGER {table}_sealed BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION medtek_sealed_state_guard({arguments});""",
            ]
        arguments = ", ".join(f"'{c}'" for c in (label, *disposable))
        return [
            SEALED_FUNCTION,
            f"""CREATE OR REPLACE TRIGGER {table}_sealed BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION medtek_sealed_guard({arguments});""",
        ]
    if vendor != "sqlite":
        raise NotImplementedError(f"No versioned-record triggers for database {vendor!r}")
    frozen = [c for c in columns if c not in {*disposable, *state, "disposal_id", "disposed_at"}]
    if state:
        # Only the lifecycle moved: every other column, disposal ones included, as sealed.
        moved = " AND ".join(_same(c) for c in columns if c not in state)
        return [
            f"""CREATE TRIGGER IF NOT EXISTS {table}_sealed_no_delete BEFORE DELETE ON {table}
            WHEN OLD.sealed_at IS NOT NULL
            BEGIN SELECT RAISE(ABORT, '{table} is append-only once sealed: DELETE rejected');
            END;""",
            f"""CREATE TRIGGER IF NOT EXISTS {table}_sealed_no_update BEFORE UPDATE ON {table}
            WHEN OLD.sealed_at IS NOT NULL AND NOT ({_disposal_sql(label, frozen, disposable)})
              AND NOT ({moved})
            BEGIN SELECT RAISE(ABORT, '{table} is append-only once sealed: UPDATE rejected');
            END;""",
        ]
    disposal = _disposal_sql(label, frozen, disposable)
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_sealed_no_delete BEFORE DELETE ON {table}
            WHEN OLD.sealed_at IS NOT NULL
            BEGIN SELECT RAISE(ABORT, '{table} is append-only once sealed: DELETE rejected');
            END;""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_sealed_no_update BEFORE UPDATE ON {table}
            WHEN OLD.sealed_at IS NOT NULL AND NOT ({disposal})
            BEGIN SELECT RAISE(ABORT, '{table} is append-only once sealed: UPDATE rejected');
            END;""",
    ]


def _disposal_sql(label: str, frozen: Sequence[str], disposable: Sequence[str]) -> str:
    """SQLite: the condition of the one UPDATE a disposal may make of a sealed row."""
    emptied = [f"({_same(c)} OR NEW.{c} IS NULL OR NEW.{c} = '')" for c in disposable]
    return " AND ".join(
        [
            "OLD.disposal_id IS NULL",
            "NEW.disposal_id IS NOT NULL",
            "NEW.disposed_at IS NOT NULL",
            "EXISTS (SELECT 1 FROM core_disposaldecision d, json_each(d.record_types) k"  # noqa: S608 (names from the model)
            f" WHERE d.id = NEW.disposal_id AND k.value = '{label}')",
            *(_same(c) for c in frozen),
            *emptied,
        ]
    )


def unversioned_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_sealed ON {table};"]
    return [
        f"DROP TRIGGER IF EXISTS {table}_sealed_no_delete;",
        f"DROP TRIGGER IF EXISTS {table}_sealed_no_update;",
    ]


#: The PostgreSQL function that guards the rows belonging to a sealed record. Arguments: the
#: parent table, the column pointing at it, and the columns a disposal may empty.
SEALED_CHILD_FUNCTION = """CREATE OR REPLACE FUNCTION medtek_sealed_child_guard()
RETURNS trigger AS $$
DECLARE
  parent_table text := TG_ARGV[0];
  parent_column text := TG_ARGV[1];
  disposable text[] := TG_ARGV[2:];
  old_row jsonb;
  new_row jsonb;
  parent_id text;
  sealed boolean;
  disposed boolean;
  col text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    new_row := to_jsonb(NEW);
    parent_id := new_row->>parent_column;
  ELSE
    old_row := to_jsonb(OLD);
    parent_id := old_row->>parent_column;
  END IF;
  EXECUTE format('SELECT sealed_at IS NOT NULL, disposal_id IS NOT NULL FROM %I WHERE id = $1',
                 parent_table) INTO sealed, disposed USING parent_id::bigint;
  IF NOT coalesce(sealed, false) THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND disposed THEN
    new_row := to_jsonb(NEW);
    IF (old_row - disposable) = (new_row - disposable) THEN
      FOREACH col IN ARRAY disposable LOOP
        IF new_row->col IS DISTINCT FROM old_row->col
           AND new_row->col NOT IN ('null'::jsonb, '""'::jsonb) THEN
          RAISE EXCEPTION USING
            MESSAGE = TG_TABLE_NAME || ': a disposal may only empty ' || col,
            ERRCODE = 'integrity_constraint_violation';
        END IF;
      END LOOP;
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' belongs to a sealed record: ' || TG_OP || ' rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;"""


def sealed_child_sql(
    vendor: str,
    table: str,
    columns: Sequence[str],
    parent_table: str,
    parent_column: str,
    disposable: Sequence[str],
) -> list[str]:
    """The statements that freeze ``table``'s rows (INSERT, UPDATE and DELETE) while the row
    of ``parent_table`` they point at (``parent_column``) is sealed; once the parent has been
    disposed of, an UPDATE may empty the ``disposable`` columns and nothing else."""
    if vendor == "postgresql":
        arguments = ", ".join(f"'{a}'" for a in (parent_table, parent_column, *disposable))
        return [
            SEALED_CHILD_FUNCTION,
            f"""CREATE OR REPLACE TRIGGER {table}_sealed_parent
            BEFORE INSERT OR UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION medtek_sealed_child_guard({arguments});""",
        ]
    if vendor != "sqlite":
        raise NotImplementedError(f"No sealed-child triggers for database {vendor!r}")

    def parent(row: str, column: str) -> str:
        return f"(SELECT {column} FROM {parent_table} WHERE id = {row}.{parent_column})"  # noqa: S608 (names from the models)

    frozen = [c for c in columns if c not in disposable]
    emptied = [f"({_same(c)} OR NEW.{c} IS NULL OR NEW.{c} = '')" for c in disposable]
    disposal = " AND ".join(
        [f"{parent('OLD', 'disposal_id')} IS NOT NULL", *(_same(c) for c in frozen), *emptied]
    )
    message = f"{table} belongs to a sealed record"
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_sealed_no_insert BEFORE INSERT ON {table}
            WHEN {parent("NEW", "sealed_at")} IS NOT NULL
            BEGIN SELECT RAISE(ABORT, '{message}: INSERT rejected'); END;""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_sealed_no_delete BEFORE DELETE ON {table}
            WHEN {parent("OLD", "sealed_at")} IS NOT NULL
            BEGIN SELECT RAISE(ABORT, '{message}: DELETE rejected'); END;""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_sealed_no_update BEFORE UPDATE ON {table}
            WHEN {parent("OLD", "sealed_at")} IS NOT NULL AND NOT ({disposal})
            BEGIN SELECT RAISE(ABORT, '{message}: UPDATE rejected'); END;""",
    ]


def unsealed_child_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_sealed_parent ON {table};"]
    return [
        f"DROP TRIGGER IF EXISTS {table}_sealed_no_insert;",
        f"DROP TRIGGER IF EXISTS {table}_sealed_no_delete;",
        f"DROP TRIGGER IF EXISTS {table}_sealed_no_update;",
    ]


# Kept forever, one column set once -------------------------------------------------------------

#: The PostgreSQL function of the tables whose rows are kept forever and never change, but for
#: one column that may be set once (its argument): a stored file's ``removed_at``. Any other
#: column is frozen, whatever columns the table gains later (the row is compared as JSON).
SET_ONCE_FUNCTION = """CREATE OR REPLACE FUNCTION medtek_set_once_guard() RETURNS trigger AS $$
DECLARE
  once text := TG_ARGV[0];
  old_row jsonb := to_jsonb(OLD);
  new_row jsonb;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    new_row := to_jsonb(NEW);
    IF old_row->>once IS NULL AND new_row->>once IS NOT NULL
       AND (old_row - once) = (new_row - once) THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
      MESSAGE = TG_TABLE_NAME || ' is append-only: UPDATE rejected (only ' || once
                || ' may be set, once)',
      ERRCODE = 'integrity_constraint_violation';
  END IF;
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' rejected',
    ERRCODE = 'integrity_constraint_violation';
END; $$ LANGUAGE plpgsql;"""


def set_once_sql(vendor: str, table: str, columns: Sequence[str], once: str) -> list[str]:
    """The statements that keep ``table``'s rows forever and unchanged, except that the column
    ``once`` may go from NULL to a value, once. ``columns`` are all the table's columns."""
    if vendor == "postgresql":
        return [
            SET_ONCE_FUNCTION,
            f"""CREATE OR REPLACE TRIGGER {table}_set_once BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION medtek_set_once_guard('{once}');""",
        ]
    if vendor != "sqlite":
        raise NotImplementedError(f"No set-once triggers for database {vendor!r}")
    allowed = " AND ".join(
        [
            f"OLD.{once} IS NULL",
            f"NEW.{once} IS NOT NULL",
            *(_same(c) for c in columns if c != once),
        ]
    )
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE rejected'); END;""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
            WHEN NOT ({allowed})
            BEGIN SELECT RAISE(ABORT,
              '{table} is append-only: UPDATE rejected (only {once} may be set, once)');
            END;""",
    ]


def unset_once_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_set_once ON {table};"]
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_delete;",
        f"DROP TRIGGER IF EXISTS {table}_no_update;",
    ]


# Migrations and tests ---------------------------------------------------------------------------


class RunSQLPerVendor(migrations.RunSQL):
    """``RunSQL`` with one list of statements per database vendor, all written out literally
    in the migration (``sqlmigrate`` shows the ones for the database in use)."""

    def __init__(
        self,
        *,
        sqlite: Sequence[str],
        postgresql: Sequence[str],
        sqlite_reverse: Sequence[str],
        postgresql_reverse: Sequence[str],
    ) -> None:
        self.per_vendor = {
            "sqlite": (list(sqlite), list(sqlite_reverse)),
            "postgresql": (list(postgresql), list(postgresql_reverse)),
        }
        super().__init__(sql=list(sqlite), reverse_sql=list(sqlite_reverse), elidable=False)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs = {
            "sqlite": self.per_vendor["sqlite"][0],
            "postgresql": self.per_vendor["postgresql"][0],
            "sqlite_reverse": self.per_vendor["sqlite"][1],
            "postgresql_reverse": self.per_vendor["postgresql"][1],
        }
        return (self.__class__.__qualname__, [], kwargs)

    def _statements(self, schema_editor: Any, reverse: bool) -> list[str]:
        vendor = schema_editor.connection.vendor
        if vendor not in self.per_vendor:
            raise NotImplementedError(f"No SQL for database {vendor!r} in this migration")
        return self.per_vendor[vendor][1 if reverse else 0]

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        self._run_sql(schema_editor, self._statements(schema_editor, False))  # type: ignore[attr-defined]

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        self._run_sql(schema_editor, self._statements(schema_editor, True))  # type: ignore[attr-defined]

    def describe(self) -> str:
        return "Raw SQL per database (SQLite, PostgreSQL)"


#: Append-only tables of core and the first apps; a model declares ``APPEND_ONLY = True`` to be
#: one. The test suite lifts their triggers around the flush that ends a transactional test, and
#: puts them back.
PROTECTED_TABLES: list[str] = [
    "core_auditevent",
    "core_disposaldecision",
    "core_disposaltrace",
    "devices_devicestatuschange",
]


def protect(connection: Any, table: str) -> None:
    with connection.cursor() as cursor:
        for statement in protect_sql(connection.vendor, table):
            cursor.execute(statement)


def unprotect(connection: Any, table: str) -> None:
    with connection.cursor() as cursor:
        for statement in unprotect_sql(connection.vendor, table):
            cursor.execute(statement)


# What the database should hold for today's models -----------------------------------------------


def guards(vendor: str) -> list[tuple[str, list[str], list[str]]]:
    """(table, statements that install its guard, statements that remove it) for every guarded
    table of today's models: the append-only tables, every versioned record, every table of
    rows belonging to one, and every model with a set-once column (``SET_ONCE``). The
    migrations hold these statements; the tests compare."""
    from django.apps import apps

    from .records import VersionedRecord

    found = [(t, protect_sql(vendor, t), unprotect_sql(vendor, t)) for t in PROTECTED_TABLES]
    for model in apps.get_models():
        table = model._meta.db_table
        if getattr(model, "APPEND_ONLY", False) and table not in PROTECTED_TABLES:
            found.append((table, protect_sql(vendor, table), unprotect_sql(vendor, table)))
        if issubclass(model, VersionedRecord):
            columns, disposable = _columns(model)
            state: list[str] = [
                model._meta.get_field(n).column  # type: ignore[union-attr,misc]
                for n in model.STATE_FIELDS
            ]
            guard = versioned_sql(
                vendor, table, model._meta.label_lower, columns, disposable, state
            )
            found.append((table, guard, unversioned_sql(vendor, table)))
        once = getattr(model, "SET_ONCE", None)
        if once:
            column = model._meta.get_field(once).column  # type: ignore[union-attr]
            found.append(
                (
                    table,
                    set_once_sql(vendor, table, _columns(model)[0], column),  # type: ignore[arg-type]
                    unset_once_sql(vendor, table),
                )
            )
        parent_name = getattr(model, "SEALED_PARENT", None)
        if parent_name:
            fk = model._meta.get_field(parent_name)
            parent = fk.related_model._meta.db_table  # type: ignore[union-attr]
            columns, disposable = _columns(model)
            found.append(
                (
                    table,
                    sealed_child_sql(vendor, table, columns, parent, fk.column, disposable),  # type: ignore[union-attr,arg-type]
                    unsealed_child_sql(vendor, table),
                )
            )
    return found


def _columns(model: Any) -> tuple[list[str], list[str]]:
    columns = [f.column for f in model._meta.concrete_fields]
    disposable = [model._meta.get_field(n).column for n in getattr(model, "DISPOSABLE_FIELDS", ())]
    return columns, disposable


def lift_all(connection: Any) -> None:
    """Remove every guard (the test suite's flush of a transactional test; never in use)."""
    with connection.cursor() as cursor:
        for _table, _install, remove in guards(connection.vendor):
            for statement in remove:
                cursor.execute(statement)


def restore_all(connection: Any) -> None:
    with connection.cursor() as cursor:
        for _table, install, _remove in guards(connection.vendor):
            for statement in install:
                cursor.execute(statement)
