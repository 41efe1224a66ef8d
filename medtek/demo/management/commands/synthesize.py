"""``medtek synthesize``: region-scale synthetic data for the benchmarks (``benchmarks/README.md``).

``--scale N`` adds N devices across the demo region's units, with a few hundred device models,
a spread of statuses and inspection plans (about one in eight overdue). ``--csv FILE --rows N``
writes a device import file of N new rows (inventory numbers not in the database, models and
units that exist, units named by HSA id) for the import benchmark.

The records are written with ``bulk_create``, not through the services: this is synthetic
benchmark data, not user data, so instead of one AuditEvent per record the trail gets ONE event
that says what was synthesised, in the same transaction.
"""

import csv
import datetime
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone
from stdnum import ean

from medtek.core import audit, planner
from medtek.core.actors import SYSTEM
from medtek.demo.actions import Action
from medtek.devices.identifiers import hibc_check_character
from medtek.devices.models import (
    Device,
    DeviceModel,
    DeviceStatus,
    DeviceStatusChange,
    InspectionKind,
    InspectionPlan,
    add_months,
)
from medtek.organisation.models import Unit

#: Inventory numbers of synthesised devices: SYN-0000001, SYN-0000002, …
INVENTORY_PREFIX = "SYN-"
#: The columns of the import file (the import framework's own field names).
CSV_HEADER = [
    "inventory_number",
    "manufacturer",
    "trade_name",
    "model_version",
    "serial_number",
    "udi_lot",
    "udi_serial",
    "manufactured_on",
    "expires_on",
    "udi_carrier",
    "unit_hsa_id",
    "location",
    "supplier",
    "purchased_on",
    "delivered_on",
    "warranty_until",
    "acceptance_checked_on",
    "status",
]
MODEL_COUNT = 300
CHUNK = 5000
MODEL_SEED = 7350  # the catalogue is always the same, whatever --seed says


@dataclass(frozen=True)
class Family:
    """A kind of product, as the catalogue's synthetic models are drawn from it."""

    stems: tuple[str, ...]
    emdn: str
    risk_class: str
    implantable: bool
    safety_class: str
    applied_part: str
    interval: int | None
    weight: float
    calibrated: bool = False


# Kinds of product: trade name stems | EMDN | risk class | implantable | electrical safety class |
# applied part | inspection interval (months) | share of the devices | also calibrated
_FAMILY_TABLE = """
Infusomat, InfusionMate, Infusion Pump, Volumed | Z12030101 | IIb | no | I | CF | 24 | 12 | yes
Perfusor, Syringe Driver, Injectomat | Z12030102 | IIb | no | I | CF | 24 | 8 | yes
IntelliVue, Patient Monitor, CARESCAPE, Vista | Z12040101 | IIb | no | I | CF | 24 | 10 | yes
Spot Monitor, Blood Pressure Monitor | Z12040102 | IIa | no | II | BF | 24 | 7 | no
Pulse Oximeter, SpO2 Sensor Hub | Z12040104 | IIb | no | internal | BF | 24 | 6 | no
AED, Defibrillator, LifePak | Z12050101 | III | no | internal | BF | 12 | 3 | no
Ventilator, Evita, Servo | Z12010301 | IIb | no | I | BF | 12 | 2 | yes
Anaesthesia Workstation | Z12010101 | IIb | no | I | BF | 12 | 1 | yes
ECG, Electrocardiograph | Z12040301 | IIa | no | I | CF | 24 | 3 | no
Dialysis System | Z12011201 | IIb | no | I | B | 12 | 1 | yes
Glucose Meter, Blood Glucose System | W02020101 | C | no | internal | none | 12 | 5 | no
Suction Pump, Aspirator | Z12011601 | IIa | no | II | none | 24 | 4 | no
Hospital Bed, Care Bed | V0801 | I | no | I | B | 24 | 8 | no
Patient Lift, Ceiling Lift | Y0612 | I | no | II | none | 12 | 3 | no
Thermometer | Z12040201 | IIa | no | internal | BF | 24 | 4 | no
Ultrasound System | Z11040101 | IIa | no | I | BF | 24 | 2 | no
Electrosurgical Unit | Z12020101 | IIb | no | I | CF | 12 | 1 | yes
Pacemaker, ICD | J01010101 | III | yes | none | none | - | 1 | no
Trycksensoradapter, Larmförlängning | Z12040199 | IIa | no | II | CF | 12 | 1 | no
"""


