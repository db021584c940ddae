"""What the spreadsheet-shaped formats share: records keyed by folded column names."""

import re
from collections.abc import Callable, Iterator
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


def split_list(value: str) -> list[str]:
    """Return the items of a list written in one cell ("a, b", "a ::: b")."""
    return [part.strip() for part in re.split(r":::|[,;]", value) if part.strip()]


def has(*keys: str) -> HeaderTest:
    """Return a test that a header has all these (folded) columns."""
    return lambda found: all(k in found for k in keys)


def any_of(*tests: HeaderTest) -> HeaderTest:
    """Return a test that a header passes one of `tests`."""
    return lambda found: any(test(found) for test in tests)
