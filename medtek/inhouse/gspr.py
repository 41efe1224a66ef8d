"""The Annex I reference data (docs/domain/inhouse.md#annex-i-checklist): every numbered section
and lettered point of Annex I of the MDR (EU 2017/745) and the IVDR (EU 2017/746), with short
labels of our own, loaded from the CSV files in ``medtek/inhouse/data`` (columns ``id``,
``chapter``, ``section``, ``title_en``, ``title_sv``, ``parent_id``, ``level``).

:func:`load` is used by the migration that first loads the data and by ``medtek gspr_load`` for
later versions. An update changes labels, adds items and retires those no longer in the data; it
never changes or removes an assessment a file has made (checklist items point at the
requirement, which stays).
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

DATA = Path(__file__).resolve().parent / "data"
FILES = {"MDR": DATA / "gspr-annex-i-mdr.csv", "IVDR": DATA / "gspr-annex-i-ivdr.csv"}
COLUMNS = ("id", "chapter", "section", "title_en", "title_sv", "parent_id", "level")
CHAPTERS = ("I", "II", "III")


@dataclass(frozen=True)
class Loaded:
    added: int
    changed: int
    retired: int
    unchanged: int


def parse(text: str) -> list[dict[str, Any]]:
    """The rows of a reference file, checked: every error names its line and column, and nothing
    is loaded while there is one."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(f"Columns missing: {', '.join(missing)}.")
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    seen: set[str] = set()
    for line, raw in enumerate(reader, start=2):
        row = {k: (raw.get(k) or "").strip() for k in COLUMNS}
        if not row["id"]:
            errors.append(f"Line {line}, id: empty.")
            continue
        if row["id"] in seen:
            errors.append(f"Line {line}, id: {row['id']} appears twice.")
        seen.add(row["id"])
        if row["chapter"] not in CHAPTERS:
            errors.append(f"Line {line}, chapter: {row['chapter']!r} is not I, II or III.")
        for name in ("title_en", "title_sv", "section"):
            if not row[name]:
                errors.append(f"Line {line}, {name}: empty.")
        if not row["level"].isdigit() or int(row["level"]) < 1:
            errors.append(f"Line {line}, level: {row['level']!r} is not a number from 1.")
        if row["parent_id"] and row["parent_id"] not in seen:
            errors.append(
                f"Line {line}, parent_id: {row['parent_id']} does not come before this line."
            )
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    return rows


def load(
    requirement_model: Any, regulation: str, rows: Iterable[dict[str, Any]], data_version: str
) -> Loaded:
    """Bring the requirements of ``regulation`` in line with ``rows`` (from :func:`parse`).

    ``requirement_model`` is the model (a migration passes its historical one)."""
    existing = {r.code: r for r in requirement_model.objects.filter(regulation=regulation)}
    added = changed = unchanged = 0
    codes = set()
    for position, row in enumerate(rows, start=1):
        codes.add(row["id"])
        values = {
            "chapter": row["chapter"],
            "section": row["section"],
            "title_en": row["title_en"],
            "title_sv": row["title_sv"],
            "parent_code": row["parent_id"],
            "level": int(row["level"]),
            "position": position,
            "active": True,
        }
        found = existing.get(row["id"])
        if found is None:
            requirement_model.objects.create(
                regulation=regulation, code=row["id"], data_version=data_version, **values
            )
            added += 1
        elif any(getattr(found, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(found, k, v)
            found.data_version = data_version
            found.save()
            changed += 1
        else:
            unchanged += 1
    retired = (
        requirement_model.objects.filter(regulation=regulation, active=True)
        .exclude(code__in=codes)
        .update(active=False, data_version=data_version)
    )
    return Loaded(added=added, changed=changed, retired=retired, unchanged=unchanged)


def load_shipped(requirement_model: Any, data_version: str) -> dict[str, Loaded]:
    """Load both files shipped with medtek."""
    return {
        regulation: load(
            requirement_model, regulation, parse(path.read_text(encoding="utf-8")), data_version
        )
        for regulation, path in FILES.items()
    }
