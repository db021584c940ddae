"""Upgrading to roles (campaigns 0006) on a database whose owner had made groups already."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_ROLES = [("campaigns", "0005_campaign_language")]


@pytest.mark.django_db(transaction=True)
def test_a_group_named_as_a_role_before_roles_keeps_its_rights_under_another_name():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_ROLES)
    old = MigrationExecutor(connection).loader.project_state(BEFORE_ROLES).apps
    Group, Permission, User = (old.get_model("auth", n) for n in ("Group", "Permission", "User"))
    seeing = list(Permission.objects.filter(codename="view_contact"))
    for name in ("Marketing", "Propriétaire"):  # what the shop owner had called them
        Group.objects.create(name=name).permissions.set(seeing)
    Group.objects.create(name="Marketing (avant les rôles)")  # a name taken already
    zoe = User.objects.create(username="zoe", is_staff=True)
    zoe.groups.set(Group.objects.filter(name__in=["Marketing", "Propriétaire"]))

    call_command("migrate", verbosity=0)

    from django.contrib.auth.models import Group, User

    from crm import roles

    zoe = User.objects.get(username="zoe")
    assert set(zoe.groups.values_list("name", flat=True)) == {
        "Marketing (avant les rôles 2)", "Propriétaire (avant les rôles)"
    }  # fmt: skip
    assert zoe.get_all_permissions() == {"contacts.view_contact"}
    assert roles.role_of(zoe) is None and not roles.is_owner(zoe)
    for role in roles.ROLES:  # the roles themselves, made anew with their rights
        assert Group.objects.get(name=role.group).permissions.exists()
