"""Clean what a file says about a person: one-line texts, a valid email, an E.164 phone."""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import fields
from functools import cache, lru_cache
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from contacts.choices import Network
from contacts.countries import country_code
from contacts.importing.row import Row
from contacts.phones import normalise_phone

# Google's own groups ("* myContacts", "* starred"), and the group Google's and Android's
# vCards put everyone in ("My Contacts"), are not the user's tags.
_SYSTEM_LABEL = re.compile(r"^(?:\*\s|my ?contacts$)", re.IGNORECASE)


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
    """Return the row trimmed, in NFC, with valid emails and E.164 phones.

    Nothing the row says is dropped without a word: an address or a number that cannot be
    read is kept as written (row.not_understood) and a value too long for Carnet is cut,
    each with a problem noted on the row.
    """
    for name in sizes():
        if value := getattr(row, name):
            setattr(row, name, _text(value))
    row.notes = unicodedata.normalize("NFC", row.notes.replace("\x00", "").strip())
    if row.full_name and not (row.first_name or row.last_name):
        row.first_name, _space, row.last_name = _text(row.full_name).partition(" ")
    row.country = _country(row)
    _clean_emails(row)
    _clean_phones(row, (row.country, region) if row.country not in ("", region) else (region,))
    _cut_to_size(row)
    row.tags = list(
        dict.fromkeys(
            t[: max_length("Tag", "name")]
            for t in map(_text, row.tags)
            if t and not _SYSTEM_LABEL.match(t)
        )
    )
    # Plain strings, not enum members: rows cross a pipe (pipeline._pack).
    row.source = str(row.source)
    row.handles = dict(_handles(row))
    row.name_key = _name_key(row)
    row.external_key = row.external_key[: max_length("ExternalKey", "key")] or (
        row.name_key if not _identifiers(row) else ""
    )
    return row


def left_out(row: Row) -> str:
    """Return why the clean row will not be imported, or "" if it will be."""
    if not row.is_empty():
        return ""
    if row.not_understood:
        values = ", ".join(value for _kind, value in row.not_understood)
        return _("Not imported: nothing but %(values)s, which Carnet cannot read.") % {
            "values": values
        }
    return _("Nobody named: no name, email address, phone or profile.")


def _country(row: Row) -> str:
    """Return the row's country as a two-letter code; note a name Carnet cannot read."""
    if not row.country:
        return ""
    if code := country_code(row.country):
        return code
    row.problems.append(
        _("%(country)s is not a country Carnet knows: not stored.") % {"country": row.country}
    )
    return ""


def _clean_emails(row: Row) -> None:
    """Keep the row's valid addresses, the first as the main one, each once."""
    valid: dict[str, tuple[str, str]] = {}
    for value, label in [(row.email, ""), *row.other_emails]:
        if value := _email(row, value):
            valid.setdefault(value.lower(), (value, label and _text(label)))
    found = list(valid.values())
    row.email = found[0][0] if found else ""
    row.other_emails = found[1:]


def _email(row: Row, value: str) -> str:
    """Return the address with its domain in lower case; keep an invalid one as written."""
    value = _text(value)
    if value[:1] in ("'", "<", "m") or value[-1:] == ">":  # as spreadsheets and links give it
        value = value.lstrip("'").strip("<>").removeprefix("mailto:")
    if not value or is_valid_email(value):
        user, at, domain = value.rpartition("@")
        return f"{user}{at}{domain.lower()}"
    invalid = _("%(email)s is not a valid email address.") % {"email": value}
    _keep_as_written(row, "email", value, invalid)
    return ""


def _clean_phones(row: Row, regions: tuple[str, ...]) -> None:
    """Keep the row's numbers in E.164, the first readable as the main one, each once;
    each is read in the row's own country first, then in the business's."""
    valid: dict[str, tuple[str, str]] = {}
    for value, label in [(row.phone, ""), *row.other_phones]:
        value = value and _text(value)
        if not value:
            continue
        try:
            phone = _phone(value, regions)
        except ValidationError as e:
            _keep_as_written(row, "phone", value, e.messages[0])
            continue
        valid.setdefault(phone, (phone, label and _text(label)))
    found = list(valid.values())
    row.phone = found[0][0] if found else ""
    row.other_phones = found[1:]


def _keep_as_written(row: Row, kind: str, value: str, problem: str) -> None:
    kept = _("Kept as written, not used.")
    size = max_length("ContactPoint", "value")
    if len(value) > size:
        kept = _("Kept as written (its first %(size)d characters), not used.") % {"size": size}
    row.problems.append(f"{problem} {kept}")
    row.not_understood.append((kind, value[:size]))


def _phone(value: str, regions: tuple[str, ...]) -> str:
    """Return the number in E.164, read in the first region where it is valid."""
    for region in regions[:-1]:
        try:
            return normalise_phone(value, region)
        except ValidationError:
            continue
    return normalise_phone(value, regions[-1])


def _identifiers(row: Row) -> bool:
    """Return whether the row has what finds a person again: an address, a number, a
    profile (a website names a business, colleagues share it: not alone)."""
    return bool(row.email or row.phone or set(row.handles) - {Network.WEBSITE})


def _handles(row: Row) -> Iterator[tuple[str, str]]:
    """Yield the row's handles readable and cut to size; note those that are not."""
    for network, value in row.handles.items():
        try:
            handle = normalise_handle(network, value)
        except ValidationError as e:
            row.problems.extend(e.messages)
            continue
        if handle:
            yield str(network), handle[: max_length("Handle", "value")]


@cache
def max_length(model: str, field: str) -> int:
    """Return the longest value the database holds in this field of a contacts model."""
    # Looked up when first needed: the reading process imports this module before Django.
    from django.apps import apps

    return apps.get_model("contacts", model)._meta.get_field(field).max_length


@cache
def sizes() -> dict[str, int]:
    """Return the longest value the database holds for each one-line text of a row."""
    from contacts.models import Contact

    held = {
        f.name: ("Contact", f.name)
        for f in Contact._meta.concrete_fields
        if f.get_internal_type() == "CharField"
    }
    held["company"] = ("Company", "name")  # the contact links to a Company holding the name
    return {f.name: max_length(*held[f.name]) for f in fields(Row) if f.name in held}


def _cut_to_size(row: Row) -> None:
    """Cut the values too long for the database, noting each on the row."""
    for name, size in sizes().items():
        value = getattr(row, name)
        if len(value) > size:
            setattr(row, name, value[:size])
            row.problems.append(_("%(field)s cut to %(size)d characters.")
                                % {"field": name, "size": size})  # fmt: skip


def _name_key(row: Row) -> str:
    """Return the key that finds, by name, a person no address identifies: a row that
    names nobody else (its external key), or whose number or profile turned out to be
    someone else's (see match.py)."""
    if row.email or not (row.first_name or row.last_name):
        return ""
    parts = [row.first_name, row.last_name, row.company]
    website = row.handles.get(Network.WEBSITE)
    if website and not _identifiers(row):  # all that tells two namesakes apart
        parts.append(website)
    return ("name:" + "|".join(parts).lower())[: max_length("ExternalKey", "key")]


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
