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
    """Carnet's model admins: French that reads well whatever the model's name.

    Django's French titles assume a masculine name that starts with a consonant ("Ajout
    de étiquette", "les campagnes sélectionnés"); these phrasings fit every name.
    """

    def add_view(self, request, form_url="", extra_context=None):
        title = _("Add: %(name)s") % {"name": self.opts.verbose_name}
        return super().add_view(request, form_url, {"title": title, **(extra_context or {})})

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            func, name, _description = actions["delete_selected"]
            actions[name] = (func, name, _("Delete the selection (%(verbose_name_plural)s)"))
        return actions

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
