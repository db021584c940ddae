"""The owner's pages at a million contacts on PostgreSQL: how long they take to answer.

Seeds a fresh database (COPY through contacts.importing.store, not the ORM row by row):
French names, 70 % with a phone, 30 % at one of 5,000 companies, about 10 % tagged, every
contact from one or two sources, the email statuses of a real list. Then, logged in as the
owner (a superuser) through Django's test client, requests each page ~20 times after one
warm-up and prints the median and the 95th percentile. The goal is a p95 under 500 ms.

    make bench-dashboard                      # 1,000,000 contacts
    make bench-dashboard BENCH_ARGS="--rows 100000 --requests 10"
"""

import argparse
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.children import postgres_database, run_child

GOAL_MS = 500
CHUNK = 50_000
FIRST = "Camille Léa Jérôme Élodie Chloé Hélène Zoé Noël Benoît Gaëlle Maëlys Loïc Inès Théo"
FIRST += " Amélie Sébastien Eloïse Françoise Anaïs Mathéo Lucas Manon Hugo Emma Louis Jade"
LAST = "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent"
LAST += " Lefèvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier"
LAST += " Dupont Lambert Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc Guérin"
LAST += " Müller Henry Roussel Nicolas Perrin Morin Mathieu Clément Gauthier Dumont Lopez"
LAST += " Œuvray Roché Brûlé Le Goff Lemaître Chevalier Barbier Boyer Dupuis Fontaine"
STATUSES = [("subscribed", "consent")] * 45 + [("subscribed", "customer")] * 15
STATUSES += [("no_consent", "")] * 25 + [("unsubscribed", "consent")] * 10
STATUSES += [("bounced", "consent")] * 4 + [("complained", "consent")]


def pages(tag_id: int) -> list[tuple[str, str, dict | None]]:
    """Return (label, path, POST data or None) of each page measured."""
    count = "/admin/contacts/segment/count/"
    return [
        ("dashboard /admin/", "/admin/", None),
        ("contact list", "/admin/contacts/contact/", None),
        ("search ?q=dupont", "/admin/contacts/contact/?q=dupont", None),
        ("search ?q=06 12", "/admin/contacts/contact/?q=06+12", None),
        ("list filtered by a tag", f"/admin/contacts/contact/?tags__id__exact={tag_id}", None),
        ("segment count: subscribed", count, {"email_statuses": ["subscribed"]}),
        (
            "segment count: tag + subscribed",
            count,
            {"email_statuses": ["subscribed"], "tags_any": [str(tag_id)]},
        ),
    ]


def seed(rows: int) -> None:
    """Fill the database with `rows` contacts, their tags and sources."""
    from django.utils import timezone

    from contacts.importing import store
    from contacts.models import Company, Contact, ContactSource, Tag

    rng = random.Random(11)
    companies = [f"Société {i} {rng.choice(LAST.split())}" for i in range(5_000)]
    Company.objects.bulk_create([Company(name=name) for name in companies])
    company_ids = list(Company.objects.values_list("pk", flat=True))
    Tag.objects.bulk_create([Tag(name=f"Étiquette {i}") for i in range(20)])
    tag_ids = list(Tag.objects.values_list("pk", flat=True))
    now = timezone.now()
    for start in range(0, rows, CHUNK):
        ids = store.new_ids(Contact, min(CHUNK, rows - start))
        store.insert(Contact, CONTACT_COLUMNS, [_contact(rng, pk, now, company_ids) for pk in ids])
        store.insert(ContactSource, ["contact_id", "source", "added_at"], _sources(rng, ids, now))
        tagged = [(pk, rng.choice(tag_ids)) for pk in ids if rng.random() < 0.1]
        store.insert(Contact.tags.through, ["contact_id", "tag_id"], tagged)
        print(f"  {start + len(ids):>9} contacts", file=sys.stderr, flush=True)
    _settle(Contact, ContactSource, Contact.tags.through, Company, Tag)


def _settle(*models) -> None:
    """VACUUM and ANALYZE the tables just filled, as autovacuum soon would in production:
    measured right after the COPY, the pages would compete with it for the processors."""
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


