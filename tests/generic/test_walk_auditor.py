"""The auditor reads everything and writes nothing: every page and endpoint of unit A's records
answers 200 to a GET (forms that write answer 403, pages that only take POST 405), and every
write — a POST to a form, any write method to the API — is refused, leaving every row as it was.

The admin is for administrators only (tests/test_admin.py): the auditor is sent to its log-in.
"""

from .visits import API_WRITES, problem, send, state, text, to_admin_login

REFUSED = {403, 404, 405}


def test_it_lets_the_auditor_read_every_page_and_endpoint(client, world, urls):
    client.force_login(world.org.auditor)
    markers = world.markers()
    problems = []
    for url in urls:
        response = send(client, "get", url)
        route = url.route
        if route.kind == "admin":
            if not to_admin_login(response):
                problems.append(problem("get", url, response, "302 to the admin's log-in"))
            continue
        if route.kind == "api" and route.viewset is not None and "get" not in route.methods:
            expected = {405}
        elif route.kind == "page" and route.is_write_page:
            expected = {403, 405}
        else:
            expected = {200}
        if response.status_code not in expected:
            hint = (
                " (if this page is a form that writes, add the last part of its route to "
                "WRITE_PAGES in tests/generic/routes.py)"
                if response.status_code == 403
                else ""
            )
            problems.append(problem("get", url, response, " or ".join(map(str, expected))) + hint)
            continue
        if url.is_detail:
            for marker in markers.get(url.label, [])[:1]:
                if marker not in text(response):
                    problems.append(f"GET {url} does not show the record's {marker!r}")
    assert not problems, "\n".join(problems)


def test_it_refuses_every_write_of_the_auditor(client, world, urls):
    client.force_login(world.org.auditor)
    before = state(world)
    problems = []
    for url in urls:
        route = url.route
        for method in API_WRITES if route.kind == "api" else ("post",):
            response = send(client, method, url)
            if route.kind == "admin":
                refused = to_admin_login(response)
            elif route.kind == "page" and not route.is_write_page:
                # A page that only shows (a list, a record) may answer a POST as a GET.
                refused = response.status_code < 500
            else:
                refused = response.status_code in REFUSED
            if not refused:
                problems.append(problem(method, url, response, "a refusal (403, 404 or 405)"))
    assert not problems, "\n".join(problems)
    assert state(world) == before
