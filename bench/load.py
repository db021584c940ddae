"""One-click unsubscribes, ESP webhooks and sign-ups under load, from wrk on loopback.

Carnet's web app runs under gunicorn (sync workers) on a PostgreSQL database of its own
(carnet_bench_load, created and dropped; BENCH_POSTGRES_URL names a superuser), a Redis of
its own (a redis-server on a free port, saving nothing) and a real Celery worker that sends
the sign-ups' confirmation emails to an SMTP sink on loopback. wrk, in a second process,
posts each kind of request at --rate per second for --seconds (bench/load.lua paces it;
every request is a different one, prepared beforehand):

- unsubscribe: the RFC 8058 one-click POST (`List-Unsubscribe=One-Click`) of a campaign's
  recipient, each with its own signed link;
- webhook: a Mailgun "delivered" event about one of that campaign's messages, each signed
  with a fresh timestamp and token (basic auth too, as Carnet requires), JSON as Mailgun
  posts it;
- signup: the public sign-up form, each with a new address. Two guards are met as real
  visitors meet them, and said so: the page's stamp is fetched once and the run starts
  after MIN_FILL_SECONDS (3 s), as a person takes at least that; and each POST comes from
  an address of its own in X-Forwarded-For, read because the web app is told it stands
  behind one proxy (TRUSTED_PROXY_COUNT=1, as behind nginx), so the limit of 10 sign-ups
  per address and hour counts each visitor apart. The limits themselves are not changed.

It prints, for each, the rate achieved, the latencies (p50, p95, p99, max), the errors
(connections, timeouts, HTTP statuses of 400 and above) and what was recorded against what
was answered: every unsubscribe answered is an unsubscribed contact, every webhook a stored
event, every sign-up a Signup row; "lost" counts answers with no record. Requests still in
flight when wrk stops may be recorded without an answer counted; "sent" bounds them.

    .venv/bin/python bench/load.py [--rate 200] [--seconds 60] [--workers 4]
                                   [--kinds unsubscribe,webhook,signup]
"""

import argparse
import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # Carnet's apps, by source
from children import ROOT, postgres_database, psql
from send import _wait_for_worker, create_contacts, make_campaign, setup_django

from tests.faults.services_support import PrivateRedis

KINDS = ("unsubscribe", "webhook", "signup")
DATABASE = "carnet_bench_load"
WEBHOOK_USER, WEBHOOK_PASSWORD = "carnet", "bench-webhook-secret"
SIGNING_KEY = "key-bench-load"
SLACK = 1.5  # requests prepared per request the schedule may send
SETTLE_SECONDS = 5


class Sink:
    """An SMTP server on loopback that counts what it receives."""

    def __init__(self):
        self.lock, self.recipients = threading.Lock(), []

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.recipients += envelope.rcpt_tos
        return "250 OK"

    def start(self) -> int:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())
        self.controller.start()
        return self.controller.port


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(condition, seconds: float, what: str) -> float:
    """Wait for condition(); return the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            raise RuntimeError(f"still waiting for {what} after {seconds} s")
        time.sleep(0.2)
    return time.monotonic() - start


class Stack:
    """Redis, the web app and a worker on the bench database; an SMTP sink."""

    def __init__(self, folder: Path, database_url: str, workers: int):
        self.folder, self.workers, self.processes = folder, workers, {}
        self.sink = Sink()
        self.redis, self.web_port = PrivateRedis(folder), free_port()
        self.base = f"http://127.0.0.1:{self.web_port}"
        os.environ.update(
            {
                "DATABASE_URL": database_url,
                "REDIS_URL": self.redis.url,
                "VAR_DIR": str(folder / "var"),
                "SECRET_KEY": "bench-load-" + "k" * 40,
                "DEBUG": "false",
                "LOG_LEVEL": "WARNING",
                "SITE_URL": self.base,
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(self.sink.start()),
                "ANYMAIL_WEBHOOK_SECRET": f"{WEBHOOK_USER}:{WEBHOOK_PASSWORD}",
                "ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY,
                "TRUSTED_PROXY_COUNT": "1",  # the sign-ups' X-Forwarded-For: see above
            }
        )

    def spawn(self, name: str, command: list[str]) -> None:
        log = (self.folder / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=os.environ
        )

    def start(self) -> None:
        from crm.celery import app

        self.redis.start()
        web = f"gunicorn crm.wsgi --bind 127.0.0.1:{self.web_port} --workers {self.workers}"
        self.spawn("web", [sys.executable, "-m", *web.split(), "--timeout", "30"])
        worker = "celery -A crm worker --pool=solo --loglevel=WARNING"
        self.spawn("worker", [sys.executable, "-m", *worker.split()])
        _wait_for_worker(app, self.processes["worker"], self.folder / "worker.log")
        wait(lambda: answers(f"{self.base}/inscription/"), 60, "the web app")

    def stop(self) -> None:
        for process in reversed(self.processes.values()):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.redis.process is not None:
            self.redis.stop()
        self.sink.controller.stop()


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user and system) of a process and its children, as they are."""
    return _cpu([pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())])


