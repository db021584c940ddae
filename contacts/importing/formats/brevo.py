"""Brevo (formerly Sendinblue) contacts CSV, its blocklist included."""

from contacts.choices import EmailStatus, Source
from contacts.importing.formats import spreadsheet
from contacts.importing.formats.columns import Record, any_of, has, pick
from contacts.importing.row import Row

NAME = "brevo"

detect_header = any_of(has("email", "added time"), has("email", "modified time"))


def read_record(record: Record, line: int) -> Row:
    """Read one contact; a blocklisted one is recorded as unsubscribed."""
    row = spreadsheet.read_record(record, line, Source.BREVO)
    row.first_name = pick(record, "prenom", "firstname", "first name")
    row.last_name = pick(record, "nom", "lastname", "last name")
    row.phone = pick(record, "sms", "telephone", "phone", "mobile")
    blocked = [v for k, v in record.items() if "blacklist" in k or "blocklist" in k]
    if any(v.strip().lower() in {"1", "true", "yes", "oui", "x"} for v in blocked):
        row.status = EmailStatus.UNSUBSCRIBED
        row.proof = "Brevo: blocklisted"
    return row
