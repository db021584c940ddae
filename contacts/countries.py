"""Read a country as address books write it ("France", "États-Unis", "USA", "fr")."""

import re
from functools import lru_cache

import phonenumbers
from babel import Locale
from babel.core import get_global

from crm.lib.accents import fold

# Names are read in the languages Carnet speaks, and in those its users' files come in.
_LANGUAGES = ("fr", "en", "de", "es", "it", "nl", "pt")
_NOT_A_LETTER = re.compile(r"[^a-z0-9]+")


def country_code(value: str) -> str:
    """Return the ISO 3166 two-letter code of the country named `value`, or ""."""
    return _codes().get(_key(value), "")


def _key(value: str) -> str:
    words = _NOT_A_LETTER.sub(" ", fold(value).lower()).split()
    if len(words) > 1 and all(len(word) == 1 for word in words):
        return "".join(words)  # "U.S.A."
    return " ".join(words)


@lru_cache(maxsize=1)
def _codes() -> dict[str, str]:
    """Return every spelling Carnet reads (names, two- and three-letter codes) → code."""
    codes: dict[str, str] = {}
    regions = phonenumbers.SUPPORTED_REGIONS
    for language in reversed(_LANGUAGES):  # French names win over the others
        for code, name in Locale.parse(language).territories.items():
            if code in regions:  # not "001" (the world), "EU"…
                codes[_key(name)] = code
    for alias, targets in get_global("territory_aliases").items():
        if alias.isalpha() and len(targets) == 1 and targets[0] in regions:
            codes[_key(alias)] = targets[0]  # "FRA", "USA", "UK"
    codes.update((code.lower(), code) for code in set(codes.values()))
    return codes
