"""Allocation of numbers from a :class:`~medtek.core.models.NumberSeries`.

Numbers are allocated inside the caller's transaction (docs/domain/registry.md#numbers: never
reused, never skipped silently). On PostgreSQL the counter row is locked with SELECT … FOR
UPDATE, so concurrent writers queue on it; on SQLite every transaction takes the database write
lock at BEGIN (settings: ``transaction_mode = IMMEDIATE``). If the caller's transaction rolls
back, the counter rolls back with it, so no gap is left behind.
"""

from django.db import transaction
from django.utils import timezone

from .actions import Action
from .models import NumberCounter, NumberSeries


class SeriesNotFound(LookupError):
    pass


def number_allocate(*, series_key: str, year: int | None = None) -> str:
    """Take the next number of ``series_key`` for ``year`` (default: this year, Swedish time)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_allocate() must run inside the transaction that uses the number")
    if year is None:
        year = timezone.localdate().year
    try:
        series = NumberSeries.objects.get(key=series_key)
    except NumberSeries.DoesNotExist:
        raise SeriesNotFound(f"No number series with key {series_key!r}") from None
    # Create the year's counter if it is missing; a concurrent creator makes this a no-op.
    NumberCounter.objects.bulk_create(
        [NumberCounter(series=series, year=year, last_value=0)], ignore_conflicts=True
    )
    counter = NumberCounter.objects.select_for_update().get(series=series, year=year)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return series.render(year=year, seq=counter.last_value)


def number_peek(*, series_key: str, year: int) -> int:
    """The last number handed out (0 if none); for display, never for allocation."""
    counter = NumberCounter.objects.filter(series__key=series_key, year=year).first()
    return counter.last_value if counter else 0


@transaction.atomic
def number_series_create(*, actor: object, key: str, name: str, format: str) -> NumberSeries:
    """Create a number series (e.g. the board's diary ``RS-LED{yy}-{seq:04}``)."""
    from . import audit

    series = NumberSeries(key=key, name=name, format=format)
    series.full_clean()
    series.save()
    audit.record(
        actor=actor, action=Action.NUMBER_SERIES_CREATE, obj=series, after=audit.snapshot(series)
    )
    return series


@transaction.atomic
def number_series_ensure(*, actor: object, key: str, name: str, format: str) -> None:
    """Create the series ``key`` unless it exists: the first record of a kind creates the series
    it is numbered from (audited, as any new series); an administrator may give it another
    format later. A concurrent first record's series is as good as our own."""
    import contextlib

    from django.core.exceptions import ValidationError
    from django.db import IntegrityError

    if NumberSeries.objects.filter(key=key).exists():
        return
    with contextlib.suppress(IntegrityError, ValidationError):
        number_series_create(actor=actor, key=key, name=name, format=format)


def number_series_continue_from(
    *, actor: object, series: NumberSeries, year: int, last_value: int, reason: str
) -> NumberCounter:
    """Let a series continue after numbers handed out elsewhere (e.g. a previous system).

    The counter may only move forward, so a number can never be handed out twice.
    """
    from django.core.exceptions import ValidationError

    from . import audit

    if not reason.strip():
        raise ValidationError({"reason": "Say why the series continues from this number."})
    NumberCounter.objects.bulk_create(
        [NumberCounter(series=series, year=year, last_value=0)], ignore_conflicts=True
    )
    counter = NumberCounter.objects.select_for_update().get(series=series, year=year)
    if last_value < counter.last_value:
        raise ValidationError(
            {
                "last_value": (
                    f"{series.render(year=year, seq=counter.last_value)} has already been "
                    "handed out; a series never goes back."
                )
            }
        )
    before = audit.snapshot(counter)
    counter.last_value = last_value
    counter.save(update_fields=["last_value"])
    audit.record(
        actor=actor,
        action=Action.NUMBER_SERIES_CONTINUE_FROM,
        obj=counter,
        before=before,
        after=audit.snapshot(counter),
        reason=reason,
    )
    return counter
