"""Exporting lists of contacts, and one person's data, are permissions of their own."""

import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0013_suppression_list_and_retention_steps"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="contact",
            options={
                "ordering": [
                    models.OrderBy(
                        django.db.models.functions.comparison.Collate(
                            models.F("last_name"), "carnet_names"
                        )
                    ),
                    models.OrderBy(
                        django.db.models.functions.comparison.Collate(
                            models.F("first_name"), "carnet_names"
                        )
                    ),
                    models.OrderBy(models.F("id")),
                ],
                "permissions": [
                    ("export_contacts", "Can export lists of contacts"),
                    ("export_personal_data", "Can export one person's data"),
                ],
                "verbose_name": "contact",
                "verbose_name_plural": "contacts",
            },
        ),
    ]
