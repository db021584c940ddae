"""What the spreadsheet-shaped formats share: records keyed by folded column names."""

import csv
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import lru_cache

from contacts.importing.decode import header_key

Record = dict[str, str]
HeaderTest = Callable[[set[str]], bool]


def records(header: list[str], rows: Iterator[list[str]]) -> Iterator[tuple[int, Record]]:
    """Yield (row number, record) with keys folded; a repeated column gets "#2", "#3"…"""
    keys = column_keys(header)
    for number, values in rows:
        if "".join(values).strip():
            yield number, dict(zip(keys, values, strict=False))


def column_keys(header: list[str]) -> list[str]:
    """Return the header's names folded by header_key, repeated ones numbered."""
    keys, seen = [], {}
    for name in header:
        key = header_key(name)
        seen[key] = seen.get(key, 0) + 1
        keys.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return keys


def pick(record: Record, *keys: str) -> str:
    """Return the value of the first of `keys` the record fills."""
    for key in keys:
        value = record.get(key)
        if value and not value.isspace():
            return value
    return ""


def numbered(record: Record, pattern: str) -> list[str]:
    """Return the values of the numbered columns ("e mail 2 value"…), split on " ::: "."""
    values = [record[k] for k in _matching_keys(tuple(record), pattern) if record[k].strip()]
    return [part.strip() for v in values for part in v.split(":::") if part.strip()]


@lru_cache(maxsize=64)
def _matching_keys(keys: tuple[str, ...], pattern: str) -> list[str]:
    regex = re.compile(pattern)
    return [k for k in keys if regex.fullmatch(k)]


def labelled(record: Record, group: str) -> list[tuple[str, str]]:
    """Return the (value, label) of Google-style numbered groups ("e mail 2 value"…).

    A cell may hold several values (" ::: "), all under its group's label ("* Work" or a
    legacy "Type"); the "* " Google puts before the main value's label is left out.
    """
    found = []
    for key, label_keys in _groups(tuple(record), group):
        cell = record[key]
        if not cell or cell.isspace():
            continue
        label = pick(record, *label_keys).strip()
        values = [v.strip() for v in cell.split(":::")] if ":::" in cell else [cell.strip()]
        found += [(value, label) for value in values if value]
    return found


@lru_cache(maxsize=64)
def _groups(keys: tuple[str, ...], group: str) -> list[tuple[str, tuple[str, str]]]:
    """Return each numbered group's value column and its label columns (current, legacy)."""
    groups = []
    for key in _matching_keys(keys, rf"{group} \d+ value"):
        number = key.split()[-2]
        groups.append((key, (f"{group} {number} label", f"{group} {number} type")))
    return groups


def main_first(found: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
    """Return the main value (Google marks its label "* …", else the first) and the others."""
    if len(found) < 2:  # most rows: one address, one number, or none
        return (found[0][0] if found else ""), []
    main = next((i for i, (_v, label) in enumerate(found) if label.startswith("* ")), 0)
    others = found[:main] + found[main + 1 :]
    return found[main][0], [(value, label.removeprefix("* ")) for value, label in others]


def split_list(value: str) -> list[str]:
    """Return the items of a list written in one cell ("a, b", "a ::: b")."""
    return [part.strip() for part in re.split(r":::|[,;]", value) if part.strip()]


def has(*keys: str) -> HeaderTest:
    """Return a test that a header has all these (folded) columns."""
    return lambda found: all(k in found for k in keys)


def any_of(*tests: HeaderTest) -> HeaderTest:
    """Return a test that a header passes one of `tests`."""
    return lambda found: any(test(found) for test in tests)


def quoted_list(value: str) -> list[str]:
    """Return the items of a list of quoted names in one cell ('"Clients","VIP, Paris"')."""
    return [item.strip() for item in next(csv.reader([value], skipinitialspace=True), [])
            if item.strip()]  # fmt: skip


_TIME_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d-%m-%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M",
                 "%d/%m/%Y", "%d-%m-%Y")  # fmt: skip


def utc_time(value: str) -> str:
    """Return a time an export wrote (UTC unless it says) in ISO 8601 UTC, or "" if unreadable."""
    value = value.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = next(filter(None, (_parse(value, f) for f in _TIME_FORMATS)), None)
    if moment is None:
        return ""
    return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC).isoformat()


def _parse(value: str, layout: str) -> datetime | None:
    try:
        return datetime.strptime(value, layout)
    except ValueError:
        return None
