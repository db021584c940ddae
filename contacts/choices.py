"""The vocabularies of contacts and consent, with the allowed consent transitions."""

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


BLOCKED_STATUSES = frozenset(
    {EmailStatus.UNSUBSCRIBED, EmailStatus.BOUNCED, EmailStatus.COMPLAINED}
)
# Among the ways out, a complaint weighs more than a bounce, a bounce more than a plain
# unsubscribe: nothing automatic (an import, a webhook) moves an address to a lighter one.
SEVERITY = {EmailStatus.UNSUBSCRIBED: 1, EmailStatus.BOUNCED: 2, EmailStatus.COMPLAINED: 3}


def severity(status: str) -> int:
    return SEVERITY.get(status, 0)


def as_severe_as(status: str) -> list[str]:
    """Return the statuses at least as severe as `status` (it included)."""
    return [other for other, weight in SEVERITY.items() if weight >= severity(status)]


# Only the person (a confirmed form) or a user acting on the person's request may bring
# an address back from unsubscribed, bounced or complained; an import or a webhook never.
MAY_UNBLOCK = frozenset({ConsentMethod.ADMIN, ConsentMethod.FORM, ConsentMethod.CONFIRMATION})


class ConsentError(ValueError):
    """A change of email status that the consent rules forbid."""


def check_transition(old: str, new: str, how: str) -> None:
    """Raise ConsentError unless `how` may move an address from `old` to `new`."""
    if old in BLOCKED_STATUSES and new not in BLOCKED_STATUSES and how not in MAY_UNBLOCK:
        raise ConsentError(
            _("An address that is %(old)s cannot become %(new)s through %(how)s.")
            % {
                "old": EmailStatus(old).label,
                "new": EmailStatus(new).label,
                "how": ConsentMethod(how).label,
            }
        )
