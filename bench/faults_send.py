"""What a worker killed mid-campaign costs, with Carnet's default lease, tick and batch.

Two real `celery -A crm worker` processes (solo pool) and a beat, on PostgreSQL and Redis,
send a campaign to N contacts (10,000) to an SMTP sink on loopback; a worker is SIGKILLed
at each step of a delivery's life: right after a claim, after a hand-over, after the SMTP
server accepted messages the worker had not yet recorded (a new worker replaces each).
For each run it reports messages received twice, rows not terminal, contacts forgotten,
the `unknown` rows of each kill (and how many of those were received), and the time from
each kill to the first send of a row the dead worker had claimed and not reached. The
scenario is the proof suite's (tests/faults/sending_support.py, where the lease is 10 s
and the tick 1 s to keep the test short); here the settings are Carnet's defaults.

It needs PostgreSQL (BENCH_POSTGRES_URL, a superuser: it creates and drops
carnet_bench_faults_*) and `redis-server` (it starts a private one on a free port).

    .venv/bin/python bench/faults_send.py [--contacts 10000] [--repeat 1]
"""

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # Carnet's apps, by source
from children import postgres_database, run_child
from send import setup_django


def child(contacts: int, repeat: int) -> None:
    from django.core.management import call_command

    setup_django()
    call_command("migrate", verbosity=0)
    from django.conf import settings

    from campaigns.models import Campaign
    from contacts.models import Contact
    from tests.faults.sending_support import (
        Sink,
        Workers,
        kill_at_each_step,
        mailable_contacts,
        outcome,
    )

    runs = []
    for run in range(repeat):
        Campaign.objects.all().delete()
        Contact.objects.all().delete()
        addresses = mailable_contacts(contacts)
        sink = Sink()
        log_dir = Path(os.environ["VAR_DIR"]) / f"run-{run}"
        log_dir.mkdir()
        workers = Workers(sink, log_dir)
        try:
            kills = kill_at_each_step(sink, workers, finish_within=900)
        finally:
            workers.stop_all()
            sink.stop()
        runs.append(outcome(sink, addresses, kills))
    names = ("LEASE_SECONDS", "TICK_SECONDS", "BATCH_SIZE", "HANDOVER_GROUP")
    used = {name: getattr(settings, f"CAMPAIGN_{name}") for name in names}
    print(json.dumps({"settings": used, "runs": runs}))


def report(contacts: int, result: dict) -> None:
    used, runs = result["settings"], result["runs"]
    print(f"A worker SIGKILLed at each step, campaign to {contacts} contacts, two celery"
          f" workers (solo), PostgreSQL + Redis, SMTP sink on loopback; lease"
          f" {used['LEASE_SECONDS']} s, tick {used['TICK_SECONDS']} s, batch"
          f" {used['BATCH_SIZE']}, group {used['HANDOVER_GROUP']}")  # fmt: skip
    for n, run in enumerate(runs, 1):
        print(f"  run {n}: received twice {run['received twice']}, not terminal"
              f" {run['not terminal']}, forgotten {run['forgotten']}, unknown"
              f" {run['unknown']}")  # fmt: skip
        for step, figures in run["steps"].items():
            print(f"    killed {step:<12} unknown {figures['unknown']} (received"
                  f" {figures['received']}), {figures['not reached']} rows not reached,"
                  f" sent again {figures['resumed after']} s after the kill")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.contacts, args.repeat)
        return
    with (
        tempfile.TemporaryDirectory() as tmp,
        private_redis() as redis_url,
        postgres_database(f"carnet_bench_faults_{os.getpid()}") as url,
    ):
        env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "VAR_DIR": tmp,
               "DEBUG": "false", "LOG_LEVEL": "WARNING", "SEND_RATE_PER_SECOND": "0",
               "SEND_RATE_PER_HOUR": "0"}  # fmt: skip
        for name in ("LEASE_SECONDS", "TICK_SECONDS", "BATCH_SIZE", "HANDOVER_GROUP"):
            env.pop(f"CAMPAIGN_{name}", None)  # Carnet's defaults
        result = run_child(__file__, ["--contacts", str(args.contacts),
                                      "--repeat", str(args.repeat)], env)  # fmt: skip
    report(args.contacts, result)


@contextlib.contextmanager
def private_redis():
    """Start a redis-server of our own on a free loopback port; yield its URL; stop it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no"], stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
