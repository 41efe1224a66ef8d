"""Every list page's export heads its columns in words, in the reader's language: never a field
code such as ``case_title`` (issue 10, "exports … show labels, not field codes"). A new list
with an export is checked without being named here."""

import csv
import io
import re
from typing import Any

from . import records, routes

#: A field code: lower-case words joined by underscores, or one word in lower case.
CODE = re.compile(r"^[a-z]+(_[a-z]+)*$")


def _header(response: Any) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return next(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def _exports(client: Any, pages: list[routes.Url]) -> dict[str, list[str]]:
    headers = {}
    for url in pages:
        response = client.get(url.path, {"export": "csv"})
        if response.status_code == 200 and "text/csv" in response.get("Content-Type", ""):
            headers[url.route.key] = _header(response)
    return headers


def test_every_export_heads_its_columns_in_words_in_both_languages(client, org) -> None:
    world = records.build(org)
    pages = [
        u
        for u in routes.fill_all(world)
        if u.route.is_list and u.route.kind == "page" and not u.route.key.startswith("example:")
    ]  # (the test suite's own example app is not translated)
    client.force_login(org.admin)
    swedish = _exports(client, pages)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = _exports(client, pages)

    assert len(swedish) >= 11, sorted(swedish)  # every list page with an export was reached
    assert swedish.keys() == english.keys()
    codes = {
        key: [h for h in header if CODE.match(h)]
        for key, header in (*swedish.items(), *english.items())
    }
    assert not {key: found for key, found in codes.items() if found}
    untranslated = {
        key: [s for s, e in zip(swedish[key], english[key], strict=True) if s == e and s != "ID"]
        for key in swedish
    }
    # Words that read the same in both languages (Status, HSA-id, Version …) may stay; a whole
    # English header may not.
    assert all(len(same) < len(swedish[key]) / 2 for key, same in untranslated.items()), (
        untranslated
    )
