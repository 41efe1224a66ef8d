"""The start page's import item: the person's own imports waiting for a decision, counted as the
import list's "waiting" filter shows them."""

import re

import pytest

from .conftest import device_row, make_csv, upload, validated

pytestmark = pytest.mark.django_db


def todo_count(client, key: str) -> int | None:  # type: ignore[no-untyped-def]
    page = client.get("/").content.decode()
    match = re.search(rf'data-testid="todo-{re.escape(key)}" data-count="(\d+)"', page)
    return int(match.group(1)) if match else None


def test_ones_own_waiting_imports_are_on_the_start_page(client, org, mt, other_mt) -> None:
    upload(mt, make_csv([device_row("MT-1")]))
    validated(mt, make_csv([device_row("MT-2")]), "second.csv")
    upload(other_mt, make_csv([device_row("MT-3")]), "theirs.csv")
    client.force_login(mt)
    assert todo_count(client, "imports.waiting") == 2
    page = client.get("/imports/?waiting=mine").content.decode()
    assert re.search(r'data-testid="result-count">\s*2 ', page)
    assert "theirs.csv" not in page
