"""Mapping profiles: a confirmed way to read one source's files, stored under a name for next
time and shared between regions as a file (ADR 0020).

A profile holds the columns (header → field), the columns left out, and the value mappings
per field. It is append-only: saving under a name that exists stores the next version. A
profile file read in becomes the next version of its name here; value mappings to lookups that
only the other region has (its units) cannot hold here and are left out, and the reader is told
which.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from medtek.core import audit
from medtek.organisation.access import has_role, holds_role_on_region, region_root
from medtek.organisation.roles import Role

from . import mapping, registry
from .actions import Action
from .models import ImportProfile, ImportSession

#: What a profile file says it is, and the version of its layout.
FORMAT = "medtek-import-profile"
FORMAT_VERSION = 1
#: A profile file larger than this is not a profile.
MAX_FILE_BYTES = 1024 * 1024


def profiles_visible_to(user: Any) -> QuerySet[ImportProfile]:
    """The profiles a person may use or read: their own; those of the kinds they may import,
    when they work for the region (a role on its root: the region's engineers share their
    profiles); all of them for auditors and administrators. Staff of a private care provider
    see their own profiles only, since a profile names the region's units."""
    if not getattr(user, "is_authenticated", False):
        return ImportProfile.objects.none()
    if user.is_superuser or has_role(user, {Role.AUDITOR, Role.ADMINISTRATOR}, region_root()):
        return ImportProfile.objects.all()
    own = Q(created_by=user)
    if not holds_role_on_region(user):
        return ImportProfile.objects.filter(own)
    kinds = [
        k for k in registry.kinds() if registry.get(k)(user, update_existing=False).may_import()
    ]
    return ImportProfile.objects.filter(own | Q(kind__in=kinds))


def latest(user: Any, kind: str, name: str) -> ImportProfile | None:
    """The newest version of the profile ``name`` for ``kind`` that the user may use; a name
    may end in ``@N`` for version N."""
    version = None
    if "@" in name:
        base, _at, number = name.rpartition("@")
        if number.isdigit():
            name, version = base, int(number)
    found = profiles_visible_to(user).filter(kind=kind, name__iexact=name.strip())
    if version is not None:
        found = found.filter(version=version)
    return found.order_by("-version").first()


def current_versions(user: Any, kind: str | None = None) -> list[ImportProfile]:
    """The newest version of each profile the user may use (of ``kind``), by name."""
    qs = profiles_visible_to(user)
    if kind:
        qs = qs.filter(kind=kind)
    newest = {
        (p["kind"], p["name"]): p["v"] for p in qs.values("kind", "name").annotate(v=Max("version"))
    }
    return [
        p
        for p in qs.select_related("created_by").order_by("kind", "name")
        if newest.get((p.kind, p.name)) == p.version
    ]


@transaction.atomic
def _store(
    *,
    actor: Any,
    kind: str,
    name: str,
    description: str,
    columns: dict[str, str],
    ignored: list[str],
    values: dict[str, dict[str, str]],
    action: str,
    source: dict[str, Any],
) -> ImportProfile:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the profile a name.")})
    if len(name) > 100:
        raise ValidationError({"name": _("At most 100 characters.")})
    if len(description) > 500:
        raise ValidationError({"description": _("At most 500 characters.")})
    # Versions of one name are numbered in turn; the lock keeps two saves from taking one number.
    existing = ImportProfile.objects.select_for_update().filter(kind=kind, name__iexact=name)
    newest = max(existing, key=lambda p: p.version, default=None)
    last = newest.version if newest else 0
    if newest:  # the name as first written, whatever case this save used
        name = newest.name
    profile = ImportProfile.objects.create(
        kind=kind,
        name=name,
        version=last + 1,
        description=description,
        columns=columns,
        ignored=ignored,
        values=values,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action=action,
        obj=profile,
        after={
            "name": name,
            "version": profile.version,
            "columns": columns,
            "ignored": ignored,
            "values": values,
            **source,
        },
    )
    return profile


def profile_save(
    *, actor: Any, session: ImportSession, name: str, description: str = ""
) -> ImportProfile:
    """Store the session's confirmed mapping as (the next version of) the profile ``name``."""
    if session.created_by_id != getattr(actor, "pk", None):
        raise PermissionDenied
    if session.file_errors:
        raise ValidationError(_("Map every column before saving the mapping as a profile."))
    ignored = set(session.ignored)
    return _store(
        actor=actor,
        kind=session.kind,
        name=name,
        description=description.strip(),
        columns={h: f for h, f in session.mapping.items() if h not in ignored},
        ignored=list(session.ignored),
        values=session.value_map,
        action=Action.IMPORT_PROFILE_SAVE,
        source={"session": session.pk},
    )


