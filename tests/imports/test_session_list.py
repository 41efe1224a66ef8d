"""The import sessions' list: filter, search, sort, paginate and export, each person seeing only
the sessions they may."""

import csv
import io

import pytest
from django.urls import reverse

from medtek.imports import services
from medtek.imports.models import ImportSession
from tests.imports.conftest import device_row, make_csv

pytestmark = pytest.mark.usefixtures("catalogue")
LIST = reverse("imports:session_list")


@pytest.fixture
def sessions(mt):  # type: ignore[no-untyped-def]
    return [
        services.session_create(
            actor=mt, kind="devices", filename=name, data=make_csv([device_row(f"MT-{i}")])
        )
        for i, name in enumerate(["pumpar.csv", "monitorer.csv", "sugar.csv"])
    ]


def _names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.filename for s in response.context["page"].object_list]


def test_it_searches_sorts_and_filters(client, mt, sessions):
    client.force_login(mt)
    assert _names(client.get(LIST, {"q": "monitor"})) == ["monitorer.csv"]
    assert _names(client.get(LIST, {"sort": "filename"})) == [
        "monitorer.csv",
        "pumpar.csv",
        "sugar.csv",
    ]
    assert _names(client.get(LIST)) == ["sugar.csv", "monitorer.csv", "pumpar.csv"]
    assert _names(client.get(LIST, {"status": "committed"})) == []


def test_it_exports_the_filtered_list(client, mt, sessions):
    client.force_login(mt)
    response = client.get(LIST, {"export": "csv", "q": "pump"})
    text = b"".join(response.streaming_content).decode("utf-8")
    header, *rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert (header[0], header[2], header[3]) == ("ID", "Fil", "Typ")
    assert [r[2] for r in rows] == ["pumpar.csv"]
    assert [r[3] for r in rows] == ["Produkter"]  # the kind by its label, not "devices"


def test_it_shows_others_nothing_of_a_persons_sessions(client, org, sessions):
    for persona in ("owner", "outsider", "private_staff"):
        client.force_login(getattr(org, persona))
        assert _names(client.get(LIST)) == []
    client.force_login(org.auditor)
    assert len(_names(client.get(LIST))) == ImportSession.objects.count() == 3
