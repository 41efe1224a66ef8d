"""Who sees which reports, and who may do what with them, for every persona (design.md,
Access; docs/domain/reporting.md#who-reports)."""

from typing import Any

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from medtek.core.access import hidden_fields
from medtek.reports import access, services
from medtek.reports.models import Report
from tests import factories

from .conftest import incident_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_report(org: Any, private_quality: Any, kinds: Any, series: Any) -> Report:
    fields = incident_fields(
        org, None, unit=org.private_pcc, manufacturer="Acme Medical", trade_name="Pump"
    )
    return services.report_draft(actor=private_quality, kind="device_incident", **fields)


def visible(user: Any) -> set[str]:
    return set(access.reports_visible_to(user).values_list("number", flat=True))


def test_each_persona_sees_the_reports_of_its_own_units(
    org, draft, private_report, mt, quality, pso, registrar, private_quality
) -> None:
    unit_a, private = draft.number, private_report.number
    expected = {
        # Head of unit A: unit A's reports.
        org.owner: {unit_a},
        # Unit staff, an outsider of unit B, an administrator: no reports at all.
        org.colleague: set(),
        org.outsider: set(),
        org.admin: set(),
        # A private centre's staff see only their own centre's reports (and unit staff none).
        org.private_staff: set(),
        private_quality: {private},
        # Auditors read every report.
        org.auditor: {unit_a, private},
        # The region's people read the region's reports, not the private centre's, though the
        # centre sits below their units in the tree: it is its own care provider.
        pso: {unit_a},
        registrar: {unit_a},
        mt: {unit_a},
        quality: {unit_a},
    }
    for person, numbers in expected.items():
        assert visible(person) == numbers, person.username


def test_anonymous_and_inactive_people_see_nothing(draft, mt) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not access.reports_visible_to(AnonymousUser()).exists()
    mt.is_active = False
    mt.save()
    assert not access.reports_visible_to(mt).exists()


def test_the_drafter_keeps_seeing_a_report_moved_out_of_their_units(org, kinds, series) -> None:
    drafter = factories.person("mt_a", role="mt_engineer", unit=org.unit_a)
    report = services.report_draft(
        actor=drafter,
        kind="device_incident",
        **incident_fields(org, None, manufacturer="Acme", trade_name="Pump"),
    )
    # Roles revoked: the report they drafted stays theirs to read.
    drafter.grants.update(revoked_at="2026-11-30T00:00:00Z")
    from medtek.organisation.access import forget_grants

    forget_grants(drafter)
    assert visible(drafter) == {report.number}


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("mt", True),
        ("quality", True),
        ("pso", True),
        ("owner", False),
        ("colleague", False),
        ("auditor", False),
        ("admin", False),
        ("registrar", False),
    ],
)
def test_who_may_draft_a_device_report_for_unit_a(
    org, kinds, mt, quality, pso, registrar, who, may
) -> None:
    people = {
        "mt": mt,
        "quality": quality,
        "pso": pso,
        "registrar": registrar,
        "owner": org.owner,
        "colleague": org.colleague,
        "auditor": org.auditor,
        "admin": org.admin,
    }
    assert access.may_draft(people[who], kinds["device_incident"], org.unit_a) is may


def test_heads_of_unit_may_draft_a_lex_maria_but_not_a_device_report(org, kinds) -> None:
    assert access.may_draft(org.owner, kinds["lex_maria"], org.unit_a)
    assert not access.may_draft(org.owner, kinds["device_incident"], org.unit_a)


def test_only_the_centres_own_people_report_for_a_private_centre(
    org, kinds, mt, pso, private_quality
) -> None:
    kind = kinds["device_incident"]
    assert access.may_draft(private_quality, kind, org.private_pcc)
    assert not access.may_draft(mt, kind, org.private_pcc)
    assert not access.may_draft(pso, kinds["lex_maria"], org.private_pcc)
    # And the centre's people report nothing of the region's.
    assert not access.may_draft(private_quality, kind, org.unit_a)


def test_the_content_is_masked_in_histories_for_those_who_read_no_reports(org, pso) -> None:
    assert hidden_fields(org.admin, "reports.report") == {
        "description",
        "consequence",
        "actions_taken",
    }
    assert hidden_fields(org.colleague, "reports.report")
    assert not hidden_fields(pso, "reports.report")
    assert not hidden_fields(org.auditor, "reports.report")


def test_the_admin_changes_no_report(org, sent) -> None:
    request = RequestFactory().get("/")
    request.user = org.admin
    model_admin = site._registry[Report]
    assert model_admin.has_view_permission(request, sent)
    assert not model_admin.has_change_permission(request, sent)
    assert not model_admin.has_delete_permission(request, sent)
    assert not model_admin.has_add_permission(request)
    # Nor does it show what happened to the patient.
    assert "description" not in model_admin.get_fields(request, sent)
