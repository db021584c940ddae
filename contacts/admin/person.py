"""The top of a contact's page: who the person is, how to reach them, whether they may be
emailed, in words rather than fields."""

from dataclasses import dataclass
from urllib.parse import quote

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from contacts import timeline
from contacts.choices import ConsentMethod, EmailStatus, Network
from contacts.models import ConsentEvent, Contact, ContactPoint, Handle
from contacts.phones import display_phone

# Where a bare name on a network has its public profile; a full address is used as it is.
PROFILE_URLS = {
    Network.LINKEDIN: "https://www.linkedin.com/in/{}",
    Network.FACEBOOK: "https://www.facebook.com/{}",
    Network.INSTAGRAM: "https://www.instagram.com/{}/",
    Network.X: "https://x.com/{}",
    Network.TELEGRAM: "https://t.me/{}",
}


@dataclass(frozen=True)
class Way:
    """One way to reach the person, as shown: a label, the value, and a link if any."""

    label: str
    value: str
    url: str = ""


def context(contact: Contact) -> dict:
    """Return what the top of the contact's page shows."""
    tags_url = reverse("admin:contacts_contact_changelist")
    return {
        "name": str(contact),
        "work": " · ".join(filter(None, [contact.job_title, str(contact.company or "")])),
        "ways": [*_addresses(contact), *_phones(contact), *_handles(contact)],
        "consent": consent_sentence(contact),
        "may_email": contact.email_status == EmailStatus.SUBSCRIBED and bool(contact.email),
        "tags": [(tag.name, f"{tags_url}?tags__id__exact={tag.pk}") for tag in contact.tags.all()],
        "entries": timeline.entries(contact),
    }


def _addresses(contact: Contact) -> list[Way]:
    main = [Way(_("Email"), contact.email, f"mailto:{contact.email}")] if contact.email else []
    others = contact.points.filter(kind=ContactPoint.Kind.EMAIL)
    return main + [
        Way(point.label or _("Other email"), point.value, f"mailto:{point.value}")
        for point in others
    ]


def _phones(contact: Contact) -> list[Way]:
    numbers = [(_("Phone"), contact.phone)] if contact.phone else []
    others = contact.points.filter(kind=ContactPoint.Kind.PHONE)
    numbers += [(point.label or _("Other phone"), point.value) for point in others]
    return [
        Way(label, display_phone(number), f"tel:{number}" if number.startswith("+") else "")
        for label, number in numbers
    ]


def _handles(contact: Contact) -> list[Way]:
    return [
        Way(handle.get_network_display(), handle.value, profile_url(handle))
        for handle in contact.handles.all()
    ]


def profile_url(handle: Handle) -> str:
    """Return the address of the handle's public profile, or "" where none is known."""
    value = handle.value.strip()
    if value.startswith(("http://", "https://")):
        return value
    name = value.lstrip("@")
    if handle.network == Network.WEBSITE:
        return f"https://{value}"
    if handle.network == Network.MASTODON and "@" in name:
        user, host = name.split("@", 1)
        return f"https://{host}/@{quote(user)}"
    if handle.network == Network.WHATSAPP:
        return f"https://wa.me/{''.join(filter(str.isdigit, value))}"
    pattern = PROFILE_URLS.get(handle.network)
    return pattern.format(quote(name)) if pattern else ""


def consent_sentence(contact: Contact) -> str:
    """Say in one sentence whether the person may be emailed, since when and how."""
    if not contact.email:
        return _("Cannot receive your emails: no email address.")
    event = contact.consent_events.filter(to_status=contact.email_status).order_by("-at").first()
    if contact.email_status == EmailStatus.SUBSCRIBED and not contact.consent_basis:
        return _("Will not receive your emails: no basis for emailing recorded.")
    if event is None:  # a contact written below the ORM, without its consent history
        return _unrecorded(contact)
    facts = {"date": _when(event), "how": _how(event)}
    return _sentences(bool(facts["how"]))[contact.email_status] % facts


def _sentences(with_means: bool) -> dict[str, str]:
    """Return the sentence of each status, naming the means of the change or not."""
    return {
        EmailStatus.SUBSCRIBED: _("Can receive your emails: subscribed on %(date)s, %(how)s.")
        if with_means
        else _("Can receive your emails: subscribed on %(date)s."),
        EmailStatus.PENDING: _(
            "Will not receive your emails yet: awaiting confirmation since %(date)s."
        ),
        EmailStatus.NO_CONSENT: _("Will not receive your emails: no consent recorded."),
        EmailStatus.UNSUBSCRIBED: _(
            "Will not receive your emails: unsubscribed on %(date)s, %(how)s."
        )
        if with_means
        else _("Will not receive your emails: unsubscribed on %(date)s."),
        EmailStatus.BOUNCED: _("Will not receive your emails: the address bounced on %(date)s."),
        EmailStatus.COMPLAINED: _(
            "Will not receive your emails: marked your email as spam on %(date)s."
        ),
    }


def _unrecorded(contact: Contact) -> str:
    if contact.email_status == EmailStatus.SUBSCRIBED:
        return _("Can receive your emails.")
    status = contact.get_email_status_display().lower()
    return _("Will not receive your emails: %(status)s.") % {"status": status}


def _when(event: ConsentEvent) -> str:
    return date_format(localtime(event.proof_at or event.at), "DATE_FORMAT")


def _how(event: ConsentEvent) -> str:
    """Return "by import (clients.csv)" and the like, or "" where Carnet itself did it."""
    if event.how == ConsentMethod.SYSTEM:
        return ""
    proof = event.proof_file_name or event.proof_form
    how = _("by %(means)s") % {"means": event.get_how_display().lower()}
    return f"{how} ({proof})" if proof else how
