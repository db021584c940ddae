import json
from collections.abc import Iterator
from contextlib import contextmanager

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.contrib.admin import helpers
from django.contrib.admin.utils import model_ngettext
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from audience import invitations, social
from crm import dashboard, heartbeat, navigation, roles, security
from crm.dashboard import figures, first_steps


class CarnetAdminSite(admin.AdminSite):
    site_header = _("Carnet")
    site_title = _("Carnet")
    index_title = pgettext_lazy("navigation", "Dashboard")
    site_url = None  # Carnet has no public site besides the admin
    # The owner's navigation (navigation.NAVIGATION) replaces the list of models by app,
    # in the header, where a phone shows it too.
    enable_nav_sidebar = False
    # Asks an administrator who turned on two-step login for the app's code.
    login_form = security.LoginForm

    def __init__(self, name="admin"):
        super().__init__(name)
        # Two-step login has its own page (Réglages); django-otp's admin of the keys, which
        # would register itself later, stays out of sight.
        self.register(TOTPDevice, security.DeviceAdmin)

    def each_context(self, request):
        context = super().each_context(request)
        context["workers_last_seen"] = heartbeat.last_seen()
        context["workers_running"] = heartbeat.workers_running()
        if request.user.is_active and request.user.is_staff:
            context["carnet_nav"] = navigation.links(request, navigation.NAVIGATION)
        return context

    def register(self, model_or_iterable, admin_class=None, **options):
        # django.contrib.auth registers users and groups with its own admins: they get
        # Carnet's French too, as every model the owner meets.
        admin_class = admin_class or ModelAdmin
        if not issubclass(admin_class, ModelAdmin):
            admin_class = type(admin_class.__name__, (ModelAdmin, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)

    def get_app_list(self, request, app_label=None):
        """Leave out users and groups but for owners (they live in Réglages)."""
        apps = super().get_app_list(request, app_label)
        return [app for app in apps if app["app_label"] != "auth" or roles.is_owner(request.user)]

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
            path("invitation/", self.admin_view(invitations.page), name="invite_no_consent"),
            path("reseaux-sociaux/", self.admin_view(social.page), name="social_only"),
            path(
                "reglages/connexion-en-deux-etapes/",
                self.admin_view(security.two_step_page),
                name="two_step",
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


# The success message a model admin says instead of Django's, while it answers a request.
_SAID = "carnet_success_message"


@contextmanager
def _saying(request: HttpRequest, message: str) -> Iterator[None]:
    """Have the model admin say `message` for the success Django reports meanwhile."""
    setattr(request, _SAID, message)
    try:
        yield
    finally:
        delattr(request, _SAID)


def _named(verb: str, model_admin: admin.ModelAdmin, obj) -> str:
    return format_html(verb, name=model_admin.opts.verbose_name, obj=str(obj))


class InlineAdminFormSet(helpers.InlineAdminFormSet):
    """A formset of a page's inline forms whose "add" link reads "Add: note"."""

    def inline_formset_data(self) -> str:
        data = json.loads(super().inline_formset_data())
        add = pgettext("link", "Add: %(name)s") % {"name": self.opts.verbose_name}
        data["options"]["addText"] = add
        return json.dumps(data)


class ModelAdmin(admin.ModelAdmin):
    """Carnet's model admins: French that reads well whatever the model's name.

    Django's French titles assume a masculine name that starts with a consonant ("Ajout
    de étiquette", "les campagnes sélectionnés") and speak of "objets"; these phrasings
    fit every name.
    """

    def changelist_view(self, request, extra_context=None):
        title = capfirst(self.opts.verbose_name_plural)
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def add_view(self, request, form_url="", extra_context=None):
        title = _("Add: %(name)s") % {"name": self.opts.verbose_name}
        return super().add_view(request, form_url, {"title": title, **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        verb = (
            _("Change: %(name)s") if self.has_change_permission(request) else _("View: %(name)s")
        )
        title = verb % {"name": self.opts.verbose_name}
        return super().change_view(
            request, object_id, form_url, {"title": title, **(extra_context or {})}
        )

    def action_checkbox(self, obj):
        label = gettext("Choose %(obj)s") % {"obj": obj}  # read aloud by screen readers
        # Never ticked when the page opens (Django's own check_test): the owner ticks.
        checkbox = forms.CheckboxInput(
            {"class": "action-select", "aria-label": label}, lambda value: False
        )
        return checkbox.render(helpers.ACTION_CHECKBOX_NAME, str(obj.pk))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(field.widget, RelatedFieldWidgetWrapper):
            # The form renderer reads app templates only, where the admin's comes first.
            field.widget.template_name = "carnet/related_widget_wrapper.html"
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None:
            # Django adds a hint about holding Ctrl or ⌘ to pick several: the pickers
            # Carnet uses need no key held down.
            field.help_text = kwargs.get("help_text", db_field.help_text)
        return field

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_formset in inline_formsets:
            # Django builds them in the middle of a long method; only their words differ.
            inline_formset.__class__ = InlineAdminFormSet
        return inline_formsets

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        if level == messages.SUCCESS:
            message = getattr(request, _SAID, message)
        super().message_user(request, message, level, *args, **kwargs)

    def response_add(self, request, obj, post_url_continue=None):
        with _saying(request, _named(gettext("Saved: {name} “{obj}”."), self, obj)):
            return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        with _saying(request, _named(gettext("Saved: {name} “{obj}”."), self, obj)):
            return super().response_change(request, obj)

    def response_delete(self, request, obj_display, obj_id):
        with _saying(request, _named(gettext("Deleted: {name} “{obj}”."), self, obj_display)):
            return super().response_delete(request, obj_display, obj_id)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django's message calls it "l’objet"; the owner followed an old link.
        message = _("Not found: %(name)s %(key)s (it may have been deleted).")
        self.message_user(request, message % {"name": opts.verbose_name, "key": object_id},
                          messages.WARNING)  # fmt: skip
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions and not roles.is_owner(request.user):
            del actions["delete_selected"]  # one at a time, but for owners
        if "delete_selected" in actions:
            _func, name, _description = actions["delete_selected"]
            actions[name] = (
                _delete_selected,
                name,
                _("Delete the selection (%(verbose_name_plural)s)"),
            )
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


def _delete_selected(model_admin: ModelAdmin, request: HttpRequest, queryset):
    """Delete the chosen rows after asking, as Django does, and say it in Carnet's words."""
    count = queryset.count()
    deleted = _("Deleted: %(count)d %(items)s.")
    message = deleted % {"count": count, "items": model_ngettext(model_admin.opts, count)}
    with _saying(request, message):
        return admin_actions.delete_selected(model_admin, request, queryset)
