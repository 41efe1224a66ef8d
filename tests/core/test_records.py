"""Versioned records: a registered record never silently changes, a correction is a new version,
and content leaves only through disposal under a recorded decision — enforced by the database,
on SQLite and PostgreSQL alike (the example app's entries stand in for diary documents)."""

import datetime
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from medtek.core import append_only, records
from medtek.core.actors import SYSTEM
from medtek.core.models import AuditEvent, DisposalDecision, DisposalTrace
from medtek.organisation.roles import Role
from tests import factories
from tests.example import services
from tests.example.models import Attachment, Entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(org):
    return factories.person("registrar", role=Role.REGISTRAR, unit=org.region)


@pytest.fixture
def draft(org, registrar) -> Entry:
    return services.entry_create(
        actor=registrar,
        number="MFT 2026/0001-1",
        title="Svar från IVO",
        description="Patienten Åsa Öberg, 19121212-1212, föll.",
        party="IVO",
        unit=org.unit_a,
        attachments=("brev.pdf",),
    )


@pytest.fixture
def entry(draft, registrar) -> Entry:
    return services.entry_register(actor=registrar, entry=draft)


@pytest.fixture
def bare(org, registrar) -> Entry:
    """A registered entry without attachments (which would hold it back from a DELETE anyway)."""
    entry = services.entry_create(
        actor=registrar, number="MFT 2026/0002-1", title="Beslut", unit=org.unit_a
    )
    return services.entry_register(actor=registrar, entry=entry)


def _row(pk: int) -> dict[str, object]:
    return Entry.objects.values().get(pk=pk)


# A draft is edited; a registered record is frozen ------------------------------------------------


def test_it_lets_a_draft_be_edited_and_deleted(draft, registrar):
    services.entry_update(actor=registrar, entry=draft, title="Svar från IVO (utkast)")
    Entry.objects.filter(pk=draft.pk).update(party="Läkemedelsverket")
    assert _row(draft.pk)["party"] == "Läkemedelsverket"
    Attachment.objects.filter(entry=draft).delete()
    Entry.objects.filter(pk=draft.pk).delete()
    assert not Entry.objects.filter(pk=draft.pk).exists()


def _save(e: Entry) -> None:
    e.title = "Omskriven"
    e.save()


def _update(e: Entry) -> None:
    Entry.objects.filter(pk=e.pk).update(description="")


def _unseal(e: Entry) -> None:
    Entry.objects.filter(pk=e.pk).update(sealed_at=None)


def _raw_update(e: Entry) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE example_entry SET number = 'X' WHERE id = %s", [e.pk])


def _empty_without_decision(e: Entry) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE example_entry SET description = '', disposed_at = %s WHERE id = %s",
            [timezone.now(), e.pk],
        )


def _delete(e: Entry) -> None:
    Entry.objects.filter(pk=e.pk).delete()


def _raw_delete(e: Entry) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM example_entry WHERE id = %s", [e.pk])