def _families() -> list[Family]:
    out = []
    for line in _FAMILY_TABLE.strip().splitlines():
        stems, emdn, klass, implantable, safety, part, interval, weight, calibrated = (
            c.strip() for c in line.split("|")
        )
        out.append(
            Family(
                stems=tuple(s.strip() for s in stems.split(",")),
                emdn=emdn,
                risk_class=klass,
                implantable=implantable == "yes",
                safety_class=safety,
                applied_part=part,
                interval=None if interval == "-" else int(interval),
                weight=float(weight),
                calibrated=calibrated == "yes",
            )
        )
    return out


*FAMILIES, IN_HOUSE = _families()  # the last one is made in-house (MDR art. 5(5))
MANUFACTURERS = [
    "B. Braun", "Philips", "GE HealthCare", "Dräger", "Mindray", "Nihon Kohden", "Baxter",
    "Fresenius Kabi", "ZOLL", "Stryker", "Medtronic", "Getinge", "Arjo", "Hillrom", "Welch Allyn",
    "Masimo", "Roche", "Abbott", "Siemens Healthineers", "Olympus", "ICU Medical", "Smiths Medical",
    "Natus", "Schiller", "Terumo", "Medela", "Ambu", "Hamilton Medical", "Karl Storz", "Laerdal",
]  # fmt: skip
SERIES = ["", "Plus", "Pro", "S", "Neo", "One", "X", "Space", "Compact", "Touch"]
LOCATIONS = ["Sal", "Rum", "Förråd", "Expedition", "Behandlingsrum", "Undersökningsrum", "Korridor"]
STATUS_WEIGHTS = [
    (DeviceStatus.IN_USE, 85),
    (DeviceStatus.OUT_OF_SERVICE, 5),
    (DeviceStatus.IN_REPAIR, 4),
    (DeviceStatus.SCRAPPED, 6),
]
UNIT_WEIGHTS: dict[str, int] = {
    Unit.Kind.CLINIC: 10,
    Unit.Kind.DEPARTMENT: 6,
    Unit.Kind.PRIMARY_CARE_CENTRE: 3,
    Unit.Kind.HOSPITAL: 2,
}
OVERDUE_SHARE = 0.125


def gtin(first_twelve: str) -> str:
    return first_twelve + ean.calc_check_digit(first_twelve)


def _catalogue() -> list[tuple[DeviceModel, float]]:
    """The synthetic catalogue (unsaved), each model with its share of the devices."""
    rng = random.Random(MODEL_SEED)
    out: list[tuple[DeviceModel, float]] = []
    seen: set[tuple[str, str, str]] = set()
    families = [*FAMILIES, IN_HOUSE]
    weights = [f.weight for f in families]
    index = 0
    while len(out) < MODEL_COUNT:
        family = rng.choices(families, weights)[0]
        in_house = family is IN_HOUSE
        manufacturer = "Region Mälarmark MFT" if in_house else rng.choice(MANUFACTURERS)
        trade_name = f"{rng.choice(family.stems)} {rng.choice(SERIES)}".strip()
        version = f"{rng.randint(1, 9)}.{rng.randint(0, 9)}" if rng.random() < 0.6 else ""
        key = (manufacturer.casefold(), trade_name.casefold(), version.casefold())
        if key in seen:
            continue
        seen.add(key)
        index += 1
        issuer, udi = "", ""
        if not in_house:
            if index % 10 == 0:
                body = f"+S{index % 1000:03d}P{index:05d}1"
                issuer, udi = "hibcc", body + hibc_check_character(body)
            else:
                issuer, udi = "gs1", gtin(f"73599{index:07d}")
        model = DeviceModel(
            manufacturer=manufacturer,
            trade_name=trade_name,
            model_version=version,
            udi_issuer=issuer,
            udi_di=udi,
            emdn_code=family.emdn,
            risk_class=family.risk_class,
            implantable=family.implantable,
            conformity=DeviceModel.Conformity.IN_HOUSE if in_house else DeviceModel.Conformity.CE,
            safety_class=family.safety_class,
            applied_part=family.applied_part,
            inspection_interval_months=family.interval,
        )
        # A few models are common, most are rare (as in a real register).
        rank = sum(1 for m, _ in out if m.emdn_code == family.emdn) + 1
        out.append((model, family.weight / rank))
    return out


