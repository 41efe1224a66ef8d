"""Large files are validated and imported by the background worker, never in a web request: the
page shows the run's progress (also after a reload), says when no worker is running, and offers
to resume a run that stopped; the command line resumes too. The worker here is the real one
(django-tasks-db's, in batch mode, in this process) working on the real queue table."""

from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from medtek.core.models import AuditEvent
from medtek.devices.models import Device
from medtek.imports import background, services
from medtek.imports.models import ImportRow, ImportSession
from tests.imports.conftest import device_row, make_csv, validated

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalogue", "english"),
]

ROWS = 5


@pytest.fixture(autouse=True)
def _large(settings: Any) -> None:
    """Files of more than 3 rows count as large; the worker is taken for missing after a
    minute (the tests that want it missing say so)."""
    settings.IMPORT_INLINE_ROWS = 3
    settings.IMPORT_WORKER_WAIT_SECONDS = 60


def run_worker() -> None:
    """The worker of ``medtek db_worker --batch``: every task queued, then it stops."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def url(name: str, session: ImportSession) -> str:
    return reverse(f"imports:{name}", args=[session.pk])


def as_user(client: Client, user: Any) -> Client:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def five_devices() -> bytes:
    return make_csv([device_row(f"MT-{i}") for i in range(1, ROWS + 1)])


def page(client: Client, session: ImportSession) -> str:
    response = client.get(url("session_detail", session))
    assert response.status_code == 200
    return response.content.decode()


def inventory_numbers() -> list[str]:
    return sorted(Device.objects.values_list("inventory_number", flat=True))


def test_a_large_file_is_checked_and_imported_by_the_worker_not_the_request(client, mt):
    client = as_user(client, mt)
    session = services.session_create(
        actor=mt, kind="devices", filename="devices.csv", data=five_devices()
    )

    response = client.post(url("session_validate", session))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == ImportSession.Status.VALIDATING
    assert session.validated_rows == 0  # the request checked nothing itself
    assert "waits for the background worker" in page(client, session)

    run_worker()
    session.refresh_from_db()
    assert (session.status, session.valid_rows, session.run_id) == ("validated", ROWS, "")

    response = client.post(url("session_commit", session), {"mode": "all_or_nothing"})
    assert response.status_code == 302
    # The request has returned and imported nothing: the commit outlives it.
    assert Device.objects.count() == 0
    session.refresh_from_db()
    assert session.status == ImportSession.Status.COMMITTING
    assert DBTaskResult.objects.get(id=session.run_id).status == "READY"
    html = page(client, session)
    assert 'data-state="queued"' in html
    assert "Import now" not in html  # no second commit while this one is under way
    # Polling the run while it waits answers the same partial.
    assert 'data-state="queued"' in client.get(url("session_run", session)).content.decode()

    run_worker()
    session.refresh_from_db()
    assert session.status == ImportSession.Status.COMMITTED
    assert session.created_count == ROWS
    assert inventory_numbers() == [f"MT-{i}" for i in range(1, ROWS + 1)]
    assert "import-run" not in page(client, session)
    response = client.get(url("session_run", session), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == url("session_detail", session)
    checked = AuditEvent.objects.get(action="import.validate", object_id=str(session.pk))
    assert checked.source == "task"
    queued = AuditEvent.objects.filter(action="import.queue", object_id=str(session.pk))
    assert [e.after["work"] for e in queued.order_by("pk")] == ["validate", "commit"]


def test_a_small_file_still_runs_in_the_request(client, mt, settings):
    settings.IMPORT_INLINE_ROWS = 5000
    client = as_user(client, mt)
    session = validated(mt, five_devices())
    client.post(url("session_commit", session), {"mode": "all_or_nothing"})
    session.refresh_from_db()
    assert session.status == ImportSession.Status.COMMITTED
    assert not DBTaskResult.objects.exists()


def test_the_page_says_when_no_worker_picks_the_work_up(client, mt, settings):
    settings.IMPORT_WORKER_WAIT_SECONDS = 0
    client = as_user(client, mt)
    session = validated(mt, five_devices())
    client.post(url("session_commit", session), {"mode": "valid_only"})
    html = page(client, session)
    assert 'data-testid="no-worker"' in html
    assert "medtek db_worker" in html


def test_a_refused_background_commit_is_said_on_the_page_and_leaves_the_session_open(
    client, mt, register_device
):
    client = as_user(client, mt)
    session = validated(mt, five_devices())
    client.post(url("session_commit", session), {"mode": "all_or_nothing"})
    # The register changes before the worker comes to it: MT-3 is registered by hand.
    register_device("MT-3")

    run_worker()
    session.refresh_from_db()
    assert inventory_numbers() == ["MT-3"]
    assert session.status == ImportSession.Status.VALIDATED  # free to import otherwise
    assert "The register changed since the preview" in session.run_error
    html = page(client, session)
    assert 'data-testid="run-error"' in html
    assert "Import now" in html


def test_one_run_at_a_time(client, mt):
    session = services.session_create(
        actor=mt, kind="devices", filename="devices.csv", data=five_devices()
    )
    background.start(actor=mt, session=session)
    with pytest.raises(ValidationError, match="already under way"):
        services.session_set_mapping(actor=mt, session=session, mapping={})
    run_worker()
    background.start(actor=mt, session=session, mode="valid_only")
    with pytest.raises(ValidationError, match="already under way"):
        background.start(actor=mt, session=session, mode="valid_only")
    with pytest.raises(ValidationError, match="already under way"):
        background.resume(actor=mt, session=session)
    # A task of a run that is no longer the session's does nothing.
    outcome = background.run(session.pk, mt.pk, "an-earlier-run", background.COMMIT)
    assert outcome.state == "superseded"
    assert Device.objects.count() == 0

    run_worker()
    assert Device.objects.count() == ROWS


@pytest.fixture
def crash_at_second_chunk(monkeypatch):
    """The worker dies while it writes the second batch of rows (2 lines a batch), once it has
    written the batch's records but before the batch's transaction ends."""
    monkeypatch.setattr(services, "CHUNK", 2)
    monkeypatch.setattr(settings, "IMPORT_COMMIT_BATCH", 2)  # lines per transaction
    monkeypatch.setattr(services, "PREPARED_WINDOW", 2)
    calls = {"n": 0}
    pause = services._pause

    def dying() -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("the worker lost its database")
        pause()

    monkeypatch.setattr(services, "_pause", dying)
    return lambda: monkeypatch.setattr(services, "_pause", pause)


def test_a_failed_valid_only_run_resumes_from_the_web_after_its_last_whole_batch(
    client, mt, crash_at_second_chunk
):
    client = as_user(client, mt)
    session = validated(mt, five_devices())
    client.post(url("session_commit", session), {"mode": "valid_only"})
    run_worker()

    session.refresh_from_db()
    assert DBTaskResult.objects.get(id=session.run_id).status == "FAILED"
    assert inventory_numbers() == ["MT-1", "MT-2"]  # the first batch, whole
    assert session.committed_rows == 2
    html = page(client, session)
    assert 'data-state="stopped"' in html
    assert "2 rows are imported; resuming goes on after them." in html
    assert "ConnectionError" in html
    assert "Resume" in html

    crash_at_second_chunk()  # the worker is back
    response = client.post(url("session_resume", session))
    assert response.status_code == 302
    run_worker()
    session.refresh_from_db()
    assert session.status == ImportSession.Status.COMMITTED
    assert inventory_numbers() == [f"MT-{i}" for i in range(1, ROWS + 1)]  # each once
    assert session.created_count == ROWS
    assert session.rows.filter(status=ImportRow.Status.CREATED).count() == ROWS


def test_a_failed_all_or_nothing_run_wrote_nothing_and_resumes_from_the_command_line(
    mt, crash_at_second_chunk, capsys
):
    session = validated(mt, five_devices())
    background.start(actor=mt, session=session, mode="all_or_nothing")
    run_worker()
    session.refresh_from_db()
    assert Device.objects.count() == 0
    assert background.run_state(session).state == "stopped"

    crash_at_second_chunk()
    call_command(
        "import", "--resume", str(session.pk), "--user", "mt", "--no-progress", "--lang", "en"
    )
    session.refresh_from_db()
    assert session.status == ImportSession.Status.COMMITTED
    assert session.mode == ImportSession.Mode.ALL_OR_NOTHING
    assert inventory_numbers() == [f"MT-{i}" for i in range(1, ROWS + 1)]
    assert session.run_id == ""
    assert "Imported: 5 created" in capsys.readouterr().out


def test_the_command_line_finishes_a_half_checked_session(mt):
    session = services.session_create(
        actor=mt, kind="devices", filename="devices.csv", data=five_devices()
    )
    services.session_validate(actor=mt, session=session, max_rows=2)
    session.refresh_from_db()
    assert session.status == ImportSession.Status.VALIDATING

    call_command(
        "import", "--resume", str(session.pk), "--user", "mt", "--mode", "valid_only",
        "--no-progress",
    )  # fmt: skip
    session.refresh_from_db()
    assert (session.status, session.mode, session.created_count) == ("committed", "valid_only", 5)


def test_the_command_line_resumes_only_what_can_be_resumed(mt, other_mt):
    from django.core.management.base import CommandError

    session = validated(mt, five_devices())
    with pytest.raises(CommandError, match="someone else"):
        call_command("import", "--resume", str(session.pk), "--user", "mt2", "--lang", "en")
    background.start(actor=mt, session=session, mode="valid_only")
    with pytest.raises(CommandError, match="already under way"):
        call_command("import", "--resume", str(session.pk), "--user", "mt", "--lang", "en")
    with pytest.raises(CommandError, match="no import session"):
        call_command("import", "--resume", "999999", "--user", "mt", "--lang", "en")