def database_cpu_seconds() -> float:
    """Return the CPU time of the PostgreSQL backends serving the bench database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return _cpu([pid for (pid,) in cursor.fetchall()])


def _cpu(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError):  # a process that has just ended
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


# The people and the campaign the requests are about.


def seed(count: int) -> list:
    """Write `count` customers and a campaign sent to each; return its deliveries."""
    from django.core.management import call_command
    from django.utils import timezone

    from campaigns.models import Campaign, Delivery
    from contacts.models import Contact

    call_command("migrate", verbosity=0)
    create_contacts(count)
    campaign = make_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(status="sent", started_at=timezone.now())
    now = timezone.now()
    Delivery.objects.bulk_create(
        [
            Delivery(
                campaign=campaign,
                contact_id=pk,
                email=email,
                status="sent",
                sent_at=now,
                message_id=f"<{pk}.bench@exemple.fr>",
                esp_message_id=f"<{pk}.bench@mg.exemple.fr>",
            )
            for pk, email in Contact.objects.order_by("pk").values_list("pk", "email")
        ],
        batch_size=5000,
    )
    return list(Delivery.objects.order_by("pk"))


def unsubscribe_requests(deliveries: list) -> tuple[str, list[str]]:
    """One-click POSTs, one per recipient, as a mail program sends them."""
    from django.urls import reverse

    from campaigns.unsubscribe import make_token

    lines = [
        f"{reverse('unsubscribe', args=[make_token(d.contact_id, d.campaign_id)])}\t\t"
        "List-Unsubscribe=One-Click"
        for d in deliveries
    ]
    return "application/x-www-form-urlencoded\t", lines


def webhook_requests(deliveries: list) -> tuple[str, list[str]]:
    """Mailgun's "delivered" events, one per message, each freshly signed."""
    auth = base64.b64encode(f"{WEBHOOK_USER}:{WEBHOOK_PASSWORD}".encode()).decode()
    lines = []
    for d in deliveries:
        timestamp, token = str(int(time.time())), os.urandom(25).hex()
        signature = hmac.new(
            SIGNING_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256
        ).hexdigest()
        event = {
            "signature": {"timestamp": timestamp, "token": token, "signature": signature},
            "event-data": {
                "event": "delivered",
                "timestamp": time.time(),
                "id": f"ev{d.pk}",
                "recipient": d.email,
                "message": {"headers": {"message-id": d.esp_message_id.strip("<>")}},
            },
        }
        lines.append(f"/webhooks/mailgun/tracking/\t\t{json.dumps(event, separators=(',', ':'))}")
    return f"application/json\tBasic {auth}", lines


def signup_requests(base: str, count: int) -> tuple[str, list[str]]:
    """Sign-ups of new addresses, each from its own IP, with the page's stamp."""
    from audience.forms import MIN_FILL_SECONDS  # a sign-up sooner after the page: a bot's

    with urllib.request.urlopen(f"{base}/inscription/", timeout=30) as response:
        page = response.read().decode()
    stamp = re.search(r'name="stamp" value="([^"]+)"', page).group(1)
    time.sleep(MIN_FILL_SECONDS + 0.5)  # from the page's answer: its stamp is older still
    fields = {
        "first_name": "Lectrice",
        "last_name": "",
        "phone": "",
        "consent": "on",
        "website": "",
        "stamp": stamp,
    }
    lines = [
        f"/inscription/\t10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}\t"
        + urllib.parse.urlencode({**fields, "email": f"lectrice{i}@exemple.org"})
        for i in range(count)
    ]
    return "application/x-www-form-urlencoded\t", lines


def recorded(kind: str) -> int:
    from audience.models import Signup
    from campaigns.models import TrackingEvent
    from contacts.models import Contact

    match kind:
        case "unsubscribe":
            return Contact.objects.filter(email_status="unsubscribed").count()
        case "webhook":
            return TrackingEvent.objects.filter(delivery__isnull=False).count()
        case "signup":
            return Signup.objects.count()


