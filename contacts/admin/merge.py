"""Merge two contacts side by side: the owner picks each value, nothing else is lost."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts import merging
from contacts.models import Contact


@admin.action(description=gettext_lazy("Merge the two selected contacts"), permissions=["change"])
def merge_two(modeladmin, request, queryset):
    ids = sorted(queryset.values_list("pk", flat=True))
    if len(ids) != 2:
        modeladmin.message_user(
            request, _("Select exactly two contacts to merge."), messages.WARNING
        )
        return None
    return redirect(f"{reverse('admin:contacts_contact_merge')}?ids={ids[0]},{ids[1]}")


def merge_view(modeladmin, request):
    """Show two contacts side by side; on POST, merge the second into the first."""
    if not modeladmin.has_change_permission(request) or not modeladmin.has_delete_permission(
        request
    ):
        raise PermissionDenied
    try:
        first, second = sorted(int(pk) for pk in request.GET.get("ids", "").split(","))
    except ValueError:
        return redirect("admin:contacts_contact_changelist")
    keep, other = (get_object_or_404(Contact, pk=pk) for pk in (first, second))
    if request.method == "POST":
        chosen = {name for name in merging.MERGED_FIELDS if request.POST.get(name) == "other"}
        merging.merge(keep, other, chosen, by=request.user)
        modeladmin.message_user(request, _("The two contacts are now one."), messages.SUCCESS)
        return redirect("admin:contacts_contact_change", keep.pk)
    rows = [
        (
            name,
            Contact._meta.get_field(name).verbose_name,
            getattr(keep, name),
            getattr(other, name),
        )
        for name in merging.MERGED_FIELDS
    ]
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": Contact._meta,
        "title": _("Merge two contacts"),
        "keep": keep,
        "other": other,
        "rows": rows,
    }
    return TemplateResponse(request, "admin/contacts/contact/merge.html", context)
