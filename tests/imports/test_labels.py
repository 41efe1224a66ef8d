"""What an import shows names the fields by their labels, never by their code names: the
mapping step, the exports (which the import reads back) and the failed-rows file."""

import csv
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from medtek.core.actors import SYSTEM
from medtek.imports import registry, services
from medtek.organisation import services as organisation
from medtek.organisation.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def importer_of_everything(org: Any) -> Any:
    """One who may import every kind: MT engineer and registrar of the whole region."""
    person = factories.person("imp", role=Role.MT_ENGINEER, unit=org.region)
    organisation.role_grant(actor=SYSTEM, user=person, unit=org.region, role=Role.REGISTRAR)
    return person


@pytest.mark.parametrize("kind", registry.kinds())
def test_every_column_of_every_import_has_a_label_in_swedish(kind: str) -> None:
    with translation.override("sv"):
        unlabelled = [c.name for c in registry.get(kind).columns if not c.label]
        untranslated_kind = str(registry.get(kind).label)
    assert not unlabelled, f"{kind}: give these columns a label: {unlabelled}"
    with translation.override("en"):
        assert untranslated_kind != str(registry.get(kind).label)


@pytest.mark.parametrize("kind", registry.kinds())
def test_the_mapping_step_names_every_field_by_its_label(
    client: Client, importer_of_everything: Any, kind: str
) -> None:
    data = "\ufeffNågot annat;Ännu en\r\nx;y\r\n".encode()
    session = services.session_create(
        actor=importer_of_everything, kind=kind, filename="fil.csv", data=data
    )
    client.force_login(importer_of_everything)

    page = client.get(reverse("imports:session_detail", args=[session.pk])).content.decode()

    step = page[page.index('data-testid="mapping-step"') :]
    step = step[: step.index("</details>")]
    offered = set(re.findall(r'<option value="[^"]*"[^>]*>([^<]*)</option>', step))
    with translation.override("sv"):
        columns = registry.get(kind).columns
        labels = {c.display() for c in columns}
        # A field's code name, unless it happens to be its Swedish word too ("status").
        codes = {c.name for c in columns if str(c.label) != c.name}
    assert not offered & codes, f"field codes in the mapping step: {sorted(offered & codes)}"
    assert any(offer.startswith(label) for label in labels for offer in offered)


def test_the_failed_rows_file_names_its_errors_column_in_the_persons_language(
    client: Client, importer_of_everything: Any
) -> None:
    data = "\ufeffinventarienummer;tillverkare;benämning\r\nMT-1;Acme;Okänd\r\n".encode()
    session = services.session_create(
        actor=importer_of_everything, kind="devices", filename="fil.csv", data=data
    )
    session = services.session_validate(actor=importer_of_everything, session=session)
    assert session.error_rows == 1
    client.force_login(importer_of_everything)
    url = reverse("imports:session_failed_rows", args=[session.pk])

    body = b"".join(client.get(url).streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]

    header = next(csv.reader(io.StringIO(body), delimiter=";"))
    assert header == ["inventarienummer", "tillverkare", "benämning", "Fel"]
    # Uploaded again as it is, the errors column is left out by itself.
    again = services.session_create(
        actor=importer_of_everything, kind="devices", filename="fil-errors.csv", data=body.encode()
    )
    assert again.file_errors == []


def test_the_list_of_imports_names_the_kind_by_its_label(
    client: Client, importer_of_everything: Any
) -> None:
    data = "\ufeffinventarienummer\r\nMT-1\r\n".encode()
    services.session_create(
        actor=importer_of_everything, kind="devices", filename="a.csv", data=data
    )
    client.force_login(importer_of_everything)

    page = client.get(reverse("imports:session_list")).content.decode()

    with translation.override("sv"):
        label = str(registry.get("devices").label)
    assert f"<td>{label}</td>" in page
    assert "<td>devices</td>" not in page
