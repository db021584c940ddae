"""Find the contact each row of a chunk names, in the chunk or in the database.

A row names the contact that has one of its emails (ignoring case, the contact's further
addresses included), else one of its phones, else the same handle on the same network,
else the same key in the same source; rows of the chunk that name the same person share one
contact, a new one if nobody has it yet.
"""

from dataclasses import dataclass, field, fields
from operator import attrgetter

from contacts.choices import Network
from contacts.importing import store
from contacts.importing.row import Row
from contacts.models import Contact, ContactPoint, ExternalKey, Handle
from contacts.names import names_differ

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
_filled_values = attrgetter(*FILLED_FIELDS)


class NewContact:
    """A contact an import is about to create: the fields, without a model instance.

    What a new contact holds until the import sets it is read from the class; the row's
    values are set on the instance (a million rows: one dict update each).
    """

    pk = None

    def __init__(self, row: Row):
        self.__dict__.update(zip(FILLED_FIELDS, _filled_values(row), strict=True))


for _name, _value in _BLANK:
    setattr(NewContact, _name, _value)


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
    proof_at: str = ""  # when and from where the file says the person consented
    proof_ip: str = ""
    # The contacts a row's number or profile named but whose name is another person's:
    # probable duplicates for the owner to review, never merged silently.
    rivals: list["Slot"] = field(default_factory=list)

    @property
    def email(self) -> str:
        """The address this contact is known by, or will be once created."""
        return self.contact.email or next((r.email for r in self.rows if r.email), "")


def find_contacts(rows: list[Row]) -> tuple[dict[tuple, list[int]], list[Slot]]:
    """Return the contact ids each identifier of the rows belongs to, and the rows grouped
    by the contact they name (locked, if it exists, until the transaction ends)."""
    known = _known(rows)
    return known, _match(rows, known)


def emails(row: Row) -> list[str]:
    """Return every address of the row, the main one first."""
    return [row.email, *(value for value, _label in row.other_emails)] if row.email else []


def phones(row: Row) -> list[str]:
    """Return every number of the row, the main one first."""
    return [row.phone, *(value for value, _label in row.other_phones)] if row.phone else []


def _keys(row: Row) -> list[tuple]:
    """Return the row's identifiers, strongest first: its addresses, its numbers, its
    profiles, its website (colleagues may share one), its key in the file."""
    keys = [("email", email.lower()) for email in emails(row)]
    keys += [("phone", phone) for phone in phones(row)]
    if row.handles:
        handles = sorted(row.handles.items(), key=lambda item: item[0] == Network.WEBSITE)
        keys += [("handle", network, value) for network, value in handles]
    if row.external_key:
        keys.append(("key", row.source, row.external_key))
    return keys


def _known(rows: list[Row]) -> dict[tuple, list[int]]:
    """Return the contacts each identifier of the rows already belongs to, oldest first."""
    found: set[tuple] = set()
    addresses = {email.lower() for row in rows for email in emails(row)}
    # The partial unique index's own condition, word for word, so that it serves.
    found |= {("email", *item) for item in store.select(
        Contact, ["LOWER(email)", "id"], "LOWER(email)", addresses, EMAIL_INDEXED)}  # fmt: skip
    numbers = {phone for row in rows for phone in phones(row)}
    found |= {
        ("phone", *item) for item in store.select(Contact, ["phone", "id"], "phone", numbers)
    }
    points = store.select(ContactPoint, ["kind", "LOWER(value)", "contact_id"], "LOWER(value)",
                          addresses | numbers, "understood")  # fmt: skip
    found |= set(points)
    handles = {(n, v) for row in rows for n, v in row.handles.items()}
    found |= {("handle", *item) for item in store.select(
        Handle, ["network", "value", "contact_id"], "value", {v for _n, v in handles},
        leading=("network", {n for n, _v in handles}))}  # fmt: skip
    keys = {(r.source, k) for r in rows for k in (r.external_key, r.name_key) if k}
    found |= {("key", *item) for item in store.select(
        ExternalKey, ["source", "key", "contact_id"], "key", {k for _s, k in keys},
        leading=("source", {s for s, _k in keys}))}  # fmt: skip
    known: dict[tuple, list[int]] = {}
    for *key, pk in found:
        known.setdefault(tuple(key), []).append(pk)
    for pks in known.values():
        if len(pks) > 1:  # a number several contacts share: the oldest first
            pks.sort()
    return known


