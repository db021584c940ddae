"""Real workers sending to an SMTP sink that can stop one of them at a chosen step.

Each worker process sends to a port of its own on one sink, and names itself to
PostgreSQL (`application_name`), so that a test can stop exactly one worker at a step of a
delivery's life, then SIGKILL it:
- claimed: the test locks the companies table; only the claim's read of its rows (the
  contacts' company names) reads it, so a worker blocks right after its claim committed,
  before anything of the batch is handed over (`Workers.block_after_claim`);
- handed over: the sink holds the MAIL command of a group's first message (`stall`), the
  group being `sending` and none of it sent;
- accepted, not recorded: the sink holds the MAIL of a group's fourth message, after
  accepting the first three, which the worker records only with the next hand-over.
Nothing in Carnet's code knows about any of it.
"""

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import psycopg
from aiosmtpd.controller import Controller
from django.db import connection

from campaigns import services
from campaigns.choices import TERMINAL
from campaigns.models import Campaign, Delivery
from contacts.models import Company, Contact
from crm.celery import app as celery_app
from tests.campaigns.conftest import make_campaign
from tests.campaigns.smtp import Recorder, free_port
from tests.helpers import ROOT, child_env, database_url, start_celery, stop

STALL_SECONDS = 60  # a stalled command is let go after this, killed or not
# A worker whose broker connection has transport options of the test's (Celery's own API).
_WITH_OPTIONS = """import json, sys
from crm.celery import app
app.conf.broker_transport_options = json.loads(sys.argv[1])
app.worker_main(sys.argv[2:])
"""


@dataclass
class Stall:
    port: int
    at_message: int  # the index, in its session, of the message whose MAIL is held
    reached: threading.Event = field(default_factory=threading.Event)
    let_go: threading.Event = field(default_factory=threading.Event)
    accepted: list[str] = field(default_factory=list)  # the session's messages before it


class StallingRecorder(Recorder):
    """A recorder that can hold one worker's connection at a message of its session."""

    stall: Stall | None = None

    def arm(self, port: int, at_message: int) -> Stall:
        self.stall = Stall(port, at_message)
        return self.stall

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        stall = self.stall
        accepted = getattr(session, "accepted", [])
        port = server.transport.get_extra_info("sockname")[1]
        if stall and stall.port == port and len(accepted) == stall.at_message:
            self.stall = None
            stall.accepted = list(accepted)
            stall.reached.set()
            # Held until the test, having killed the worker, lets go (bounded).
            await asyncio.to_thread(stall.let_go.wait, STALL_SECONDS)
        return await super().handle_MAIL(server, session, envelope, address, mail_options)

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if answer.startswith("250"):
            session.accepted = [*getattr(session, "accepted", []), *envelope.rcpt_tos]
        return answer

    def received(self) -> Counter:
        with self.lock:
            return Counter(r for m in self.messages for r in m.recipients)

    def first_arrival(self, addresses: set[str]) -> float | None:
        with self.lock:
            times = [m.at for m in self.messages if addresses & set(m.recipients)]
        return min(times, default=None)


class Sink:
    """One recorder listening on a port per worker, on 127.0.0.1."""

    def __init__(self):
        self.recorder = StallingRecorder()
        self.controllers: list[Controller] = []

    def new_port(self) -> int:
        controller = Controller(self.recorder, hostname="127.0.0.1", port=free_port())
        controller.start()
        self.controllers.append(controller)
        return controller.port

    def stop(self) -> None:
        for controller in self.controllers:
            controller.stop()


@dataclass
class Worker:
    name: str
    port: int
    process: subprocess.Popen


