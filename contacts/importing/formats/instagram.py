"""Instagram: the accounts followed and following ("Download your information", JSON)."""

from urllib.parse import urlsplit

from contacts.choices import Network, Source
from contacts.importing.formats.entries import as_list, entries, rows, text
from contacts.importing.row import Row

NAME = "instagram"
SIGNS = (b'"relationships_', b'"string_list_data')  # what the first megabyte of its JSON shows


def detect_json(data):
    """Return the reader of this JSON export if it is Instagram's, else None."""
    if isinstance(data, dict):
        followed = "relationships_following" in data or "relationships_followers" in data
        return read_json if followed else None
    first = data[0] if isinstance(data, list) and data else None
    return read_json if isinstance(first, dict) and "string_list_data" in first else None


def read_json(data):
    """Yield the accounts listed, each as an Instagram handle."""
    return rows(entries(data, "relationships_following", "relationships_followers"), _entry)


def _entry(line: int, entry: dict) -> Row:
    row = Row(line=line, source=Source.INSTAGRAM)
    data = next((d for d in as_list(entry.get("string_list_data")) if isinstance(d, dict)), {})
    name = text(data.get("value")) or text(entry.get("title"))
    if not name and (href := text(data.get("href"))):
        name = urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1]
    if name:
        row.handles[Network.INSTAGRAM] = name
    return row
