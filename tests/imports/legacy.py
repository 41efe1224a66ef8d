"""A realistic export of another region's register, for the tests that move one into medtek.

The file is what an old register (Medusa, MEMS) writes: Windows-1252, ``;``, CRLF, headers in
Swedish as that register names them (some are aliases medtek knows, "Fabrikat" and "Avdelning"
are not, "Inv.nr" only resembles one), statuses in its own words ("På service") beside the
interface's own labels ("I bruk", "Avställd"), the model's identity and the inspection history
as columns, measured values with a decimal comma, a comment column medtek has no field for,
two blank rows at the end, and one row of each kind of error a person must be told about.

``legacy_register`` puts the register in the state the file assumes: one of its device models
is in the catalogue, one of its inventory numbers is already registered. The file's unit names
are those of ``tests.factories.make_org``, except "Kir avd 3" (which a person maps to Unit B)
and "Akuten" (which no unit is, and stays an error).
"""

import datetime
from dataclasses import dataclass
from typing import Any

from medtek.core.actors import SYSTEM
from medtek.devices import services as device_services
from medtek.devices.models import Device, DeviceModel, RiskClass

HEADER = [
    "Inv.nr",
    "Fabrikat",
    "Benämning",
    "Modell",
    "UDI-DI",
    "Riskklass",
    "Avdelning",
    "Status",
    "Leveranskontroll",
    "Kontrollintervall",
    "Senaste kontroll",
    "Skyddsjord (ohm)",
    "Resultat",
    "Kommentar",
]

#: The GTINs of the file's models (GS1, correct mod-10 check digits).
PHILIPS_GTIN = "08710000123457"
MINDRAY_GTIN = "06940000987656"

#: The file's rows after the header as the register writes them, by their row number in
#: Excel (the header is row 1).
ROWS: dict[int, str] = {
    2: (
        "MT-1001;Philips;IntelliVue;MX450;08710000123457;IIb;Unit A;I bruk;"
        "2021-03-01;12;2024-03-15;0,12;Godkänd;Nytt batteri 2023"
    ),
    3: (
        "MT-1002;Philips;IntelliVue;MX450;08710000123457;IIb;Kir avd 3;På service;"
        "2021-03-01;12;2023-11-20;0,09;Godkänd;"
    ),
    4: (
        "MT-1003;Mindray;BeneVision;N15;06940000987656;IIb;Unit A1;Avställd;"
        "2022-05-02;24;2023-05-02;;;Väntar på kassation"
    ),
    5: (
        "MT-1004;Mindray;BeneVision;N15;06940000987656;IIb;Unit B;I bruk;"
        "2022-05-02;24;2024-01-08;0,15;Godkänd;"
    ),
    6: (
        "MT-1005;B. Braun;Perfusor;Space;;IIb;Kir avd 3;I bruk;"
        "2020-09-14;6;2024-01-10;0,2;Godkänd;Lånad från IVA"
    ),
    # One row of each kind of error: a GTIN's check digit (…58, not …57), a risk class
    # MDR does not have, a number that is none, a date that does not exist, a number twice in
    # the file, a number already registered, a unit nobody has.
    7: (
        "MT-1006;Philips;IntelliVue;MX450;08710000123458;IIb;Unit A;I bruk;"
        "2021-03-01;12;2024-03-15;0,11;Godkänd;"
    ),
    8: (
        "MT-1007;Philips;IntelliVue;MX450;;IV;Unit A;I bruk;2021-03-01;12;2024-03-15;0,10;Godkänd;"
    ),
    9: (
        "MT-1008;B. Braun;Perfusor;Space;;IIb;Unit B;I bruk;2020-09-14;6;2024-01-10;0,1,2;Godkänd;"
    ),
    10: (
        "MT-1009;Mindray;BeneVision;N15;06940000987656;IIb;Unit B;I bruk;"
        "2022-05-02;24;2024-02-30;0,13;Godkänd;"
    ),
    11: (
        "MT-1010;Philips;IntelliVue;MX450;08710000123457;IIb;Unit A;I bruk;"
        "2021-03-01;12;2024-03-15;0,12;Godkänd;"
    ),
    12: (
        "MT-1010;Mindray;BeneVision;N15;06940000987656;IIb;Unit B;I bruk;"
        "2022-05-02;24;2024-01-08;0,14;Godkänd;Dubblett?"
    ),
    13: (
        "MT-0001;Philips;IntelliVue;MX450;08710000123457;IIb;Unit A;I bruk;"
        "2021-03-01;12;2024-03-15;0,12;Godkänd;"
    ),
    14: (
        "MT-1011;Philips;IntelliVue;MX450;08710000123457;IIb;Akuten;I bruk;"
        "2021-03-01;12;2024-03-15;0,12;Godkänd;"
    ),
    15: (
        "MT-1012;B. Braun;Perfusor;Space;;IIb;Unit A;Avställd;"
        "2020-09-14;6;2023-12-01;0,3;Godkänd;Åter från service"
    ),
}

