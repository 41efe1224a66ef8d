"""The demo region: a fictional Swedish region with hospitals, the medical technology department
(MFT), region-run and private primary care centres, one user per role, and the board case of the
seed document (``shared/seed``) as far as the models allow.

Everything is created through the services, so the demo also fills the audit trail.
"""

from dataclasses import dataclass

from django.db import transaction
from stdnum import luhn

from medtek.core import audit
from medtek.core.actors import SYSTEM
from medtek.core.models import NumberSeries
from medtek.core.numbering import number_series_continue_from, number_series_create
from medtek.organisation import services
from medtek.organisation.models import CareProvider, Unit
from medtek.organisation.roles import Role

DEMO_PASSWORD = "medtek-demo"
REGION_NAME = "Region Mälarmark"


def org_number(first_nine: str) -> str:
    """A valid (Luhn) organisation number from its first nine digits, formatted NNNNNN-NNNN."""
    digits = first_nine + luhn.calc_check_digit(first_nine)
    return f"{digits[:6]}-{digits[6:]}"


def hsa(provider_org: str, local: str) -> str:
    return f"SE{provider_org.replace('-', '')}-{local}"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    title: str
    role: str
    unit: str  # key into the unit map


DEMO_USERS = [
    DemoUser("mt", "Erik", "Holm", "Medicintekniker, MFT", Role.MT_ENGINEER, "region"),
    DemoUser("kvalitet", "Sara", "Lund", "Kvalitetsansvarig, MFT", Role.QUALITY_LEAD, "region"),
    DemoUser("registrator", "Anna", "Berg", "Registrator", Role.REGISTRAR, "region"),
    DemoUser("cheflakare", "Johan", "Ek", "Chefläkare", Role.PATIENT_SAFETY_OFFICER, "hsf"),
    DemoUser("verksamhetschef", "Lena", "Falk", "Verksamhetschef IVA", Role.HEAD_OF_UNIT, "iva"),
    DemoUser("mftchef", "Maria", "Dahl", "Chef Medicinsk teknik", Role.HEAD_OF_UNIT, "mft"),
    DemoUser("iva", "Omar", "Nilsson", "Sjuksköterska IVA", Role.UNIT_STAFF, "iva"),
    DemoUser(
        "vc-norrmalm", "Karin", "Svensson", "Distriktssköterska", Role.UNIT_STAFF, "vc_norrmalm"
    ),
    DemoUser(
        "vc-ekbacken", "Per", "Ahmadi", "Läkare, privat vårdcentral", Role.UNIT_STAFF, "vc_ekbacken"
    ),
    DemoUser(
        "namndsekreterare", "Eva", "Sjöberg", "Nämndsekreterare", Role.BOARD_SECRETARY, "region"
    ),
    DemoUser("revisor", "Gunnar", "Ström", "Förtroendevald revisor", Role.AUDITOR, "region"),
    DemoUser("admin", "Ida", "Wik", "Systemförvaltare", Role.ADMINISTRATOR, "region"),
]


def region_exists() -> bool:
    return Unit.objects.exists()


@transaction.atomic
def load(*, stdout_write: object = None) -> dict[str, Unit]:
    """Create the demo region. Raises if the organisation already has a region."""
    write = stdout_write if callable(stdout_write) else (lambda s: None)
    with audit.audit_context(source="demo"):
        return _load(write)


