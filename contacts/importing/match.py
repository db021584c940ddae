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
from contacts.importing.clean import max_length
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


def _keys(row: Row) -> list[tuple]:
    """Return the row's identifiers, strongest first: its addresses, its numbers, its
    profiles, its website (colleagues may share one), its key in the file."""
    keys = [("email", email.lower()) for email in row.emails()]
    keys += [("phone", phone) for phone in row.phones()]
    if row.handles:
        handles = sorted(row.handles.items(), key=lambda item: item[0] == Network.WEBSITE)
        keys += [("handle", network, value) for network, value in handles]
    if row.external_key:
        keys.append(("key", row.source, row.external_key))
    return keys


def _fallback_key(row: Row, profile: str) -> str:
    """Return the key that finds again, by name, a row whose profile is someone else's.

    The profile is part of it: two namesakes on other profiles stay two people.
    """
    return f"{row.name_key}|{profile}"[: max_length("ExternalKey", "key")]


def _known(rows: list[Row]) -> dict[tuple, list[int]]:
    """Return the contacts each identifier of the rows already belongs to: for an address
    or a number, those whose main one it is first, the oldest first."""
    addresses = {email.lower() for row in rows for email in row.emails()}
    numbers = {phone for row in rows for phone in row.phones()}
    handles = {(n, v) for row in rows for n, v in row.handles.items()}
    keys = {(r.source, k) for r in rows for k in _file_keys(r)}
    found = [
        # The partial unique index's own condition, word for word, so that it serves.
        [("email", *item) for item in store.select(
            Contact, ["LOWER(email)", "id"], "LOWER(email)", addresses, EMAIL_INDEXED)],
        [("phone", *item) for item in store.select(Contact, ["phone", "id"], "phone", numbers)],
        store.select(ContactPoint, ["kind", "LOWER(value)", "contact_id"], "LOWER(value)",
                     addresses | numbers, "understood"),
        [("handle", *item) for item in store.select(
            Handle, ["network", "value", "contact_id"], "value", {v for _n, v in handles},
            leading=("network", {n for n, _v in handles}))],
        [("key", *item) for item in store.select(
            ExternalKey, ["source", "key", "contact_id"], "key", {k for _s, k in keys},
            leading=("source", {s for s, _k in keys}))],
    ]  # fmt: skip
    known: dict[tuple, list[int]] = {}
    for holders in found:  # main addresses and numbers before further ones
        for *key, pk in sorted(holders):
            known.setdefault(tuple(key), []).append(pk)
    return known


def _file_keys(row: Row) -> list[str]:
    """Return the keys the row may be known by in its source: the file's own, its name's,
    and its name's beside each of its profiles (see _fallback_key)."""
    keys = [row.external_key] if row.external_key else []
    if row.name_key:
        profiles = [v for n, v in row.handles.items() if n != Network.WEBSITE]
        keys += [row.name_key, *(_fallback_key(row, profile) for profile in profiles)]
    return keys


class _Matcher:
    """Give each row the contact its strongest identifier names, in the chunk or the
    database.

    Only a main address shared by both identifies a person whatever the names. A row never
    joins a contact whose main address differs from its own: another person sharing a
    phone or a profile (a switchboard, a shop), kept apart. Nor one whose name is clearly
    another's (a couple's landline, a family's address): kept apart too, and listed as a
    probable duplicate; if it was that person's profile, the row is found again next time
    by its name beside that profile.
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
        slot, rivals, taken = self._find(row, keys)
        if slot is None and taken and taken[0] == "handle" and row.name_key:
            # A profile held by someone else (unique: not stored for this row).
            row.external_key = row.external_key or _fallback_key(row, taken[2])
            keys.append(("key", row.source, row.external_key))
            slot, _rivals, _taken = self._find(row, keys[-1:])
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

    def _find(self, row: Row, keys: list[tuple]) -> tuple[Slot | None, list[Slot], tuple]:
        """Return the contact the row names, those its identifiers named in vain (another
        name: probable duplicates), and the first identifier that named them."""
        rivals, taken = [], ()
        for key in keys:
            for candidate in self._candidates(key):
                if _same_person(key, candidate, row):
                    return candidate, [], ()
                if _names_differ(candidate, row) and (
                    key[0] == "email" or _same_address(candidate, row)
                ):
                    taken = taken or key
                    rivals += [candidate] if candidate not in rivals else []
        return None, rivals, taken

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


def _same_person(key: tuple, slot: Slot, row: Row) -> bool:
    """Return whether the row describes the slot's contact, found by `key`."""
    if key[0] == "email":  # the main address of both identifies; a further one may be shared
        main = row.email.lower() == key[1] == slot.email.lower()
        return main or not _names_differ(slot, row)
    return _same_address(slot, row) and not _names_differ(slot, row)


def _same_address(slot: Slot, row: Row) -> bool:
    """Return whether nothing in the addresses tells the row from the slot's contact."""
    mine = [email.lower() for email in row.emails()]
    return not (mine and slot.email and slot.email.lower() not in mine)


def _names_differ(slot: Slot, row: Row) -> bool:
    contact = slot.contact
    return names_differ((contact.first_name, contact.last_name), (row.first_name, row.last_name))
