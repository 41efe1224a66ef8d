"""The in-house file page and its forms: the conditions with the letters of the file's own
regulation, the IVO notification, documents and their versions, releases, reviews and their
corrective actions, the sign-off and the lifecycle — written by keepers, read by auditors, hidden
from outsiders — and the device register's "not for clinical use"."""

import datetime
import html

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from medtek.inhouse import gates, services
from medtek.inhouse.models import (
    CorrectiveAction,
    FileDocument,
    InhouseDevice,
    ReleaseRecord,
    Review,
    SignOff,
)
from medtek.reports.models import Report
from tests import factories
from tests.inhouse import builders

S = InhouseDevice.Status


def _url(name, file, *args):
    return reverse(f"inhouse:{name}", args=[file.pk, *args])


def _login(client, user, *, english=False):
    client.force_login(user)
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def file(adapter_in_a, adapter, make_file, org):
    return make_file(adapter, using_unit=org.unit_a)


def _drawing(file, actor):
    return services.document_add(
        actor=actor,
        inhouse_device=file,
        kind="design",
        title="Ritning",
        upload=("r.pdf", builders.PDF),
    )


def _upload(name="plan.pdf", marker="1"):
    return SimpleUploadedFile(name, builders.pdf(marker), content_type="application/pdf")


# The conditions ---------------------------------------------------------------------------------


def test_an_ivdr_file_letters_the_review_condition_i(client, mt, make_model, make_file):
    reagent = make_model("Reagenskit", risk_class="C")
    ivdr = make_file(reagent, lab_compliance="Ackrediterat enligt EN ISO 15189")
    response = _login(client, mt).get(_url("file_detail", ivdr))
    letters = {line.condition.point: line.letter for line in response.context["lines"]}
    assert letters == {
        "a": "a",
        "b": "b",
        "lab": "c",
        "c": "d",
        "d": "e",
        "e": "f",
        "f": "g",
        "g": "h",
        "h": "i",
    }
    page = response.content.decode()
    review = page.split('data-testid="condition-h"')[1].split("</li>")[0]
    assert '<span data-testid="letter">(i)</span>' in review


def test_an_mdr_file_keeps_the_mdrs_letters(client, mt, file):
    response = _login(client, mt).get(_url("file_detail", file))
    letters = {line.condition.point: line.letter for line in response.context["lines"]}
    assert letters == {k: k for k in "abcdefgh"}
    review = response.content.decode().split('data-testid="condition-h"')[1].split("</li>")[0]
    assert "(h)" in review
    # What is missing is said for each condition not met.
    missing = {line.condition.point for line in response.context["lines"] if not line.met}
    assert {"d", "e", "f"} <= missing


# Who sees the forms -----------------------------------------------------------------------------

#: The forms of the page, with the files' records they write.
FORM_PAGES = [
    "document_add",
    "release_add",
    "review_add",
    "action_add",
    "action_verify",
    "signoff",
    "transition",
]


def test_a_keeper_sees_the_forms(client, mt, file):
    page = _text(_login(client, mt).get(_url("file_detail", file)))
    for testid in ("add-document", "add-release", "add-review", "draft-notification", "moves"):
        assert f'data-testid="{testid}"' in page
    assert _url("transition", file) in page
    assert _url("notification_draft", file) in page


def test_an_auditor_reads_everything_and_gets_no_form(client, org, mt, file):
    _drawing(file, mt)
    _login(client, org.auditor)
    response = client.get(_url("file_detail", file))
    assert response.status_code == 200
    page = _text(response)
    assert "Ritning" in page
    assert 'data-testid="moves"' not in page
    assert 'data-testid="draft-notification"' not in page
    assert "/edit/" not in page
    for name in [*FORM_PAGES, "notification_draft"]:
        assert _url(name, file) not in page
    for name in FORM_PAGES:
        assert client.get(_url(name, file)).status_code == 403
        assert client.post(_url(name, file)).status_code == 403
    assert client.post(_url("notification_draft", file)).status_code == 403
    doc = FileDocument.objects.get()
    assert client.get(_url("document_file", file, doc.pk)).status_code == 200
    assert client.get(_url("document_version", file, doc.pk)).status_code == 403
    assert client.post(_url("action_done", file)).status_code == 403


