"""The JSON exports of Facebook, Instagram and Telegram, recognised by their keys.

A JSON export is whatever its producer wrote that year: every value is checked for its
type, and an entry of the wrong shape is reported as such, never a crash.
"""

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

from contacts.choices import Network, Source
from contacts.importing.rows import BadRecord, Row
from contacts.importing.text import repair_mojibake


def _text(value) -> str:
    """Return a scalar as text (mojibake repaired), anything else as ""."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return repair_mojibake(str(value))


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _entries(data, *keys: str) -> Iterator[tuple[int, dict] | BadRecord]:
    """Yield (line, entry) for the objects listed under one of `keys` (or in `data`)."""
    found = data if isinstance(data, list) else []
    for key in keys if isinstance(data, dict) else ():
        value = data.get(key)
        if isinstance(value, dict):
            value = value.get("address_book", value.get("list"))
        if isinstance(value, list):
            found = value
            break
    for line, entry in enumerate(found, start=1):
        yield (line, entry) if isinstance(entry, dict) else BadRecord(line, "not an object")


def _rows(entries, read: Callable[[int, dict], Row]) -> Iterator[Row | BadRecord]:
    for item in entries:
        yield item if isinstance(item, BadRecord) else read(*item)


def _friend(line: int, friend: dict) -> Row:
    name = _text(friend.get("name"))
    row = Row(
        line=line, source=Source.FACEBOOK, full_name=name, email=_text(friend.get("contact_info"))
    )
    # A friend carries nothing but a name and the day of the friendship: together
    # they find the same person when the same export is imported again.
    row.external_key = f"friend:{name.casefold()}|{_text(friend.get('timestamp'))}"
    return row


def _address_book_entry(line: int, entry: dict) -> Row:
    row = Row(line=line, source=Source.FACEBOOK, full_name=_text(entry.get("name")))
    for detail in _list(entry.get("details")):
        point = _text(detail.get("contact_point")).strip() if isinstance(detail, dict) else ""
        if "@" in point:
            row.email = row.email or point
        elif point:
            row.phone = row.phone or point
    stamp = _text(entry.get("created_timestamp"))
    row.external_key = f"book:{row.full_name.casefold()}|{stamp}"
    return row


def _instagram_entry(line: int, entry: dict) -> Row:
    row = Row(line=line, source=Source.INSTAGRAM)
    data = next((d for d in _list(entry.get("string_list_data")) if isinstance(d, dict)), {})
    name = _text(data.get("value")) or _text(entry.get("title"))
    if not name and (href := _text(data.get("href"))):
        name = urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1]
    if name:
        row.handles[Network.INSTAGRAM] = name
    return row


def _telegram_entry(line: int, entry: dict) -> Row:
    row = Row(
        line=line,
        source=Source.TELEGRAM,
        first_name=_text(entry.get("first_name")),
        last_name=_text(entry.get("last_name")),
        phone=_text(entry.get("phone_number")),
    )
    if user_id := _text(entry.get("user_id")):
        row.external_key = f"user:{user_id}"
    return row


def facebook_friends(data):
    return _rows(_entries(data, "friends_v2", "friends"), _friend)


def facebook_address_book(data):
    return _rows(_entries(data, "address_book_v2", "address_book"), _address_book_entry)


def instagram(data):
    entries = _entries(data, "relationships_following", "relationships_followers")
    return _rows(entries, _instagram_entry)


def telegram(data):
    return _rows(_entries(data.get("contacts"), "list"), _telegram_entry)


_CONTACT_KEYS = (b'"friends', b'"address_book', b'"relationships_', b'"string_list_data',
                 b'"contacts"')  # fmt: skip


def may_be_contacts(head: bytes) -> bool:
    """Tell from its first bytes whether a JSON file may be a contact export."""
    return any(key in head for key in _CONTACT_KEYS)


def detect(data) -> tuple[str, Callable] | None:
    """Return (format name, reader) for a parsed JSON export, or None."""
    if isinstance(data, dict):
        if isinstance(data.get("friends_v2", data.get("friends")), list):
            return "facebook", facebook_friends
        if "address_book_v2" in data or "address_book" in data:
            return "facebook", facebook_address_book
        if "relationships_following" in data or "relationships_followers" in data:
            return "instagram", instagram
        if isinstance(data.get("contacts"), dict) and "list" in data["contacts"]:
            return "telegram", telegram
    first = data[0] if isinstance(data, list) and data else None
    if isinstance(first, dict) and "string_list_data" in first:
        return "instagram", instagram
    return None
