"""Number series: formatted per series and year, never reused, never skipped, even under load."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation

from medtek.core.actors import SYSTEM
from medtek.core.models import AuditEvent, NumberCounter, NumberSeries
from medtek.core.numbering import (
    SeriesNotFound,
    number_allocate,
    number_peek,
    number_series_continue_from,
    number_series_create,
)


def _series(key: str = "rs-led", format: str = "RS-LED{yy}-{seq:04}") -> NumberSeries:
    return number_series_create(actor=SYSTEM, key=key, name=f"Series {key}", format=format)


def _allocate(key: str = "rs-led", year: int | None = 2026) -> str:
    with transaction.atomic():
        return number_allocate(series_key=key, year=year)


class Rollback(Exception):
    pass


# Formatting ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_formats_a_diary_number_with_a_two_digit_year() -> None:
    _series(format="RS-LED{yy}-{seq:04}")

    assert _allocate(year=2026) == "RS-LED26-0001"
    assert _allocate(year=2026) == "RS-LED26-0002"
    assert _allocate(year=2005) == "RS-LED05-0001"


@pytest.mark.django_db
def test_it_formats_a_four_digit_year() -> None:
    _series(key="mft", format="MFT {yyyy}/{seq:04}")

    assert _allocate("mft", 2026) == "MFT 2026/0001"


@pytest.mark.django_db
def test_it_lets_the_sequence_outgrow_its_padding() -> None:
    series = _series(format="D{yy}-{seq:03}")
    number_series_continue_from(
        actor=SYSTEM, series=series, year=2026, last_value=999, reason="Moved from the old system"
    )

    assert _allocate(year=2026) == "D26-1000"


@pytest.mark.django_db
def test_it_formats_an_unpadded_sequence() -> None:
    _series(key="dev", format="AVV-{yyyy}-{seq}")

    assert _allocate("dev", 2026) == "AVV-2026-1"


@pytest.mark.django_db
def test_it_defaults_to_this_year() -> None:
    _series(key="mft", format="MFT {yyyy}/{seq:04}")

    assert _allocate("mft", year=None) == f"MFT {timezone.localdate().year}/0001"


@pytest.mark.django_db
def test_it_recognises_its_own_numbers() -> None:
    series = _series(format="RS-LED{yy}-{seq:04}")

    match = series.pattern().match(_allocate(year=2026))

    assert match is not None
    assert match.group("yy") == "26"
    assert int(match.group("seq")) == 1
    assert series.pattern().match("RS-LED26-0001x") is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("format", "message"),
    [
        ("RS-LED{yy}", "must contain {seq}"),
        ("RS-LED{year}-{seq:04}", "Unknown placeholder(s) year"),
        ("RS-{0}-{seq}", "Unknown placeholder(s) 0"),
        ("RS-LED{yy}-{seq:04", "Invalid format"),
        ("RS-LED{yy}-{seq:q}", "Invalid format"),
        ("RS-LED{yy}-seq}", "Invalid format"),
    ],
)
def test_it_rejects_a_bad_format(format: str, message: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        _series(format=format)

    with translation.override("en"):
        messages = excinfo.value.message_dict
    assert "format" in messages
    assert message in " ".join(messages["format"])
    assert not NumberSeries.objects.exists()
    assert not AuditEvent.objects.filter(action="number_series.create").exists()


@pytest.mark.django_db
def test_it_audits_the_creation_of_a_series() -> None:
    series = _series()

    event = AuditEvent.objects.get(action="number_series.create")
    assert event.object_id == str(series.pk)
    assert event.after["format"] == "RS-LED{yy}-{seq:04}"


@pytest.mark.django_db
def test_it_refuses_an_unknown_series() -> None:
    with pytest.raises(SeriesNotFound, match="no-such-series"):
        _allocate("no-such-series")


# Years, rollbacks, continuation ----------------------------------------------------------------


@pytest.mark.django_db
def test_it_restarts_every_year() -> None:
    _series()

    assert _allocate(year=2026) == "RS-LED26-0001"
    assert _allocate(year=2026) == "RS-LED26-0002"
    assert _allocate(year=2027) == "RS-LED27-0001"
    assert _allocate(year=2026) == "RS-LED26-0003"
    assert number_peek(series_key="rs-led", year=2026) == 3
    assert number_peek(series_key="rs-led", year=2027) == 1


@pytest.mark.django_db
def test_it_keeps_series_apart() -> None:
    _series(key="rs-led", format="RS-LED{yy}-{seq:04}")
    _series(key="mft", format="MFT {yyyy}/{seq:04}")

    assert _allocate("rs-led") == "RS-LED26-0001"
    assert _allocate("mft") == "MFT 2026/0001"
    assert _allocate("rs-led") == "RS-LED26-0002"


@pytest.mark.django_db
def test_it_gives_the_number_back_when_the_callers_savepoint_rolls_back() -> None:
    _series()
    assert _allocate() == "RS-LED26-0001"

    with pytest.raises(Rollback), transaction.atomic():
        assert number_allocate(series_key="rs-led", year=2026) == "RS-LED26-0002"
        raise Rollback

    assert _allocate() == "RS-LED26-0002"


@pytest.mark.django_db(transaction=True)
def test_it_gives_the_number_back_when_the_callers_transaction_rolls_back() -> None:
    _series()
    assert _allocate() == "RS-LED26-0001"

    assert not connection.in_atomic_block  # the block below is a real transaction
    with pytest.raises(Rollback), transaction.atomic():
        assert number_allocate(series_key="rs-led", year=2026) == "RS-LED26-0002"
        raise Rollback

    assert number_peek(series_key="rs-led", year=2026) == 1
    assert _allocate() == "RS-LED26-0002"


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_allocate_outside_a_transaction() -> None:
    _series()

    with pytest.raises(RuntimeError, match="inside the transaction"):
        number_allocate(series_key="rs-led", year=2026)

    assert number_peek(series_key="rs-led", year=2026) == 0


@pytest.mark.django_db
def test_it_continues_after_numbers_handed_out_elsewhere() -> None:
    series = _series()

    number_series_continue_from(
        actor=SYSTEM, series=series, year=2026, last_value=847, reason="Previous case system"
    )

    assert _allocate() == "RS-LED26-0848"
    assert _allocate(year=2027) == "RS-LED27-0001"


@pytest.mark.django_db
def test_it_audits_a_continuation(org) -> None:  # type: ignore[no-untyped-def]
    series = _series()
    _allocate()

    counter = number_series_continue_from(
        actor=org.admin, series=series, year=2026, last_value=847, reason="Previous case system"
    )

    event = AuditEvent.objects.get(action="number_series.continue_from")
    assert event.actor == org.admin
    assert event.object_type == "core.numbercounter"
    assert event.object_id == str(counter.pk)
    assert event.before["last_value"] == 1
    assert event.after["last_value"] == 847
    assert event.reason == "Previous case system"


@pytest.mark.django_db
def test_it_never_goes_backwards() -> None:
    series = _series()
    for _ in range(5):
        _allocate()
    events = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        number_series_continue_from(
            actor=SYSTEM, series=series, year=2026, last_value=3, reason="Typo in the old system"
        )

    assert "RS-LED26-0005 has already been handed out" in str(excinfo.value.message_dict)
    assert number_peek(series_key="rs-led", year=2026) == 5
    assert AuditEvent.objects.count() == events
    assert _allocate() == "RS-LED26-0006"


@pytest.mark.django_db
def test_it_requires_a_reason_to_continue() -> None:
    series = _series()

    with pytest.raises(ValidationError) as excinfo:
        number_series_continue_from(
            actor=SYSTEM, series=series, year=2026, last_value=10, reason=" "
        )

    assert "reason" in excinfo.value.message_dict
    assert number_peek(series_key="rs-led", year=2026) == 0


# Concurrency -----------------------------------------------------------------------------------

WRITERS = 16
TRANSACTIONS_PER_WRITER = 4
NUMBERS_PER_TRANSACTION = 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_hands_out_each_number_once_to_concurrent_writers() -> None:
    """Many writers at once, some of whose transactions roll back: no duplicate and no gap."""
    _series()
    barrier = threading.Barrier(WRITERS, timeout=30)

    def writer(index: int) -> list[list[str]]:
        committed = []
        try:
            barrier.wait()
            for round_ in range(TRANSACTIONS_PER_WRITER):
                rolls_back = (index + round_) % 4 == 0
                try:
                    with transaction.atomic():
                        numbers = [
                            number_allocate(series_key="rs-led", year=2026)
                            for _ in range(NUMBERS_PER_TRANSACTION)
                        ]
                        if rolls_back:
                            raise Rollback
                except Rollback:
                    continue
                committed.append(numbers)
            return committed
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        results = [f.result() for f in [pool.submit(writer, i) for i in range(WRITERS)]]

    batches = [batch for result in results for batch in result]
    numbers = [n for batch in batches for n in batch]
    seqs = [int(n.removeprefix("RS-LED26-")) for n in numbers]
    assert len(batches) == WRITERS * TRANSACTIONS_PER_WRITER * 3 // 4
    assert len(seqs) == len(set(seqs)), "a number was handed out twice"
    assert set(seqs) == set(range(1, len(seqs) + 1)), "a number was skipped"
    # A transaction holds the series until it ends, so its own numbers are consecutive.
    for batch in batches:
        first = int(batch[0].removeprefix("RS-LED26-"))
        assert batch == [f"RS-LED26-{first + i:04}" for i in range(NUMBERS_PER_TRANSACTION)]
    assert NumberCounter.objects.get(series__key="rs-led", year=2026).last_value == len(seqs)