class _Matcher:
    """Give each row the contact its strongest identifier names, in the chunk or the
    database.

    A row never joins a contact whose address differs from its own: that is another person
    sharing a phone or a profile (a switchboard, a shop), kept apart. Nor one whose name is
    clearly another's (a couple's landline): kept apart too, and listed as a probable
    duplicate; such a row is found again by its name in the file.
    """

    def __init__(self, known: dict[tuple, list[int]]):
        self.known = known
        # Lock the contacts the rows name, in one order: an unsubscribe committing
        # meanwhile must not be overwritten by the values read here.
        ids = sorted({pk for pks in known.values() for pk in pks})
        locked = Contact.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        self.contacts = {contact.pk: contact for contact in locked}
        self.by_key: dict[tuple, list[Slot]] = {}
        self.by_id: dict[int, Slot] = {}
        self.slots: list[Slot] = []

    def add(self, row: Row) -> None:
        keys = _keys(row)
        slot, rivals = self._find(row, keys)
        if slot is None and rivals and row.name_key:
            row.external_key = row.external_key or row.name_key  # found by name next time
            keys.append(("key", row.source, row.external_key))
            slot, _rivals = self._find(row, keys[-1:])
        if slot is None:
            slot = Slot(NewContact(row), is_new=True, rivals=rivals)
        if not slot.rows:
            self.slots.append(slot)
            if not slot.is_new:
                self.by_id[slot.contact.pk] = slot
        slot.rows.append(row)
        for key in keys:
            holders = self.by_key.setdefault(key, [])
            if slot not in holders:
                holders.append(slot)

    def _find(self, row: Row, keys: list[tuple]) -> tuple[Slot | None, list[Slot]]:
        """Return the contact the row names, and those its identifiers named in vain."""
        rivals = []
        for key in keys:
            for candidate in self._candidates(key):
                if key[0] == "email" or _same_person(candidate, row):
                    return candidate, []
                if _same_address(candidate, row) and candidate not in rivals:
                    rivals.append(candidate)  # another name: a probable duplicate
        return None, rivals

    def _candidates(self, key: tuple) -> list[Slot]:
        if key not in self.known:  # most rows: nobody has it yet, or one of the chunk
            return self.by_key.get(key, [])
        slots = list(self.by_key.get(key, ()))
        for pk in self.known[key]:
            if pk in self.contacts:  # not deleted since the lookup
                slot = self.by_id.get(pk) or self._existing(pk)
                if slot not in slots:
                    slots.append(slot)
        return slots

    def _existing(self, pk: int) -> Slot:
        contact = self.contacts[pk]
        slot = Slot(contact, old_status=contact.email_status, old_basis=contact.consent_basis)
        self.by_id[pk] = slot
        return slot


def _match(rows: list[Row], known: dict[tuple, list[int]]) -> list[Slot]:
    matcher = _Matcher(known)
    for row in rows:
        matcher.add(row)
    return matcher.slots


def _same_address(slot: Slot, row: Row) -> bool:
    """Return whether nothing in the addresses tells the row from the slot's contact."""
    return not (row.email and slot.email and slot.email.lower() not in map(str.lower, emails(row)))


def _same_person(slot: Slot, row: Row) -> bool:
    contact = slot.contact
    return _same_address(slot, row) and not names_differ(
        (contact.first_name, contact.last_name), (row.first_name, row.last_name)
    )
