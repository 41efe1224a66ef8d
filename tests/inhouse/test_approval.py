"""The approval of an in-house file for clinical use (docs/domain/inhouse.md#conditions,
#sign-off): refused, with a specific message, for each missing precondition, and granted when
all hold; what the approval publishes; suspension; material change."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from medtek.inhouse import gates, services
from medtek.inhouse.models import ChecklistItem, Declaration, InhouseDevice, SignOff
from medtek.organisation.roles import Role
from tests import factories

from .ready import Ready, ready

pytestmark = pytest.mark.django_db

S = InhouseDevice.Status


@pytest.fixture
def r(org: Any, mft: Any, make_file: Any, adapter: Any) -> Ready:
    return ready(org, mft, make_file, adapter)


def refusal(r: Ready) -> str:
    with pytest.raises(ValidationError) as exc:
        r.approve()
    return " ".join(exc.value.messages)


def test_approval_is_granted_when_every_precondition_holds(r: Ready) -> None:
    r.everything()
    file = r.approve()
    assert file.status == S.APPROVED
    assert file.approved_at is not None
    assert gates.approval_problems(r.refresh(), gates_today(), authors=set()) == []


def gates_today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


def test_a_file_must_be_under_review_to_be_approved(r: Ready) -> None:
    with pytest.raises(ValidationError, match="cannot go from Draft to Approved"):
        r.approve()


def test_a_missing_condition_of_article_5_5_is_named(r: Ready) -> None:
    r.everything()
    InhouseDevice.objects.filter(pk=r.file.pk).update(qms_reference="")
    r.refresh()
    assert "(b) No quality management system named." in refusal(r)


def test_each_unmet_condition_is_named_at_once(r: Ready) -> None:
    r.everything()
    InhouseDevice.objects.filter(pk=r.file.pk).update(qms_reference="", justification="")
    r.refresh()
    text = refusal(r)
    assert "(b) No quality management system named." in text
    assert "(c) Justification or market search missing." in text


def test_an_unassessed_checklist_item_refuses_the_approval(r: Ready) -> None:
    r.assess_all(but=1)
    r.add_documents()
    r.submit()
    r.sign_both()
    r.notify()
    total = ChecklistItem.objects.filter(file=r.file).count()
    assert total == 210
    assert f"Annex I checklist: {total - 1} of {total} items assessed." in refusal(r)


def test_a_not_fully_met_item_needs_its_justification(r: Ready) -> None:
    services.checklist_open(actor=r.mt, inhouse_device=r.file)
    item = ChecklistItem.objects.filter(file=r.file).first()
    assert item is not None
    with pytest.raises(ValidationError) as exc:
        services.checklist_assess(actor=r.mt, item=item, applies=True, outcome="not_fully_met")
    assert "justification" in exc.value.message_dict
    item.refresh_from_db()
    assert item.outcome == "" and item.assessed_at is None


def test_a_missing_document_kind_is_named(r: Ready) -> None:
    r.assess_all()
    r.add_documents(kinds=("design", "risk_plan", "risk_report", "verification", "ifu", "facility"))
    r.submit()
    r.sign_both()
    r.notify()
    assert "(f) Missing documents: Labelling." in refusal(r)


def test_a_missing_signer_is_named(r: Ready) -> None:
    r.assess_all()
    r.add_documents()
    r.submit()
    services.signoff_sign(
        actor=r.head_using, inhouse_device=r.file, capacity=SignOff.Capacity.USING_UNIT
    )
    r.notify()
    assert "Not signed by: head of medical technology." in refusal(r)


def test_one_person_cannot_sign_twice(r: Ready, org: Any, mft: Any) -> None:
    both = factories.person("both-heads", role=Role.HEAD_OF_UNIT, unit=org.unit_a)
    factories.grant(both, Role.HEAD_OF_UNIT, mft) if hasattr(factories, "grant") else None
    from medtek.core.actors import SYSTEM
    from medtek.organisation import services as org_services

    org_services.role_grant(actor=SYSTEM, user=both, unit=mft, role=Role.HEAD_OF_UNIT)
    r.assess_all()
    r.add_documents()
    r.submit()
    services.signoff_sign(actor=both, inhouse_device=r.file, capacity=SignOff.Capacity.USING_UNIT)
    with pytest.raises(ValidationError, match="already signed in the other capacity"):
        services.signoff_sign(
            actor=both, inhouse_device=r.file, capacity=SignOff.Capacity.MEDICAL_TECHNOLOGY
        )
    r.notify()
    assert "Not signed by: head of medical technology." in refusal(r)


def test_the_author_cannot_sign(r: Ready, org: Any) -> None:
    from medtek.core.actors import SYSTEM
    from medtek.organisation import services as org_services

    org_services.role_grant(actor=SYSTEM, user=r.mt, unit=org.unit_a, role=Role.HEAD_OF_UNIT)
    r.assess_all()
    r.add_documents()
    r.submit()
    with pytest.raises(ValidationError, match="You wrote this file and cannot sign it"):
        services.signoff_sign(
            actor=r.mt, inhouse_device=r.file, capacity=SignOff.Capacity.USING_UNIT
        )
    assert not SignOff.objects.filter(file=r.file).exists()


def test_an_author_who_signed_is_named_by_the_refusal(r: Ready) -> None:
    """A head who later changed the file (and so became one of its authors) no longer counts."""
    r.everything()
    from django.db import transaction

    from medtek.core import audit
    from medtek.inhouse.actions import Action

    with transaction.atomic():
        audit.record(actor=r.head_mt, action=Action.INHOUSE_DEVICE_UPDATE, obj=r.file, after={})
    name = r.head_mt.get_full_name()
    assert f"{name} wrote the file and cannot sign it." in refusal(r)


def test_someone_else_than_a_head_cannot_sign(r: Ready) -> None:
    r.assess_all()
    r.add_documents()
    r.submit()
    with pytest.raises(PermissionDenied):
        services.signoff_sign(
            actor=r.quality, inhouse_device=r.file, capacity=SignOff.Capacity.MEDICAL_TECHNOLOGY
        )


def test_no_sent_ivo_notification_refuses_the_approval(r: Ready) -> None:
    r.assess_all()
    r.add_documents()
    r.submit()
    r.sign_both()
    assert "(d) IVO has not been notified" in refusal(r)
    report = r.notify(send=False)
    assert f"(d) The IVO notification {report.number} is drafted but not sent." in refusal(r)


def test_a_refusal_changes_nothing(r: Ready) -> None:
    r.assess_all()
    r.add_documents()
    r.submit()
    refusal(r)
    assert r.refresh().status == S.UNDER_REVIEW
    assert not Declaration.objects.exists()


def test_resubmitting_starts_a_new_round_of_signatures(r: Ready) -> None:
    r.everything()
    services.inhouse_device_transition(
        actor=r.mt, inhouse_device=r.file, target=S.DRAFT, reason="Ändrad konstruktion"
    )
    r.submit()
    assert "Not signed by: head of the using unit." in refusal(r)


def test_approval_publishes_the_declaration_and_suspension_republishes_it_without(
    r: Ready,
) -> None:
    r.everything()
    r.approve()
    first = Declaration.objects.get()
    assert first.version == 1 and [row["file_number"] for row in first.rows] == [r.file.file_number]
    services.inhouse_device_transition(
        actor=r.head_mt, inhouse_device=r.file, target=S.SUSPENDED, reason="Avvikelse utreds"
    )
    latest = Declaration.objects.order_by("-version").first()
    assert latest is not None and latest.version == 2 and latest.rows == []
    assert Declaration.objects.count() == 2  # the first version is kept


def test_resuming_a_suspended_file_passes_the_gates_again(r: Ready) -> None:
    r.everything()
    r.approve()
    services.inhouse_device_transition(
        actor=r.head_mt, inhouse_device=r.file, target=S.SUSPENDED, reason="Avvikelse utreds"
    )
    services.inhouse_device_update(
        actor=r.mt, inhouse_device=r.refresh(), intended_purpose="Ny användning", reason="Utökat"
    )
    with pytest.raises(ValidationError, match="changed materially"):
        services.inhouse_device_transition(
            actor=r.head_mt, inhouse_device=r.refresh(), target=S.APPROVED, reason="Åtgärdat"
        )


def test_a_material_change_of_an_approved_file_asks_for_a_new_notification(r: Ready) -> None:
    r.everything()
    r.approve()
    services.inhouse_device_update(
        actor=r.mt, inhouse_device=r.refresh(), intended_purpose="Även på operation", reason="Ny"
    )
    file = r.refresh()
    assert file.material_change_at is not None
    assert "send a new notification" in (gates.notification_holds(file) or "")
    new = services.notification_draft(actor=r.mt, inhouse_device=file)
    assert r.refresh().notification == new
    # A change that is not material (the QMS reference) asks for nothing.
    before = r.file.material_change_at
    services.inhouse_device_update(
        actor=r.mt, inhouse_device=r.file, qms_reference="Rutin MFT-R-013", reason="Ny rutin"
    )
    assert r.refresh().material_change_at == before


def test_only_governors_move_the_file(r: Ready, org: Any) -> None:
    staff = factories.person("staff-a", role=Role.UNIT_STAFF, unit=org.unit_a)
    with pytest.raises(PermissionDenied):
        services.inhouse_device_transition(
            actor=staff, inhouse_device=r.file, target=S.UNDER_REVIEW
        )


def test_a_withdrawn_file_no_longer_changes(r: Ready) -> None:
    services.inhouse_device_transition(
        actor=r.mt, inhouse_device=r.file, target=S.WITHDRAWN, reason="Ersatt av CE-märkt produkt"
    )
    with pytest.raises(ValidationError, match="withdrawn"):
        services.inhouse_device_update(actor=r.mt, inhouse_device=r.refresh(), qms_reference="x")
