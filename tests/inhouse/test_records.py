"""What the in-house file keeps and publishes: the Annex I checklist's data for both regulations,
technical documents that are never overwritten, the declaration's text, reviews going overdue
on time, the reminder and the start page."""

import datetime
import io
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from medtek.core.files import read_verified
from medtek.inhouse import gates, services
from medtek.inhouse.models import (
    ChecklistItem,
    Declaration,
    FileDocument,
    InhouseDevice,
    Requirement,
)
from medtek.inhouse.todo import todo
from tests.core.test_documents import text, write

from .ready import PDF, Ready, ready

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def r(org: Any, mft: Any, make_file: Any, adapter: Any) -> Ready:
    return ready(org, mft, make_file, adapter)


def words(value: str) -> str:
    return " ".join(value.split())


def test_the_annex_i_data_is_loaded_for_both_regulations() -> None:
    assert Requirement.objects.filter(regulation="MDR", active=True).count() == 210
    assert Requirement.objects.filter(regulation="IVDR", active=True).count() == 203
    software = Requirement.objects.get(regulation="MDR", code="17")
    assert software.chapter == "II" and software.level == 1
    assert Requirement.objects.filter(regulation="MDR", chapter="III").exists()


def test_an_ivd_file_gets_the_ivdr_checklist_and_its_own_letters(
    make_model: Any, make_file: Any, mt: Any
) -> None:
    model = make_model("Snabbtest CRP", risk_class="B")
    file = make_file(model, lab_compliance="Laboratoriet ackrediterat enligt SS-EN ISO 15189")
    assert file.regulation == "IVDR"
    services.checklist_open(actor=mt, inhouse_device=file)
    assert ChecklistItem.objects.filter(file=file).count() == 203
    assert {i.requirement.regulation for i in ChecklistItem.objects.filter(file=file)} == {"IVDR"}
    assert [file.letter(k) for k in ("lab", "c", "d", "h")] == ["c", "d", "e", "i"]
    assert [c.point for c in file.conditions(datetime.date.today())] == ["a", "b", "lab", "c"]


def test_an_ivd_file_without_iso_15189_compliance_is_incomplete(
    make_model: Any, make_file: Any
) -> None:
    file = make_file(make_model("Snabbtest Hb", risk_class="C"))
    [lab] = [c for c in file.conditions(datetime.date.today()) if c.point == "lab"]
    assert not lab.met
    from medtek.inhouse.models import incomplete_q

    assert InhouseDevice.objects.filter(incomplete_q(datetime.date.today()), pk=file.pk).exists()


def test_a_new_file_has_its_checklist_and_opening_it_again_adds_nothing(r: Ready) -> None:
    assert ChecklistItem.objects.filter(file=r.file).count() == 210
    assert services.checklist_open(actor=r.mt, inhouse_device=r.file) == 0


def test_a_new_version_of_a_document_supersedes_and_keeps_the_old(r: Ready) -> None:
    first = services.document_add(
        actor=r.mt, inhouse_device=r.file, kind="ifu", title="Bruksanvisning", upload=("a.pdf", PDF)
    )
    second = services.document_new_version(
        actor=r.mt,
        document=first,
        upload=("b.pdf", PDF + b"v2"),
        reason="Nytt avsnitt om rengöring",
    )
    assert second.version == 2 and second.supersedes == first
    assert list(FileDocument.objects.filter(file=r.file).current()) == [second]
    first.refresh_from_db()
    assert read_verified(first.content) == PDF  # the old content is still there, as it was


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE inhouse_filedocument SET title = 'Ändrad' WHERE id = %s",
        "DELETE FROM inhouse_filedocument WHERE id = %s",
    ],
)
def test_the_database_refuses_to_overwrite_or_delete_a_document(r: Ready, statement: str) -> None:
    doc = services.document_add(
        actor=r.mt, inhouse_device=r.file, kind="ifu", title="Bruksanvisning", upload=("a.pdf", PDF)
    )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [doc.pk])
    doc.refresh_from_db()
    assert doc.title == "Bruksanvisning"


