"""The records the generic tests walk over: one builder per kind of record, each making one
record **in unit A's subtree** through the app's own services (so audited like real data).

The URL walker builds one record of each kind (``build(org)``) and names them in every URL it
fills; the query-count test builds many of each (``build(org, count=30)``). A builder takes the
world built so far and the record's index, so that a record can stand on the others of the same
index (a device on its device model, an inspection on its plan).

A new app adds one builder per model it scopes (``register_scope``): the walker asks for the
history page of every scoped model, and fails, naming the model, when no builder made one.

Every record lives where an outsider (staff of unit B) and the staff of the private primary
care centre cannot see it: in unit A, in a sub-unit of A run by its own care provider, or, for
an import session, uploaded by a region-wide MT engineer. The exception is a record that is the
whole region's, which everyone with a role reads (a classification list, say): its builder says
``shared=True``, and the walker does not expect it hidden.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from medtek.core.actors import SYSTEM
from medtek.core.models import NumberSeries
from medtek.core.numbering import number_series_create
from medtek.devices import services as devices
from medtek.devices.models import DeviceModel, InspectionKind
from medtek.imports import profiles as import_profiles
from medtek.imports import services as imports
from medtek.inhouse import declarations, gspr
from medtek.inhouse import services as inhouse
from medtek.inhouse.models import InhouseDevice, Requirement, SignOff
from medtek.organisation.models import RoleGrant, Unit, User
from medtek.organisation.roles import Role
from medtek.registry import services as registry
from medtek.registry.models import Document
from medtek.reports import services as reports
from tests import factories
from tests.example import services as example

#: A fixed, past date for acceptance checks, inspections and status history.
PAST = datetime.date(2024, 1, 10)

#: A minimal real PDF, as a technical document's content.
WALKER_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class World:
    """The personas, a region-wide MT engineer who keeps the register (and whoever else of the
    region a builder needs), and the records built, by model label (``"devices.device"``) in the
    order of their index."""

    org: Any
    mt: User
    records: dict[str, list[models.Model]] = field(default_factory=dict)
    people: dict[str, User] = field(default_factory=dict)

    def person(self, role: str) -> User:
        """Someone holding ``role`` on the region, made the first time a builder asks."""
        if role not in self.people:
            unit = self.org.region
            self.people[role] = factories.person(f"walker-{role}", role=role, unit=unit)
        return self.people[role]

    def first(self) -> dict[str, models.Model]:
        """One record of each kind: the ones the URL walker names."""
        return {label: rows[0] for label, rows in self.records.items() if rows}

    def get(self, label: str, index: int) -> Any:
        return self.records[label][index]

    def markers(self) -> dict[str, list[str]]:
        """What identifies each record of unit A on a page (its number, name, file name), by
        model label: text an outsider must never be shown."""
        found: dict[str, list[str]] = {}
        for b in BUILDERS:
            if b.marker is not None and not b.shared:
                found[b.label] = [b.marker(r) for r in self.records.get(b.label, [])]
        return found


def shared_labels() -> set[str]:
    """The models whose records are the whole region's (``@builds(..., shared=True)``)."""
    return {b.label for b in BUILDERS if b.shared}


@dataclass(frozen=True)
class Builder:
    label: str
    make: Callable[[World, int], models.Model]
    #: The text a page shows of the record (None: nothing of its own).
    marker: Callable[[Any], str] | None
    #: The record is the whole region's (a list everyone with a role reads, such as a
    #: classification), not unit A's: people of other units may see it too.
    shared: bool = False


BUILDERS: list[Builder] = []


def builds(
    label: str, *, marker: Callable[[Any], str] | None = None, shared: bool = False
) -> Callable[[Callable[[World, int], Any]], Callable[[World, int], Any]]:
    """Register the decorated function as the builder of ``label``'s records (in the order of
    this module, so that a builder may use the records of those above it)."""

    def register(make: Callable[[World, int], Any]) -> Callable[[World, int], Any]:
        BUILDERS.append(Builder(label, make, marker, shared))
        return make

    return register


def build(org: Any, *, count: int = 1, world: World | None = None) -> World:
    """``count`` records of every kind (more, on top of an existing ``world``)."""
    if world is None:
        mt = factories.person("walker-mt", role=Role.MT_ENGINEER, unit=org.region)
        world = World(org=org, mt=mt)
    start = len(world.records.get(BUILDERS[0].label, []))
    for index in range(start, start + count):
        for b in BUILDERS:
            world.records.setdefault(b.label, []).append(b.make(world, index))
    return world


# Organisation --------------------------------------------------------------------------------


@builds("organisation.careprovider", marker=lambda p: p.name)
def _care_provider(w: World, i: int) -> Any:
    return factories.provider(private=True, name=f"Walkervård {i} AB")


