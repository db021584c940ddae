"""Celery delivering a batch task again, the same task twice, two beats at once (issue 13).

Real workers and beats on the configured broker (Redis in CI), sending to an SMTP sink on
loopback: whatever runs twice, nobody receives the campaign twice, every row ends, and
the campaign finishes. Each test also shows that the fault did happen.
"""

import re
import uuid
from collections import Counter

import pytest
from django.conf import settings

from campaigns import services
from campaigns.models import Campaign, Delivery
from crm.celery import app as celery_app
from tests.campaigns.conftest import make_campaign
from tests.faults.sending_support import (
    Sink,
    Workers,
    finished,
    mailable_contacts,
    start_campaign,
    wait_for,
)

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

RECIPIENTS = 400
RECEIVED = re.compile(r"Task campaigns\.tasks\.send_batch\[([0-9a-f-]+)\] received")


@pytest.fixture
def sink():
    sink = Sink()
    yield sink
    sink.stop()


@pytest.fixture
def workers(sink, tmp_path):
    workers = Workers(sink, tmp_path, CAMPAIGN_TICK_SECONDS="1", CAMPAIGN_LEASE_SECONDS="10",
                      CAMPAIGN_BATCH_SIZE="50")  # fmt: skip
    yield workers
    workers.stop_all()


def _sent_once_each(sink: Sink, campaign: Campaign, addresses: set[str]) -> None:
    wait_for(lambda: finished(campaign), 120, "the campaign to finish")
    counts = sink.recorder.received()
    assert max(counts.values()) == 1, "someone received the campaign twice"
    rows = dict(Delivery.objects.filter(campaign=campaign).values_list("email", "status"))
    assert set(rows) == addresses  # one row each: fanned out once
    assert set(rows.values()) == {"sent"}
    assert set(counts) == addresses


def _runs_of_one_task(workers: Workers) -> int:
    """Return how many times the most received send_batch task was received."""
    return max(Counter(RECEIVED.findall(workers.logs())).values())


def test_a_batch_longer_than_the_visibility_timeout_is_redelivered_and_sent_once(sink, workers):
    assert settings.REDIS_URL, "redelivery after a visibility timeout: the Redis broker"
    addresses = mailable_contacts(RECIPIENTS)
    sink.recorder.delay_seconds = 0.04  # a batch of 50: two seconds or more
    # Redis hands an unacknowledged task to a worker again after a second, while the
    # first one still runs it (acks_late: the ack comes when the batch is done).
    redeliver = {"visibility_timeout": 1, "unacked_restore_interval": 1,
                 "unacked_restore_throttle": 1}  # fmt: skip
    workers.beat()
    workers.worker(redeliver), workers.worker(redeliver)
    campaign = start_campaign()
    _sent_once_each(sink, campaign, addresses)
    assert _runs_of_one_task(workers) >= 2, "no task was delivered twice"


def test_the_same_task_delivered_twice_sends_once(sink, workers):
    addresses = mailable_contacts(RECIPIENTS)
    workers.beat()
    workers.worker(), workers.worker()
    campaign = make_campaign()
    services.schedule(campaign)
    services.start(campaign)
    task_id = str(uuid.uuid4())
    for _twice in range(2):  # one message, two deliveries: both run
        celery_app.send_task("campaigns.tasks.send_batch", args=[campaign.pk], task_id=task_id)
    _sent_once_each(sink, campaign, addresses)
    assert Counter(RECEIVED.findall(workers.logs()))[task_id] == 2


def test_two_beats_at_once_start_the_campaign_once_and_send_once(sink, workers):
    addresses = mailable_contacts(RECIPIENTS)
    campaign = make_campaign()
    workers.beat(), workers.beat()
    workers.worker(), workers.worker()
    wait_for(lambda: min(_ticks(workers)) >= 1, 60, "both beats ticking")
    before = _ticks(workers)
    services.schedule(campaign)  # due now: both beats tick within the second
    _sent_once_each(sink, campaign, addresses)
    after = _ticks(workers)
    assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)


def _ticks(workers: Workers) -> list[int]:
    """Return how many ticks each beat has sent."""
    return [path.read_text().count("Sending due task campaigns (campaigns.tasks.tick)")
            for path in sorted(workers.log_dir.glob("beat-*.log"))]  # fmt: skip
