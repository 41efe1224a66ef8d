"""The Annex I checklist page of an in-house file: every requirement of the file's regulation by
chapter, assessed row by row (htmx, or a plain POST without JavaScript) through the service,
read-only for those who may only see the file, hidden from everyone else; and ``medtek
gspr_load``, which brings the reference data up to date without touching an assessment."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from medtek.core.models import AuditEvent
from medtek.inhouse import gspr, services
from medtek.inhouse.actions import Action
from medtek.inhouse.models import ChecklistItem, Requirement
from tests import factories
from tests.generic.records import PDF
from tests.inhouse.conftest import PERSONAS, SEES_FILE

HX = {"HTTP_HX_REQUEST": "true"}


def _page(file):
    return reverse("inhouse:checklist", args=[file.pk])


def _item_url(item):
    return reverse("inhouse:checklist_item", args=[item.file_id, item.pk])


def _login(client, user, language="sv"):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _codes(response):
    return re.findall(
        r'data-testid="checklist-item" data-code="([^"]+)"', response.content.decode()
    )


def _data(item, **values):
    """A row's form data as the page posts it (prefixed with the item)."""
    fields = {
        "applies": "",
        "not_applicable_reason": "",
        "outcome": "",
        "justification": "",
        "evidence_note": "",
        **values,
    }
    evidence = fields.pop("evidence", [])
    data = {f"item-{item.pk}-{k}": v for k, v in fields.items()}
    data[f"item-{item.pk}-evidence"] = [str(d.pk) for d in evidence]
    return data


def _state(item):
    item = ChecklistItem.objects.get(pk=item.pk)
    return (
        item.applies,
        item.not_applicable_reason,
        item.outcome,
        item.justification,
        item.evidence_note,
        sorted(item.evidence.values_list("pk", flat=True)),
        item.assessed_at,
    )


@pytest.fixture(autouse=True)
def requirements(db):
    """The Annex I reference data its migration loads (again, after a transactional test's
    flush removed it)."""
    if not Requirement.objects.exists():
        gspr.load_shipped(Requirement, "2017-initial")


@pytest.fixture
def file(adapter_in_a, adapter, make_file):
    return make_file(adapter)


@pytest.fixture
def opened(mt, file):
    services.checklist_open(actor=mt, inhouse_device=file)
    return file


def _item(file, code):
    return ChecklistItem.objects.get(file=file, requirement__code=code)


def _document(mt, file, title="Konstruktionsunderlag", kind="design"):
    return services.document_add(
        actor=mt, inhouse_device=file, kind=kind, title=title, upload=(f"{kind}.pdf", PDF)
    )


# The page --------------------------------------------------------------------------------


def test_it_opens_and_lists_every_mdr_item_by_chapter_for_a_keeper(client, mt, file):
    response = _login(client, mt).get(_page(file))

    assert response.status_code == 200
    codes = _codes(response)
    assert len(codes) == 210 == ChecklistItem.objects.filter(file=file).count()
    assert codes[:4] == ["1", "2", "3", "3(a)"]
    assert codes[-1] == "23.4(ab)"
    assert [c.code for c in response.context["chapters"]] == ["I", "II", "III"]
    assert response.context["progress"] == {"done": 0, "total": 210}
    assert response.content.decode().count('data-testid="checklist-form"') == 210


def test_it_lists_the_ivdr_items_for_an_ivd(client, mt, make_model, make_file, mft):
    ivd = make_model("Egentillverkat reagens", risk_class="C")
    file = make_file(ivd, lab_compliance="Ackrediterat enligt EN ISO 15189")

    response = _login(client, mt).get(_page(file))

    assert file.regulation == "IVDR"
    assert len(_codes(response)) == 203
    assert set(
        ChecklistItem.objects.filter(file=file).values_list("requirement__regulation", flat=True)
    ) == {"IVDR"}


def test_opening_again_adds_nothing_and_records_one_event(client, mt, file):
    _login(client, mt)
    client.get(_page(file))
    client.get(_page(file))

    assert ChecklistItem.objects.filter(file=file).count() == 210
    assert AuditEvent.objects.filter(action=Action.CHECKLIST_OPEN).count() == 1


