from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crm import heartbeat


class CarnetAdminSite(admin.AdminSite):
    site_header = _("Carnet")
    site_title = _("Carnet")
    index_title = _("Your contacts, at home")
    site_url = None  # Carnet has no public site besides the admin

    def each_context(self, request):
        context = super().each_context(request)
        context["workers_last_seen"] = heartbeat.last_seen()
        context["workers_running"] = heartbeat.workers_running()
        return context
