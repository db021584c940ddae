"""Write a chunk of clean rows into the database with a handful of set-based queries.

1. Find, for every row, the contact it names (contacts.importing.match).
2. Fill what is empty, never overwrite what differs (listed as a conflict), add tags,
   sources, handles and keys, and apply the consent an import may apply.
3. Write it all with bulk inserts and one bulk update, in the caller's transaction.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter

from django.db import connection
from django.db.models.functions import Lower
from django.utils import timezone

from contacts import consent
from contacts.choices import Network
from contacts.importing import MAX_LISTED, store
from contacts.importing.match import (
    CONTACT_COLUMNS,
    FILLED_FIELDS,
    NewContact,
    Slot,
    find_contacts,
)
from contacts.importing.row import Row
from contacts.models import (
    Company,
    ConsentChange,
    ConsentEvent,
    Contact,
    ContactPoint,
    ContactSource,
    ExternalKey,
    Handle,
    Tag,
)

POINT_COLUMNS = ["contact_id", "kind", "value", "label", "understood"]
_POINT_VALUE = ContactPoint._meta.get_field("value").max_length
_POINT_LABEL = ContactPoint._meta.get_field("label").max_length


@dataclass
class Settings:
    basis: str
    extra_tags: list[str]
    update_existing: bool
    change: ConsentChange
    names: dict = field(default_factory=dict)  # tags and companies met so far


@dataclass
class Tally:
    """What became of the rows written: each row is counted once, in one figure."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    conflicts: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)


def merge_rows(rows: list[Row], options: Settings, tally: Tally) -> None:
    """Match each row to its contact, then write what the rows bring, counting in `tally`."""
    store.prepare_lookups()
    known, slots = find_contacts(rows)
    if not options.update_existing:
        slots = _skip_existing(slots, options, tally)
    companies = _named(
        Company, {r.company for s in slots for r in s.rows if r.company}, options.names
    )
    brought = {id(row) for slot in slots for row in slot.rows
               if _apply(slot, row, options, companies, tally)}  # fmt: skip
    _write(slots, options, tally, known, brought)


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


def _apply(slot: Slot, row: Row, options: Settings, companies: dict, tally: Tally) -> bool:
    """Apply the row to its contact; return whether it changed one of the contact's fields."""
    contact = slot.contact
    if row is slot.rows[0] and slot.is_new:  # the contact was made of this row
        slot.changed = changed = True
    else:
        changed = _fill(slot, row, tally)
    if row.company and contact.company_id is None:
        contact.company_id = companies[row.company.lower()].pk
        slot.changed = changed = True
    return _apply_consent(slot, row, options.basis) or changed


def _fill(slot: Slot, row: Row, tally: Tally) -> bool:
    """Fill the contact's empty fields from the row; list the values that differ. Return
    whether a field was filled."""
    contact, filled = slot.contact, False
    for name in FILLED_FIELDS:
        incoming, current = getattr(row, name), getattr(contact, name)
        if incoming and not current:
            setattr(contact, name, incoming)
            slot.changed = filled = True
        elif not slot.is_new and name not in _KEPT_BESIDE and _differs(current, incoming):
            _note_conflict(tally, contact, name, current, incoming, row.line)
    return filled


# Kept beside the contact's own value, not in conflict with it: notes, and an address or
# a number other than its main one (a further one, see _points).
_KEPT_BESIDE = ("notes", "email", "phone")


def _note_conflict(tally: Tally, contact, name: str, current, incoming, line: int) -> None:
    if len(tally.conflicts) < MAX_LISTED:
        tally.conflicts.append(
            {"contact": contact.pk, "field": name, "existing": current,
             "incoming": incoming, "line": line}
        )  # fmt: skip


def _apply_consent(slot: Slot, row: Row, basis: str, blocked_only: bool = False) -> bool:
    """Apply what the row says of consent, if it speaks of this contact's own address;
    return whether the contact's status or basis changed."""
    contact = slot.contact
    if not row.email or row.email.lower() != (contact.email or row.email).lower():
        return False
    status, new_basis = consent.for_existing_contact(
        contact.email_status, contact.consent_basis, row, basis
    )
    if blocked_only and status not in consent.BLOCKED_STATUSES:
        return False
    if (status, new_basis) == (contact.email_status, contact.consent_basis):
        return False
    contact.email_status, contact.consent_basis = status, new_basis
    slot.changed = True
    if row.proof:
        slot.proofs.append(row.proof)
        slot.proof_at, slot.proof_ip = row.proof_at, row.proof_ip
    return True


def _differs(current: str, incoming: str) -> bool:
    return bool(incoming) and current.lower() != incoming.lower()


