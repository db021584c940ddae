"""Trigram indexes so that the admin's search ("part of an email") stays fast on PostgreSQL.

The admin searches with icontains, which PostgreSQL writes as UPPER(col::text) LIKE
UPPER('%term%'): only a trigram index on that very expression can serve it. SQLite has no
such index and scans, which is fine at the sizes it is used for.
"""

from django.db import migrations

SEARCHED = [
    ("contacts_contact", "first_name"),
    ("contacts_contact", "last_name"),
    ("contacts_contact", "email"),
    ("contacts_contact", "phone"),
    ("contacts_company", "name"),
]


def _index_name(table, column):
    return f"{table}_{column}_trgm"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in SEARCHED:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{_index_name(table, column)}" ON "{table}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in SEARCHED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{_index_name(table, column)}"')


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