@builds("organisation.unit", marker=lambda u: u.name)
def _unit(w: World, i: int) -> Unit:
    """A department of unit A, run by its own care provider (so that the provider, too, is seen
    only by those who see unit A)."""
    return factories.unit(
        name=f"Walkerenhet {i}",
        parent=w.org.unit_a,
        provider=w.get("organisation.careprovider", i),
        kind=Unit.Kind.DEPARTMENT,
    )


@builds("organisation.user", marker=lambda u: u.username)
def _person(w: World, i: int) -> User:
    return factories.person(f"walker{i}", role=Role.UNIT_STAFF, unit=w.get("organisation.unit", i))


@builds("organisation.rolegrant")
def _grant(w: World, i: int) -> RoleGrant:
    return RoleGrant.objects.get(user=w.get("organisation.user", i))


# Device register -----------------------------------------------------------------------------


@builds("devices.devicemodel", marker=lambda m: m.trade_name)
def _device_model(w: World, i: int) -> DeviceModel:
    return devices.device_model_create(
        actor=w.mt, manufacturer="Walker Medical", trade_name=f"Walkerpump {i}", risk_class="IIa"
    )


def _register(w: World, i: int, model: DeviceModel, inventory_number: str) -> Any:
    return devices.device_register(
        actor=w.mt,
        unit=w.get("organisation.unit", i),
        model=model,
        inventory_number=inventory_number,
        acceptance_checked_on=PAST,
        status_since=PAST,
    )


@builds("devices.device", marker=lambda d: d.inventory_number)
def _device(w: World, i: int) -> Any:
    return _register(w, i, w.get("devices.devicemodel", i), f"WLK-DEV-{i}")


@builds("devices.inspectionplan")
def _plan(w: World, i: int) -> Any:
    return devices.inspection_plan_create(
        actor=w.mt,
        device=w.get("devices.device", i),
        kind=InspectionKind.ELECTRICAL_SAFETY,
        interval_months=12,
    )


@builds("devices.inspection")
def _inspection(w: World, i: int) -> Any:
    return devices.inspection_record(
        actor=w.mt,
        plan=w.get("devices.inspectionplan", i),
        performed_on=PAST,
        result="pass",
        visual_ok=True,
        functional_ok=True,
        notes=f"Walker inspection {i}",
    )


# In-house manufacture ------------------------------------------------------------------------


@builds("inhouse.inhousedevice", marker=lambda f: f.device_model.trade_name)
def _inhouse_file(w: World, i: int) -> InhouseDevice:
    """The file of an in-house model whose one device is in the sub-unit of A that makes it."""
    unit = w.get("organisation.unit", i)
    model = devices.device_model_create(
        actor=w.mt,
        manufacturer="Walker MFT",
        trade_name=f"Walkeradapter {i}",
        risk_class="IIa",
        conformity=DeviceModel.Conformity.IN_HOUSE,
    )
    _register(w, i, model, f"WLK-EGT-{i}")
    return inhouse.inhouse_device_create(
        actor=w.mt,
        device_model=model,
        kind=InhouseDevice.Kind.COMBINED,
        based_on="CE-märkt trycksensor",
        intended_purpose="Tryckmätning",
        manufacturer_unit=unit,
        not_transferred=True,
        qms_reference="Rutin W-1",
        justification="Ingen CE-märkt motsvarighet",
        market_search="Eudamed",
        market_searched_on=PAST,
        justification_review_due=timezone.localdate() + datetime.timedelta(days=180),
    )


def _file(w: World, i: int) -> InhouseDevice:
    return w.get("inhouse.inhousedevice", i)


def _requirements() -> None:
    """The Annex I data (loaded by migration; loaded again after a transactional test's flush)."""
    if not Requirement.objects.exists():
        gspr.load_shipped(Requirement, "test")


@builds("inhouse.requirement", marker=lambda r: r.title_sv, shared=True)
def _requirement(w: World, i: int) -> Any:
    _requirements()
    return Requirement.objects.filter(regulation="MDR").order_by("position")[i]


@builds("inhouse.checklistitem")
def _checklist_item(w: World, i: int) -> Any:
    _requirements()
    file = _file(w, i)
    inhouse.checklist_open(actor=w.mt, inhouse_device=file)
    item = file.checklist.order_by("requirement__position").first()
    return inhouse.checklist_assess(
        actor=w.mt, item=item, applies=False, not_applicable_reason=f"Walkerskäl {i}"
    ).obj


@builds("inhouse.filedocument", marker=lambda d: d.title)
def _file_document(w: World, i: int) -> Any:
    return inhouse.document_add(
        actor=w.mt,
        inhouse_device=_file(w, i),
        kind="ifu",
        title=f"Walkerbruksanvisning {i}",
        upload=(f"walker-{i}.pdf", WALKER_PDF + str(i).encode()),
    )


