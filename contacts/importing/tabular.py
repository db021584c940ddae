"""Spreadsheet-shaped exports: CSV and XLSX files typed by people, and the CSVs of Google,
Outlook, LinkedIn, Mailchimp, Brevo and Facebook Lead Ads, each recognised by its header."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from contacts.choices import ConsentBasis, EmailStatus, Network, Source
from contacts.importing.rows import Row
from contacts.importing.text import header_key

Record = dict[str, str]

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
}
_KNOWN = {key: name for name, keys in VOCABULARY.items() for key in keys}


def records(header: list[str], rows: Iterator[list[str]]) -> Iterator[tuple[int, Record]]:
    """Yield (row number, record) with keys folded; a repeated column gets "#2", "#3"…"""
    keys = column_keys(header)
    for number, values in rows:
        if "".join(values).strip():
            yield number, dict(zip(keys, values, strict=False))


def column_keys(header: list[str]) -> list[str]:
    keys, seen = [], {}
    for name in header:
        key = header_key(name)
        seen[key] = seen.get(key, 0) + 1
        keys.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return keys


def _pick(record: Record, *keys: str) -> str:
    for key in keys:
        value = record.get(key)
        if value and not value.isspace():
            return value
    return ""


def _numbered(record: Record, pattern: str) -> list[str]:
    """Return the values of the numbered columns ("e mail 2 value"…), split on " ::: "."""
    values = [record[k] for k in _matching_keys(tuple(record), pattern) if record[k].strip()]
    return [part.strip() for v in values for part in v.split(":::") if part.strip()]


@lru_cache(maxsize=64)
def _matching_keys(keys: tuple[str, ...], pattern: str) -> list[str]:
    regex = re.compile(pattern)
    return [k for k in keys if regex.fullmatch(k)]


def _split_list(value: str) -> list[str]:
    return [part.strip() for part in re.split(r":::|[,;]", value) if part.strip()]


def default_mapping(columns: list[str]) -> dict[str, str]:
    """Return the contact field of each column whose name Carnet knows (folded keys)."""
    return dict(_default_mapping(tuple(columns)))


@lru_cache(maxsize=64)
def _default_mapping(columns: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    keys = column_keys(list(columns))
    return tuple((k, _KNOWN[k.split("#")[0]]) for k in keys if k.split("#")[0] in _KNOWN)


def generic(record: Record, line: int, source: str = Source.CSV, mapping=None) -> Row:
    """Read a spreadsheet typed by a person, whatever language its headers are in."""
    row = Row(line=line, source=source)
    mapping = mapping if mapping is not None else default_mapping(list(record))
    for key, value in record.items():
        name = mapping.get(key)
        if name == "tags":
            row.tags += _split_list(value)
        elif name and value.strip() and not getattr(row, name):
            setattr(row, name, value)
    return row


def google(record: Record, line: int) -> Row:
    emails = _numbered(record, r"e mail \d+ value")
    phones = _numbered(record, r"phone \d+ value")
    websites = _numbered(record, r"website \d+ value")
    row = Row(
        line=line,
        source=Source.GOOGLE,
        first_name=" ".join(
            filter(
                None,
                [
                    _pick(record, "first name", "given name"),
                    _pick(record, "middle name", "additional name"),
                ],
            )
        ),
        last_name=_pick(record, "last name", "family name"),
        full_name=_pick(record, "name"),
        email=emails[0] if emails else "",
        phone=phones[0] if phones else "",
        company=_pick(record, "organization name", "organization 1 name"),
        job_title=_pick(record, "organization title", "organization 1 title"),
        city=_pick(record, "address 1 city"),
        postcode=_pick(record, "address 1 postal code"),
        country=_pick(record, "address 1 country"),
        notes=_pick(record, "notes"),
        tags=_pick(record, "labels", "group membership").split(":::"),
    )
    for url in websites:
        network = Network.LINKEDIN if "linkedin.com" in url else Network.WEBSITE
        row.handles.setdefault(network, url)
    return row


def outlook(record: Record, line: int) -> Row:
    french = "adresse de messagerie" in record
    return Row(
        line=line,
        source=Source.OUTLOOK,
        first_name=_pick(record, "first name", "prenom"),
        last_name=_pick(record, "last name", "nom"),
        email=_pick(record, "e mail address", "adresse de messagerie"),
        phone=_pick(
            record,
            "mobile phone",
            "tel mobile",
            "business phone",
            "tel bureau",
            "home phone",
            "tel domicile",
        ),
        company=_pick(record, "company", "societe"),
        # French Outlook names two columns "Titre": civility first, then job title.
        job_title=_pick(record, "titre#2") if french else _pick(record, "job title"),
        city=_pick(
            record,
            "business city",
            "home city",
            "ville (bureau)",
            "ville bureau",
            "ville domicile",
        ),
        postcode=_pick(
            record,
            "business postal code",
            "home postal code",
            "code postal bureau",
            "code postal domicile",
        ),
        notes=_pick(record, "notes"),
        tags=_split_list(_pick(record, "categories")),
    )


def linkedin(record: Record, line: int) -> Row:
    url = _pick(record, "url", "profile url")
    row = Row(
        line=line,
        source=Source.LINKEDIN,
        first_name=_pick(record, "first name", "firstname"),
        last_name=_pick(record, "last name", "lastname"),
        email=_pick(record, "email address")
        or next(iter(_split_list(_pick(record, "emails"))), ""),
        phone=next(iter(_split_list(_pick(record, "phonenumbers"))), ""),
        company=_pick(record, "company", "companies"),
        job_title=_pick(record, "position", "title"),
    )
    if url:
        row.handles[Network.LINKEDIN] = url
    elif not row.email and "connected on" in record:
        # Older exports have no URL: the name and the day of the connection name the person.
        row.external_key = "|".join(
            [row.first_name, row.last_name, _pick(record, "connected on")]
        ).casefold()
    return row


def mailchimp(record: Record, line: int) -> Row:
    row = generic(record, line, Source.MAILCHIMP)
    row.email = _pick(record, "email address")
    row.tags = [t.strip(' "') for t in _split_list(_pick(record, "tags"))]
    if "unsub time" in record:
        row.status = EmailStatus.UNSUBSCRIBED
        row.proof = f"Mailchimp: unsubscribed {_pick(record, 'unsub time')}"
    elif "clean time" in record:
        row.status = EmailStatus.BOUNCED
        row.proof = f"Mailchimp: cleaned {_pick(record, 'clean time')}"
    elif _pick(record, "optin time", "confirm time"):
        # The opt-in (and its confirmation) is the proof of consent; without it the file
        # proves nothing and the import's own basis decides.
        row.status, row.basis = EmailStatus.SUBSCRIBED, ConsentBasis.CONSENT
        row.proof = (
            f"Mailchimp: opt-in {_pick(record, 'optin time')} from {_pick(record, 'optin ip')}, "
            f"confirmed {_pick(record, 'confirm time')} from {_pick(record, 'confirm ip')}"
        )
    return row


def brevo(record: Record, line: int) -> Row:
    row = generic(record, line, Source.BREVO)
    row.first_name = _pick(record, "prenom", "firstname", "first name")
    row.last_name = _pick(record, "nom", "lastname", "last name")
    row.phone = _pick(record, "sms", "telephone", "phone", "mobile")
    blocked = [v for k, v in record.items() if "blacklist" in k or "blocklist" in k]
    if any(v.strip().lower() in {"1", "true", "yes", "oui", "x"} for v in blocked):
        row.status = EmailStatus.UNSUBSCRIBED
        row.proof = "Brevo: blocklisted"
    return row


def lead_ads(record: Record, line: int) -> Row:
    row = generic(record, line, Source.FACEBOOK)
    row.full_name = _pick(record, "full name")
    row.email = _pick(record, "email")
    row.phone = _pick(record, "phone number").removeprefix("p:")
    row.external_key = "lead:" + _pick(record, "id").removeprefix("l:")
    return row


@dataclass(frozen=True)
class TabularFormat:
    name: str
    detect: Callable[[set[str]], bool]
    read: Callable[[Record, int], Row]


def _has(*keys: str) -> Callable[[set[str]], bool]:
    return lambda found: all(k in found for k in keys)


def _any(*tests: Callable[[set[str]], bool]) -> Callable[[set[str]], bool]:
    return lambda found: any(test(found) for test in tests)


def _generic_detect(found: set[str]) -> bool:
    fields = {_KNOWN[k] for k in found if k in _KNOWN}
    people = {"email", "phone", "first_name", "last_name", "full_name"}
    return fields == {"email"} or (len(fields) >= 2 and bool(fields & people))


# Most specific first: a Mailchimp file also has an "email address" column.
FORMATS = [
    TabularFormat("facebook", _has("created time", "ad id", "form name"), lead_ads),
    TabularFormat(
        "mailchimp",
        _any(_has("email address", "optin time"), _has("email address", "member rating")),
        mailchimp,
    ),
    TabularFormat(
        "brevo", _any(_has("email", "added time"), _has("email", "modified time")), brevo
    ),
    TabularFormat(
        "linkedin",
        _any(
            _has("first name", "last name", "connected on"),
            _has("firstname", "lastname", "emails"),
        ),
        linkedin,
    ),
    TabularFormat(
        "google",
        _any(
            _has("e mail 1 value"),
            _has("phone 1 value"),
            _has("given name", "family name", "group membership"),
        ),
        google,
    ),
    TabularFormat(
        "outlook",
        _any(
            _has("first name", "e mail address", "e mail type"),
            _has("prenom", "adresse de messagerie"),
        ),
        outlook,
    ),
    TabularFormat("csv", _generic_detect, generic),
]
