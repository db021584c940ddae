"""Send a personalised campaign with Carnet, with django-post_office, and at the limit.

Every tool sends the same messages to Postfix's smtp-sink on loopback, in processes of its
own, each on a fresh PostgreSQL database holding the same mailable contacts:

- carnet: the campaign's fan-out (`services.start`, one INSERT … SELECT) then the loop a
  worker runs (`send_batch` until it claims nothing), in one process, then
  `finish_if_done`. Each message is rendered for its recipient, carries a signed
  unsubscribe link of its own and goes through the delivery ledger (claim, hand-over,
  record).
- celery: the same through a real `celery -A crm worker --pool=solo` on Redis, from the
  beat tick that starts the campaign until the campaign is marked sent.
- post_office: django-post_office 3.12, one process: the contacts read, each message
  rendered (the same templates, compiled once) with its unsubscribe link, queued with
  `mail.send_many`, then `mail.send_queued(processes=1)` until the queue is empty.
  Its settings: bench/send_peer_settings.py, post_office's defaults but a BATCH_SIZE of
  1000 (--peer-batch; its default of 100 makes it some 20 % slower here, and 2000 to
  20000 no faster) and its 5 threads (--peer-threads).
- limit: the same messages as Carnet would write them, serialised before the clock
  starts, over one `smtplib` connection.

It prints, for each, the seconds spent queueing (Carnet's fan-out, post_office's
rendering and send_many) and sending, messages per second over both, what smtp-sink
received (every run must deliver every message), the ratios to the targets (Carnet at
least 2x post_office and 40 % of the limit; "sending alone" compares the send columns)
and the fan-out's seconds (target: 1,000,000 recipients in under 30 s). It needs
PostgreSQL (BENCH_POSTGRES_URL, a superuser: it creates and drops carnet_bench_send_*),
Postfix's smtp-sink, and for the worker an empty Redis database among 1 to 15 (at
BENCH_REDIS_URL).

    .venv/bin/python bench/send.py [--messages 20000] [--repeat 1]
                                   [--tools carnet,celery,post_office,limit]
    .venv/bin/python bench/send.py --messages 0 --fanout 1000000

On a busy machine, --repeat 3 runs each tool three times, round after round, and counts
each one's fastest run.
"""

import argparse
import json
import os
import re
import resource
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from children import ROOT, postgres_database, run_child

REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
SMTP_SINK = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
TOOLS = ("carnet", "celery", "post_office", "limit")
LABELS = {
    "carnet": "carnet, one process",
    "celery": "carnet, celery worker",
    "post_office": "django-post_office 3.12",
    "limit": "limit, one smtplib conn.",
}

