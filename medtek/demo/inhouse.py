"""Demo in-house files (MDR art. 5(5), IVDR art. 5(5)), one in each state that matters, all
made through the in-house services by the people of the demo region:

- the pressure transducer adapter that MFT combines for the ICU is **approved** for clinical
  use: its Annex I checklist is assessed in full (two requirements not fully met, with their
  justifications, which the public declaration shows), its technical documentation is complete,
  every adapter has its release record, the head of the ICU and the head of MFT have signed, IVO
  has been notified (drafted by the MT engineer, approved by the quality lead, sent and so
  registered in the diary), and the first review of clinical experience is recorded;
- the neonatal suction coupling, which had no file when the audit came, has one now that is
  **under review**: complete and signed, but blocked by the one thing the audit found missing,
  the notification to IVO;
- the acid-base interpretation software for the ICU, an in-vitro diagnostic device (IVDR), is a
  **draft** with its checklist partly assessed;
- the infusion pump bracket is **suspended** (not for clinical use) after a crack was found in
  one of them, with the review that recorded it and its corrective action.

Every date is counted from today, so the demo looks the same whenever it is loaded.
"""

import datetime
import zlib
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from medtek.demo.reports import ensure_kinds
from medtek.devices.models import Device, DeviceModel
from medtek.inhouse import gspr, services
from medtek.inhouse.models import (
    REQUIRED_DOCUMENT_KINDS,
    ChecklistItem,
    FileDocument,
    InhouseDevice,
    Requirement,
    SignOff,
)
from medtek.organisation.models import Unit, User
from medtek.reports import services as reports

S = InhouseDevice.Status
QMS = (
    "Regionens ledningssystem för kvalitet och patientsäkerhet: rutin MFT-R-012 "
    "Egentillverkning av MTP."
)
_MET_EVIDENCE = {
    "I": "Riskhanteringsrapporten och konstruktionsunderlaget.",
    "II": "Verifierings- och valideringsrapporten.",
    "III": "Märkningen och bruksanvisningen.",
}
_DOCUMENT_TITLES = {
    FileDocument.Kind.DESIGN: "Konstruktionsunderlag och prestandadata",
    FileDocument.Kind.RISK_PLAN: "Riskhanteringsplan",
    FileDocument.Kind.RISK_REPORT: "Riskhanteringsrapport",
    FileDocument.Kind.VERIFICATION: "Verifierings- och valideringsrapport",
    FileDocument.Kind.IFU: "Bruksanvisning",
    FileDocument.Kind.LABELLING: "Märkning",
    FileDocument.Kind.FACILITY: "Tillverkningsprocess och lokaler, MFT:s verkstad",
}

#: What does not apply to any of the demo's devices (keys: Annex I numbers, with all below them).
_NEVER = {
    "12": "Produkten innehåller ingen läkemedelssubstans.",
    "13": "Produkten innehåller inga material av biologiskt ursprung.",
    "16": "Produkten avger ingen strålning.",
    "19": "Produkten är inte ett aktivt implantat.",
    "22": "Produkten är inte avsedd för lekmän; den används endast av vårdpersonal.",
    "9": "Produkten är inte en produkt enligt bilaga XVI.",
    "23.2(d)": "Tillverkaren är regionen själv; ingen auktoriserad representant behövs.",
    "23.2(e)": "Produkten innehåller varken läkemedelssubstans eller vävnader.",
    "23.2(o)": "Produkten är inte en upparbetad engångsprodukt.",
    "23.2(p)": "Produkten är inte specialanpassad.",
    "23.2(q)": "Produkten används inte i klinisk prövning.",
    "23.2(r)": "Produkten är inte substansbaserad.",
    "23.2(s)": "Produkten är inte implanterbar.",
    "23.4(d)": "Sammanfattning av säkerhet och klinisk prestanda krävs inte för produkten.",
    "23.4(t)": "Produkten är inte substansbaserad.",
    "23.4(u)": "Produkten är inte ett implantat.",
    "23.4(w)": "Produkten används inte av lekmän.",
    "23.4(x)": "Produkten är inte en produkt enligt bilaga XVI.",
    "23.4(aa)": "Produkten är inte ett implantat.",
}
_NOT_STERILE = {
    "11.4": "Produkten levereras inte steril.",
    "11.5": "Produkten steriliseras inte.",
    "11.6": "Produkten steriliseras inte.",
    "11.8": "Produkten finns bara i icke-steril variant.",
    "23.2(l)": "Produkten levereras inte steril.",
    "23.3": "Produkten levereras inte i sterilförpackning.",
    "23.4(l)": "Produkten levereras inte i sterilförpackning.",
}
#: In-house devices have no UDI (MDR art. 27 does not apply to them): the label cannot carry one.
_NO_UDI = {
    "23.2(h)": (
        "Egentillverkade produkter omfattas inte av UDI-systemet (artikel 27 gäller inte enligt "
        "artikel 5.5), så märkningen saknar UDI-bärare. Varje exemplar märks i stället med "
        "regionens inventarienummer och tillverkningsnummer och är spårbart i MFT:s register."
    )
}


