"""A person with a role on another unit sees nothing of unit A: every URL that names one of A's
records answers 404 (or 403 where the app decides so, 405 where the route takes no such method)
to every method, and no list (nor its export), form or page shows any of them: their numbers,
names and links are absent, and so are their ids in the API's lists. Nothing they send changes
anything."""

from dataclasses import replace

import pytest

from .records import shared_labels
from .routes import viewset_model
from .visits import API_WRITES, json_ids, problem, send, state, text, to_admin_login

REFUSED = {403, 404, 405}


@pytest.mark.parametrize("persona", ["outsider", "private_staff"])
def test_it_shows_a_person_of_another_unit_nothing_of_unit_a(client, world, urls, persona):
    client.force_login(getattr(world.org, persona))
    before = state(world)
    markers = {m for found in world.markers().values() for m in found}
    shared = shared_labels()
    # The records' own pages and endpoints: a link to one is as telling as its number.
    links = {
        u.path
        for u in urls
        if u.record is not None and u.label not in shared and u.route.kind != "admin"
    }
    problems = []
    for url in urls:
        if url.route.kind == "admin":
            response = send(client, "get", url)
            if not to_admin_login(response):
                problems.append(problem("get", url, response, "302 to the admin's log-in"))
            continue
        if url.record is not None and url.label not in shared:
            methods = ("get", *API_WRITES) if url.route.kind == "api" else ("get", "post")
            for method in methods:
                response = send(client, method, url)
                if response.status_code not in REFUSED:
                    problems.append(problem(method, url, response, "403, 404 or 405"))
            continue
        # A list page's export is a way to its rows of its own.
        exported = url.route.is_list and url.route.kind == "page"
        for look in [url, replace(url, path=f"{url.path}?export=csv")] if exported else [url]:
            response = send(client, "get", look)
            if response.status_code >= 500:
                problems.append(problem("get", look, response, "no server error"))
                continue
            shown = sorted(m for m in markers | links if m in text(response))
            if shown:
                problems.append(f"GET {look} shows {persona} unit A's {', '.join(shown)}")
        label = viewset_model(url.route.viewset)._meta.label_lower if url.route.viewset else ""
        if url.route.is_list and response.status_code == 200 and label and label not in shared:
            ids = {r.pk for r in world.records.get(label, [])} & set(json_ids(response))
            if ids:
                problems.append(f"GET {url} lists {persona} unit A's {label} {sorted(ids)}")
    assert not problems, "\n".join(problems)
    assert state(world) == before
