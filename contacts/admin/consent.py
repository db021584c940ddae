from django.contrib import admin

from contacts.models import ConsentEvent

CONSENT_FIELDS = (
    "at",
    "from_status",
    "to_status",
    "basis",
    "how",
    "by",
    "ip",
    "proof_file_name",
    "proof_sha256",
    "proof_form",
    "detail",
)


class _ReadOnly:
    """The consent history is append-only: nobody edits or deletes it by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ConsentEventInline(_ReadOnly, admin.TabularInline):
    model = ConsentEvent
    fields = CONSENT_FIELDS
    readonly_fields = CONSENT_FIELDS
    extra = 0
    classes = ("collapse",)


@admin.register(ConsentEvent)
class ConsentEventAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("at", "contact", "from_status", "to_status", "basis", "how", "by")
    list_filter = ("how", "to_status", "basis")
    list_select_related = ("contact", "by")
    date_hierarchy = "at"
    search_fields = ("contact__email", "contact__last_name", "proof_file_name")
    readonly_fields = ("contact", *CONSENT_FIELDS)
