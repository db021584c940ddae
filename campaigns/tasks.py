"""Celery tasks: thin wrappers taking primary keys (see campaigns.sending)."""

from celery import shared_task

from campaigns import services
from campaigns.models import Campaign
from campaigns.sending import batch, dispatch


@shared_task
def tick() -> None:
    dispatch.tick()


@shared_task
def send_batch(campaign_id: int) -> None:
    """Send one batch, then queue the next while there is work.

    Delivered twice, this task does no harm: each run claims rows of its own.
    """
    if batch.send_batch(campaign_id):
        send_batch.delay(campaign_id)
        return
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is not None:
        services.finish_if_done(campaign)
