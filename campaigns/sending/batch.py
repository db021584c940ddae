"""Send one batch of a campaign: claim, then for each row check, hand over, record."""

import logging

from django.conf import settings

from campaigns.choices import CampaignStatus, Outcome
from campaigns.models import Campaign
from campaigns.sending.compose import Composer, Recipient
from campaigns.sending.ledger import HandOver, Ledger, claim
from campaigns.sending.ratelimit import RateLimiter
from campaigns.sending.transports import Result, open_transport
from campaigns.suppression import suppress
from contacts.choices import EmailStatus

log = logging.getLogger(__name__)


def send_batch(campaign_id: int) -> int:
    """Claim and send one batch of the campaign's due deliveries; return how many were claimed."""
    campaign = Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.SENDING).first()
    if campaign is None:
        return 0
    ledger = claim(campaign_id, settings.CAMPAIGN_BATCH_SIZE)
    if ledger is None:
        return 0
    transport = open_transport()
    try:
        _send_all(Composer(campaign), ledger, transport, campaign)
    finally:
        ledger.close()
        transport.close()
    return len(ledger.recipients)


def _send_all(composer: Composer, ledger: Ledger, transport, campaign: Campaign) -> None:
    limiter = RateLimiter()
    for recipient, attempts in ledger.recipients:
        come_back_at = limiter.acquire()
        if come_back_at:
            ledger.release_rest(until=come_back_at)
            return
        message = composer.render(recipient)
        state = ledger.hand_over(recipient.delivery_id, message.headers["Message-ID"])
        if state is HandOver.STOPPED:
            return
        if state is HandOver.HANDED:
            _record(ledger, recipient, attempts, transport.send(message), campaign)


def _record(ledger: Ledger, recipient: Recipient, attempts: int, result: Result, campaign):
    match result.outcome:
        case Outcome.SENT:
            ledger.sent(recipient, result.esp_message_id)
        case Outcome.RETRY:
            ledger.retry(recipient.delivery_id, attempts, result.error)
        case Outcome.FAILED:
            ledger.fail(recipient.delivery_id, result.error)
        case Outcome.BOUNCED:
            ledger.fail(recipient.delivery_id, result.error)
            suppress(recipient.contact_id, EmailStatus.BOUNCED, campaign, result.error)
        case Outcome.UNCERTAIN:
            log.warning("Delivery %s: outcome unknown: %s", recipient.delivery_id, result.error)
            ledger.uncertain(recipient.delivery_id, result.error)
