"""Every model of the apps is scoped (``medtek.core.access.register_scope``), so that the history
page and the audit log can ask who may see its records; the few that need no scope of their own
are listed here, each with the reason."""

from medtek.core.access import scoped_labels
from medtek.core.models import AuditEvent

from .visits import app_models

#: Models without a scope of their own, and why.
UNSCOPED = {
    "core.auditevent": "the trail itself, read whole in the audit log by auditors and "
    "administrators of the region",
    "core.numberseries": "the region's number formats: configuration, changed by administrators "
    "in the admin, its events read in the audit log",
    "core.numbercounter": "a number series' counter, moved on with the records it numbers",
    "core.disposaldecision": "a decision of the region's records management, read whole in the "
    "audit log",
    "core.disposaltrace": "what a disposal left of a record, under its decision",
    "devices.devicestatuschange": "a device's status history: part of the device, shown on its "
    "page, written by the device's own audited status change",
    "imports.importrow": "a row of an import session, seen only through its session",
    "core.storedfile": "a file's content, reached only through the record that holds it (a "
    "document's file, say), whose scope decides",
    "core.outboxmessage": "something to deliver outside medtek once a change has committed; "
    "read by the operators, not in the interface",
    "inhouse.releasedocument": "which document versions a release record was made by: part of "
    "the release, shown with it and recorded in its event",
}


def test_it_scopes_every_model_of_the_apps():
    labels = {m._meta.label_lower for m in app_models()}

    missing = sorted(labels - set(scoped_labels()) - set(UNSCOPED))

    assert not missing, (
        f"{missing}: register a scope for each in its app's AppConfig.ready() "
        "(medtek.core.access.register_scope), or say in UNSCOPED here why it needs none"
    )


def test_it_exempts_only_models_that_exist_and_are_not_scoped():
    labels = {m._meta.label_lower for m in app_models()}

    assert set(UNSCOPED) <= labels
    assert not set(UNSCOPED) & set(scoped_labels())


def test_it_scopes_every_kind_of_record_the_services_audit(world):
    audited = set(AuditEvent.objects.values_list("object_type", flat=True))

    assert "devices.device" in audited
    assert audited - set(scoped_labels()) - set(UNSCOPED) == set()
