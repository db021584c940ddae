"""Merge a chunk of clean rows into the database with a handful of set-based queries.

1. Find, for every row, the contact it names: same email (ignoring case), else same phone,
   else same handle on the same network, else the same key in the same source; rows of
   the chunk that name the same person share one contact.
2. Fill what is empty, never overwrite what differs (listed as a conflict), add tags,
   sources, handles and keys, and apply the consent an import may apply.
3. Write it all with bulk inserts and one bulk update, in the caller's transaction.
"""

from dataclasses import dataclass, field
from operator import attrgetter

from django.db.models.functions import Lower

from contacts.choices import BLOCKED_STATUSES, EmailStatus, Network
from contacts.importing import MAX_LISTED, consent, store
from contacts.importing.rows import Row
from contacts.models import (
    Company,
    ConsentChange,
    ConsentEvent,
    Contact,
    ContactSource,
    ExternalKey,
    Handle,
    Tag,
)

EMAIL_INDEXED = """NOT ("email" = '')"""
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
    names: dict = field(default_factory=dict)  # tags and companies met so far


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    conflicts: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)


@dataclass
class Slot:
    """The contact a group of rows describes, new or already in the database."""

    contact: Contact
    rows: list[Row] = field(default_factory=list)
    is_new: bool = False
    changed: bool = False
    old_status: str = ""
    old_basis: str = ""
    proofs: list[str] = field(default_factory=list)

    @property
    def email(self) -> str:
        """The address this contact is known by, or will be once created."""
        return self.contact.email or next((r.email for r in self.rows if r.email), "")


def merge(rows: list[Row], options: Settings, tally: Tally) -> None:
    store.prepare_lookups()
    known = _known(rows)
    slots = _match(rows, known)
    if not options.update_existing:
        slots = _skip_existing(slots, options, tally)
    companies = _named(
        Company, {r.company for s in slots for r in s.rows if r.company}, options.names
    )
    for slot in slots:
        for row in slot.rows:
            _apply(slot, row, options, companies, tally)
    _write(slots, options, tally, known)


def _skip_existing(slots: list[Slot], options: Settings, tally: Tally) -> list[Slot]:
    """Leave existing contacts untouched, but for the opt-outs the file proves."""
    kept = [s for s in slots if s.is_new]
    for slot in (s for s in slots if not s.is_new):
        tally.skipped += len(slot.rows)
        for row in slot.rows:
            _apply_consent(slot, row, options.basis, blocked_only=True)
        if slot.changed:
            slot.rows = []  # nothing else of theirs is written
            kept.append(slot)
    return kept


def _keys(row: Row) -> list[tuple]:
    """Return the row's identifiers, strongest first. A website names a business, not a
    person (colleagues share it): it identifies nobody."""
    keys = []
    if row.email:
        keys.append(("email", row.email.lower()))
    if row.phone:
        keys.append(("phone", row.phone))
    keys += [("handle", n, v) for n, v in row.handles.items() if n != Network.WEBSITE]
    if row.external_key:
        keys.append(("key", row.source, row.external_key))
    return keys


def _known(rows: list[Row]) -> dict[tuple, int]:
    """Return the contact id each identifier of the rows already belongs to."""
    emails = {r.email.lower() for r in rows if r.email}
    phones = {r.phone for r in rows if r.phone}
    handles = {(n, v) for r in rows for n, v in r.handles.items()}
    keys = {(r.source, r.external_key) for r in rows if r.external_key}
    known: dict[tuple, int] = {}
    # The partial unique index's own condition, word for word, so that it serves.
    found = store.select(Contact, ["LOWER(email)", "id"], "LOWER(email)", emails, EMAIL_INDEXED)
    for email, pk in found:
        known[("email", email)] = pk
    # Several contacts may share a phone (a switchboard): the oldest one wins.
    for phone, pk in sorted(store.select(Contact, ["phone", "id"], "phone", phones), reverse=True):
        known[("phone", phone)] = pk
    found = store.select(
        Handle, ["network", "value", "contact_id"], "value", {v for _n, v in handles},
        leading=("network", {n for n, _v in handles}),
    )  # fmt: skip
    known.update((("handle", n, v), pk) for n, v, pk in found)
    found = store.select(
        ExternalKey, ["source", "key", "contact_id"], "key", {k for _s, k in keys},
        leading=("source", {s for s, _k in keys}),
    )  # fmt: skip
    known.update((("key", s, k), pk) for s, k, pk in found)
    return known


