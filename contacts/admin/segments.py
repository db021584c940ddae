"""Segments: saved filters over contacts, with a count that follows the form as it changes."""

from types import SimpleNamespace

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from contacts.models import Segment
from contacts.models.segments import CHOICE_FIELDS, matching
from crm.admin import ModelAdmin

_M2M = ("tags_any", "tags_all", "tags_none", "companies")
DATES = ("created_after", "created_before", "last_contacted_after", "last_contacted_before")


class SegmentForm(forms.ModelForm):
    class Meta:
        model = Segment
        fields = ("name", *_M2M[:3], *CHOICE_FIELDS, "companies", "has_phone", *DATES)
        widgets = {
            "has_phone": forms.Select(
                choices=[("unknown", _("Either")), ("true", _("Yes")), ("false", _("No"))]
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in CHOICE_FIELDS.items():
            self.fields[name] = forms.MultipleChoiceField(
                label=Segment._meta.get_field(name).verbose_name.capitalize(),
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )


@admin.register(Segment)
class SegmentAdmin(ModelAdmin):
    form = SegmentForm
    list_display = ("name", "contact_count")
    search_fields = ("name",)
    autocomplete_fields = ("tags_any", "tags_all", "tags_none", "companies")
    fieldsets = (
        (None, {"fields": ("name",)}),
        (_("Tags"), {"fields": ("tags_any", "tags_all", "tags_none")}),
        (_("Email"), {"fields": ("email_statuses", "consent_bases")}),
        (_("Origin and company"), {"fields": ("sources", "companies", "has_phone")}),
        (_("Dates"), {"fields": DATES}),
    )
    change_form_template = "admin/contacts/segment/change_form.html"

    @admin.display(description=_("contacts now"))
    def contact_count(self, segment):
        return segment.contacts().count()

    def get_urls(self):
        view = self.admin_site.admin_view(self.count_view)
        return [path("count/", view, name="contacts_segment_count"), *super().get_urls()]

    def count_view(self, request):
        """Count the contacts the form being edited would match (the form's live count)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = SegmentForm(request.POST)
        form.is_valid()  # an incomplete form still counts on what it has
        data = form.cleaned_data
        names = (*CHOICE_FIELDS, "has_phone", *DATES)
        criteria = SimpleNamespace(**{name: data.get(name) for name in names})
        ids = {name: [obj.pk for obj in data.get(name) or []] for name in _M2M}
        count = matching(criteria, tag_ids=ids, company_ids=ids.pop("companies")).count()
        return JsonResponse({"count": count})
