"""Write contacts out as CSV (for Excel), vCard 3.0 or JSON, streaming row by row."""

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

import phonenumbers
import vobject
from django.conf import settings
from django.db.models import QuerySet
from django.utils import dateformat, formats, timezone
from django.utils.translation import gettext_lazy as _

from contacts.choices import ConsentBasis, EmailStatus, Network, Source
from contacts.models import Contact, ContactPoint

FORMATS = ("csv", "vcard", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "vcard": "text/vcard; charset=utf-8",
    "json": "application/json",
}
EXTENSIONS = {"csv": "csv", "vcard": "vcf", "json": "json"}
CSV_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "other_emails",
    "other_phones",
    "not_understood",
    "company",
    "job_title",
    "city",
    "postcode",
    "country",
    "language",
    "tags",
    "email_status",
    "consent_basis",
    "sources",
    *Network.values,
    "notes",
    "created_at",
]
# The CSV for people (the admin's): its columns as the interface names them.
CSV_HEADERS = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "email": _("Email"),
    "phone": _("Phone"),
    "other_emails": _("Other email addresses"),
    "other_phones": _("Other phone numbers"),
    "not_understood": _("Values not understood"),
    "company": _("Company"),
    "job_title": _("Job title"),
    "city": _("City"),
    "postcode": _("Postcode"),
    "country": _("Country"),
    "language": _("Language"),
    "tags": _("Tags"),
    "email_status": _("Email status"),
    "consent_basis": _("Legal basis"),
    "sources": _("Sources"),
    **dict(Network.choices),
    "notes": _("Notes"),
    "created_at": _("Added on"),
}
assert list(CSV_HEADERS) == CSV_FIELDS
# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
_CHUNK = 2000


def for_export(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    """Return the contacts with what an export reads, fetched in a few queries per chunk."""
    return contacts.select_related("company").prefetch_related(
        "tags", "sources", "handles", "points"
    )


def as_record(contact: Contact) -> dict:
    """Return the contact in the export format of DESIGN.md."""
    points = contact.points.all()
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "phone": contact.phone,
        # Further addresses and numbers; those Carnet could not read, as written, again
        # under "not_understood".
        "other_emails": [p.value for p in points if p.kind == ContactPoint.Kind.EMAIL],
        "other_phones": [p.value for p in points if p.kind == ContactPoint.Kind.PHONE],
        "not_understood": [p.value for p in points if not p.understood],
        "company": contact.company.name if contact.company else "",
        "job_title": contact.job_title,
        "city": contact.city,
        "postcode": contact.postcode,
        "country": contact.country,
        "language": contact.language,
        "tags": [tag.name for tag in contact.tags.all()],
        "email_status": contact.email_status,
        "consent_basis": contact.consent_basis,
        "sources": sorted(link.source for link in contact.sources.all()),
        "handles": {handle.network: handle.value for handle in contact.handles.all()},
        "notes": contact.notes,
        # In the business's time zone, with its offset: what the owner saw in the admin.
        "created_at": timezone.localtime(contact.created_at).isoformat(timespec="seconds"),
    }


def records(contacts: QuerySet[Contact]) -> Iterator[dict]:
    for contact in for_export(contacts).iterator(chunk_size=_CHUNK):
        yield as_record(contact)


