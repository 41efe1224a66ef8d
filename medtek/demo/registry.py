"""The demo diary: the board's case RS-LED26-0847 from the seed decision (§ 160/26), taken over
from the previous case system with its documents, and MFT's diary with cases and documents in
several states — one marked under secrecy, one corrected, one closed case, and documents waiting
in the registrar's inbox (one of them overdue)."""

import datetime
from typing import Any

from django.utils import timezone

from medtek.core.actors import SYSTEM
from medtek.organisation.models import Unit, User
from medtek.registry import services
from medtek.registry.models import Document

#: A one-page PDF standing in for a scanned letter.
_LETTER = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
_SEED_TITLE = (
    "Yttrande över granskningsrapport - Hantering av medicintekniska produkter inom hälso- och "
    "sjukvården"
)


def _letter(note: str) -> bytes:
    return _LETTER + f"% {note}\n".encode()


def load(units: dict[str, Unit]) -> int:
    """Load the demo diary; returns how many documents it holds."""
    registrar = User.objects.get(username="registrator")
    mt = User.objects.get(username="mt")
    iva = User.objects.get(username="iva")
    services.process_code_create(actor=SYSTEM, code="1.2", title="Styra och följa upp verksamheten")
    devices = services.process_code_create(
        actor=SYSTEM, code="3.1", title="Hantera medicintekniska produkter"
    )
    reporting = services.process_code_create(
        actor=SYSTEM, code="3.2", title="Rapportera till tillsynsmyndigheter"
    )
    osl_25 = services.secrecy_provision_create(
        actor=SYSTEM,
        reference="OSL 25 kap. 1 §",
        title="Hälso- och sjukvård: uppgift om enskildas hälsotillstånd och personliga "
        "förhållanden",
    )
    services.secrecy_provision_create(
        actor=SYSTEM,
        reference="OSL 21 kap. 1 §",
        title="Uppgift om hälsa eller sexualliv i alla verksamheter",
    )

    count = _seed_case(units, registrar)

    incident = services.case_open(
        actor=registrar,
        series="mft",
        title="Negativ händelse med infusionspump, IVA",
        title_restricted="Negativ händelse: infusionspump gav fel dos till patient på IVA sal 4",
        unit=units["iva"],
        officer=mt,
        classification=reporting,
        parties="Läkemedelsverket; tillverkaren",
    )
    report = services.document_draw_up(
        actor=registrar,
        case=incident,
        direction=Document.Direction.OUTGOING,
        kind="Anmälan",
        date=timezone.localdate() - datetime.timedelta(days=12),
        counterparty="Läkemedelsverket",
        description="Anmälan av negativ händelse med infusionspump",
        files=[("anmalan-lv.pdf", _letter("anmälan"))],
    )
    reply = services.document_submit(
        actor=iva,
        case=incident,
        unit=units["iva"],
        direction=Document.Direction.INCOMING,
        kind="Svar",
        date=timezone.localdate() - datetime.timedelta(days=6),
        counterparty="Läkemedelsverket",
        counterparty_restricted="Patienten på IVA sal 4 (journal 2026-118)",
        description="Läkemedelsverkets frågor om händelsen",
        details="Läkemedelsverket frågar om patientens dos och tillstånd efter händelsen.",
        files=[("svar-lv.pdf", _letter("svar"))],
    )
    marked = services.document_register(
        actor=registrar,
        document=reply,
        case=incident,
        secrecy_provision=osl_25,
        secrecy_marked_on=timezone.localdate() - datetime.timedelta(days=5),
    )
    services.document_correct(
        actor=registrar,
        document=report,
        reason="Mottagarens diarienummer kom i kvittensen.",
        external_system="Public 360",
        external_number="LV 4.3.1-2026-009871",
    )
    count += 3

    acceptance = services.case_open(
        actor=registrar,
        series="mft",
        title="Leveranskontroll av nya dialysmaskiner 2026",
        unit=units["mft"],
        officer=mt,
        classification=devices,
        parties="Leverantören",
    )
    services.document_draw_up(
        actor=registrar,
        case=acceptance,
        direction=Document.Direction.INTERNAL,
        kind="Protokoll",
        date=timezone.localdate() - datetime.timedelta(days=40),
        description="Protokoll från leveranskontrollen",
    )
    services.case_close(actor=registrar, case=acceptance, reason="Kontrollen är klar.")
    count += 1

    # Waiting in the inbox: one from today, one from a week ago (overdue).
    services.document_submit(
        actor=iva,
        unit=units["iva"],
        direction=Document.Direction.INCOMING,
        kind="Kvittens",
        date=timezone.localdate(),
        counterparty="Tillverkaren",
        description="Tillverkarens kvittens på händelserapporten",
        files=[("kvittens.pdf", _letter("kvittens"))],
    )
    old = services.document_submit(
        actor=iva,
        unit=units["iva"],
        direction=Document.Direction.INCOMING,
        kind="Brev",
        date=timezone.localdate() - datetime.timedelta(days=7),
        counterparty="IVO",
        description="IVO:s begäran om uppgifter om egentillverkade produkter",
    )
    _submitted_days_ago(old, 7)
    del marked
    return count + 2


def _seed_case(units: dict[str, Unit], registrar: Any) -> int:
    """RS-LED26-0847 as the seed decision describes it: the auditors' report (in), the memo of
    2026-05-05 (RS-LED26-0847-2) and the statement to the auditors (out)."""
    officer = User.objects.filter(username="verksamhetschef").first()
    case = services.case_record_existing(
        actor=registrar,
        series="rs-led",
        number="RS-LED26-0847",
        title=_SEED_TITLE,
        unit=units["rs"],
        officer=officer,
        parties="Revisionen",
        reason="Registrerat i det tidigare ärendehanteringssystemet.",
    )
    documents = [
        (
            "incoming",
            "Granskningsrapport",
            datetime.date(2026, 3, 16),
            "Revisionen",
            "Granskningsrapport - Hantering av medicintekniska produkter inom hälso- och "
            "sjukvården",
        ),
        (
            "internal",
            "Tjänsteutlåtande",
            datetime.date(2026, 5, 5),
            "",
            f"Tjänsteutlåtande – {_SEED_TITLE}",
        ),
        (
            "outgoing",
            "Yttrande",
            datetime.date(2026, 5, 26),
            "Revisionen",
            "Yttrande av granskningsrapport - Hantering av medicintekniska produkter inom hälso- "
            "och sjukvården",
        ),
    ]
    for direction, kind, date, party, description in documents:
        services.document_draw_up(
            actor=registrar,
            case=case,
            direction=direction,
            kind=kind,
            date=date,
            counterparty=party,
            description=description,
            files=[(f"{kind.lower()}.pdf", _letter(kind))],
        )
    return len(documents)


def _submitted_days_ago(document: Document, days: int) -> None:
    """The demo's overdue document: submitted a week ago (a draft's submission time may be set;
    nothing registered is touched)."""
    Document.objects.filter(pk=document.pk, sealed_at__isnull=True).update(
        submitted_at=timezone.now() - datetime.timedelta(days=days)
    )
