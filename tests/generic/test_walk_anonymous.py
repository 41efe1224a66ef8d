"""Nobody logged in sees anything: every page sends them to the log-in page, every API endpoint
answers 401, on every URL of the project (tests/generic/routes.py walks them)."""

from django.contrib.auth.views import redirect_to_login

from .visits import API_WRITES, problem, send, to_admin_login


def test_it_sends_an_anonymous_visitor_to_the_log_in_page_and_answers_the_api_with_401(
    client, urls
):
    problems = []
    for url in urls:
        methods = {"api": ("get", *API_WRITES), "page": ("get", "post"), "admin": ("get",)}
        for method in methods[url.route.kind]:
            response = send(client, method, url)
            if url.route.kind == "api":
                if response.status_code != 401:
                    problems.append(problem(method, url, response, "401"))
                continue
            if url.route.kind == "admin":
                if not to_admin_login(response):
                    problems.append(problem(method, url, response, "302 to the admin's log-in"))
                continue
            expected = redirect_to_login(url.path)["Location"]
            if response.status_code != 302 or response.get("Location") != expected:
                problems.append(problem(method, url, response, f"302 to {expected}"))
    assert not problems, "\n".join(problems)