FROM_NAME = "Boulangerie Lefèvre"
FROM_EMAIL = "nouvelles@boulangerie-lefevre.fr"
SUBJECT = "{{ first_name }}, nos soldes commencent"
HTML = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Nos soldes d'hiver</title></head>
<body style="font-family:Georgia,serif;color:#222;max-width:600px;margin:auto">
<h1 style="font-size:22px">Les soldes d'hiver de la Boulangerie Lefèvre</h1>
<p>Bonjour {{ first_name }} de {{ company }},</p>
<p>Nos soldes commencent ce samedi à 8 heures et dureront trois semaines. Comme chaque
année, nos clients fidèles en profitent les premiers : vos viennoiseries, nos pains
spéciaux et nos entremets du moment sont à moins 20 % pendant toute la première semaine,
en boutique comme sur notre site.</p>
<p>Cette saison, notre chef pâtissier vous propose aussi une galette des rois à la
frangipane et aux poires, une brioche feuilletée au sucre perlé et un pain de seigle aux
noix, cuits chaque matin au levain naturel, avec des farines de meuniers de la région.</p>
<p>Pour les entreprises, nous livrons les plateaux de petit-déjeuner et les buffets
d'après-midi du lundi au vendredi, dès dix personnes ; commandez la veille avant 16 heures
et nous nous occupons du reste, jusqu'à la mise en place.</p>
<p style="text-align:center"><a href="https://boulangerie-lefevre.fr/soldes"
style="background:#8b4513;color:#fff;padding:10px 18px;text-decoration:none">Voir les
soldes</a></p>
<p>À très bientôt en boutique,<br>Claire et Mathieu Lefèvre</p>
<p style="font-size:12px;color:#666">Boulangerie Lefèvre, 12 rue des Granges, 25000
Besançon. Vous recevez ce message parce que vous êtes client de la boulangerie.
<a href="{{ unsubscribe_url }}">Se désinscrire</a></p>
</body></html>
"""


# The people, the same in every process.


def person(i: int) -> tuple[str, str, str, str]:
    """Return (first name, last name, email, company) of recipient i."""
    return f"Élodie{i}", f"Lefèvre{i}", f"contact{i}@exemple{i % 50}.fr", company(i % COMPANIES)


COMPANIES = 1000


def company(i: int) -> str:
    return f"Fromagerie Vétu {i}"


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    django.setup()


def create_contacts(count: int) -> None:
    """Write `count` mailable contacts with COPY, then VACUUM ANALYZE as autovacuum would."""
    from django.db import connection
    from django.utils import timezone

    from contacts.models import Company, Contact

    companies = Company.objects.bulk_create([Company(name=company(i)) for i in range(COMPANIES)])
    company_ids = [c.pk for c in companies]
    now = timezone.now()
    columns = (
        "first_name",
        "last_name",
        "email",
        "phone",
        "company_id",
        "job_title",
        "city",
        "postcode",
        "country",
        "language",
        "notes",
        "email_status",
        "consent_basis",
        "created_at",
        "updated_at",
    )
    table = Contact._meta.db_table
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for i in range(count):
                first, last, email, _ = person(i)
                copy.write_row(
                    (
                        *(first, last, email, ""),
                        company_ids[i % COMPANIES],
                        *("Gérant", "Besançon", "25000", "FR", "fr", ""),
                        *("subscribed", "customer", now, now),
                    )
                )
        for model in (Company, Contact):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    assert Contact.objects.mailable().count() == count


def sign_as_business() -> None:
    """Fill in « Votre entreprise »: nothing is scheduled or sent without its name and
    postal address."""
    from campaigns.models import Business

    business = Business.load()
    business.name, business.postal_address = FROM_NAME, "12 rue des Granges, 25000 Besançon"
    business.save()


def make_campaign(save: bool = True):
    """Return the campaign the benchmarks send (saved: with the business that signs it)."""
    from campaigns.models import Campaign

    campaign = Campaign(
        name="Soldes d'hiver",
        subject=SUBJECT,
        html_body=HTML,
        from_name=FROM_NAME,
        from_email=FROM_EMAIL,
    )
    campaign.clean()
    if save:
        sign_as_business()
        campaign.save()
    else:
        campaign.pk = 1
    return campaign


def prepare(count: int):
    """Migrate the fresh database, write the contacts and a campaign; return the campaign."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    create_contacts(count)
    return make_campaign()


# The children: each prints one line of JSON.


def child_carnet(count: int) -> dict:
    from campaigns import services
    from campaigns.sending.batch import send_batch

    campaign, queue_seconds = fanned_out(count)
    start = time.perf_counter()
    while send_batch(campaign.pk):
        pass
    services.finish_if_done(campaign)
    done = time.perf_counter()
    counts = services.counters(campaign)
    campaign.refresh_from_db()
    assert counts["sent"] == count and campaign.status == "sent", (counts, campaign.status)
    return {"queue": queue_seconds, "send": done - start, "sent": counts["sent"]}


def fanned_out(count: int):
    """Prepare a campaign to `count` contacts and start it; return it and the fan-out's time."""
    from campaigns import services

    campaign = prepare(count)
    services.schedule(campaign)
    start = time.perf_counter()
    deliveries = services.start(campaign)
    seconds = time.perf_counter() - start
    assert deliveries == count == campaign.deliveries.count(), deliveries
    return campaign, seconds


