"""Demo reports to the authorities, one in each state of the lifecycle.

- an infusion pump at the ICU under-dosed a patient: the device incident report is **sent** to
  Läkemedelsverket with the manufacturer's copy, and the **Lex Maria** report of the same event,
  approved by the patient-safety officer, waits to be sent to IVO;
- a patient monitor that did not alarm: **acknowledged** by Läkemedelsverket with its
  reference;
- the neonatal suction coupling made in-house (without a file, as the audit found) lost its
  suction: reported to IVO, which asked for more, and **supplemented**;
- an earlier Lex Maria report that IVO has **closed**;
- **drafts**: a ventilator that stopped (due in a fortnight) and a defibrillator that would not
  analyse (**overdue**: it became known three weeks ago).

The notifications to IVO of in-house devices (MDR art. 5(5)(d)) are drafted from their files by
the in-house demo (``medtek.demo.inhouse``), which runs before this one.

Every date is counted back from today, so the demo looks the same whenever it is loaded. No
text holds a patient's identity.
"""

import datetime
import importlib
from typing import Any

from django.utils import timezone

from medtek.core.actors import SYSTEM
from medtek.devices.models import Device
from medtek.organisation.models import Unit, User
from medtek.reports import services
from medtek.reports.models import Authority, Report, ReportKind

PHONE = "010-456 78 90"


def _device(trade_name: str, unit: Unit) -> Device:
    """A demo device of the model, at ``unit`` if it has one there."""
    devices = Device.objects.filter(model__trade_name=trade_name).order_by("inventory_number")
    found = devices.filter(unit=unit).first() or devices.first()
    assert found is not None, trade_name
    return found


def ensure_kinds() -> None:
    """The authorities and kinds of report that migration 0002 seeds, created (audited) if the
    database has lost them since: ``medtek flush`` empties every table, seeded rows too."""
    seeded = importlib.import_module("medtek.reports.migrations.0002_seed_authorities_and_kinds")
    for row in seeded.AUTHORITIES:
        if not Authority.objects.filter(code=row["code"]).exists():
            services.authority_create(actor=SYSTEM, **row)
    for row in seeded.KINDS:
        if not ReportKind.objects.filter(code=row["code"]).exists():
            code = row["authority"]
            authority = Authority.objects.get(code=code) if code else None
            services.report_kind_create(actor=SYSTEM, **{**row, "authority": authority})


