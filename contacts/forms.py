from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from contacts.choices import ConsentBasis, Network
from contacts.importing.formats import FORMAT_CHOICES
from contacts.importing.formats.spreadsheet import VOCABULARY

NO_BASIS = "none"
FIELD_LABELS = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "full_name": _("Full name"),
    "email": _("Email address"),
    "phone": _("Phone"),
    "company": _("Company"),
    "job_title": _("Job title"),
    "city": _("City"),
    "postcode": _("Postcode"),
    "country": _("Country"),
    "notes": _("Notes"),
    "tags": _("Tags"),
    **dict(Network.choices),  # a profile there: Instagram, Facebook… (its handle)
}
assert set(FIELD_LABELS) == set(VOCABULARY)


# What each format is called where people meet it (the command line takes the codes).
FORMAT_LABELS = {
    "auto": _("Recognise it"),
    "csv": _("CSV (a spreadsheet saved as text)"),
    "xlsx": _("Excel workbook (.xlsx)"),
    "vcard": _("vCard (.vcf: a phone, Apple or Google address book)"),
    "google": _("Google Contacts (CSV)"),
    "outlook": _("Outlook (CSV)"),
    "linkedin": _("LinkedIn (Connections.csv or the archive)"),
    "facebook": _("Facebook (friends, address book, Lead Ads, or the archive)"),
    "instagram": _("Instagram (followers, following, or the archive)"),
    "telegram": _("Telegram (result.json)"),
    "mailchimp": _("Mailchimp (an audience export, or its ZIP)"),
    "brevo": _("Brevo (a contacts export)"),
}


# What each answer to "may these people receive your emails?" means, in one line.
BASIS_CHOICES = [
    (ConsentBasis.CONSENT, _("Yes: they asked to receive them (consent)"),
     _("They subscribed, on your site, at the counter or by replying to you.")),
    (ConsentBasis.CUSTOMER, _("Yes: they are customers, for similar products"),
     _("They bought from you: you may write about what is like what they bought.")),
    (ConsentBasis.B2B, _("Yes: they are professionals, about their work"),
     _("At their work address, about what they do for a living.")),
    (NO_BASIS, _("Not yet: they have not said yes (no consent)"),
     _("Carnet keeps them without emailing them; you can invite them to subscribe later.")),
]  # fmt: skip


def basis_label(basis: str) -> str:
    """Return the import page's answer for a job's basis ("" when none was given)."""
    return next(str(label) for value, label, _e in BASIS_CHOICES if value == (basis or NO_BASIS))


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV, Excel, vCard, or an export from Google, Outlook, LinkedIn, Facebook, "
            "Instagram, Telegram, Mailchimp or Brevo (a ZIP archive is fine)."
        ),
    )
    basis = forms.ChoiceField(
        label=_("May these people receive your emails?"),
        widget=forms.RadioSelect,
        choices=[(value, label) for value, label, _e in BASIS_CHOICES],
        help_text=_("French law lets you email these three kinds of people; the others wait."),
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Added to every contact, comma-separated.")
    )
    on_duplicate = forms.ChoiceField(
        label=_("Contacts already in Carnet"),
        choices=[
            ("update", _("Complete them (fill empty fields, add tags)")),
            ("skip", _("Leave them untouched")),
        ],
        help_text=_("Nobody is added twice; a value you typed is never replaced."),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[(f, FORMAT_LABELS.get(f, f)) for f in FORMAT_CHOICES],
        help_text=_("Carnet recognises the file by what it holds: choose only if it is wrong."),
    )

    def basis_options(self) -> list[tuple]:
        """Return each basis radio button with its one-line explanation."""
        explanations = [explanation for _v, _l, explanation in BASIS_CHOICES]
        return list(zip(self["basis"], explanations, strict=True))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("This file is larger than %(size)s MB.") % {"size": settings.IMPORT_MAX_MB}
            )
        return upload

    def clean_basis(self):
        basis = self.cleaned_data["basis"]
        return "" if basis == NO_BASIS else basis

    def clean_tags(self):
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]