def ensure_catalogue() -> tuple[list[DeviceModel], list[float], int]:
    """Create the synthetic models that are missing; returns (models, weights, created)."""
    existing = {
        (m.manufacturer.casefold(), m.trade_name.casefold(), m.model_version.casefold()): m
        for m in DeviceModel.objects.all()
    }
    models, weights, missing = [], [], []
    for model, weight in _catalogue():
        key = (
            model.manufacturer.casefold(),
            model.trade_name.casefold(),
            model.model_version.casefold(),
        )
        found = existing.get(key)
        if found is None:
            model.clean_fields()
            model.clean()
            missing.append(model)
            found = model
        models.append(found)
        weights.append(weight)
    DeviceModel.objects.bulk_create(missing)
    return models, weights, len(missing)


def device_units() -> tuple[list[Unit], list[float]]:
    units = list(Unit.objects.filter(active=True, kind__in=UNIT_WEIGHTS).order_by("path"))
    return units, [UNIT_WEIGHTS[u.kind] for u in units]


def _interval(model: DeviceModel, kind: str) -> int:
    if kind == InspectionKind.CALIBRATION:
        return 12
    return model.inspection_interval_months or 12


class Synthesizer:
    """Builds devices (with their plans and status changes) chunk by chunk."""

    def __init__(self, seed: int, today: datetime.date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.models, self.model_weights, self.models_created = ensure_catalogue()
        self.calibrated = {
            f.emdn for f in FAMILIES if f.calibrated
        }  # families with a calibration plan too
        self.units, self.unit_weights = device_units()
        if not self.units:
            raise CommandError("The database has no clinical units: load the demo region first.")

    def _dates(self) -> dict[str, datetime.date]:
        rng, today = self.rng, self.today
        purchased = today - datetime.timedelta(days=rng.randint(45, 4000))
        delivered = purchased + datetime.timedelta(days=rng.randint(3, 30))
        accepted = min(delivered + datetime.timedelta(days=rng.randint(0, 10)), today)
        return {
            "purchased_on": purchased,
            "delivered_on": delivered,
            "warranty_until": purchased + datetime.timedelta(days=rng.choice((730, 1095, 1825))),
            "acceptance_checked_on": accepted,
        }

    def device(self, number: int, model: DeviceModel, unit: Unit, status: str) -> Device:
        rng = self.rng
        dates = self._dates()
        accepted = dates["acceptance_checked_on"]
        since = accepted
        if status != DeviceStatus.IN_USE:
            span = max((self.today - accepted).days, 0)
            since = accepted + datetime.timedelta(days=rng.randint(0, span))
        place = rng.choice(LOCATIONS)
        if rng.random() < 0.03:
            place = "Infusionsrum"
        device = Device(
            inventory_number=f"{INVENTORY_PREFIX}{number:07d}",
            model=model,
            serial_number=f"{model.trade_name[:3].upper()}{rng.randint(1_000_000, 9_999_999)}",
            unit=unit,
            location=f"{place} {rng.randint(1, 40)}, plan {rng.randint(1, 8)}",
            supplier=f"{model.manufacturer} Sverige AB"
            if not model.is_in_house
            else "Medicinsk fysik och teknik",
            status=status,
            status_since=since,
            **dates,
        )
        if model.needs_udi_storage:
            serial = f"PJN{rng.randint(100000, 999999)}"
            device.udi_serial = serial
            device.udi_carrier = f"(01){model.udi_di}(21){serial}"
            device.manufactured_on = dates["purchased_on"] - datetime.timedelta(days=90)
            device.expires_on = dates["purchased_on"] + datetime.timedelta(days=3650)
        return device

    def plans(self, device: Device) -> list[InspectionPlan]:
        model = device.model
        if not model.inspection_interval_months:
            return []
        kinds = [
            InspectionKind.ELECTRICAL_SAFETY
            if model.safety_class in ("I", "II")
            else InspectionKind.FUNCTIONAL
        ]
        if model.emdn_code in self.calibrated and self.rng.random() < 0.5:
            kinds.append(InspectionKind.CALIBRATION)
        active = device.status != DeviceStatus.SCRAPPED
        out = []
        for kind in kinds:
            months = _interval(model, kind)
            if self.rng.random() < OVERDUE_SHARE:
                due = self.today - datetime.timedelta(days=self.rng.randint(1, 365))
            else:
                due = self.today + datetime.timedelta(days=self.rng.randint(0, months * 30))
            last = add_months(due, -months)
            out.append(
                InspectionPlan(
                    device=device,
                    kind=kind,
                    interval_months=months,
                    last_done=last if last <= self.today else None,
                    next_due=due,
                    active=active,
                )
            )
        return out

    def status_changes(self, device: Device) -> list[DeviceStatusChange]:
        accepted = device.acceptance_checked_on or self.today
        changes = [
            DeviceStatusChange(
                device=device,
                from_status="",
                to_status=DeviceStatus.IN_USE,
                effective_on=accepted,
                reason="Registered (synthetic benchmark data)",
            )
        ]
        if device.status != DeviceStatus.IN_USE:
            changes.append(
                DeviceStatusChange(
                    device=device,
                    from_status=DeviceStatus.IN_USE,
                    to_status=device.status,
                    effective_on=device.status_since or accepted,
                    reason="Synthetic benchmark data",
                )
            )
        return changes

    def chunk(self, first_number: int, size: int) -> tuple[int, int, int]:
        """Create ``size`` devices numbered from ``first_number``; returns the rows written."""
        rng = self.rng
        models = rng.choices(self.models, self.model_weights, k=size)
        units = rng.choices(self.units, self.unit_weights, k=size)
        statuses = rng.choices(
            [s for s, _ in STATUS_WEIGHTS], [w for _, w in STATUS_WEIGHTS], k=size
        )
        devices = [
            self.device(first_number + i, model, unit, status)
            for i, (model, unit, status) in enumerate(zip(models, units, statuses, strict=True))
        ]
        plans_of = [self.plans(d) for d in devices]
        for device, plans in zip(devices, plans_of, strict=True):
            due = [p.next_due for p in plans if p.active]
            device.next_due = min(due) if due else None
        Device.objects.bulk_create(devices, batch_size=1000)
        plans = [p for ps in plans_of for p in ps]
        for p in plans:
            p.device_id = p.device.pk
        InspectionPlan.objects.bulk_create(plans, batch_size=2000)
        changes = [c for d in devices for c in self.status_changes(d)]
        for c in changes:
            c.device_id = c.device.pk
        DeviceStatusChange.objects.bulk_create(changes, batch_size=2000)
        return len(devices), len(plans), len(changes)


def next_inventory_number() -> int:
    last = (
        Device.objects.filter(inventory_number__startswith=INVENTORY_PREFIX)
        .order_by("-inventory_number")
        .values_list("inventory_number", flat=True)
        .first()
    )
    return int(last.removeprefix(INVENTORY_PREFIX)) + 1 if last else 1


# The import file -------------------------------------------------------------------------------


def new_import_prefix(rng: random.Random) -> str:
    """An inventory number prefix (``IMPxxxxx-``) that no device in the database has."""
    while True:
        prefix = f"IMP{rng.randrange(16**5):05X}-"
        if not Device.objects.filter(inventory_number__istartswith=prefix).exists():
            return prefix


def import_rows(
    rows: int, *, seed: int, prefix: str, error_share: float = 0.0
) -> Iterator[list[str]]:
    """``rows`` rows for a device import file: new inventory numbers ``<prefix>0000001`` …,
    existing models and units (by HSA id); with ``error_share``, that share of rows has one error
    each (of varied kinds)."""
    rng = random.Random(seed)
    today = timezone.localdate()
    models = list(DeviceModel.objects.order_by("pk"))
    units = [u for u in device_units()[0] if u.hsa_id]
    if not models or not units:
        raise CommandError("No device models or units with an HSA id: load the demo region first.")
    existing = list(Device.objects.values_list("inventory_number", flat=True)[:100])
    weights = [1.0 / (1 + i % 40) for i in range(len(models))]
    statuses = [DeviceStatus.IN_USE] * 17 + [DeviceStatus.OUT_OF_SERVICE, DeviceStatus.IN_REPAIR]
    previous = ""
    for i in range(1, rows + 1):
        model = rng.choices(models, weights)[0]
        unit = rng.choice(units)
        purchased = today - datetime.timedelta(days=rng.randint(45, 3000))
        delivered = purchased + datetime.timedelta(days=rng.randint(3, 30))
        row = {
            "inventory_number": f"{prefix}{i:07d}",
            "manufacturer": model.manufacturer,
            "trade_name": model.trade_name,
            "model_version": model.model_version,
            "serial_number": f"SN{rng.randint(10**7, 10**8 - 1)}",
            "udi_lot": "",
            "udi_serial": "",
            "manufactured_on": "",
            "expires_on": "",
            "udi_carrier": "",
            "unit_hsa_id": unit.hsa_id,
            "location": f"{rng.choice(LOCATIONS)} {rng.randint(1, 40)}",
            "supplier": f"{model.manufacturer} Sverige AB",
            "purchased_on": purchased.isoformat(),
            "delivered_on": delivered.isoformat(),
            "warranty_until": (purchased + datetime.timedelta(days=1095)).isoformat(),
            "acceptance_checked_on": min(
                delivered + datetime.timedelta(days=rng.randint(0, 10)), today
            ).isoformat(),
            "status": rng.choice(statuses),
        }
        if model.needs_udi_storage:
            serial = f"PJN{rng.randint(100000, 999999)}"
            row.update(
                udi_serial=serial,
                udi_carrier=f"(01){model.udi_di}(21){serial}",
                manufactured_on=(purchased - datetime.timedelta(days=90)).isoformat(),
                expires_on=(purchased + datetime.timedelta(days=3650)).isoformat(),
            )
        if error_share and rng.random() < error_share:
            _spoil(row, rng, previous, existing)
        previous = row["inventory_number"]
        yield [row[c] for c in CSV_HEADER]


def _spoil(row: dict[str, str], rng: random.Random, previous: str, existing: Sequence[str]) -> None:
    """Give the row one error of the kinds the import reports."""
    kind = rng.randrange(8)
    if kind == 0:
        row["trade_name"] += " (no such model)"
    elif kind == 1:
        row["purchased_on"] = "2024-13-45"
    elif kind == 2:
        row["unit_hsa_id"] = "SE0000000000-NONE"
    elif kind == 3:
        row["delivered_on"] = "2000-01-01"
    elif kind == 4:
        row["acceptance_checked_on"], row["status"] = "", DeviceStatus.IN_USE
    elif kind == 5:
        row["status"] = "broken"
    elif kind == 6 and existing:
        row["inventory_number"] = rng.choice(existing)  # already in the register
    elif previous:
        row["inventory_number"] = previous  # twice in the file


def write_import_csv(
    path: Path,
    rows: int,
    *,
    seed: int,
    error_share: float = 0.0,
    progress: Callable[[int], None] | None = None,
) -> str:
    """Write the import file as Swedish Excel saves it: UTF-8 with BOM, ``;``-separated.
    Returns the prefix of the file's new inventory numbers."""
    prefix = new_import_prefix(random.Random(seed))
    rows_iter = import_rows(rows, seed=seed, prefix=prefix, error_share=error_share)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(CSV_HEADER)
        for i, row in enumerate(rows_iter, start=1):
            writer.writerow(row)
            if progress and i % 10000 == 0:
                progress(i)
    return prefix


# The command -----------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Create synthetic, region-scale benchmark data: --scale N devices (with a few hundred "
        "device models, statuses and inspection plans, some overdue) across the demo region's "
        "units, loading the demo region first into an empty database; and/or --csv FILE --rows N, "
        "a device import file of N new rows. The devices are written with bulk_create, bypassing "
        "the services: they are synthetic benchmark data, not user data, so the audit trail gets "
        "one event summarising the synthesis instead of one per record. Never run it against a "
        "real region's database (it refuses with DEBUG off)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=0, help="How many devices to add.")
        parser.add_argument("--csv", type=Path, help="Write a device import file here.")
        parser.add_argument(
            "--rows", type=int, default=100_000, help="Rows of the import file (default 100000)."
        )
        parser.add_argument(
            "--errors",
            type=float,
            default=0.0,
            help="Share (0–1) of import rows with one error each (default 0: all valid).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG off (a benchmark server, never a real region's database).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "Refusing to synthesise data with DEBUG off: this is benchmark data for a "
                "throw-away database. Use --allow-production on a benchmark server."
            )
        scale, csv_path = options["scale"], options["csv"]
        if scale < 0 or options["rows"] < 0 or not 0 <= options["errors"] <= 1:
            raise CommandError("--scale and --rows are counts; --errors is a share from 0 to 1.")
        if not scale and csv_path is None:
            raise CommandError("Say what to make: --scale N and/or --csv FILE --rows N.")
        self.show = not options["no_progress"]
        self._ensure_region()
        if scale:
            self._synthesize(scale, options["seed"])
        if csv_path is not None:
            started = time.monotonic()
            write_import_csv(
                csv_path,
                options["rows"],
                seed=options["seed"] + 1,
                error_share=options["errors"],
                progress=lambda n: self._progress("csv rows", n, options["rows"], started),
            )
            self._done()
            self.stdout.write(f"Wrote {options['rows']} import rows to {csv_path}.")

    def _ensure_region(self) -> None:
        from medtek.demo import region

        if not region.region_exists():
            self.stdout.write("The database is empty: loading the demo region first …")
            region.load(stdout_write=self.stdout.write)

    def _progress(self, label: str, done: int, total: int, started: float) -> None:
        if self.show:
            rate = done / max(time.monotonic() - started, 1e-6)
            sys.stderr.write(f"\r{label}: {done}/{total} ({rate:,.0f}/s)   ")
            sys.stderr.flush()

    def _done(self) -> None:
        if self.show:
            sys.stderr.write("\n")

    def _synthesize(self, scale: int, seed: int) -> None:
        started = time.monotonic()
        today = timezone.localdate()
        totals = [0, 0, 0]
        with transaction.atomic(), audit.audit_context(source="cli"):
            synth = Synthesizer(seed, today)
            first = next_inventory_number()
            for start in range(0, scale, CHUNK):
                size = min(CHUNK, scale - start)
                written = synth.chunk(first + start, size)
                totals = [t + w for t, w in zip(totals, written, strict=True)]
                self._progress("devices", start + size, scale, started)
            root = Unit.objects.filter(parent__isnull=True).order_by("pk").first()
            assert root is not None
            audit.record(
                actor=SYSTEM,
                action=Action.DEMO_SYNTHESIZE,
                obj=root,
                after={
                    "devices": totals[0],
                    "inspection_plans": totals[1],
                    "status_changes": totals[2],
                    "device_models_created": synth.models_created,
                    "inventory_numbers": [
                        f"{INVENTORY_PREFIX}{first:07d}",
                        f"{INVENTORY_PREFIX}{first + scale - 1:07d}",
                    ],
                    "seed": seed,
                },
                reason="Synthetic benchmark data (medtek synthesize), written with bulk_create "
                "without an audit event per record.",
            )
        self._done()
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Planner statistics and the visibility map (index-only scans), as autovacuum would
            # leave them some time later, so that a benchmark right after measures the steady state.
            with connection.cursor() as cursor:
                for model in (Device, InspectionPlan, DeviceStatusChange, DeviceModel):
                    cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
            planner.analyse()  # the rest too: the units, loaded once, are never auto-analysed
        self.stdout.write(
            f"Synthesised {totals[0]} devices, {totals[1]} inspection plans and {totals[2]} "
            f"status changes ({synth.models_created} new device models) in "
            f"{time.monotonic() - started:.1f} s."
        )
