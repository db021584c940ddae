"""A person's rights from their page: export their data, erase them; and retention's list."""

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from contacts import erasure, personal_data, retention
from contacts.models import Contact
from crm import roles


def urls(modeladmin) -> list:
    def view(function):
        return modeladmin.admin_site.admin_view(partial(function, modeladmin))

    return [
        path("<int:pk>/data.<str:fmt>", view(export_view), name="contacts_contact_personal_data"),
        path("<int:pk>/erase/", view(erase_view), name="contacts_contact_erase"),
        path("retention/", view(retention_view), name="contacts_contact_retention"),
    ]


def export_view(modeladmin, request, pk: int, fmt: str):
    """Send the person's data as a download (JSON or vCard)."""
    if fmt not in personal_data.FORMATS or not may_export(request):
        raise PermissionDenied
    contact = get_object_or_404(Contact, pk=pk)
    response = HttpResponse(
        personal_data.export(contact, fmt), content_type=personal_data.CONTENT_TYPES[fmt]
    )
    name = personal_data.filename(contact, fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def may_export(request) -> bool:
    """Tell whether the user may download a person's data (answering their request)."""
    return request.user.has_perm(roles.EXPORT_PERSONAL_DATA)


def erase_view(modeladmin, request, pk: int):
    """Say what erasing the person deletes; on POST, erase them."""
    contact = get_object_or_404(Contact, pk=pk)
    if not modeladmin.has_delete_permission(request, contact):
        raise PermissionDenied
    if request.method == "POST":
        erasure.forget(contact, by=request.user)
        message = _(
            "Contact #%(pk)d erased: nothing remains of this person but a keyed hash "
            "of their address, so that no import adds them again."
        ) % {"pk": pk}
        modeladmin.message_user(request, message, messages.SUCCESS)
        return redirect("admin:contacts_contact_changelist")
    context = {
        **modeladmin.admin_site.each_context(request), "opts": Contact._meta,
        "title": _("Erase this person's data?"), "contact": contact, "original": contact,
        "deleted": erasure.inventory(contact), "addresses": erasure.addresses_of(contact),
    }  # fmt: skip
    return TemplateResponse(request, "admin/contacts/contact/erase.html", context)


def retention_view(modeladmin, request):
    """Show the prospects to confirm; on POST, prepare their re-permission campaign."""
    if not modeladmin.has_view_permission(request):
        raise PermissionDenied
    if request.method == "POST":
        if not request.user.has_perm("campaigns.add_campaign"):
            raise PermissionDenied
        campaign = retention.prepare_campaign(by=request.user)
        return redirect("admin:campaigns_campaign_change", campaign.pk)
    flagged = retention.flagged()
    first = flagged.order_by("retention_flagged_at").first()
    context = {
        **modeladmin.admin_site.each_context(request), "opts": Contact._meta,
        "title": _("Contacts to confirm"), "flagged": flagged.count(),
        "reachable": flagged.mailable().count(),
        "first_deletion": _date(retention.deletion_date(first)) if first else "",
        **retention_words(),
    }  # fmt: skip
    return TemplateResponse(request, "admin/contacts/contact/retention.html", context)


def retention_words() -> dict:
    return {"years": settings.RETENTION_YEARS, "grace_days": settings.RETENTION_GRACE_DAYS}


def flag_context(contact: Contact) -> dict | None:
    """Return what the contact's page says of its retention flag, or None."""
    if contact.retention_flagged_at is None:
        return None
    return {
        "since": _date(contact.retention_flagged_at),
        "deletion": _date(retention.deletion_date(contact)),
        **retention_words(),
    }


def _date(moment) -> str:
    return date_format(localtime(moment), "DATE_FORMAT")