def run_wrk(stack: Stack, kind: str, requests: tuple[str, list[str]], args) -> dict:
    header, lines = requests
    path = stack.folder / f"{kind}.requests"
    path.write_text(header + "\n" + "\n".join(lines) + "\n")
    before, web = recorded(kind), stack.processes["web"].pid
    cpu, database_cpu = cpu_seconds(web), database_cpu_seconds()
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{args.connections}",
            f"-d{args.seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(Path(__file__).with_name("load.lua")),
            stack.base,
            "--",
            str(path),
            str(args.rate),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.split("RESULT ", 1)[1].splitlines()[0])
    result["sent"] -= 1  # wrk asks the script for one request before it starts, never sent
    assert result["sent"] < len(lines), "the prepared requests ran out: raise SLACK"
    time.sleep(SETTLE_SECONDS)  # the requests wrk left in flight: answered, or not, by now
    result["recorded"] = recorded(kind) - before
    answered = max(1, result["completed"])
    result["cpu_ms"] = (cpu_seconds(web) - cpu) * 1000 / answered
    result["db_ms"] = (database_cpu_seconds() - database_cpu) * 1000 / answered
    return result


def report(kind: str, r: dict, rate: int) -> str:
    errors = r["connect"] + r["read"] + r["write"] + r["timeout"] + r["status"]
    answered = r["completed"] - r["status"]  # answered with a status below 400
    lost = max(0, answered - r["recorded"])
    ms = [f"{r[p] / 1000:8.1f}" for p in ("p50", "p95", "p99", "max")]
    # CPU ms: the web app's CPU time (every gunicorn process) per request answered; DB ms:
    # its PostgreSQL backends' (the worker's too). Other work on the machine changes them
    # far less than the latencies.
    return (
        f"{kind:<12}{rate:>6}{r['completed'] / r['seconds']:>9.1f}{r['completed']:>8}"
        f"{errors:>7}{''.join(ms)}{r['recorded']:>9}{r['sent']:>7}{lost:>6}"
        f"{r['cpu_ms']:>9.1f}{r['db_ms']:>7.1f}"
    )


HEADER = (
    f"{'':<12}{'asked':>6}{'rate':>9}{'done':>8}{'errors':>7}{'p50 ms':>8}"
    f"{'p95 ms':>8}{'p99 ms':>8}{'max ms':>8}{'recorded':>9}{'sent':>7}{'lost':>6}"
    f"{'CPU ms':>9}{'DB ms':>7}"
)


def bench(args, folder: Path, database_url: str) -> None:
    stack = Stack(folder, database_url, args.workers)
    try:
        setup_django()
        deliveries = seed(int(args.rate * args.seconds * SLACK) + args.connections)
        stack.start()
        print(
            f"wrk -t1 -c{args.connections}, {args.rate} requests/s for {args.seconds} s each; "
            f"gunicorn {args.workers} sync workers, a Celery worker; "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        print(HEADER, flush=True)
        makers = {
            "unsubscribe": lambda: unsubscribe_requests(deliveries),
            "webhook": lambda: webhook_requests(deliveries),
            "signup": lambda: signup_requests(stack.base, len(deliveries)),
        }
        for kind in args.kinds.split(","):
            requests = makers[kind]()
            print(report(kind, run_wrk(stack, kind, requests, args), args.rate), flush=True)
        confirmations(stack, args)
    finally:
        stack.stop()


def confirmations(stack: Stack, args) -> None:
    """Wait (bounded) for the worker to send every sign-up's confirmation email."""
    if "signup" not in args.kinds:
        return
    from audience.models import Signup

    signups = Signup.objects.count()
    try:
        took = wait(lambda: len(stack.sink.recipients) >= signups, args.drain, "the emails")
        when = f"the last {took:.0f} s after the run"
    except RuntimeError:
        when = f"{args.drain} s after the run"
    received = stack.sink.recipients
    twice = len(received) - len(set(received))
    waiting = stack.redis.client().llen("celery")  # tasks the worker has not taken yet
    print(
        f"confirmation emails: {len(received)} received by the sink for {signups} sign-ups, "
        f"{when}; {twice} received twice; {waiting} tasks still queued in Redis"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=int, default=200, help="requests per second")
    parser.add_argument("--seconds", type=int, default=60, help="of each kind")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--workers", type=int, default=4, help="gunicorn's")
    parser.add_argument("--connections", type=int, default=32, help="wrk's")
    parser.add_argument("--drain", type=int, default=120, help="seconds to wait for emails")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench/load.py needs wrk (Debian: apt-get install wrk)")
    psql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')  # a run stopped midway
    with (
        tempfile.TemporaryDirectory(prefix="carnet-bench-load-") as folder,
        postgres_database(DATABASE) as database_url,
    ):
        bench(args, Path(folder), database_url)


if __name__ == "__main__":
    main()
