"""How fast the outage notice reaches the SMTP server, alone and behind a big campaign.

With a real `celery -A crm worker` (solo pool, Carnet's default batch settings) on
PostgreSQL and Redis, sending to an SMTP sink on loopback (aiosmtpd, which notes when each
message arrives), it times, from the confirmation (`news.outage.send`, what the admin's
"Envoyer maintenant" and `manage.py outage_notice` call) to the notice's first message at
the sink:

- alone: no other campaign is sending;
- behind: a campaign to every contact is already sending (in full flow) when the notice
  is confirmed; the difference is what that campaign delays the notice, and the messages
  of that campaign the sink received in between say how soon it gave way.

It needs PostgreSQL (BENCH_POSTGRES_URL, a superuser: it creates and drops
carnet_bench_outage_*) and an empty Redis database among 1 to 15 (at BENCH_REDIS_URL).

    .venv/bin/python bench/outage.py [--contacts 10000] [--repeat 3]
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # Carnet's apps, by source
from children import ROOT, postgres_database, run_child
from send import (
    _redis_db,
    _wait_for_worker,
    create_contacts,
    make_campaign,
    setup_django,
    sign_as_business,
)

NOTICE = b"Subject: Important : comment nous joindre en ce moment"


class Sink:
    """An SMTP server on loopback that notes when the notice's first message arrives."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.first_notice = None
            self.notices = self.others = self.others_before_notice = 0

    async def handle_DATA(self, server, session, envelope):
        now = time.perf_counter()
        with self.lock:
            if NOTICE in envelope.original_content:
                self.notices += 1
                self.first_notice = self.first_notice or now
            else:
                self.others += 1
                self.others_before_notice += self.first_notice is None
        return "250 OK"

    def start(self) -> int:
        from aiosmtpd.controller import Controller

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=port)
        self.controller.start()
        return self.controller.port


def wait(condition, seconds: float, what: str) -> None:
    deadline = time.perf_counter() + seconds
    while not condition():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"still waiting for {what} after {seconds} s")
        time.sleep(0.002)


def confirm_and_time(sink: Sink) -> dict:
    """Send the notice as the admin's button does; return the seconds to its first message."""
    from news import outage

    start = time.perf_counter()
    notice = outage.send("fr")
    created = time.perf_counter()
    with sink.lock:
        at_commit = sink.others  # the notice exists for the workers from here on
    wait(lambda: sink.first_notice is not None, 60, "the notice's first message")
    return {"notice": notice, "fan_out": created - start, "first": sink.first_notice - start,
            "at_commit": at_commit}  # fmt: skip


def alone(sink: Sink, contacts: int) -> dict:
    from campaigns import services

    sink.reset()
    r = confirm_and_time(sink)
    stop(services, r["notice"])
    return {"first": r["first"], "fan_out": r["fan_out"]}


def stop(services, *campaigns) -> None:
    """Pause what was started (not cancel: that rewrites rows under the worker's feet)."""
    for campaign in campaigns:
        services.pause(campaign)
    time.sleep(1)  # the worker's batch stops at its next check


def behind_a_campaign(sink: Sink, contacts: int) -> dict:
    from campaigns import services

    sink.reset()
    campaign = make_campaign()
    services.schedule(campaign)
    services.start(campaign)
    services.nudge(campaign.pk)
    wait(lambda: sink.others >= contacts // 20, 120, "the campaign to be in full flow")
    r = confirm_and_time(sink)
    stop(services, r["notice"], campaign)
    assert sink.others < contacts, "the campaign ended before the notice was confirmed"
    return {"first": r["first"], "fan_out": r["fan_out"],
            "in_between": sink.others_before_notice - r["at_commit"]}  # fmt: skip


def child(contacts: int, repeat: int) -> None:
    from django.core.management import call_command

    from crm.celery import app

    setup_django()
    call_command("migrate", verbosity=0)
    create_contacts(contacts)
    sign_as_business()
    sink = Sink()
    port = sink.start()
    log = Path(os.environ["VAR_DIR"]) / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool=solo",
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        env={**os.environ, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)},
    )  # fmt: skip
    try:
        _wait_for_worker(app, worker, log)
        runs = [{"alone": alone(sink, contacts), "behind": behind_a_campaign(sink, contacts)}
                for _ in range(repeat)]  # fmt: skip
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    print(json.dumps(runs))


def report(contacts: int, runs: list[dict]) -> None:
    def median(case: str, key: str) -> float:
        return statistics.median(run[case][key] for run in runs)

    alone_s, behind_s = median("alone", "first"), median("behind", "first")
    print(f"Outage notice to {contacts} contacts, one celery worker (solo), PostgreSQL + Redis,"
          f" SMTP sink on loopback; median of {len(runs)} runs")  # fmt: skip
    print(f"  confirmation -> first message, no other campaign: {alone_s:.3f} s"
          f" (fan-out {median('alone', 'fan_out'):.3f} s; target 3 s:"
          f" {'met' if alone_s < 3 else 'missed'})")  # fmt: skip
    print(
        f"  confirmation -> first message, behind a campaign to {contacts} sending:"
        f" {behind_s:.3f} s (target 3 s: {'met' if behind_s < 3 else 'missed'})"
    )
    print(
        f"  delay the sending campaign adds: {behind_s - alone_s:+.3f} s; its messages"
        f" received once the notice was committed, before the notice's first: "
        f"{statistics.median(run['behind']['in_between'] for run in runs):.0f}"
    )
    print("  runs: " + "; ".join(f"{r['alone']['first']:.3f} / {r['behind']['first']:.3f} s"
                                 for r in runs))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.contacts, args.repeat)
        return
    redis_url, redis_client = _redis_db()
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            postgres_database(f"carnet_bench_outage_{os.getpid()}") as url,
        ):
            env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "VAR_DIR": tmp,
                   "DEBUG": "false", "LOG_LEVEL": "WARNING", "SEND_RATE_PER_SECOND": "0",
                   "SEND_RATE_PER_HOUR": "0"}  # fmt: skip
            runs = run_child(__file__, ["--contacts", str(args.contacts),
                                        "--repeat", str(args.repeat)], env)  # fmt: skip
    finally:
        redis_client.flushdb()  # it was empty: what the worker and its broker left
    report(args.contacts, runs)


if __name__ == "__main__":
    main()
