"""Facebook: friends and address books ("Download your information", JSON), and the
Lead Ads CSV of a lead form."""

from contacts.choices import Source
from contacts.importing.formats import spreadsheet
from contacts.importing.formats.columns import Record, has, pick
from contacts.importing.formats.entries import as_list, entries, rows, text
from contacts.importing.row import Row

NAME = "facebook"
SIGNS = (b'"friends', b'"address_book')  # what the first megabyte of its JSON shows

detect_header = has("created time", "ad id", "form name")


def detect_json(data):
    """Return the reader of this JSON export if it is Facebook's, else None."""
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("friends_v2", data.get("friends")), list):
        return read_friends
    if "address_book_v2" in data or "address_book" in data:
        return read_address_book
    return None


def read_friends(data):
    """Yield the friends of a friends.json."""
    return rows(entries(data, "friends_v2", "friends"), _friend)


def read_address_book(data):
    """Yield the entries of an address book the user gave Facebook (from a phone)."""
    return rows(entries(data, "address_book_v2", "address_book"), _address_book_entry)


def read_record(record: Record, line: int) -> Row:
    """Read one lead of a Lead Ads CSV."""
    row = spreadsheet.read_record(record, line, Source.FACEBOOK)
    row.full_name = pick(record, "full name")
    row.email = pick(record, "email")
    row.phone = pick(record, "phone number").removeprefix("p:")
    row.external_key = "lead:" + pick(record, "id").removeprefix("l:")
    return row


def _friend(line: int, friend: dict) -> Row:
    name = text(friend.get("name"))
    row = Row(
        line=line, source=Source.FACEBOOK, full_name=name, email=text(friend.get("contact_info"))
    )
    # A friend carries nothing but a name and the day of the friendship: together
    # they find the same person when the same export is imported again.
    row.external_key = f"friend:{name.casefold()}|{text(friend.get('timestamp'))}"
    return row


def _address_book_entry(line: int, entry: dict) -> Row:
    row = Row(line=line, source=Source.FACEBOOK, full_name=text(entry.get("name")))
    for detail in as_list(entry.get("details")):
        point = text(detail.get("contact_point")).strip() if isinstance(detail, dict) else ""
        if "@" in point:
            row.email = row.email or point
        elif point:
            row.phone = row.phone or point
    stamp = text(entry.get("created_timestamp"))
    row.external_key = f"book:{row.full_name.casefold()}|{stamp}"
    return row
