"""The contact list's filter by reach, so that each dashboard figure opens its contacts."""

from django.contrib import admin
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from contacts import reachability

PARAMETER = "reach"


class ReachFilter(admin.SimpleListFilter):
    title = _("way to reach them")
    parameter_name = PARAMETER

    def lookups(self, request, model_admin):
        return list(reachability.KINDS.items())

    def queryset(self, request, queryset) -> QuerySet:
        # The same conditions as the counts, so that a list shows as many as its figure.
        condition = reachability._kinds().get(self.value())
        return queryset if condition is None else queryset.filter(condition)


def add_to(model_admin: admin.ModelAdmin) -> None:
    """Offer the filter on `model_admin`'s list, after its own filters."""
    if ReachFilter not in model_admin.list_filter:
        model_admin.list_filter = (*model_admin.list_filter, ReachFilter)
