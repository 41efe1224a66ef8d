"""``medtek gspr_load [--regulation MDR|IVDR FILE] --data-version V``: bring the Annex I reference
data up to date (docs/domain/inhouse.md#annex-i-checklist). Without a file, the files shipped
with medtek are loaded. Assessments already made are never changed."""

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from medtek.core import audit
from medtek.core.actors import SYSTEM
from medtek.inhouse import gspr
from medtek.inhouse.actions import Action
from medtek.inhouse.models import Requirement


class Command(BaseCommand):
    help = "Load or update the Annex I (GSPR) reference data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--regulation", choices=["MDR", "IVDR"])
        parser.add_argument("file", nargs="?", help="a CSV file in the shipped files' format")
        parser.add_argument("--data-version", required=True, help="e.g. 2026-12 corrigendum")

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options.get("file") or ""
        regulation: str = options.get("regulation") or ""
        if bool(path) != bool(regulation):
            raise CommandError("Give both --regulation and a file, or neither.")
        try:
            with transaction.atomic():
                if path:
                    rows = gspr.parse(Path(path).read_text(encoding="utf-8"))
                    result = {
                        regulation: gspr.load(
                            Requirement, regulation, rows, options["data_version"]
                        )
                    }
                else:
                    result = gspr.load_shipped(Requirement, options["data_version"])
                first = Requirement.objects.order_by("pk").first()
                if first is not None:
                    audit.record(
                        actor=SYSTEM,
                        action=Action.REQUIREMENTS_LOAD,
                        obj=first,
                        after={k: vars(v) for k, v in result.items()},
                        reason=f"Annex I data {options['data_version']}",
                    )
        except ValidationError as e:
            raise CommandError("\n".join(e.messages)) from None
        except OSError as e:
            raise CommandError(str(e)) from None
        for reg, loaded in result.items():
            self.stdout.write(
                f"{reg}: {loaded.added} added, {loaded.changed} changed, "
                f"{loaded.retired} retired, {loaded.unchanged} unchanged"
            )
