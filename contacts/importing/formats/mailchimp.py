"""Mailchimp audience CSV (subscribed, unsubscribed, cleaned), with the consent it proves."""

from contacts.choices import ConsentBasis, EmailStatus, Source
from contacts.importing.formats import spreadsheet
from contacts.importing.formats.columns import Record, any_of, has, pick, split_list
from contacts.importing.row import Row

NAME = "mailchimp"

detect_header = any_of(has("email address", "optin time"), has("email address", "member rating"))


def read_record(record: Record, line: int) -> Row:
    """Read one member, and what the file proves of their consent."""
    row = spreadsheet.read_record(record, line, Source.MAILCHIMP)
    row.email = pick(record, "email address")
    row.tags = [t.strip(' "') for t in split_list(pick(record, "tags"))]
    if "unsub time" in record:
        row.status = EmailStatus.UNSUBSCRIBED
        row.proof = f"Mailchimp: unsubscribed {pick(record, 'unsub time')}"
    elif "clean time" in record:
        row.status = EmailStatus.BOUNCED
        row.proof = f"Mailchimp: cleaned {pick(record, 'clean time')}"
    elif pick(record, "optin time", "confirm time"):
        # The opt-in (and its confirmation) is the proof of consent; without it the file
        # proves nothing and the import's own basis decides.
        row.status, row.basis = EmailStatus.SUBSCRIBED, ConsentBasis.CONSENT
        row.proof = (
            f"Mailchimp: opt-in {pick(record, 'optin time')} from {pick(record, 'optin ip')}, "
            f"confirmed {pick(record, 'confirm time')} from {pick(record, 'confirm ip')}"
        )
    return row
