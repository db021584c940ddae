"""Send one batch of a campaign: claim, then for each row check, hand over, record."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaigns import services
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
    try:
        composer = Composer(campaign)
    except ValidationError as e:  # saved before a rule existed, say: stop and say why
        services.pause(campaign, " ".join(e.messages))
        return 0
    ledger = claim(campaign_id, _batch_size())
    if ledger is None:
        return 0
    transport = open_transport()
    try:
        _send_all(composer, ledger, transport, campaign)
    finally:
        ledger.close()
        transport.close()
    if ledger.sent_contacts and campaign.sending_problem:
        Campaign.objects.filter(pk=campaign.pk).update(sending_problem="")  # solved
    return len(ledger.recipients)


def _batch_size() -> int:
    """Claim no more than a limited rate can send well within a lease."""
    size = settings.CAMPAIGN_BATCH_SIZE
    if settings.SEND_RATE_PER_SECOND:
        size = min(size, settings.SEND_RATE_PER_SECOND * settings.CAMPAIGN_LEASE_SECONDS // 2)
    return max(1, size)


def _send_all(composer: Composer, ledger: Ledger, transport, campaign: Campaign) -> None:
    """Send the batch group by group: hand a group over, then send its messages.

    The hand-over is a durable commit, the costliest step of a send; one per group
    rather than one per message is what makes Carnet fast. The price: a worker dying
    mid-group leaves up to CAMPAIGN_HANDOVER_GROUP rows `unknown`, and an unsubscribe
    reaches the messages of the next group, a few milliseconds later.
    """
    limiter = RateLimiter()
    size = settings.CAMPAIGN_HANDOVER_GROUP
    for start in range(0, len(ledger.recipients), size):
        group = [
            (recipient, attempts, composer.render(recipient))
            for recipient, attempts in ledger.recipients[start : start + size]
        ]
        handed = ledger.hand_over([(r.delivery_id, m.headers["Message-ID"]) for r, _, m in group])
        stop_until = None
        for recipient, attempts, message in group:
            if recipient.delivery_id not in handed:
                if ledger.why_not(recipient.delivery_id) is HandOver.STOPPED:
                    stop_until = timezone.now()
            elif stop_until is not None:  # handed over, but never to be sent now
                ledger.put_back(recipient.delivery_id, stop_until, "")
            else:
                stop_until = _send(
                    ledger, transport, limiter, recipient, attempts, message, campaign
                )
        if stop_until is not None:
            ledger.release_rest(until=stop_until)
            return


def _send(ledger, transport, limiter, recipient, attempts, message, campaign):
    """Send one handed-over message within the rate; return when to resume if the batch stops."""
    come_back_at = limiter.acquire()
    if come_back_at:
        ledger.put_back(recipient.delivery_id, come_back_at, "")
        return come_back_at
    return _record(ledger, recipient, attempts, transport.send(message), campaign)


def _record(ledger: Ledger, recipient: Recipient, attempts: int, result: Result, campaign):
    """Write the outcome of one message; return when to resume if the batch must stop."""
    match result.outcome:
        case Outcome.SENT:
            ledger.sent(recipient, result.esp_message_id)
        case Outcome.RETRY:
            ledger.retry(recipient.delivery_id, attempts, result.error)
        case Outcome.FAILED:
            ledger.fail(recipient.delivery_id, result.error)
        case Outcome.BOUNCED:
            ledger.bounced(recipient.delivery_id, result.error)
            suppress(recipient.contact_id, EmailStatus.BOUNCED, campaign, result.error)
            services.pause_if_unhealthy(campaign)
        case Outcome.UNCERTAIN:
            log.warning("Delivery %s: outcome unknown: %s", recipient.delivery_id, result.error)
            ledger.uncertain(recipient.delivery_id, result.error)
        case Outcome.UNAVAILABLE | Outcome.REFUSED:
            # Nothing left and nothing will: the rows wait, without spending their tries,
            # and the campaign's page says why until a message goes out again.
            later = timezone.now() + timedelta(seconds=settings.CAMPAIGN_RETRY_SECONDS)
            ledger.put_back(recipient.delivery_id, later, result.error)
            log.warning("Campaign %s: cannot send now: %s", campaign.pk, result.error)
            Campaign.objects.filter(pk=campaign.pk).update(sending_problem=result.error)
            if result.outcome is Outcome.REFUSED:
                log.error("Campaign %s paused: %s", campaign.pk, result.error)
                services.pause(campaign, result.error)
            return later
    return None
