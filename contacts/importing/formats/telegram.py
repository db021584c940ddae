"""Telegram Desktop's export of contacts (result.json)."""

from contacts.choices import Source
from contacts.importing.formats.entries import entries, rows, text
from contacts.importing.row import Row

NAME = "telegram"
SIGNS = (b'"contacts"',)  # what the first megabyte of its JSON shows


def detect_json(data):
    """Return the reader of this JSON export if it is Telegram's, else None."""
    if isinstance(data, dict) and isinstance(data.get("contacts"), dict):
        return read_json if "list" in data["contacts"] else None
    return None


def read_json(data):
    """Yield the contacts listed; a user id finds the same person again."""
    return rows(entries(data.get("contacts"), "list"), _entry)


def _entry(line: int, entry: dict) -> Row:
    row = Row(
        line=line,
        source=Source.TELEGRAM,
        first_name=text(entry.get("first_name")),
        last_name=text(entry.get("last_name")),
        phone=text(entry.get("phone_number")),
    )
    if user_id := text(entry.get("user_id")):
        row.external_key = f"user:{user_id}"
    return row
