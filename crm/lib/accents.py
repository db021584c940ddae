"""Accent-insensitive search: "Jerome" finds "Jérôme", "oeuvre" finds "Œuvre".

PostgreSQL's `unaccent` extension (a migration creates it) and, on SQLite, a function of
the same name that each connection registers (crm.lib.sqlite) do the folding in the
database; `fold` does the same to the words searched for.
"""

import unicodedata

from django.db.models import CharField, Func

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def fold(value: str) -> str:
    """Return `value` without accents: letters decomposed, their marks dropped."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class Unaccent(Func):
    function = "unaccent"
    output_field = CharField()
