"""A mail server slow at every step of one message: the lease holds while the worker lives.

Each step (EHLO, MAIL, RCPT, the final answer to DATA) comes just within EMAIL_TIMEOUT, but
one message takes two leases in all. A thread of the worker renews its batch's lease
meanwhile, so the reaper never takes the row from a live worker; a worker SIGKILLed in such
an exchange stops renewing, and its rows come back within a lease and a tick. Should the
reaper take a row anyway, the server's answer is still written for what it is.
"""

import asyncio
import threading
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, Delivery
from campaigns.sending.batch import send_batch
from campaigns.sending.ledger import reap
from tests.campaigns.smtp import _in_own_connection
from tests.faults.sending_support import (
    Sink,
    StallingRecorder,
    Workers,
    finished,
    kill,
    mailable_contacts,
    start_campaign,
    wait_for,
)

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

LEASE = 4  # seconds, in this process
WORKER_LEASE = 10  # in the workers' (the least CAMPAIGN_LEASE_SECONDS may be)
STEP = 2.0  # each step of a message, on a slow port: four steps, two leases


class SlowRecorder(StallingRecorder):
    """Answer each step of a message on the slow ports after STEP seconds."""

    def __init__(self):
        super().__init__()
        self.slow_ports: set[int] = set()
        self.at_rcpt = None  # called (in a thread, its own connection) before RCPT answers
        self.rcpt_reached = threading.Event()
        self.rcpt_port = 0  # the port whose RCPT came first
        self.hold = False  # hold that RCPT's answer until let go (at most 60 s)
        self.let_go = threading.Event()

    async def _slow(self, server) -> None:
        if server.transport.get_extra_info("sockname")[1] in self.slow_ports:
            await asyncio.sleep(STEP)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        await self._slow(server)
        return await super().handle_EHLO(server, session, envelope, hostname, responses)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        await self._slow(server)
        return await super().handle_MAIL(server, session, envelope, address, mail_options)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.rcpt_reached.is_set():
            self.rcpt_port = server.transport.get_extra_info("sockname")[1]
            self.rcpt_reached.set()
        await self._slow(server)
        if self.hold and server.transport.get_extra_info("sockname")[1] == self.rcpt_port:
            self.hold = False
            await asyncio.to_thread(self.let_go.wait, 60)
        if self.at_rcpt:
            await asyncio.to_thread(_in_own_connection, self.at_rcpt, address)
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server, session, envelope):
        await self._slow(server)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def sink():
    sink = Sink()
    sink.recorder = SlowRecorder()
    yield sink
    sink.stop()


