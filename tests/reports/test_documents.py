"""The report copy (medtek.reports.documents): read back from the PDF as the authority, the
manufacturer and the archive read it — the device, the event, the reporter and the contact, and
no patient identity — and the same copy kept in the diary when the report is sent."""

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from medtek.core.files import read_verified
from medtek.core.identity import MASK
from medtek.reports import services
from medtek.reports.documents import report_copy
from medtek.reports.models import Dispatch, Report
from tests.core.test_documents import info, text, visible_text, write

from .conftest import KNOWN, PERSONNUMMER, PUMP_GTIN, incident_fields

pytestmark = pytest.mark.django_db

DESCRIPTION = "Pumpen larmade inte vid ocklusion; patienten fick för låg dos."


def in_swedish(message: str, **values: Any) -> str:
    """A message as the Swedish copy shows it (translated or, until it is, as written)."""
    with translation.override("sv"):
        return translation.gettext(message) % values if values else translation.gettext(message)


def words(value: str) -> str:
    """Whitespace collapsed: pdftotext breaks lines where the page does."""
    return " ".join(value.split())


def pdf_text(tmp_path: Path, pdf: bytes, name: str = "copy.pdf") -> str:
    return words(text(write(tmp_path, pdf, name)))


def stored_pdf(document: Any) -> bytes:
    """The one PDF the diary keeps of a registered document."""
    [kept] = document.files.all()
    assert kept.name.endswith(".pdf")
    return read_verified(kept.file)


@pytest.fixture
def contacted(org: Any, mt: Any, pump: Any, kinds: Any, series: Any) -> Report:
    """A device incident with a contact person, phone and e-mail."""
    mt.title = "Medicintekniker"
    mt.save()
    return services.report_draft(
        actor=mt,
        kind="device_incident",
        **incident_fields(
            org, pump, contact_person=mt, contact_email="mt@region.example", catalogue_number="C-7"
        ),
    )


def test_the_copy_names_the_device_the_event_the_reporter_and_the_contact(
    contacted: Report, org: Any, tmp_path: Path
) -> None:
    copy = pdf_text(tmp_path, report_copy(contacted).pdf())

    # The device, as the register identifies it.
    for fact in ("Acme Medical", "Infusionspump", "P1", PUMP_GTIN, "SN-998877", "MT-4711", "C-7"):
        assert fact in copy, fact
    assert "2.4.1" in copy and "MFT, förråd 3" in copy
    # The event.
    assert DESCRIPTION in copy
    assert "Förlängd vårdtid." in copy
    assert "Pumpen tagen ur bruk och förvarad oreparerad." in copy
    assert "2026-11-20" in copy and "2026-11-23" in copy
    # The reporter: the care provider and the unit where it happened.
    assert f"{org.region_provider.name} ({org.region_provider.org_number})" in copy
    assert org.unit_a.name in copy
    # The contact.
    assert "Mt Testsson, Medicintekniker" in copy
    assert "010-123 45 67" in copy and "mt@region.example" in copy
    # What it is, to whom, under which rule.
    assert contacted.number in copy
    assert contacted.kind.name in copy
    assert "HSLF-FS 2021:52 5 kap. 5 §" in copy
    assert in_swedish("Report to %(authority)s.", authority="Läkemedelsverket") in copy


def test_the_copy_says_why_the_report_is_due_when_it_is(
    org: Any, mt: Any, pump: Any, kinds: Any, series: Any
) -> None:
    report = services.report_draft(
        actor=mt,
        kind="device_incident",
        **incident_fields(org, pump, unexpected=True, public_health_threat=True),
    )

    page = visible_text(report_copy(report).html())

    outcome = in_swedish("Serious deterioration of health")
    assert f"{outcome}; {in_swedish('unexpected')}" in page
    assert in_swedish("Serious public-health threat") in page


def test_the_in_house_information_tells_no_outcome_but_the_planned_use(
    org: Any, mt: Any, kinds: Any, series: Any
) -> None:
    report = services.report_draft(
        actor=mt,
        kind="in_house_information",
        unit=org.unit_a,
        contact_phone="010-123 45 67",
        event_date=KNOWN,
        awareness_date=KNOWN,
        planned_use_date=datetime.date(2027, 3, 1),
        description="Egentillverkning av en adapter påbörjas.",
        manufacturer="Region Test MFT",
        trade_name="Adapter",
    )

    page = visible_text(report_copy(report).html())

    assert "Inspektionen för vård och omsorg" in page and "Adapter" in page
    assert f"{in_swedish('Planned start of clinical use')} 2027-03-01" in page
    assert in_swedish("Outcome for the patient or user") not in page


def test_the_pdf_is_titled_and_numbered_as_the_report(contacted: Report, tmp_path: Path) -> None:
    meta = info(write(tmp_path, report_copy(contacted).pdf()))

    assert meta["Title"] == contacted.kind.name
    assert meta["Keywords"] == contacted.number
    assert meta["Subject"] == in_swedish(
        "%(kind)s to %(authority)s", kind=contacted.kind.name, authority="Läkemedelsverket"
    )