class Workers:
    """Celery workers (solo pool) and a beat, each worker on its own sink port."""

    def __init__(self, sink: Sink, log_dir, **env: str):
        self.sink = sink
        self.log_dir = log_dir
        self.env = {"EMAIL_HOST": "127.0.0.1", "SITE_URL": "http://127.0.0.1:8000", **env}
        self.started: list[tuple[subprocess.Popen, object]] = []
        self.count = 0
        celery_app.control.purge()  # tasks queued by earlier tests are not ours

    def _start(self, args: list[str], name: str, options=None, **env: str) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "w")  # noqa: SIM115 (closed in stop_all)
        if options is None:
            process = start_celery(*args, "--loglevel=INFO", log=log, **self.env, **env)
        else:  # the broker's transport options, which no setting of Carnet's sets
            process = subprocess.Popen(
                [sys.executable, "-c", _WITH_OPTIONS, json.dumps(options), *args,
                 "--loglevel=INFO"],
                cwd=ROOT, env=child_env(**self.env, **env), stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.started.append((process, log))
        return process

    def logs(self) -> str:
        return "".join(path.read_text() for path in sorted(self.log_dir.glob("*.log")))

    def beat(self) -> subprocess.Popen:
        self.count += 1
        url = database_url(connection.settings_dict)
        name = f"beat-{self.count}"
        schedule = str(self.log_dir / f"{name}-schedule")
        return self._start(["beat", "--schedule", schedule], name, DATABASE_URL=url)

    def worker(self, transport_options: dict | None = None) -> Worker:
        self.count += 1
        name = f"carnet-worker-{self.count}"
        port = self.sink.new_port()
        url = f"{database_url(connection.settings_dict)}?application_name={name}"
        args = ["worker", "--pool=solo", "--hostname", f"{name}@%h"]
        process = self._start(args, name, transport_options, DATABASE_URL=url,
                              EMAIL_PORT=str(port))  # fmt: skip
        return Worker(name, port, process)

    def stop_all(self) -> None:
        for process, log in self.started:
            if process.poll() is None:
                stop(process)
            log.close()


def kill(worker: Worker) -> float:
    """SIGKILL the worker; return when (time.time(), the sink's clock)."""
    os.kill(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)
    return time.time()


def admin_connection(autocommit: bool = False) -> psycopg.Connection:
    """Return a connection of the test's own to the test database, outside Django."""
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "localhost", port=settings["PORT"] or 5432,
        user=settings["USER"], password=settings["PASSWORD"] or None,
        dbname=settings["NAME"], autocommit=autocommit,
    )  # fmt: skip


_TOKEN = re.compile(r"""claim"? = '([0-9a-f]{32})'""")


class AfterClaim:
    """Block every worker right after its next claim; say which token `worker` claimed."""

    def __init__(self):
        self.lock = admin_connection()
        self.lock.execute(f"LOCK TABLE {Company._meta.db_table} IN ACCESS EXCLUSIVE MODE")

    def token_of(self, worker: Worker, seconds: float = 30) -> str:
        deadline = time.monotonic() + seconds
        with admin_connection(autocommit=True) as watch:
            while time.monotonic() < deadline:
                row = watch.execute(
                    "SELECT query FROM pg_stat_activity WHERE application_name = %s "
                    "AND wait_event_type = 'Lock'",
                    [worker.name],
                ).fetchone()
                found = row and _TOKEN.search(row[0])
                if found:
                    return found.group(1)
                time.sleep(0.05)
        raise AssertionError(f"{worker.name} never blocked after a claim")

    def release(self) -> None:
        self.lock.rollback()
        self.lock.close()


def mailable_contacts(count: int) -> set[str]:
    """Write `count` contacts who may be emailed, in bulk; return their addresses."""
    addresses = [f"client{i:05d}@exemple.fr" for i in range(count)]
    Contact.objects.bulk_create(
        [Contact(first_name="Client", email=a, email_status="subscribed",
                 consent_basis="customer") for a in addresses],
        batch_size=1000,
    )  # fmt: skip
    return set(addresses)


def start_campaign() -> Campaign:
    """A campaign to every mailable contact, started and nudged as the tick would."""
    campaign = make_campaign()
    services.schedule(campaign)
    services.start(campaign)
    services.nudge(campaign.pk)
    return campaign


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting, after {seconds} s, for {what}")
        time.sleep(0.1)


