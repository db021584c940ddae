from django.contrib import admin
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from contacts.choices import Source


class InUseFilter(admin.RelatedFieldListFilter):
    """List the tags or companies that some contact has, as RelatedOnlyFieldListFilter
    does, without reading every contact: one indexed look-up per tag or company.

    Past MOST of them the list is left out: nobody reads 5,000 companies down a sidebar,
    the search finds a company by name, and rendering them would slow every page.
    """

    MOST = 100

    def field_choices(self, field, request, model_admin):
        used = Exists(model_admin.model.objects.filter(**{self.field_path: OuterRef("pk")}))
        ordering = self.field_admin_ordering(field, request, model_admin)
        related = field.related_model._default_manager.filter(used).order_by(*ordering)
        choices = [(item.pk, str(item)) for item in related[: self.MOST + 1]]
        return choices if len(choices) <= self.MOST else []

    def has_output(self):
        # A filter chosen by a link stays applied even where its list is left out.
        return super().has_output() or self.lookup_val is not None


class SourceFilter(admin.SimpleListFilter):
    title = _("source")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return Source.choices

    def queryset(self, request, queryset):
        if self.value() in Source.values:
            return queryset.filter(sources__source=self.value())
        return queryset


class _FilledFilter(admin.SimpleListFilter):
    """Filter on whether a text field is filled in."""

    field: str

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        empty = Q(**{self.field: ""})
        if self.value() == "yes":
            return queryset.exclude(empty)
        if self.value() == "no":
            return queryset.filter(empty)
        return queryset


class HasEmailFilter(_FilledFilter):
    title = _("presence of an email address")
    parameter_name = "has_email"
    field = "email"


class HasPhoneFilter(_FilledFilter):
    title = _("presence of a phone number")
    parameter_name = "has_phone"
    field = "phone"


class RetentionFilter(admin.SimpleListFilter):
    """The prospects the retention job asked to confirm (contacts.retention)."""

    title = _("retention")
    parameter_name = "retention"

    def lookups(self, request, model_admin):
        return [("flagged", _("To confirm again"))]

    def queryset(self, request, queryset):
        if self.value() == "flagged":
            return queryset.filter(retention_flagged_at__isnull=False)
        return queryset
