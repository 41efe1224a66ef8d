"""A worker killed in the middle of a commit (``kill -9``, as the kernel's OOM killer or a lost
machine does): the all-or-nothing commit leaves nothing, the valid-only one whole batches, and
resuming (on the web, on the command line) finishes without a duplicate.

The worker is ``medtek db_worker`` in a process of its own, on the test database; it pauses after
every chunk it writes (``IMPORT_CHUNK_PAUSE``, through the environment), so the test can kill it
in the middle. PostgreSQL only: the worker needs a database that another process can open.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from medtek.devices.models import Device
from medtek.imports import background, services
from medtek.imports.models import ImportRow, ImportSession
from tests.imports.conftest import device_row, make_csv, validated

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalogue", "english"),
]

#: Three chunks of rows (services.CHUNK is 1000).
ROWS = 2500


@pytest.fixture
def worker() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start ``medtek db_worker`` on the test database; every worker started is gone at the end."""
    started: list[subprocess.Popen[bytes]] = []
    db = connection.settings_dict

    def start(pause: float = 0.0) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": (
                f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:"
                f"{db['PORT'] or 5432}/{db['NAME']}"
            ),
            "MEDTEK_TEST_IMPORT_CHUNK_PAUSE": str(pause),
        }
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "medtek",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.1",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out waiting until {what}")
        time.sleep(0.1)


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def session_now(session: ImportSession) -> ImportSession:
    return ImportSession.objects.defer("source").get(pk=session.pk)


def inventory_numbers() -> list[str]:
    return list(
        Device.objects.order_by("inventory_number").values_list("inventory_number", flat=True)
    )


def large_session(mt: Any) -> ImportSession:
    data = make_csv([device_row(f"MT-{i:05d}") for i in range(1, ROWS + 1)])
    session = validated(mt, data)
    assert session.valid_rows == ROWS
    return session


def test_killed_in_a_valid_only_commit_whole_batches_stay_and_the_web_resumes(
    client, mt, worker, settings
):
    settings.IMPORT_RUN_STALE_SECONDS = 0  # no waiting for the progress to grow old
    session = large_session(mt)
    background.start(actor=mt, session=session, mode="valid_only")
    process = worker(pause=2.0)
    wait_for(lambda: session_now(session).committed_rows >= 1000, "the first batch is in")
    kill(process)  # in the pause after writing the second chunk, inside its transaction

    session = session_now(session)
    assert session.status == ImportSession.Status.COMMITTING
    assert session.committed_rows == 1000
    assert Device.objects.count() == 1000  # the first batch whole, nothing of the second
    assert session.rows.filter(status=ImportRow.Status.CREATED).count() == 1000
    assert DBTaskResult.objects.get(id=session.run_id).status == "RUNNING"  # as the kill left it
    wait_for(lambda: background.run_state(session).state == "stopped", "the run counts as stopped")

    client.force_login(mt)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    detail = reverse("imports:session_detail", args=[session.pk])
    html = client.get(detail).content.decode()
    assert "1000 rows are imported; resuming goes on after them." in html
    client.post(reverse("imports:session_resume", args=[session.pk]))
    worker()
    wait_for(lambda: session_now(session).status == "committed", "the import is done")

    session = session_now(session)
    assert session.created_count == ROWS
    assert inventory_numbers() == [f"MT-{i:05d}" for i in range(1, ROWS + 1)]  # each once


def test_killed_in_an_all_or_nothing_commit_nothing_stays_and_the_command_line_resumes(
    mt, worker, settings
):
    settings.IMPORT_RUN_STALE_SECONDS = 0
    session = large_session(mt)
    background.start(actor=mt, session=session, mode="all_or_nothing")
    # The pause follows each batch of lines written (all 2,500 rows are one batch of the SQL
    # path, which is fast), inside the transaction: the kill comes after the rows are written.
    process = worker(pause=4.0)

    def under_way() -> bool:
        s = session_now(session)
        return s.heartbeat_at is not None and background.run_state(s).state == "running"

    # Running while its transaction holds the session (no progress is written meanwhile).
    wait_for(under_way, "the commit is under way")
    time.sleep(1.5)  # the devices are written, the transaction still open
    assert background.run_state(session_now(session)).state == "running"
    kill(process)

    session = session_now(session)
    assert Device.objects.count() == 0
    assert session.rows.filter(status=ImportRow.Status.VALID).count() == ROWS
    wait_for(lambda: background.run_state(session).state == "stopped", "the run counts as stopped")

    call_command("import", "--resume", str(session.pk), "--user", "mt", "--no-progress")
    session = session_now(session)
    assert (session.status, session.mode, session.created_count) == (
        "committed",
        "all_or_nothing",
        ROWS,
    )
    assert len(inventory_numbers()) == ROWS
    assert services.CHUNK == 1000