def test_an_outsider_gets_404_everywhere(client, org, mt, file):
    doc = _drawing(file, mt)
    _login(client, org.outsider)
    urls = [_url(name, file) for name in [*FORM_PAGES, "file_detail", "action_done"]]
    urls += [_url("document_file", file, doc.pk), _url("document_version", file, doc.pk)]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    assert client.post(_url("notification_draft", file)).status_code == 404


def test_another_files_document_is_not_found_through_this_file(
    client, mt, file, make_model, make_file
):
    other = make_file(make_model("Sugkoppling"))
    doc = _drawing(other, mt)
    _login(client, mt)
    assert client.get(_url("document_file", file, doc.pk)).status_code == 404
    assert client.get(_url("document_version", file, doc.pk)).status_code == 404


# Documents --------------------------------------------------------------------------------------


def test_a_new_version_keeps_the_old_one_listed(client, mt, file):
    _login(client, mt)
    assert client.get(_url("document_add", file)).status_code == 200
    response = client.post(
        _url("document_add", file),
        {"kind": "risk_plan", "title": "Riskhanteringsplan", "upload": _upload(marker="v1")},
    )
    assert response.status_code == 302
    first = FileDocument.objects.get()
    assert (first.title, first.version, first.is_sealed) == ("Riskhanteringsplan", 1, True)

    response = client.post(
        _url("document_version", file, first.pk),
        {"upload": _upload("plan-2.pdf", marker="v2"), "reason": "Ny risk identifierad"},
    )
    assert response.status_code == 302
    second = FileDocument.objects.get(version=2)
    assert second.supersedes_id == first.pk

    page = _text(client.get(_url("file_detail", file)))
    assert _url("document_file", file, second.pk) in page
    assert _url("document_file", file, first.pk) in page  # the older version, listed
    assert 'data-testid="older-version"' in page
    assert "Ny risk identifierad" in page
    old = client.get(_url("document_file", file, first.pk))
    assert b"".join(old.streaming_content) == builders.pdf("v1")
    assert old["Content-Disposition"].startswith("attachment")


