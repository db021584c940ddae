"""The beat tick: start due campaigns, take back expired leases, keep sending going.

Scheduled campaigns are picked up here rather than with Celery ETAs, which Redis would
hold in worker memory and redeliver unpredictably; the database is the queue.
"""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from campaigns import services
from campaigns.choices import CampaignStatus, DeliveryStatus
from campaigns.models import Campaign
from campaigns.sending.ledger import reap


def tick() -> None:
    """Run every CAMPAIGN_TICK_SECONDS by beat."""
    reap()
    now = timezone.now()
    for campaign in Campaign.objects.filter(
        status=CampaignStatus.SCHEDULED, scheduled_at__lte=now
    ):
        if services.start(campaign):
            services.nudge(campaign.pk)
        else:
            services.finish_if_done(campaign)  # an empty audience
    for campaign in Campaign.objects.filter(status=CampaignStatus.SENDING):
        if not services.finish_if_done(campaign) and _stalled_twice(campaign):
            services.nudge(campaign.pk)


def _stalled_twice(campaign: Campaign) -> bool:
    """Whether the campaign looked stalled at this tick and at the one before.

    A batch task queues the next one when it ends, so between two batches no claim is
    held for a moment; two ticks in a row tell a stalled campaign from that gap, and keep
    the tick from starting extra chains of batches.
    """
    key = f"campaigns:stalled:{campaign.pk}"
    if not _stalled(campaign):
        cache.delete(key)
        return False
    if cache.get(key):
        cache.delete(key)
        return True
    cache.set(key, 1, timeout=settings.CAMPAIGN_TICK_SECONDS * 3)
    return False


def _stalled(campaign: Campaign) -> bool:
    """Whether due rows wait while no worker holds a live claim on this campaign."""
    now = timezone.now()
    rows = campaign.deliveries
    due = rows.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).exists()
    held = Q(status__in=[DeliveryStatus.CLAIMED, DeliveryStatus.SENDING], lease_until__gte=now)
    return due and not rows.filter(held).exists()
