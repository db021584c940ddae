"""A cancel while a worker hands rows over (issue 13: it once deadlocked on PostgreSQL).

The cancel locked the campaign's unsent rows in its scan's order while a hand-over locked
its group in its own: each waited for a row the other held. A cancel now skips the rows a
worker is writing (the worker, reading the status, puts them back; the reaper skips them).
"""

import threading

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, Delivery
from campaigns.sending.ledger import HandOver, claim, reap
from tests.faults.sending_support import admin_connection, mailable_contacts, wait_for

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

HAND_OVER = (
    f"UPDATE {Delivery._meta.db_table} SET status = 'sending' WHERE id = %s AND status = 'claimed'"
)


def _waits_on_a_lock(watch, pid: int) -> bool:
    row = watch.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
    return row.fetchone() == ("Lock",)


def test_a_cancel_while_a_group_is_handed_over_neither_waits_nor_deadlocks():
    mailable_contacts(4)
    campaign = Campaign.objects.create(name="Soldes", subject="Soldes", html_body="<p>Soldes</p>",
                                       from_email="bonjour@boulangerie-lefevre.fr")  # fmt: skip
    services.schedule(campaign)
    services.start(campaign)
    ledger = claim(campaign.pk, 4)
    first, *_middle, last = sorted(r.delivery_id for r, _ in ledger.recipients)
    worker, watch = admin_connection(), admin_connection(autocommit=True)
    outcome = {}

    def cancel():
        from django.db import connection

        connection.ensure_connection()
        outcome["pid"] = connection.connection.info.backend_pid
        try:
            outcome["cancelled"] = services.cancel(Campaign.objects.get(pk=campaign.pk))
        except Exception as e:  # a deadlock's victim
            outcome["error"] = e
        finally:
            connection.close()

    try:
        worker.execute(HAND_OVER, [last])  # a hand-over in flight holds the group's last row
        cancelling = threading.Thread(target=cancel)
        cancelling.start()
        wait_for(lambda: "pid" in outcome, 10, "the cancel to connect")
        wait_for(lambda: not cancelling.is_alive() or _waits_on_a_lock(watch, outcome["pid"]),
                 10, "the cancel to end or wait")  # fmt: skip
        # The hand-over goes on to the group's first row; a cancel that locked it, and now
        # waits for the last one, closes the circle: PostgreSQL kills one of the two.
        worker.execute(HAND_OVER, [first])
        worker.commit()
    finally:
        cancelling.join(30)
        worker.close()
        watch.close()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["cancelled"] is True

    rows = dict(Delivery.objects.values_list("pk", "status"))
    assert rows.pop(last) == "sending"  # the worker's: its check before sending stops it
    assert set(rows.values()) == {"skipped"}
    recipient = next(r for r, _ in ledger.recipients if r.delivery_id == last)
    assert ledger.check(recipient) is HandOver.STOPPED
    ledger.put_back(last, until=timezone.now(), error="")  # what the worker does with it
    reap()
    assert set(Delivery.objects.values_list("status", flat=True)) == {"skipped"}
