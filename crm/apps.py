from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate

from crm.lib import sqlite


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "Carnet"

    def ready(self):
        connection_created.connect(sqlite.install, dispatch_uid="carnet-sqlite-unicode")
        self._wire_dashboard()
        self._wire_roles()

    @staticmethod
    def _wire_dashboard() -> None:
        # The admin (listed before crm) has registered every model by now.
        from django.contrib import admin

        from contacts.models import Contact
        from crm.dashboard import filters, tasks  # noqa: F401  (beat's refresh_figures)

        filters.add_to(admin.site._registry[Contact])

    @staticmethod
    def _wire_roles() -> None:
        from django.contrib import admin
        from django.contrib.auth.models import Group, User

        from crm import roles, users

        # Users get a role in plain words; django.contrib.auth registered its own admins.
        for model, model_admin in ((User, users.UserAdmin), (Group, users.GroupAdmin)):
            admin.site.unregister(model)
            admin.site.register(model, model_admin)
        post_migrate.connect(roles.sync_after_migrate, dispatch_uid="carnet-roles")


class CarnetAdminConfig(admin_apps.AdminConfig):
    default = False  # listed by its full path in INSTALLED_APPS
    default_site = "crm.admin.CarnetAdminSite"