def test_it_shows_the_label_in_the_interface_language(client, mt, opened):
    requirement = Requirement.objects.get(regulation="MDR", code="3(a)")

    swedish = _login(client, mt).get(_page(opened)).content.decode()
    english = _login(client, mt, "en").get(_page(opened)).content.decode()

    assert requirement.title_sv in swedish and requirement.title_en not in swedish
    assert requirement.title_en in english
    assert "0 of 210 assessed" in english


def test_it_indents_items_by_level(client, mt, opened):
    html = _login(client, mt).get(_page(opened)).content.decode()

    level = {
        code: cls
        for cls, code in re.findall(
            r'class="([^"]*)" data-testid="checklist-item" data-code="([^"]+)"', html
        )
    }
    assert "tree-indent" not in level["3"]
    assert "tree-indent-1" in level["3(a)"]
    assert "tree-indent-2" in level["23.4(ab)"]


def test_the_page_asks_a_fixed_number_of_queries_for_210_items(
    client, mt, opened, django_assert_max_num_queries
):
    docs = [_document(mt, opened, f"Dokument {i}") for i in range(3)]
    for item in ChecklistItem.objects.filter(file=opened)[:50]:
        services.checklist_assess(
            actor=mt, item=item, applies=True, outcome="met", evidence=docs[:2]
        )
    _login(client, mt).get(_page(opened))  # sessions, content types: once per process

    with django_assert_max_num_queries(20):
        response = client.get(_page(opened))

    assert len(_codes(response)) == 210
    assert response.context["progress"] == {"done": 50, "total": 210}


def test_it_filters_to_the_items_not_yet_assessed(client, mt, opened):
    services.checklist_assess(actor=mt, item=_item(opened, "1"), applies=True, outcome="met")
    services.checklist_assess(actor=mt, item=_item(opened, "2"), applies=True)  # not yet decided

    codes = _codes(_login(client, mt).get(_page(opened), {"unassessed": "1"}))

    assert len(codes) == 209
    assert "1" not in codes and "2" in codes


# Saving a row ------------------------------------------------------------------------------


