from django.contrib import admin

from campaigns.models import Delivery
from crm.admin import ModelAdmin


@admin.register(Delivery)
class DeliveryAdmin(ModelAdmin):
    """Read-only: who was written to, when, and what became of each message."""

    list_display = ("email", "campaign", "status", "attempts", "sent_at", "error")
    list_filter = ("status", "campaign")
    search_fields = ("email",)
    list_select_related = ("campaign",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
