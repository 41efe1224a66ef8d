"""The outbox: side effects queued with the change that causes them (ADR 0011)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medtek.core.text import REASON_LENGTH


class OutboxMessage(models.Model):
    """Something medtek must do outside its own database once a change has committed: an e-mail
    today, later a report sent to an authority.

    Written in the same transaction as the change (``medtek.core.outbox.enqueue``), so a change
    that rolls back leaves no message, and a change that commits leaves one that stays until it
    is delivered, whatever happens to the process. Delivery fills in ``sent_at``; a message is
    never deleted by delivery, so the table also says what was sent, when, and for which request.

    Note: ``payload`` holds what the message says (an e-mail's addresses and text), which may be
    personal data; it is kept like the record it was sent about.
    """

    kind = models.CharField(_("kind"), max_length=50, help_text=_("e.g. email"))
    key = models.CharField(
        _("key"),
        max_length=200,
        unique=True,
        help_text=_(
            "Names the message so that queueing it again queues nothing new, e.g. "
            "reminder:2026-12-01:user 7."
        ),
    )
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    available_at = models.DateTimeField(
        _("due"), default=timezone.now, help_text=_("Not attempted before this time (retries).")
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), max_length=REASON_LENGTH, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    request_id = models.CharField(
        _("request id"),
        max_length=64,
        blank=True,
        help_text=_("The request (or command run) whose change queued the message."),
    )
    source = models.CharField(
        _("source"), max_length=20, blank=True, help_text=_("web, api, cli, import, admin, demo")
    )

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["created_at", "id"]
        indexes = [
            # What delivery asks for: unsent messages by due time. Sent ones, the bulk of the
            # table over time, stay out of the index.
            models.Index(
                fields=["available_at", "id"],
                condition=models.Q(sent_at__isnull=True),
                name="outbox_unsent_idx",
            ),
        ]

    def __str__(self) -> str:
        state = f"sent {self.sent_at:%Y-%m-%d %H:%M}" if self.sent_at else "unsent"
        return f"{self.kind} {self.key} ({state})"
