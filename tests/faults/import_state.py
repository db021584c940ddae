"""An address book in Google Contacts' CSV shape, and what an import of it leaves behind.

The file is made to exercise every table an import writes, across chunks: labels (tags),
further addresses and numbers, companies, people who come back further down (updated),
namesakes (probable duplicates), rows with an unreadable address (problems) and rows
naming nobody (skipped). state() reads the database without ids or times, so that two
imports of it compare equal only if they wrote the same contacts, links and consents.
"""

import csv
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from contacts.importing import jobs, uploads
from contacts.models import (
    ConsentEvent,
    Contact,
    ContactPoint,
    ContactSource,
    ExternalKey,
    Handle,
    ImportJob,
)

# The columns of a real export (tests/contacts/importing/fixtures/corpus), in their order.
CORPUS = Path(__file__).resolve().parents[1] / "contacts/importing/fixtures/corpus"
with (CORPUS / "google_contacts.csv").open(encoding="utf-8") as _export:
    HEADER = next(csv.reader(_export))
FIRST = ["Élodie", "Grégoire", "Zoé", "Aïcha", "Jean-Luc", "Maëlle", "Noël", "Inès", "Théo", "Wei"]
LAST = ["Lefèvre", "Garnier", "d'Aubigné", "Diallo", "Chevalier", "Nguyễn", "Roux", "Fabre"]
COMPANIES = ["Boulangerie Lefèvre", "Cabinet Garnier", "Atelier Roux", "", "", ""]
LABELS = ["* myContacts ::: Clients", "* myContacts", "* myContacts ::: Clients ::: VIP",
          "* myContacts ::: Fournisseurs"]  # fmt: skip


def _person(n: int) -> dict[str, str]:
    first, last = FIRST[n % len(FIRST)], f"{LAST[n % len(LAST)]}{n // 80}"
    phone = (
        f"06 {n // 1000000 % 100:02d} {n // 10000 % 100:02d} {n // 100 % 100:02d} {n % 100:02d}"
    )
    return {
        "First Name": first, "Last Name": last, "Labels": LABELS[n % len(LABELS)],
        "Organization Name": COMPANIES[n % len(COMPANIES)],
        "E-mail 1 - Label": "* Home", "E-mail 1 - Value": f"client{n}@exemple.fr",
        "Phone 1 - Label": "Mobile", "Phone 1 - Value": phone,
    }  # fmt: skip


def _row(n: int) -> dict[str, str]:
    """Return line n of the address book (most are one new person each)."""
    if n % 211 == 0:
        return {"Notes": "ligne vide"}  # nobody named: skipped
    row = _person(n)
    if n % 50 == 0 and n >= 3000:  # somebody met 3,000 lines up, with more to say
        row = {**_person(n - 3000), "Labels": "* myContacts ::: Salon 2026",
               "Organization Title": "Gérante",
               "Phone 2 - Value": f"01 42 00 {n % 100:02d} 00"}  # fmt: skip
    elif n % 71 == 0:  # a namesake of somebody above, with an address of their own
        row = {**_person(n - 7), "E-mail 1 - Value": f"homonyme{n}@exemple.fr",
               "Phone 1 - Value": ""}  # fmt: skip
    elif n % 113 == 0:
        row["E-mail 1 - Value"] = f"client{n} chez exemple.fr"  # unreadable: a problem
    elif n % 7 == 0:
        row["E-mail 2 - Label"], row["E-mail 2 - Value"] = "Work", f"pro{n}@atelier.fr"
    return row


def write_address_book(path: Path, rows: int) -> Path:
    """Write `rows` lines of a Google Contacts export to `path`."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, HEADER, restval="")
        writer.writeheader()
        for n in range(1, rows + 1):
            writer.writerow(_row(n))
    return path


def confirmed(book: Path, user) -> ImportJob:
    """Return a job confirmed on the import page (its file an upload), waiting for a worker."""
    stored = uploads.store(SimpleUploadedFile("contacts.csv", book.read_bytes()))
    job = jobs.prepare([("contacts.csv", stored)], basis="customer", tags=["salon"], by=user)
    job.status = ImportJob.Status.PENDING
    job.save()
    return job


def _fields(instance, leave_out=("id", "created_at", "updated_at", "at", "added_at")) -> tuple:
    return tuple(
        (f.attname, getattr(instance, f.attname))
        for f in instance._meta.concrete_fields
        if f.attname not in leave_out and not f.attname.endswith("_id")
    )


def _by_contact(model, key) -> dict[int, list]:
    found: dict[int, list] = {}
    for item in model.objects.all():
        found.setdefault(item.contact_id, []).append(key(item))
    return {pk: sorted(items, key=repr) for pk, items in found.items()}


def state() -> list[tuple]:
    """Return every contact with what an import gives it, without ids or times, sorted."""
    links = {
        "points": _by_contact(ContactPoint, _fields),
        "sources": _by_contact(ContactSource, _fields),
        "handles": _by_contact(Handle, _fields),
        "keys": _by_contact(ExternalKey, _fields),
        "consents": _by_contact(ConsentEvent, _fields),
    }
    contacts = Contact.objects.select_related("company").prefetch_related("tags")
    return sorted(
        (
            _fields(contact),
            contact.company.name if contact.company else "",
            sorted(tag.name for tag in contact.tags.all()),
            *(links[kind].get(contact.pk, []) for kind in sorted(links)),
        )
        for contact in contacts
    )


def _named(pk: int) -> tuple:
    contact = Contact.objects.filter(pk=pk).first()
    return (contact.email, contact.first_name, contact.last_name) if contact else ("?", pk)


def outcome(job: ImportJob) -> dict:
    """Return what the job says it did, its report's contacts named instead of numbered."""
    report = dict(job.report)
    for kind in ("conflicts", "duplicates"):
        report[kind] = sorted(
            ({**item, **{key: _named(item[key]) for key in ("contact", "other") if key in item}}
             for item in report.get(kind, [])),
            key=repr,
        )  # fmt: skip
    counts = ["status", "rows_total", "rows_done", "created", "updated", "unchanged",
              "skipped", "errors"]  # fmt: skip
    return {**{name: getattr(job, name) for name in counts}, "report": report}


def forget_everything() -> None:
    """Delete what an import wrote (contacts and all they hold), to import again."""
    from django.db import connection

    from contacts.models import Company, Tag

    models = [Contact, Tag, Company, ImportJob]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:  # thousands
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} CASCADE")
        return
    for model in models:
        model.objects.all().delete()