def _match(rows: list[Row], known: dict) -> list[Slot]:
    """Give each row the contact its strongest identifier names, in the chunk or the
    database. A row never joins a contact whose address differs from its own: that is
    another person sharing a phone or a profile (a switchboard, a shop), kept apart."""
    # Lock the contacts the rows name, in one order: an unsubscribe committing meanwhile
    # must not be overwritten by the values read here.
    ids = sorted(set(known.values()))
    locked = Contact.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    contacts = {contact.pk: contact for contact in locked}
    by_key: dict[tuple, Slot] = {}
    by_id: dict[int, Slot] = {}
    slots: list[Slot] = []
    for row in rows:
        keys = _keys(row)
        slot = None
        for key in keys:
            candidate = _candidate(key, by_key, by_id, known, contacts)
            if candidate is not None and _same_person(candidate, row):
                slot = candidate
                break
        if slot is None:
            slot = Slot(NewContact(row), is_new=True)
            slots.append(slot)
        elif not slot.rows:
            slots.append(slot)
            if not slot.is_new:
                by_id[slot.contact.pk] = slot
        slot.rows.append(row)
        for key in keys:
            by_key.setdefault(key, slot)  # the first to claim an identifier keeps it
    return slots


def _candidate(key, by_key, by_id, known, contacts) -> Slot | None:
    if key in by_key:
        return by_key[key]
    pk = known.get(key)
    if pk is None or pk not in contacts:  # unknown, or deleted since the lookup
        return None
    contact = contacts[pk]
    return by_id.get(pk) or Slot(
        contact, old_status=contact.email_status, old_basis=contact.consent_basis
    )


def _same_person(slot: Slot, row: Row) -> bool:
    return not (row.email and slot.email and row.email.lower() != slot.email.lower())


def _named(model, names: set[str], cache: dict) -> dict[str, Tag | Company]:
    """Return the tags or companies called `names` (ignoring case), creating the missing.

    `cache` keeps those already found during this import: most rows name the same few.
    """
    wanted = {n.lower(): n for n in names if (model, n.lower()) not in cache}

    def find():
        rows = model.objects.annotate(folded=Lower("name")).filter(folded__in=list(wanted))
        cache.update(((model, item.name.lower()), item) for item in rows)

    if wanted:
        find()
        missing = [model(name=n) for f, n in wanted.items() if (model, f) not in cache]
        if missing:
            # ignore_conflicts: another import may create the same name at the same time.
            model.objects.bulk_create(missing, ignore_conflicts=True)
            find()
    return {n.lower(): cache[(model, n.lower())] for n in names}


def _apply(slot: Slot, row: Row, options: Settings, companies: dict, tally: Tally) -> None:
    contact = slot.contact
    if row is slot.rows[0] and slot.is_new:  # the contact was made of this row
        slot.changed = True
    else:
        _fill(slot, row, tally)
    if row.company and contact.company_id is None:
        contact.company_id = companies[row.company.lower()].pk
        slot.changed = True
    _apply_consent(slot, row, options.basis)


def _fill(slot: Slot, row: Row, tally: Tally) -> None:
    """Fill the contact's empty fields from the row; list the values that differ."""
    contact = slot.contact
    for name in FILLED_FIELDS:
        incoming, current = getattr(row, name), getattr(contact, name)
        if incoming and not current:
            setattr(contact, name, incoming)
            slot.changed = True
        elif not slot.is_new and name != "notes" and incoming and _differs(current, incoming):
            _note_conflict(tally, contact, name, current, incoming, row.line)


def _note_conflict(tally: Tally, contact, name: str, current, incoming, line: int) -> None:
    if len(tally.conflicts) < MAX_LISTED:
        tally.conflicts.append(
            {"contact": contact.pk, "field": name, "existing": current,
             "incoming": incoming, "line": line}
        )  # fmt: skip


