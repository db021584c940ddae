from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from crm import dashboard, heartbeat, navigation
from crm.dashboard import figures, first_steps


class CarnetAdminSite(admin.AdminSite):
    site_header = _("Carnet")
    site_title = _("Carnet")
    index_title = pgettext_lazy("navigation", "Dashboard")
    site_url = None  # Carnet has no public site besides the admin
    # The owner's navigation (navigation.NAVIGATION) replaces the list of models by app,
    # in the header, where a phone shows it too.
    enable_nav_sidebar = False

    def each_context(self, request):
        context = super().each_context(request)
        context["workers_last_seen"] = heartbeat.last_seen()
        context["workers_running"] = heartbeat.workers_running()
        if request.user.is_active and request.user.is_staff:
            context["carnet_nav"] = navigation.links(request, navigation.NAVIGATION)
        return context

    def get_app_list(self, request, app_label=None):
        """Leave out users and groups but for administrators (they live in Réglages)."""
        apps = super().get_app_list(request, app_label)
        return [app for app in apps if app["app_label"] != "auth" or request.user.is_superuser]

    def admin_view(self, view, cacheable=False):
        return super().admin_view(first_steps.noting_visits(view), cacheable)

    def get_urls(self):
        return [
            path("reglages/", self.admin_view(self.settings_view), name="settings"),
            path(
                "tableau-de-bord/recompter/",
                self.admin_view(self.recount_view),
                name="dashboard_recount",
            ),
            *super().get_urls(),
        ]

    def index(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """Show the dashboard: where the business stands and what to do next."""
        context = {**self.each_context(request), "title": self.index_title}
        context.update(dashboard.context(request), **(extra_context or {}))
        request.current_app = self.name
        return TemplateResponse(request, self.index_template or "admin/index.html", context)

    def settings_view(self, request: HttpRequest) -> HttpResponse:
        """Show Réglages: the business, and users and groups for administrators."""
        placed = navigation.PLACED
        others = [
            model
            for app in self.get_app_list(request)
            for model in app["models"]
            if f"{app['app_label']}.{model['object_name'].lower()}" not in placed
        ]
        context = {
            **self.each_context(request),
            "title": pgettext_lazy("navigation", "Settings"),
            "settings_links": navigation.settings_links(request),
            "other_lists": others,
        }
        return TemplateResponse(request, "admin/carnet/settings.html", context)

    @staticmethod
    @require_POST
    def recount_view(request: HttpRequest) -> HttpResponse:
        """Count the dashboard's figures again now, then show them."""
        figures.refresh()
        return redirect("admin:index")


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
