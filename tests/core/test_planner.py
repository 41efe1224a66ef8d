"""The planner's statistics are refreshed after writes autovacuum would not notice soon
(core.planner): after the demo and after a large import."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from medtek.core import planner
from medtek.organisation.models import Unit
from tests import factories

pytestmark = pytest.mark.django_db


def analysed_now(table: str) -> float:
    """Analyse ``table`` at once, so that a test starts from statistics it knows."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return reltuples(table)


def reltuples(table: str) -> float:
    """What the statistics say the table holds (-1: never analysed) — PostgreSQL only."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_the_demo_leaves_its_small_tables_analysed(settings, django_capture_on_commit_callbacks):
    settings.DEBUG = True  # the demo refuses to load otherwise
    assert analysed_now("organisation_unit") == 0
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("demo", stdout=io.StringIO())
    assert reltuples("organisation_unit") == 0  # not before the demo's transaction commits
    for callback in callbacks:
        callback()
    assert reltuples("organisation_unit") == Unit.objects.count() > 0


@pytest.mark.postgres
def test_it_analyses_after_the_transaction_and_not_before(
    org, django_capture_on_commit_callbacks
) -> None:
    before = analysed_now("organisation_unit")
    factories.unit(name="Ny enhet", parent=org.hsf, provider=org.region_provider)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        planner.analyse([Unit])
    assert reltuples("organisation_unit") == before  # not yet: the transaction is open
    assert len(callbacks) == 1
    callbacks[0]()
    assert reltuples("organisation_unit") == Unit.objects.count() == before + 1


def test_it_does_nothing_on_other_databases(org, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        planner.analyse()
    assert callbacks == [] if connection.vendor != "postgresql" else len(callbacks) == 1