def _write(slots: list[Slot], options: Settings, tally: Tally, known: dict, brought: set) -> None:
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
    added, tags = _write_links(slots, options, known, now)
    links_added = {item[0] for items in added.values() for item in items}
    store.insert(ConsentEvent, consent.COLUMNS, _consent_records(slots, options.change, now))
    # The timeline shows where each contact came from through its sources (ContactSource
    # rows, dated): no activity row per imported contact.
    touched = {s.contact.pk for s in existing if s.changed or s.contact.pk in links_added}
    tally.duplicates += _probable_duplicates(new) + _rivals(new)
    # Only a contact named by several rows of the chunk needs to know whose its links are.
    repeated = len(slots) < sum(len(s.rows) for s in slots)
    row_links = _links_written(added, tags) if repeated else None
    for slot in slots:
        _count_rows(slot, slot.is_new or slot.contact.pk in touched, brought, row_links, tally)


def _count_rows(slot: Slot, touched: bool, brought: set[int], row_links, tally: Tally) -> None:
    """Count each of the slot's rows once, in one figure. A contact named by one row counts
    it as what became of the contact (created, completed or unchanged). Named by several
    (the same person again in the file), the row it was made of counts as created, and a
    row completes it if it filled a field or changed its consent, or if one of the links
    written (a tag, a profile, a further address...) is its own, given by no row before it;
    else the row is unchanged.

    (A contact's rows were counted once together: a file naming someone twice had a row
    counted nowhere.) An existing contact left alone (--on-duplicate skip) has no rows
    here: they were counted as skipped.
    """
    if len(slot.rows) < 2:  # most contacts
        kind = "created" if slot.is_new else "updated" if touched else "unchanged"
        setattr(tally, kind, getattr(tally, kind) + len(slot.rows))
        return
    given: set[tuple] = set()
    for index, row in enumerate(slot.rows):
        links = row_links(slot, row)
        if index == 0 and slot.is_new:
            tally.created += 1
        elif id(row) in brought or not links <= given:
            tally.updated += 1
        else:
            tally.unchanged += 1
        given |= links


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


def _rivals(new: list[Slot]) -> list[dict]:
    """Return the new contacts whose number or profile is another person's."""
    return [
        {"contact": slot.contact.pk, "other": rival.contact.pk, "name": _full_name(slot.contact)}
        for slot in new
        for rival in slot.rivals
    ]


def _full_name(contact) -> str:
    return f"{contact.first_name} {contact.last_name}"


_contact_values = attrgetter(*CONTACT_COLUMNS)


def _contact_row(contact: NewContact, now) -> tuple:
    contact.created_at = contact.updated_at = now
    return _contact_values(contact)


def _consent_records(slots: list[Slot], change: ConsentChange, now) -> list[tuple]:
    """Return the consent records of the contacts whose status or basis changed."""
    moves = (
        (s.contact, s.old_status, s.old_basis, _when(s.proof_at), s.proof_ip, "; ".join(s.proofs))
        for s in slots
    )
    return consent.import_records(moves, change, now)