def test_a_personal_number_that_got_past_the_form_is_masked_and_stops_the_send(
    approved: Report, mt: Any, tmp_path: Path
) -> None:
    # Written straight into the row, past the services' check (a bug, a console, an import).
    typed = f"Patienten {PERSONNUMMER} fick för låg dos."
    Report.objects.filter(pk=approved.pk).update(
        description=typed, device_location=f"Hos {PERSONNUMMER}"
    )
    approved.refresh_from_db()

    copy = pdf_text(tmp_path, report_copy(approved).pdf())
    assert PERSONNUMMER not in copy and PERSONNUMMER.replace("-", "") not in copy
    assert f"Patienten {MASK} fick för låg dos." in copy
    assert f"Hos {MASK}" in copy

    # Nor does it leave: the send asks for the number to be removed (or confirmed not one).
    with pytest.raises(ValidationError, match="personal identity number"):
        services.report_send(actor=mt, report=approved, channel="e_service", sent_on=KNOWN)
    approved.refresh_from_db()
    assert approved.sent_document is None


def test_the_diary_keeps_the_copy_that_was_sent(sent: Report, tmp_path: Path) -> None:
    assert sent.sent_document is not None
    kept = pdf_text(tmp_path, stored_pdf(sent.sent_document), "kept.pdf")

    assert kept == pdf_text(tmp_path, report_copy(sent).pdf())
    assert DESCRIPTION in kept and PUMP_GTIN in kept and sent.number in kept


def test_the_kept_copy_is_dated_the_day_it_was_sent(
    approved: Report, mt: Any, tmp_path: Path
) -> None:
    sent_on = KNOWN + datetime.timedelta(days=2)
    sent = services.report_send(actor=mt, report=approved, channel="e_service", sent_on=sent_on)

    assert sent.sent_document is not None
    kept = pdf_text(tmp_path, stored_pdf(sent.sent_document))
    assert sent_on.isoformat() in kept


def test_a_number_the_drafter_confirmed_is_no_personal_number_is_kept(
    org: Any, mt: Any, pump: Any, kinds: Any, series: Any, tmp_path: Path
) -> None:
    report = services.report_draft(
        actor=mt,
        kind="device_incident",
        personal_numbers_confirmed=True,
        **incident_fields(org, pump, description=f"Felkod i loggen: {PERSONNUMMER}."),
    )

    copy = pdf_text(tmp_path, report_copy(report).pdf())

    assert f"Felkod i loggen: {PERSONNUMMER}." in copy
    assert MASK not in copy


def test_the_manufacturers_copy_says_it_is_one(sent: Report, mt: Any, tmp_path: Path) -> None:
    dispatch = services.report_send_manufacturer_copy(
        actor=mt, report=sent, channel="email", sent_on=KNOWN
    )

    assert dispatch.purpose == Dispatch.Purpose.MANUFACTURER_COPY
    file = write(tmp_path, stored_pdf(dispatch.document), "manufacturer.pdf")
    title = in_swedish("Copy for the manufacturer: %(kind)s", kind=sent.kind.name)
    assert info(file)["Title"] == title
    copy = words(text(file))
    assert title in copy
    assert (
        in_swedish(
            "The care provider's copy for the manufacturer of a report to %(authority)s.",
            authority="Läkemedelsverket",
        )
        in copy
    )
    assert DESCRIPTION in copy and PUMP_GTIN in copy and "SN-998877" in copy
    # The report's own copy is not the manufacturer's.
    assert title not in pdf_text(tmp_path, stored_pdf(sent.sent_document), "report.pdf")  # type: ignore[arg-type]


def test_the_html_page_has_the_same_facts_and_masks_the_same(draft: Report) -> None:
    Report.objects.filter(pk=draft.pk).update(consequence=f"Patient {PERSONNUMMER} vårdades.")
    draft.refresh_from_db()

    page = visible_text(report_copy(draft).html())

    assert draft.kind.name in page and draft.number in page
    for fact in ("Acme Medical", "Infusionspump", PUMP_GTIN, "SN-998877", DESCRIPTION):
        assert fact in page, fact
    assert "Region Test" in page and "Unit A" in page and "010-123 45 67" in page
    assert f"Patient {MASK} vårdades." in page
    assert PERSONNUMMER not in page


def test_a_lex_maria_copy_has_no_device_part_and_names_the_device_report(
    sent: Report, quality: Any, org: Any, tmp_path: Path
) -> None:
    lex_maria = services.report_draft(
        actor=quality,
        kind="lex_maria",
        unit=org.unit_a,
        contact_phone="010-123 45 67",
        event_date=sent.event_date,
        awareness_date=sent.awareness_date,
        description="Patienten fick för låg dos när pumpen inte larmade.",
        care_injury="risk",
        care_injury_possible=True,
        related_report=sent,
    )

    page = visible_text(report_copy(lex_maria).html())

    assert lex_maria.kind.name in page
    assert "Inspektionen för vård och omsorg" in page
    # What makes it a Lex Maria report: the step on the ladder, and what could have happened.
    assert (
        f"{in_swedish('Risk of care injury')}; "
        f"{in_swedish('could have caused a serious care injury')}" in page
    )
    assert in_swedish("Trade name") not in page and PUMP_GTIN not in page
    assert (
        in_swedish(
            "The event is also reported as %(kind)s %(number)s.",
            kind=sent.kind.name,
            number=sent.number,
        )
        in page
    )
