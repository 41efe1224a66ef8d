"""The file store: every uploaded or generated file, kept once (design.md, Shared machinery;
ADR 0010).

- :func:`store` keeps a content once, named by its SHA-256, its type found from the bytes
  (:func:`medtek.core.filetypes.sniff`, never the file's name), within the limits the settings give
  (``FILE_UPLOAD_MAX_BYTES``, ``FILE_UPLOAD_TYPES``). The same bytes stored twice are the same
  :class:`~medtek.core.models.StoredFile`, and nothing is written twice.
- :func:`open_file` and :func:`read_verified` give the content back; ``read_verified`` checks it
  against its SHA-256, so a changed or damaged file is detected and never served.
- :func:`release` is disposal's part (core.records.record_dispose): it removes the content of
  files no record points at any more.

The content goes through Django's storage API, to the storage named ``medtek_files`` in
``STORAGES`` (a directory by default; any storage class, S3-compatible object storage among
them, by setting). A content's name is its SHA-256, so a name never holds other bytes: nothing is
ever overwritten, and a new version of a document is a new file.
"""

import hashlib
import logging
import re
import tempfile
from collections.abc import Iterable, Iterator
from functools import partial
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import IntegrityError, models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import audit
from .actions import Action
from .actors import check_actor, user_or_none
from .filetypes import CHUNK, CONTROL, CSV, KINDS, TEXT, Kind, essence, sniff
from .models import StoredFile

logger = logging.getLogger(__name__)

#: The storage alias in ``settings.STORAGES``.
STORAGE_ALIAS = "medtek_files"
#: An incoming file is held in memory up to this size, and in a temporary file beyond it.
SPOOL_IN_MEMORY = 1024 * 1024


class FileRemoved(Exception):
    """The file's content was removed by a disposal decision; only its description is left."""


class FileCorrupted(Exception):
    """The stored content is missing or does not match its SHA-256 (changed or damaged)."""


# Limits ----------------------------------------------------------------------------------------


def accepted_types() -> list[str]:
    """The types the settings accept (``FILE_UPLOAD_TYPES``), each one the sniffer can give."""
    types = [essence(t) for t in settings.FILE_UPLOAD_TYPES]
    unknown = sorted(set(types) - set(KINDS))
    if unknown:
        raise ImproperlyConfigured(
            f"FILE_UPLOAD_TYPES names types the file store cannot recognise: {', '.join(unknown)}"
            f" (it knows {', '.join(KINDS)})"
        )
    return types


def check_configuration() -> None:
    """Fail at start-up on a file store the settings cannot give (CoreConfig.ready)."""
    accepted_types()
    configured: Any = settings.STORAGES.get(STORAGE_ALIAS) or {}
    backend = str(configured.get("BACKEND", ""))
    try:
        import_string(backend)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"The file store's storage class {backend!r} (FILE_STORAGE_BACKEND) cannot be "
            f"imported: {exc}. For S3, install django-storages[s3] (see .env.example)."
        ) from exc


def _display(name: str) -> str:
    return f"“{name}”" if name else _("The file")


def _too_large(name: str, size: int | None, limit: int) -> ValidationError:
    if size is None:
        message = _("%(name)s is larger than %(limit)s, the most a file may be.")
    else:
        message = _("%(name)s is %(size)s; a file may be at most %(limit)s.")
    return ValidationError(
        message
        % {
            "name": _display(name),
            "size": filesizeformat(size) if size is not None else "",
            "limit": filesizeformat(limit),
        },
        code="file_too_large",
    )


def _refused_type(name: str, content_type: str, accepted: list[str]) -> ValidationError:
    found = KINDS[essence(content_type)]
    accepted_labels = ", ".join(str(KINDS[t].label) for t in accepted) or "—"
    promised = _promised_kind(name)
    if promised is not None and promised.content_type not in _same_family(found.content_type):
        message = _(
            "%(name)s is named like %(promised)s, but its content is %(found)s. The content "
            "decides what a file is, not its name. Accepted: %(accepted)s."
        )
    else:
        message = _("%(name)s is %(found)s, which cannot be stored here. Accepted: %(accepted)s.")
    return ValidationError(
        message
        % {
            "name": _display(name),
            "promised": promised.description if promised else "",
            "found": found.description,
            "accepted": accepted_labels,
        },
        code="file_type",
    )


def _promised_kind(name: str) -> Kind | None:
    dot = name.rfind(".")
    if dot <= 0:
        return None
    extension = name[dot:].lower()
    return next((k for k in KINDS.values() if extension in k.extensions), None)


def _same_family(content_type: str) -> set[str]:
    # A text file named .csv (one column) or a CSV named .txt is what its name says.
    return {TEXT, CSV} if content_type in (TEXT, CSV) else {content_type}


