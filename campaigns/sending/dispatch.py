"""The beat tick: start due campaigns, take back expired leases, keep sending going.

Scheduled campaigns are picked up here rather than with Celery ETAs, which Redis would
hold in worker memory and redeliver unpredictably; the database is the queue.
"""

from celery import current_app
from django.conf import settings
from django.db import transaction
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
            nudge(campaign.pk)
        else:
            services.finish_if_done(campaign)  # an empty audience
    for campaign in Campaign.objects.filter(status=CampaignStatus.SENDING):
        if not services.finish_if_done(campaign) and _stalled(campaign):
            nudge(campaign.pk)


def _stalled(campaign: Campaign) -> bool:
    """Whether due rows wait while no worker holds a live claim on this campaign."""
    now = timezone.now()
    rows = campaign.deliveries
    due = rows.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).exists()
    held = Q(status__in=[DeliveryStatus.CLAIMED, DeliveryStatus.SENDING], lease_until__gte=now)
    return due and not rows.filter(held).exists()


def nudge(campaign_id: int) -> None:
    """Queue the campaign's batch tasks once the current transaction commits."""

    def enqueue():
        for _ in range(settings.CAMPAIGN_PARALLEL_BATCHES):
            current_app.send_task("campaigns.tasks.send_batch", args=[campaign_id])

    transaction.on_commit(enqueue)