def child_celery(count: int) -> dict:
    from campaigns import services
    from campaigns.models import Campaign
    from crm.celery import app

    campaign = prepare(count)
    log = Path(os.environ["VAR_DIR"]) / "worker.log"
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool=solo"),
            *("--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"),
        ],
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_worker(app, worker, log)
        services.schedule(campaign)
        start = time.perf_counter()
        # What beat does every CAMPAIGN_TICK_SECONDS: the tick starts the due campaign and
        # queues its batch tasks, which queue themselves again until nothing is left.
        app.send_task("campaigns.tasks.tick")
        sent = Campaign.objects.filter(pk=campaign.pk, status="sent")
        deadline = start + 600
        while not sent.exists():
            if worker.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"the worker stopped or stalled:\n{log.read_text()[-3000:]}")
            time.sleep(0.01)
        done = time.perf_counter()
        peak_mb = _peak_mb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    counts = services.counters(campaign)
    assert counts["sent"] == count, counts
    return {"queue": None, "send": done - start, "sent": counts["sent"], "peak_mb": peak_mb}


def _peak_mb(pid: int) -> float:
    """Return the peak memory of a running process (the worker's, not this one's)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024


def _wait_for_worker(app, worker: subprocess.Popen, log: Path) -> None:
    deadline = time.perf_counter() + 60
    while not app.control.ping(timeout=0.5):
        if worker.poll() is not None or time.perf_counter() > deadline:
            raise RuntimeError(f"the worker did not start:\n{log.read_text()[-3000:]}")


def child_post_office(count: int) -> dict:
    from django.template import Context
    from post_office import mail
    from post_office.models import STATUS, Email

    from campaigns.sending.compose import Composer
    from campaigns.unsubscribe import make_token, url_prefix
    from contacts.models import Contact

    campaign = prepare(count)  # the same templates; its id goes into the unsubscribe links
    templates = Composer(campaign)  # compiled once, as Carnet does
    subject, html, text = templates.subject, templates.html, templates.text
    sender = f"{FROM_NAME} <{FROM_EMAIL}>"
    prefix = url_prefix()
    start = time.perf_counter()
    rows = (
        Contact.objects.mailable()
        .order_by("pk")
        .values_list("pk", "first_name", "last_name", "email", "company__name")
    )
    messages = []
    for pk, first, last, email, company_name in rows.iterator(chunk_size=2000):
        url = f"{prefix}{make_token(pk, campaign.pk)}/"
        fields = {
            "first_name": first,
            "last_name": last,
            "email": email,
            "company": company_name or "",
            "unsubscribe_url": url,
        }
        messages.append(
            {
                "recipients": [email],
                "sender": sender,
                "subject": " ".join(subject.render(Context(fields, autoescape=False)).split()),
                "message": text.render(Context(fields, autoescape=False)),
                "html_message": html.render(Context(fields)),
                "headers": {
                    "List-Id": "<carnet.boulangerie-lefevre.fr>",
                    "List-Unsubscribe": f"<{url}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            }
        )
    mail.send_many(messages)
    queued = time.perf_counter()
    # What `manage.py send_queued_mail` does, without its lock file.
    while mail.get_queued().exists():
        mail.send_queued(processes=1)
    done = time.perf_counter()
    sent = Email.objects.filter(status=STATUS.sent).count()
    assert sent == count, sent
    return {"queue": queued - start, "send": done - queued, "sent": sent}


def child_limit(count: int) -> dict:
    from django.conf import settings

    from campaigns.sending.compose import Composer, Recipient, to_bytes

    composer = Composer(make_campaign(save=False))
    messages = []
    for i in range(count):
        first, last, email, company_name = person(i)
        recipient = Recipient(i + 1, i + 1, email, first, last, company_name)
        messages.append((email, to_bytes(composer.render(recipient), eight_bit=True)))
    start = time.perf_counter()
    connection = smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT)
    connection.ehlo()
    for email, data in messages:
        connection.sendmail(FROM_EMAIL, [email], data, mail_options=["BODY=8BITMIME"])
    connection.quit()
    done = time.perf_counter()
    size = sum(len(data) for _, data in messages) / count
    return {"queue": None, "send": done - start, "sent": count, "bytes": size}


def child_fanout(count: int) -> dict:
    _campaign, seconds = fanned_out(count)
    return {"queue": seconds, "send": 0.0, "sent": 0}


CHILDREN = {
    "carnet": child_carnet,
    "celery": child_celery,
    "post_office": child_post_office,
    "limit": child_limit,
    "fanout": child_fanout,
}


def child(tool: str, count: int) -> None:
    if tool == "post_office":
        os.environ["DJANGO_SETTINGS_MODULE"] = "send_peer_settings"  # beside this file
    setup_django()
    result = CHILDREN[tool](count)
    result.setdefault("peak_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result))


# The parent: smtp-sink, a database per child, the table.


class Sink:
    """Postfix's smtp-sink on a free loopback port, counting sessions and messages."""

    def __init__(self, workdir: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.output = workdir / "smtp-sink.out"

    def __enter__(self) -> "Sink":
        command = [SMTP_SINK, "-c"]
        if os.geteuid() == 0:
            command += ["-u", "nobody"]  # it refuses to run as root otherwise
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(
                [*command, f"127.0.0.1:{self.port}", "1000"], stdout=out, stderr=out
            )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"smtp-sink: {self.output.read_text()}") from None
                time.sleep(0.05)
        return self

    def counts(self) -> tuple[int, int]:
        """Return (sessions, messages) so far, once smtp-sink has stopped counting."""
        last = None
        while True:
            found = re.findall(rb"sess=(\d+) quit=\d+ mesg=(\d+)", self.output.read_bytes())
            now = tuple(int(n) for n in found[-1]) if found else (0, 0)
            if now == last:
                return now
            last = now
            time.sleep(0.2)

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def measure(tool: str, count: int, env: dict, workdir: Path) -> dict:
    env = {**env, "VAR_DIR": str(workdir / tool)}
    args = [tool, "--messages", str(count)]
    if tool == "limit":  # no database
        return run_child(__file__, args, env)
    with postgres_database(f"carnet_bench_send_{tool}_{os.getpid()}") as url:
        return run_child(__file__, args, {**env, "DATABASE_URL": url})


