"""The audit trail: one event per change with business meaning (ADR 0003)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medtek.core.text import REASON_LENGTH


class AuditEvent(models.Model):
    """One change with business meaning, by one person (or the system) at one time.

    Written by service functions in the same transaction as the change itself. Kept forever. UPDATE
    and DELETE are rejected by database triggers (migration ``0002_auditevent_append_only``), so
    not even a bug or a hand-written SQL statement can rewrite history.
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        # auditevent_actor_idx (actor, at) answers every lookup by actor.
        db_index=False,
        help_text=_("Empty for changes made by the system itself (e.g. a scheduled job)."),
    )
    actor_name = models.CharField(
        _("actor name"),
        max_length=200,
        help_text=_("Copy of the actor's name at the time, so the trail reads even after renames."),
    )
    actor_title = models.CharField(
        _("actor's title"),
        max_length=200,
        blank=True,
        db_default="",
        help_text=_("Copy of the actor's title at the time; empty for older events."),
    )
    action = models.CharField(_("action"), max_length=100)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=300)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    client_request_id = models.CharField(
        _("client's request id"),
        max_length=64,
        blank=True,
        db_default="",
        help_text=_("The X-Request-ID a client or proxy sent; recorded, never used as ours."),
    )
    reason = models.TextField(_("reason"), max_length=REASON_LENGTH, blank=True)
    source = models.CharField(
        _("source"), max_length=20, blank=True, help_text=_("web, api, cli, import, admin, demo")
    )
    batch = models.CharField(
        _("batch"),
        max_length=64,
        blank=True,
        help_text=_("Groups events made together, e.g. one import session."),
    )

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="auditevent_object_idx"),
            models.Index(fields=["actor", "at"], name="auditevent_actor_idx"),
            # Plain btrees: actions and batches are looked up whole, never by prefix, so the
            # second (``varchar_pattern_ops``) index ``db_index`` adds on PostgreSQL only cost
            # every write (benchmarks/README.md).
            models.Index(fields=["action"], name="auditevent_action_idx"),
            models.Index(fields=["batch"], name="auditevent_batch_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name}: {self.action} {self.object_repr}"

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field whose value differs."""
        before = self.before or {}
        after = self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
