"""Disposal (gallring): the one lawful way to remove content from a record that must otherwise
never change (docs/domain/registry.md#disposal; ADR 0009).

Removing or overwriting content of public records is disposal, which needs a prior documented
decision (arkivlagen 1990:782 § 10; the archive authority's regulations). So content leaves a
versioned record only through :func:`medtek.core.records.record_dispose`, under a recorded
:class:`DisposalDecision`, and the disposal leaves a :class:`DisposalTrace` that says what was
disposed of, when, by whom and under which decision. Both are append-only at the database.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medtek.core.text import REASON_LENGTH


class DisposalDecision(models.Model):
    """A decision that lets records of given kinds be disposed of (gallringsbeslut), as the
    region's records management plan (informationshanteringsplan) and the archive authority's
    rules set it out.

    ``record_types`` names the kinds of record it covers (model labels such as
    ``registry.document``); ``retention_years`` how long a record is kept, counted from its
    registration, before the decision lets it go.
    """

    reference = models.CharField(
        _("reference"),
        max_length=100,
        unique=True,
        help_text=_("The decision's own designation, e.g. its diary number or plan item."),
    )
    title = models.CharField(_("title"), max_length=300)
    legal_basis = models.TextField(
        _("legal basis"),
        max_length=REASON_LENGTH,
        help_text=_(
            "The records management plan item and the archive authority's rule the decision "
            "rests on."
        ),
    )
    decided_by = models.CharField(
        _("decided by"), max_length=200, help_text=_("The board or authority that decided.")
    )
    decided_on = models.DateField(_("decided on"))
    record_types = models.JSONField(
        _("kinds of record"), help_text=_("The kinds of record the decision covers.")
    )
    retention_years = models.PositiveSmallIntegerField(
        _("kept for (years)"),
        help_text=_("How long a record is kept after its registration before it may go."),
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("disposal decision")
        verbose_name_plural = _("disposal decisions")
        ordering = ["-decided_on", "reference"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class DisposalTrace(models.Model):
    """What a disposal left behind: which record (its kind, its number), registered when, how
    many versions, which of its fields and files were emptied, under which decision, by whom,
    when and why. The content itself is gone; this is kept forever."""

    decision = models.ForeignKey(
        DisposalDecision,
        verbose_name=_("disposal decision"),
        on_delete=models.PROTECT,
        related_name="traces",
    )
    object_type = models.CharField(_("kind of record"), max_length=100)
    object_id = models.CharField(_("record id"), max_length=64)
    object_repr = models.CharField(_("record"), max_length=300)
    lineage = models.UUIDField(_("lineage"))
    versions = models.PositiveIntegerField(_("versions"))
    registered_at = models.DateTimeField(_("registered"), null=True, blank=True)
    fields = models.JSONField(_("fields emptied"))
    files = models.JSONField(
        _("files removed"), default=list, help_text=_("SHA-256, size and type of each file.")
    )
    disposed_at = models.DateTimeField(_("disposed of"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("disposed of by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("disposed of by"), max_length=200)
    reason = models.TextField(_("reason"), max_length=REASON_LENGTH, blank=True)

    class Meta:
        verbose_name = _("disposal trace")
        verbose_name_plural = _("disposal traces")
        ordering = ["-disposed_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="disposaltrace_object_idx")
        ]

    def __str__(self) -> str:
        return f"{self.object_repr} ({self.decision.reference}, {self.disposed_at:%Y-%m-%d})"
