"""The vocabularies of contacts and consent (its rules: contacts.consent)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailStatus(models.TextChoices):
    SUBSCRIBED = "subscribed", _("Subscribed")
    PENDING = "pending", _("Awaiting confirmation")
    NO_CONSENT = "no_consent", _("No consent")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Complained (spam)")


class ConsentBasis(models.TextChoices):
    CONSENT = "consent", _("Consent")
    CUSTOMER = "customer", _("Existing customer")
    B2B = "b2b", _("Professional (B2B)")


class ConsentMethod(models.TextChoices):
    ADMIN = "admin", _("Admin interface")
    IMPORT = "import", _("Import")
    FORM = "form", _("Form")
    CONFIRMATION = "confirmation", _("Double opt-in confirmation")
    INVITATION = "invitation", _("Confirmed invitation")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")
    BOUNCE = "bounce", _("Bounce")
    COMPLAINT = "complaint", _("Spam complaint")
    MERGE = "merge", _("Merge of duplicates")
    SYSTEM = "system", _("System")


class Source(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    CSV = "csv", _("CSV file")
    XLSX = "xlsx", _("Excel file")
    VCARD = "vcard", _("vCard")
    GOOGLE = "google", _("Google Contacts")
    OUTLOOK = "outlook", _("Outlook")
    LINKEDIN = "linkedin", _("LinkedIn")
    FACEBOOK = "facebook", _("Facebook")
    INSTAGRAM = "instagram", _("Instagram")
    TELEGRAM = "telegram", _("Telegram")
    MAILCHIMP = "mailchimp", _("Mailchimp")
    BREVO = "brevo", _("Brevo")
    FORM = "form", _("Form")


class Network(models.TextChoices):
    LINKEDIN = "linkedin", "LinkedIn"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    X = "x", "X"
    MASTODON = "mastodon", "Mastodon"
    TELEGRAM = "telegram", "Telegram"
    WHATSAPP = "whatsapp", "WhatsApp"
    SIGNAL = "signal", "Signal"
    WEBSITE = "website", _("Website")