def load(units: dict[str, Unit]) -> int:
    """Load the demo's in-house files; returns how many there are."""
    ensure_kinds()  # the kind of report the notifications to IVO are drafted as
    if not Requirement.objects.exists():  # loaded by migration; gone after a flush
        gspr.load_shipped(Requirement, "2017-initial")
    people = {
        name: User.objects.get(username=name)
        for name in ("mt", "kvalitet", "verksamhetschef", "mftchef")
    }
    _adapter(units, people)
    _coupling(units, people)
    _acid_base(units, people)
    _bracket(units, people)
    return InhouseDevice.objects.count()


# The four files ------------------------------------------------------------------------------


def _adapter(units: dict[str, Unit], people: dict[str, User]) -> None:
    today = timezone.localdate()
    searched = today - datetime.timedelta(days=200)
    file = services.inhouse_device_create(
        actor=people["mt"],
        device_model=DeviceModel.objects.get(trade_name="Trycksensoradapter IVA"),
        kind=InhouseDevice.Kind.COMBINED,
        based_on=(
            "CE-märkt engångstrycksensor (Edwards TruWave) och patientmonitorns tryckkabel "
            "(Philips M1567A), kopplade med en adapter som MFT tillverkar."
        ),
        intended_purpose=(
            "Invasiv blodtrycksmätning på IVA när patienten flyttas mellan monitorer av olika "
            "fabrikat, utan att byta trycksensor."
        ),
        manufacturer_unit=units["mft"],
        using_unit=units["iva"],
        not_transferred=True,
        qms_reference=QMS,
        justification=(
            "Ingen CE-märkt adapter finns för kombinationen av sensor och monitor som IVA "
            "använder; byte av sensor vid förflyttning ökar infektionsrisken."
        ),
        market_search=(
            "Sökning i Eudamed och hos tre leverantörer; ingen motsvarande produkt hittades."
        ),
        market_searched_on=searched,
        justification_review_due=searched + datetime.timedelta(days=365),
    )
    _assess(
        file,
        people["mt"],
        not_applicable={
            **_NEVER,
            **_NOT_STERILE,
            "17": "Adaptern innehåller ingen programvara eller programmerbar elektronik.",
            "21": "Adaptern tillför varken energi eller substanser till patienten.",
        },
        not_fully_met={
            **_NO_UDI,
            "14.5": (
                "Adaptern är verifierad endast med Edwards TruWave och Philips M1567A; "
                "kompatibilitet med andra sensorer och kablar är inte visad. Bruksanvisningen "
                "begränsar användningen till dessa och adapterns kontakter är mekaniskt kodade, "
                "så att den inte kan anslutas till annat."
            ),
        },
    )
    _documents(file, people["mt"])
    _releases(file, people["mt"])
    _notify(file, people)
    _sign_and_approve(file, people)
    services.review_record(
        actor=people["mt"],
        inhouse_device=file,
        reviewed_on=today,
        period_start=today - datetime.timedelta(days=365),
        findings=(
            "Genomgång av erfarenheterna från IVA det senaste året: inga avvikelser eller "
            "tillbud med adaptern. Ett klagomål på att kontakten sitter trögt; åtgärdat med "
            "ny toleranssättning i ritningen utan att funktionen påverkas."
        ),
        units_made=4,
        incidents=0,
        complaints=1,
    )


