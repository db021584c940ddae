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
    row = Row(
        line=line,
        source=Source.LINKEDIN,
        first_name=pick(record, "first name", "firstname"),
        last_name=pick(record, "last name", "lastname"),
        email=pick(record, "email address") or next(iter(split_list(pick(record, "emails"))), ""),
        phone=next(iter(split_list(pick(record, "phonenumbers"))), ""),
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
