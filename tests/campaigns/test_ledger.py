"""Claims, leases and the reaper: the guarantees that do not depend on the transport."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from campaigns import services
from campaigns.models import Delivery
from campaigns.sending import dispatch
from campaigns.sending.batch import send_batch
from campaigns.sending.ledger import HandOver, claim, reap
from tests.campaigns.conftest import make_campaign
from tests.contacts.factories import make_contact


def started():
    campaign = make_campaign()
    services.schedule(campaign)
    services.start(campaign)
    return campaign


def expire_leases():
    Delivery.objects.exclude(lease_until=None).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )


def test_a_batch_is_claimed_by_one_worker_only(audience):
    campaign = started()
    first = claim(campaign.pk, 2)
    second = claim(campaign.pk, 10)
    third = claim(campaign.pk, 10)
    assert len(first.recipients) == 2
    assert len(second.recipients) == 1
    assert third is None
    firsts = {r.delivery_id for r, _ in first.recipients}
    assert firsts.isdisjoint({r.delivery_id for r, _ in second.recipients})


def test_expired_claims_go_back_to_the_queue_and_their_worker_loses_them(audience):
    campaign = started()
    stale = claim(campaign.pk, 10)
    expire_leases()
    assert reap() == (3, 0)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}
    recipient, _attempts = stale.recipients[0]
    assert stale.hand_over([(recipient.delivery_id, "<x@y>")]) == set()
    assert stale.why_not(recipient.delivery_id) is HandOver.LOST
    fresh = claim(campaign.pk, 10)
    assert fresh.hand_over([(recipient.delivery_id, "<x@y>")]) == {recipient.delivery_id}


def test_a_row_whose_worker_vanished_while_handing_over_becomes_unknown(audience):
    campaign = started()
    ledger = claim(campaign.pk, 10)
    recipient, _attempts = ledger.recipients[0]
    assert ledger.hand_over([(recipient.delivery_id, "<1@x>")]) == {recipient.delivery_id}
    # The worker dies here: nothing records the outcome.
    expire_leases()
    assert reap() == (2, 1)
    row = Delivery.objects.get(pk=recipient.delivery_id)
    assert row.status == "unknown"
    assert claim(campaign.pk, 10).recipients[0][0].delivery_id != row.pk


def test_a_slow_worker_may_still_record_the_send_the_reaper_called_unknown(audience):
    campaign = started()
    ledger = claim(campaign.pk, 1)
    recipient, _attempts = ledger.recipients[0]
    ledger.hand_over([(recipient.delivery_id, "<1@x>")])
    expire_leases()
    reap()
    ledger.sent(recipient, "esp-1")
    ledger.close()
    row = Delivery.objects.get(pk=recipient.delivery_id)
    assert (row.status, row.esp_message_id) == ("sent", "esp-1")


def test_a_frozen_worker_sends_nothing_the_owner_has_resent_meanwhile(audience):
    """Frozen past its lease (SIGSTOP, a paused machine), the reaper called its row unknown
    and the owner resent it: when the worker wakes, its last check finds the row not its
    own any more, and it leaves it to the new send."""
    campaign = started()
    ledger = claim(campaign.pk, 1)
    recipient, _attempts = ledger.recipients[0]
    assert ledger.hand_over([(recipient.delivery_id, "<1@x>")]) == {recipient.delivery_id}
    assert ledger.check(recipient) is HandOver.HANDED
    expire_leases()
    reap()
    assert ledger.check(recipient) is HandOver.HANDED  # unknown, still its own to send
    Delivery.objects.filter(pk=recipient.delivery_id).update(
        status="pending", claim="", lease_until=None
    )  # what "resend unknown" does
    assert ledger.check(recipient) is HandOver.LOST


@pytest.mark.django_db(transaction=True)
def test_the_same_task_run_twice_at_once_sends_nothing_twice(smtp, settings):
    """A redelivered batch task runs beside the original: each takes rows of its own."""
    settings.CAMPAIGN_BATCH_SIZE = 3
    addresses = {f"client{i}@exemple.fr" for i in range(24)}
    for address in sorted(addresses):
        make_contact(email=address, email_status="subscribed", consent_basis="customer")
    campaign = started()
    smtp.delay_seconds = 0.01

    def run_the_task():
        try:
            while send_batch(campaign.pk):
                pass
        finally:
            connection.close()

    copies = [threading.Thread(target=run_the_task) for _ in range(2)]
    for copy in copies:
        copy.start()
    for copy in copies:
        copy.join(timeout=60)
    received = Counter(r for m in smtp.messages for r in m.recipients)
    assert set(received) == addresses
    assert max(received.values()) == 1
    assert services.finish_if_done(campaign)


def test_the_tick_starts_due_campaigns_only(audience):
    due = make_campaign(name="due")
    later = make_campaign(name="later")
    services.schedule(due, timezone.now() - timedelta(minutes=1))
    services.schedule(later, timezone.now() + timedelta(hours=1))
    dispatch.tick()
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, later.status) == ("sending", "scheduled")
    assert due.deliveries.count() == 3
    assert later.deliveries.count() == 0


def test_the_tick_finishes_a_campaign_with_nobody_to_write_to(db):
    campaign = make_campaign()
    services.schedule(campaign)
    dispatch.tick()
    campaign.refresh_from_db()
    assert campaign.status == "sent"
    assert services.counters(campaign)["total"] == 0


def test_a_campaign_paused_before_its_date_waits_for_it_again(audience):
    campaign = make_campaign()
    services.schedule(campaign, timezone.now() + timedelta(hours=1))
    assert services.pause(campaign)
    assert services.resume(campaign)
    assert campaign.status == "scheduled"
