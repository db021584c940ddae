"""Find the contact each row of a chunk names, in the chunk or in the database.

A row names the contact that has the same email (ignoring case), else the same phone, else
the same handle on the same network, else the same key in the same source; rows of the
chunk that name the same person share one contact, a new one if nobody has it yet.
"""

from dataclasses import dataclass, field, fields

from contacts.choices import Network
from contacts.importing import store
from contacts.importing.row import Row
from contacts.models import Contact, ExternalKey, Handle

EMAIL_INDEXED = """NOT ("email" = '')"""
CONTACT_COLUMNS = [f.attname for f in Contact._meta.concrete_fields]


def _blank(field):
    """Return what a new contact holds in `field` until the import sets it."""
    if field.has_default() and not callable(field.default):
        return field.default
    return "" if field.empty_strings_allowed and not field.null else None


_BLANK = [(f.attname, _blank(f)) for f in Contact._meta.concrete_fields]
# The fields of a contact a row fills: those a Row has too (a row names its company, a
# contact links to one: written apart).
FILLED_FIELDS = tuple(name for name in CONTACT_COLUMNS if name in {f.name for f in fields(Row)})


class NewContact:
    """A contact an import is about to create: the fields, without a model instance."""

    __slots__ = (*CONTACT_COLUMNS, "pk")

    def __init__(self, row: Row):
        self.pk = None
        for name, value in _BLANK:
            setattr(self, name, value)
        for name in FILLED_FIELDS:
            setattr(self, name, getattr(row, name))


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


def find_contacts(rows: list[Row]) -> tuple[dict[tuple, int], list[Slot]]:
    """Return the contact id each identifier of the rows belongs to, and the rows grouped
    by the contact they name (locked, if it exists, until the transaction ends)."""
    known = _known(rows)
    return known, _match(rows, known)


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
