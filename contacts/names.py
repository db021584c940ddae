"""Tell whether two names may be one person's, as address books write them."""

import re

from crm.lib.accents import fold

_WORDS = re.compile(r"[^\W\d_]+")  # letters only: "Jean-Marc" is "jean", "marc"


def names_differ(first: tuple[str, str], second: tuple[str, str]) -> bool:
    """Return whether (first name, last name) pairs clearly name two people.

    Only what both give is compared: "J. Dupré" and "Jérôme Dupré" may be one person,
    "Sophie Étienne" and "Jérôme Dupré" are two, and so are a couple sharing a last name and
    a landline ("Sophie Dupré", "Jérôme Dupré"), or two Zoés sharing a number. A name given
    on one side only decides nothing.
    """
    return any(
        mine.strip() and theirs.strip() and not _compatible(_words(mine), _words(theirs))
        for mine, theirs in zip(first, second, strict=True)
    )


def _words(name: str) -> list[str]:
    return _WORDS.findall(fold(name).casefold())


def _compatible(mine: list[str], theirs: list[str]) -> bool:
    """Return whether every word of the shorter name agrees with one of the longer's (the
    same word, or its initial)."""
    shorter, longer = sorted((mine, theirs), key=len)
    return all(any(_agree(word, other) for other in longer) for word in shorter)


def _agree(word: str, other: str) -> bool:
    return (
        word == other
        or (len(word) == 1 and other.startswith(word))
        or (len(other) == 1 and word.startswith(other))
    )
