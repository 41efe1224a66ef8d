"""Demo devices: a few hundred devices across the demo region's units, some overdue."""

import datetime
import random

from django.utils import timezone
from stdnum import ean

from medtek.core.actors import SYSTEM
from medtek.devices import services
from medtek.devices.identifiers import hibc_check_character
from medtek.devices.models import DeviceModel, DeviceStatus, InspectionKind
from medtek.organisation.models import Unit


def gtin(first_twelve: str) -> str:
    return first_twelve + ean.calc_check_digit(first_twelve)


def hibc(body: str) -> str:
    return body + hibc_check_character(body)


# (manufacturer, trade name, version, issuer, UDI-DI, EMDN, class, implantable, safety, part,
#  interval months, how many)
MODELS = [
    (
        "Braun",
        "Infusomat Space",
        "P",
        "gs1",
        gtin("404602700001"),
        "Z12030101",
        "IIb",
        False,
        "I",
        "CF",
        24,
        60,
    ),
    (
        "Philips",
        "IntelliVue MX450",
        "",
        "gs1",
        gtin("088444100002"),
        "Z12040101",
        "IIb",
        False,
        "I",
        "CF",
        24,
        40,
    ),
    (
        "ZOLL",
        "AED Plus",
        "",
        "gs1",
        gtin("084712300003"),
        "Z12050101",
        "III",
        False,
        "internal",
        "BF",
        12,
        25,
    ),
    (
        "Dräger",
        "Evita V800",
        "",
        "gs1",
        gtin("404893300004"),
        "Z12010301",
        "IIb",
        False,
        "I",
        "BF",
        12,
        12,
    ),
    (
        "GE HealthCare",
        "MAC 2000",
        "",
        "gs1",
        gtin("084068200005"),
        "Z12040301",
        "IIa",
        False,
        "I",
        "CF",
        24,
        30,
    ),
    (
        "Fresenius Medical Care",
        "5008S CorDiax",
        "",
        "gs1",
        gtin("404098100006"),
        "Z12011201",
        "IIb",
        False,
        "I",
        "B",
        12,
        18,
    ),
    (
        "Roche",
        "Accu-Chek Inform II",
        "",
        "gs1",
        gtin("076172800007"),
        "W02020101",
        "C",
        False,
        "internal",
        "none",
        12,
        40,
    ),
    (
        "Welch Allyn",
        "Connex Spot Monitor",
        "",
        "hibcc",
        hibc("+H813CSM7100"),
        "Z12040102",
        "IIa",
        False,
        "II",
        "BF",
        24,
        35,
    ),
    (
        "Medela",
        "Vario 18",
        "",
        "gs1",
        gtin("761000700008"),
        "Z12011601",
        "IIa",
        False,
        "II",
        "none",
        24,
        25,
    ),
    (
        "Medtronic",
        "Azure XT DR MRI",
        "W1DR01",
        "gs1",
        gtin("064317000009"),
        "J01010101",
        "III",
        True,
        "none",
        "none",
        None,
        6,
    ),
    (
        "Region Mälarmark MFT",
        "Trycksensoradapter IVA",
        "1.2",
        "",
        "",
        "Z12040199",
        "IIa",
        False,
        "II",
        "CF",
        12,
        4,
    ),
    (
        "Region Mälarmark MFT",
        "Sugkoppling neonatal",
        "1.0",
        "",
        "",
        "Z12040199",
        "IIa",
        False,
        "none",
        "none",
        12,
        2,
    ),
    # In-house too: an IVD (software interpreting blood gases) and a bracket for infusion pumps.
    (
        "Region Mälarmark MFT",
        "Syra-bas-tolkning IVA",
        "2.0",
        "",
        "",
        "",
        "C",
        False,
        "none",
        "none",
        None,
        1,
    ),
    (
        "Region Mälarmark MFT",
        "Fästbygel infusionspumpar IVA",
        "1.1",
        "",
        "",
        "Z12030199",
        "I",
        False,
        "none",
        "none",
        24,
        3,
    ),
]


def load(units: dict[str, Unit], *, seed: int = 2026) -> int:
    rng = random.Random(seed)
    today = timezone.localdate()
    models = []
    for (
        mfr,
        name,
        version,
        issuer,
        udi,
        emdn,
        klass,
        implantable,
        safety,
        part,
        interval,
        count,
    ) in MODELS:
        model = services.device_model_create(
            actor=SYSTEM,
            manufacturer=mfr,
            trade_name=name,
            model_version=version,
            udi_issuer=issuer,
            udi_di=udi,
            emdn_code=emdn,
            risk_class=klass,
            implantable=implantable,
            safety_class=safety,
            applied_part=part,
            inspection_interval_months=interval,
            conformity=DeviceModel.Conformity.IN_HOUSE
            if mfr.startswith("Region")
            else DeviceModel.Conformity.CE,
        )
        models.append((model, count))
    clinical = [
        units[k]
        for k in ("akut", "kirurgi", "medicin", "iva", "kvinno", "dialys", "orto", "med_asby")
    ]
    primary = [units[k] for k in ("vc_norrmalm", "vc_soderby", "vc_ekbacken", "vc_sjostaden")]
    number = 10000
    created = 0
    for model, count in models:
        for _ in range(count):
            number += 1
            small = model.risk_class in ("C", "IIa") and model.safety_class != "I"
            unit = rng.choice(primary + clinical if small else clinical)
            if model.trade_name.startswith("5008S"):
                unit = units["dialys"]
            if model.is_in_house:
                unit = units["iva"]
            purchased = today - datetime.timedelta(days=rng.randint(60, 3000))
            fields = dict(
                inventory_number=f"MT-{number}",
                model=model,
                serial_number=f"{model.trade_name[:3].upper()}{rng.randint(100000, 999999)}",
                unit=unit,
                location=f"Rum {rng.randint(1, 60)}",
                supplier=f"{model.manufacturer} Sverige AB",
                purchased_on=purchased,
                delivered_on=purchased + datetime.timedelta(days=rng.randint(3, 30)),
                warranty_until=purchased + datetime.timedelta(days=730),
            )
            accepted = purchased + datetime.timedelta(days=rng.randint(31, 40))
            fields["acceptance_checked_on"] = accepted
            if model.needs_udi_storage:
                serial = f"PJN{rng.randint(100000, 999999)}"
                fields.update(
                    udi_serial=serial,
                    udi_carrier=f"(01){model.udi_di}(21){serial}",
                    manufactured_on=purchased - datetime.timedelta(days=90),
                    expires_on=purchased + datetime.timedelta(days=3650),
                )
            status = DeviceStatus.IN_USE if rng.random() > 0.06 else DeviceStatus.IN_REPAIR
            device = services.device_register(
                actor=SYSTEM,
                status=status,
                status_since=max(accepted, today - datetime.timedelta(days=30)),
                **fields,
            )
            created += 1
            if model.inspection_interval_months:
                # About one in eight is overdue; the rest due within the coming interval.
                offset = (
                    rng.randint(-120, -1)
                    if rng.random() < 0.125
                    else rng.randint(0, model.inspection_interval_months * 30)
                )
                kind = (
                    InspectionKind.ELECTRICAL_SAFETY
                    if model.safety_class in ("I", "II")
                    else InspectionKind.FUNCTIONAL
                )
                services.inspection_plan_create(
                    actor=SYSTEM,
                    device=device,
                    kind=kind,
                    interval_months=model.inspection_interval_months,
                    next_due=today + datetime.timedelta(days=offset),
                )
    return created
