"""Project-level views that span the apps: the start page, object history and the audit log."""
