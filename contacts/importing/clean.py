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
    """Return the row trimmed, in NFC, with a valid email and an E.164 phone.

    Raise ValidationError when the row cannot be imported; a phone that cannot be read or
    a value too long for Carnet is dropped or cut, with a problem noted on the row.
    """
    for name in sizes():
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
            t[: max_length("Tag", "name")]
            for t in map(_text, row.tags)
            if t and not _SYSTEM_LABEL.match(t)
        )
    )
    # Plain strings, not enum members: rows cross a pipe (pipeline._pack).
    row.source = str(row.source)
    row.handles = dict(_handles(row))
    row.external_key = row.external_key[: max_length("ExternalKey", "key")] or _name_key(row)
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
    """Return a key for a row that names a person and nothing else, so that importing the
    same file again finds them instead of adding them twice."""
    if row.email or row.phone or row.handles or not (row.first_name or row.last_name):
        return ""
    parts = [row.first_name, row.last_name, row.company]
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
