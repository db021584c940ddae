"""Make SQLite compare text the way French users expect: "élodie" finds "Élodie".

SQLite's own LIKE, lower() and upper() fold ASCII letters only. Django's icontains and
iexact are LIKE on SQLite, and the unique constraints on emails, tags and companies are
on lower(); replacing all three with Unicode-aware versions makes search, lookups and
uniqueness ignore case for accented letters too. PostgreSQL already does. An `unaccent`
function, as PostgreSQL's extension has, serves the accent-insensitive search, and a
collation of names by the Unicode Collation Algorithm (pyuca), as PostgreSQL's ICU one
does, sorts "Œuvray" before "Roché".
"""

import re
from functools import lru_cache

from crm.lib.accents import fold
from crm.lib.collation import NAME_COLLATION, compare_names


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def _upper(value):
    return value.upper() if isinstance(value, str) else value


@lru_cache(maxsize=256)
def _like_pattern(pattern: str, escape: str) -> re.Pattern:
    parts, chars = [], iter(pattern)
    for char in chars:
        if char == escape:
            parts.append(re.escape(next(chars, "")))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL | re.IGNORECASE)


def _like(pattern, value, escape=None):
    if pattern is None or value is None:
        return None
    return _like_pattern(str(pattern), escape or "").fullmatch(str(value)) is not None


def _unaccent(value):
    return fold(value) if isinstance(value, str) else value


def install(sender, connection, **kwargs) -> None:
    """Replace SQLite's ASCII-only text functions on each new connection."""
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function("lower", 1, _lower, deterministic=True)
    raw.create_function("upper", 1, _upper, deterministic=True)
    raw.create_function("like", 2, _like, deterministic=True)
    raw.create_function("like", 3, _like, deterministic=True)
    raw.create_function("unaccent", 1, _unaccent, deterministic=True)
    raw.create_collation(NAME_COLLATION, compare_names)