def _redis_db() -> tuple[str, object]:
    """Return an empty Redis database's URL (the worker's broker), and a client to it."""
    import redis

    for n in range(15, 0, -1):
        client = redis.Redis.from_url(f"{REDIS}/{n}")
        if client.dbsize() == 0:
            return f"{REDIS}/{n}", client
    sys.exit("bench/send.py needs an empty Redis database among 1 to 15")


def run(args, workdir: Path) -> tuple[dict, dict | None]:
    tools = args.tools.split(",") if args.messages else []
    # Only the worker needs Redis; the others send as they would with it or without.
    redis_url, redis_client = _redis_db() if "celery" in tools else ("", None)
    results, fanout = {}, None
    with Sink(workdir) as sink:
        env = {
            **os.environ,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(sink.port),
            "REDIS_URL": redis_url,
            "CAMPAIGN_BATCH_SIZE": str(args.batch_size),
            "SEND_RATE_PER_SECOND": "0",
            "SEND_RATE_PER_HOUR": "0",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "BENCH_PEER_BATCH_SIZE": str(args.peer_batch),
            "BENCH_PEER_THREADS": str(args.peer_threads),
        }
        try:
            # Round after round, so that whatever else the machine does spreads over all.
            for _ in range(args.repeat):
                for tool in tools:
                    _keep_best(results, tool, _sent_by(tool, args.messages, env, workdir, sink))
                if args.fanout and (args.fanout != args.messages or "carnet" not in tools):
                    r = measure("fanout", args.fanout, env, workdir)
                    fanout = r if fanout is None or r["queue"] < fanout["queue"] else fanout
        finally:
            if redis_client:  # what the worker and its broker left in the empty database
                for pattern in ("_kombu.*", "unacked*", "celery*", "carnet:*"):
                    for key in redis_client.scan_iter(pattern):
                        redis_client.delete(key)
    return results, fanout


