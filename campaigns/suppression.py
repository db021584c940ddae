"""Stop writing to an address: unsubscribe links, hard bounces and complaints."""

from django.utils.translation import gettext as _

from campaigns.models import Campaign
from contacts import consent
from contacts.choices import ConsentMethod, EmailStatus
from contacts.models import ConsentChange, Contact

_HOW = {
    EmailStatus.UNSUBSCRIBED: ConsentMethod.UNSUBSCRIBE,
    EmailStatus.BOUNCED: ConsentMethod.BOUNCE,
    EmailStatus.COMPLAINED: ConsentMethod.COMPLAINT,
}


def suppress(
    contact_id: int, status: str, campaign: Campaign | None, reason: str, ip: str | None = None
) -> int:
    """Move the contact to `status` unless it is already as blocked; 1 if it moved.

    The move takes effect for every message not yet handed over (the hand-over checks the
    address's status) and is written to the consent history.
    """
    detail = reason
    if campaign is not None:
        detail = _("Campaign “%(name)s”: %(reason)s") % {"name": campaign.name, "reason": reason}
    change = ConsentChange(how=_HOW[status], ip=ip, detail=detail[:1000])
    contact = Contact.objects.filter(pk=contact_id)
    contact = contact.exclude(email_status__in=consent.as_severe_as(status))
    return consent.change_many(contact, status, change)
