"""Print the migration operation that guards a table: ``medtek guard_sql app_label.Model``.

For a new append-only table, versioned record or rows belonging to one: paste the printed
operation into a migration of the app (``makemigrations --empty -n <model>_sealed``), so that the
SQL stands in the migration itself and ``sqlmigrate`` shows it.
"""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser

from medtek.core import append_only


class Command(BaseCommand):
    help = "Print the RunSQLPerVendor operation that installs a table's append-only guard."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("model", help="app_label.Model")

    def handle(self, *args: Any, model: str, **options: Any) -> None:
        try:
            table = apps.get_model(model)._meta.db_table
        except (LookupError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        per_vendor = {}
        for vendor in ("sqlite", "postgresql"):
            found = [g for g in append_only.guards(vendor) if g[0] == table]
            if not found:
                raise CommandError(f"{model} is not guarded (not append-only, versioned or sealed)")
            per_vendor[vendor] = found[0]
        kwargs = {
            "sqlite": per_vendor["sqlite"][1],
            "postgresql": per_vendor["postgresql"][1],
            "sqlite_reverse": per_vendor["sqlite"][2],
            "postgresql_reverse": per_vendor["postgresql"][2],
        }
        self.stdout.write(operation_source(kwargs))


def _statement(sql: str) -> str:
    return '"""' + sql.replace("\\", "\\\\") + '"""' if "\n" in sql else repr(sql)


def operation_source(kwargs: dict[str, list[str]]) -> str:
    """The operation as Python source, each statement as it would be typed (multi-line SQL in
    triple quotes)."""
    lines = ["RunSQLPerVendor("]
    for name, statements in kwargs.items():
        lines.append(f"    {name}=[")
        lines.extend(f"        {_statement(sql)}," for sql in statements)
        lines.append("    ],")
    lines.append(")")
    return "\n".join(lines) + "\n"
