from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from contacts.models import Company, Tag
from crm.admin import ModelAdmin


class _WithContactCount(ModelAdmin):
    """List each row with the number of its contacts, linked to those contacts."""

    contact_filter: str
    search_fields = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(contact_count=Count("contacts"))

    @admin.display(description=_("contacts"), ordering="contact_count")
    def contact_count_link(self, obj):
        url = reverse("admin:contacts_contact_changelist")
        return format_html(
            '<a href="{}?{}={}">{}</a>', url, self.contact_filter, obj.pk, obj.contact_count
        )


@admin.register(Company)
class CompanyAdmin(_WithContactCount):
    list_display = ("name", "contact_count_link", "website")
    contact_filter = "company__id__exact"


@admin.register(Tag)
class TagAdmin(_WithContactCount):
    list_display = ("name", "contact_count_link")
    contact_filter = "tags__id__exact"
