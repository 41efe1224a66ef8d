"""The file store: each content kept once under its SHA-256, refused in words a person
understands, never overwritten, checked when read, and removed only by disposal when no record
points at it any more. On SQLite and PostgreSQL; blobs in a directory of the test's own.
"""

import datetime
import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import InMemoryStorage, storages
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from medtek.core import append_only
from medtek.core.actors import SYSTEM
from medtek.core.files import (
    FileCorrupted,
    FileRemoved,
    open_file,
    read_verified,
    release,
    store,
)
from medtek.core.models import AuditEvent, StoredFile
from medtek.core.records import disposal_decision_record, record_dispose
from tests.core import filebuilders as build
from tests.example.models import Entry
from tests.example.services import entry_correct, entry_create, entry_register
from tests.test_settings import assert_refused, production, start

pytestmark = pytest.mark.django_db

PDF_TEXT = "Protokoll från medicintekniska rådet"


@pytest.fixture(autouse=True)
def root(settings: Any, tmp_path: Path) -> Path:
    """The test's own file store: a directory that starts empty."""
    location = tmp_path / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "medtek_files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


def blobs(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def stored_events() -> int:
    return AuditEvent.objects.filter(action="file.store").count()


def keep(content: Any, name: str = "protokoll.pdf", actor: Any = SYSTEM) -> StoredFile:
    with transaction.atomic():
        return store(actor=actor, content=content, name=name)


# Storing once ----------------------------------------------------------------------------------


def test_it_stores_a_file_under_its_sha256(root: Path, org: Any) -> None:
    content = build.pdf(PDF_TEXT)

    stored = keep(content, "Protokoll 2026-03.pdf", actor=org.owner)

    digest = hashlib.sha256(content).hexdigest()
    assert (stored.sha256, stored.size) == (digest, len(content))
    assert stored.content_type == "application/pdf"
    assert stored.original_name == "Protokoll 2026-03.pdf"
    assert stored.stored_by == org.owner
    assert stored.removed_at is None
    assert blobs(root) == [root / digest[:2] / digest[2:4] / digest]
    assert blobs(root)[0].read_bytes() == content
    event = AuditEvent.objects.get(action="file.store")
    assert (event.object_type, event.object_id) == ("core.storedfile", str(stored.pk))
    assert event.after["sha256"] == digest and event.after["size"] == len(content)


def test_it_keeps_the_same_bytes_once(root: Path) -> None:
    content = build.pdf(PDF_TEXT)

    first = keep(content)
    again = keep(content)

    assert again.pk == first.pk
    assert StoredFile.objects.count() == 1
    assert len(blobs(root)) == 1
    assert stored_events() == 1


def test_it_gives_the_same_file_for_the_same_content_under_another_name(root: Path) -> None:
    content = build.docx()

    first = keep(content, "Yttrande.docx")
    second = keep(content, "yttrande (kopia).docx")

    assert second.pk == first.pk
    assert second.original_name == "Yttrande.docx"  # the name it was first stored with
    assert len(blobs(root)) == 1
    assert stored_events() == 1


def test_it_keeps_the_name_without_the_senders_folders() -> None:
    stored = keep(build.pdf(), "C:\\Users\\asa\\Skrivbord\\protokoll.pdf")

    assert stored.original_name == "protokoll.pdf"


def test_it_records_the_system_as_storing_a_generated_document() -> None:
    stored = keep(build.pdf(), "utdrag.pdf", actor=SYSTEM)

    assert stored.stored_by is None
    assert AuditEvent.objects.get(action="file.store").actor_name == "system"


def test_it_streams_an_uploaded_file(root: Path) -> None:
    # Larger than what is held in memory: it goes through a temporary file, in chunks.
    content = ("Enhet;Antal\n" + "Kärlkirurgi;3\n" * 250_000).encode("cp1252")
    upload = TemporaryUploadedFile("export.csv", "text/csv", len(content), "windows-1252")
    upload.write(content)

    stored = keep(upload, "export.csv")

    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.size == len(content)
    assert stored.content_type == "text/csv; charset=windows-1252"
    assert blobs(root)[0].read_bytes() == content


def test_it_reads_an_upload_from_its_start_even_if_a_form_read_it(root: Path) -> None:
    content = build.image("PNG")
    upload = SimpleUploadedFile("bild.png", content)
    upload.read()

    stored = keep(upload, "bild.png")

    assert stored.size == len(content) and stored.content_type == "image/png"


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_store_outside_a_transaction_like_the_audit_trail(root: Path) -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        store(actor=SYSTEM, content=build.pdf(), name="protokoll.pdf")
    assert blobs(root) == []


def test_it_needs_an_actor() -> None:
    with pytest.raises(TypeError, match="actor"), transaction.atomic():
        store(actor=None, content=build.pdf(), name="protokoll.pdf")


# Refused ---------------------------------------------------------------------------------------


def refused(root: Path, content: Any, name: str) -> str:
    """Store ``content`` expecting a refusal: return its message, and check nothing is kept."""
    with pytest.raises(ValidationError) as caught:
        keep(content, name)
    assert StoredFile.objects.count() == 0
    assert blobs(root) == []
    assert stored_events() == 0
    [message] = caught.value.messages
    return message


def test_it_refuses_a_binary_named_csv(root: Path) -> None:
    message = refused(root, bytes(range(256)) * 16, "export.csv")

    assert "“export.csv” is named like a CSV file" in message
    assert "its content is binary data of no known kind" in message
    assert "The content decides what a file is, not its name" in message
    assert "Accepted: PDF, PNG, JPEG" in message


def test_it_refuses_a_file_named_pdf_that_is_not_a_pdf(root: Path) -> None:
    message = refused(root, build.plain_zip(), "rapport.pdf")

    assert "“rapport.pdf” is named like a PDF document, but its content is a ZIP archive" in (
        message
    )


def test_it_refuses_a_type_the_settings_leave_out(root: Path, settings: Any) -> None:
    settings.FILE_UPLOAD_TYPES = ["application/pdf", "text/csv"]

    message = refused(root, build.image("PNG"), "bild.png")

    assert message == "“bild.png” is a PNG image, which cannot be stored here. Accepted: PDF, CSV."


def test_it_refuses_a_zip_and_an_unknown_compound_file_by_default(root: Path) -> None:
    assert "is a ZIP archive, which cannot be stored" in refused(root, build.plain_zip(), "a.zip")
    installer = build.cfb({"\x05SummaryInformation": None, "Property": None})
    assert "is named like a Word 97–2003 document (doc), but its content is a compound file" in (
        refused(root, installer, "setup.doc")
    )


def test_it_refuses_a_file_larger_than_the_limit(root: Path, settings: Any) -> None:
    settings.FILE_UPLOAD_MAX_BYTES = 1024

    message = refused(root, b"x" * 2048, "anteckningar.txt")

    assert message == "“anteckningar.txt” is 2.0\xa0KB; a file may be at most 1.0\xa0KB."


class Trickle:
    """A stream that cannot say its size or go back (a socket, a pipe)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        size = len(self.data) if size < 0 else size
        chunk, self.data = self.data[:size], self.data[size:]
        return chunk


def test_it_stops_reading_a_stream_at_the_limit(root: Path, settings: Any) -> None:
    settings.FILE_UPLOAD_MAX_BYTES = 100 * 1024

    message = refused(root, Trickle(b"x" * (1024 * 1024)), "logg.txt")

    assert message == "“logg.txt” is larger than 100.0\xa0KB, the most a file may be."


def test_it_refuses_an_empty_file(root: Path) -> None:
    assert refused(root, b"", "tom.pdf") == "“tom.pdf” is empty."


def test_it_refuses_to_start_on_a_type_it_cannot_recognise() -> None:
    result = start(
        "-c", "import django; django.setup()", **production(FILE_UPLOAD_TYPES="image/pdf")
    )

    assert_refused(result, "FILE_UPLOAD_TYPES", "image/pdf")


# Never overwritten, checked when read ----------------------------------------------------------


def test_it_never_overwrites_a_stored_file(root: Path) -> None:
    first_version = build.pdf("Protokoll, version 1")
    second_version = build.pdf("Protokoll, version 2")

    first = keep(first_version, "protokoll.pdf")
    second = keep(second_version, "protokoll.pdf")
    keep(first_version, "protokoll.pdf")

    assert second.pk != first.pk  # a new version is a new file
    assert len(blobs(root)) == 2
    assert read_verified(first) == first_version
    assert read_verified(second) == second_version
    assert stored_events() == 2


def test_it_gives_back_what_was_stored(tmp_path: Path) -> None:
    import subprocess

    stored = keep(build.pdf(PDF_TEXT), "protokoll.pdf")
    path = tmp_path / "read-back.pdf"
    path.write_bytes(read_verified(stored))

    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert PDF_TEXT in text
    with open_file(stored) as f:
        assert f.read() == path.read_bytes()


def test_it_detects_a_changed_file_and_does_not_give_it_out(root: Path) -> None:
    stored = keep(build.pdf(PDF_TEXT), "protokoll.pdf")
    blobs(root)[0].write_bytes(build.pdf("Ett förfalskat protokoll"))

    with pytest.raises(FileCorrupted, match="has been changed or damaged"):
        read_verified(stored)


def test_it_detects_a_missing_file_and_takes_it_back_from_the_same_bytes(root: Path) -> None:
    content = build.pdf(PDF_TEXT)
    stored = keep(content, "protokoll.pdf")
    blobs(root)[0].unlink()

    with pytest.raises(FileCorrupted, match="missing"):
        read_verified(stored)
    assert keep(content, "protokoll.pdf").pk == stored.pk
    assert read_verified(stored) == content
    assert stored_events() == 1


# A rolled-back transaction ---------------------------------------------------------------------


class Rollback(Exception):
    pass


def test_it_leaves_no_row_when_the_transaction_rolls_back(root: Path) -> None:
    """The content written before the rollback stays, as an orphan that no row points at: never
    served (only rows are), and checked by its digest when the same bytes are stored again."""
    content = build.pdf(PDF_TEXT)

    with pytest.raises(Rollback), transaction.atomic():
        store(actor=SYSTEM, content=content, name="protokoll.pdf")
        raise Rollback

    assert StoredFile.objects.count() == 0
    assert stored_events() == 0
    [orphan] = blobs(root)
    assert orphan.read_bytes() == content

    stored = keep(content, "protokoll.pdf")

    assert blobs(root) == [orphan]
    assert read_verified(stored) == content
    assert stored_events() == 1


def test_it_replaces_an_orphan_that_does_not_match_its_name(root: Path) -> None:
    content = build.pdf(PDF_TEXT)
    with pytest.raises(Rollback), transaction.atomic():
        store(actor=SYSTEM, content=content, name="protokoll.pdf")
        raise Rollback
    [orphan] = blobs(root)
    orphan.write_bytes(b"damaged on disk")

    stored = keep(content, "protokoll.pdf")

    assert read_verified(stored) == content


# Another storage -------------------------------------------------------------------------------


def test_it_stores_through_the_storage_class_the_settings_name(root: Path, settings: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "medtek_files": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    content = build.xlsx()

    stored = keep(content, "inventering.xlsx")

    assert isinstance(storages["medtek_files"], InMemoryStorage)
    assert storages["medtek_files"].exists(stored.blob_name)
    assert blobs(root) == []
    assert read_verified(stored) == content


SETTINGS_PROBE = (
    "import django; django.setup(); from django.conf import settings; "
    "s = settings.STORAGES['medtek_files']; print('BACKEND', s['BACKEND']); "
    "print('OPTIONS', sorted(s.get('OPTIONS', {}).items())); "
    "print('LIMIT', settings.FILE_UPLOAD_MAX_BYTES); "
    "print('TYPES', len(settings.FILE_UPLOAD_TYPES))"
)


def test_it_defaults_to_a_directory_and_safe_limits() -> None:
    result = start("-c", SETTINGS_PROBE, **production(FILE_STORE_ROOT="/srv/medtek/files"))

    assert result.returncode == 0, result.stderr
    assert "BACKEND django.core.files.storage.FileSystemStorage" in result.stdout
    assert "('location', '/srv/medtek/files')" in result.stdout
    assert "('file_permissions_mode', 416)" in result.stdout  # 0o640
    assert f"LIMIT {25 * 1024 * 1024}" in result.stdout
    assert "TYPES 19" in result.stdout


def test_it_takes_another_storage_class_and_its_options_from_the_environment() -> None:
    result = start(
        "-c",
        SETTINGS_PROBE,
        **production(
            FILE_STORAGE_BACKEND="django.core.files.storage.InMemoryStorage",
            FILE_STORAGE_OPTIONS='{"base_url": "/filer/"}',
        ),
    )

    assert result.returncode == 0, result.stderr
    assert "BACKEND django.core.files.storage.InMemoryStorage" in result.stdout
    assert "OPTIONS [('base_url', '/filer/')]" in result.stdout


def test_it_refuses_to_start_on_a_bad_storage_setting() -> None:
    assert_refused(start(**production(FILE_STORAGE_OPTIONS="{bucket")), "FILE_STORAGE_OPTIONS")
    assert_refused(start(**production(FILE_STORAGE_OPTIONS="[1]")), "JSON object")
    assert_refused(
        start(
            **production(
                FILE_STORAGE_BACKEND="storages.backends.s3.S3Storage", FILE_STORE_ROOT="/srv"
            )
        ),
        "FILE_STORE_ROOT",
    )
    assert_refused(
        start(**production(FILE_STORAGE_BACKEND="storages.backends.s3.S3Storage")),
        "django-storages",
    )
    assert_refused(start(**production(FILE_UPLOAD_MAX_BYTES="0")), "FILE_UPLOAD_MAX_BYTES")


# The database keeps the row as it was ----------------------------------------------------------


@pytest.fixture
def stored() -> StoredFile:
    return keep(build.pdf(PDF_TEXT), "protokoll.pdf")


def _row(pk: int) -> dict[str, Any]:
    return StoredFile.objects.values().get(pk=pk)


def _raw(sql: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


CHANGES = {
    "sha256": lambda f: StoredFile.objects.filter(pk=f.pk).update(sha256="0" * 64),
    "size": lambda f: StoredFile.objects.filter(pk=f.pk).update(size=1),
    "name_by_save": lambda f: (setattr(f, "original_name", "annat.pdf"), f.save()),
    "type_by_sql": lambda f: _raw(
        "UPDATE core_storedfile SET content_type = 'text/plain' WHERE id = %s", f.pk
    ),
    "removed_with_another_column": lambda f: StoredFile.objects.filter(pk=f.pk).update(
        removed_at=timezone.now(), original_name="x.pdf"
    ),
    "nothing": lambda f: StoredFile.objects.filter(pk=f.pk).update(size=f.size),
    "delete": lambda f: StoredFile.objects.filter(pk=f.pk).delete(),
    "delete_by_sql": lambda f: _raw("DELETE FROM core_storedfile"),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_it_rejects_any_change_to_a_stored_file_row(stored: StoredFile, change: Any) -> None:
    before = _row(stored.pk)

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        change(stored)

    assert _row(stored.pk) == before


def test_it_lets_removed_at_be_set_once(stored: StoredFile) -> None:
    removed = timezone.now()

    StoredFile.objects.filter(pk=stored.pk).update(removed_at=removed)

    assert _row(stored.pk)["removed_at"] == removed
    for later in (removed + datetime.timedelta(days=1), None):
        with (
            pytest.raises(IntegrityError, match="only removed_at may be set, once"),
            transaction.atomic(),
        ):
            StoredFile.objects.filter(pk=stored.pk).update(removed_at=later)
    assert _row(stored.pk)["removed_at"] == removed


def test_it_has_the_guard_of_todays_model_in_the_database() -> None:
    [(table, install, _remove)] = [
        g for g in append_only.guards(connection.vendor) if g[0] == "core_storedfile"
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
            )
            found = {" ".join(sql.split()) for (sql,) in cursor.fetchall()}
            expected = {
                " ".join(s.replace(" IF NOT EXISTS", "").rstrip(";").split()) for s in install
            }
            assert found == expected
        else:
            cursor.execute(
                "SELECT pg_get_triggerdef(oid) FROM pg_trigger"
                " WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
            [(definition,)] = cursor.fetchall()
            assert "BEFORE DELETE OR UPDATE" in definition
            assert "EXECUTE FUNCTION medtek_set_once_guard('removed_at')" in definition
            cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'medtek_set_once_guard'")
            [(source,)] = cursor.fetchall()
            assert source.strip() in install[0]


# Disposal: release -----------------------------------------------------------------------------


@pytest.fixture
def decision(org: Any) -> Any:
    return disposal_decision_record(
        actor=org.admin,
        reference="RS 2026/114",
        title="Gallring av exempelposter",
        legal_basis="Informationshanteringsplan 4.2; RA-FS 2021:6",
        decided_by="Regionstyrelsen",
        decided_on=datetime.date(2026, 3, 1),
        record_types=["example.entry"],
        retention_years=0,
    )


def registered(org: Any, number: str, file: StoredFile | None) -> Entry:
    entry = entry_create(
        actor=org.owner, number=number, title="Inspektion", unit=org.unit_a, file=file
    )
    return entry_register(actor=org.owner, entry=entry)


def dispose(org: Any, entry: Entry, decision: Any, capture: Any) -> Any:
    with capture(execute=True):
        return record_dispose(actor=org.admin, record=entry, decision=decision, reason="Gallras")


def test_it_removes_a_file_no_other_record_uses(
    org: Any, root: Path, decision: Any, django_capture_on_commit_callbacks: Any
) -> None:
    content = build.pdf(PDF_TEXT)
    stored = keep(content, "protokoll.pdf")
    entry = registered(org, "E-1", stored)

    trace = dispose(org, entry, decision, django_capture_on_commit_callbacks)

    stored.refresh_from_db()
    assert stored.removed_at is not None
    assert blobs(root) == []
    assert trace.files == [
        {"sha256": stored.sha256, "size": len(content), "content_type": "application/pdf"}
    ]
    assert "file" in trace.fields
    assert Entry.objects.get(pk=entry.pk).file is None
    with pytest.raises(FileRemoved, match="removed by a disposal decision"):
        read_verified(stored)


def test_it_keeps_a_file_another_record_still_uses(
    org: Any, root: Path, decision: Any, django_capture_on_commit_callbacks: Any
) -> None:
    content = build.pdf(PDF_TEXT)
    shared = keep(content, "protokoll.pdf")
    disposed = registered(org, "E-1", shared)
    registered(org, "E-2", keep(content, "samma protokoll.pdf"))

    trace = dispose(org, disposed, decision, django_capture_on_commit_callbacks)

    shared.refresh_from_db()
    assert shared.removed_at is None
    assert read_verified(shared) == content
    assert trace.files == []
    assert Entry.objects.get(pk=disposed.pk).file is None


def test_it_removes_a_file_that_only_the_versions_of_the_disposed_record_use(
    org: Any, root: Path, decision: Any, django_capture_on_commit_callbacks: Any
) -> None:
    stored = keep(build.pdf(PDF_TEXT), "protokoll.pdf")
    first = registered(org, "E-1", stored)
    corrected = entry_correct(actor=org.owner, entry=first, reason="Stavfel", title="Inspektion 2")
    assert corrected.file == stored

    trace = dispose(org, corrected, decision, django_capture_on_commit_callbacks)

    assert [f["sha256"] for f in trace.files] == [stored.sha256]
    assert blobs(root) == []


def test_it_removes_nothing_when_the_disposal_rolls_back(
    org: Any, root: Path, decision: Any, django_capture_on_commit_callbacks: Any
) -> None:
    stored = keep(build.pdf(PDF_TEXT), "protokoll.pdf")
    entry = registered(org, "E-1", stored)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        record_dispose(actor=org.admin, record=entry, decision=decision, reason="Gallras")
        raise Rollback

    stored.refresh_from_db()
    assert stored.removed_at is None
    assert len(blobs(root)) == 1


def test_it_stores_removed_content_again_as_a_new_file(
    org: Any, root: Path, decision: Any, django_capture_on_commit_callbacks: Any
) -> None:
    content = build.pdf(PDF_TEXT)
    removed = keep(content, "protokoll.pdf")
    dispose(org, registered(org, "E-1", removed), decision, django_capture_on_commit_callbacks)

    again = keep(content, "protokoll igen.pdf")

    assert again.pk != removed.pk and again.removed_at is None
    assert read_verified(again) == content
    removed.refresh_from_db()
    assert removed.removed_at is not None


def test_it_releases_only_files_nothing_points_at(
    org: Any, root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    loose = keep(build.pdf("lös"), "lös.pdf")
    in_a_draft = keep(build.pdf("utkast"), "utkast.pdf")
    entry_create(actor=org.owner, number="U-1", title="Utkast", unit=org.unit_a, file=in_a_draft)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        removed = release([loose.pk, in_a_draft.pk])

    assert [f["sha256"] for f in removed] == [loose.sha256]
    assert [p.name for p in blobs(root)] == [in_a_draft.sha256]


# Concurrency -----------------------------------------------------------------------------------

WRITERS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_same_bytes_once_when_stored_at_the_same_moment(root: Path) -> None:
    content = build.pdf(PDF_TEXT)
    barrier = threading.Barrier(WRITERS, timeout=30)

    def writer(index: int) -> int:
        try:
            barrier.wait()
            with transaction.atomic():
                return store(actor=SYSTEM, content=content, name=f"kopia {index}.pdf").pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        pks = [f.result() for f in [pool.submit(writer, i) for i in range(WRITERS)]]

    assert len(set(pks)) == 1
    assert StoredFile.objects.count() == 1
    assert stored_events() == 1
    assert len(blobs(root)) == 1
    assert read_verified(StoredFile.objects.get()) == content