def test_a_refused_upload_is_shown_on_its_field(client, mt, file):
    _login(client, mt)
    response = client.post(
        _url("document_add", file),
        {
            "kind": "design",
            "title": "Ritning",
            "upload": SimpleUploadedFile("x.exe", b"MZ\x90\x00binary", "application/octet-stream"),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not FileDocument.objects.exists()


# Releases, reviews and corrective actions ------------------------------------------------------


def test_a_keeper_records_a_release_of_a_device(client, mt, file, adapter_in_a):
    _drawing(file, mt)
    _login(client, mt)
    response = client.post(
        _url("release_add", file),
        {
            "device": adapter_in_a.inventory_number,
            "quantity": 1,
            "made_by": mt.pk,
            "made_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    release = ReleaseRecord.objects.get()
    assert release.device == adapter_in_a
    page = _text(client.get(_url("file_detail", file)))
    assert 'data-testid="release-row"' in page
    assert "Ritning v1" in page


def test_a_release_names_a_device_or_a_batch(client, mt, file):
    response = _login(client, mt).post(
        _url("release_add", file),
        {"quantity": 1, "made_by": mt.pk, "made_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not ReleaseRecord.objects.exists()


def test_reviews_and_their_corrective_actions_through_the_forms(client, org, mt, mft, file):
    today = timezone.localdate()
    _login(client, mt)
    response = client.post(
        _url("review_add", file),
        {
            "reviewed_on": today.isoformat(),
            "period_start": (today - datetime.timedelta(days=365)).isoformat(),
            "findings": "Två reklamationer om glapp",
            "units_made": 4,
            "incidents": 0,
            "complaints": 2,
        },
    )
    assert response.status_code == 302
    review = Review.objects.get()
    engineer = factories.person("ingenjor", role="mt_engineer", unit=mft)
    response = client.post(
        _url("action_add", file),
        {
            "review": review.pk,
            "description": "Byt kontaktdon",
            "owner": engineer.pk,
            "due_date": (today + datetime.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    action = CorrectiveAction.objects.get()

    # The owner marks it done; another keeper verifies it.
    _login(client, engineer)
    page = _text(client.get(_url("file_detail", file)))
    assert f"{_url('action_done', file)}?action={action.pk}" in page
    response = client.post(_url("action_done", file), {"action": action.pk, "note": "Bytt"})
    assert response.status_code == 302
    _login(client, mt)
    response = client.post(
        _url("action_verify", file), {"action": action.pk, "verification": "Provat, inget glapp"}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == CorrectiveAction.Status.VERIFIED
    page = _text(client.get(_url("file_detail", file)))
    assert "Två reklamationer om glapp" in page
    assert "Provat, inget glapp" in page


def test_an_owner_who_is_no_keeper_marks_only_their_own_action_done(client, org, mt, file):
    today = timezone.localdate()
    review = services.review_record(
        actor=mt,
        inhouse_device=file,
        reviewed_on=today,
        period_start=today - datetime.timedelta(days=30),
        findings="Inga fynd",
    )
    services.corrective_action_create(
        actor=mt, review=review, description="Utbilda", owner=mt, due_date=today
    )
    # The colleague sees the file (its device is in unit A) but owns no action and keeps nothing.
    _login(client, org.colleague)
    assert client.get(_url("action_done", file)).status_code == 403


def test_the_next_review_is_shown_and_an_overdue_one_marked(client, mt, file):
    long_ago = timezone.localdate() - datetime.timedelta(days=800)
    services.review_record(
        actor=mt,
        inhouse_device=file,
        reviewed_on=long_ago,
        period_start=long_ago - datetime.timedelta(days=365),
        findings="Inga fynd",
    )
    # In use (a shortcut past the approval, which other tests go through).
    InhouseDevice.objects.filter(pk=file.pk).update(status=S.APPROVED)
    file.refresh_from_db()
    response = _login(client, mt).get(_url("file_detail", file))
    assert response.context["review_due"] == gates.next_review_due(file)
    assert 'data-testid="review-overdue"' in response.content.decode()


# The IVO notification ---------------------------------------------------------------------------


def test_a_keeper_drafts_the_notification_and_goes_to_the_report(client, mt, file):
    _login(client, mt)
    response = client.post(_url("notification_draft", file))
    file.refresh_from_db()
    report = file.notification
    assert report is not None and report.status == Report.Status.DRAFT
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:report_detail", args=[report.pk])
    page = _text(client.get(_url("file_detail", file)))
    box = page.split('data-testid="notification"')[1].split("</section>")[0]
    assert report.number in box
    assert reverse("reports:report_detail", args=[report.pk]) in box
    # An unsent draft exists: no second one is offered.
    assert 'data-testid="draft-notification"' not in page
    assert client.get(_url("notification_draft", file)).status_code == 405


def test_the_box_shows_the_sent_notification(client, org, mt, mft, file):
    who = builders.people(org, mt, mft, org.unit_a)
    report = builders.notify(file, who)
    report.refresh_from_db()
    page = _text(_login(client, mt).get(_url("file_detail", file)))
    box = page.split('data-testid="notification"')[1].split("</section>")[0]
    assert report.number in box
    assert report.sent_on.isoformat() in box
    assert report.sent_document.number in box
    assert 'data-testid="draft-notification"' not in page


# Sign-off and the lifecycle ---------------------------------------------------------------------


def test_the_heads_sign_through_the_page(client, org, mt, mft, file):
    services.inhouse_device_transition(actor=mt, inhouse_device=file, target=S.UNDER_REVIEW)
    head_of_mft = factories.person("chefmft", role="head_of_unit", unit=mft)
    _login(client, org.owner)  # head of unit A, the using unit
    page = _text(client.get(_url("file_detail", file)))
    assert 'data-testid="sign"' in page
    form = client.get(_url("signoff", file)).context["form"]
    assert [c for c, _label in form.fields["capacity"].choices] == [SignOff.Capacity.USING_UNIT]
    response = client.post(_url("signoff", file), {"capacity": SignOff.Capacity.USING_UNIT})
    assert response.status_code == 302
    _login(client, head_of_mft)
    response = client.post(
        _url("signoff", file),
        {"capacity": SignOff.Capacity.MEDICAL_TECHNOLOGY, "statement": "Lämplig för ändamålet"},
    )
    assert response.status_code == 302
    page = _text(client.get(_url("file_detail", file)))
    assert page.count('data-testid="signoff-row"') == 2
    assert "Lämplig för ändamålet" in page
    assert 'data-testid="sign"' not in page


def test_a_refused_approval_shows_every_problem(client, mt, file):
    services.inhouse_device_transition(actor=mt, inhouse_device=file, target=S.UNDER_REVIEW)
    file.refresh_from_db()
    expected = gates.approval_problems(file, timezone.localdate(), authors=services._authors(file))
    topics = {topic for topic, _text in expected}
    assert {"d", "f", "signoff", "declaration"} <= topics
    _login(client, mt, english=True)
    response = client.post(_url("transition", file), {"target": S.APPROVED})
    assert response.status_code == 200
    page = _text(response)
    for _topic, problem in expected:
        assert problem in page
    file.refresh_from_db()
    assert file.status == S.UNDER_REVIEW


def test_the_approval_page_names_what_stands_in_the_way(client, mt, file):
    services.inhouse_device_transition(actor=mt, inhouse_device=file, target=S.UNDER_REVIEW)
    response = _login(client, mt).get(_url("transition", file), {"target": S.APPROVED})
    assert response.status_code == 200
    assert response.context["problems"]


def test_a_keeper_submits_the_file_with_the_pages_button(client, mt, file):
    _login(client, mt)
    page = _text(client.get(_url("file_detail", file)))
    assert 'data-testid="move-under_review"' in page
    assert 'data-testid="move-withdrawn"' in page
    response = client.post(_url("transition", file), {"target": S.UNDER_REVIEW})
    assert response.status_code == 302
    file.refresh_from_db()
    assert (file.status, file.signoff_round) == (S.UNDER_REVIEW, 1)


def test_a_move_that_needs_a_reason_asks_for_one(client, mt, file):
    _login(client, mt)
    response = client.post(_url("transition", file), {"target": S.WITHDRAWN})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    file.refresh_from_db()
    assert file.status == S.DRAFT


def test_a_move_not_allowed_from_here_is_refused(client, mt, file):
    response = _login(client, mt).post(_url("transition", file), {"target": S.SUSPENDED})
    assert response.status_code == 200
    assert response.context["form"].errors["target"]
    file.refresh_from_db()
    assert file.status == S.DRAFT


def test_approved_then_suspended_through_the_page_is_not_for_clinical_use(
    client, org, mt, mft, file, adapter_in_a, make_model, make_file
):
    # Another approved file keeps the institution's declaration listing a device.
    builders.approve(make_file(make_model("Sugkoppling")), org, mt, mft)
    approved = builders.approve(file, org, mt, mft)
    assert approved.status == S.APPROVED
    _login(client, mt)
    device_page = client.get(reverse("devices:device_detail", args=[adapter_in_a.pk]))
    assert 'data-testid="not-for-use"' not in device_page.content.decode()
    response = client.post(
        _url("transition", file), {"target": S.SUSPENDED, "reason": "Avvikelse under utredning"}
    )
    assert response.status_code == 302
    file.refresh_from_db()
    assert file.status == S.SUSPENDED
    assert 'data-testid="not-for-use"' in client.get(_url("file_detail", file)).content.decode()

    # The device register says so on the device's page and in its list, to anyone who sees it.
    _login(client, org.colleague)
    device_page = client.get(reverse("devices:device_detail", args=[adapter_in_a.pk]))
    assert 'data-testid="not-for-use"' in device_page.content.decode()
    listing = client.get(reverse("devices:device_list"))
    [row] = [
        r
        for r in listing.content.decode().split('data-testid="device-row"')[1:]
        if adapter_in_a.inventory_number in r
    ]
    assert 'data-testid="not-for-use"' in row.split("</tr>")[0]


def test_the_device_list_marks_a_suspended_file_without_a_query_per_row(
    client, org, mt, file, adapter, hold
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    InhouseDevice.objects.filter(pk=file.pk).update(status=S.SUSPENDED)
    _login(client, org.admin)
    client.get(reverse("devices:device_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("devices:device_list"))
    for n in range(5):
        hold(adapter, org.unit_a, f"EGT-DEV-{n + 2}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("devices:device_list"))
    assert response.content.decode().count('data-testid="not-for-use"') == 6
    assert len(many) == len(few)


# The file form ----------------------------------------------------------------------------------


def test_the_file_form_asks_the_new_fields(client, mt, file, make_model, make_file):
    page = _login(client, mt).get(_url("file_edit", file)).content.decode()
    assert 'name="using_unit"' in page
    assert 'name="review_interval_months"' in page
    assert 'name="lab_compliance"' not in page  # an MDR file
    ivdr = make_file(make_model("Reagenskit", risk_class="B"))
    assert 'name="lab_compliance"' in client.get(_url("file_edit", ivdr)).content.decode()
    assert 'name="lab_compliance"' in client.get(reverse("inhouse:file_create")).content.decode()
