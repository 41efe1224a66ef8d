"""In-house files brought through their whole course by the services, in the order a region
would: the Annex I checklist assessed, the technical documents added, the devices released, the
file submitted and signed by two heads, IVO notified (the report drafted, approved and sent),
and the file approved — which publishes its institution's declaration.

Plain functions over the fixtures of ``tests/inhouse/conftest.py`` (``mt``, ``mft``, ``org``).
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from medtek.core.actors import SYSTEM
from medtek.core.models import NumberSeries
from medtek.core.numbering import number_series_create
from medtek.inhouse import services
from medtek.inhouse.models import REQUIRED_DOCUMENT_KINDS, ChecklistItem, InhouseDevice, SignOff
from medtek.organisation import services as organisation
from medtek.organisation.models import CareProvider, Unit, User
from medtek.organisation.roles import Role
from medtek.reports import services as reports
from tests import factories

#: A small, real PDF (one empty page): what a technical document is uploaded as.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

ADDRESS = "Box 1\n123 45 Regionstad"


def pdf(marker: str) -> bytes:
    """A PDF whose bytes differ by ``marker`` (the file store keeps equal bytes once)."""
    return PDF + f"% {marker}\n".encode()


@dataclass
class People:
    """Who takes part: the keeper who writes the file and the two heads who sign it."""

    keeper: User
    using_head: User
    mt_head: User


def people(org: Any, mt: User, mft: Unit, using_unit: Unit) -> People:
    """The heads of the using unit and of MFT (made when missing). Head of unit A is the
    ``owner`` persona."""
    using_head = (
        org.owner
        if using_unit == org.unit_a
        else _person(f"head-{using_unit.pk}", Role.HEAD_OF_UNIT, using_unit)
    )
    return People(
        keeper=mt, using_head=using_head, mt_head=_person("head-mft", Role.HEAD_OF_UNIT, mft)
    )


def _person(username: str, role: str, unit: Unit) -> User:
    found = User.objects.filter(username=username).first()
    return found or factories.person(username, role=role, unit=unit)


def ensure_address(provider: CareProvider) -> None:
    """The declaration names the institution's postal address: the approval needs one."""
    if not provider.address:
        organisation.care_provider_update(actor=SYSTEM, provider=provider, address=ADDRESS)
        provider.refresh_from_db()


def ensure_case_series() -> None:
    """The diary series a sent report's case is opened in (``REPORTS_CASE_SERIES``)."""
    if not NumberSeries.objects.filter(key="mft").exists():
        number_series_create(
            actor=SYSTEM, key="mft", name="Medicinsk fysik och teknik", format="MFT {yyyy}/{seq:04}"
        )


def assess_all(file: InhouseDevice, actor: User, *, not_fully_met: str = "") -> None:
    """Open the checklist and assess every item as met (``not_fully_met``: the code of one item
    that is met only in part, with a justification)."""
    services.checklist_open(actor=actor, inhouse_device=file)
    for item in ChecklistItem.objects.filter(file=file).select_related("requirement"):
        if item.requirement.code == not_fully_met:
            services.checklist_assess(
                actor=actor,
                item=item,
                applies=True,
                outcome=ChecklistItem.Outcome.NOT_FULLY_MET,
                justification="Motiverat avsteg",
            )
        else:
            services.checklist_assess(
                actor=actor, item=item, applies=True, outcome=ChecklistItem.Outcome.MET
            )


def add_documents(file: InhouseDevice, actor: User) -> None:
    """One document of every kind the technical file needs."""
    for kind in REQUIRED_DOCUMENT_KINDS:
        services.document_add(
            actor=actor,
            inhouse_device=file,
            kind=kind,
            title=f"{kind} {file.file_number}",
            upload=(f"{kind}.pdf", pdf(f"{file.file_number} {kind}")),
        )


def release_all(file: InhouseDevice, actor: User) -> None:
    """A release record for every registered device of the file's model."""
    from medtek.inhouse import gates

    for device in gates.devices_unreleased(file):
        services.release_record(
            actor=actor,
            inhouse_device=file,
            device=device,
            made_by=actor,
            made_on=timezone.localdate() - datetime.timedelta(days=1),
        )


def notify(file: InhouseDevice, who: People) -> Any:
    """Draft the IVO notification from the file, approve it and send it (registered in the
    diary)."""
    ensure_case_series()
    report = services.notification_draft(actor=who.keeper, inhouse_device=file)
    # A quality lead of the reporting unit approves it (another person than its drafter).
    approver = _person(f"ivo-approver-{report.unit_id}", Role.QUALITY_LEAD, report.unit)
    report = reports.report_approve(actor=approver, report=report)
    return reports.report_send(actor=who.keeper, report=report, channel="e_service")


def sign(file: InhouseDevice, who: People) -> None:
    services.signoff_sign(
        actor=who.using_head, inhouse_device=file, capacity=SignOff.Capacity.USING_UNIT
    )
    services.signoff_sign(
        actor=who.mt_head, inhouse_device=file, capacity=SignOff.Capacity.MEDICAL_TECHNOLOGY
    )


def ready_for_review(file: InhouseDevice, who: People, *, not_fully_met: str = "") -> InhouseDevice:
    """Everything but the sign-off and the notification, then submitted for review."""
    assess_all(file, who.keeper, not_fully_met=not_fully_met)
    add_documents(file, who.keeper)
    release_all(file, who.keeper)
    return services.inhouse_device_transition(
        actor=who.keeper, inhouse_device=file, target=InhouseDevice.Status.UNDER_REVIEW
    )


def approve(
    file: InhouseDevice, org: Any, mt: User, mft: Unit, *, not_fully_met: str = ""
) -> InhouseDevice:
    """Bring a complete draft ``file`` (``make_file``) to approved for clinical use. The file's
    using unit is unit A unless it names one."""
    if file.using_unit_id is None:
        services.inhouse_device_update(actor=mt, inhouse_device=file, using_unit=org.unit_a)
        file.refresh_from_db()
    ensure_address(file.manufacturer_unit.care_provider)
    who = people(org, mt, mft, file.using_unit)
    file = ready_for_review(file, who, not_fully_met=not_fully_met)
    sign(file, who)
    notify(file, who)
    file = InhouseDevice.objects.get(pk=file.pk)
    return services.inhouse_device_transition(
        actor=who.keeper, inhouse_device=file, target=InhouseDevice.Status.APPROVED
    )