@builds("inhouse.releaserecord", marker=lambda r: r.batch)
def _release(w: World, i: int) -> Any:
    return inhouse.release_record(
        actor=w.mt,
        inhouse_device=_file(w, i),
        batch=f"WLK-BATCH-{i}",
        quantity=2,
        made_by=w.mt,
        made_on=PAST,
    )


@builds("inhouse.review", marker=lambda r: r.findings)
def _review(w: World, i: int) -> Any:
    return inhouse.review_record(
        actor=w.mt,
        inhouse_device=_file(w, i),
        reviewed_on=PAST,
        period_start=PAST - datetime.timedelta(days=365),
        findings=f"Walkeruppföljning {i}",
        units_made=2,
    )


@builds("inhouse.correctiveaction", marker=lambda a: a.description)
def _corrective_action(w: World, i: int) -> Any:
    return inhouse.corrective_action_create(
        actor=w.mt,
        review=w.get("inhouse.review", i),
        description=f"Walkeråtgärd {i}",
        owner=w.mt,
        due_date=timezone.localdate() + datetime.timedelta(days=30),
    )


@builds("inhouse.signoff")
def _signoff(w: World, i: int) -> Any:
    """The head of the unit that makes the file's device signs it, under review."""
    file = _file(w, i)
    head = factories.person(f"walker-head-{i}", role=Role.HEAD_OF_UNIT, unit=file.manufacturer_unit)
    file = inhouse.inhouse_device_transition(
        actor=w.mt, inhouse_device=file, target=InhouseDevice.Status.UNDER_REVIEW
    )
    return inhouse.signoff_sign(
        actor=head, inhouse_device=file, capacity=SignOff.Capacity.MEDICAL_TECHNOLOGY
    )


@builds("inhouse.declaration", marker=lambda d: d.institution, shared=True)
def _declaration(w: World, i: int) -> Any:
    """A published declaration is public: one, of a care provider and a device of its own (no
    marker of unit A's records), shared by every index. Its file is set approved directly: the
    approval's gates are the lifecycle tests' business, not the walker's."""
    if i > 0:
        return w.get("inhouse.declaration", 0)
    provider = factories.provider(private=True, name="Deklarationsvården AB")
    provider.address = "Box 1\n123 45 Deklarationsstad"
    provider.save(update_fields=["address"])
    unit = factories.unit(
        name="Deklarationsverkstaden",
        parent=w.org.region,
        provider=provider,
        kind=Unit.Kind.DEPARTMENT,
    )
    model = devices.device_model_create(
        actor=w.mt,
        manufacturer="Deklarationsverkstaden",
        trade_name="Deklarerad adapter",
        risk_class="I",
        conformity=DeviceModel.Conformity.IN_HOUSE,
    )
    file = inhouse.inhouse_device_create(
        actor=SYSTEM,
        device_model=model,
        kind=InhouseDevice.Kind.MANUFACTURED,
        intended_purpose="Fixering av slang",
        manufacturer_unit=unit,
    )
    InhouseDevice.objects.filter(pk=file.pk).update(status=InhouseDevice.Status.APPROVED)
    declaration = declarations.publish_if_changed(
        actor=SYSTEM, care_provider=provider, reason="Walker"
    )
    assert declaration is not None
    return declaration


# Imports -------------------------------------------------------------------------------------


@builds("imports.importsession", marker=lambda s: s.filename)
def _import_session(w: World, i: int) -> Any:
    data = (
        "inventory_number;manufacturer;trade_name;unit\r\n"
        f"WLK-IMP-{i};Walker Medical;Walkerpump {i};Walkerenhet {i}\r\n"
    ).encode()
    return imports.session_create(
        actor=w.mt, kind="devices", filename=f"walker-import-{i}.csv", data=data
    )


@builds("imports.importprofile", marker=lambda p: p.name)
def _import_profile(w: World, i: int) -> Any:
    data = b"inventory_number;manufacturer;trade_name;unit\r\n"
    session = imports.session_create(
        actor=w.mt, kind="devices", filename=f"walker-profile-{i}.csv", data=data
    )
    return import_profiles.profile_save(actor=w.mt, session=session, name=f"Walkerprofil {i}")


# The diary (registry) ------------------------------------------------------------------------

#: A small, real PDF (one empty page).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@builds("registry.processcode", marker=lambda p: p.title, shared=True)
def _process_code(w: World, i: int) -> Any:
    return registry.process_code_create(
        actor=w.person(Role.REGISTRAR), code=f"9.9.{i}", title=f"Walkerprocess {i}"
    )


