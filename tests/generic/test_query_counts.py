"""Stored query-count limits for every list page and API list (NetBox's habit): a list that
starts asking one query per row (N+1), or more queries than it did, fails.

Each list is asked for by a region-wide user (the administrator) and a unit user (the head of
unit A), with 3 and with 30 records of every kind in unit A's subtree. The count may not grow
with the records, and may not exceed its limit in ``query_counts.json``; a list without a stored
limit fails too.

After an intended change (a list shows more, a query was saved), rewrite the file with the
counts measured now and commit it with the change:

    UPDATE_QUERY_COUNTS=1 make pytest PYTEST_ARGS="tests/generic/test_query_counts.py"
"""

import json
import os
from pathlib import Path
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from . import records, routes

LIMITS = Path(__file__).with_name("query_counts.json")
UPDATE = os.environ.get("UPDATE_QUERY_COUNTS", "").lower() in {"1", "true", "yes"}
FEW, MANY = 3, 30


def _measure(
    client: Any, lists: list[routes.Url], users: dict[str, Any], *, warm: bool = False
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for who, user in users.items():
        client.force_login(user)
        for url in lists:
            if warm:  # what is loaded once per process (content types, say) is not counted
                client.get(url.path)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url.path)
            if response.status_code == 200:
                counts[f"{url.route.key} {who}"] = len(queries)
    return counts


def test_it_keeps_every_list_within_its_stored_query_count(client, org):
    world = records.build(org, count=FEW)
    lists = [u for u in routes.fill_all(world) if u.route.is_list]
    users = {"region": org.admin, "unit": org.owner}
    few = _measure(client, lists, users, warm=True)
    records.build(org, count=MANY - FEW, world=world)
    many = _measure(client, lists, users)

    stored = json.loads(LIMITS.read_text(encoding="utf-8")) if LIMITS.exists() else {}
    if UPDATE:
        LIMITS.write_text(json.dumps(many, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        stored = many
    problems = []
    for key in sorted(many):
        if many[key] > few.get(key, many[key]):
            problems.append(
                f"{key}: {few[key]} queries with {FEW} records of each kind, {many[key]} with "
                f"{MANY}: a query per row (select_related/prefetch_related what the rows show)"
            )
        if key not in stored:
            problems.append(f"{key}: no stored limit ({many[key]} queries now)")
        elif many[key] > stored[key]:
            problems.append(f"{key}: {many[key]} queries, more than its limit of {stored[key]}")
    stale = sorted(set(stored) - set(many))
    if stale:
        problems.append(f"stored limits of lists that no longer answer: {', '.join(stale)}")
    assert not problems, (
        "\n".join(problems)
        + f"\n\nAfter an intended change: UPDATE_QUERY_COUNTS=1 rewrites {LIMITS.name}."
    )
