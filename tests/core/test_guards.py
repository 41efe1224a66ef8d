"""The database holds exactly the guards today's models need, the migrations show their SQL, and
core depends on no other app."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from medtek.core import append_only

pytestmark = pytest.mark.django_db

_SPACE = re.compile(r"\s+")


def _normal(sql: str) -> str:
    text = _SPACE.sub(" ", sql.replace("IF NOT EXISTS ", "")).strip().rstrip(";")
    return text.upper()


def _installed_sqlite() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        return {name: _normal(sql) for name, sql in cursor.fetchall()}


def _installed_postgresql() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal"
        )
        return {name: definition for name, definition in cursor.fetchall()}


def test_every_guard_of_todays_models_is_in_the_database():
    guards = append_only.guards(connection.vendor)
    tables = {table for table, _install, _remove in guards}
    assert {"core_auditevent", "devices_devicestatuschange", "example_entry"} <= tables
    if connection.vendor == "sqlite":
        installed = _installed_sqlite()
        for table, install, _remove in guards:
            for statement in install:
                name = re.search(r"TRIGGER (?:IF NOT EXISTS )?(\w+)", statement).group(1)
                assert installed.get(name) == _normal(statement), (
                    f"{name} differs from what today's model of {table} needs: write a migration "
                    f"with the SQL of `medtek guard_sql` for it"
                )
    else:
        installed = _installed_postgresql()
        for table, install, _remove in guards:
            trigger = install[-1]
            name = re.search(r"TRIGGER (\w+)", trigger).group(1)
            arguments = re.search(r"EXECUTE FUNCTION (\w+\([^)]*\))", trigger).group(1)
            assert name in installed, f"{name} is missing for {table}"
            assert arguments.replace(" ", "") in installed[name].replace(" ", ""), name
        with connection.cursor() as cursor:
            for function in ("medtek_reject_change", "medtek_sealed_guard"):
                cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [function])
                [(body,)] = cursor.fetchall()
                expected = (
                    append_only.REJECT_FUNCTION
                    if function == "medtek_reject_change"
                    else append_only.SEALED_FUNCTION
                )
                assert _normal(body) in _normal(expected), function


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor refuses to run in a transaction
@pytest.mark.parametrize(
    ("app", "migration", "needle"),
    [
        ("core", "0002", "core_auditevent"),
        ("devices", "0004", "devices_devicestatuschange"),
        ("example", "0002", "example_entry"),
    ],
)
def test_sqlmigrate_shows_the_trigger_sql(capsys, app, migration, needle):
    call_command("sqlmigrate", app, migration)
    out = capsys.readouterr().out
    assert "CREATE" in out and "TRIGGER" in out and needle in out


def test_core_imports_no_other_app():
    core = Path(settings.BASE_DIR) / "medtek" / "core"
    offenders = []
    for path in core.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.startswith("medtek.") and not name.startswith("medtek.core"):
                    offenders.append(f"{path.relative_to(core)}: {name}")
    assert offenders == []
