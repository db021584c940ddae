"""Send one batch of a campaign: claim, then for each row check, hand over, record."""

import contextlib
import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.utils import timezone

from campaigns import services
from campaigns.choices import CampaignKind, CampaignStatus, Outcome
from campaigns.models import Campaign
from campaigns.sending import dispatch
from campaigns.sending.compose import Composer, Recipient
from campaigns.sending.ledger import HandOver, Ledger, claim
from campaigns.sending.ratelimit import RateLimiter
from campaigns.sending.transports import Result, open_transport
from campaigns.suppression import suppress
from contacts.choices import EmailStatus

log = logging.getLogger(__name__)


def send_batch(campaign_id: int) -> int:
    """Claim and send one batch of the campaign's due deliveries; return how many were claimed.

    0 too when the campaign gives way to an outage notice: its batches stop until then.
    """
    campaign = Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.SENDING).first()
    if campaign is None or _gives_way(campaign):
        return 0
    try:
        composer = Composer(campaign)
    except ValidationError as e:  # saved before a rule existed, say: stop and say why
        services.pause(campaign, " ".join(e.messages))
        return 0
    ledger = claim(campaign_id, _batch_size())
    if ledger is None:
        return 0
    sender = _Sender(ledger, open_transport(), campaign)
    # The lease holds while this process lives, however long a server takes to answer.
    with ledger.renewing():
        try:
            sender.send_all(composer)
        finally:
            ledger.close()
            sender.transport.close()
    if ledger.sent_contacts and campaign.sending_problem:
        Campaign.objects.filter(pk=campaign.pk).update(sending_problem="")  # solved
    return 0 if sender.gave_way else len(ledger.recipients)


def _gives_way(campaign: Campaign) -> bool:
    """Whether this campaign must wait for an outage notice being sent (it goes first)."""
    return campaign.kind != CampaignKind.OUTAGE and dispatch.notice_waiting()


def _batch_size() -> int:
    """Claim no more than a limited rate can send well within a lease."""
    size = settings.CAMPAIGN_BATCH_SIZE
    if settings.SEND_RATE_PER_SECOND:
        size = min(size, settings.SEND_RATE_PER_SECOND * settings.CAMPAIGN_LEASE_SECONDS // 2)
    return max(1, size)


class _Sender:
    """Send one claimed batch, group by group: hand a group over, then send its messages.

    The hand-over is a durable commit, the costliest step of a send; one per group
    (CAMPAIGN_HANDOVER_GROUP) rather than one per message is what makes Carnet fast.
    Right before each message, once its rate slot is taken, a plain read checks again that
    it may still go (an unsubscribe, a pause). A worker dying mid-group leaves up to a
    group `unknown`; a failure before a message leaves puts it back, no try spent.
    """

    def __init__(self, ledger: Ledger, transport, campaign: Campaign):
        self.ledger = ledger
        self.transport = transport
        self.campaign = campaign
        self.limiter = RateLimiter()
        self.gave_way = False

    def send_all(self, composer: Composer) -> None:
        size = settings.CAMPAIGN_HANDOVER_GROUP
        recipients = self.ledger.recipients
        for start in range(0, len(recipients), size):
            try:
                group = [
                    (r, attempts, composer.render(r))
                    for r, attempts in recipients[start : start + size]
                ]
            except Exception as e:  # nothing of this group was handed over: all back
                self.ledger.release_rest(until=self.cannot_go(e))
                return
            handed = self.ledger.hand_over(
                [(r.delivery_id, message.headers["Message-ID"]) for r, _, message in group]
            )
            stop_until = self.send_group(group, handed)
            if stop_until is not None:
                self.ledger.release_rest(until=stop_until)
                return
            more = start + size < len(recipients)
            if more and _gives_way(self.campaign):  # the rest back to the queue, by close()
                self.gave_way = True
                return

    def send_group(self, group: list, handed: set[int]):
        """Send a handed-over group; return when to resume if the batch must stop."""
        # The group's sends are recorded after it: past half a lease, the rest of the group
        # waits for a later batch, so that what a crash could leave unknown (sent, not yet
        # recorded) is what a slow server accepted in that time. (The lease itself holds:
        # a thread renews it, however slow the server.)
        deadline = time.monotonic() + settings.CAMPAIGN_LEASE_SECONDS / 2
        waiting = set(handed)  # handed over, not yet sent: put back if we stop
        stop_until = None
        try:
            for recipient, attempts, message in group:
                try:
                    state = self.ready(recipient, handed, deadline)
                except Exception as e:  # whatever failed, nothing left
                    return (stop_until := self.cannot_go(e))
                if isinstance(state, datetime):
                    return (stop_until := state)
                if state is HandOver.HANDED:
                    waiting.discard(recipient.delivery_id)  # from here, it may have left
                    stop_until = _record(self.ledger, recipient, attempts,
                                         self.transport.send(message), self.campaign)  # fmt: skip
                    if stop_until is not None:
                        return stop_until
                waiting.discard(recipient.delivery_id)
            return None
        finally:
            self.put_back(waiting, stop_until or timezone.now())

    def ready(self, recipient: Recipient, handed: set[int], deadline: float):
        """Everything before a message leaves; return its HandOver, or when to resume.

        The rate slot is taken first, as it may wait: the last check comes after every
        wait, so that an unsubscribe or a pause committed meanwhile is honoured.
        """
        pk = recipient.delivery_id
        if pk not in handed:
            if self.ledger.why_not(pk) is HandOver.STOPPED:
                return timezone.now()
            return HandOver.LOST
        if time.monotonic() > deadline:
            return timezone.now()
        come_back_at = self.limiter.acquire()
        if come_back_at:
            return come_back_at
        state = self.ledger.check(recipient)
        return timezone.now() if state is HandOver.STOPPED else state

    def cannot_go(self, error: Exception) -> datetime:
        """A failure before a message left (the rate's store, the database): stop, retry later."""
        log.warning("Campaign %s: cannot send now: %r", self.campaign.pk, error, exc_info=True)
        problem = f"cannot send now: {type(error).__name__}: {error}"[:500]
        with contextlib.suppress(DatabaseError):
            Campaign.objects.filter(pk=self.campaign.pk).update(sending_problem=problem)
        return timezone.now() + timedelta(seconds=settings.CAMPAIGN_RETRY_SECONDS)

    def put_back(self, waiting: set[int], until: datetime) -> None:
        """Return rows handed over but never sent to the queue, no try spent."""
        for attempt in (1, 2):
            try:
                for pk in sorted(waiting):
                    self.ledger.put_back(pk, until, "")
                return
            except DatabaseError:
                # A connection lost under us: once more on a new one. Should that fail
                # too, the rows end unknown after their lease, never sent twice.
                if attempt == 2 or connection.in_atomic_block:
                    raise
                connection.close()


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
