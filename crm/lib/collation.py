"""Sort names as people expect: "Œuvray" before "Roché", "Élodie" beside "Eloïse".

PostgreSQL sorts by an ICU collation that a migration creates (contacts 0008); SQLite by
the same Unicode Collation Algorithm, in pyuca, registered under the same name on each
connection (crm.lib.sqlite). French orders names as the Unicode root collation does, so
an English install is served by it too.
"""

from functools import lru_cache

import pyuca

NAME_COLLATION = "carnet_names"
ICU_LOCALE = "fr"


@lru_cache(maxsize=1)
def _collator() -> pyuca.Collator:
    return pyuca.Collator()  # reads the Unicode table once, at the first sort


@lru_cache(maxsize=100_000)
def _sort_key(value: str) -> tuple:
    return _collator().sort_key(value)


def compare_names(left: str, right: str) -> int:
    """Compare two names as the language orders them; code points break ties."""
    a, b = (_sort_key(left), left), (_sort_key(right), right)
    return (a > b) - (a < b)
