"""Core records: the audit trail and number series.

Both are records that must never silently change (design.md, "Records that must never silently
change"): audit events are append-only at the database level, and a number series never reuses or
skips a number.
"""

import re
import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
        help_text=_("Empty for changes made by the system itself (e.g. a scheduled job)."),
    )
    actor_name = models.CharField(
        _("actor name"),
        max_length=200,
        help_text=_("Copy of the actor's name at the time, so the trail reads even after renames."),
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=300)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    source = models.CharField(
        _("source"), max_length=20, blank=True, help_text=_("web, api, cli, import, admin, demo")
    )
    batch = models.CharField(
        _("batch"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Groups events made together, e.g. one import session."),
    )

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="auditevent_object_idx"),
            models.Index(fields=["actor", "at"], name="auditevent_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name}: {self.action} {self.object_repr}"

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field whose value differs."""
        before = self.before or {}
        after = self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


_FORMAT_FIELDS = {"yy", "yyyy", "seq"}


def validate_number_format(value: str) -> None:
    """A format may use {yy}, {yyyy} and must use {seq} (with an optional spec like {seq:04})."""
    try:
        fields = [f for _, f, spec, _ in string.Formatter().parse(value) if f is not None]
    except ValueError as exc:
        raise ValidationError(_("Invalid format: %(error)s"), params={"error": exc}) from exc
    unknown = set(fields) - _FORMAT_FIELDS
    if unknown:
        raise ValidationError(
            _("Unknown placeholder(s) %(names)s; use {yy}, {yyyy} and {seq}."),
            params={"names": ", ".join(sorted(unknown))},
        )
    if "seq" not in fields:
        raise ValidationError(_("The format must contain {seq}."))
    try:
        value.format(yy="26", yyyy="2026", seq=1)
    except (ValueError, KeyError) as exc:
        raise ValidationError(_("Invalid format: %(error)s"), params={"error": exc}) from exc


class NumberSeries(models.Model):
    """A series of numbers, e.g. the board's diary numbers ``RS-LED26-0847``.

    Numbers restart per year, are allocated inside the transaction that uses them (so a rolled-back
    transaction gives its number back and no gap appears) and are never reused (domain.md §3).
    """

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    format = models.CharField(
        _("format"),
        max_length=100,
        validators=[validate_number_format],
        help_text=_("For example RS-LED{yy}-{seq:04} or MFT {yyyy}/{seq:04}."),
    )

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.name} ({self.format})"

    def render(self, *, year: int, seq: int) -> str:
        return self.format.format(yy=f"{year % 100:02d}", yyyy=f"{year:04d}", seq=seq)

    def pattern(self) -> re.Pattern[str]:
        """A regular expression that matches the numbers this series produces."""
        out = []
        for literal, field, _spec, _conv in string.Formatter().parse(self.format):
            out.append(re.escape(literal))
            if field == "yy":
                out.append(r"(?P<yy>\d{2})")
            elif field == "yyyy":
                out.append(r"(?P<yyyy>\d{4})")
            elif field == "seq":
                out.append(r"(?P<seq>\d+)")
        return re.compile("^" + "".join(out) + "$")


class NumberCounter(models.Model):
    """The last number handed out in one series and year; locked row by row while allocating."""

    series = models.ForeignKey(NumberSeries, on_delete=models.PROTECT, related_name="counters")
    year = models.PositiveSmallIntegerField(_("year"))
    last_value = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number counter")
        verbose_name_plural = _("number counters")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "year"],
                name="numbercounter_one_per_series_year",
                violation_error_message=_("A series has one counter per year."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.series.key} {self.year}: {self.last_value}"