CHANGES: dict[str, Callable[[Entry], None]] = {
    "model_save": _save,
    "queryset_update": _update,
    "unseal": _unseal,
    "raw_sql_update": _raw_update,
    "empty_without_decision": _empty_without_decision,
    "queryset_delete": _delete,
    "raw_sql_delete": _raw_delete,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_the_database_rejects_any_change_of_a_registered_record(bare, change):
    before = _row(bare.pk)

    with pytest.raises(IntegrityError, match="append-only once sealed"), transaction.atomic():
        change(bare)

    assert _row(bare.pk) == before


def test_the_service_refuses_to_edit_a_registered_record(entry, registrar):
    with pytest.raises(ValidationError, match="correct it instead"):
        services.entry_update(actor=registrar, entry=entry, title="Nytt")
    assert _row(entry.pk)["title"] == "Svar från IVO"


ATTACHMENT_CHANGES: dict[str, Callable[[Entry], None]] = {
    "update": lambda e: Attachment.objects.filter(entry=e).update(note="ändrad"),
    "delete": lambda e: Attachment.objects.filter(entry=e).delete(),
    "insert": lambda e: Attachment.objects.create(entry=e, name="smygad.pdf"),
}


@pytest.mark.parametrize("change", ATTACHMENT_CHANGES.values(), ids=ATTACHMENT_CHANGES.keys())
def test_the_database_freezes_the_rows_of_a_registered_record(entry, change):
    before = list(Attachment.objects.filter(entry=entry).values())

    with pytest.raises(IntegrityError, match="belongs to a sealed record"), transaction.atomic():
        change(entry)

    assert list(Attachment.objects.filter(entry=entry).values()) == before


def test_the_trail_keeps_a_digest_of_disposable_text_not_the_text(entry):
    event = AuditEvent.objects.get(action="example_entry.create", object_id=str(entry.pk))
    assert "sha256" in event.after["description"]
    assert "19121212" not in str(event.after)
    assert event.after["party"] == "IVO"  # not disposable: kept as it is


# Corrections ----------------------------------------------------------------------------------


def test_a_correction_is_a_new_version_that_names_the_one_it_supersedes(entry, registrar):
    v2 = services.entry_correct(
        actor=registrar, entry=entry, title="Svar från IVO, dnr 3.1-123", reason="Fel titel"
    )

    assert (v2.version, v2.supersedes_id, v2.lineage) == (2, entry.pk, entry.lineage)
    assert v2.is_sealed and v2.created_by == registrar and v2.correction_reason == "Fel titel"
    assert _row(entry.pk)["title"] == "Svar från IVO"  # the original stays as it was
    assert [a.name for a in v2.attachments.all()] == ["brev.pdf"]
    event = AuditEvent.objects.get(action="example_entry.correct", object_id=str(v2.pk))
    assert (event.actor, event.reason) == (registrar, "Fel titel")
    assert (event.before["title"], event.after["title"]) == (entry.title, v2.title)


def test_the_current_version_is_one_query_away(entry, registrar, django_assert_num_queries):
    v2 = services.entry_correct(actor=registrar, entry=entry, title="Andra", reason="Rättelse")
    v3 = services.entry_correct(actor=registrar, entry=v2, party="IVO, Stockholm", reason="Ort")

    with django_assert_num_queries(1):
        current = list(Entry.objects.current().filter(number=entry.number))
    assert current == [v3]
    assert list(Entry.objects.versions_of(entry)) == [entry, v2, v3]
    assert [e.is_current for e in (entry, v2, v3)] == [False, False, True]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"title": "Ny", "reason": " "}, "Ange varför"),
        ({"title": "Svar från IVO", "reason": "Ingen ändring"}, "ändrar ingenting"),
    ],
)
def test_a_correction_needs_a_reason_and_a_change(entry, registrar, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        services.entry_correct(actor=registrar, entry=entry, **kwargs)
    assert Entry.objects.count() == 1


def test_only_the_current_version_of_a_registered_record_is_corrected(draft, registrar):
    with pytest.raises(ValidationError, match="utkast"):
        services.entry_correct(actor=registrar, entry=draft, title="X", reason="Y")
    entry = services.entry_register(actor=registrar, entry=draft)
    services.entry_correct(actor=registrar, entry=entry, title="Andra", reason="Rättelse")
    with pytest.raises(ValidationError, match="inte den gällande versionen"):
        services.entry_correct(actor=registrar, entry=entry, title="Tredje", reason="Igen")


def test_a_correction_is_refused_to_those_without_the_right(org, entry):
    with pytest.raises(PermissionDenied):
        services.entry_correct(actor=org.outsider, entry=entry, title="X", reason="Y")
    assert Entry.objects.count() == 1


# Disposal -------------------------------------------------------------------------------------


@pytest.fixture
def decision(org) -> DisposalDecision:
    return records.disposal_decision_record(
        actor=org.admin,
        reference="RS 2026/0101",
        title="Gallring av inkomna svar efter två år",
        legal_basis="Informationshanteringsplan MFT 4.2; RA-FS 1991:6",
        decided_by="Regionstyrelsen",
        decided_on=datetime.date(2026, 1, 15),
        record_types=["example.entry"],
        retention_years=2,
    )


def _registered_years_ago(entry: Entry, years: int) -> None:
    """Backdate the registration, as the import of an older diary would have it: the guards are
    lifted for this one statement, inside the test's transaction."""
    when = timezone.now() - datetime.timedelta(days=365 * years + 2)
    append_only.lift_all(connection)
    try:
        Entry.objects.filter(lineage=entry.lineage).update(sealed_at=when)
    finally:
        append_only.restore_all(connection)


def test_only_administrators_record_disposal_decisions(org):
    with pytest.raises(PermissionDenied):
        records.disposal_decision_record(
            actor=org.auditor,
            reference="X",
            title="X",
            legal_basis="X",
            decided_by="X",
            decided_on=datetime.date(2026, 1, 1),
            record_types=["example.entry"],
            retention_years=0,
        )


def test_a_disposal_decision_names_kinds_that_exist(org):
    with pytest.raises(ValidationError, match="handlingstyper"):
        records.disposal_decision_record(
            actor=org.admin,
            reference="X",
            title="X",
            legal_basis="X",
            decided_by="X",
            decided_on=datetime.date(2026, 1, 1),
            record_types=["devices.device"],
            retention_years=0,
        )


def test_a_disposal_empties_every_version_and_leaves_a_trace(entry, registrar, decision):
    v2 = services.entry_correct(
        actor=registrar, entry=entry, description="Rättad beskrivning", reason="Rättelse"
    )
    _registered_years_ago(entry, 3)

    trace = records.record_dispose(
        actor=registrar, record=v2, decision=decision, reason="Gallringsfrist passerad"
    )

    for version in Entry.objects.versions_of(entry):
        assert version.description == ""
        assert (version.disposal, version.is_disposed) == (decision, True)
        assert version.number == entry.number and version.title  # the entry itself remains
        assert [a.note for a in version.attachments.all()] == [""]
    assert (trace.object_repr, trace.versions, trace.decision) == (entry.number, 2, decision)
    assert trace.fields == ["attachment.note", "description"]
    assert trace.registered_at is not None and trace.actor == registrar
    event = AuditEvent.objects.get(action="record.dispose")
    assert (event.object_id, event.after["decision"]) == (str(v2.pk), "RS 2026/0101")
    assert "Rättad" not in str(event.after)


def test_a_disposed_record_changes_no_further(entry, registrar, decision):
    _registered_years_ago(entry, 3)
    records.record_dispose(actor=registrar, record=entry, decision=decision, reason="Frist")

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(title="Ny titel")
    with pytest.raises(ValidationError, match="redan gallrats"):
        records.record_dispose(actor=registrar, record=entry, decision=decision, reason="Igen")
    assert DisposalTrace.objects.count() == 1


def test_a_disposal_must_only_empty_what_may_be_disposed_of(entry, decision):
    with pytest.raises(IntegrityError, match=r"append-only|only empty"), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(
            description="Något annat", disposal=decision, disposed_at=timezone.now()
        )
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(
            description="", title="", disposal=decision, disposed_at=timezone.now()
        )
    assert _row(entry.pk)["description"].startswith("Patienten")


def test_a_disposal_needs_a_recorded_decision_that_covers_the_record(org, entry):
    other = DisposalDecision.objects.create(
        reference="RS 2026/0103",
        title="Gallring av annat",
        legal_basis="Plan 9.9",
        decided_by="Regionstyrelsen",
        decided_on=datetime.date(2026, 1, 15),
        record_types=["registry.document"],
        retention_years=0,
    )
    for decision_id in (999999, other.pk):
        with pytest.raises(IntegrityError), transaction.atomic():
            Entry.objects.filter(pk=entry.pk).update(
                description="", disposal_id=decision_id, disposed_at=timezone.now()
            )
    assert _row(entry.pk)["description"].startswith("Patienten")


def test_a_disposal_is_refused_with_every_reason(org, draft, registrar):
    wrong = records.disposal_decision_record(
        actor=org.admin,
        reference="RS 2026/0102",
        title="Annat",
        legal_basis="Plan 1.1",
        decided_by="Regionstyrelsen",
        decided_on=datetime.date(2026, 1, 15),
        record_types=["example.entry"],
        retention_years=10,
    )
    with pytest.raises(ValidationError) as refused:
        records.record_dispose(actor=registrar, record=draft, decision=wrong, reason=" ")
    assert len(refused.value.messages) == 2  # no reason; a draft is not disposed of
    entry = services.entry_register(actor=registrar, entry=draft)
    with pytest.raises(ValidationError, match="ska handlingen bevaras till"):
        records.record_dispose(actor=registrar, record=entry, decision=wrong, reason="För tidigt")
    with pytest.raises(PermissionDenied):
        records.record_dispose(actor=org.auditor, record=entry, decision=wrong, reason="X")
    assert not DisposalTrace.objects.exists()
    assert Entry.objects.get(pk=entry.pk).description.startswith("Patienten")


def test_the_system_may_dispose(entry, decision):
    _registered_years_ago(entry, 3)
    trace = records.record_dispose(actor=SYSTEM, record=entry, decision=decision, reason="Batch")
    assert trace.actor is None and trace.actor_name == "system"
