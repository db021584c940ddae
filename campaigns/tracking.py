"""What ESPs report through anymail's tracking webhooks, stored once and applied.

Events arrive late, twice, or out of order: each is stored under its ESP's id (or a
fingerprint of its content when the ESP gives none), so a replay is counted once, and
each only ever sets a delivery's first date of that kind and moves an address towards
the more severe, so the order does not matter.

An event changes a contact only through a delivery Carnet made: its ESP message id and its
recipient must both be that delivery's. Any other (a message sent from elsewhere through
the same account, or a forged event) is stored, and changes nobody.
"""

import hashlib
import logging

from anymail.signals import AnymailTrackingEvent, tracking
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone
from django.utils.crypto import salted_hmac

from campaigns import services
from campaigns.models import Delivery, TrackingEvent
from campaigns.suppression import suppress
from contacts.choices import EmailStatus

log = logging.getLogger(__name__)

# anymail's event type → the delivery's date field, and the status it gives the address.
_SALT = "carnet.campaigns.tracking.unmatched"
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
    event_id = _event_id(event)
    recipient = (event.recipient or "")[:254]
    detail = (event.click_url or event.reject_reason or event.description or "")[:2000]
    if delivery is None:
        # About no message Carnet sent (a forgery, or a late event about a person since
        # erased): kept as a trace that names nobody, its id keyed-hashed so that a replay
        # is still counted once.
        event_id = "hmac:" + salted_hmac(_SALT, event_id, algorithm="sha256").hexdigest()
        recipient = detail = ""
    try:
        with transaction.atomic():
            TrackingEvent.objects.create(
                esp=esp_name[:30],
                event_id=event_id,
                event_type=event.event_type,
                at=at,
                recipient=recipient,
                esp_message_id=(event.message_id or "")[:255],
                delivery=delivery,
                detail=detail,
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
    """Return the delivery Carnet made that the event is about, if there is one."""
    if not event.message_id or not event.recipient:
        return None
    found = Delivery.objects.select_related("campaign").filter(
        esp_message_id=str(event.message_id), email__iexact=event.recipient.strip()
    )
    return found.first()


def _apply(event: AnymailTrackingEvent, delivery: Delivery | None, at) -> None:
    if event.event_type not in EFFECTS:
        return
    if event.event_type == "bounced" and not _permanent(event):
        return  # a full mailbox, greylisting: stored, but neither a bounce nor a suppression
    field, status = EFFECTS[event.event_type]
    if delivery is not None:
        Delivery.objects.filter(
            Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gt": at}), pk=delivery.pk
        ).update(**{field: at})
    if status is None or delivery is None or delivery.contact_id is None:
        return  # no delivery of Carnet's: nobody to change (an erased contact's is gone)
    reason = event.reject_reason or event.event_type
    suppress(delivery.contact_id, status, delivery.campaign, reason)
    if status != EmailStatus.UNSUBSCRIBED:
        services.pause_if_unhealthy(delivery.campaign)


def _permanent(event: AnymailTrackingEvent) -> bool:
    """Whether a bounce is for good: anymail calls some ESPs' soft bounces "bounced" too."""
    esp_event = event.esp_event if isinstance(event.esp_event, dict) else {}
    if "bounce" in esp_event:  # Amazon SES
        return esp_event["bounce"].get("bounceType") == "Permanent"
    if esp_event.get("RecordType") == "Bounce":  # Postmark
        return esp_event.get("Type") in ("HardBounce", "BadEmailAddress")
    if "event" in esp_event and "ts_epoch" in esp_event:  # Brevo
        return esp_event["event"] in ("hard_bounce", "invalid_email")
    return True  # Mailgun and the others report temporary failures as "deferred"
