"""LinkedIn connections (Connections.csv, alone or in the "Get a copy of your data" ZIP)."""

from contacts.choices import Network, Source
from contacts.importing.formats.columns import Record, any_of, has, pick, split_list
from contacts.importing.row import Row

NAME = "linkedin"

detect_header = any_of(
    has("first name", "last name", "connected on"),
    has("firstname", "lastname", "emails"),
)


def read_record(record: Record, line: int) -> Row:
    """Read one connection; its profile address is the handle that finds it again."""
    url = pick(record, "url", "profile url")
    email, *other_emails = _values(record, "email address", "emails")
    phone, *other_phones = _values(record, "phonenumbers")
    row = Row(
        line=line,
        source=Source.LINKEDIN,
        first_name=pick(record, "first name", "firstname"),
        last_name=pick(record, "last name", "lastname"),
        email=email,
        phone=phone,
        other_emails=[(value, "") for value in other_emails],
        other_phones=[(value, "") for value in other_phones],
        company=pick(record, "company", "companies"),
        job_title=pick(record, "position", "title"),
    )
    if url:
        row.handles[Network.LINKEDIN] = url
    elif not row.email and "connected on" in record:
        # Older exports have no URL: the name and the day of the connection name the person.
        row.external_key = "|".join(
            [row.first_name, row.last_name, pick(record, "connected on")]
        ).casefold()
    return row


def _values(record: Record, *keys: str) -> list[str]:
    """Return the addresses or numbers these cells list ("" first if none)."""
    # Where it withholds an address LinkedIn may write the member's id instead
    # ("urn:li:member:664293716"): no mailbox, and no reason to turn the person away.
    found = [v for key in keys for v in split_list(record.get(key, "")) if v[:7] != "urn:li:"]
    return found or [""]
