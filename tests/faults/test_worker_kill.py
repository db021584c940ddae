"""A worker killed at each step of a delivery's life (issue 13, defect 2 and the proof suite).

A live worker renews its batch's short lease; a dead one's rows come back within a lease,
and the tick sends the campaign on at once. The real test SIGKILLs Celery workers sending
a 5,000-recipient campaign to an SMTP sink on loopback: once after a claim, once after a
hand-over, once after the server accepted messages the worker had not yet recorded.
"""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.models import Delivery
from campaigns.sending import dispatch
from campaigns.sending.batch import send_batch
from campaigns.sending.ledger import claim, reap
from tests.faults.sending_support import (
    GROUP,
    Sink,
    Workers,
    kill_at_each_step,
    mailable_contacts,
    outcome,
    start_campaign,
)

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sink():
    sink = Sink()
    yield sink
    sink.stop()


def test_a_live_worker_keeps_its_batch_past_the_lease(sink, settings):
    """A batch longer than a lease is not taken from a worker that lives (renewed)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.new_port()
    settings.CAMPAIGN_LEASE_SECONDS = 2  # renewed every third of a second
    settings.CAMPAIGN_HANDOVER_GROUP = 2
    sink.recorder.delay_seconds = 0.3  # twelve messages: 3.6 s, well past the lease
    mailable_contacts(12)
    campaign = start_campaign()
    taken_back = []
    done = threading.Event()

    def tick():  # what beat does meanwhile, ten times a lease
        while not done.wait(0.2):
            taken_back.append(reap())

    ticking = threading.Thread(target=tick)
    ticking.start()
    try:
        assert send_batch(campaign.pk) == 12
    finally:
        done.set()
        ticking.join()
    assert set(taken_back) == {(0, 0)}, "the reaper took rows from a live worker"
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert sorted(sink.recorder.received().values()) == [1] * 12


def test_a_dead_workers_rows_come_back_and_the_tick_sends_the_campaign_on_at_once(
    settings, monkeypatch
):
    # The default costs a crashed worker at most a minute: a lease, then one tick.
    assert settings.CAMPAIGN_LEASE_SECONDS + settings.CAMPAIGN_TICK_SECONDS <= 60
    mailable_contacts(20)
    campaign = start_campaign()
    nudged = []
    monkeypatch.setattr(services, "nudge", nudged.append)
    dead = claim(campaign.pk, 10)
    in_flight = [r.delivery_id for r, _ in dead.recipients[:3]]
    assert dead.hand_over([(pk, f"<{pk}@x>") for pk in in_flight]) == set(in_flight)
    # The worker dies here. The other rows are due, but its claim looks held: no nudge.
    dispatch.tick()
    assert nudged == []
    Delivery.objects.filter(claim=dead.token).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )  # a lease later
    dispatch.tick()  # one tick, not two
    assert nudged == [campaign.pk]
    statuses = dict(Delivery.objects.filter(claim=dead.token).values_list("pk", "status"))
    assert {pk for pk, s in statuses.items() if s == "unknown"} == set(in_flight)
    assert Delivery.objects.filter(status="pending").count() == 17  # 7 back, 10 never claimed


def test_a_renewal_never_takes_back_a_row_the_reaper_took(settings):
    mailable_contacts(3)
    campaign = start_campaign()
    slow = claim(campaign.pk, 3)
    Delivery.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    assert reap() == (3, 0)
    settings.CAMPAIGN_LEASE_SECONDS = 0  # its renewal is due at once
    slow.keep_alive()
    assert set(Delivery.objects.values_list("status", "claim", "lease_until")) == {
        ("pending", "", None)
    }


# The proof: real workers, killed. Figures in docs/RELIABILITY.md.

RECIPIENTS = 5000
RESUME_WITHIN = 60  # seconds from a kill to the first send of a row the dead worker held


def test_workers_killed_at_each_step_never_send_twice_and_the_campaign_goes_on(sink, tmp_path):
    addresses = mailable_contacts(RECIPIENTS)
    workers = Workers(sink, tmp_path, CAMPAIGN_TICK_SECONDS="1", CAMPAIGN_LEASE_SECONDS="10",
                      CAMPAIGN_BATCH_SIZE="250")  # fmt: skip
    try:
        kills = kill_at_each_step(sink, workers, finish_within=120)
    finally:
        workers.stop_all()
    result = outcome(sink, addresses, kills)
    print(result)
    assert result["received twice"] == 0, "someone received the campaign twice"
    assert result["not terminal"] == 0
    assert result["strangers"] == result["recorded sent, not received"] == 0
    assert result["forgotten"] == 0, "someone neither received it nor is unknown"
    assert result["unknown"] == 2 * GROUP, "unknown rows not from a killed worker"
    steps = result["steps"]
    assert steps["claimed"]["unknown"] == 0  # nothing handed over: nothing uncertain
    assert (steps["handed over"]["unknown"], steps["handed over"]["received"]) == (GROUP, 0)
    assert (steps["accepted"]["unknown"], steps["accepted"]["received"]) == (GROUP, 3)
    for step, figures in steps.items():
        assert figures["resumed after"] < RESUME_WITHIN, f"{step}: {figures}"
