"""Spreadsheets typed by people (CSV, XLSX), whatever language their headers are in.

The format is named after its file (csv, xlsx); the import page may change which contact
field each column fills (the mapping), starting from the one Carnet guessed. A column may
also hold a profile on a network (the Network's value names it: "instagram"…), stored as
the contact's handle there, read as the networks' own exports are (clean.normalise_handle).
"""

from functools import lru_cache

from contacts.choices import Network, Source
from contacts.importing.formats.columns import Record, column_keys, split_list
from contacts.importing.row import Row

NAME = "csv"

# Column names people type, folded by header_key, for each field of a contact.
VOCABULARY = {
    "first_name": ["prenom", "first name", "firstname", "given name", "prenoms"],
    "last_name": ["nom", "last name", "lastname", "family name", "surname", "nom de famille"],
    "full_name": ["nom complet", "full name", "name", "display name", "contact"],
    "email": [
        "email",
        "e mail",
        "courriel",
        "adresse e mail",
        "adresse email",
        "mail",
        "email address",
        "e mail address",
        "adresse electronique",
        "adresse mail",
    ],
    "phone": [
        "telephone",
        "tel",
        "portable",
        "mobile",
        "phone",
        "phone number",
        "gsm",
        "numero de telephone",
        "telephone mobile",
        "tel portable",
        "mobile phone",
        "numero",
    ],
    "company": [
        "societe",
        "entreprise",
        "company",
        "organisation",
        "organization",
        "raison sociale",
    ],
    "job_title": ["fonction", "poste", "job title", "position", "titre du poste"],
    "city": ["ville", "city", "commune", "localite"],
    "postcode": ["code postal", "cp", "postcode", "zip", "zip code", "postal code"],
    "country": ["pays", "country", "code pays"],
    "notes": ["notes", "note", "commentaire", "commentaires", "remarques", "remarque"],
    "tags": [
        "tags",
        "etiquettes",
        "etiquette",
        "labels",
        "groupes",
        "groupe",
        "categories",
        "categorie",
    ],
    Network.INSTAGRAM: ["instagram", "compte instagram", "insta", "profil instagram"],
    Network.FACEBOOK: ["facebook", "profil facebook", "page facebook", "fb"],
    Network.LINKEDIN: ["linkedin", "profil linkedin"],
    Network.X: ["twitter", "x twitter", "compte x", "compte twitter"],
    Network.MASTODON: ["mastodon", "compte mastodon"],
    Network.TELEGRAM: ["telegram"],
    Network.WHATSAPP: ["whatsapp"],
    Network.SIGNAL: ["signal"],
    Network.WEBSITE: ["site web", "site internet", "website"],
}
_KNOWN = {key: str(name) for name, keys in VOCABULARY.items() for key in keys}


# The fields that name a person: a file with none of them lists something else.
_PEOPLE = {"email", "phone", "first_name", "last_name", "full_name"}


def detect_header(keys: set[str]) -> bool:
    """Tell whether the header names an email alone, or a person and something else."""
    fields = {_KNOWN[k] for k in keys if k in _KNOWN}
    return fields == {"email"} or (len(fields) >= 2 and bool(fields & _PEOPLE))


def default_mapping(columns: list[str]) -> dict[str, str]:
    """Return the contact field of each column whose name Carnet knows (folded keys)."""
    return dict(_default_mapping(tuple(columns)))


@lru_cache(maxsize=64)
def _default_mapping(columns: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    keys = column_keys(list(columns))
    return tuple((k, _KNOWN[k.split("#")[0]]) for k in keys if k.split("#")[0] in _KNOWN)


def read_record(record: Record, line: int, source: str = Source.CSV, mapping=None) -> Row:
    """Read a record through the mapping (by default, the columns whose names Carnet knows)."""
    row = Row(line=line, source=source)
    mapping = mapping if mapping is not None else default_mapping(list(record))
    for key, value in record.items():
        name = mapping.get(key)
        if name == "tags":
            row.tags += split_list(value)
        elif name in Network.values:
            if value.strip():
                row.handles.setdefault(name, value)
        elif name and value.strip() and not getattr(row, name):
            setattr(row, name, value)
    return row