def finished(campaign: Campaign) -> bool:
    return Campaign.objects.get(pk=campaign.pk).status == "sent"


def addresses_of(token: str, *statuses: str) -> set[str]:
    """Return the addresses of the rows a claim took (in these statuses)."""
    rows = Delivery.objects.filter(claim=token)
    if statuses:
        rows = rows.filter(status__in=statuses)
    return set(rows.values_list("email", flat=True))


def token_of_address(address: str) -> str:
    return Delivery.objects.get(email=address).claim


GROUP = 8  # CAMPAIGN_HANDOVER_GROUP's default: at most this many unknown per killed worker


@dataclass
class Kill:
    step: str
    token: str  # the dead worker's claim
    waiting: set[str]  # the addresses it had claimed and not reached
    at: float  # when, on the sink's clock


def kill_at_each_step(sink: Sink, workers: Workers, finish_within: float) -> list[Kill]:
    """Send a campaign to every contact with two workers, killing one at each step.

    1. claimed: a worker blocked right after its claim committed;
    2. handed over: a group `sending`, none of it sent;
    3. accepted: three messages of the group accepted by the server, not yet recorded.
    A new worker replaces each one killed. Return once the campaign is sent.
    """
    workers.beat()
    a, b = workers.worker(), workers.worker()
    campaign = start_campaign()
    wait_for(lambda: sink.recorder.received().total() >= 300, 90, "the campaign in full flow")
    blocked = AfterClaim()
    try:
        token = blocked.token_of(a)
        kills = [Kill("claimed", token, addresses_of(token, "claimed"), kill(a))]
    finally:
        blocked.release()
    a = workers.worker()
    b, killed = _stop_and_kill(sink, workers, b, "handed over", at_message=2 * GROUP)
    kills.append(killed)
    a, killed = _stop_and_kill(sink, workers, a, "accepted", at_message=2 * GROUP + 3)
    kills.append(killed)
    wait_for(lambda: finished(campaign), finish_within, "the campaign to finish after the kills")
    return kills


def _stop_and_kill(sink: Sink, workers: Workers, worker: Worker, step: str, at_message: int):
    """Hold `worker` at a message of its next batch, SIGKILL it, start another worker."""
    stall = sink.recorder.arm(worker.port, at_message)
    assert stall.reached.wait(STALL_SECONDS), f"{worker.name} never reached {at_message}"
    at = kill(worker)
    stall.let_go.set()
    token = token_of_address(stall.accepted[0])
    return workers.worker(), Kill(step, token, addresses_of(token, "claimed"), at)


def outcome(sink: Sink, addresses: set[str], kills: list[Kill]) -> dict:
    """Say what the kills cost: messages twice, rows left open or forgotten, unknown rows,
    and for each kill, the time from it to the first send of a row the dead worker held."""
    counts = sink.recorder.received()
    rows = dict(Delivery.objects.values_list("email", "status"))
    unknown = {email for email, status in rows.items() if status == "unknown"}
    steps = {}
    for k in kills:
        lost = unknown & addresses_of(k.token)  # an unknown row keeps the claim that lost it
        steps[k.step] = {
            "not reached": len(k.waiting), "unknown": len(lost),
            "received": len(lost & set(counts)),
            "resumed after": round(sink.recorder.first_arrival(k.waiting) - k.at, 1),
        }  # fmt: skip
    return {
        "received twice": sum(1 for n in counts.values() if n > 1),
        "not terminal": sum(1 for status in rows.values() if status not in TERMINAL),
        "forgotten": len(addresses - set(counts) - unknown),
        "strangers": len(set(counts) - addresses),
        "recorded sent, not received": sum(
            1 for email, status in rows.items() if status == "sent" and email not in counts
        ),
        "unknown": len(unknown),
        "steps": steps,
    }
