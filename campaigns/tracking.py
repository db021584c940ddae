"""What ESPs report through anymail's tracking webhooks, stored once and applied.

Events arrive late, twice, or out of order: each is stored under its ESP's id (or a
fingerprint of its content when the ESP gives none), so a replay is counted once, and
each only ever sets a delivery's first date of that kind and moves an address towards
the more severe, so the order does not matter.
"""

import hashlib
import logging

from anymail.signals import AnymailTrackingEvent, tracking
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import services
from campaigns.choices import CampaignStatus, DeliveryStatus
from campaigns.models import Campaign, Delivery, TrackingEvent
from campaigns.suppression import suppress
from contacts.choices import EmailStatus
from contacts.models import Contact

log = logging.getLogger(__name__)

# anymail's event type → the delivery's date field, and the status it gives the address.
EFFECTS = {
    "delivered": ("delivered_at", None),
    "opened": ("opened_at", None),
    "clicked": ("clicked_at", None),
    "bounced": ("bounced_at", EmailStatus.BOUNCED),
    "complained": ("complained_at", EmailStatus.COMPLAINED),
    "unsubscribed": ("unsubscribed_at", EmailStatus.UNSUBSCRIBED),
}


@receiver(tracking, dispatch_uid="carnet-tracking")
def on_tracking(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    record(event, esp_name)


def record(event: AnymailTrackingEvent, esp_name: str) -> bool:
    """Store the event and apply it; return False when it was already stored."""
    at = event.timestamp or timezone.now()
    delivery = _delivery(event)
    try:
        with transaction.atomic():
            TrackingEvent.objects.create(
                esp=esp_name[:30],
                event_id=_event_id(event),
                event_type=event.event_type,
                at=at,
                recipient=(event.recipient or "")[:254],
                esp_message_id=(event.message_id or "")[:255],
                delivery=delivery,
                detail=(event.click_url or event.reject_reason or event.description or "")[:2000],
            )
            _apply(event, delivery, at)
    except IntegrityError:
        return False  # a replay: the ESP sent this event before
    return True


def _event_id(event: AnymailTrackingEvent) -> str:
    if event.event_id:
        # One Amazon SES notification (one id) can name several recipients: one event each.
        return f"{event.event_id}:{event.recipient or ''}"[:255]
    parts = (event.event_type, event.message_id, event.recipient, event.timestamp, event.click_url)
    return "sha256:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _delivery(event: AnymailTrackingEvent) -> Delivery | None:
    if not event.message_id:
        return None
    found = Delivery.objects.select_related("campaign").filter(
        esp_message_id=str(event.message_id)
    )
    return found.first()


def _apply(event: AnymailTrackingEvent, delivery: Delivery | None, at) -> None:
    if event.event_type not in EFFECTS:
        return
    field, status = EFFECTS[event.event_type]
    if delivery is not None:
        Delivery.objects.filter(
            Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gt": at}), pk=delivery.pk
        ).update(**{field: at})
    if status is None:
        return
    contact = _contact(event, delivery)
    if contact is None:
        return
    campaign = delivery.campaign if delivery else None
    reason = event.reject_reason or event.event_type
    suppress(contact.pk, status, campaign, reason)
    if campaign is not None and status != EmailStatus.UNSUBSCRIBED:
        pause_if_unhealthy(campaign)


def _contact(event: AnymailTrackingEvent, delivery: Delivery | None) -> Contact | None:
    if delivery is not None and delivery.contact_id:
        return Contact(pk=delivery.contact_id)
    if event.recipient:
        return Contact.objects.filter(email__iexact=event.recipient).only("pk").first()
    return None


def pause_if_unhealthy(campaign: Campaign) -> bool:
    """Pause a sending campaign whose complaint or bounce rate is past its limit."""
    if campaign.status != CampaignStatus.SENDING:
        return False
    rates = campaign.deliveries.aggregate(
        sent=Count("pk", filter=Q(status=DeliveryStatus.SENT)),
        bounced=Count("pk", filter=Q(bounced_at__isnull=False)),
        complained=Count("pk", filter=Q(complained_at__isnull=False)),
    )
    sent = rates["sent"]
    if sent < settings.CAMPAIGN_PAUSE_MIN_SENT:
        return False
    if rates["complained"] / sent >= settings.CAMPAIGN_PAUSE_COMPLAINT_RATE:
        reason = _("complaint rate %(rate).1f%%")
        rate = rates["complained"] / sent
    elif rates["bounced"] / sent >= settings.CAMPAIGN_PAUSE_BOUNCE_RATE:
        reason = _("bounce rate %(rate).1f%%")
        rate = rates["bounced"] / sent
    else:
        return False
    log.warning("Campaign %s paused: %s", campaign.pk, reason % {"rate": rate * 100})
    return services.pause(campaign, reason % {"rate": rate * 100})
