"""Merge a chunk of clean rows into the database with a handful of set-based queries.

1. Find, for every row, the contact it names: same email (ignoring case), else same phone,
   else same handle on the same network, else the same key in the same source; rows of
   the chunk that name the same person share one contact.
2. Fill what is empty, never overwrite what differs (listed as a conflict), add tags,
   sources, handles and keys, and apply the consent an import may apply.
3. Write it all with bulk inserts and one bulk update, in the caller's transaction.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models.functions import Lower

from contacts.importing import consent
from contacts.importing.rows import Row
from contacts.models import (
    Activity,
    Company,
    ConsentChange,
    ConsentEvent,
    Contact,
    ContactSource,
    ExternalKey,
    Handle,
    Tag,
)

FILLED_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "job_title",
    "city",
    "postcode",
    "country",
    "notes",
)


@dataclass
class Settings:
    basis: str
    extra_tags: list[str]
    update_existing: bool
    change: ConsentChange


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    conflicts: list[dict] = field(default_factory=list)


@dataclass
class Slot:
    """The contact a group of rows describes, new or already in the database."""

    contact: Contact
    rows: list[Row] = field(default_factory=list)
    is_new: bool = False
    changed: bool = False
    old_status: str = ""
    old_basis: str = ""


def merge(rows: list[Row], options: Settings, tally: Tally) -> None:
    slots = _match(rows)
    existing = [s for s in slots if not s.is_new]
    if not options.update_existing:
        tally.skipped += sum(len(s.rows) for s in existing)
        slots = [s for s in slots if s.is_new]
    companies = _named(Company, {r.company for s in slots for r in s.rows if r.company})
    for slot in slots:
        for row in slot.rows:
            _apply(slot, row, options, companies, tally)
    _write(slots, options, tally)


def _keys(row: Row) -> list[tuple]:
    keys = []
    if row.email:
        keys.append(("email", row.email.lower()))
    if row.phone:
        keys.append(("phone", row.phone))
    keys += [("handle", network, value) for network, value in row.handles.items()]
    if row.external_key:
        keys.append(("key", row.source, row.external_key))
    return keys


def _known(rows: list[Row]) -> dict[tuple, int]:
    """Return the contact id each identifier of the rows already belongs to."""
    emails = {r.email.lower() for r in rows if r.email}
    phones = {r.phone for r in rows if r.phone}
    handles = {v for r in rows for v in r.handles.values()}
    keys = {r.external_key for r in rows if r.external_key}
    known: dict[tuple, int] = {}
    by_email = Contact.objects.annotate(folded=Lower("email")).filter(folded__in=emails)
    known.update((("email", e), pk) for e, pk in by_email.values_list("folded", "pk"))
    for phone, pk in (
        Contact.objects.filter(phone__in=phones).order_by("-pk").values_list("phone", "pk")
    ):
        known[("phone", phone)] = pk
    for network, value, pk in Handle.objects.filter(value__in=handles).values_list(
        "network", "value", "contact_id"
    ):
        known[("handle", network, value)] = pk
    for source, key, pk in ExternalKey.objects.filter(key__in=keys).values_list(
        "source", "key", "contact_id"
    ):
        known[("key", source, key)] = pk
    return known


def _match(rows: list[Row]) -> list[Slot]:
    known = _known(rows)
    contacts = Contact.objects.in_bulk(set(known.values()))
    by_key: dict[tuple, Slot] = {}
    by_id: dict[int, Slot] = {}
    slots: list[Slot] = []
    for row in rows:
        keys = _keys(row)
        slot = next((by_key[k] for k in keys if k in by_key), None)
        if slot is None:
            pk = next((known[k] for k in keys if k in known), None)
            if pk is not None:
                slot = by_id.get(pk)
                if slot is None:
                    contact = contacts[pk]
                    slot = by_id[pk] = Slot(
                        contact, old_status=contact.email_status, old_basis=contact.consent_basis
                    )
                    slots.append(slot)
            else:
                slot = Slot(Contact(), is_new=True)
                slots.append(slot)
        slot.rows.append(row)
        by_key.update((k, slot) for k in keys)
    return slots


def _named(model, names: set[str]) -> dict[str, Tag | Company]:
    """Return the tags or companies called `names` (ignoring case), creating the missing."""
    folded = [n.lower() for n in names]

    def find():
        rows = model.objects.annotate(folded=Lower("name")).filter(folded__in=folded)
        return {item.name.lower(): item for item in rows}

    found = find()
    missing = {n.lower(): model(name=n) for n in names if n.lower() not in found}
    if missing:
        # ignore_conflicts: another import may create the same name at the same time.
        model.objects.bulk_create(missing.values(), ignore_conflicts=True)
        found = find()
    return found


def _apply(slot: Slot, row: Row, options: Settings, companies: dict, tally: Tally) -> None:
    contact = slot.contact
    for name in FILLED_FIELDS:
        incoming, current = getattr(row, name), getattr(contact, name)
        if incoming and not current:
            setattr(contact, name, incoming)
            slot.changed = True
        elif incoming and not slot.is_new and name != "notes" and _differs(current, incoming):
            tally.conflicts.append(
                {
                    "contact": contact.pk,
                    "field": name,
                    "existing": current,
                    "incoming": incoming,
                    "line": row.line,
                }
            )
    if row.company and contact.company_id is None:
        contact.company = companies.get(row.company.lower())
        slot.changed = True
    if slot.is_new and len(slot.rows) == 1:
        contact.email_status, contact.consent_basis = consent.for_new_contact(row, options.basis)
    else:
        status, basis = consent.for_existing_contact(
            contact.email_status, contact.consent_basis, row, options.basis
        )
        if (status, basis) != (contact.email_status, contact.consent_basis):
            contact.email_status, contact.consent_basis = status, basis
            slot.changed = True


def _differs(current: str, incoming: str) -> bool:
    return current.lower() != incoming.lower()


def _write(slots: list[Slot], options: Settings, tally: Tally) -> None:
    new = [s for s in slots if s.is_new]
    Contact.objects.bulk_create([s.contact for s in new])
    existing = [s for s in slots if not s.is_new]
    links_added = _write_links(slots, options)
    changed = [s for s in existing if s.changed]
    Contact.objects.bulk_update(
        [s.contact for s in changed], [*FILLED_FIELDS, "company", "email_status", "consent_basis"]
    )
    ConsentEvent.objects.bulk_create(
        ConsentEvent.build(s.contact, s.old_status, _change(options, s))
        for s in slots
        if (s.contact.email_status, s.contact.consent_basis) != (s.old_status, s.old_basis)
    )
    touched = [s for s in existing if s.changed or s.contact.pk in links_added]
    Activity.objects.bulk_create(
        [
            Activity(
                contact=s.contact,
                kind=Activity.Kind.IMPORTED,
                detail=_sources(s),
                by=options.change.by,
            )
            for s in [*new, *touched]
        ]
    )
    tally.created += len(new)
    tally.updated += len(touched)
    tally.unchanged += len(existing) - len(touched)


def _sources(slot: Slot) -> str:
    return ", ".join(sorted({r.source for r in slot.rows}))


def _change(options: Settings, slot: Slot) -> ConsentChange:
    proofs = "; ".join(r.proof for r in slot.rows if r.proof)
    return ConsentChange(**{**options.change.__dict__, "detail": proofs})


def _write_links(slots: list[Slot], options: Settings) -> set[int]:
    """Add the tags, sources, handles and keys the rows bring; return who gained some."""
    ids = [s.contact.pk for s in slots]
    tags = _named(
        Tag, {t for s in slots for r in s.rows for t in r.tags} | set(options.extra_tags)
    )
    had = _existing_links(ids)
    TagLink = Contact.tags.through
    wanted = defaultdict(set)
    for slot in slots:
        pk = slot.contact.pk
        for row in slot.rows:
            wanted["tag"] |= {(pk, tags[t.lower()].pk) for t in [*row.tags, *options.extra_tags]}
            wanted["source"].add((pk, row.source))
            wanted["handle"] |= {(pk, n, v) for n, v in row.handles.items()}
            if row.external_key:
                wanted["key"].add((pk, row.source, row.external_key))
    added = {kind: wanted[kind] - had[kind] for kind in wanted}
    TagLink.objects.bulk_create(
        [TagLink(contact_id=c, tag_id=t) for c, t in added.get("tag", ())], ignore_conflicts=True
    )
    ContactSource.objects.bulk_create(
        [ContactSource(contact_id=c, source=s) for c, s in added.get("source", ())],
        ignore_conflicts=True,
    )
    Handle.objects.bulk_create(
        [Handle(contact_id=c, network=n, value=v) for c, n, v in added.get("handle", ())],
        ignore_conflicts=True,
    )
    ExternalKey.objects.bulk_create(
        [ExternalKey(contact_id=c, source=s, key=k) for c, s, k in added.get("key", ())],
        ignore_conflicts=True,
    )
    return {item[0] for items in added.values() for item in items}


def _existing_links(ids: list[int]) -> dict[str, set]:
    return {
        "tag": set(
            Contact.tags.through.objects.filter(contact_id__in=ids).values_list(
                "contact_id", "tag_id"
            )
        ),
        "source": set(
            ContactSource.objects.filter(contact_id__in=ids).values_list("contact_id", "source")
        ),
        "handle": set(
            Handle.objects.filter(contact_id__in=ids).values_list("contact_id", "network", "value")
        ),
        "key": set(
            ExternalKey.objects.filter(contact_id__in=ids).values_list(
                "contact_id", "source", "key"
            )
        ),
    }