def _sent_by(tool: str, count: int, env: dict, workdir: Path, sink: Sink) -> dict:
    """Measure one tool, with what smtp-sink received meanwhile; stop if that is short."""
    before = sink.counts()
    r = measure(tool, count, env, workdir)
    after = sink.counts()
    r["sessions"], r["received"] = after[0] - before[0], after[1] - before[1]
    if r["received"] != count:
        sys.exit(f"{tool}: smtp-sink received {r['received']} messages, not {count}")
    return r


def _keep_best(results: dict, tool: str, r: dict) -> None:
    r["total"] = (r["queue"] or 0) + r["send"]
    if tool not in results or r["total"] < results[tool]["total"]:
        results[tool] = r


def report(args, results: dict, fanout: dict | None) -> None:
    if results:
        _table(args, results)
    for tool in ("carnet", "celery"):
        if tool in results:
            _ratio(results, tool, "post_office", 2.0, "{:.2f}x", "2x")
            _ratio(results, tool, "limit", 0.4, "{:.0%}", "40 %")
    if "carnet" in results and (not fanout or args.fanout == args.messages):
        _fanout_line(args.messages, results["carnet"]["queue"])
    if fanout:
        _fanout_line(args.fanout, fanout["queue"])


def _table(args, results: dict) -> None:
    size = results["limit"]["bytes"] / 1024 if "limit" in results else None
    print(
        f"{args.messages} personalised messages"
        + (f" of {size:.1f} KB" if size else "")
        + f" to smtp-sink on loopback, best of {args.repeat};"
        f" PostgreSQL; CAMPAIGN_BATCH_SIZE {args.batch_size};"
        f" post_office BATCH_SIZE {args.peer_batch}, THREADS_PER_PROCESS {args.peer_threads}"
    )
    print(
        f"{'':26} {'queue s':>8} {'send s':>8} {'total s':>8} {'msg/s':>8}"
        f" {'received':>9} {'sessions':>9} {'peak MB':>8}"
    )
    for tool, r in results.items():
        queue = "-" if r["queue"] is None else f"{r['queue']:.2f}"
        r["rate"] = args.messages / r["total"]
        print(
            f"{LABELS[tool]:26} {queue:>8} {r['send']:8.2f} {r['total']:8.2f} {r['rate']:8.0f}"
            f" {r['received']:9d} {r['sessions']:9d} {r['peak_mb']:8.0f}"
        )


def _ratio(results: dict, tool: str, other: str, target: float, form: str, said: str) -> None:
    """Print tool's rate over other's, whole pipelines, then sending alone (no queueing)."""
    if other not in results:
        return
    ratio = results[tool]["rate"] / results[other]["rate"]
    verdict = "met" if ratio >= target else "missed"
    line = f"{LABELS[tool]} / {other}: {form.format(ratio)} (target {said}: {verdict})"
    if results[tool]["queue"] is not None:
        alone = results[other]["send"] / results[tool]["send"]
        line += f"; sending alone {form.format(alone)}"
    print(line)


def _fanout_line(count: int, seconds: float) -> None:
    target = f" (target 1,000,000 in 30 s: {'met' if seconds < 30 else 'missed'})"
    print(
        f"fan-out of {count} recipients: {seconds:.2f} s, {count / seconds:,.0f} per second"
        + (target if count >= 1_000_000 else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument(
        "--fanout",
        type=int,
        help="recipients of a fan-out timed alone (default: the carnet run's own fan-out)",
    )
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument(
        "--batch-size", type=int, default=int(os.environ.get("CAMPAIGN_BATCH_SIZE", "1000"))
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each tool, the fastest counted"
    )
    parser.add_argument("--peer-batch", type=int, default=1000, help="post_office BATCH_SIZE")
    parser.add_argument("--peer-threads", type=int, default=5, help="its THREADS_PER_PROCESS")
    parser.add_argument("--child", choices=CHILDREN, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.messages)
        return
    unknown = set(args.tools.split(",")) - set(TOOLS)
    if unknown:
        parser.error(f"unknown tools: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory() as tmp:
        results, fanout = run(args, Path(tmp))
    report(args, results, fanout)


if __name__ == "__main__":
    main()
