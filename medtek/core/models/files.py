"""The file store's catalogue: one row per content ever stored (ADR 0010).

The content itself lives in the storage that the ``STORAGES["medtek_files"]`` setting names (a
directory by default, S3-compatible object storage in production), under a name made of its
SHA-256; :mod:`medtek.core.files` is the only code that reads or writes it.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StoredFile(models.Model):
    """A file kept by medtek: an uploaded attachment or a generated document, stored once
    whatever name or record it came with, and identified by the SHA-256 of its content.

    The row is kept forever and never changes (database triggers, core.append_only), except
    that ``removed_at`` is set once when a disposal decision removed the content (arkivlagen
    1990:782 § 10: content of a public record goes only by disposal). After that the row still
    says what was there (digest, size, type), and the content is gone from storage.

    ``original_name`` is the name the content was first stored with: metadata only. The same
    content stored later under another name is the same file; each record that points at it
    keeps its own name for it.
    """

    #: The one column that may change, once (core.append_only.set_once_sql).
    SET_ONCE = "removed_at"

    sha256 = models.CharField(
        _("SHA-256"),
        max_length=64,
        db_index=True,
        editable=False,
        validators=[RegexValidator(r"^[0-9a-f]{64}\Z", _("A SHA-256 is 64 hexadecimal digits."))],
        help_text=_("The digest of the content, in hexadecimal: its name in the store."),
    )
    size = models.PositiveBigIntegerField(_("size (bytes)"), editable=False)
    content_type = models.CharField(
        _("type"),
        max_length=100,
        editable=False,
        help_text=_("Found from the content itself, never from the name."),
    )
    original_name = models.CharField(_("original name"), max_length=255, blank=True, editable=False)
    stored_at = models.DateTimeField(_("stored"), default=timezone.now, editable=False)
    stored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("stored by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text=_("Empty for files the system stored itself (e.g. a generated document)."),
    )
    removed_at = models.DateTimeField(
        _("content removed"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When a disposal removed the content; the row itself is kept."),
    )

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")
        ordering = ["-stored_at", "-id"]
        constraints = [
            # One row holds a content while it is stored. Content removed by a disposal may be
            # stored again later (a new upload of the same bytes): that is a new row.
            models.UniqueConstraint(
                fields=["sha256"],
                condition=models.Q(removed_at__isnull=True),
                name="storedfile_one_per_content",
                violation_error_message=_("This content is stored already."),
            ),
            models.CheckConstraint(
                condition=Exact(Length("sha256"), 64),
                name="storedfile_sha256_length",
                violation_error_message=_("A SHA-256 is 64 hexadecimal digits."),
            ),
        ]

    def __str__(self) -> str:
        return self.original_name or self.sha256[:12]

    @property
    def blob_name(self) -> str:
        """The content's name in the storage: ``ab/cd/abcd…`` (its SHA-256, spread over two
        levels of directories so that no directory grows too large)."""
        return blob_name(self.sha256)

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


def blob_name(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"
