"""``medtek demo``: loads a fictional region that a newcomer can log in to and try."""

import re
from collections.abc import Iterator
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client, override_settings

from medtek.core.models import AuditEvent
from medtek.core.numbering import number_allocate
from medtek.organisation.models import CareProvider, RoleGrant, Unit, User
from medtek.organisation.roles import Role

pytestmark = pytest.mark.django_db

# As in tests/conftest.py, which applies only per test, not to the class-wide load below.
FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def printed_password(output: str) -> str:
    match = re.search(r"password for all: (\S+)\)", output)
    assert match, output
    return match.group(1)


def printed_usernames(output: str) -> list[str]:
    return re.findall(r"^  (\S+) {2,}", output, flags=re.MULTILINE)


def counts() -> tuple[int, int, int]:
    return Unit.objects.count(), User.objects.count(), AuditEvent.objects.count()


@pytest.fixture(scope="class")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The output of ``medtek demo --if-empty`` into an empty database, as ``make run`` does it.

    Loaded once for the class (loading takes seconds) in a transaction rolled back afterwards;
    every test runs in a savepoint inside it.
    """
    files = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path_factory.mktemp("demo-files"))},
    }
    with (
        django_db_blocker.unblock(),
        override_settings(
            DEBUG=True,
            PASSWORD_HASHERS=FAST_HASHING,
            STORAGES={**settings.STORAGES, "medtek_files": files},
        ),
        transaction.atomic(),
    ):
        assert not Unit.objects.exists()
        yield demo("--if-empty")
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def development(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True


class TestTheDemoRegion:
    def test_it_loads_into_an_empty_database(self, loaded: str) -> None:
        assert "Demo region loaded" in loaded
        assert "demo not loaded" not in loaded

    def test_it_creates_the_region_tree(self, loaded: str) -> None:
        region = Unit.objects.get(parent__isnull=True)
        assert region.name == "Region Mälarmark"
        iva = Unit.objects.get(short_name="IVA")
        assert [u.name for u in iva.ancestors()] == [
            "Region Mälarmark",
            "Hälso- och sjukvårdsförvaltningen",
            "Centralsjukhuset Mälarstad",
        ]
        assert all(u.path.startswith(region.path) for u in Unit.objects.all())

    def test_it_creates_private_and_region_run_primary_care_centres(self, loaded: str) -> None:
        centres = Unit.objects.filter(kind=Unit.Kind.PRIMARY_CARE_CENTRE)
        operators = {c.name: c.care_provider.operator for c in centres}
        assert operators["Vårdcentral Norrmalm"] == CareProvider.Operator.REGION
        assert operators["Vårdcentral Ekbacken"] == CareProvider.Operator.PRIVATE
        private = CareProvider.objects.filter(operator=CareProvider.Operator.PRIVATE)
        assert private.count() == 2
        assert all(p.contract_reference for p in private)

    def test_it_creates_one_user_for_every_role(self, loaded: str) -> None:
        grants = RoleGrant.objects.filter(revoked_at__isnull=True)
        assert set(grants.values_list("role", flat=True)) == set(Role.values)

    def test_it_prints_log_ins_that_work(self, loaded: str) -> None:
        password = printed_password(loaded)
        usernames = printed_usernames(loaded)
        assert len(usernames) >= len(Role.values)

        for username in usernames:
            client = Client(REMOTE_ADDR="10.9.8.7")
            response = client.post("/login/", {"username": username, "password": password})
            assert response.status_code == 302, f"{username} cannot log in"
            assert client.get("/").status_code == 200

    def test_it_lets_the_board_series_continue_after_the_seed_case(self, loaded: str) -> None:
        with transaction.atomic():
            number = number_allocate(series_key="rs-led", year=2026)

        assert number == "RS-LED26-0848"

    def test_it_records_everything_in_the_audit_trail_as_demo(self, loaded: str) -> None:
        events = AuditEvent.objects.all()
        assert events.filter(action="unit.create").count() == Unit.objects.count()
        assert events.filter(action="number_series.continue_from", reason__contains="0847").exists()
        assert set(events.values_list("source", flat=True)) == {"demo"}
        assert events.values("request_id").distinct().count() == 1

    def test_it_keeps_the_seed_case_in_the_diary(self, loaded: str) -> None:
        from medtek.registry.models import Case, Document

        case = Case.objects.get(number="RS-LED26-0847")
        memo = Document.objects.current().get(number="RS-LED26-0847-2")
        assert memo.case == case and memo.kind == "Tjänsteutlåtande"
        assert memo.date.isoformat() == "2026-05-05"
        assert [d.number for d in case.documents.order_by("seq")] == [
            f"RS-LED26-0847-{n}" for n in (1, 2, 3)
        ]

    def test_it_has_mfts_diary_in_several_states(self, loaded: str) -> None:
        from medtek.organisation.models import User
        from medtek.registry import selectors
        from medtek.registry.models import Case, Document

        registered = Document.objects.current().filter(sealed_at__isnull=False)
        assert registered.filter(secrecy_provision__isnull=False).count() == 1
        assert Document.objects.filter(version=2).exists()  # a corrected one
        assert Case.objects.filter(status=Case.Status.CLOSED).exists()
        waiting = selectors.inbox(User.objects.get(username="registrator"))
        assert len(waiting) == 2 and sum(w.overdue for w in waiting) == 1

    def test_it_has_a_report_to_an_authority_in_each_state(self, loaded: str) -> None:
        from medtek.reports.models import Report

        assert set(Report.objects.values_list("status", flat=True)) == set(Report.Status.values)
        assert re.search(rf"^  {Report.objects.count()} reports to authorities", loaded, re.M)
        for report in Report.objects.exclude(status=Report.Status.DRAFT):
            assert report.approved_by_id is not None
            assert report.approved_by_id != report.created_by_id  # four eyes

    def test_it_has_one_overdue_report_a_draft_known_weeks_ago(self, loaded: str) -> None:
        from django.utils import timezone

        from medtek.reports import selectors
        from medtek.reports.models import Report

        [overdue] = Report.objects.filter(selectors.overdue_q())
        assert overdue.status == Report.Status.DRAFT and overdue.is_overdue
        assert overdue.awareness_date < overdue.due_date < timezone.localdate()

    def test_its_notifications_to_ivo_are_drafted_from_in_house_files(self, loaded: str) -> None:
        from medtek.inhouse.models import InhouseDevice
        from medtek.reports.models import Report

        notifications = Report.objects.filter(kind__code="in_house_information")
        files = InhouseDevice.objects.filter(notification__in=notifications)
        assert notifications.count() == files.count() == 2  # tests/demo/test_demo_inhouse.py
        assert {n.authority.code for n in notifications} == {"ivo"}

    def test_the_device_incident_has_its_manufacturer_copy_and_a_lex_maria_report(
        self, loaded: str
    ) -> None:
        from medtek.organisation.access import has_role
        from medtek.reports.models import Dispatch, Report

        copy = Dispatch.objects.get(
            purpose=Dispatch.Purpose.MANUFACTURER_COPY, report__status=Report.Status.SENT
        )
        incident = copy.report
        assert incident.kind.code == "device_incident" and incident.device.model.conformity == "ce"
        assert copy.document.direction == "outgoing" and copy.document.case == incident.case
        lex_maria = Report.objects.get(related_report=incident)
        assert lex_maria.kind.code == "lex_maria"
        assert lex_maria.status == Report.Status.APPROVED
        assert lex_maria.event_date == incident.event_date
        assert has_role(lex_maria.approved_by, {Role.PATIENT_SAFETY_OFFICER}, lex_maria.unit)

    def test_every_sent_report_is_a_registered_outgoing_document_in_the_diary(
        self, loaded: str
    ) -> None:
        from medtek.registry.models import Document
        from medtek.reports.models import Dispatch, Report

        sent = Report.objects.filter(sealed_at__isnull=False)
        assert sent.count() == 6  # 4 of the reports' demo, 2 notifications of in-house files
        for report in sent:
            document = report.sent_document
            assert document is not None and document.sealed_at is not None, report
            assert document.direction == Document.Direction.OUTGOING
            assert document.case == report.case and document.case.number.startswith("MFT ")
            assert document.counterparty == report.authority.name
            assert document.files.get().name.endswith(".pdf")
            assert Dispatch.objects.filter(
                report=report, purpose=Dispatch.Purpose.REPORT, document=document
            ).exists()
        acknowledged = sent.exclude(status=Report.Status.SENT)
        assert all(r.authority_reference and r.replies.exists() for r in acknowledged)

    def test_its_reports_carry_no_personal_numbers(self, loaded: str) -> None:
        from medtek.core.identity import personal_numbers_in
        from medtek.reports.models import FREE_TEXT_FIELDS, Dispatch, Report

        for report in Report.objects.all():
            # A notification drafted from an in-house file holds only the file's own data, and
            # its service says so (inhouse.services.notification_draft).
            drafted_from_a_file = report.kind.code == "in_house_information"
            assert drafted_from_a_file or not report.personal_numbers_confirmed
            for name in FREE_TEXT_FIELDS:
                assert personal_numbers_in(getattr(report, name)) == [], (report, name)
        assert all(personal_numbers_in(d.text) == [] for d in Dispatch.objects.all())

    def test_it_refuses_to_load_twice(self, loaded: str) -> None:
        before = counts()

        with pytest.raises(CommandError, match="already holds a region"):
            demo()

        assert counts() == before

    def test_it_does_nothing_if_not_empty_when_asked_to(self, loaded: str) -> None:
        before = counts()

        output = demo("--if-empty")

        assert "demo not loaded" in output
        assert printed_password(output) == printed_password(loaded)
        assert counts() == before


def test_it_refuses_with_debug_off(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--allow-production"):
        demo()

    assert counts() == (0, 0, 0)


def test_it_loads_with_debug_off_when_allowed(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False

    output = demo("--allow-production")

    assert "Demo region loaded" in output
    assert Unit.objects.filter(parent__isnull=True).exists()


def test_it_loads_into_a_flushed_database_that_lost_the_seeded_kinds_of_report() -> None:
    from medtek.reports.models import Authority, ReportKind

    # What `medtek flush` (or a live-server test's flush) leaves: no seeded rows either.
    ReportKind.objects.all().delete()
    Authority.objects.all().delete()

    output = demo()

    assert "Demo region loaded" in output
    assert set(ReportKind.objects.values_list("code", flat=True)) == {
        "in_house_information",
        "device_incident",
        "in_house_incident",
        "lex_maria",
    }
    assert AuditEvent.objects.filter(action="report_kind.create").count() == 4
