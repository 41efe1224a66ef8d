"""Sessions nobody finishes expire after IMPORT_SESSION_EXPIRY_DAYS: their stored rows are removed
(``medtek import_expire``, daily), the audit trail says so, and a finished session keeps its
counts but not its rows."""

import datetime
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from medtek.core import audit
from medtek.core.models import AuditEvent
from medtek.imports import services
from medtek.imports.models import ImportRow, ImportSession
from tests.imports.conftest import device_row, make_csv, upload, validated

pytestmark = pytest.mark.usefixtures("catalogue", "english")

DAY = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def devices(prefix: str, n: int = 4) -> bytes:
    return make_csv([device_row(f"{prefix}-{i}") for i in range(1, n + 1)])


def trail(session: ImportSession, action: str) -> Any:
    return AuditEvent.objects.filter(
        object_type="imports.importsession", object_id=str(session.pk), action=action
    )


def test_untouched_sessions_lose_their_rows_and_the_trail_says_so(client, mt, settings, capsys):
    settings.IMPORT_SESSION_EXPIRY_DAYS = 14
    with time_machine.travel(DAY, tick=False):
        left = validated(mt, devices("OLD"))
        done = services.session_commit(
            actor=mt, session=validated(mt, devices("DONE")), mode="all_or_nothing"
        )
    with time_machine.travel(DAY + datetime.timedelta(days=10), tick=False):
        recent = upload(mt, devices("NEW"))
    assert ImportRow.objects.count() == 12

    with time_machine.travel(DAY + datetime.timedelta(days=15), tick=False):
        call_command("import_expire")

    left.refresh_from_db()
    assert left.status == ImportSession.Status.EXPIRED
    assert not left.rows.exists()
    event = trail(left, "import.expire").get()
    assert event.actor is None and event.actor_name == "system"
    assert event.before == {"status": "validated"}
    assert event.after["rows_removed"] == 4
    assert event.after["status"] == "expired"
    assert audit.action_label("import.expire") == "Unfinished import expired, its rows removed"

    done.refresh_from_db()
    assert done.status == ImportSession.Status.COMMITTED  # it was imported, and stays so
    assert (done.created_count, done.total_rows) == (4, 4)  # its counts are kept
    assert not done.rows.exists()
    assert trail(done, "import.remove_rows").get().after["rows_removed"] == 4

    assert recent.rows.count() == 4  # touched 5 days ago
    assert not trail(recent, "import.expire").exists()
    assert "2 session(s) untouched for 14 days." in capsys.readouterr().out

    # An expired session can be neither checked nor imported; its page says what happened.
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.session_validate(actor=mt, session=left)
    with pytest.raises(ValidationError, match="Validate the file"):
        services.session_commit(actor=mt, session=left, mode="valid_only")
    client.force_login(mt)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("imports:session_detail", args=[left.pk])).content.decode()
    assert 'data-testid="rows-removed"' in html
    assert "To import the file, upload it again." in html
    assert "Check every row" not in html

    # Running it again removes nothing more.
    with time_machine.travel(DAY + datetime.timedelta(days=16), tick=False):
        call_command("import_expire")
    assert trail(left, "import.expire").count() == 1


def test_a_dry_run_removes_nothing(mt, capsys):
    with time_machine.travel(DAY, tick=False):
        session = upload(mt, devices("OLD"))
    later = DAY + datetime.timedelta(days=settings.IMPORT_SESSION_EXPIRY_DAYS + 1)
    with time_machine.travel(later, tick=False):
        call_command("import_expire", "--dry-run")
    assert f"Would remove the rows of import session {session.pk}." in capsys.readouterr().out
    assert session.rows.count() == 4


def test_work_on_a_session_keeps_it_alive(mt, settings):
    settings.IMPORT_SESSION_EXPIRY_DAYS = 14
    with time_machine.travel(DAY, tick=False):
        session = upload(mt, devices("OLD"))
    with time_machine.travel(DAY + datetime.timedelta(days=10), tick=False):
        services.session_validate(actor=mt, session=session)
    with time_machine.travel(DAY + datetime.timedelta(days=20), tick=False):
        call_command("import_expire")
    session.refresh_from_db()
    assert session.status == ImportSession.Status.VALIDATED
    assert session.rows.count() == 4
