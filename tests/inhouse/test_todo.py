"""The start page's in-house item: files with missing evidence, counted as the file list's
"incomplete" filter shows them, for those who keep files — and nothing for others."""

import re

import pytest

pytestmark = pytest.mark.django_db


def todo_count(client, key: str) -> int | None:  # type: ignore[no-untyped-def]
    page = client.get("/").content.decode()
    match = re.search(rf'data-testid="todo-{re.escape(key)}" data-count="(\d+)"', page)
    return int(match.group(1)) if match else None


def test_files_with_missing_evidence_are_on_the_keepers_start_page(
    client, org, mt, adapter, make_file, make_model
) -> None:
    make_file(adapter, qms_reference="")
    make_file(make_model("Andra adaptern"))
    client.force_login(mt)
    assert todo_count(client, "inhouse.incomplete") == 1
    page = client.get("/inhouse/?evidence=incomplete").content.decode()
    assert re.search(r'data-testid="result-count">\s*1 ', page)


def test_nothing_is_shown_to_someone_who_keeps_no_files(client, org, adapter, make_file) -> None:
    make_file(adapter, qms_reference="")
    client.force_login(org.auditor)
    assert todo_count(client, "inhouse.incomplete") is None
