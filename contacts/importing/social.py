"""The JSON exports of Facebook, Instagram and Telegram, recognised by their keys."""

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

from contacts.choices import Network, Source
from contacts.importing.rows import Row
from contacts.importing.text import repair_mojibake


def _entries(data, *keys: str) -> list:
    """Return the first list found under one of `keys` (or `data` itself if a list)."""
    if isinstance(data, list):
        return data
    for key in keys:
        value = data.get(key) if isinstance(data, dict) else None
        if isinstance(value, dict):
            value = value.get("address_book", value.get("list"))
        if isinstance(value, list):
            return value
    return []


def facebook_friends(data) -> Iterator[Row]:
    for line, friend in enumerate(_entries(data, "friends_v2", "friends"), start=1):
        name = repair_mojibake(str(friend.get("name", "")))
        row = Row(line=line, source=Source.FACEBOOK, full_name=name)
        row.email = repair_mojibake(str(friend.get("contact_info") or ""))
        # A friend carries nothing but a name and the day of the friendship: together
        # they find the same person when the same export is imported again.
        row.external_key = f"friend:{name.casefold()}|{friend.get('timestamp', '')}"
        yield row


def facebook_address_book(data) -> Iterator[Row]:
    entries = _entries(data, "address_book_v2", "address_book")
    for line, entry in enumerate(entries, start=1):
        row = Row(line=line, source=Source.FACEBOOK)
        row.full_name = repair_mojibake(str(entry.get("name", "")))
        for detail in entry.get("details") or []:
            point = repair_mojibake(str(detail.get("contact_point", ""))).strip()
            if "@" in point:
                row.email = row.email or point
            else:
                row.phone = row.phone or point
        row.external_key = f"book:{row.full_name.casefold()}|{entry.get('created_timestamp', '')}"
        yield row


def _instagram_name(entry: dict) -> str:
    data = (entry.get("string_list_data") or [{}])[0]
    name = data.get("value") or entry.get("title")
    if not name and data.get("href"):
        name = urlsplit(data["href"]).path.rstrip("/").rsplit("/", 1)[-1]
    return repair_mojibake(str(name or ""))


def instagram(data) -> Iterator[Row]:
    entries = _entries(data, "relationships_following", "relationships_followers")
    for line, entry in enumerate(entries, start=1):
        row = Row(line=line, source=Source.INSTAGRAM)
        if name := _instagram_name(entry):
            row.handles[Network.INSTAGRAM] = name
        yield row


def telegram(data) -> Iterator[Row]:
    for line, entry in enumerate(_entries(data.get("contacts", {}), "list"), start=1):
        row = Row(
            line=line,
            source=Source.TELEGRAM,
            first_name=str(entry.get("first_name", "")),
            last_name=str(entry.get("last_name", "")),
            phone=str(entry.get("phone_number", "")),
        )
        if entry.get("user_id"):
            row.external_key = f"user:{entry['user_id']}"
        yield row


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
    if (
        isinstance(data, list)
        and data
        and isinstance(data[0], dict)
        and "string_list_data" in data[0]
    ):
        return "instagram", instagram
    return None
