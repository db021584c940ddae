from django.contrib import admin
from django.utils import translation
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


class ModelAdmin(admin.ModelAdmin):
    """Carnet's model admins: the change history names fields in the reader's language."""

    def construct_change_message(self, request, form, formsets, add=False):
        # Django stores the form's labels ("First name"), which no catalogue translates
        # when the history is read; the model's verbose names ("first name") are.
        message = super().construct_change_message(request, form, formsets, add)
        model_fields = {f.name: f for f in self.model._meta.get_fields() if f.concrete}
        for entry in message:
            if "changed" in entry and "name" not in entry["changed"]:
                labels = entry["changed"]["fields"]
                with translation.override(None):
                    entry["changed"]["fields"] = [
                        str(model_fields[name].verbose_name) if name in model_fields else label
                        for name, label in zip(form.changed_data, labels, strict=True)
                    ]
        return message