def _apply_consent(slot: Slot, row: Row, basis: str, blocked_only: bool = False) -> None:
    """Apply what the row says of consent, if it speaks of this contact's own address."""
    contact = slot.contact
    if not row.email or row.email.lower() != (contact.email or row.email).lower():
        return
    status, new_basis = consent.for_existing_contact(
        contact.email_status, contact.consent_basis, row, basis
    )
    if blocked_only and status not in BLOCKED_STATUSES:
        return
    if (status, new_basis) != (contact.email_status, contact.consent_basis):
        contact.email_status, contact.consent_basis = status, new_basis
        slot.changed = True
        if row.proof:
            slot.proofs.append(row.proof)


def _differs(current: str, incoming: str) -> bool:
    return current.lower() != incoming.lower()


def _write(slots: list[Slot], options: Settings, tally: Tally, known: dict) -> None:
    now = store.db_now()
    new = [s for s in slots if s.is_new]
    for slot, pk in zip(new, store.new_ids(Contact, len(new)), strict=True):
        slot.contact.pk = slot.contact.id = pk
    store.insert(Contact, CONTACT_COLUMNS, [_contact_row(s.contact, now) for s in new])
    existing = [s for s in slots if not s.is_new]
    Contact.objects.bulk_update(
        [s.contact for s in existing if s.changed],
        [*FILLED_FIELDS, "company", "email_status", "consent_basis"],
    )
    links_added = _write_links(slots, options, known, now)
    store.insert(
        ConsentEvent,
        CONSENT_COLUMNS,
        [
            _consent_row(s, options.change, now)
            for s in slots
            if (s.contact.email_status, s.contact.consent_basis) != (s.old_status, s.old_basis)
        ],
    )
    # The timeline shows where each contact came from through its sources (ContactSource
    # rows, dated): no activity row per imported contact.
    touched = [s for s in existing if s.changed or s.contact.pk in links_added]
    tally.duplicates += _probable_duplicates(new)
    tally.created += len(new)
    tally.updated += len(touched)
    tally.unchanged += len(existing) - len(touched)


def _probable_duplicates(new: list[Slot]) -> list[dict]:
    """Return the new contacts that share a full name (and company, if both have one)
    with another contact but no email, phone or handle: not merged, shown to the user."""
    named = {
        (s.contact.first_name.lower(), s.contact.last_name.lower()): s.contact
        for s in new
        if s.contact.first_name and s.contact.last_name
    }
    # last_name as written, so that its index serves; case is compared below.
    last_names = {s.contact.last_name for s in new if s.contact.first_name}
    found = store.select(Contact, ["id", "first_name", "last_name", "company_id"],
                         "last_name", last_names)  # fmt: skip
    return [
        {"contact": contact.pk, "other": other, "name": _full_name(contact)}
        for other, first, last, company in sorted(found)
        if (contact := named.get((first.lower(), last.lower()))) is not None
        and other != contact.pk
        and (company is None or contact.company_id is None or company == contact.company_id)
    ]


def _full_name(contact) -> str:
    return f"{contact.first_name} {contact.last_name}"


CONTACT_COLUMNS = [f.attname for f in Contact._meta.concrete_fields]
CONSENT_COLUMNS = [
    "contact_id",
    "at",
    "from_status",
    "to_status",
    "basis",
    "how",
    "proof_file_name",
    "proof_sha256",
    "proof_form",
    "ip",
    "by_id",
    "detail",
]


class NewContact:
    """A contact an import is about to create: the fields, without a model instance."""

    __slots__ = (*FILLED_FIELDS, "id", "pk", "company_id", "last_contacted_at", "language",
                 "email_status", "consent_basis", "created_at", "updated_at")  # fmt: skip

    def __init__(self, row: Row):
        self.id = self.pk = self.company_id = self.last_contacted_at = None
        self.first_name, self.last_name, self.email = row.first_name, row.last_name, row.email
        self.phone, self.job_title, self.city = row.phone, row.job_title, row.city
        self.postcode, self.country, self.notes = row.postcode, row.country, row.notes
        self.language = ""
        self.email_status, self.consent_basis = EmailStatus.NO_CONSENT, ""


