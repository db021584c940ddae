"""One person as a file describes them, and the cleaning every format's rows go through."""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from contacts.choices import Network
from contacts.phones import normalise_phone

TEXT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "job_title",
    "city",
    "postcode",
    "country",
)
# Google's own groups ("* myContacts", "* starred"), and the group Google's and Android's
# vCards put everyone in ("My Contacts"), are not the user's tags.
_SYSTEM_LABEL = re.compile(r"^(?:\*\s|my ?contacts$)", re.IGNORECASE)


@dataclass
class Row:
    """What one record of a file says about one person, before cleaning."""

    line: int
    source: str
    first_name: str = ""
    last_name: str = ""
    full_name: str = ""
    email: str = ""
    phone: str = ""
    company: str = ""
    job_title: str = ""
    city: str = ""
    postcode: str = ""
    country: str = ""
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    handles: dict[str, str] = field(default_factory=dict)
    external_key: str = ""
    # What the file itself proves about consent (a Mailchimp status file, say).
    status: str = ""
    basis: str = ""
    proof: str = ""
    problems: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.first_name or self.last_name or self.email or self.phone or self.handles)


class BadRecord(ValueError):
    """One record (a vCard, a JSON entry) that could not be read; the others are imported."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line


def _text(value) -> str:
    """Return the value on one line, blanks collapsed, in Unicode NFC, without NULs."""
    if not value:
        return ""
    text = str(value)
    # Most values are already so: no blank but single spaces inside (any other blank, and
    # a NUL, is unprintable), which splitting would only copy. A million rows, ten fields.
    if not (text.isprintable() and "  " not in text and text[:1] != " " != text[-1:]):
        text = " ".join(text.replace("\x00", "").split())
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def clean(row: Row, region: str) -> Row:
    """Return the row trimmed, in NFC, with a valid email and an E.164 phone.

    Raise ValidationError when the row cannot be imported; a phone that cannot be read or
    a value too long for Carnet is dropped or cut, with a problem noted on the row.
    """
    for name in TEXT_FIELDS:
        if value := getattr(row, name):
            setattr(row, name, _text(value))
    row.notes = unicodedata.normalize("NFC", row.notes.replace("\x00", "").strip())
    if row.full_name and not (row.first_name or row.last_name):
        row.first_name, _space, row.last_name = _text(row.full_name).partition(" ")
    row.email = row.email.lstrip("'").strip("<>").removeprefix("mailto:")
    if row.email and not is_valid_email(row.email):
        raise ValidationError(_("%(email)s is not a valid email address.") % {"email": row.email})
    try:
        row.phone = normalise_phone(row.phone, region)
    except ValidationError as e:
        row.problems.extend(e.messages)
        row.phone = ""
    row.country = row.country.upper() if len(row.country) == 2 else ""
    _cut_to_size(row)
    row.tags = list(
        dict.fromkeys(
            t[: LIMITS["tag"]] for t in map(_text, row.tags) if t and not _SYSTEM_LABEL.match(t)
        )
    )
    # Plain strings, not enum members: rows cross a pipe (reader._pack).
    row.source = str(row.source)
    row.handles = dict(_handles(row))
    row.external_key = row.external_key[: LIMITS["handle"]] or _name_key(row)
    return row


def _handles(row: Row) -> Iterator[tuple[str, str]]:
    """Yield the row's handles readable and cut to size; note those that are not."""
    for network, value in row.handles.items():
        try:
            handle = normalise_handle(network, value)
        except ValidationError as e:
            row.problems.extend(e.messages)
            continue
        if handle:
            yield str(network), handle[: LIMITS["handle"]]


# What the database holds (contacts.models): longer values are cut, with a problem noted.
LIMITS = {
    "first_name": 150, "last_name": 150, "company": 200, "job_title": 200, "city": 100,
    "postcode": 20, "tag": 100, "handle": 300,
}  # fmt: skip


def _cut_to_size(row: Row) -> None:
    for name in ("first_name", "last_name", "company", "job_title", "city", "postcode"):
        value = getattr(row, name)
        if len(value) > LIMITS[name]:
            setattr(row, name, value[: LIMITS[name]])
            row.problems.append(_("%(field)s cut to %(size)d characters.")
                                % {"field": name, "size": LIMITS[name]})  # fmt: skip


def _name_key(row: Row) -> str:
    """Return a key for a row that names a person and nothing else, so that importing the
    same file again finds them instead of adding them twice."""
    if row.email or row.phone or row.handles or not (row.first_name or row.last_name):
        return ""
    parts = [row.first_name, row.last_name, row.company]
    return ("name:" + "|".join(parts).lower())[: LIMITS["handle"]]


_EMAIL = EmailValidator()
_USER = _EMAIL.user_regex.match  # the compiled pattern's, not its lazy wrapper's, per row


def is_valid_email(email: str) -> bool:
    """Tell what Django's EmailValidator would, checking each domain once per import."""
    user, _at, domain = email.rpartition("@")
    if not user or len(email) > 254 or not _USER(user):
        return False
    return _valid_domain(domain)


@lru_cache(maxsize=4096)
def _valid_domain(domain: str) -> bool:
    return domain in _EMAIL.domain_allowlist or _EMAIL.validate_domain_part(domain)


def normalise_handle(network: str, value: str) -> str:
    """Return the handle in one canonical spelling, so that the same person matches.

    Raise ValidationError for an address that cannot be read (a stray "[" in it).
    """
    value = _text(value)
    if not value:
        return ""
    try:
        if network == Network.LINKEDIN or network == Network.WEBSITE:
            return _canonical_url(value)
        if network in (Network.INSTAGRAM, Network.X, Network.TELEGRAM) and "/" in value:
            path = urlsplit(value if "//" in value else f"https://{value}").path
            value = ([part for part in path.split("/") if part and part != "_u"][-1:] or [""])[0]
    except ValueError as e:  # urlsplit: "Invalid IPv6 URL"
        message = _("%(value)s is not a readable web address: not stored.") % {"value": value}
        raise ValidationError(message) from e
    if network in (Network.INSTAGRAM, Network.X, Network.TELEGRAM):
        return value.lstrip("@").lower()
    return value


def _canonical_url(value: str) -> str:
    parts = urlsplit(value if "//" in value else f"https://{value}")
    host = parts.netloc.lower().removeprefix("www.")
    path = unquote(parts.path).rstrip("/")
    if host.endswith(".linkedin.com"):  # fr.linkedin.com/in/Jean is linkedin.com/in/jean
        host, path = "linkedin.com", path.lower()
    elif host == "linkedin.com":
        path = path.lower()
    return f"https://{host}{path}"
