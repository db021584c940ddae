from django import forms
from django.contrib import admin
from django.urls import path
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from contacts import consent, search
from contacts.admin import actions, gdpr, merge, person
from contacts.admin.consent import ConsentEventInline
from contacts.admin.filters import (
    HasEmailFilter,
    HasPhoneFilter,
    InUseFilter,
    RetentionFilter,
    SourceFilter,
)
from contacts.admin.paging import ContactPaginator
from contacts.choices import Source
from contacts.consent import BLOCKED_STATUSES
from contacts.models import Activity, Contact, ContactPoint, ContactSource, Handle, Note
from contacts.models.contacts import by_name
from contacts.phones import display_phone
from crm import roles
from crm.admin import ModelAdmin


class ContactForm(forms.ModelForm):
    consent_note = forms.CharField(
        label=_("Why the email status changes"),
        required=False,
        max_length=500,
        help_text=_(
            "Required to bring back an address that unsubscribed, bounced or complained: "
            "say when and how the person asked (kept in the consent history)."
        ),
    )

    class Meta:
        model = Contact
        fields = ()  # the admin's fieldsets name them

    def clean(self):
        cleaned = super().clean()
        before = self.instance.email_status if self.instance.pk else ""
        after = cleaned.get("email_status", before)
        leaving_block = before in BLOCKED_STATUSES and after not in BLOCKED_STATUSES
        if leaving_block and not cleaned.get("consent_note", "").strip():
            self.add_error(
                "consent_note",
                _("This address left the list: say at whose request it comes back."),
            )
        return cleaned


class HandleInline(admin.TabularInline):
    model = Handle
    extra = 0


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    fields = ("kind", "value", "label", "understood")
    extra = 0


class NoteInline(admin.TabularInline):
    model = Note
    fields = ("body", "author", "written")
    readonly_fields = ("author", "written")
    extra = 1
    can_delete = False

    @admin.display(description=_("written"))
    def written(self, note):
        """When the note was written; nothing for the empty form of a new one."""
        return date_format(localtime(note.created_at), "DATETIME_FORMAT") if note.pk else "-"

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Contact)
class ContactAdmin(ModelAdmin):
    form = ContactForm
    # Six columns that fit 1366 px with long names, addresses and tags (they wrap): the
    # company under the name, the sources as a filter and on the contact's page.
    list_display = ("name", "email", "phone_number", "tag_list", "email_status", "created")
    list_display_links = ("name",)
    list_filter = (
        ("tags", InUseFilter),
        "email_status",
        "consent_basis",
        SourceFilter,
        ("company", InUseFilter),
        HasEmailFilter,
        HasPhoneFilter,
        RetentionFilter,
    )
    # get_search_results (contacts.search) searches these ignoring accents, and phones.
    search_fields = search.SEARCHED
    autocomplete_fields = ("company", "tags")
    readonly_fields = ("source_list", "created_at", "updated_at", "last_contacted_at")
    fieldsets = (
        (None, {"fields": (("first_name", "last_name"), "email", "phone", "language")}),
        (_("Work"), {"fields": ("company", "job_title")}),
        (_("Address"), {"fields": ("city", "postcode", "country")}),
        (_("Email consent"), {"fields": ("email_status", "consent_basis", "consent_note")}),
        (_("Tags and notes"), {"fields": ("tags", "notes", "source_list")}),
        (_("Dates"), {"fields": ("created_at", "updated_at", "last_contacted_at")}),
    )
    inlines = (HandleInline, ContactPointInline, NoteInline, ConsentEventInline)
    action_form = actions.ContactActionForm
    actions = (
        actions.add_tag,
        actions.remove_tag,
        actions.export_csv,
        actions.export_vcard,
        actions.export_json,
        actions.mark_unsubscribed,
        merge.merge_two,
    )
    list_per_page = 50
    # At a million contacts each COUNT(*) takes a second: no second count of the whole
    # table, and an estimate of it when nothing filters the list (ContactPaginator).
    show_full_result_count = False
    paginator = ContactPaginator

    class Media:
        css = {"all": ("contacts/contacts.css",)}

    def get_urls(self):
        view = self.admin_site.admin_view(lambda request: merge.merge_view(self, request))
        return [
            path("merge/", view, name="contacts_contact_merge"),
            *gdpr.urls(self),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.select_related("company").prefetch_related("tags")

    def has_export_permission(self, request) -> bool:
        """Tell whether the user may download lists of contacts (the export actions)."""
        return request.user.has_perm(roles.EXPORT_CONTACTS)

    def get_search_results(self, request, queryset, search_term):
        """Search names, addresses and companies ignoring accents, and phones typed any
        usual way, the contact's further addresses and numbers included (contacts.search)."""
        return search.search(queryset, search_term), False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Lead the page with the person: how to reach them, consent, tags, timeline."""
        contact = self.get_object(request, object_id)
        extra = {}
        if contact:
            extra = {"person": person.context(contact), "retention": gdpr.flag_context(contact),
                     "may_export_person": gdpr.may_export(request)}  # fmt: skip
        return super().change_view(
            request, object_id, form_url, {**extra, **(extra_context or {})}
        )

    @admin.display(description=_("name"), ordering=by_name("last_name"))
    def name(self, contact):
        if contact.company is None:
            return str(contact)
        return format_html('{}<span class="contact-company">{}</span>', contact, contact.company)

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, contact):
        return date_format(localtime(contact.created_at), "SHORT_DATE_FORMAT")

    @admin.display(description=_("phone"), ordering="phone")
    def phone_number(self, contact):
        return display_phone(contact.phone)

    @admin.display(description=_("tags"))
    def tag_list(self, contact):
        return ", ".join(tag.name for tag in contact.tags.all())

    @admin.display(description=_("sources"))
    def source_list(self, contact):
        return ", ".join(link.get_source_display() for link in contact.sources.all())

    def save_model(self, request, obj, form, change):
        how = actions.change_made_in_admin(
            request, detail=form.cleaned_data.get("consent_note", "")
        )
        if change:
            # The form's other fields are saved as usual; consent moves with its proof.
            status, basis = obj.take_back_consent_edit()
            super().save_model(request, obj, form, change)
        else:
            status, basis = obj.email_status, obj.consent_basis
        consent.change(obj, status=status, basis=basis, how=how)
        if not change:
            ContactSource.objects.get_or_create(contact=obj, source=Source.MANUAL)
            Activity.objects.create(contact=obj, kind=Activity.Kind.CREATED, by=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is Note:
            for note_form in formset.forms:
                if note_form.instance.author_id is None:
                    note_form.instance.author = request.user
        super().save_formset(request, form, formset, change)
