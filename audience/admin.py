"""Inscriptions: one page to word the sign-up form, share it, and see who signed up."""

from django import forms
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audience import share
from audience.models import Signup, SignupPage
from crm.admin import ModelAdmin

LATEST = 20


@admin.register(SignupPage)
class SignupPageAdmin(ModelAdmin):
    change_form_template = "audience/admin/signup_page.html"
    fieldsets = (
        (_("What the page says"), {"fields": ("intro_fr", "intro_en")}),
        (_("The consent checkbox"), {
            "fields": ("consent_fr", "consent_en", "wording_changes"),
            "description": _("You may change these words at any time: each sign-up keeps "
                             "the words it was shown, as proof of consent."),
        }),
    )  # fmt: skip
    readonly_fields = ("wording_changes",)

    class Media:
        css = {"all": ["audience/share.css"]}
        js = ["audience/share.js"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(field.widget, forms.Textarea):
            field.widget.attrs.update(rows=3, maxlength=db_field.max_length)
        return field

    @admin.display(description=_("changes to these words"))
    def wording_changes(self, page: SignupPage) -> str:
        changes = page.version - 1  # each change is a new version (ConsentWording)
        if not changes:
            return _("none: the words first written")
        return ngettext("changed once", "changed %(n)d times", changes) % {"n": changes}

    def changelist_view(self, request, extra_context=None):
        # One sign-up page: its list is its page, created on the first visit.
        SignupPage.load()
        return redirect(reverse("admin:audience_signuppage_change", args=[1]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = {
            "title": _("Sign-ups"),
            "subtitle": None,  # the one page needs no name of its own
            "signup_url": share.signup_url(),
            "snippets": [(_("In French"), share.snippet("fr")),
                         (_("In English"), share.snippet("en"))],
            "latest": Signup.objects.select_related("contact")[:LATEST],
            **(extra_context or {}),
        }  # fmt: skip
        return super().change_view(request, object_id, form_url, context)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Signup)
class SignupAdmin(ModelAdmin):
    """Every sign-up, confirmed or waiting: a record of proof, read-only."""

    list_display = ("signed_up_at", "email", "first_name", "last_name", "confirmed_at",
                    "mail_status", "contact")  # fmt: skip
    list_filter = ("mail_status", ("confirmed_at", admin.EmptyFieldListFilter), "language")
    list_select_related = ("contact",)
    search_fields = ("email", "first_name", "last_name")
    date_hierarchy = "signed_up_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
