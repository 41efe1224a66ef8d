"""Building an in-house file up to each gate of its approval, through the services, for the
tests of the lifecycle: ``Ready`` holds the people and the file, and each step is one call."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from medtek.core.actors import SYSTEM
from medtek.core.models import NumberSeries
from medtek.core.numbering import number_series_create
from medtek.inhouse import services
from medtek.inhouse.models import REQUIRED_DOCUMENT_KINDS, ChecklistItem, InhouseDevice, SignOff
from medtek.organisation.models import Unit
from medtek.organisation.roles import Role
from medtek.reports import services as reports
from tests import factories

#: A minimal real PDF, as a technical document's content.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class Ready:
    file: InhouseDevice
    mt: Any  # the MT engineer who wrote the file
    head_using: Any  # head of the using unit
    head_mt: Any  # head of the manufacturing (MT) unit
    quality: Any  # approves the IVO notification

    def refresh(self) -> InhouseDevice:
        self.file = InhouseDevice.objects.select_related(
            "device_model", "manufacturer_unit__care_provider", "using_unit", "notification"
        ).get(pk=self.file.pk)
        return self.file

    def assess_all(self, *, but: int = 0) -> None:
        """Assess every checklist item (all but ``but`` of them): through the service for the
        first, as a bulk step for the rest (the service is tested on its own)."""
        services.checklist_open(actor=self.mt, inhouse_device=self.file)
        items = list(ChecklistItem.objects.filter(file=self.file).order_by("requirement__position"))
        first = items[0]
        services.checklist_assess(actor=self.mt, item=first, applies=True, outcome="met")
        rest = [i.pk for i in items[1 : len(items) - but]]
        ChecklistItem.objects.filter(pk__in=rest).update(
            applies=True, outcome=ChecklistItem.Outcome.MET, assessed_at=timezone.now()
        )

    def add_documents(self, kinds: tuple[str, ...] = REQUIRED_DOCUMENT_KINDS) -> None:
        for kind in kinds:
            services.document_add(
                actor=self.mt,
                inhouse_device=self.file,
                kind=kind,
                title=f"Dokument {kind}",
                upload=(f"{kind}.pdf", PDF + kind.encode()),
            )

    def submit(self) -> None:
        self.file = services.inhouse_device_transition(
            actor=self.mt, inhouse_device=self.file, target=InhouseDevice.Status.UNDER_REVIEW
        )

    def sign_both(self) -> None:
        services.signoff_sign(
            actor=self.head_using,
            inhouse_device=self.file,
            capacity=SignOff.Capacity.USING_UNIT,
        )
        services.signoff_sign(
            actor=self.head_mt,
            inhouse_device=self.file,
            capacity=SignOff.Capacity.MEDICAL_TECHNOLOGY,
        )

    def notify(self, *, send: bool = True) -> Any:
        report = services.notification_draft(actor=self.mt, inhouse_device=self.file)
        if send:
            report = reports.report_approve(actor=self.quality, report=report)
            report = reports.report_send(
                actor=self.mt,
                report=report,
                channel="post",
                sent_on=timezone.localdate(),
            )
        self.refresh()
        return report

    def everything(self) -> None:
        """Every gate but the approval itself."""
        self.assess_all()
        self.add_documents()
        self.submit()
        self.sign_both()
        self.notify()

    def approve(self) -> InhouseDevice:
        self.file = services.inhouse_device_transition(
            actor=self.head_mt, inhouse_device=self.file, target=InhouseDevice.Status.APPROVED
        )
        return self.file


def ready(org: Any, mft: Unit, make_file: Any, model: Any) -> Ready:
    """An in-house file of ``model`` made by MFT for unit A, with (a)–(c) in order, and the people
    around it; nothing further done."""
    if not NumberSeries.objects.filter(key="mft").exists():
        number_series_create(
            actor=SYSTEM, key="mft", name="Medicinsk fysik och teknik", format="MFT {yyyy}/{seq:04}"
        )
    mt = factories.person("ready-mt", role=Role.MT_ENGINEER, unit=mft)
    file = make_file(model, actor=mt, using_unit=org.unit_a)
    head_using = factories.person("ready-head-a", role=Role.HEAD_OF_UNIT, unit=org.unit_a)
    head_mt = factories.person("ready-head-mft", role=Role.HEAD_OF_UNIT, unit=mft)
    quality = factories.person("ready-quality", role=Role.QUALITY_LEAD, unit=mft)
    provider = mft.care_provider
    if not provider.address:
        provider.address = "Regionens hus\nStorgatan 1\n721 30 Mälarstad"
        provider.save(update_fields=["address"])
    return Ready(file=file, mt=mt, head_using=head_using, head_mt=head_mt, quality=quality)


TODAY = datetime.date.today