def profile_export(profile: ImportProfile) -> bytes:
    """The profile as a file another region can read in (JSON, UTF-8)."""
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": profile.kind,
        "name": profile.name,
        "version": profile.version,
        "description": profile.description,
        "columns": profile.columns,
        "ignored": profile.ignored,
        "values": profile.values,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


@dataclass
class Parsed:
    """A profile file as read: what it maps, and the value mappings left out (with why)."""

    kind: str
    name: str
    description: str
    columns: dict[str, str]
    ignored: list[str]
    values: dict[str, dict[str, str]]
    left_out: list[str] = field(default_factory=list)


def parse(actor: Any, data: bytes) -> Parsed:
    """Read and check a profile file; every problem is named, and nothing is stored."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(_("The file is too large to be an import profile."))
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationError(
            _("The file is not an import profile (a JSON file exported from medtek).")
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValidationError(
            _("The file is not an import profile (a JSON file exported from medtek).")
        )
    if document.get("format_version") != FORMAT_VERSION:
        raise ValidationError(
            _("The profile file has layout version %(v)s; this medtek reads version %(ours)s.")
            % {"v": document.get("format_version"), "ours": FORMAT_VERSION}
        )
    kind = document.get("kind")
    if kind not in registry.kinds():
        raise ValidationError(
            _("Nothing of kind “%(kind)s” can be imported here.") % {"kind": kind}
        )
    importer = registry.get(kind)(actor, update_existing=False)
    if not importer.may_import():
        raise PermissionDenied
    errors: list[str] = []
    columns = document.get("columns")
    ignored = document.get("ignored", [])
    values = document.get("values", {})
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.append(_("The profile has no name."))
    known = {c.name for c in importer.columns}
    if not isinstance(columns, dict) or not all(
        isinstance(h, str) and isinstance(f, str) for h, f in columns.items()
    ):
        errors.append(_("“columns” must map column headers to field names."))
        columns = {}
    for header, target in columns.items():
        if target not in known:
            errors.append(
                _("The column “%(col)s” maps to “%(field)s”, which is not a field of %(kind)s.")
                % {"col": header, "field": target, "kind": kind}
            )
    if not isinstance(ignored, list) or not all(isinstance(h, str) for h in ignored):
        errors.append(_("“ignored” must list column headers."))
        ignored = []
    if not isinstance(values, dict) or not all(
        isinstance(m, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in m.items())
        for m in values.values()
    ):
        errors.append(_("“values” must map, per field, values to values."))
        values = {}
    left_out: list[str] = []
    kept: dict[str, dict[str, str]] = {}
    for target, entries in values.items():
        column = importer.column(target)
        choices = importer.value_choices(target)
        if column is None or choices is None:
            errors.append(
                _("Values are mapped for “%(field)s”, which takes any text.") % {"field": target}
            )
            continue
        allowed = {code for code, _label in choices}
        for source, value in entries.items():
            if value in allowed:
                kept.setdefault(target, {})[mapping.key(source)] = value
            elif column.choices is not None:  # a fixed value of the field: the file is wrong
                errors.append(
                    _("“%(value)s” is not a value of the field “%(field)s”.")
                    % {"value": value, "field": column.display()}
                )
            else:  # a lookup of the other region's (a unit it has): cannot hold here
                left_out.append(f"{column.display()}: “{source}” → “{value}”")
    if errors:
        raise ValidationError(errors)
    description = document.get("description", "")
    return Parsed(
        kind=kind,
        name=str(name).strip(),
        description=description if isinstance(description, str) else "",
        columns=dict(columns),
        ignored=list(ignored),
        values=kept,
        left_out=left_out,
    )


def profile_load(*, actor: Any, data: bytes) -> tuple[ImportProfile, list[str]]:
    """Store a profile file as the next version of its name; returns the profile and the value
    mappings that were left out because what they name does not exist here."""
    parsed = parse(actor, data)
    profile = _store(
        actor=actor,
        kind=parsed.kind,
        name=parsed.name,
        description=parsed.description,
        columns=parsed.columns,
        ignored=parsed.ignored,
        values=parsed.values,
        action=Action.IMPORT_PROFILE_LOAD,
        source={"left_out": parsed.left_out},
    )
    return profile, parsed.left_out


def unsaved(parsed: Parsed) -> ImportProfile:
    """A profile file's mapping as a profile object to apply to one file, not stored (the
    command line's ``--map``)."""
    return ImportProfile(
        kind=parsed.kind,
        name=parsed.name,
        version=0,
        columns=parsed.columns,
        ignored=parsed.ignored,
        values=parsed.values,
    )