@builds("registry.secrecyprovision", marker=lambda p: p.reference, shared=True)
def _secrecy_provision(w: World, i: int) -> Any:
    return registry.secrecy_provision_create(
        actor=w.person(Role.REGISTRAR), reference=f"OSL W{i}", title=f"Walkersekretess {i}"
    )


@builds("registry.case", marker=lambda c: c.number)
def _case(w: World, i: int) -> Any:
    if not NumberSeries.objects.filter(key="walker").exists():
        number_series_create(actor=SYSTEM, key="walker", name="Walker", format="WLK-{yy}-{seq:04}")
    return registry.case_open(
        actor=w.person(Role.REGISTRAR),
        series="walker",
        title=f"Walkerärende {i}",
        unit=w.get("organisation.unit", i),
        classification=w.get("registry.processcode", i),
    )


@builds("registry.document", marker=lambda d: d.number)
def _document(w: World, i: int) -> Any:
    registrar = w.person(Role.REGISTRAR)
    document = registry.document_submit(
        actor=registrar,
        unit=w.get("organisation.unit", i),
        direction=Document.Direction.INCOMING,
        kind="Svar",
        date=PAST,
        counterparty="Walker AB",
        description=f"Walkerhandling {i}",
        files=[(f"walker-{i}.pdf", PDF)],
    )
    return registry.document_register(
        actor=registrar, document=document, case=w.get("registry.case", i)
    )


@builds("registry.documentfile")
def _document_file(w: World, i: int) -> Any:
    return w.get("registry.document", i).files.get()


# Reports to the authorities ----------------------------------------------------------------


@builds("reports.authority", marker=lambda a: a.name, shared=True)
def _authority(w: World, i: int) -> Any:
    return reports.authority_create(
        actor=w.person(Role.ADMINISTRATOR),
        code=f"wlkmyn{i}",
        name=f"Walkermyndigheten {i}",
        short_name=f"WM{i}",
    )


@builds("reports.reportkind", marker=lambda k: k.name, shared=True)
def _report_kind(w: World, i: int) -> Any:
    return reports.report_kind_create(
        actor=w.person(Role.ADMINISTRATOR),
        code=f"walker_{i}",
        name=f"Walkerrapport {i}",
        legal_anchor="Walkerlagen 1 §",
        authority=w.get("reports.authority", i),
        needs_device=False,
        drafter_roles=[Role.MT_ENGINEER],
        approver_roles=[Role.QUALITY_LEAD],
    )


@builds("reports.report", marker=lambda r: r.number)
def _report(w: World, i: int) -> Any:
    if not NumberSeries.objects.filter(key="walker").exists():
        number_series_create(actor=SYSTEM, key="walker", name="Walker", format="WLK-{yy}-{seq:04}")
    unit = w.get("organisation.unit", i)
    # People of the unit itself: a unit of a private care provider reports itself.
    drafter = factories.person(f"walker-reporter-{i}", role=Role.MT_ENGINEER, unit=unit)
    approver = factories.person(f"walker-approver-{i}", role=Role.QUALITY_LEAD, unit=unit)
    report = reports.report_draft(
        actor=drafter,
        kind=w.get("reports.reportkind", i),
        unit=unit,
        contact_phone="010-1",
        event_date=PAST,
        awareness_date=PAST,
        description=f"Walkerhändelse {i}",
        case=w.get("registry.case", i),
    )
    report = reports.report_approve(actor=approver, report=report)
    report = reports.report_send(actor=drafter, report=report, channel="post", sent_on=PAST)
    reports.report_record_reply(
        actor=drafter,
        report=report,
        received_on=PAST,
        reference=f"WLK-REF-{i}",
        summary=f"Walkersvar {i}",
    )
    return report


@builds("reports.dispatch")
def _dispatch(w: World, i: int) -> Any:
    return w.get("reports.report", i).dispatches.get()


@builds("reports.reply")
def _reply(w: World, i: int) -> Any:
    return w.get("reports.report", i).replies.get()


# The example app (tests/example) --------------------------------------------------------------


@builds("example.entry", marker=lambda e: e.number)
def _entry(w: World, i: int) -> Any:
    return example.entry_create(
        actor=SYSTEM,
        number=f"WLK-E-{i}",
        title=f"Walker entry {i}",
        unit=w.get("organisation.unit", i),
        attachments=(f"walker-note-{i}",),
    )


@builds("example.attachment")
def _attachment(w: World, i: int) -> Any:
    return w.get("example.entry", i).attachments.get()


@builds("example.task", marker=lambda t: t.title)
def _task(w: World, i: int) -> Any:
    return example.task_create(
        actor=SYSTEM, title=f"Walker task {i}", unit=w.get("organisation.unit", i)
    )
