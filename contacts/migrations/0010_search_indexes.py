from django.db import migrations

# The contact search on PostgreSQL (contacts/search.py) finds a word anywhere in names,
# addresses, companies and further addresses through trigram indexes, and a phone from its
# start through pattern indexes: without them each search reads a million rows. unaccent()
# may not be indexed (its dictionary could change), so an immutable wrapper fixes it.
# The extension is left in place when going back: something else may use it (and
# Django's TrigramExtension cannot be reversed on SQLite).
INDEXES = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE OR REPLACE FUNCTION carnet_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT unaccent('unaccent'::regdictionary, $1) $$;
CREATE INDEX contact_search_words ON contacts_contact USING gin (
    upper(carnet_unaccent(first_name || ' ' || last_name || ' ' || email)) gin_trgm_ops);
CREATE INDEX company_search_words ON contacts_company USING gin (
    upper(carnet_unaccent(name)) gin_trgm_ops);
CREATE INDEX contactpoint_search_words ON contacts_contactpoint USING gin (
    upper(value) gin_trgm_ops);
CREATE INDEX contact_phone_prefix ON contacts_contact (phone varchar_pattern_ops);
CREATE INDEX contactpoint_value_prefix ON contacts_contactpoint (value varchar_pattern_ops);
"""
DROP = """
DROP INDEX IF EXISTS contact_search_words, company_search_words, contactpoint_search_words,
    contact_phone_prefix, contactpoint_value_prefix;
DROP FUNCTION IF EXISTS carnet_unaccent(text);
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0009_shared_websites"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(INDEXES), _on_postgresql(DROP)),
    ]
