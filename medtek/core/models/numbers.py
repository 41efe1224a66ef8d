"""Number series: diary, case, file and report numbers, per series and year (ADR 0004)."""

import re
import string

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    transaction gives its number back and no gap appears) and are never reused
    (docs/domain/registry.md#numbers).
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