def _clean_name(name: str) -> str:
    """The name as metadata: without a client's folders or control characters, 255 at most."""
    base = re.split(r"[\\/]", name)[-1]
    return CONTROL.sub("", base).strip()[:255]


# Storing ---------------------------------------------------------------------------------------


def storage() -> Storage:
    """The storage the files go to (``STORAGES["medtek_files"]``)."""
    return storages[STORAGE_ALIAS]


def store(*, actor: Any, content: bytes | IO[bytes], name: str) -> StoredFile:
    """Keep ``content`` (bytes or a binary file, e.g. an uploaded file) and return its row.

    Refused with a ``ValidationError`` that says why (empty, too large, a type the settings do
    not accept, found from the content) before anything is kept. The same bytes stored before
    give the row they have (with the name they were first stored with), and no event; new
    content is written to the storage and recorded (``file.store``).

    Must run inside the transaction of the change that uses the file, like ``audit.record``: a
    file and the record that points at it are kept together. If that transaction is rolled
    back, no row remains but the written content may: an orphan that nothing points at, never
    served (only rows are), checked against its digest and adopted or replaced when the same
    content is stored again.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("files.store() must run inside the transaction of the change")
    check_actor(actor)
    name = _clean_name(name)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (closed below)
    try:
        sha256, size = _receive(content, spool, name)
        content_type = sniff(spool)
        accepted = accepted_types()
        if essence(content_type) not in accepted:
            raise _refused_type(name, content_type, accepted)
        return _keep(actor, spool, sha256, size, content_type, name)
    finally:
        spool.close()


def _receive(content: bytes | IO[bytes], spool: IO[bytes], name: str) -> tuple[str, int]:
    """Copy ``content`` to ``spool``, hashing as it goes, within the size limit."""
    limit = settings.FILE_UPLOAD_MAX_BYTES
    known = (
        len(content) if isinstance(content, bytes | bytearray) else getattr(content, "size", None)
    )
    if isinstance(known, int) and known > limit:
        raise _too_large(name, known, limit)
    digest = hashlib.sha256()
    size = 0
    for chunk in _chunks(content):
        size += len(chunk)
        if size > limit:
            raise _too_large(name, known if isinstance(known, int) else None, limit)
        digest.update(chunk)
        spool.write(chunk)
    if size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": _display(name)}, code="file_empty")
    return digest.hexdigest(), size


def _chunks(content: bytes | IO[bytes]) -> Iterator[bytes]:
    if isinstance(content, bytes | bytearray):
        for start in range(0, len(content), CHUNK):
            yield bytes(content[start : start + CHUNK])
        return
    seekable = getattr(content, "seekable", None)
    if seekable is not None and seekable():
        content.seek(0)  # a form may have read it already
    yield from iter(partial(content.read, CHUNK), b"")


def _keep(
    actor: Any, spool: IO[bytes], sha256: str, size: int, content_type: str, name: str
) -> StoredFile:
    with transaction.atomic():
        # Every row of this content, the removed ones too: a disposal's deletion of the same
        # bytes (_delete_blob) waits for this transaction, and this one for it.
        rows = list(StoredFile.objects.select_for_update().filter(sha256=sha256).order_by("pk"))
        live = next((r for r in rows if r.removed_at is None), None)
        if live is not None:
            _ensure_blob(live, spool)
            return live
        try:
            with transaction.atomic():
                row = StoredFile.objects.create(
                    sha256=sha256,
                    size=size,
                    content_type=content_type,
                    original_name=name,
                    stored_by=user_or_none(actor),
                )
        except IntegrityError:
            # The same bytes stored at the same moment by someone else, who came first.
            row = StoredFile.objects.select_for_update().get(sha256=sha256, removed_at=None)
            _ensure_blob(row, spool)
            return row
        _write_blob(row, spool)
        audit.record(actor=actor, action=Action.FILE_STORE, obj=row, after=audit.snapshot(row))
        return row


def _ensure_blob(row: StoredFile, spool: IO[bytes]) -> None:
    """A row whose content has gone missing from the storage gets it back from these bytes
    (the same, by their digest)."""
    if not storage().exists(row.blob_name):
        logger.warning("Stored file %s was missing from the storage; written again", row.sha256)
        _write_blob(row, spool)


def _write_blob(row: StoredFile, spool: IO[bytes]) -> None:
    """Write the content under its name, unless the same bytes are there already.

    Bytes under the name without a row (an orphan of a rolled-back store) are checked: the
    same bytes are kept, anything else is replaced, since the name can only hold this content.
    """
    target = storage()
    name = row.blob_name
    if target.exists(name):
        if _matches(target, name, row.sha256):
            return
        logger.warning("Stored file %s: replacing bytes that did not match their name", name)
        target.delete(name)
    spool.seek(0)
    saved = target.save(name, File(spool, name=name))
    if saved != name:
        # Someone wrote the name between our look and our write: theirs must be these bytes.
        target.delete(saved)
        if not _matches(target, name, row.sha256):
            raise FileCorrupted(f"Stored file {name}: the storage holds other bytes under its name")


def _matches(target: Storage, name: str, sha256: str) -> bool:
    digest = hashlib.sha256()
    with target.open(name, "rb") as blob:
        for chunk in iter(partial(blob.read, CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest() == sha256


# Reading ---------------------------------------------------------------------------------------


def open_file(stored: StoredFile) -> File:
    """The stored content as an open binary file (close it after use). Not checked against its
    digest: for that, or to serve it to a person, use :func:`read_verified`."""
    if stored.removed_at is not None:
        raise FileRemoved(
            _("The content of “%(name)s” was removed by a disposal decision on %(date)s.")
            % {"name": stored, "date": timezone.localtime(stored.removed_at).date().isoformat()}
        )
    try:
        return storage().open(stored.blob_name, "rb")
    except FileNotFoundError:
        logger.error("Stored file %s is missing from the storage", stored.sha256)
        raise FileCorrupted(
            _("The content of “%(name)s” is missing from the file store.") % {"name": stored}
        ) from None


def read_verified(stored: StoredFile) -> bytes:
    """The stored content, checked against its SHA-256 and size: ``FileCorrupted`` if it was
    changed or damaged, ``FileRemoved`` if a disposal removed it."""
    digest = hashlib.sha256()
    parts: list[bytes] = []
    with open_file(stored) as blob:
        for chunk in iter(partial(blob.read, CHUNK), b""):
            digest.update(chunk)
            parts.append(chunk)
    data = b"".join(parts)
    if digest.hexdigest() != stored.sha256 or len(data) != stored.size:
        logger.error("Stored file %s does not match its SHA-256", stored.sha256)
        raise FileCorrupted(
            _(
                "The content of “%(name)s” does not match what was stored: it has been changed or "
                "damaged, and is not given out."
            )
            % {"name": stored}
        )
    return data


# Disposal --------------------------------------------------------------------------------------


def describe(stored: StoredFile) -> dict[str, Any]:
    """What a disposal trace keeps of a removed file (never its name, which may say too much)."""
    return {"sha256": stored.sha256, "size": stored.size, "content_type": stored.content_type}


def _references() -> list[tuple[type[models.Model], str]]:
    """Every (model, field) pointing at StoredFile, from any app. Reverse relations declared
    with ``related_name="+"`` count too: ``_meta.related_objects`` leaves those out, and a
    file that such a field still points at must stay."""
    found = []
    for relation in StoredFile._meta.get_fields(include_hidden=True):
        if relation.is_relation and relation.auto_created and not relation.concrete:
            found.append((relation.related_model, relation.field.name))  # type: ignore[union-attr]
    return found  # type: ignore[return-value]


def in_use(stored: StoredFile) -> bool:
    """Does any row, of any model, still point at ``stored``?"""
    return any(
        model._base_manager.filter(**{field: stored}).exists() for model, field in _references()
    )


def release(file_ids: Iterable[Any]) -> list[dict[str, Any]]:
    """Remove the content of each of ``file_ids`` that no row points at any more, and return
    their descriptions (:func:`describe`). A file still in use elsewhere stays.

    For disposal (core.records.record_dispose), inside its transaction, after the disposed
    record's references are emptied. Each row gets ``removed_at``; the content leaves the
    storage once the transaction has committed (a rolled-back disposal removes nothing).
    """
    ids = sorted(set(file_ids))
    if not ids:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("files.release() must run inside the disposal's transaction")
    now = timezone.now()
    removed = []
    rows = StoredFile.objects.select_for_update().filter(pk__in=ids, removed_at=None)
    for row in rows.order_by("pk"):
        if in_use(row):
            continue
        row.removed_at = now
        row.save(update_fields=["removed_at"])
        transaction.on_commit(partial(_delete_blob, row.pk))
        removed.append(describe(row))
    return removed


def _delete_blob(pk: int) -> None:
    try:
        with transaction.atomic():
            row = StoredFile.objects.select_for_update().get(pk=pk)
            if StoredFile.objects.filter(sha256=row.sha256, removed_at=None).exists():
                return  # the same bytes were stored again since: the content is theirs
            storage().delete(row.blob_name)
    except Exception:
        # The disposal stands (its trace is written); the content must still go. Logged for
        # the operator, who removes it by hand: its name is the SHA-256 in the trace.
        logger.exception("Disposed file %s could not be removed from the storage", pk)
