"""The pages of the reports to the authorities: who sees which reports (list, export, detail),
the draft form with the check for personal numbers, four eyes on the approval page, sending
that registers in the diary, what comes back — each through the services, with their refusals
on the form and nothing saved."""

import csv
import datetime
import io
import re
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from medtek.registry.models import Document
from medtek.reports import services
from medtek.reports.models import Dispatch, Reply, Report
from tests import factories
from tests.registry.conftest import PDF

from .conftest import EVENT, KNOWN, PERSONNUMMER, incident_fields

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _numbers(response: Any) -> list[str]:
    return [r.number for r in response.context["page"].object_list]


def sv(message: str) -> str:
    """``message`` as a Swedish page shows it."""
    with translation.override("sv"):
        return gettext(message)


def _draft_data(org: Any, pump: Any, **overrides: Any) -> dict[str, Any]:
    """The draft form filled in as a person does (``incident_fields`` as form values)."""
    data: dict[str, Any] = {
        "kind": "",
        "unit": org.unit_a.pk,
        "case": "",
        "related_report": "",
        "event_date": EVENT.isoformat(),
        "awareness_date": KNOWN.isoformat(),
        "planned_use_date": "",
        "description": "Pumpen larmade inte vid ocklusion; patienten fick för låg dos.",
        "outcome": "serious_deterioration",
        "care_injury": "none",
        "consequence": "Förlängd vårdtid.",
        "actions_taken": "Pumpen tagen ur bruk och förvarad oreparerad.",
        "device": pump.inventory_number if pump else "",
        "device_model": "",
        "manufacturer": "",
        "trade_name": "",
        "model_version": "",
        "catalogue_number": "",
        "udi_di": "",
        "serial_or_lot": "",
        "software_version": "2.4.1",
        "device_location": "MFT, förråd 3",
        "manufacturer_contact": "",
        "contact_person": "",
        "contact_phone": "010-123 45 67",
        "contact_email": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def in_unit_b(org: Any, mt: Any, kinds: Any, series: Any) -> Report:
    """A report of unit B, by the same MT engineer (of the administration above both units)."""
    fields = incident_fields(
        org, None, unit=org.unit_b, manufacturer="Other Med", trade_name="Sprutpump"
    )
    return services.report_draft(actor=mt, kind="device_incident", **fields)


@pytest.fixture
def in_private_centre(org: Any, private_quality: Any, kinds: Any, series: Any) -> Report:
    fields = incident_fields(
        org, None, unit=org.private_pcc, manufacturer="Acme Medical", trade_name="Pump"
    )
    return services.report_draft(actor=private_quality, kind="device_incident", **fields)


# Who sees what -------------------------------------------------------------------------------


def test_it_lists_each_persona_the_reports_of_their_own_units(
    client, org, draft, in_unit_b, in_private_centre, private_quality
) -> None:
    url = reverse("reports:report_list")
    seen = {}
    for who, user in {
        "outsider": org.outsider,
        "private_staff": org.private_staff,
        "private_quality": private_quality,
        "owner": org.owner,
        "auditor": org.auditor,
    }.items():
        client.force_login(user)
        seen[who] = sorted(_numbers(client.get(url)))
    assert seen["outsider"] == []
    assert seen["private_staff"] == []  # unit staff read no reports, not even their centre's
    assert seen["private_quality"] == [in_private_centre.number]
    assert seen["owner"] == [draft.number]  # the head of unit A: unit A's, not unit B's
    assert seen["auditor"] == sorted([draft.number, in_unit_b.number, in_private_centre.number])


def test_it_answers_404_for_a_report_the_person_may_not_see(client, org, draft) -> None:
    url = reverse("reports:report_detail", args=[draft.pk])
    for person in (org.outsider, org.private_staff, org.admin):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert client.post(reverse("reports:report_approve", args=[draft.pk])).status_code == 404
    client.force_login(org.owner)
    assert draft.number in _text(client.get(url))


def test_it_shows_the_menu_entry_to_those_who_read_reports(client, org, mt) -> None:
    href = f'href="{reverse("reports:report_list")}"'
    client.force_login(mt)
    assert href in client.get(reverse("home")).content.decode()
    client.force_login(org.outsider)
    assert href not in client.get(reverse("home")).content.decode()


def test_it_filters_the_overdue_and_searches_by_number_and_reference(
    client, org, mt, draft, in_unit_b, sent
) -> None:
    # ``sent`` is unit A's report, sent and acknowledged; unit B's stays a draft.
    services.report_record_reply(
        actor=mt, report=sent, received_on=KNOWN, reference="LV-2026-777", summary="Mottagen"
    )
    client.force_login(org.auditor)
    url = reverse("reports:report_list")
    later = datetime.datetime.combine(in_unit_b.due_date, datetime.time(12))
    with time_machine.travel(later + datetime.timedelta(days=1), tick=False):
        client.force_login(org.auditor)  # a session of that day
        overdue = client.get(url, {"due": "overdue"})
        assert _numbers(overdue) == [in_unit_b.number]  # a sent report is never overdue
        assert 'data-testid="overdue"' in overdue.content.decode()
        assert _numbers(client.get(url, {"due": "unsent"})) == [in_unit_b.number]
    assert _numbers(client.get(url, {"q": "LV-2026-7"})) == [sent.number]
    assert _numbers(client.get(url, {"q": in_unit_b.number})) == [in_unit_b.number]
    assert _numbers(client.get(url, {"q": sent.sent_document.number})) == [sent.number]
    assert _numbers(client.get(url, {"status": "draft"})) == [in_unit_b.number]
    assert _numbers(client.get(url, {"within": org.unit_a.pk})) == [sent.number]


def test_the_export_holds_only_the_rows_the_person_sees(client, org, draft, in_unit_b) -> None:
    client.force_login(org.owner)
    response = client.get(reverse("reports:report_list"), {"export": "csv"})
    rows = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )
    assert rows[0][:3] == ["Rapportnummer", "Typ", "Myndighet"]
    assert [r[0] for r in rows[1:]] == [draft.number]
    xlsx = client.get(reverse("reports:report_list"), {"export": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")


def test_the_detail_shows_the_facts_the_diary_numbers_and_what_came_back(
    client, org, mt, sent
) -> None:
    copy = services.report_send_manufacturer_copy(
        actor=mt, report=sent, channel="email", sent_on=KNOWN
    )
    reply = services.report_record_reply(
        actor=mt, report=sent, received_on=KNOWN, reference="LV-2026-777", summary="Mottagen"
    )
    client.force_login(org.auditor)
    response = client.get(reverse("reports:report_detail", args=[sent.pk]))
    html = response.content.decode()
    document = sent.sent_document
    assert f'href="{reverse("registry:document_detail", args=[document.pk])}"' in html
    assert f'href="{reverse("registry:case_detail", args=[sent.case.pk])}"' in html
    text = _text(response)
    for shown in (document.number, sent.case.number, copy.document.number, reply.document.number):
        assert shown in text
    assert "LV-2026-777" in text and "Pumpen larmade inte" in text and "SN-998877" in text
    assert html.count('data-testid="dispatch-row"') == 2
    assert f'href="{reverse("object_history", args=["reports.report", sent.pk])}"' in html
    assert 'data-testid="moves"' not in html  # the auditor changes nothing


# Drafting ------------------------------------------------------------------------------------


def test_an_mt_engineer_drafts_a_report_through_the_form(client, org, mt, pump, kinds, series):
    client.force_login(mt)
    url = reverse("reports:report_create")
    assert client.get(url).status_code == 200
    data = _draft_data(org, pump, kind=kinds["device_incident"].pk)
    response = client.post(url, data, follow=True)
    report = Report.objects.get()
    assert response.redirect_chain[-1][0] == reverse("reports:report_detail", args=[report.pk])
    assert (report.created_by, report.unit, report.device) == (mt, org.unit_a, pump)
    assert report.trade_name == "Infusionspump"  # filled in from the register
    assert report.number in _text(response)


def test_a_personal_number_in_the_text_is_shown_on_its_field_and_nothing_is_saved(
    client, org, mt, pump, kinds, series
):
    client.force_login(mt)
    url = reverse("reports:report_create")
    assert 'name="personal_numbers_confirmed"' not in client.get(url).content.decode()
    description = f"Patient {PERSONNUMMER} fick för låg dos."
    data = _draft_data(org, pump, kind=kinds["device_incident"].pk, description=description)

    response = client.post(url, data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["description"] and PERSONNUMMER in errors["description"][0]
    html = response.content.decode()
    assert 'id="id_description_errors"' in html and description in html  # kept as typed
    assert 'name="personal_numbers_confirmed"' in html  # the confirmation is offered
    assert not Report.objects.exists()

    client.post(url, {**data, "personal_numbers_confirmed": "on"})
    assert Report.objects.get().personal_numbers_confirmed


def test_the_draft_form_says_what_the_event_needs(client, mt, pump, kinds, series) -> None:
    client.force_login(mt)
    url = reverse("reports:report_create")

    def needed(**facts: Any) -> list[str]:
        response = client.get(url, {"needs": "1", **facts}, headers={"HX-Request": "true"})
        return re.findall(r'data-kind="(\w+)"', response.content.decode())

    assert needed() == []
    assert needed(device=pump.inventory_number, outcome="none") == []
    assert needed(device=pump.inventory_number, outcome="serious_deterioration") == [
        "device_incident"
    ]
    assert needed(device=pump.inventory_number, outcome_possible="on", care_injury="serious") == [
        "device_incident",
        "lex_maria",
    ]
    assert needed(care_injury_possible="on") == ["lex_maria"]
    assert 'id="needs"' in client.get(url).content.decode()


def test_the_drafter_edits_the_draft(client, mt, draft, org, pump) -> None:
    client.force_login(mt)
    url = reverse("reports:report_edit", args=[draft.pk])
    data = _draft_data(org, pump, outcome="death")
    data.update(
        {k: getattr(draft, k) for k in ("manufacturer", "trade_name", "model_version", "udi_di")}
    )
    data.update(serial_or_lot=draft.serial_or_lot, device_model=draft.device_model_id)
    client.post(url, data)
    draft.refresh_from_db()
    assert draft.outcome == "death" and draft.due_date == KNOWN + datetime.timedelta(days=10)


def test_a_draft_needs_a_right_to_draft(client, org) -> None:
    for person in (org.owner, org.colleague, org.auditor):
        client.force_login(person)
        assert client.get(reverse("reports:report_create")).status_code == 403


# The lifecycle -------------------------------------------------------------------------------


def test_the_drafter_is_refused_the_approval_with_the_four_eyes_rule(client, mt, draft) -> None:
    client.force_login(mt)
    url = reverse("reports:report_approve", args=[draft.pk])
    four_eyes = sv(
        "You drafted or changed this report: another person must approve it (four eyes)."
    )
    page = client.get(url)
    assert four_eyes in page.context["problems"]
    detail = client.get(reverse("reports:report_detail", args=[draft.pk]))
    assert any(four_eyes in m.problems for m in detail.context["moves"])

    response = client.post(url)

    assert response.status_code == 200
    assert four_eyes in response.context["form"].non_field_errors()
    draft.refresh_from_db()
    assert draft.status == Report.Status.DRAFT


def test_another_person_approves_and_the_drafter_sends_into_the_diary(
    client, mt, quality, draft
) -> None:
    client.force_login(quality)
    client.post(reverse("reports:report_approve", args=[draft.pk]))
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == (Report.Status.APPROVED, quality)

    client.force_login(mt)
    response = client.post(
        reverse("reports:report_send", args=[draft.pk]),
        {"channel": "e_service", "sent_on": KNOWN.isoformat()},
        follow=True,
    )

    draft.refresh_from_db()
    document = Document.objects.get(pk=draft.sent_document_id)
    assert draft.status == Report.Status.SENT and document.case == draft.case
    assert response.redirect_chain[-1][0] == reverse("reports:report_detail", args=[draft.pk])
    assert document.number in _text(response)


def test_a_refused_send_says_why_on_its_field(client, mt, approved) -> None:
    client.force_login(mt)
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    response = client.post(
        reverse("reports:report_send", args=[approved.pk]),
        {"channel": "post", "sent_on": tomorrow.isoformat()},
    )
    assert response.status_code == 200
    assert (
        sv("The report cannot be sent on a day still to come.")
        in (response.context["form"].errors["sent_on"])
    )
    approved.refresh_from_db()
    assert approved.status == Report.Status.APPROVED and not Document.objects.exists()


def test_a_return_to_draft_needs_a_reason(client, mt, approved) -> None:
    client.force_login(mt)
    url = reverse("reports:report_return", args=[approved.pk])
    response = client.post(url, {"reason": ""})
    assert sv("Give a reason for the change.") in response.context["form"].errors["reason"]
    client.post(url, {"reason": "Fel datum"})
    approved.refresh_from_db()
    assert approved.status == Report.Status.DRAFT and approved.approved_by is None


def test_what_comes_back_and_goes_out_after_sending_is_registered(client, mt, sent) -> None:
    client.force_login(mt)
    client.post(
        reverse("reports:report_manufacturer_copy", args=[sent.pk]),
        {"recipient": "Acme Medical, vigilance", "channel": "email", "sent_on": KNOWN},
    )
    client.post(
        reverse("reports:report_reply", args=[sent.pk]),
        {
            "origin": "authority",
            "received_on": KNOWN.isoformat(),
            "reference": "LV-2026-777",
            "summary": "Rapporten mottagen",
            "files": [SimpleUploadedFile("svar.pdf", PDF, content_type="application/pdf")],
        },
    )
    client.post(
        reverse("reports:report_reply", args=[sent.pk]),
        {
            "origin": "other",
            "sender": "Acme Medical",
            "received_on": KNOWN.isoformat(),
            "summary": "Tillverkaren utreder",
        },
    )
    client.post(
        reverse("reports:report_supplement", args=[sent.pk]),
        {
            "text": "Pumpen har skickats till tillverkaren.",
            "channel": "e_service",
            "sent_on": KNOWN,
        },
    )
    client.post(reverse("reports:report_close", args=[sent.pk]), {"reason": "LV har avslutat"})

    sent.refresh_from_db()
    assert sent.status == Report.Status.CLOSED and sent.authority_reference == "LV-2026-777"
    purposes = list(sent.dispatches.values_list("purpose", flat=True))
    assert purposes == ["report", "manufacturer_copy", "supplement"]
    replies = list(Reply.objects.filter(report=sent).order_by("pk"))
    assert [r.sender for r in replies] == ["Läkemedelsverket", "Acme Medical"]
    assert replies[0].document.files.count() == 1
    assert Dispatch.objects.get(purpose="manufacturer_copy").recipient == "Acme Medical, vigilance"


def test_a_supplement_with_a_personal_number_is_refused_on_its_field(client, mt, sent) -> None:
    client.force_login(mt)
    response = client.post(
        reverse("reports:report_supplement", args=[sent.pk]),
        {"text": f"Gäller {PERSONNUMMER}.", "channel": "post", "sent_on": KNOWN},
    )
    assert PERSONNUMMER in response.context["form"].errors["text"][0]
    assert not sent.dispatches.filter(purpose="supplement").exists()


WRITES = [
    "report_edit",
    "report_approve",
    "report_return",
    "report_send",
    "report_manufacturer_copy",
    "report_reply",
    "report_supplement",
    "report_close",
]


def test_the_auditor_reads_everything_and_every_write_answers_403(
    client, org, draft, in_unit_b, sent
) -> None:
    client.force_login(org.auditor)
    before = {r.pk: (r.status, r.version) for r in Report.objects.all()}
    documents = Document.objects.count()
    assert client.post(reverse("reports:report_create"), {}).status_code == 403
    for report in (in_unit_b, sent):
        assert client.get(reverse("reports:report_detail", args=[report.pk])).status_code == 200
        for name in WRITES:
            url = reverse(f"reports:{name}", args=[report.pk])
            assert client.get(url).status_code == 403, url
            assert client.post(url, {"reason": "x", "channel": "post"}).status_code == 403, url
    assert {r.pk: (r.status, r.version) for r in Report.objects.all()} == before
    assert Document.objects.count() == documents


def test_a_reader_without_the_right_gets_403(client, org, approved) -> None:
    """The head of unit A reads the report and may approve device reports, but not send them."""
    client.force_login(org.owner)
    url = reverse("reports:report_send", args=[approved.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"channel": "post", "sent_on": KNOWN}).status_code == 403
    approved.refresh_from_db()
    assert approved.status == Report.Status.APPROVED


def test_a_device_outside_ones_units_is_not_found_by_its_number(client, org, kinds, series) -> None:
    from medtek.devices import services as devices

    mt_b = factories.person("mt_b", role="mt_engineer", unit=org.unit_b)
    model = devices.device_model_create(
        actor=mt_b, manufacturer="Acme", trade_name="Pump B", risk_class="IIa"
    )
    devices.device_register(
        actor=mt_b,
        unit=org.unit_b,
        inventory_number="B-1",
        model=model,
        acceptance_checked_on=datetime.date(2024, 1, 1),
        status_since=datetime.date(2024, 1, 1),
    )
    mt_a = factories.person("mt_a", role="mt_engineer", unit=org.unit_a)
    client.force_login(mt_a)
    data = _draft_data(org, None, kind=kinds["device_incident"].pk, device="B-1")
    response = client.post("/reports/new/", data)
    assert response.status_code == 200
    assert "Ingen produkt B-1 i registret där du arbetar." in response.content.decode()
    assert not Report.objects.exists()


def test_the_edit_form_shows_the_devices_inventory_number(client, mt, draft) -> None:
    client.force_login(mt)
    page = client.get(reverse("reports:report_edit", args=[draft.pk])).content.decode()
    assert re.search(r'name="device"[^>]*value="MT-4711"', page)


def test_a_sent_report_is_not_changed_through_its_pages(client, mt, sent, org, pump) -> None:
    client.force_login(mt)
    url = reverse("reports:report_edit", args=[sent.pk])
    response = client.post(url, _draft_data(org, pump, description="Ändrad i efterhand"))
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.description.startswith("Pumpen larmade")
    page = client.get(response["Location"]).content.decode()
    assert "Bara ett utkast kan ändras." in page