def _coupling(units: dict[str, Unit], people: dict[str, User]) -> None:
    """Complete and signed; not approved, because IVO has not been told (the audit's finding)."""
    today = timezone.localdate()
    searched = today - datetime.timedelta(days=30)
    file = services.inhouse_device_create(
        actor=people["mt"],
        device_model=DeviceModel.objects.get(trade_name="Sugkoppling neonatal"),
        kind=InhouseDevice.Kind.MANUFACTURED,
        intended_purpose=(
            "Koppling mellan sugslang och sugkateter vid luftvägssugning av nyfödda på IVA, "
            "för katetrar i storlek 5–8 Ch."
        ),
        manufacturer_unit=units["mft"],
        using_unit=units["iva"],
        not_transferred=True,
        qms_reference=QMS,
        justification=(
            "De CE-märkta kopplingar som finns passar inte neonatalkatetrarnas dimension utan "
            "adapter, vilket ger läckage och svagare sug."
        ),
        market_search=(
            "Sökning i Eudamed och hos fyra leverantörer av sugutrustning; ingen koppling för "
            "5–8 Ch mot IVA:s sugslangar finns."
        ),
        market_searched_on=searched,
        justification_review_due=searched + datetime.timedelta(days=365),
    )
    _assess(
        file,
        people["mt"],
        not_applicable={
            **_NEVER,
            **_NOT_STERILE,
            "15": "Kopplingen har ingen mätfunktion.",
            "17": "Kopplingen innehåller ingen programvara.",
            "18": "Kopplingen är inte en aktiv produkt.",
            "21": "Kopplingen tillför varken energi eller substanser.",
            "20.4": "Kopplingen har inga anslutningar för energiförsörjning.",
        },
        not_fully_met=_NO_UDI,
    )
    _documents(file, people["mt"])
    _releases(file, people["mt"])
    services.inhouse_device_transition(
        actor=people["mt"], inhouse_device=file, target=S.UNDER_REVIEW
    )
    _sign(file, people)


def _acid_base(units: dict[str, Unit], people: dict[str, User]) -> None:
    """An IVD (IVDR): a draft whose checklist is assessed as far as chapter I."""
    today = timezone.localdate()
    searched = today - datetime.timedelta(days=14)
    file = services.inhouse_device_create(
        actor=people["mt"],
        device_model=DeviceModel.objects.get(trade_name="Syra-bas-tolkning IVA"),
        kind=InhouseDevice.Kind.MANUFACTURED,
        intended_purpose=(
            "Programvara som tolkar syra-basstatus ur artärblodgasanalyser från IVA:s "
            "blodgasinstrument, som beslutsstöd för läkare på IVA."
        ),
        manufacturer_unit=units["mft"],
        using_unit=units["iva"],
        not_transferred=True,
        qms_reference=QMS,
        justification=(
            "De CE-märkta tolkningsprogram som finns kan inte läsa resultaten från IVA:s "
            "blodgasinstrument eller visa dem i IVA:s journalsystem."
        ),
        market_search="Sökning i Eudamed och hos två leverantörer av blodgasinstrument.",
        market_searched_on=searched,
        justification_review_due=searched + datetime.timedelta(days=365),
        lab_compliance=(
            "Blodgasanalyserna görs av Klinisk kemi, ackrediterad av Swedac enligt "
            "SS-EN ISO 15189:2022; programvaran valideras inom laboratoriets ledningssystem."
        ),
    )
    _assess(file, people["mt"], not_applicable={}, not_fully_met={}, chapters=("I",))