def _when(value: str):
    """Return the time a file gives (ISO 8601, UTC unless it says) as the database wants
    it, or None."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return connection.ops.adapt_datetimefield_value(moment)


def _wanted_links(slots: list[Slot], tags: dict) -> dict[str, set]:
    tag_ids = {name: tag.pk for name, tag in tags.items()}
    wanted_tags, sources, handles, keys = set(), set(), set(), set()
    points = {}
    for slot in slots:
        pk = slot.contact.pk
        points.update(_points(slot))
        for row in slot.rows:
            wanted_tags.update([(pk, tag_ids[t.lower()]) for t in row.tags])
            sources.add((pk, row.source))
            if row.handles:
                handles.update([(pk, n, v) for n, v in row.handles.items()])
            if row.external_key:
                keys.add((pk, row.source, row.external_key))
    return {
        "tag": wanted_tags, "source": sources, "handle": handles, "key": keys,
        "point": set(points.values()),
    }  # fmt: skip


def _points(slot: Slot) -> dict[tuple, tuple]:
    """Return the further addresses and numbers the rows give the contact, and those kept
    as written, by (contact, kind, value folded): each once, none its main one."""
    contact = slot.contact
    own = {("email", contact.email.lower()), ("phone", contact.phone)}
    found = {}
    for row in slot.rows:
        if _nothing_beside(row, own):
            continue
        given = [("email", v, label, True) for v, label in [(row.email, ""), *row.other_emails]]
        given += [("phone", v, label, True) for v, label in [(row.phone, ""), *row.other_phones]]
        given += [(kind, value, "", False) for kind, value in row.not_understood]
        for kind, value, label, understood in given:
            value, label = value[:_POINT_VALUE], label[:_POINT_LABEL]
            if value and (kind, value.lower()) not in own:
                found.setdefault((contact.pk, kind, value.lower()),
                                 (contact.pk, kind, value, label, understood))  # fmt: skip
    return found


def _nothing_beside(row: Row, own: set[tuple]) -> bool:
    """Return whether the row gives no address or number beside the contact's own (most
    rows: checked first, as a million rows go through here)."""
    return (
        not (row.other_emails or row.other_phones or row.not_understood)
        and (not row.email or ("email", row.email.lower()) in own)
        and (not row.phone or ("phone", row.phone) in own)
    )


def _write_links(slots: list[Slot], options: Settings, known: dict, now) -> tuple[dict, dict]:
    """Add the tags, sources, handles and keys the rows bring; return those added, by kind,
    and the tags by name folded."""
    for slot in slots:
        for row in slot.rows:
            row.tags = [*row.tags, *options.extra_tags]
    tags = _named(Tag, {t for s in slots for r in s.rows for t in r.tags}, options.names)
    existing = [s.contact.pk for s in slots if not s.is_new]
    had = _existing_links(existing)
    wanted = _wanted_links(slots, tags)
    points = wanted.pop("point")
    added = {kind: links - had[kind] for kind, links in wanted.items()}
    added["point"] = _new_points(points, existing)
    added["handle"], added["key"] = _claimable(added, had, known)
    store.insert(Contact.tags.through, ["contact_id", "tag_id"], sorted(added.get("tag", ())))
    store.insert(
        ContactSource,
        ["contact_id", "source", "added_at"],
        [(c, s, now) for c, s in sorted(added.get("source", ()))],
    )
    store.insert(Handle, ["contact_id", "network", "value"], sorted(added["handle"]))
    store.insert(ExternalKey, ["contact_id", "source", "key"], sorted(added["key"]))
    store.insert(ContactPoint, POINT_COLUMNS, sorted(added["point"]))
    return added, tags


def _links_written(added: dict, tags: dict) -> Callable[[Slot, Row], set[tuple]]:
    """Return a function giving the links written of those a slot's row brings."""
    points = {("point", c, kind, value.lower()) for c, kind, value, *_ in added["point"]}
    written = {(kind, *item) for kind, items in added.items() if kind != "point" for item in items}
    written |= points  # a point is told by its value folded, whatever its label
    tag_ids = {name: tag.pk for name, tag in tags.items()}

    def row_links(slot: Slot, row: Row) -> set[tuple]:
        pk = slot.contact.pk
        links = {("tag", pk, tag_ids[t.lower()]) for t in row.tags}
        links |= {("source", pk, row.source), ("key", pk, row.source, row.external_key)}
        links |= {("handle", pk, n, v) for n, v in row.handles.items()}
        values = [("email", v.lower()) for v in row.emails()]
        values += [("phone", v) for v in row.phones()]
        values += [(kind, value.lower()) for kind, value in row.not_understood]
        links |= {("point", pk, kind, value[:_POINT_VALUE].lower()) for kind, value in values}
        return links & written

    return row_links


def _claimable(added: dict, had: dict, known: dict) -> tuple[list, list]:
    """Return the handles and keys that break no unique constraint.

    A profile or a key goes to one contact only: the one already holding it, else the
    first of the chunk to claim it (a row whose profile is someone else's is found again
    by its name beside it, see match.py); a website may be shared (colleagues). A contact
    keeps one handle per network.
    """
    networks = {(c, n) for c, n, _v in had["handle"]}
    claimed: set[tuple] = set()
    handles, keys = [], []
    for c, n, v in sorted(added.get("handle", ())):
        unique = n != Network.WEBSITE
        if (c, n) not in networks and not (
            unique and (_holder(known, ("handle", n, v), c) != c or (n, v) in claimed)
        ):
            networks.add((c, n))
            claimed.add((n, v))
            handles.append((c, n, v))
    for c, source, k in sorted(added.get("key", ())):
        if _holder(known, ("key", source, k), c) == c and (source, k) not in claimed:
            claimed.add((source, k))
            keys.append((c, source, k))
    return handles, keys


def _new_points(points: set[tuple], existing: list[int]) -> set[tuple]:
    """Return the points the contacts do not have yet: the same kind and value (folded),
    whatever its label."""
    ids = {point[0] for point in points}.intersection(existing)
    had = store.select(ContactPoint, ["contact_id", "kind", "value"], "contact_id", ids)
    had = {(c, kind, value.lower()) for c, kind, value in had}
    return {p for p in points if (p[0], p[1], p[2].lower()) not in had}


def _holder(known: dict, key: tuple, default: int) -> int:
    """Return the contact holding a unique identifier, else `default`."""
    return known[key][0] if key in known else default


def _existing_links(ids: list[int]) -> dict[str, set]:
    """Return the links the contacts `ids` already have (new contacts have none)."""
    return {
        "tag": store.select(Contact.tags.through, ["contact_id", "tag_id"], "contact_id", ids),
        "source": store.select(ContactSource, ["contact_id", "source"], "contact_id", ids),
        "handle": store.select(Handle, ["contact_id", "network", "value"], "contact_id", ids),
        "key": store.select(ExternalKey, ["contact_id", "source", "key"], "contact_id", ids),
    }
