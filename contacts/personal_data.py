"""One person's data, as the GDPR's right of access and portability ask (export_contact).

JSON: the contact in the export format of DESIGN.md, then every other field of it, its
further addresses and numbers, notes, timeline, keys in its sources, consent history with
the proofs, and every campaign email with its tracking events. vCard 3.0: what an address
book holds (names, addresses, numbers, company, address, notes).
"""

import json
from datetime import datetime

import vobject
from django.db import models
from django.utils import timezone

from contacts import erasure, exporting
from contacts.models import Contact

FORMATS = ("json", "vcard")
CONTENT_TYPES = {"json": "application/json", "vcard": "text/vcard; charset=utf-8"}
EXTENSIONS = {"json": "json", "vcard": "vcf"}
# Of a related record, what never leaves: its link back to the person, sending machinery.
_LEFT_OUT = {"contact", "delivery", "lease_until", "claim", "attempts", "next_attempt_at"}


def export(contact: Contact, fmt: str) -> str:
    """Return the contact's data in `fmt` (one of FORMATS)."""
    if fmt == "vcard":
        return vcard(contact)
    return json.dumps(data_of(contact), ensure_ascii=False, indent=2) + "\n"


def filename(contact: Contact, fmt: str) -> str:
    return f"contact-{contact.pk}.{EXTENSIONS[fmt]}"


def data_of(contact: Contact) -> dict:
    """Return everything Carnet holds about the contact."""
    contact = exporting.for_export(Contact.objects.filter(pk=contact.pk)).get()
    record = exporting.as_record(contact)
    for name, value in _fields(contact).items():
        record.setdefault(name, value)  # what the export format leaves out (id, dates…)
    deliveries = contact.deliveries.select_related("campaign").prefetch_related("events")
    return {
        **record,
        "other_emails_and_phones": _rows(contact.points.all()),
        "sources_added": _rows(contact.sources.all()),
        "written_notes": _rows(contact.contact_notes.select_related("author")),
        "timeline": _rows(contact.activities.select_related("by")),
        "keys_in_sources": _rows(contact.external_keys.all()),
        "consent_history": _rows(contact.consent_events.select_related("by")),
        "emails": [
            {**_fields(d), "events": _rows(d.events.all())} for d in deliveries.order_by("pk")
        ],
        **_kept_by_other_apps(contact),
        "exported_at": _value(timezone.now()),
    }


def _kept_by_other_apps(contact: Contact) -> dict:
    """Return the records other apps keep of the person beside deliveries (sign-ups)."""
    addresses = erasure.addresses_of(contact)
    return {name: _rows(records) for name, records in erasure.elsewhere(contact, addresses)}


def _rows(records) -> list[dict]:
    return [_fields(record) for record in records]


def _fields(record: models.Model) -> dict:
    """Return the record's fields as JSON values: a link as the name of what it names."""
    found = {}
    for field in record._meta.concrete_fields:
        if field.name in _LEFT_OUT:
            continue
        value = getattr(record, field.name)
        if isinstance(value, models.Model):
            value = _name_of(value)
        found[field.name] = _value(value)
    return found


def _name_of(record: models.Model) -> str:
    get_username = getattr(record, "get_username", None)
    return get_username() if get_username else str(record)


def _value(value):
    if isinstance(value, datetime):
        # In the business's time zone, with its offset, as the export format writes dates.
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value


def vcard(contact: Contact) -> str:
    """Return the contact as one vCard 3.0, its written notes beside its own."""
    (text,) = exporting.vcard_chunks(Contact.objects.filter(pk=contact.pk))
    card = vobject.readOne(text)
    for note in contact.contact_notes.order_by("created_at"):
        card.add("note").value = note.body
    return card.serialize()
