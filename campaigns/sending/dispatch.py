"""The beat tick: start due campaigns, take back expired leases, keep sending going.

Scheduled campaigns are picked up here rather than with Celery ETAs, which Redis would
hold in worker memory and redeliver unpredictably; the database is the queue.

An outage notice goes first (DESIGN.md, Owned audience): while one has rows due or in a
worker's hands, every other campaign's batches give way (`notice_waiting`, asked before
each claim and after each hand-over group) and stop without queueing their next batch;
when the notice's batches run out, `resume_yielded` sends those campaigns on again.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from campaigns import services
from campaigns.choices import CampaignKind, CampaignStatus, DeliveryStatus
from campaigns.models import Campaign, Delivery
from campaigns.sending.ledger import reap


def tick() -> None:
    """Run every CAMPAIGN_TICK_SECONDS by beat."""
    orphaned = _orphaned()
    reap()
    now = timezone.now()
    for campaign in Campaign.objects.filter(
        status=CampaignStatus.SCHEDULED, scheduled_at__lte=now
    ):
        if services.start(campaign):
            services.nudge(campaign.pk)
        else:
            services.finish_if_done(campaign)  # an empty audience
    waiting = notice_waiting()
    for campaign in Campaign.objects.filter(status=CampaignStatus.SENDING):
        if services.finish_if_done(campaign):
            continue
        yields = waiting and campaign.kind != CampaignKind.OUTAGE  # nudged when it is done
        if yields:
            continue
        # Rows whose lease ran out lost their worker (it renews them while it lives): its
        # chain of batches went with it, so a campaign left stalled is sent on at once.
        if _stalled_twice(campaign) or (campaign.pk in orphaned and _stalled(campaign)):
            cache.delete(_stalled_key(campaign))
            services.nudge(campaign.pk)


def _orphaned() -> set[int]:
    """Return the campaigns with rows whose lease ran out: a worker of theirs died."""
    expired = Delivery.objects.filter(
        status__in=[DeliveryStatus.CLAIMED, DeliveryStatus.SENDING], lease_until__lt=timezone.now()
    )
    return set(expired.values_list("campaign_id", flat=True).distinct())


def notice_waiting() -> bool:
    """Whether an outage notice being sent has rows due or in a worker's hands.

    Asked after every hand-over group of every campaign, so first one plain statement on
    the few campaigns sending (a round trip; the ORM would triple its cost), and the
    notice's rows only while a notice is sending.
    """
    with connection.cursor() as cursor:
        cursor.execute(_NOTICES_SENDING)
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return False
    now = timezone.now()
    due = Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    held = Q(status__in=[DeliveryStatus.CLAIMED, DeliveryStatus.SENDING], lease_until__gte=now)
    return Delivery.objects.filter(due | held, campaign_id__in=ids).exists()


_NOTICES_SENDING = (
    f"SELECT id FROM {Campaign._meta.db_table} "
    f"WHERE status = '{CampaignStatus.SENDING}' AND kind = '{CampaignKind.OUTAGE}'"
)


def resume_yielded() -> list[int]:
    """Send on the campaigns that gave way to a notice, once none waits; return their ids.

    Those that yielded hold no claim and have rows due, which is what `_stalled` sees; a
    campaign still sending holds claims and is left alone (no second chain of batches).
    """
    if notice_waiting():
        return []
    others = Campaign.objects.filter(status=CampaignStatus.SENDING).exclude(
        kind=CampaignKind.OUTAGE
    )
    resumed = [campaign.pk for campaign in others if _stalled(campaign)]
    for pk in resumed:
        services.nudge(pk)
    return resumed


def _stalled_twice(campaign: Campaign) -> bool:
    """Whether the campaign looked stalled at this tick and at the one before.

    A batch task queues the next one when it ends, so between two batches no claim is
    held for a moment; two ticks in a row tell a stalled campaign from that gap, and keep
    the tick from starting extra chains of batches.
    """
    key = _stalled_key(campaign)
    if not _stalled(campaign):
        cache.delete(key)
        return False
    if cache.get(key):
        cache.delete(key)
        return True
    cache.set(key, 1, timeout=settings.CAMPAIGN_TICK_SECONDS * 3)
    return False


def _stalled_key(campaign: Campaign) -> str:
    return f"campaigns:stalled:{campaign.pk}"


def _stalled(campaign: Campaign) -> bool:
    """Whether due rows wait while no worker holds a live claim on this campaign."""
    now = timezone.now()
    rows = campaign.deliveries
    due = rows.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).exists()
    held = Q(status__in=[DeliveryStatus.CLAIMED, DeliveryStatus.SENDING], lease_until__gte=now)
    return due and not rows.filter(held).exists()