def test_saving_a_row_with_htmx_returns_the_row_and_the_progress(client, mt, opened):
    item = _item(opened, "3(a)")
    doc = _document(mt, opened)
    _login(client, mt, "en")

    response = client.post(
        _item_url(item),
        _data(
            item,
            applies="yes",
            outcome="not_fully_met",
            justification="Ingen extern granskning",
            evidence=[doc],
            evidence_note="Protokoll 7",
        ),
        **HX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert f'id="item-{item.pk}"' in html
    assert 'data-assessed="true"' in html
    assert 'data-testid="saved"' in html
    assert 'id="checklist-progress" hx-swap-oob="innerHTML"' in html
    assert "1 of 210 assessed" in html
    item.refresh_from_db()
    assert (item.applies, item.outcome, item.justification, item.evidence_note) == (
        True,
        "not_fully_met",
        "Ingen extern granskning",
        "Protokoll 7",
    )
    assert list(item.evidence.all()) == [doc]
    assert item.assessed_by == mt
    assert AuditEvent.objects.filter(action=Action.CHECKLIST_ASSESS).count() == 1


def test_a_row_that_does_not_apply_needs_a_reason_and_then_clears_its_outcome(client, mt, opened):
    item = _item(opened, "2")
    services.checklist_assess(actor=mt, item=item, applies=True, outcome="met")
    _login(client, mt)

    response = client.post(
        _item_url(item),
        _data(item, applies="no", outcome="met", not_applicable_reason="Ingen strålning"),
        **HX,
    )

    assert 'data-testid="saved"' in response.content.decode()
    item.refresh_from_db()
    assert (item.applies, item.outcome, item.not_applicable_reason) == (
        False,
        "",
        "Ingen strålning",
    )


def test_a_refused_row_shows_the_error_at_its_field_keeps_what_was_typed_and_saves_nothing(
    client, mt, opened
):
    item = _item(opened, "3(a)")
    services.checklist_assess(actor=mt, item=item, applies=True)
    before, events = _state(item), AuditEvent.objects.count()
    _login(client, mt, "en")

    response = client.post(
        _item_url(item),
        _data(item, applies="yes", outcome="not_fully_met", evidence_note="Protokoll 7"),
        **HX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    field = f"id_item-{item.pk}-justification"
    assert re.search(
        rf'id="{field}"[^>]*aria-invalid="true"[^>]*aria-describedby="{field}_errors"', html
    )
    assert f'id="{field}_errors"' in html
    assert "Justify why the requirement is not fully met" in html
    assert "Protokoll 7" in html
    assert re.search(r'<option value="not_fully_met" selected>', html)
    assert 'data-assessed="false"' in html
    assert "0 of 210 assessed" in html
    assert _state(item) == before
    assert AuditEvent.objects.count() == events


def test_an_outcome_needs_applies_first(client, mt, opened):
    item = _item(opened, "1")
    before = _state(item)

    response = _login(client, mt, "en").post(_item_url(item), _data(item, outcome="met"), **HX)

    assert "Say first whether the requirement applies." in response.content.decode()
    assert _state(item) == before


def test_without_javascript_a_saved_row_sends_the_person_back_to_it(client, mt, opened):
    item = _item(opened, "1")

    response = _login(client, mt).post(_item_url(item), _data(item, applies="yes", outcome="met"))

    assert response.status_code == 302
    assert response["Location"] == f"{_page(opened)}#item-{item.pk}"
    assert _item(opened, "1").assessed


def test_without_javascript_a_refused_row_is_shown_on_a_page_of_its_own(client, mt, opened):
    item = _item(opened, "1")

    response = _login(client, mt).post(
        _item_url(item), _data(item, applies="yes", outcome="not_fully_met")
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert f"id_item-{item.pk}-justification_errors" in html
    assert f'href="{_page(opened)}#item-{item.pk}"' in html
    assert not _item(opened, "1").assessed


def test_saving_nothing_new_changes_nothing(client, mt, opened):
    item = _item(opened, "1")
    services.checklist_assess(actor=mt, item=item, applies=True, outcome="met")
    before, events = _state(item), AuditEvent.objects.count()

    response = _login(client, mt).post(
        _item_url(item), _data(item, applies="yes", outcome="met"), **HX
    )

    assert response.status_code == 200
    assert 'data-testid="unchanged"' in response.content.decode()
    assert _state(item) == before
    assert AuditEvent.objects.count() == events


def test_evidence_must_be_a_document_of_the_same_file(client, mt, opened, make_model, make_file):
    other = make_file(make_model("Annan adapter"))
    foreign = _document(mt, other, "Annan fils underlag")
    item = _item(opened, "1")
    before = _state(item)

    response = _login(client, mt).post(
        _item_url(item), _data(item, applies="yes", outcome="met", evidence=[foreign]), **HX
    )

    html = response.content.decode()
    assert f'id="id_item-{item.pk}-evidence_errors"' in html
    assert "Annan fils underlag" not in html
    assert _state(item) == before


def test_the_service_too_refuses_evidence_of_another_file(mt, opened, make_model, make_file):
    from django.core.exceptions import ValidationError

    other = make_file(make_model("Annan adapter"))
    foreign = _document(mt, other, "Annan fils underlag")

    with pytest.raises(ValidationError, match="documents of this file"):
        services.checklist_assess(
            actor=mt, item=_item(opened, "1"), applies=True, outcome="met", evidence=[foreign]
        )


def test_a_superseded_version_kept_as_evidence_stays_when_the_row_is_saved(client, mt, opened):
    doc = _document(mt, opened)
    item = _item(opened, "1")
    services.checklist_assess(actor=mt, item=item, applies=True, outcome="met", evidence=[doc])
    newer = services.document_new_version(
        actor=mt, document=doc, upload=("design-2.pdf", PDF), reason="Ny revision"
    )
    assert list(services.current_documents(opened)) == [newer]

    page = _login(client, mt).get(_page(opened)).content.decode()
    assert f'<option value="{doc.pk}" selected>' in page
    assert f'<option value="{newer.pk}">' in page

    client.post(
        _item_url(item),
        _data(item, applies="yes", outcome="met", evidence=[doc], evidence_note="Se protokoll"),
        **HX,
    )
    item.refresh_from_db()
    assert item.evidence_note == "Se protokoll"
    assert list(item.evidence.all()) == [doc]


# Who sees and who assesses ------------------------------------------------------------------


def test_the_auditor_reads_the_checklist_without_forms_and_may_not_post(client, org, mt, opened):
    item = _item(opened, "1")
    services.checklist_assess(
        actor=mt, item=item, applies=True, outcome="not_fully_met", justification="Delvis"
    )
    before = _state(item)
    _login(client, org.auditor)

    response = client.get(_page(opened))

    assert response.status_code == 200
    html = response.content.decode()
    assert len(_codes(response)) == 210
    assert 'data-testid="checklist-form"' not in html
    assert 'method="post" action="/inhouse/' not in html
    assert "Delvis" in html
    assert client.get(_item_url(item), **HX).status_code == 200
    assert client.post(_item_url(item), _data(item, applies="no"), **HX).status_code == 403
    assert client.post(_item_url(item), _data(item, applies="no")).status_code == 403
    assert _state(item) == before


def test_a_reader_does_not_open_the_checklist(client, org, file):
    """A file gets its checklist when it is opened; a requirement added later is added when a
    keeper opens the checklist, never on a reader's visit."""
    ChecklistItem.objects.filter(file=file, requirement__code="1").delete()
    before = ChecklistItem.objects.filter(file=file).count()

    response = _login(client, org.auditor).get(_page(file))

    assert response.status_code == 200
    assert "1" not in _codes(response)
    assert ChecklistItem.objects.filter(file=file).count() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_sees_the_checklist_only_if_they_see_the_file(client, org, opened, persona):
    item = _item(opened, "1")
    user = org.personas()[persona]
    _login(client, user)
    keeps = persona == "admin"

    page = client.get(_page(opened))
    row = client.get(_item_url(item), **HX)
    post = client.post(_item_url(item), _data(item, applies="yes", outcome="met"), **HX)

    if not SEES_FILE[persona]:
        assert (page.status_code, row.status_code, post.status_code) == (404, 404, 404)
    else:
        assert (page.status_code, row.status_code) == (200, 200)
        assert post.status_code == (200 if keeps else 403)
    assert _item(opened, "1").assessed == keeps


def test_an_item_of_another_file_is_not_found_under_this_one(
    client, mt, opened, make_model, make_file
):
    other = make_file(make_model("Annan adapter"))
    services.checklist_open(actor=mt, inhouse_device=other)
    foreign = _item(other, "1")
    url = reverse("inhouse:checklist_item", args=[opened.pk, foreign.pk])
    _login(client, mt)

    assert client.get(url).status_code == 404
    assert client.post(url, _data(foreign, applies="yes", outcome="met")).status_code == 404
    assert not _item(other, "1").assessed


def test_an_mt_engineer_of_another_unit_reads_but_does_not_assess(client, org, opened):
    """MT engineers read the whole catalogue (and so every in-house file); they keep only the
    files of their own units."""
    other_mt = factories.person("mtb", role="mt_engineer", unit=org.unit_b)
    item = _item(opened, "1")
    _login(client, other_mt)

    response = client.get(_page(opened))

    assert response.status_code == 200
    assert 'data-testid="checklist-form"' not in response.content.decode()
    assert client.post(_item_url(item), _data(item, applies="no"), **HX).status_code == 403
    assert not _item(opened, "1").assessed


def test_the_item_page_without_htmx_shows_the_row_with_a_way_back(client, mt, opened):
    item = _item(opened, "2")

    response = _login(client, mt).get(_item_url(item))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and f'id="item-{item.pk}"' in html
    assert f'href="{_page(opened)}#item-{item.pk}"' in html


def test_anonymous_visitors_are_sent_to_log_in(client, opened):
    item = _item(opened, "1")
    for response in (client.get(_page(opened)), client.post(_item_url(item), {})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# medtek gspr_load ---------------------------------------------------------------------------


def _shipped_rows() -> list[dict[str, str]]:
    text = gspr.FILES["MDR"].read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _write(tmp_path: Path, rows: list[dict[str, str]]) -> str:
    path = tmp_path / "mdr.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=gspr.COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def _load(path: str, version: str = "2027-01") -> None:
    call_command("gspr_load", "--regulation", "MDR", path, "--data-version", version)


def test_loading_a_new_version_keeps_assessments_retires_and_adds(tmp_path, mt, opened):
    assessed = _item(opened, "1")
    services.checklist_assess(
        actor=mt, item=assessed, applies=True, outcome="not_fully_met", justification="Delvis"
    )
    retired_item = _item(opened, "23.4(ab)")
    services.checklist_assess(actor=mt, item=retired_item, applies=True, outcome="met")
    before = _state(assessed), _state(retired_item)
    rows = _shipped_rows()
    assert (rows[0]["id"], rows[-1]["id"]) == ("1", "23.4(ab)")
    rows[0].update(
        title_en="Devices perform as intended and are safe", title_sv="Produkter fungerar"
    )
    rows[-1] = {
        "id": "23.4(ac)",
        "chapter": "III",
        "section": "23",
        "title_en": "Cybersecurity information for users",
        "title_sv": "Information om cybersäkerhet",
        "parent_id": "23.4",
        "level": "3",
    }
    path = _write(tmp_path, rows)

    _load(path)

    changed = Requirement.objects.get(regulation="MDR", code="1")
    assert (changed.title_en, changed.title_sv, changed.data_version) == (
        "Devices perform as intended and are safe",
        "Produkter fungerar",
        "2027-01",
    )
    gone = Requirement.objects.get(regulation="MDR", code="23.4(ab)")
    assert gone.active is False
    added = Requirement.objects.get(regulation="MDR", code="23.4(ac)")
    assert (added.active, added.chapter, added.level, added.parent_code) == (True, "III", 3, "23.4")
    assert Requirement.objects.filter(regulation="MDR", active=True).count() == 210
    # The assessments are as they were; the retired requirement's item stays with the file.
    assert (_state(assessed), _state(retired_item)) == before
    assert ChecklistItem.objects.filter(file=opened, requirement=gone).exists()
    # Opening the checklist again adds the new item and keeps the retired one.
    assert services.checklist_open(actor=mt, inhouse_device=opened) == 1
    assert ChecklistItem.objects.filter(file=opened).count() == 211
    # The same file loaded again changes nothing.
    _load(path)
    assert Requirement.objects.filter(regulation="MDR").count() == 211
    assert (_state(assessed), _state(retired_item)) == before


def test_the_page_marks_an_item_whose_requirement_was_retired(tmp_path, client, mt, opened):
    _load(_write(tmp_path, _shipped_rows()[:-1]))

    response = _login(client, mt, "en").get(_page(opened))

    assert len(_codes(response)) == 210
    html = response.content.decode()
    row = html[html.index('data-code="23.4(ab)"') :]
    assert "no longer in Annex I data" in row[: row.index("</h3>")]


def test_a_bad_file_names_its_line_and_changes_nothing(tmp_path, mt, opened):
    rows = _shipped_rows()
    rows[0]["title_en"] = "A changed label that must not be loaded"
    rows[3]["chapter"] = "IV"  # line 5 of the file: the header is line 1
    before = list(Requirement.objects.order_by("pk").values())
    events = AuditEvent.objects.count()

    with pytest.raises(CommandError, match=r"Line 5, chapter: 'IV' is not I, II or III"):
        _load(_write(tmp_path, rows), "bad")

    assert list(Requirement.objects.order_by("pk").values()) == before
    assert AuditEvent.objects.count() == events
