"""The demo region's in-house files: one approved with its published declaration, one under
review blocked only by the missing notification to IVO (the audit's finding), an IVDR draft
and one suspended — all made through the services by the demo's people."""

import re

import pytest
from django.utils import timezone

from medtek.core.models import AuditEvent
from medtek.devices.models import Device, DeviceStatus
from medtek.inhouse import declarations, gates
from medtek.inhouse.models import ChecklistItem, Declaration, InhouseDevice, SignOff
from medtek.inhouse.services import _authors
from medtek.reports.models import Report
from tests.demo.test_demo import loaded  # noqa: F401  (the class-wide demo region)

pytestmark = pytest.mark.django_db

S = InhouseDevice.Status


def _file(trade_name: str) -> InhouseDevice:
    return InhouseDevice.objects.select_related("device_model", "manufacturer_unit").get(
        device_model__trade_name=trade_name
    )


def _problems(file: InhouseDevice) -> list[tuple[str, str]]:
    return gates.approval_problems(file, timezone.localdate(), authors=_authors(file))


@pytest.mark.usefixtures("loaded")
class TestTheDemoInhouseFiles:
    def test_it_has_files_in_each_state_and_under_both_regulations(
        self, request: pytest.FixtureRequest
    ) -> None:
        states = {
            f.device_model.trade_name: (f.status, f.regulation)
            for f in InhouseDevice.objects.select_related("device_model")
        }
        assert states == {
            "Trycksensoradapter IVA": (S.APPROVED, "MDR"),
            "Sugkoppling neonatal": (S.UNDER_REVIEW, "MDR"),
            "Syra-bas-tolkning IVA": (S.DRAFT, "IVDR"),
            "Fästbygel infusionspumpar IVA": (S.SUSPENDED, "MDR"),
        }
        output = request.getfixturevalue("loaded")
        assert re.search(rf"^  {len(states)} in-house files", output, re.M)

    def test_they_were_made_through_the_services_by_the_demos_people(self) -> None:
        files = InhouseDevice.objects.all()
        opened = AuditEvent.objects.filter(action="inhouse_device.create")
        assert sorted(opened.values_list("object_id", flat=True)) == sorted(
            str(f.pk) for f in files
        )
        assert set(opened.values_list("actor__username", flat=True)) == {"mt"}
        assessed = ChecklistItem.objects.filter(assessed_at__isnull=False).count()
        assert AuditEvent.objects.filter(action="inhouse_checklist.assess").count() == assessed
        assert [f.file_number for f in files.order_by("pk")] == sorted(f.file_number for f in files)

    def test_the_approved_file_meets_every_requirement_of_the_approval(self) -> None:
        adapter = _file("Trycksensoradapter IVA")

        assert _problems(adapter) == []
        assert adapter.approved_at is not None
        assert gates.missing_document_kinds(adapter) == []
        assert {d.content.content_type for d in adapter.documents.all()} == {"application/pdf"}
        devices = Device.objects.filter(model=adapter.device_model).exclude(
            status=DeviceStatus.SCRAPPED
        )
        assert devices.count() == adapter.releases.count() > 0
        assert not gates.devices_unreleased(adapter).exists()
        assert adapter.reviews.count() == 1
        assert gates.next_review_due(adapter) > timezone.localdate()

    def test_its_checklist_is_assessed_with_two_requirements_not_fully_met(self) -> None:
        adapter = _file("Trycksensoradapter IVA")
        items = ChecklistItem.objects.filter(file=adapter)

        assert gates.checklist_progress(adapter) == (items.count(), items.count())
        not_met = items.filter(outcome=ChecklistItem.Outcome.NOT_FULLY_MET)
        assert 1 <= not_met.count() <= 2
        assert all(len(i.justification) > 40 for i in not_met)
        not_applicable = items.filter(applies=False)
        assert not_applicable.exists()
        assert all(i.not_applicable_reason for i in not_applicable)
        assert items.filter(outcome=ChecklistItem.Outcome.MET).count() > items.count() / 2

    def test_it_is_signed_by_the_head_of_the_icu_and_the_head_of_mft(self) -> None:
        adapter = _file("Trycksensoradapter IVA")

        signed = {
            s.capacity: s.person.username
            for s in SignOff.objects.filter(file=adapter, round=adapter.signoff_round)
        }
        assert signed == {
            SignOff.Capacity.USING_UNIT: "verksamhetschef",
            SignOff.Capacity.MEDICAL_TECHNOLOGY: "mftchef",
        }

    def test_ivo_was_notified_drafted_by_mt_approved_by_quality_and_sent(self) -> None:
        adapter = _file("Trycksensoradapter IVA")
        notification = adapter.notification

        assert notification is not None
        assert notification.kind.code == "in_house_information"
        assert notification.device_model == adapter.device_model
        assert notification.authority.code == "ivo"
        assert (notification.created_by.username, notification.approved_by.username) == (
            "mt",
            "kvalitet",
        )
        assert notification.status == Report.Status.SENT
        assert notification.sent_document is not None
        assert notification.sent_document.sealed_at is not None  # registered in the diary
        assert gates.notification_holds(adapter) is None

    def test_the_published_declaration_shows_its_requirements_not_fully_met(self) -> None:
        adapter = _file("Trycksensoradapter IVA")
        provider = adapter.manufacturer_unit.care_provider

        [current] = declarations.current_declarations()
        assert current == Declaration.objects.filter(care_provider=provider).latest()
        [row] = current.rows
        assert row["file_number"] == adapter.file_number
        assert row["fully_met"] is False
        not_met = ChecklistItem.objects.filter(
            file=adapter, outcome=ChecklistItem.Outcome.NOT_FULLY_MET
        ).select_related("requirement")
        assert {(n["code"], n["justification"]) for n in row["not_met"]} == {
            (i.requirement.code, i.justification) for i in not_met
        }
        assert current.pdf.content_type == "application/pdf"
        assert current.responsible  # the head of MFT, who approved it

    def test_the_suction_coupling_is_blocked_only_by_the_missing_ivo_notification(self) -> None:
        coupling = _file("Sugkoppling neonatal")

        assert coupling.status == S.UNDER_REVIEW
        assert coupling.notification is None
        problems = _problems(coupling)
        assert [topic for topic, _text in problems] == ["d"]
        assert problems[0][1].startswith("(d) ")
        assert SignOff.objects.filter(file=coupling, round=coupling.signoff_round).count() == 2

    def test_the_ivdr_draft_has_its_checklist_partly_assessed(self) -> None:
        software = _file("Syra-bas-tolkning IVA")

        done, total = gates.checklist_progress(software)
        assert software.status == S.DRAFT and software.regulation == "IVDR"
        assert 0 < done < total
        assert software.lab_compliance
        assert all(c.met for c in software.conditions(timezone.localdate()))

    def test_the_suspended_file_is_not_in_the_declaration_and_has_its_action(self) -> None:
        bracket = _file("Fästbygel infusionspumpar IVA")

        assert bracket.status == S.SUSPENDED
        [current] = declarations.current_declarations()
        assert bracket.file_number not in {r["file_number"] for r in current.rows}
        # It was in the version its approval published, and left with its suspension.
        published = [
            {r["file_number"] for r in d.rows} for d in Declaration.objects.order_by("version")
        ]
        assert bracket.file_number in published[-2]
        assert bracket.file_number not in published[-1]
        review = bracket.reviews.get()
        assert review.incidents == 1 and review.actions.count() == 1
        suspension = AuditEvent.objects.filter(
            action="inhouse_device.transition", object_id=str(bracket.pk)
        ).latest("pk")
        assert suspension.after["status"] == S.SUSPENDED and suspension.reason