#: The rows that import once the columns, the values and the new models are accepted.
VALID_ROWS = [2, 3, 4, 5, 6, 15]


@dataclass(frozen=True)
class Planted:
    """One kind of error the file holds: its rows, the column it is reported in, and a word of
    the English message that tells it apart."""

    rows: tuple[int, ...]
    column: str
    says: str


PLANTED = {
    "check digit": Planted((7,), "UDI-DI", "check digit"),
    "risk class": Planted((8,), "Riskklass", "risk class"),
    "number": Planted((9,), "Skyddsjord (ohm)", "number"),
    "date": Planted((10,), "Senaste kontroll", "date"),
    "twice in the file": Planted((11, 12), "Inv.nr", "also stands on row"),
    "already registered": Planted((13,), "Inv.nr", "already in the register"),
    "unknown unit": Planted((14,), "Avdelning", "No unit named"),
}
ERROR_ROWS = sorted(n for p in PLANTED.values() for n in p.rows)

#: The new device models the file names (the catalogue has the Philips monitor).
NEW_MODELS = [("Mindray", "BeneVision", "N15"), ("B. Braun", "Perfusor", "Space")]

#: What a person maps by hand: the columns medtek cannot know, the column left out, the
#: source's own status word and the unit name of the old register.
COLUMNS_BY_HAND = {"Fabrikat": "manufacturer", "Avdelning": "unit"}
SUGGESTED = {"Inv.nr": "inventory_number"}
LEFT_OUT = "Kommentar"
STATUS_BY_HAND = {"På service": "in_repair"}
UNIT_BY_HAND = "Kir avd 3"  # → Unit B


def legacy_export(rows: dict[int, str] | None = None) -> bytes:
    """The export as the old register writes it (``rows`` by default), with its two trailing
    blank rows."""
    blank = ";" * (len(HEADER) - 1)
    lines = [";".join(HEADER), *(ROWS if rows is None else rows).values(), blank, blank]
    return "".join(line + "\r\n" for line in lines).encode("cp1252")


def legacy_register(org: Any) -> tuple[DeviceModel, Device]:
    """The register before the file is imported: the Philips monitor in the catalogue (by its
    GTIN, inspected yearly) and a device registered under one of the file's numbers."""
    monitor = device_services.device_model_create(
        actor=SYSTEM,
        manufacturer="Philips",
        trade_name="IntelliVue",
        model_version="MX450",
        udi_issuer=DeviceModel.UdiIssuer.GS1,
        udi_di=PHILIPS_GTIN,
        risk_class=RiskClass.IIB,
        inspection_interval_months=12,
    )
    device = device_services.device_register(
        actor=SYSTEM,
        inventory_number="MT-0001",
        model=monitor,
        unit=org.unit_a,
        serial_number="SN-0001",
        acceptance_checked_on=datetime.date(2020, 1, 15),
    )
    return monitor, device


def cells(number: int) -> list[str]:
    """Row ``number``'s cells, by column."""
    return ROWS[number].split(";")