CONTACT_COLUMNS = [
    "id", "first_name", "last_name", "email", "phone", "company_id", "job_title", "city",
    "postcode", "country", "language", "notes", "email_status", "consent_basis",
    "created_at", "updated_at",
]  # fmt: skip


def _contact(rng: random.Random, pk: int, now, company_ids: list[int]) -> tuple:
    first, last = rng.choice(FIRST.split()), rng.choice(LAST.split())
    phone = f"+336{rng.randrange(10**8):08d}" if rng.random() < 0.7 else ""
    company = rng.choice(company_ids) if rng.random() < 0.3 else None
    status, basis = rng.choice(STATUSES)
    created = now - timedelta(days=rng.randrange(3 * 365))
    email = f"{first}.{last}.{pk}@exemple.fr".lower().replace(" ", "")
    return (pk, first, last, email, phone, company, "", "", "", "FR", "", "", status, basis,
            created, created)  # fmt: skip


def _sources(rng: random.Random, ids: list[int], now) -> list[tuple]:
    from contacts.choices import Source

    rows = []
    for pk in ids:
        for source in rng.sample(Source.values, 1 if rng.random() < 0.8 else 2):
            rows.append((pk, source, now))
    return rows


def measure(requests: int) -> list[dict]:
    """Return the timings of each page, logged in as the owner."""
    from django.contrib.auth.models import User
    from django.test import Client

    from contacts.models import Tag

    owner = User.objects.filter(username="owner").first() or User.objects.create_superuser(
        "owner", "owner@exemple.fr", "bench"
    )
    client = Client()
    client.force_login(owner)
    tag_id = Tag.objects.order_by("pk").first().pk
    return [_timings(client, label, path, data, requests) for label, path, data in pages(tag_id)]


def _timings(client, label: str, path: str, data: dict | None, requests: int) -> dict:
    """Return the median and p95 of `requests` requests of one page, or why it failed."""

    def ask():
        response = client.post(path, data) if data else client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"status {response.status_code}")

    try:
        ask()  # warm-up: caches, the collation table, the first plan
    except Exception as e:  # another part's page in progress must not stop the others
        return {"page": label, "error": f"{type(e).__name__}: {e}"[:80]}
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        ask()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[max(0, math.ceil(0.95 * len(times)) - 1)]
    return {"page": label, "median": statistics.median(times), "p95": p95}


def child(rows: int, requests: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    django.setup()
    from django.core.management import call_command

    from contacts.models import Contact

    call_command("migrate", verbosity=0)
    if not Contact.objects.exists():  # a database kept from an earlier run is reused
        start = time.perf_counter()
        seed(rows)
        print(f"  seeded in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    print(json.dumps({"results": measure(requests)}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument(
        "--database",
        help="a PostgreSQL URL to seed once and keep (to measure a change again quickly)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.rows, args.requests)
        return
    argv = ["--rows", str(args.rows), "--requests", str(args.requests)]
    # A var/ of its own: the cache (the dashboard's figures) must be this database's.
    with tempfile.TemporaryDirectory() as var_dir:
        env = {**os.environ, "ALLOWED_HOSTS": "testserver", "LOG_LEVEL": "WARNING"}
        env["VAR_DIR"] = var_dir
        if args.database:
            out = run_child(__file__, argv, {**env, "DATABASE_URL": args.database})
        else:
            with postgres_database(f"carnet_bench_dashboard_{os.getpid()}") as url:
                out = run_child(__file__, argv, {**env, "DATABASE_URL": url})
    print(f"{args.rows:,} contacts on PostgreSQL, {args.requests} requests each (ms)")
    print(f"{'page':34} {'median':>8} {'p95':>8}")
    for r in out["results"]:
        if "error" in r:
            print(f"{r['page']:34} failed: {r['error']}")
            continue
        verdict = "ok" if r["p95"] < GOAL_MS else f"over {GOAL_MS} ms"
        print(f"{r['page']:34} {r['median']:8.0f} {r['p95']:8.0f}   {verdict}")


if __name__ == "__main__":
    main()
