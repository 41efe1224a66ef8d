"""The Django admin is for administrators only, and it changes nothing outside the audit."""

from django.urls import reverse

from medtek.core.models import AuditEvent, NumberSeries
from tests import factories


def test_it_lets_an_administrator_in(client, org):
    client.force_login(org.admin)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "core/auditevent/" in response.content.decode()


def test_it_keeps_everyone_else_out(client, org):
    for user in (org.auditor, org.owner, org.outsider, org.private_staff):
        client.force_login(user)
        response = client.get(reverse("admin:core_auditevent_changelist"))
        assert response.status_code == 302, user
        assert reverse("admin:login") in response["Location"]


def test_it_keeps_out_a_staff_flag_without_the_role(client, org):
    org.outsider.is_staff = True
    org.outsider.save()
    client.force_login(org.outsider)
    assert client.get(reverse("admin:index")).status_code == 302


def test_it_offers_no_change_or_delete_of_audit_events(client, org):
    client.force_login(org.admin)
    event = AuditEvent.objects.first()
    url = reverse("admin:core_auditevent_change", args=[event.pk])
    response = client.post(url, {"action": "tampered"})
    assert response.status_code == 403
    delete = reverse("admin:core_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.action != "tampered"


def test_it_audits_a_number_series_created_in_the_admin(client, org):
    client.force_login(org.admin)
    response = client.post(
        reverse("admin:core_numberseries_add"),
        {"key": "mft", "name": "MFT", "format": "MFT {yyyy}/{seq:04}"},
    )
    assert response.status_code == 302
    series = NumberSeries.objects.get(key="mft")
    event = AuditEvent.objects.get(object_type="core.numberseries", object_id=str(series.pk))
    assert event.actor == org.admin
    assert event.source == "admin"
    assert event.after["format"] == "MFT {yyyy}/{seq:04}"


def test_it_rejects_a_bad_number_format_in_the_admin(client, org):
    client.force_login(org.admin)
    response = client.post(
        reverse("admin:core_numberseries_add"),
        {"key": "bad", "name": "Bad", "format": "NO-SEQ-{yy}"},
    )
    assert response.status_code == 200
    assert not NumberSeries.objects.filter(key="bad").exists()
    assert factories.PASSWORD  # personas log in with it elsewhere
