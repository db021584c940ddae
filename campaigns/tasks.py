"""Celery tasks: thin wrappers taking primary keys (see campaigns.sending)."""

from celery import shared_task

from campaigns import services
from campaigns.choices import CampaignKind
from campaigns.models import Campaign
from campaigns.sending import batch, dispatch


@shared_task
def tick() -> None:
    dispatch.tick()


@shared_task
def send_batch(campaign_id: int) -> None:
    """Send one batch, then queue the next while there is work.

    Delivered twice, this task does no harm: each run claims rows of its own. A campaign
    that gave way to an outage notice queues nothing: the notice's end sends it on (the
    one run that marks the notice sent; should that run be lost, the beat tick does).
    """
    if batch.send_batch(campaign_id):
        send_batch.delay(campaign_id)
        return
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return
    if services.finish_if_done(campaign) and campaign.kind == CampaignKind.OUTAGE:
        dispatch.resume_yielded()
