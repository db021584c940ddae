"""Google Contacts CSV (contacts.google.com, Export), in its old and new headers."""

from contacts.choices import Network, Source
from contacts.importing.formats.columns import (
    Record,
    any_of,
    has,
    labelled,
    main_first,
    numbered,
    pick,
)
from contacts.importing.row import Row

NAME = "google"

detect_header = any_of(
    has("e mail 1 value"),
    has("phone 1 value"),
    has("given name", "family name", "group membership"),
)


def read_record(record: Record, line: int) -> Row:
    """Read one contact: every email and phone (the main one apart), websites as handles."""
    email, other_emails = main_first(labelled(record, "e mail"))
    phone, other_phones = main_first(labelled(record, "phone"))
    websites = numbered(record, r"website \d+ value")
    given = [
        pick(record, "first name", "given name"),
        pick(record, "middle name", "additional name"),
    ]
    row = Row(
        line=line,
        source=Source.GOOGLE,
        first_name=" ".join(filter(None, given)),
        last_name=pick(record, "last name", "family name"),
        full_name=pick(record, "name"),
        email=email,
        phone=phone,
        other_emails=other_emails,
        other_phones=other_phones,
        company=pick(record, "organization name", "organization 1 name"),
        job_title=pick(record, "organization title", "organization 1 title"),
        city=pick(record, "address 1 city"),
        postcode=pick(record, "address 1 postal code"),
        country=pick(record, "address 1 country"),
        notes=pick(record, "notes"),
        tags=pick(record, "labels", "group membership").split(":::"),
    )
    for url in websites:
        network = Network.LINKEDIN if "linkedin.com" in url else Network.WEBSITE
        row.handles.setdefault(network, url)
    return row