def _load(write: object) -> dict[str, Unit]:
    assert callable(write)
    region_org = org_number("232100099")
    region = services.care_provider_create(
        actor=SYSTEM,
        name=REGION_NAME,
        org_number=region_org,
        operator=CareProvider.Operator.REGION,
        address="Regionens hus\nStorgatan 1\n721 30 Mälarstad",
    )
    ekbacken = services.care_provider_create(
        actor=SYSTEM,
        name="Ekbackens Läkarhus AB",
        org_number=org_number("559123456"),
        operator=CareProvider.Operator.PRIVATE,
        contract_reference="Vårdval VC 2024-017",
    )
    sjostaden = services.care_provider_create(
        actor=SYSTEM,
        name="Sjöstadens Vård AB",
        org_number=org_number("556987654"),
        operator=CareProvider.Operator.PRIVATE,
        contract_reference="Vårdval VC 2025-003",
    )

    u: dict[str, Unit] = {}
    K = Unit.Kind

    def add(
        key: str,
        name: str,
        kind: str,
        parent: str | None,
        provider: CareProvider = region,
        local: str = "",
        short: str = "",
    ) -> None:
        u[key] = services.unit_create(
            actor=SYSTEM,
            name=name,
            kind=kind,
            parent=u[parent] if parent else None,
            care_provider=provider,
            hsa_id=hsa(provider.org_number, local) if local else "",
            short_name=short,
        )

    add("region", REGION_NAME, K.REGION, None, local="1000", short="RM")
    add("rs", "Regionstyrelsen", K.BOARD, "region", short="RS")
    add("rsau", "Regionstyrelsens arbetsutskott", K.BOARD, "rs", short="RSAU")
    add("revision", "Revisionen (regionens revisorer)", K.OTHER, "region")
    add("rlk", "Regionledningskontoret", K.ADMINISTRATION, "region", local="1100", short="RLK")
    add(
        "hsf",
        "Hälso- och sjukvårdsförvaltningen",
        K.ADMINISTRATION,
        "region",
        local="2000",
        short="HSF",
    )
    add("mft", "Medicinsk fysik och teknik", K.DEPARTMENT, "hsf", local="2100", short="MFT")
    add("css", "Centralsjukhuset Mälarstad", K.HOSPITAL, "hsf", local="3000", short="CSM")
    add("akut", "Akutkliniken", K.CLINIC, "css", local="3100")
    add("kirurgi", "Kirurgkliniken", K.CLINIC, "css", local="3200")
    add("medicin", "Medicinkliniken", K.CLINIC, "css", local="3300")
    add("iva", "Intensivvårdsavdelningen", K.CLINIC, "css", local="3400", short="IVA")
    add("kvinno", "Kvinnokliniken", K.CLINIC, "css", local="3500")
    add("dialys", "Dialysmottagningen", K.DEPARTMENT, "medicin", local="3310")
    add("lsa", "Lasarettet i Åsby", K.HOSPITAL, "hsf", local="4000", short="LÅ")
    add("orto", "Ortopedkliniken Åsby", K.CLINIC, "lsa", local="4100")
    add("med_asby", "Medicinkliniken Åsby", K.CLINIC, "lsa", local="4200")
    add("pv", "Primärvården", K.ADMINISTRATION, "hsf", local="5000")
    add("vc_norrmalm", "Vårdcentral Norrmalm", K.PRIMARY_CARE_CENTRE, "pv", local="5100")
    add("vc_soderby", "Vårdcentral Söderby", K.PRIMARY_CARE_CENTRE, "pv", local="5200")
    add("vc_ekbacken", "Vårdcentral Ekbacken", K.PRIMARY_CARE_CENTRE, "pv", ekbacken, "vc1")
    add("vc_sjostaden", "Sjöstadens vårdcentral", K.PRIMARY_CARE_CENTRE, "pv", sjostaden, "vc1")
    write(f"  {len(u)} units, 3 care providers (1 region-run, 2 private)")

    for d in DEMO_USERS:
        person = services.person_create(
            actor=SYSTEM,
            username=d.username,
            first_name=d.first_name,
            last_name=d.last_name,
            email=f"{d.username}@malarmark.example",
            title=d.title,
            password=DEMO_PASSWORD,
        )
        services.role_grant(
            actor=SYSTEM, user=person, unit=u[d.unit], role=d.role, reason="Demo region"
        )
    # The region's officials of the seed board case (fictional stand-ins).
    services.person_create(
        actor=SYSTEM,
        username="handlaggare",
        first_name="Magnus",
        last_name="Jansson",
        title="Hälso- och sjukvårdsdirektör",
    )
    services.person_create(
        actor=SYSTEM,
        username="ordforande",
        first_name="Christina",
        last_name="Öberg",
        title="Regionstyrelsens ordförande (M)",
    )

    _number_series()
    write(f"  {len(DEMO_USERS)} demo users, one per role")
    from medtek.demo import devices

    write(f"  {devices.load(u)} devices with inspection plans, some overdue")
    from medtek.demo import inhouse

    write(
        f"  {inhouse.load(u)} in-house files: approved, under review (IVO not yet notified), "
        "an IVDR draft and one suspended"
    )
    from medtek.demo import registry

    write(f"  {registry.load(u)} registered documents in the diary, and 2 waiting to be registered")
    from medtek.demo import reports

    write(f"  {reports.load(u)} reports to authorities, one in each state (one draft overdue)")
    return u


def _number_series() -> None:
    """The board's diary series, continuing after the seed case RS-LED26-0847 (§ 160/26)."""
    rs = number_series_create(
        actor=SYSTEM, key="rs-led", name="Regionstyrelsen, ledning", format="RS-LED{yy}-{seq:04}"
    )
    number_series_continue_from(
        actor=SYSTEM,
        series=rs,
        year=2026,
        last_value=847,
        reason="RS-LED26-0847 (§ 160/26 Yttrande över granskningsrapport - Hantering av "
        "medicintekniska produkter inom hälso- och sjukvården, 2026-05-05) was registered "
        "in the previous case management system.",
    )
    number_series_create(
        actor=SYSTEM, key="mft", name="Medicinsk fysik och teknik", format="MFT {yyyy}/{seq:04}"
    )


def series_ready() -> bool:
    return NumberSeries.objects.filter(key="rs-led").exists()