_contact_values = attrgetter(*CONTACT_COLUMNS)


def _contact_row(contact: NewContact, now) -> tuple:
    contact.created_at = contact.updated_at = now
    return _contact_values(contact)


def _consent_row(slot: Slot, change: ConsentChange, now) -> tuple:
    contact = slot.contact
    proofs = "; ".join(slot.proofs)
    return (
        contact.pk,
        now,
        slot.old_status,
        contact.email_status,
        contact.consent_basis,
        change.how,
        change.proof_file_name,
        change.proof_sha256,
        change.proof_form,
        change.ip,
        change.by.pk if change.by else None,
        proofs,
    )


def _wanted_links(slots: list[Slot], tags: dict) -> dict[str, set]:
    tag_ids = {name: tag.pk for name, tag in tags.items()}
    wanted_tags, sources, handles, keys = set(), set(), set(), set()
    for slot in slots:
        pk = slot.contact.pk
        for row in slot.rows:
            wanted_tags.update([(pk, tag_ids[t.lower()]) for t in row.tags])
            sources.add((pk, row.source))
            if row.handles:
                handles.update([(pk, n, v) for n, v in row.handles.items()])
            if row.external_key:
                keys.add((pk, row.source, row.external_key))
    return {"tag": wanted_tags, "source": sources, "handle": handles, "key": keys}


def _write_links(slots: list[Slot], options: Settings, known: dict, now) -> set[int]:
    """Add the tags, sources, handles and keys the rows bring; return who gained some."""
    for slot in slots:
        for row in slot.rows:
            row.tags = [*row.tags, *options.extra_tags]
    tags = _named(Tag, {t for s in slots for r in s.rows for t in r.tags}, options.names)
    had = _existing_links([s.contact.pk for s in slots if not s.is_new])
    added = {kind: links - had[kind] for kind, links in _wanted_links(slots, tags).items()}
    added["handle"], added["key"] = _claimable(added, had, known)
    store.insert(Contact.tags.through, ["contact_id", "tag_id"], sorted(added.get("tag", ())))
    store.insert(
        ContactSource,
        ["contact_id", "source", "added_at"],
        [(c, s, now) for c, s in sorted(added.get("source", ()))],
    )
    store.insert(Handle, ["contact_id", "network", "value"], sorted(added["handle"]))
    store.insert(ExternalKey, ["contact_id", "source", "key"], sorted(added["key"]))
    return {item[0] for items in added.values() for item in items}


def _claimable(added: dict, had: dict, known: dict) -> tuple[list, list]:
    """Return the handles and keys that break no unique constraint.

    An identifier goes to one contact only: the one already holding it, else the first of
    the chunk to claim it; a contact keeps one handle per network. The others are dropped
    (the row matched its contact on something stronger: an email, a phone).
    """
    networks = {(c, n) for c, n, _v in had["handle"]}
    claimed: set[tuple] = set()
    handles, keys = [], []
    for c, n, v in sorted(added.get("handle", ())):
        if (
            known.get(("handle", n, v), c) == c
            and (c, n) not in networks
            and (n, v) not in claimed
        ):
            networks.add((c, n))
            claimed.add((n, v))
            handles.append((c, n, v))
    for c, source, k in sorted(added.get("key", ())):
        if known.get(("key", source, k), c) == c and (source, k) not in claimed:
            claimed.add((source, k))
            keys.append((c, source, k))
    return handles, keys


def _existing_links(ids: list[int]) -> dict[str, set]:
    """Return the links the contacts `ids` already have (new contacts have none)."""
    return {
        "tag": store.select(Contact.tags.through, ["contact_id", "tag_id"], "contact_id", ids),
        "source": store.select(ContactSource, ["contact_id", "source"], "contact_id", ids),
        "handle": store.select(Handle, ["contact_id", "network", "value"], "contact_id", ids),
        "key": store.select(ExternalKey, ["contact_id", "source", "key"], "contact_id", ids),
    }
