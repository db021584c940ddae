"""Sending is a permission of its own, and Carnet's three roles are groups (crm.roles)."""

from itertools import count

from django.db import migrations

from crm import roles


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    alias = schema_editor.connection.alias
    # A group made before roles and named as one keeps its members and permissions under
    # another name: they were given that group's rights, not the role's (nor an owner's).
    for role in roles.ROLES:
        earlier = Group.objects.using(alias).filter(name=role.group).first()
        if earlier is not None:
            taken = set(Group.objects.using(alias).values_list("name", flat=True))
            names = (f"{role.group} (avant les rôles{f' {n}' if n > 1 else ''})" for n in count(1))
            earlier.name = next(name for name in names if name not in taken)
            earlier.save(update_fields=["name"])
    # The permissions a fresh database has no rows for yet (Django writes them after the
    # last migration) reach the groups then: roles.sync_after_migrate runs after every migrate.
    roles.sync(
        apps.get_model("auth", "Group"),
        apps.get_model("auth", "Permission"),
        schema_editor.connection.alias,
    )


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(
        name__in=[role.group for role in roles.ROLES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("campaigns", "0005_campaign_language"),
        ("contacts", "0014_export_permissions"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="campaign",
            options={
                "ordering": ["-created_at"],
                "permissions": [("send_campaign", "Can send or schedule campaigns")],
                "verbose_name": "campaign",
                "verbose_name_plural": "campaigns",
            },
        ),
        migrations.RunPython(create_roles, remove_roles),
    ]
