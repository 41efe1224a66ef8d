"""On PostgreSQL, a trigram GIN index for the diary's text search (``DocumentFilter.search``):
``search_text__icontains`` is ``UPPER(search_text::text) LIKE UPPER(…)`` there, and the index is
on exactly that expression, so a search reads the matching documents instead of all of them
(benchmarks/diary.py); and prefix indexes for the number searches. SQLite has no such indexes
and needs none at its scale.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from medtek.core.append_only import RunSQLPerVendor

SEARCH_INDEXES = RunSQLPerVendor(
    sqlite=[],
    postgresql=[
        "CREATE INDEX IF NOT EXISTS document_search_trgm_idx ON registry_document "
        "USING gin ((UPPER(search_text::text)) gin_trgm_ops)",
        "CREATE INDEX IF NOT EXISTS document_search_restricted_trgm_idx ON registry_document "
        "USING gin ((UPPER(search_restricted::text)) gin_trgm_ops)",
        # Numbers are searched from their start (``istartswith``: UPPER(…) LIKE 'X%').
        "CREATE INDEX IF NOT EXISTS document_number_prefix_idx ON registry_document "
        "((UPPER(number::text)) text_pattern_ops)",
        "CREATE INDEX IF NOT EXISTS document_external_number_prefix_idx ON registry_document "
        "((UPPER(external_number::text)) text_pattern_ops)",
    ],
    sqlite_reverse=[],
    postgresql_reverse=[
        "DROP INDEX IF EXISTS document_search_trgm_idx",
        "DROP INDEX IF EXISTS document_search_restricted_trgm_idx",
        "DROP INDEX IF EXISTS document_number_prefix_idx",
        "DROP INDEX IF EXISTS document_external_number_prefix_idx",
    ],
)


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_document_sealed")]

    operations = [TrigramExtension(), SEARCH_INDEXES]
