"""What the JSON formats share: entries read whatever shape their producer gave them.

A JSON export is whatever its producer wrote that year: every value is checked for its
type, and an entry of the wrong shape is reported as such, never a crash.
"""

from collections.abc import Callable, Iterator

from django.utils.translation import gettext as _

from contacts.importing.decode import repair_mojibake
from contacts.importing.row import BadRecord, Row


def text(value) -> str:
    """Return a scalar as text (mojibake repaired), anything else as ""."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return repair_mojibake(str(value))


def as_list(value) -> list:
    """Return the value if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def entries(data, *keys: str) -> Iterator[tuple[int, dict] | BadRecord]:
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
        if isinstance(entry, dict):
            yield line, entry
        else:
            yield BadRecord(line, _("Unreadable entry: not a contact record."))


def rows(items, read: Callable[[int, dict], Row]) -> Iterator[Row | BadRecord]:
    """Yield each entry read, and each entry of the wrong shape as a BadRecord."""
    for item in items:
        yield item if isinstance(item, BadRecord) else read(*item)
