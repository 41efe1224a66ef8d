"""The public declarations at /egentillverkning/ (MDR art. 5(5)(e)): for anyone, without a log-in;
each institution's current version with the approved files' rows, its page and its stored PDF,
the earlier versions as an archive — and nothing internal: no drafts, no suspended files, no file
pages, nobody but the responsible person."""

import html
from pathlib import Path

import pytest
from django.db import transaction
from django.db.models import Max
from django.test import Client
from django.urls import reverse

from medtek.core import files
from medtek.core.actors import SYSTEM
from medtek.inhouse import declarations, services
from medtek.inhouse.models import Declaration, InhouseDevice
from tests.core.test_documents import text, write
from tests.inhouse import builders

PAGE = reverse("inhouse_public:declarations")


def _page(pk):
    return reverse("inhouse_public:declaration", args=[pk])


def _pdf(pk):
    return reverse("inhouse_public:declaration_pdf", args=[pk])


def _text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def published(org, mt, mft, adapter, adapter_in_a, make_model, make_file):
    """An approved file (one Annex I item not fully met), a file approved and then suspended,
    and a draft."""
    approved = builders.approve(make_file(adapter), org, mt, mft, not_fully_met="1")
    suspended = builders.approve(make_file(make_model("Sugkoppling")), org, mt, mft)
    suspended = services.inhouse_device_transition(
        actor=mt, inhouse_device=suspended, target=InhouseDevice.Status.SUSPENDED, reason="Utreds"
    )
    draft = make_file(make_model("Droppräknare"))
    return {"approved": approved, "suspended": suspended, "draft": draft}


def test_anyone_sees_the_approved_files_and_nothing_internal(org, mt, mft, published):
    response = Client().get(PAGE)
    assert response.status_code == 200
    page = _text(response)
    approved = published["approved"]
    [current] = declarations.current_declarations()
    assert [r["file_number"] for r in current.rows] == [approved.file_number]
    assert approved.file_number in page
    assert "Trycksensoradapter" in page
    assert approved.intended_purpose in page
    assert "Motiverat avsteg" in page  # the requirement not fully met, with its justification
    assert current.responsible in page
    assert page.count('data-testid="declaration-row"') == 1
    # Nothing internal: no drafts, no suspended files, no links into medtek, nobody but the
    # responsible person (not the heads who signed), no reasons of the file's history.
    for file in (published["suspended"], published["draft"]):
        assert file.file_number not in page
        assert file.device_model.trade_name not in page
    assert "/inhouse/" not in page
    assert "/reports/" not in page and "/registry/" not in page
    for person in (org.owner, builders.people(org, mt, mft, org.unit_a).mt_head):
        assert person.get_full_name() not in page
    assert "Utreds" not in page


def test_it_serves_each_listed_versions_stored_pdf_and_page(tmp_path: Path, published):
    [current] = declarations.current_declarations()
    client = Client()
    response = client.get(_pdf(current.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response.content == files.read_verified(current.pdf)
    words = " ".join(text(write(tmp_path, response.content, "declaration.pdf")).split())
    assert "Trycksensoradapter" in words
    assert "Sugkoppling" not in words
    page = client.get(_page(current.pk))
    assert page.status_code == 200
    assert "Trycksensoradapter" in _text(page)

    # The earlier versions: an archive, each served as it was published.
    earlier = Declaration.objects.filter(care_provider=current.care_provider).exclude(pk=current.pk)
    assert earlier.count() == 2  # the first approval, the second; the suspension made the third
    page = _text(Client().get(PAGE))
    assert page.count('data-testid="archived"') == 2
    for old in earlier:
        assert _page(old.pk) in page
        assert Client().get(_pdf(old.pk)).status_code == 200
    # The version that listed the suspended file says so, as it was published.
    with_both = earlier.get(version=2)
    assert "Sugkoppling" in _text(Client().get(_page(with_both.pk)))


def test_it_serves_nothing_but_listed_versions(org, mt, mft, adapter, adapter_in_a, make_file):
    builders.approve(make_file(adapter), org, mt, mft)
    # A version of an institution that lists no device (its last device withdrawn, say): not on
    # the page, and not served by guessing its number.
    with transaction.atomic():
        pdf = files.store(actor=SYSTEM, content=builders.pdf("empty"), name="empty.pdf")
    empty = Declaration.objects.create(
        care_provider=org.private_provider,
        version=1,
        institution=org.private_provider.name,
        address="Box 9",
        responsible="Ansvarig",
        reason="Inga produkter",
        rows=[],
        pdf=pdf,
    )
    client = Client()
    assert org.private_provider.name not in _text(client.get(PAGE))
    assert client.get(_page(empty.pk)).status_code == 404
    assert client.get(_pdf(empty.pk)).status_code == 404
    missing = (Declaration.objects.aggregate(Max("pk"))["pk__max"] or 0) + 1
    assert client.get(_page(missing)).status_code == 404
    assert client.get(_pdf(missing)).status_code == 404


def test_the_page_answers_when_nothing_is_published(db):
    response = Client().get(PAGE)
    assert response.status_code == 200
    assert 'data-testid="declaration"' not in response.content.decode()


def test_it_only_answers_reading(db):
    assert Client().post(PAGE).status_code == 405