def load(units: dict[str, Unit]) -> int:
    """Load the demo reports; returns how many there are."""
    ensure_kinds()
    today = timezone.localdate()

    def ago(days: int) -> datetime.date:
        return today - datetime.timedelta(days=days)

    mt = User.objects.get(username="mt")
    quality = User.objects.get(username="kvalitet")
    pso = User.objects.get(username="cheflakare")

    def contact(person: Any) -> dict[str, Any]:
        return {"contact_person": person, "contact_phone": PHONE, "contact_email": person.email}

    # The infusion pump: sent, with the manufacturer's copy; its Lex Maria report approved.
    pump = _device("Infusomat Space", units["iva"])
    incident = services.report_draft(
        actor=mt,
        kind="device_incident",
        unit=pump.unit,
        event_date=ago(6),
        awareness_date=ago(5),
        description=(
            "Infusionspumpen gav betydligt lägre flöde än inställt under en noradrenalininfusion. "
            "Pumpen larmade inte. Blodtrycket föll och patienten behövde ökad behandling."
        ),
        outcome="serious_deterioration",
        unexpected=True,
        consequence="Blodtrycksfall som krävde ökad cirkulatorisk behandling; patienten återhämtade"
        " sig.",
        actions_taken=(
            "Pumpen togs ur bruk och förvaras oreparerad. Övriga pumpar av samma modell på "
            "avdelningen kontrollerades utan anmärkning."
        ),
        device=pump,
        software_version="688J",
        device_location="MFT, spärrat förråd",
        manufacturer_contact="B. Braun Medical AB, avdelningen för produktsäkerhet",
        **contact(mt),
    )
    incident = services.report_approve(actor=quality, report=incident)
    incident = services.report_send(actor=mt, report=incident, channel="e_service", sent_on=ago(3))
    services.report_send_manufacturer_copy(
        actor=mt, report=incident, channel="email", sent_on=ago(3)
    )

    lex_maria = services.report_draft(
        actor=quality,
        kind="lex_maria",
        unit=pump.unit,
        event_date=ago(6),
        awareness_date=ago(5),
        description=(
            "Under en noradrenalininfusion gav infusionspumpen för lågt flöde utan att larma. "
            "Blodtrycksfallet upptäcktes vid ordinarie kontroll efter cirka 40 minuter."
        ),
        outcome="serious_deterioration",
        care_injury="risk",
        care_injury_possible=True,
        consequence="Risk för allvarlig vårdskada; patienten återhämtade sig efter behandling.",
        actions_taken=(
            "Händelseanalys påbörjad. Rutinen för kontroll av infusioner med vasoaktiva läkemedel "
            "ses över."
        ),
        related_report=incident,
        **contact(quality),
    )
    services.report_approve(actor=pso, report=lex_maria)

    # The patient monitor: acknowledged by Läkemedelsverket.
    monitor = _device("IntelliVue MX450", units["medicin"])
    acknowledged = services.report_draft(
        actor=mt,
        kind="device_incident",
        unit=monitor.unit,
        event_date=ago(40),
        awareness_date=ago(39),
        description=(
            "Patientövervakningen larmade inte vid asystoli; larmet hördes först på "
            "centralenheten efter en fördröjning."
        ),
        outcome="none",
        outcome_possible=True,
        consequence="Ingen skada; personal i rummet upptäckte händelsen.",
        actions_taken="Monitorn togs ur bruk. Larminställningarna på avdelningen kontrollerades.",
        device=monitor,
        device_location="MFT, spärrat förråd",
        manufacturer_contact="Philips AB, Healthcare",
        **contact(mt),
    )
    acknowledged = services.report_approve(actor=quality, report=acknowledged)
    acknowledged = services.report_send(
        actor=mt, report=acknowledged, channel="e_service", sent_on=ago(36)
    )
    services.report_send_manufacturer_copy(
        actor=mt, report=acknowledged, channel="email", sent_on=ago(36)
    )
    services.report_record_reply(
        actor=mt,
        report=acknowledged,
        received_on=ago(31),
        summary="Läkemedelsverket bekräftar att rapporten har kommit in.",
        reference="LV 4.3.1-2026-012345",
    )

    # The in-house suction coupling: reported to IVO, supplemented when IVO asked for more.
    coupling = _device("Sugkoppling neonatal", units["iva"])
    supplemented = services.report_draft(
        actor=mt,
        kind="in_house_incident",
        unit=coupling.unit,
        event_date=ago(60),
        awareness_date=ago(60),
        description=(
            "Den egentillverkade sugkopplingen släppte under pågående sugning; suget upphörde "
            "tills kopplingen byttes."
        ),
        outcome="none",
        outcome_possible=True,
        consequence="Ingen skada.",
        actions_taken="Kopplingarna av samma tillverkningsomgång togs ur bruk.",
        device=coupling,
        device_location="MFT, verkstaden",
        **contact(mt),
    )
    supplemented = services.report_approve(actor=quality, report=supplemented)
    supplemented = services.report_send(
        actor=mt, report=supplemented, channel="e_service", sent_on=ago(58)
    )
    services.report_record_reply(
        actor=mt,
        report=supplemented,
        received_on=ago(50),
        summary="IVO har tagit emot rapporten och begär uppgifter om tillverkningsdokumentationen.",
        reference="IVO 3.5.1-20431/2026",
    )
    services.report_supplement(
        actor=mt,
        report=supplemented,
        text=(
            "Sugkopplingen saknar dokumentation enligt HSLF-FS 2021:32; MFT upprättar den och "
            "kopplingen används inte förrän den är klar."
        ),
        channel="e_service",
        sent_on=ago(44),
    )

    # An earlier Lex Maria report that IVO has closed.
    closed = services.report_draft(
        actor=quality,
        kind="lex_maria",
        unit=units["kirurgi"],
        event_date=ago(120),
        awareness_date=ago(118),
        description=(
            "Patienten fick en brännskada under operation; neutralelektroden till "
            "diatermiaggregatet satt fel."
        ),
        outcome="other_harm",
        care_injury="serious",
        consequence="Brännskada som krävde behandling och förlängd vårdtid.",
        actions_taken="Checklistan för placering av neutralelektrod infördes på operation.",
        **contact(quality),
    )
    closed = services.report_approve(actor=pso, report=closed)
    closed = services.report_send(
        actor=quality, report=closed, channel="e_service", sent_on=ago(112)
    )
    services.report_record_reply(
        actor=quality,
        report=closed,
        received_on=ago(105),
        summary="IVO bekräftar anmälan.",
        reference="IVO 3.1.1-11873/2026",
    )
    services.report_close(
        actor=quality, report=closed, reason="IVO har avslutat ärendet utan vidare åtgärder."
    )

    # Drafts: one due in a fortnight, one overdue.
    ventilator = _device("Evita V800", units["iva"])
    services.report_draft(
        actor=mt,
        kind="device_incident",
        unit=ventilator.unit,
        event_date=ago(2),
        awareness_date=ago(1),
        description="Ventilatorn stannade med ett tekniskt larm och startade om efter 20 sekunder.",
        outcome="none",
        outcome_possible=True,
        consequence="Patienten ventilerades manuellt under tiden; ingen skada.",
        actions_taken="Ventilatorn togs ur bruk; loggfilen är sparad för tillverkaren.",
        device=ventilator,
        device_location="MFT, spärrat förråd",
        **contact(mt),
    )
    defibrillator = _device("AED Plus", units["akut"])
    services.report_draft(
        actor=mt,
        kind="device_incident",
        unit=defibrillator.unit,
        event_date=ago(21),
        awareness_date=ago(20),
        description="Defibrillatorn startade inte analysen vid ett hjärtstopp; en annan hämtades.",
        outcome="none",
        outcome_possible=True,
        consequence="Defibrillering fördröjdes cirka två minuter.",
        actions_taken="Defibrillatorn togs ur bruk; elektroderna sparades.",
        device=defibrillator,
        device_location="MFT, spärrat förråd",
        **contact(mt),
    )

    return Report.objects.count()
