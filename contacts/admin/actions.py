"""Bulk actions on the contact list: tags, exports, unsubscribe."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contacts import consent, exporting, services
from contacts.choices import ConsentMethod, EmailStatus
from contacts.models import ConsentChange, Tag
from crm.security import client_ip


class ContactActionForm(helpers.ActionForm):
    tag = forms.CharField(label=_("Tag:"), required=False, max_length=100)
    # The CSV export speaks the owner's language; tools (a script, another CRM) want the
    # codes of `export_contacts`.
    csv_codes = forms.BooleanField(label=_("CSV with codes, for tools"), required=False)


def change_made_in_admin(request, detail: str = "") -> ConsentChange:
    """Return how a consent change made by this admin request is recorded."""
    return ConsentChange(
        how=ConsentMethod.ADMIN, by=request.user, ip=client_ip(request) or None,
        detail=detail,
    )  # fmt: skip


def _typed_tag_name(modeladmin, request) -> str:
    name = request.POST.get("tag", "").strip()
    if not name:
        modeladmin.message_user(
            request, _("Type the tag's name beside the action."), messages.WARNING
        )
    return name


@admin.action(description=_("Add the tag to the selected contacts"), permissions=["change"])
def add_tag(modeladmin, request, queryset):
    if name := _typed_tag_name(modeladmin, request):
        tag = services.tag_named(name)
        count = services.add_tag(queryset, tag, by=request.user)
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d contact tagged “%(tag)s”.",
                "%(count)d contacts tagged “%(tag)s”.",
                count,
            )
            % {"count": count, "tag": tag.name},
            messages.SUCCESS,
        )


@admin.action(description=_("Remove the tag from the selected contacts"), permissions=["change"])
def remove_tag(modeladmin, request, queryset):
    if not (name := _typed_tag_name(modeladmin, request)):
        return
    tag = Tag.objects.filter(name__iexact=name).first()
    if tag is None:
        message = _("There is no tag called “%(tag)s”.") % {"tag": name}
        modeladmin.message_user(request, message, messages.WARNING)
        return
    name = tag.name
    count = services.remove_tag(queryset, tag, by=request.user)
    modeladmin.message_user(
        request,
        ngettext(
            "Tag “%(tag)s” removed from %(count)d contact.",
            "Tag “%(tag)s” removed from %(count)d contacts.",
            count,
        )
        % {"count": count, "tag": name},
        messages.SUCCESS,
    )


@admin.action(description=_("Mark the selected contacts unsubscribed"), permissions=["change"])
def mark_unsubscribed(modeladmin, request, queryset):
    change = change_made_in_admin(request)
    count = consent.change_many(queryset, EmailStatus.UNSUBSCRIBED, change)
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d contact marked unsubscribed.",
            "%(count)d contacts marked unsubscribed.",
            count,
        )
        % {"count": count},
        messages.SUCCESS,
    )


def _chunks(fmt: str, request, contacts):
    """Return the export; a CSV in the user's language unless the codes were asked for."""
    if fmt == "csv":
        return exporting.csv_chunks(contacts, words=not request.POST.get("csv_codes"))
    return exporting.chunks(fmt, contacts)


def _export(fmt: str, description):
    # A selection can be the whole list: seeing contacts is not taking them home.
    @admin.action(description=description, permissions=["export"])
    def export(modeladmin, request, queryset):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(
            _chunks(fmt, request, queryset.order_by("pk")),
            content_type=exporting.CONTENT_TYPES[fmt],
        )
        filename = f"contacts-{stamp}.{exporting.EXTENSIONS[fmt]}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    export.__name__ = f"export_{fmt}"
    return export


export_csv = _export("csv", _("Export the selection as CSV (Excel)"))
export_vcard = _export("vcard", _("Export the selection as vCard"))
export_json = _export("json", _("Export the selection as JSON"))