def _bracket(units: dict[str, Unit], people: dict[str, User]) -> None:
    """Approved, then suspended when a crack was found in one bracket."""
    today = timezone.localdate()
    searched = today - datetime.timedelta(days=120)
    file = services.inhouse_device_create(
        actor=people["mt"],
        device_model=DeviceModel.objects.get(trade_name="Fästbygel infusionspumpar IVA"),
        kind=InhouseDevice.Kind.MANUFACTURED,
        intended_purpose=(
            "Fäste för upp till fyra infusionspumpar på sängens skena vid transport av "
            "patienter inom sjukhuset."
        ),
        manufacturer_unit=units["mft"],
        using_unit=units["iva"],
        not_transferred=True,
        qms_reference=QMS,
        justification=(
            "CE-märkta fästen finns bara för två pumpar eller för stativ; IVA:s patienter har "
            "ofta fler infusioner under transport."
        ),
        market_search="Sökning i Eudamed och hos tre leverantörer av sängtillbehör.",
        market_searched_on=searched,
        justification_review_due=searched + datetime.timedelta(days=365),
    )
    _assess(
        file,
        people["mt"],
        not_applicable={
            **_NEVER,
            **_NOT_STERILE,
            "15": "Fästbygeln har ingen mätfunktion.",
            "17": "Fästbygeln innehåller ingen programvara.",
            "18": "Fästbygeln är inte en aktiv produkt.",
            "21": "Fästbygeln tillför varken energi eller substanser.",
            "20.4": "Fästbygeln har inga anslutningar för energiförsörjning.",
            "14.2(d)": "Fästbygeln innehåller ingen programvara.",
        },
        not_fully_met=_NO_UDI,
    )
    _documents(file, people["mt"])
    _releases(file, people["mt"])
    _notify(file, people)
    file = _sign_and_approve(file, people)
    review = services.review_record(
        actor=people["mt"],
        inhouse_device=file,
        reviewed_on=today,
        period_start=today - datetime.timedelta(days=90),
        findings=(
            "Vid periodisk kontroll hittades en spricka i svetsfogen på en fästbygel. Ingen "
            "patient eller pump skadades. Alla fästbyglar tas ur bruk tills orsaken är utredd."
        ),
        units_made=3,
        incidents=1,
        complaints=0,
    )
    services.corrective_action_create(
        actor=people["mt"],
        review=review,
        description=(
            "Utred sprickans orsak (materialprov av svetsfogen) och ändra konstruktionen eller "
            "tillverkningsprocessen; kontrollera alla fästbyglar innan de används igen."
        ),
        owner=people["mt"],
        due_date=today + datetime.timedelta(days=30),
    )
    services.inhouse_device_transition(
        actor=people["mftchef"],
        inhouse_device=file,
        target=S.SUSPENDED,
        reason="Spricka i svetsfogen på en fästbygel; ur bruk tills orsaken är utredd.",
    )


# The steps -----------------------------------------------------------------------------------


def _covers(code: str, keys: Iterable[str]) -> str | None:
    """The key among ``keys`` that is ``code`` or a number above it (``23.3`` covers
    ``23.3(a)``, ``16`` covers ``16.1``)."""
    for key in keys:
        if code == key or code.startswith((key + ".", key + "(")):
            return key
    return None


def _assess(
    file: InhouseDevice,
    actor: User,
    *,
    not_applicable: dict[str, str],
    not_fully_met: dict[str, str],
    chapters: tuple[str, ...] | None = None,
) -> None:
    """Open the file's Annex I checklist and assess it item by item, as a person would on the
    checklist page: every item (or those of ``chapters``) met, or not applicable with the reason,
    or not fully met with the justification."""
    services.checklist_open(actor=actor, inhouse_device=file)
    items = ChecklistItem.objects.filter(file=file).select_related("requirement")
    for item in items.order_by("requirement__position"):
        requirement = item.requirement
        if chapters is not None and requirement.chapter not in chapters:
            continue
        code = requirement.code
        if code in not_fully_met:
            changes: dict[str, Any] = {
                "applies": True,
                "outcome": ChecklistItem.Outcome.NOT_FULLY_MET,
                "justification": not_fully_met[code],
            }
        elif (key := _covers(code, not_applicable)) is not None:
            changes = {"applies": False, "not_applicable_reason": not_applicable[key]}
        else:
            changes = {
                "applies": True,
                "outcome": ChecklistItem.Outcome.MET,
                "evidence_note": _MET_EVIDENCE.get(requirement.chapter, ""),
            }
        services.checklist_assess(actor=actor, item=item, **changes)


