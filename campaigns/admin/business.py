"""Your business in Réglages: one page, the brand and the sender identity of every email."""

from django import forms
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from campaigns.models import Business
from crm.admin import ModelAdmin


class ColourInput(forms.TextInput):
    input_type = "color"


@admin.register(Business)
class BusinessAdmin(ModelAdmin):
    fieldsets = (
        (None, {"fields": ("name", "logo", "brand_colour")}),
        (_("Shown at the bottom of your emails"), {
            "fields": ("postal_address", "legal_name", "siret", "website", "phone"),
            "description": _("The law asks every marketing email to say who sends it and "
                             "where to write to them."),
        }),
        (_("Your other channels"), {
            "fields": ("telegram_url", "signal_url", "whatsapp_url"),
            "description": _("Named in an outage notice and on your news page, beside your "
                             "phone and website: where your clients can still find you when a "
                             "social network is down."),
        }),
    )  # fmt: skip

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "brand_colour":  # a colour picked, not typed in hexadecimal
            kwargs["widget"] = ColourInput
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def changelist_view(self, request, extra_context=None):
        # One business: its list is its page, created on the first visit.
        Business.objects.get_or_create(pk=1)
        return redirect(reverse("admin:campaigns_business_change", args=[1]))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        if "_continue" not in request.POST:
            return redirect(reverse("admin:campaigns_business_change", args=[1]))
        return response