def test_the_database_refuses_to_change_a_signature_or_a_declaration(r: Ready) -> None:
    r.everything()
    r.approve()
    for table in ("inhouse_signoff", "inhouse_declaration"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")


def test_a_release_names_the_documentation_versions_it_was_made_by(
    r: Ready, org: Any, hold: Any, adapter: Any
) -> None:
    device = hold(adapter, org.unit_a, "EGT-DEV-9")
    assert list(gates.devices_unreleased(r.file)) == [device]
    r.add_documents()
    release = services.release_record(
        actor=r.mt,
        inhouse_device=r.file,
        device=device,
        made_by=r.mt,
        made_on=datetime.date.today(),
    )
    assert release.documents.count() == 7
    assert list(gates.devices_unreleased(r.file)) == []


def test_the_declaration_pdf_carries_institution_device_and_each_not_fully_met_requirement(
    r: Ready, tmp_path: Path
) -> None:
    r.everything()
    items = {
        i.requirement.code: i
        for i in ChecklistItem.objects.filter(
            file=r.file, requirement__code__in=["17.2", "23.4(s)"]
        ).select_related("requirement")
    }
    services.checklist_assess(
        actor=r.mt,
        item=items["17.2"],
        applies=True,
        outcome="not_fully_met",
        justification="Programvaran är validerad mot intern kravspecifikation, inte IEC 62304.",
    )
    r.approve()
    declaration = Declaration.objects.get()
    pdf = read_verified(declaration.pdf)
    assert pdf.startswith(b"%PDF")
    content = words(text(write(tmp_path, pdf, "declaration.pdf")))
    assert "Region Test" in content or declaration.institution in content
    assert declaration.institution in content
    assert "Storgatan 1" in content and "Mälarstad" in content
    assert "Trycksensoradapter" in content and r.file.file_number in content
    assert "17.2" in content
    assert "validerad mot intern kravspecifikation, inte IEC 62304." in content
    assert "Uppfylls inte helt" in content


def test_a_change_in_an_assessment_publishes_a_new_version(r: Ready) -> None:
    r.everything()
    r.approve()
    item = ChecklistItem.objects.filter(file=r.file, requirement__code="3").get()
    services.checklist_assess(
        actor=r.mt, item=item, applies=True, outcome="not_fully_met", justification="Delvis."
    )
    assert [d.version for d in Declaration.objects.order_by("version")] == [1, 2]
    # The same assessment saved again publishes nothing.
    services.checklist_assess(
        actor=r.mt, item=item, applies=True, outcome="not_fully_met", justification="Delvis."
    )
    assert Declaration.objects.count() == 2


def approved_on(r: Ready, day: datetime.datetime) -> None:
    with time_machine.travel(day, tick=False):
        r.everything()
        r.approve()


def test_a_review_goes_overdue_the_day_after_it_was_due(r: Ready) -> None:
    approved_on(r, datetime.datetime(2026, 1, 15, 10, tzinfo=STOCKHOLM))
    file = r.refresh()
    assert file.review_due == datetime.date(2027, 1, 15)
    assert gates.review_problem(file, datetime.date(2027, 1, 15)) == ""
    assert "due on 2027-01-15" in gates.review_problem(file, datetime.date(2027, 1, 16))
    [h] = [c for c in gates.later_conditions(file, datetime.date(2027, 1, 16)) if c.point == "h"]
    assert not h.met


def test_a_review_moves_the_next_one_on_by_the_files_interval(r: Ready) -> None:
    approved_on(r, datetime.datetime(2026, 1, 15, 10, tzinfo=STOCKHOLM))
    services.inhouse_device_update(
        actor=r.mt, inhouse_device=r.refresh(), review_interval_months=6, reason="Tätare"
    )
    assert r.refresh().review_due == datetime.date(2026, 7, 15)
    with time_machine.travel(datetime.datetime(2026, 8, 31, 10, tzinfo=STOCKHOLM), tick=False):
        services.review_record(
            actor=r.mt,
            inhouse_device=r.file,
            reviewed_on=datetime.date(2026, 8, 31),
            period_start=datetime.date(2026, 1, 15),
            findings="Inga avvikelser.",
            units_made=3,
        )
    assert r.refresh().review_due == datetime.date(2027, 2, 28)


def test_remind_tells_the_keepers_of_an_overdue_review(
    r: Ready, django_capture_on_commit_callbacks: Any
) -> None:
    approved_on(r, datetime.datetime(2026, 1, 15, 10, tzinfo=STOCKHOLM))
    with (
        time_machine.travel(datetime.datetime(2027, 1, 10, 10, tzinfo=STOCKHOLM), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("remind", "--days", "3", stdout=io.StringIO())
    assert not [m for m in mail.outbox if m.to == ["ready-mt@example.org"]]  # not yet
    with (
        time_machine.travel(datetime.datetime(2027, 1, 20, 10, tzinfo=STOCKHOLM), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("remind", stdout=io.StringIO())
    [message] = [m for m in mail.outbox if m.to == ["ready-mt@example.org"]]
    assert r.file.file_number in message.body
    assert "2027-01-15 FÖRSENAD/OVERDUE" in message.body


def test_the_start_page_counts_the_overdue_review_and_the_waiting_signature(r: Ready) -> None:
    approved_on(r, datetime.datetime(2026, 1, 15, 10, tzinfo=STOCKHOLM))
    items = {t.key: t for t in todo(r.mt, datetime.date(2027, 1, 20))}
    assert items["inhouse.review"].count == 1
    assert items["inhouse.review"].url.endswith("?review=overdue")


def test_heads_see_the_file_waiting_for_their_signature(r: Ready) -> None:
    r.assess_all()
    r.add_documents()
    r.submit()
    today = datetime.date.today()
    assert {t.key: t.count for t in todo(r.head_using, today)}["inhouse.signature"] == 1
    r.sign_both()
    assert {t.key: t.count for t in todo(r.head_using, today)}["inhouse.signature"] == 0
    assert {t.key: t.count for t in todo(r.head_mt, today)}["inhouse.signature"] == 0


def test_a_device_page_names_who_made_the_unit_and_by_which_documents(
    r: Ready, org: Any, hold: Any, adapter: Any, client: Any
) -> None:
    device = hold(adapter, org.unit_a, "EGT-DEV-7")
    client.force_login(org.auditor)
    page = client.get(f"/devices/{device.pk}/").content.decode()
    assert 'data-testid="inhouse-release"' in page and "5.5 g" in page  # none yet
    r.add_documents(kinds=("design", "ifu"))
    services.release_record(
        actor=r.mt,
        inhouse_device=r.file,
        device=device,
        made_by=r.mt,
        made_on=datetime.date.today(),
    )
    page = client.get(f"/devices/{device.pk}/").content.decode()
    assert r.mt.get_full_name() in page
    assert "Dokument design v1" in page and "Dokument ifu v1" in page