def _documents(file: InhouseDevice, actor: User) -> None:
    """Every kind of technical document the approval requires, each a small PDF."""
    model = file.device_model
    for kind in REQUIRED_DOCUMENT_KINDS:
        title = _DOCUMENT_TITLES[FileDocument.Kind(kind)]
        services.document_add(
            actor=actor,
            inhouse_device=file,
            kind=kind,
            title=title,
            upload=(
                f"{file.file_number}-{kind}.pdf",
                pdf(
                    f"{title}: {model.trade_name} {model.model_version}".strip(),
                    [
                        f"{file.file_number}, {model.manufacturer}",
                        "Medicinsk fysik och teknik, Region Mälarmark",
                        "Version 1",
                    ],
                ),
            ),
        )


def _releases(file: InhouseDevice, actor: User) -> None:
    """A release record for every registered device of the file's model."""
    today = timezone.localdate()
    for device in Device.objects.filter(model=file.device_model).order_by("inventory_number"):
        made_on = device.delivered_on or device.purchased_on or today
        services.release_record(
            actor=actor,
            inhouse_device=file,
            device=device,
            made_by=actor,
            made_on=min(made_on, today),
            note="Kontrollerad mot den tekniska dokumentationen och frisläppt av MFT.",
        )


def _notify(file: InhouseDevice, people: dict[str, User]) -> None:
    """The notification to IVO (d): drafted from the file by the MT engineer, approved by the
    quality lead (four eyes), sent by the e-service and so registered in the diary."""
    report = services.notification_draft(actor=people["mt"], inhouse_device=file)
    report = reports.report_approve(actor=people["kvalitet"], report=report)
    reports.report_send(actor=people["mt"], report=report, channel="e_service")
    file.refresh_from_db()


def _sign(file: InhouseDevice, people: dict[str, User]) -> None:
    """The joint sign-off: the head of the ICU (the using unit) and the head of MFT."""
    for person, capacity in (
        (people["verksamhetschef"], SignOff.Capacity.USING_UNIT),
        (people["mftchef"], SignOff.Capacity.MEDICAL_TECHNOLOGY),
    ):
        services.signoff_sign(
            actor=person,
            inhouse_device=file,
            capacity=capacity,
            statement=(
                "Produkten är lämplig för sitt avsedda ändamål och uppfyller villkoren i "
                "artikel 5.5 i förordning (EU) 2017/745."
            ),
        )


def _sign_and_approve(file: InhouseDevice, people: dict[str, User]) -> InhouseDevice:
    """Submitted by the MT engineer, signed by both heads, approved by the head of MFT; returns
    the file as it is now (a later move reads its state from it)."""
    file = services.inhouse_device_transition(
        actor=people["mt"], inhouse_device=file, target=S.UNDER_REVIEW
    )
    _sign(file, people)
    return services.inhouse_device_transition(
        actor=people["mftchef"], inhouse_device=file, target=S.APPROVED
    )


# A small real PDF ----------------------------------------------------------------------------


def pdf(title: str, lines: list[str]) -> bytes:
    """A one-page A4 PDF with a title and a few lines of text (Helvetica, WinAnsi: Swedish
    letters included), standing in for a document of the technical file."""

    def text(s: str) -> bytes:
        return (
            s.encode("cp1252", "replace")
            .replace(b"\\", b"\\\\")
            .replace(b"(", b"\\(")
            .replace(b")", b"\\)")
        )

    stream = b"BT /F1 16 Tf 56 780 Td (" + text(title) + b") Tj /F1 11 Tf"
    for line in lines:
        stream += b" 0 -22 Td (" + text(line) + b") Tj"
    stream += b" ET"
    content = zlib.compress(stream)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
        + content
        + b"\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out
