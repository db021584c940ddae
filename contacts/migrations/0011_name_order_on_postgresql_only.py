from django.db import migrations

INDEX = "contact_name_order"


def _drop_on_sqlite(apps, schema_editor):
    """On SQLite the collation is Python: indexed, it would cost every insert dearly."""
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


def _create_on_sqlite(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f'CREATE INDEX "{INDEX}" ON "contacts_contact" '
            '("last_name" COLLATE "carnet_names", "first_name" COLLATE "carnet_names", "id")'
        )


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0010_search_indexes"),
    ]

    # PostgreSQL keeps the index 0008 made (the list reads a million names in its order);
    # the model no longer declares it, since SQLite does without (see Contact.Meta).
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveIndex(model_name="contact", name=INDEX)],
            database_operations=[migrations.RunPython(_drop_on_sqlite, _create_on_sqlite)],
        ),
    ]
