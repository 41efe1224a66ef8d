"""The administrator, who may open every page, the admin included, gets no server error from any
URL of the project: every form renders with unit A's records in it."""

from .visits import problem, send


def test_it_answers_every_url_to_the_administrator_without_a_server_error(client, world, urls):
    client.force_login(world.org.admin)
    problems = []
    for url in urls:
        response = send(client, "get", url)
        if response.status_code >= 500:
            problems.append(problem("get", url, response, "no server error"))
    assert not problems, "\n".join(problems)
