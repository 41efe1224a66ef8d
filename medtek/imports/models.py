"""Import sessions: an uploaded file, its column mapping, every row with its errors, and the
outcome of the commit. The original file is kept with the session, so nothing uploaded is lost."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportProfile(models.Model):
    """A named way to read one source's files (e.g. "Medusa export"): which column fills which
    field, which columns to leave out, and how the source writes values ("Avställd" → out of
    service; the old register's unit names → units).

    A profile never changes once stored (append-only, enforced by the database): saving it again
    stores the next version, so a session names the exact version its file was read with, and a
    profile shared with another region arrives as that region's next version of the name."""

    APPEND_ONLY = True

    kind = models.CharField(_("kind"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(_("version"))
    description = models.CharField(_("description"), max_length=500, blank=True)
    columns = models.JSONField(default=dict, help_text="column header → field name")
    ignored = models.JSONField(default=list, help_text="column headers left out")
    values = models.JSONField(
        default=dict, help_text="field name → {value as the file writes it (casefolded) → value}"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("import profile")
        verbose_name_plural = _("import profiles")
        ordering = ["kind", "name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "name", "version"], name="importprofile_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def kind_label(self) -> str:
        """What the interface calls the kind of record ("Produkter"), not its code."""
        from .registry import kind_label

        return kind_label(self.kind)


class ImportSession(models.Model):
    """One upload of one file for one kind of record (e.g. devices), from preview to commit."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        VALIDATING = "validating", _("Validating")
        VALIDATED = "validated", _("Validated")
        COMMITTING = "committing", _("Importing")
        COMMITTED = "committed", _("Imported")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")
        VALID_ONLY = "valid_only", _("Valid rows only")

    batch = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=50)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    filename = models.CharField(_("file"), max_length=255)
    source = models.BinaryField(_("original file"))
    file_format = models.CharField(max_length=10)
    #: How a CSV file was written, so that its failed rows go back the same way (blank: XLSX,
    #: or a session from before these were recorded, written as medtek's exports are).
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, help_text="column header → field name")
    ignored = models.JSONField(default=list, help_text="column headers left out")
    suggestions = models.JSONField(
        default=dict, help_text="column header → field name, a close match not yet confirmed"
    )
    value_map = models.JSONField(
        default=dict, help_text="field name → {value as the file writes it (casefolded) → value}"
    )
    profile = models.ForeignKey(
        ImportProfile,
        verbose_name=_("profile"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
    )
    error_summary = models.JSONField(
        default=list,
        help_text="The rows' errors grouped by kind: [{column, field, message, count, rows}]",
    )
    file_errors = models.JSONField(default=list)
    update_existing = models.BooleanField(_("update existing records"), default=False)
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UPLOADED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    blank_rows = models.PositiveIntegerField(_("blank rows"), default=0)
    validated_rows = models.PositiveIntegerField(_("rows validated"), default=0)
    valid_rows = models.PositiveIntegerField(_("valid rows"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    committed_rows = models.PositiveIntegerField(_("rows imported"), default=0)
    created_count = models.PositiveIntegerField(_("records created"), default=0)
    updated_count = models.PositiveIntegerField(_("records updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("records unchanged"), default=0)
    committed_at = models.DateTimeField(_("imported"), null=True, blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    # The run that validates or commits the session outside a web request (imports.background):
    # the id of its queued task (or of the command line's run), who asked for it and when, and
    # the time of its last progress. Empty when no run is under way.
    run_id = models.CharField(max_length=64, blank=True)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    run_requested_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    run_error = models.TextField(
        max_length=2000, blank=True, help_text="Why the last run stopped short, if it did."
    )
    rows_removed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the stored rows were removed (imports.expiry)."
    )

    class Meta:
        verbose_name = _("import session")
        verbose_name_plural = _("import sessions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.filename} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def kind_label(self) -> str:
        """What the interface calls the kind of record ("Produkter"), not its code."""
        from .registry import kind_label

        return kind_label(self.kind)

    @property
    def progress_percent(self) -> int:
        if self.status in (self.Status.COMMITTING, self.Status.COMMITTED):
            done, total = self.committed_rows, max(self.valid_rows, 1)
        else:
            done, total = self.validated_rows, max(self.total_rows - self.blank_rows, 1)
        return min(100, round(100 * done / total))


class ImportRow(models.Model):
    """One data row of the file as uploaded, with its validation errors and outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Not validated yet")
        VALID = "valid", _("Valid")
        INVALID = "invalid", _("Has errors")
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        UNCHANGED = "unchanged", _("Unchanged")

    # No index of its own: the unique (session, number) index serves every query by session, in
    # line order. With a second index on session alone, PostgreSQL (whose statistics lag behind
    # rows that change status) read a large session's rows through it and sorted them for every
    # chunk: 90 ms a chunk at 100,000 rows instead of 1 ms.
    session = models.ForeignKey(
        ImportSession, on_delete=models.CASCADE, related_name="rows", db_index=False
    )
    number = models.PositiveIntegerField(help_text="Line in the file (the header is line 1).")
    values = models.JSONField(help_text="column header → value, as in the file")
    errors = models.JSONField(default=list, help_text="[{column, value, message}]")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(
        null=True,
        blank=True,
        help_text="A valid new record's values as validation prepared them, written at commit.",
    )

    class Meta:
        ordering = ["session", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="importrow_unique_number")
        ]
        # No index on status: a row's status changes as it is validated and imported, and with
        # no index to update (and free room on its page, migration 0003) PostgreSQL rewrites the
        # row in place ("HOT" update). The workflow reads a session's rows by number anyway.

    def __str__(self) -> str:
        return f"{self.session_id}:{self.number}"