@pytest.fixture
def slow(sink, settings):
    """This process sends to a slow port: each step within EMAIL_TIMEOUT, a message > a lease."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.new_port()
    settings.EMAIL_TIMEOUT = 5
    settings.CAMPAIGN_LEASE_SECONDS = LEASE
    sink.recorder.slow_ports.add(settings.EMAIL_PORT)
    return sink.recorder


def _send_while_reaping(campaign: Campaign) -> list[tuple[int, int]]:
    """Send one batch while a thread reaps five times a second; return what it took back."""
    taken_back = []
    done = threading.Event()

    def tick():
        while not done.wait(0.2):
            taken_back.append(reap())

    ticking = threading.Thread(target=tick)
    ticking.start()
    try:
        send_batch(campaign.pk)
    finally:
        done.set()
        ticking.join()
    return taken_back


def test_a_message_slower_than_two_leases_is_sent_once_and_never_taken_back(slow):
    mailable_contacts(1)
    campaign = start_campaign()
    started = time.monotonic()
    taken_back = _send_while_reaping(campaign)
    took = time.monotonic() - started
    assert took > 2 * LEASE  # four slow steps: the fault happened
    assert set(taken_back) == {(0, 0)}, "the reaper took rows from a live worker"
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert list(slow.received().values()) == [1]


@pytest.mark.parametrize(
    ("answer", "status"),
    [("451", "pending"), ("550", "failed")],
    ids=["4xx: back in the queue", "5xx: failed"],
)
def test_the_servers_answer_is_written_even_after_the_reaper_took_the_row(slow, answer, status):
    """Renewals failing for a whole lease (here, forced): the reaper makes the row unknown
    and the campaign looks done; then the server answers, and its answer is what counts."""
    (address,) = mailable_contacts(1)
    campaign = start_campaign()
    slow.faults[address] = [answer, 1]
    reaped = []

    def lease_runs_out(_address):
        with transaction.atomic():  # the renewing thread skips the row meanwhile
            Delivery.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
            reaped.append(reap())
        reaped.append(services.finish_if_done(Campaign.objects.get(pk=campaign.pk)))

    slow.at_rcpt = lease_runs_out
    send_batch(campaign.pk)
    assert reaped == [(0, 1), True]  # the row was unknown, the campaign sent, meanwhile
    row = Delivery.objects.get()
    assert (row.status, row.error[:3]) == (status, answer)
    assert slow.received() == {}
    if status == "pending":  # the server took nothing: sent later, once; the campaign open
        assert (row.claim, row.attempts) == ("", 1)
        assert Campaign.objects.get(pk=campaign.pk).status == "sending"
    else:
        assert row.bounced_at is not None
        assert Campaign.objects.get(pk=campaign.pk).status == "sent"


def test_a_worker_killed_in_a_slow_exchange_loses_its_rows_within_a_lease_and_a_tick(
    sink, tmp_path
):
    addresses = mailable_contacts(6)
    # Each step within EMAIL_TIMEOUT, however long the test holds RCPT.
    workers = Workers(sink, tmp_path, CAMPAIGN_TICK_SECONDS="1",
                      CAMPAIGN_LEASE_SECONDS=str(WORKER_LEASE), CAMPAIGN_HANDOVER_GROUP="2",
                      EMAIL_TIMEOUT="90")  # fmt: skip
    recorder = sink.recorder
    recorder.hold = True
    try:
        workers.beat()
        pair = [workers.worker(), workers.worker()]
        recorder.slow_ports.update(w.port for w in pair)
        campaign = start_campaign()
        assert recorder.rcpt_reached.wait(60), "no worker reached RCPT"
        reached = time.monotonic()
        (slow,) = [w for w in pair if w.port == recorder.rcpt_port]
        (other,) = [w for w in pair if w is not slow]
        recorder.slow_ports.discard(other.port)
        log = tmp_path / f"{other.name}.log"
        wait_for(lambda: " ready." in log.read_text(), 60, "the other worker to be ready")
        # EHLO and MAIL answered slowly, RCPT held: more than a lease since the hand-over,
        # the beat reaping every second, and the worker still holds every row.
        time.sleep(max(0.0, reached + WORKER_LEASE + 1 - time.monotonic()))
        rows = Delivery.objects.filter(campaign=campaign)
        assert set(rows.values_list("status", flat=True)) == {"claimed", "sending"}
        (token,) = set(rows.values_list("claim", flat=True))
        killed_at = kill(slow)
        recorder.let_go.set()

        def back():
            return not rows.filter(claim=token, status__in=["claimed", "sending"]).exists()

        wait_for(back, 30, "the dead worker's rows to come back")
        came_back = time.time() - killed_at
        wait_for(lambda: finished(campaign), 60, "the campaign to finish")
    finally:
        recorder.let_go.set()
        workers.stop_all()
    counts = recorder.received()
    statuses = dict(rows.values_list("email", "status"))
    unknown = {email for email, s in statuses.items() if s == "unknown"}
    print({"came back after": round(came_back, 1), "unknown": len(unknown)})
    assert max(counts.values()) == 1, "someone received the campaign twice"
    assert len(unknown) == 2 and not unknown & set(counts)  # the group it was handing over
    assert set(counts) == addresses - unknown
    # A lease and a tick (1 s), and a margin for a busy machine.
    assert came_back < WORKER_LEASE + 1 + 3, "a dead worker's rows took more than a lease"