def neutralise(value: str) -> str:
    """Return the cell so that a spreadsheet shows it as text, never runs it as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


class SafeWriter:
    """A csv.writer whose every cell is neutralised: every CSV Carnet writes goes through
    one (see csv_writer)."""

    def __init__(self, file, **options):
        self._writer = csv.writer(file, **options)

    def writerow(self, cells) -> str:
        return self._writer.writerow([neutralise(str(cell)) for cell in cells])


def csv_writer(file, delimiter: str = ";", **options) -> SafeWriter:
    """Return a writer of CSV lines for a spreadsheet: no cell is ever run as a formula."""
    return SafeWriter(file, delimiter=delimiter, lineterminator="\r\n", **options)


def _csv_row(record: dict) -> list[str]:
    lists = ("tags", "sources", "other_emails", "other_phones", "not_understood")
    flat = dict(record, **{name: ", ".join(record[name]) for name in lists})
    flat.update({network: record["handles"].get(network, "") for network in Network.values})
    return [flat[field] for field in CSV_FIELDS]


class _Line:
    """A file-like object whose write() hands back the line csv.writer produced."""

    def write(self, line: str) -> str:
        return line


def in_words() -> Callable[[dict], dict]:
    """Return what puts a record's codes in the words of the active language, read now: a
    streamed response is written once the request, and its language, are gone."""
    statuses, bases = dict(EmailStatus.choices), dict(ConsentBasis.choices)
    sources, languages = dict(Source.choices), dict(settings.LANGUAGES)
    words = {code: str(label) for code, label in {**statuses, **bases, **languages}.items()}
    source_words = {code: str(label) for code, label in sources.items()}
    when = formats.get_format("SHORT_DATETIME_FORMAT")

    def convert(record: dict) -> dict:
        return dict(
            record,
            email_status=words[record["email_status"]],
            consent_basis=words.get(record["consent_basis"], ""),
            sources=[source_words.get(source, source) for source in record["sources"]],
            language=words.get(record["language"], record["language"]),
            created_at=dateformat.format(datetime.fromisoformat(record["created_at"]), when),
        )

    return convert


def csv_chunks(
    contacts: QuerySet[Contact], delimiter: str = ";", words: bool = False
) -> Iterator[str]:
    """Return a UTF-8 CSV, BOM first so that Excel reads the accents right: with DESIGN.md's
    codes for tools, or (`words`) headers and values in the active language for people."""
    if not words:
        return _csv_lines(contacts, delimiter, CSV_FIELDS, lambda record: record)
    headers = [str(CSV_HEADERS[field]) for field in CSV_FIELDS]
    return _csv_lines(contacts, delimiter, headers, in_words())


def _csv_lines(contacts, delimiter: str, headers: list[str], convert) -> Iterator[str]:
    writer = csv_writer(_Line(), delimiter)
    yield "\ufeff" + writer.writerow(headers)
    for record in records(contacts):
        yield writer.writerow(_csv_row(convert(record)))


def json_chunks(contacts: QuerySet[Contact]) -> Iterator[str]:
    """Yield a JSON array of export records, one per line."""
    yield "["
    separator = "\n"
    for record in records(contacts):
        yield separator + json.dumps(record, ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"


def vcard_chunks(contacts: QuerySet[Contact]) -> Iterator[str]:
    """Yield one vCard 3.0 per contact."""
    for record in records(contacts):
        yield _vcard(record).serialize()


def _phone_type(phone: str) -> str:
    """Return the vCard TYPE of an E.164 number: CELL for a mobile, else VOICE."""
    if not phone:
        return "VOICE"
    try:
        kind = phonenumbers.number_type(phonenumbers.parse(phone))
    except phonenumbers.NumberParseException:
        return "VOICE"
    mobile = (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    return "CELL" if kind in mobile else "VOICE"


def _vcard(record: dict) -> vobject.base.Component:
    card = vobject.vCard()
    card.add("n").value = vobject.vcard.Name(
        family=record["last_name"], given=record["first_name"]
    )
    card.add("fn").value = (
        f"{record['first_name']} {record['last_name']}".strip()
        or record["email"]
        or record["phone"]
        or "?"
    )
    for email in [record["email"], *record["other_emails"]]:
        _add_if(card, "email", email, type_param="INTERNET")
    for phone in [record["phone"], *record["other_phones"]]:
        _add_if(card, "tel", phone, type_param=_phone_type(phone))
    if record["company"]:
        card.add("org").value = [record["company"]]
    _add_if(card, "title", record["job_title"])
    if record["city"] or record["postcode"] or record["country"]:
        card.add("adr").value = vobject.vcard.Address(
            city=record["city"], code=record["postcode"], country=record["country"]
        )
    if record["tags"]:
        card.add("categories").value = record["tags"]
    for network, value in record["handles"].items():
        _add_if(card, "x-socialprofile", value, type_param=network)
    _add_if(card, "note", record["notes"])
    return card


def _add_if(card, name: str, value: str, type_param: str | None = None) -> None:
    if value:
        line = card.add(name)
        line.value = value
        if type_param:
            line.type_param = type_param


def chunks(fmt: str, contacts: QuerySet[Contact]) -> Iterable[str]:
    """Return the export of `contacts` in `fmt` (one of FORMATS) as an iterable of text."""
    return {"csv": csv_chunks, "vcard": vcard_chunks, "json": json_chunks}[fmt](contacts)
