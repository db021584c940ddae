from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from contacts.models import ConsentEvent
from crm.admin import ModelAdmin

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
    "proof_at",
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


# On the contact's page the proof's SHA-256 is shortened (its full value is in the title and
# on the record's own page): 64 characters would stretch the table past the window.
INLINE_FIELDS = tuple("short_sha256" if f == "proof_sha256" else f for f in CONSENT_FIELDS)


class ConsentEventInline(_ReadOnly, admin.TabularInline):
    model = ConsentEvent
    fields = INLINE_FIELDS
    readonly_fields = INLINE_FIELDS
    extra = 0
    classes = ("collapse",)

    @admin.display(description=_("proof: file SHA-256"))
    def short_sha256(self, event):
        if not event.proof_sha256:
            return ""
        return format_html('<span title="{}">{}…</span>', event.proof_sha256,
                           event.proof_sha256[:12])  # fmt: skip


@admin.register(ConsentEvent)
class ConsentEventAdmin(_ReadOnly, ModelAdmin):
    list_display = ("at", "contact", "from_status", "to_status", "basis", "how", "by")
    list_filter = ("how", "to_status", "basis")
    list_select_related = ("contact", "by")
    date_hierarchy = "at"
    search_fields = ("contact__email", "contact__last_name", "proof_file_name")
    readonly_fields = ("contact", *CONSENT_FIELDS)
